# Step "dump" (database client image): the database, with what the upload records and checks: the
# values in $WORK_DIR/dump/ (name, format, created, database_version, cluster; size and sha256 of an SQL
# dump written to a file) and $WORK_DIR/tables (rows per table, of the data in the dump itself: the manager
# keeps writing while it runs). $BACKUP_FORMAT: "sql" (SQL text) or "native" (CockroachDB's BACKUP writes
# straight into the bucket). An SQL dump streams into the upload container beside this one ($BESIDE, the
# backup pod: lib.sh side_by_side), or, for a safety dump ($DUMP_PREFIX, the restore pod, whose steps run
# one after another), goes into a file in $WORK_DIR.
format=${BACKUP_FORMAT:-sql}
# At install time the database may still be starting (the first backup runs as the release is
# installed, and the database pod's name resolves only once that pod is ready): wait, at most
# $DATABASE_WAIT_SECONDS, for it to answer and, for a backup, for $DATABASE_NAME to exist (the
# manager may not have created it yet). A safety dump needs no database: a missing one is nothing to save.
wait_limit=${DATABASE_WAIT_SECONDS:-0} wait_start=$(date +%s)
log "waiting for the database at $DATABASE_HOST:$DATABASE_PORT (up to $wait_limit s)"
while :; do
  waited=$(($(date +%s) - wait_start))
  if version=$(db_version 2>&1) && [ -n "$version" ]; then
    [ -z "${DUMP_PREFIX:-}" ] || break
    db_exists && break
    case $? in
      1) reason="database $DATABASE_NAME does not exist at $DATABASE_HOST:$DATABASE_PORT" ;;
      *) reason="cannot list the databases at $DATABASE_HOST:$DATABASE_PORT" ;;
    esac
  else
    reason="cannot reach database $DATABASE_NAME at $DATABASE_HOST:$DATABASE_PORT: ${version:-no answer}"
  fi
  [ "$waited" -lt "$wait_limit" ] || fail "$reason (waited $waited s)"
  sleep 2
done
log "database answered after $waited s"
# The backup pod's upload step reads from the API whether the release is in restore mode (kube.sh
# in_restore_mode): nothing is dumped, nor a native BACKUP started, before it has said no.
if [ -n "${BESIDE:-}" ]; then
  wait_for "$BESIDE" "$WORK_DIR/not-restoring" || fail "$(peer_failure "$BESIDE"): nothing was dumped"
fi
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
log "dumping database $DATABASE_NAME from $DATABASE_HOST:$DATABASE_PORT ($format)"
# The database cluster's own identity keeps two clusters' backups apart in one bucket (it is part of
# a backup's name) and lets a restore see that a backup comes from another cluster.
cluster=$(db_cluster_id 2>&1) ||
  fail "cannot read the identity of the database cluster at $DATABASE_HOST:$DATABASE_PORT: $cluster"
# It must be a name this tool writes and reads back (renderer/restore/backups.py CLUSTER; s3.sh our_backups).
case $cluster in '' | [!A-Za-z0-9]* | *[!A-Za-z0-9-]*) cluster_ok=no ;; *) cluster_ok=yes ;; esac
[ "$cluster_ok" = yes ] && [ "${#cluster}" -le 64 ] ||
  fail "the database cluster at $DATABASE_HOST:$DATABASE_PORT gave an identity that is not 1-64 letters, digits and \"-\" (the first a letter or digit): \"$cluster\""
# Recorded now: the restore pod's fetch step reads it even when there is nothing to save.
put_values dump cluster "$cluster"
name=$(object_name "$(printf '%s' "$now" | tr -d ':-')" "$cluster" "$format")
mkdir -p "$WORK_DIR/$NAMESPACE"
file="$WORK_DIR/$name"
if [ -n "${DUMP_PREFIX:-}" ]; then
  if db_exists; then exists=0; else exists=$?; fi
  [ "$exists" -le 1 ] || fail "cannot list the databases at $DATABASE_HOST:$DATABASE_PORT"
  [ "$exists" = 1 ] || db_table_counts > "$WORK_DIR/tables" || fail "cannot count the rows of the tables of $DATABASE_NAME"
  if [ ! -s "$WORK_DIR/tables" ]; then
    # A safety dump of a missing or empty database: nothing to lose, nothing to save.
    log "database $DATABASE_NAME is missing or has no tables: no safety dump needed"
    : > "$WORK_DIR/nothing-to-save"
    exit 0
  fi
fi
size='' sha256=''
# shown_output: what the dump said (its warnings, its errors) into this step's log, as it would have without alive.
shown_output() { if [ -s "$alive_log" ]; then redacted "$(cat "$alive_log")" >&2; echo >&2; fi; }
# The name is written last, once the upload beside this step may start on it: before a stream, which the upload
# must be reading; after a dump into a file or the bucket.
put_values dump format "$format" created "$now" database_version "$version"
if [ "$format" = native ]; then
  # The BACKUP writes into the bucket itself: only once the upload step has checked this node's clock, which names it.
  if [ -n "${BESIDE:-}" ]; then
    wait_for "$BESIDE" "$WORK_DIR/clock-checked" || fail "$(peer_failure "$BESIDE"): no BACKUP was started"
  fi
  log "BACKUP DATABASE $DATABASE_NAME INTO s3://$S3_BUCKET/$(key_of "$name")"
  alive "BACKUP of $DATABASE_NAME" "" db_backup_native "$(backup_url "$(key_of "$name")")" "$WORK_DIR/tables" \
    < /dev/null || fail "BACKUP of $DATABASE_NAME failed: $(redacted "$(cat "$alive_log")")"
  put_values dump name "$name"
elif [ -n "${BESIDE:-}" ]; then
  put_values dump name "$name"
  log "streaming the dump to the $BESIDE step"
  status=0 waited=0
  alive "dumping $DATABASE_NAME" "" db_dump "$STREAM" "$WORK_DIR/tables" < /dev/null || status=$?
  shown_output
  if [ "$status" != 0 ]; then
    # A broken pipe: the upload ended first? Then that is the reason, and it ends within moments (it waits for
    # this step's end only once the dump is over, so 5 s bound the wait). Or it was killed without a word: its
    # heartbeat stands still, and the watch calls it gone after SILENCE_SECONDS (lib.sh watch_beside), longer
    # than 5 s: while the heartbeat stands still, the wait goes on until then, so the line names the cause.
    beat=$(cat "$WORK_DIR/$BESIDE.alive" 2> /dev/null) || beat=''
    until ended "$BESIDE" || gone "$BESIDE"; do
      sleep 0.2 && waited=$((waited + 1))
      now_beat=$(cat "$WORK_DIR/$BESIDE.alive" 2> /dev/null) || now_beat=''
      [ "$now_beat" = "$beat" ] || { [ "$waited" -lt 25 ] || break; beat=$now_beat; }
    done
    if gone "$BESIDE"; then fail "$(peer_failure "$BESIDE"): the dump of $DATABASE_NAME was cut short"; fi
    fail "the dump of $DATABASE_NAME failed (exit $status; the $BESIDE step still runs: the dump's own output says why)"
  fi
else
  status=0
  alive "dumping $DATABASE_NAME" "written $file.partial" db_dump "$file.partial" "$WORK_DIR/tables" < /dev/null ||
    status=$?
  shown_output
  [ "$status" = 0 ] || fail "the dump of $DATABASE_NAME failed (exit $status); nothing was uploaded"
  [ -s "$file.partial" ] || fail "the dump of $DATABASE_NAME is empty; nothing was uploaded"
  mv "$file.partial" "$file"
  size=$(size_of "$file") sha256=$(sha256_of "$file")
  put_values dump size "$size" sha256 "$sha256" name "$name"
fi
log "dumped $name${size:+: $size bytes}, $(wc -l < "$WORK_DIR/tables" | tr -d ' ') tables"

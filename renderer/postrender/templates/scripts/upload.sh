# Step "upload" (AWS CLI image), beside the dump step ($BESIDE, lib.sh side_by_side): an SQL dump streams
# from it into the bucket, summed on the way, then read back and compared by SHA-256; a native backup
# (written into the bucket by the database) is read and summed once the dump step has ended. Then the
# metadata object (written last: it marks the backup complete), then retention. First of all, the dump
# step waits for it to say that the release is not in restore mode ($WORK_DIR/not-restoring): a backup
# of a database that a restore is changing would be complete, verified, and become `latest`.
refuse_in_restore_mode backup
: > "$WORK_DIR/not-restoring"
# This node's clock names the backup (the dump step's `created`, in the same pod): checked against the object
# store's before a byte of the dump is read, while the dump step starts (it connects to the database and reads its
# identity); an SQL dump then waits on the stream, which this step opens only once the clock is right, a native
# BACKUP (which writes into the bucket itself) for $WORK_DIR/clock-checked. A wrong clock makes no backup (nothing is
# uploaded, no BACKUP started), and the Job fails as one that kept none (exit 1, not KEPT_EXIT).
# - First the Date of the store's answer to a HEAD of the endpoint (store_date: one curl call). When this clock
#   agrees with it, that is all (issue 23: it used to be three AWS CLI calls every run).
# - Otherwise (no answer, no Date, or a Date this clock disagrees with, which may be a server's in between) the
#   store's own clock decides: an empty object this pod writes, whose name no listing of backups takes (it starts
#   with a dot, as --status' probe), one per release, its LastModified read, the object deleted again.
# - A store that refuses that write (keys, bucket, endpoint) refuses the backup's upload too, which then says why
#   in its own words: the check is skipped, said in the log, and retention checks the clock again (the LastModified
#   of the metadata object) before it deletes anything.
if store_time=$(store_date) && ! clock_off "$store_time"; then
  :
else
  log "checking this pod's clock by an object written to the store (the Date of its answer to a HEAD of \
$S3_ENDPOINT: $(if [ -n "${c_skew:-}" ]; then echo "this clock is ${c_skew#-} s $c_way it"; else echo "$store_time"; fi))"
  clock_probe=$(key_of "$NAMESPACE/.datashield-clock-$RELEASE")
  : > "$WORK_DIR/clock-probe"  # --body takes a regular file only (the CLI checks os.path.isfile; /dev/null is refused)
  if out=$(s3 s3api put-object --bucket "$S3_BUCKET" --key "$clock_probe" --body "$WORK_DIR/clock-probe" 2>&1); then
    probe_read=0
    probe_time=$(s3 s3api head-object --bucket "$S3_BUCKET" --key "$clock_probe" --query LastModified --output text \
      2>&1) || probe_read=$?
    out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$clock_probe" 2>&1) ||
      log "WARNING: cannot delete s3://$S3_BUCKET/$clock_probe (the clock check's; delete it yourself): $out"
    [ "$probe_read" = 0 ] || fail "cannot read when the object store wrote s3://$S3_BUCKET/$clock_probe, to check \
this pod's clock: no backup was made: $probe_time"
    clock_checked "$probe_time" "the store wrote s3://$S3_BUCKET/$clock_probe" "" "no backup was made"
  else
    log "WARNING: cannot write s3://$S3_BUCKET/$clock_probe to check this pod's clock before the upload: $out"
  fi
fi
: > "$WORK_DIR/clock-checked"
wait_for "$BESIDE" "$WORK_DIR/dump/name" || fail "$(peer_failure "$BESIDE"): nothing was uploaded"
name=$(value dump name) format=$(value dump format) created=$(value dump created)
cluster=$(value dump cluster) database_version=$(value dump database_version)
key=$(key_of "$name")
files=1
# dump_ok: waits for the dump step's end; true when it succeeded.
dump_ok() { wait_for "$BESIDE" "$WORK_DIR/$BESIDE.status" && ended "$BESIDE" && [ "$ended_status" = 0 ]; }
if [ "$format" = native ]; then
  dump_ok || fail "$(peer_failure "$BESIDE"): nothing was uploaded"
  native_digest "$key"
  [ "$files" -gt 0 ] || fail "BACKUP wrote nothing under s3://$S3_BUCKET/$key/"
else
  log "uploading s3://$S3_BUCKET/$key as the $BESIDE step writes it"
  put_streamed "$STREAM" "$key"
  # Complete only if the dump is: an upload ends at the dump's end of file, whether it ended well or not.
  dump_ok || fail "$(peer_failure "$BESIDE"): $(deleted "$key" "what it had streamed")"
  # Read back against the stream that went up: the object is the dump, byte for byte, and it creates every table
  # counted (read_back_dump).
  tables_counted=$WORK_DIR/tables
  [ -f "$tables_counted" ] || tables_counted=/dev/null
  read_back_dump "$key" "$streamed_cksum" "$tables_counted"
  size=$summed_size sha256=$streamed_sha256
  [ "$size" -gt 0 ] || fail "the dump of $DATABASE_NAME is empty: $(deleted "$key" "its object")"
fi
# The nodes are what a restore checks the SGX rule against. Without them the backup is
# still kept (its data matters more), but the log and the metadata say why they are missing.
nodes_error=''
manager_nodes=$(nodes_of "$MANAGER_SELECTOR") || { nodes_error="manager pods: $manager_nodes"; manager_nodes=null; }
database_nodes=$(nodes_of "$DATABASE_SELECTOR") ||
  { nodes_error="${nodes_error:+$nodes_error; }database pods: $database_nodes"; database_nodes=null; }
[ -z "$nodes_error" ] ||
  log "WARNING: cannot read the nodes ($nodes_error); a restore of this backup will need an explicit override"
metadata_json "$key" "$format" "$files" "$size" "$sha256" "$created" '  "kind": "backup",' > "$WORK_DIR/$name.json"
put_verified "$WORK_DIR/$name.json" "$key.json"
log "backup complete: s3://$S3_BUCKET/$key ($size bytes, sha256 $sha256)"
# From here on the backup is complete: a failure keeps it, says so, and exits with KEPT_EXIT, on
# which the Job's podFailurePolicy fails the Job without another try (every try writes another backup).
fail_code=$KEPT_EXIT
fail_note="; THE BACKUP s3://$S3_BUCKET/$key IS COMPLETE AND KEPT: only what follows it failed, and the Job is \
not tried again (exit $KEPT_EXIT)"
# Retention, the last and most careful step: keeps the newest $RETENTION complete backups of this
# release, namespace and database cluster (our_backups: only what the metadata proves ours; backups of
# the earlier layout, which name no cluster, count too) and deletes older ones, data first and
# metadata last, so that a pair cut short stays provably ours: a half-deleted pair (metadata whose
# data is gone) is finished by the next run. The backup just written is never deleted by its own
# run; future-dated, foreign and damaged objects are reported by our_backups and never touched.
# The store's time of the metadata object: its read-back's answer (put_verified), so no call of its own.
clock_checked "$summed_modified" "the store wrote s3://$S3_BUCKET/$key.json" "retention: " "nothing was deleted"
stamp=$(printf '%s' "$created" | tr -d ':-')
our_backups
grep -e " $cluster " -e ' - ' "$WORK_DIR/backups" > "$WORK_DIR/retained" || true
grep -qxF "$stamp $cluster $key" "$WORK_DIR/retained" ||
  fail "retention: the backup just written, $key, is not among the complete backups listed: nothing deleted"
count=$(grep -c . "$WORK_DIR/retained" || true)
excess=$((count - RETENTION))
# delete_pair KEY FORMAT: the data (an object, or a native backup's folder), then the backup's drill
# records (KEY.drill-<stamp>.json, listed now: a drill may have written one since our_backups listed), then
# the metadata object, last: until it is gone the pair stays provably ours, and the next run finishes it.
delete_pair() {
  case $2 in
    native) out=$(s3 s3 rm --recursive --only-show-errors "s3://$S3_BUCKET/$1/" 2>&1) ;;
    *) out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$1" 2>&1) ;;
  esac || fail "retention: cannot delete s3://$S3_BUCKET/$1 (its metadata object is kept, the next run tries again): $out"
  out=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$1.drill-" --output json --query 'Contents[].Key' 2>&1) ||
    fail "retention: deleted s3://$S3_BUCKET/$1 but cannot list its drill records (the next run finishes it): $out"
  printf '%s\n' "$out" | sed -n "s|^ *\"\([$OUR_KEY_CHARS]*\)\",\{0,1\}\$|\1|p" > "$WORK_DIR/drill-records"
  while read -r record; do
    # shellcheck disable=SC2254  # $STAMP_GLOB is a pattern; the key around it is quoted, literal
    case $record in "$1".drill-$STAMP_GLOB.json) ;; *) continue ;; esac
    out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$record" 2>&1) ||
      fail "retention: deleted s3://$S3_BUCKET/$1 but not its drill record $record (the next run finishes it): $out"
  done < "$WORK_DIR/drill-records"
  out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$1.json" 2>&1) ||
    fail "retention: deleted s3://$S3_BUCKET/$1 but not its metadata object (the next run finishes it): $out"
}
while read -r half_stamp half_cluster half_key; do
  # Metadata of ours whose data is gone or short, older than this backup: a deletion cut short.
  case $half_cluster in "$cluster" | -) ;; *) continue ;; esac
  [ "$(printf '%s' "$half_stamp" | tr -d TZ)" -lt "$(printf '%s' "$stamp" | tr -d TZ)" ] || continue
  delete_pair "$half_key" "${half_key##*.}"
  log "retention: finished deleting $half_key (a deletion cut short earlier)"
done < "$WORK_DIR/half-deleted"
# Drill records whose backup is gone, data and metadata (a drill that outlived its backup wrote one just
# after retention deleted it: record.sh checks first, but a run can still land in between): the listing of
# our_backups, only keys named as a drill record of a backup of this release and namespace (our_name), and
# only of backups older than this one. Nothing else reads them, and nothing would delete them ever.
grep -F .drill- "$WORK_DIR/listing" > "$WORK_DIR/listed-records" || true
while read -r _ orphan; do
  # shellcheck disable=SC2254  # $STAMP_GLOB is a pattern; the key around it is quoted, literal
  case $orphan in "$b_base"*.drill-$STAMP_GLOB.json) ;; *) continue ;; esac
  drilled=${orphan%.drill-*}
  our_name "${drilled#"$b_base"}" || continue
  [ "$(printf '%s' "$b_stamp" | tr -d TZ)" -lt "$(printf '%s' "$stamp" | tr -d TZ)" ] || continue
  # shellcheck disable=SC2016  # $2 is awk's
  ! awk -v key="$drilled" '$2 == key || $2 == key ".json" || index($2, key "/") == 1 { found = 1 } END { exit !found }' \
    "$WORK_DIR/listing" || continue
  out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$orphan" 2>&1) ||
    fail "retention: cannot delete $orphan, a drill record of the deleted backup $drilled (the next run tries again): $out"
  log "retention: deleted $orphan, a drill record of $drilled, which was deleted before the drill ended"
done < "$WORK_DIR/listed-records"
if [ "$excess" -le 0 ]; then
  log "retention: $count complete backups, at most $RETENTION are kept: nothing to delete"
else
  head -n "$excess" "$WORK_DIR/retained" | while read -r _ _ old; do
    [ "$old" != "$key" ] || continue
    delete_pair "$old" "${old##*.}"
    log "retention: deleted $old"
  done
fi
# Orphans: the data of this release's own backups that never completed. An upload or a native BACKUP killed
# mid-way leaves data and no metadata object (none will ever be written), an upload killed mid-stream an
# unfinished multipart upload (its parts, paid for, listed as no object); nothing else would ever delete them.
# Deleted (aborted) once older, by the object store's clock (c_store, when it wrote this backup's metadata
# object: clock_checked), than the backup Job's deadline (BACKUP_DEADLINE_SECONDS): no Job still running can be
# writing them. Only names of the current layout and this cluster (our_name): one of the earlier layout names
# no namespace, so without metadata it cannot be proved ours, and another cluster's are its own pods' to sweep
# (their deadline may be longer). Shared buckets: nothing else is listed (listing's filter). The listing is
# our_backups', from before retention: what retention deleted since was a complete pair, listed with its metadata,
# so never taken for an orphan; what a run still under way writes since is younger than the deadline. Last, so that a sweep
# that fails never keeps retention from the complete backups. Unfinished uploads need permissions that retention
# needs nowhere else (s3:ListBucketMultipartUploads, s3:AbortMultipartUpload): keys without them get a WARNING,
# and a lifecycle rule (AbortIncompleteMultipartUpload) does that part.
swept_before=$((c_store - BACKUP_DEADLINE_SECONDS))
swept_why="older than the backup Job's deadline of $BACKUP_DEADLINE_SECONDS s"
# orphan KEY TIME: whether KEY (data, an object or a native backup's folder), written at TIME by the store's
# clock, is of this release's, namespace's and cluster's backups and written before swept_before.
orphan() {
  our_name "${1#"$b_base"}" && [ "$b_cluster" = "$cluster" ] &&
    o_written=$(date -u -d "$2" +%s 2> /dev/null) && [ "$o_written" -lt "$swept_before" ]
}
# shellcheck disable=SC2016  # $1, $2 are awk's
awk '{ key = $2; at = index(key, ".native/"); if (at) key = substr(key, 1, at + 6); listed[$2] = 1
    if (!(key in last) || $1 > last[key]) last[key] = $1 }
  END { for (key in last) if (!((key ".json") in listed)) print last[key], key }' "$WORK_DIR/dated" > "$WORK_DIR/unrecorded"
while read -r o_time o_key; do
  orphan "$o_key" "$o_time" || continue
  case $o_key in
    *.native) out=$(s3 s3 rm --recursive --only-show-errors "s3://$S3_BUCKET/$o_key/" 2>&1) ;;
    *) out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$o_key" 2>&1) ;;
  esac || fail "retention: cannot delete s3://$S3_BUCKET/$o_key, the data of a backup that never completed (the next run tries again): $out"
  log "retention: deleted s3://$S3_BUCKET/$o_key, the data of a backup that never completed (no metadata object, $swept_why)"
done < "$WORK_DIR/unrecorded"
out=$(s3 s3api list-multipart-uploads --bucket "$S3_BUCKET" --prefix "$b_base" --output json \
  --query "Uploads[?$l_filter].join(' ', [Initiated, UploadId, Key])" 2>&1) || {
  log "retention: WARNING: cannot list the unfinished uploads under s3://$S3_BUCKET/$b_base: $out"
  out=''
}
printf '%s\n' "$out" |
  sed -n "s|^ *\"\([0-9][-0-9T:.+Z]*\) \([A-Za-z0-9._~=+/-]*\) \([$OUR_KEY_CHARS]*\)\",\{0,1\}\$|\1 \2 \3|p" > "$WORK_DIR/unfinished"
while read -r o_time o_id o_key; do
  case $o_key in *.native/*) o_data=${o_key%%.native/*}.native ;; *) o_data=$o_key ;; esac
  orphan "$o_data" "$o_time" || continue
  if out=$(s3 s3api abort-multipart-upload --bucket "$S3_BUCKET" --key "$o_key" --upload-id "$o_id" 2>&1); then
    log "retention: aborted an unfinished upload to s3://$S3_BUCKET/$o_key ($swept_why)"
  else
    log "retention: WARNING: cannot abort the unfinished upload $o_id to s3://$S3_BUCKET/$o_key (the next run tries again): $out"
  fi
done < "$WORK_DIR/unfinished"

# load: the steps that load a backup into a database (restore.sh, drill.sh; database client image).
# load_backup KEY FORMAT: the backup KEY, verified by verify_backup (s3.sh) in an earlier step, into
# $DATABASE_NAME, which does not exist (native: CockroachDB's RESTORE from the bucket; sql: create it and
# import $WORK_DIR/restore.sql); then the rows of every table counted into $WORK_DIR/restored-tables and
# compared with $WORK_DIR/expected-tables (when the metadata recorded counts). Before each part it calls
# `state WHAT`, the step's own: what a failure there leaves the database as (the restore step says it with
# every failure; the drill's throwaway database needs no such word).
load_backup() {
  if [ "$2" = native ]; then
    log "RESTORE DATABASE $DATABASE_NAME FROM LATEST IN s3://$S3_BUCKET/$1"
    state "is dropped, or partly restored from $1"
    load_status=0
    alive "restoring (RESTORE)" "" db_restore_native "$(backup_url "$1")" < /dev/null || load_status=$?
    [ "$load_status" = 0 ] || fail "RESTORE failed: $(cat "$WORK_DIR/alive.log")"
  else
    state "is dropped (it does not exist now)"
    db_create || fail "cannot create $DATABASE_NAME"
    total=$(size_of "$WORK_DIR/restore.sql")
    log "importing $total bytes"
    state "holds part of $1 (the import stopped)"
    load_status=0
    alive importing "$total" db_import < "$WORK_DIR/restore.sql" || load_status=$?
    [ "$load_status" = 0 ] || fail "the import failed (exit $load_status): $(tail -n 3 "$WORK_DIR/alive.log")"
  fi
  state "holds $1, but its row counts could not be checked"
  # Kept only when complete: the drill record shows these counts, or none.
  rm -f "$WORK_DIR/restored-tables"
  db_table_counts > "$WORK_DIR/counting" || fail "cannot count the rows of the restored tables"
  mv "$WORK_DIR/counting" "$WORK_DIR/restored-tables"
  state "holds $1, with other row counts than its metadata records"
  if [ -f "$WORK_DIR/expected-tables" ]; then
    differ=$(tables_differ "$WORK_DIR/expected-tables" "$WORK_DIR/restored-tables") ||
      fail "cannot compare the row counts of the restored tables with the backup's metadata"
    [ -z "$differ" ] || fail "the restored tables differ from the backup's metadata: $differ"
  fi
}
# alive WHAT TOTAL COMMAND...: runs COMMAND (its standard input this function's; its output into
# $WORK_DIR/alive.log) and, while it runs, says every $PROGRESS_SECONDS (30 by default) that it is alive:
# "WHAT: <s> s", and with TOTAL (the size of what COMMAND reads on its standard input) the bytes read so far,
# the offset of that input (pos in /proc/<pid>/fdinfo/0, proc(5): the subshell and the database client
# share the open file, and so its offset). An import or a RESTORE of a large database runs for hours:
# helm datashield-restore shows these lines as they come. Returns COMMAND's exit status, read from a file:
# a child that has ended is a zombie until waited for, and `kill -0` still finds it.
alive() {
  alive_what=$1 alive_total=$2 && shift 2
  rm -f "$WORK_DIR/alive.status"
  # An asynchronous list's standard input is /dev/null unless redirected explicitly (POSIX, Shell Command
  # Language 2.9.3): this function's goes to it through fd 3.
  exec 3<&0
  { alive_exit=0; "$@" > "$WORK_DIR/alive.log" 2>&1 || alive_exit=$?; echo "$alive_exit" > "$WORK_DIR/alive.status"; } <&3 &
  alive_pid=$! alive_start=$(date +%s)
  exec 3<&-
  alive_next=$((alive_start + ${PROGRESS_SECONDS:-30}))
  until [ -s "$WORK_DIR/alive.status" ]; do
    if [ "$(date +%s)" -ge "$alive_next" ]; then
      alive_read=''
      [ -z "$alive_total" ] ||
        alive_read=$(sed -n 's/^pos:[[:space:]]*//p' "/proc/$alive_pid/fdinfo/0" 2> /dev/null) || alive_read=''
      log "$alive_what: ${alive_total:+${alive_read:-?} of $alive_total bytes read, }$(($(date +%s) - alive_start)) s"
      alive_next=$((alive_next + ${PROGRESS_SECONDS:-30}))
    fi
    sleep 0.2
  done
  wait "$alive_pid" || true
  return "$(cat "$WORK_DIR/alive.status")"
}
# TABLES_DIFFER (awk): the tables whose row counts differ, from two files of the database's own '"name": rows'
# lines (db_table_counts, meta_tables: sorted; either may be empty), the metadata's first: '"t7": 1 rows, the metadata records 2',
# '"x": missing, the metadata records 3', then the database's others, '"y": 4 rows, not in the metadata';
# at most 5, then "and N more" (a count of every table, twice, would be a line of thousands of tables that
# never says which one differs). A name is the JSON string the database escaped (quotes, spaces, "\n" in it):
# each line is split after its closing quote, before the last ": " (the digits hold none). Counts are
# compared as text, byte for byte (no number of awk's rounds them). Nothing when every count is as recorded.
# shellcheck disable=SC2016  # $0, $1... are awk's fields, not the shell's
TABLES_DIFFER='function split_line() { match($0, /: [0-9]+$/); name = substr($0, 1, RSTART - 1); rows = substr($0, RSTART + 2) }
  function show(text) { if (++shown <= 5) out = out (shown > 1 ? "; " : "") name ": " text }
  FILENAME == ARGV[1] { split_line(); recorded[name] = rows; order[++n] = name; next }
  { split_line(); restored[name] = rows; if (!(name in recorded)) extra[++m] = name }
  END {
    for (i = 1; i <= n; i++) {
      name = order[i]
      if (!(name in restored)) show("missing, the metadata records " recorded[name])
      else if (restored[name] != recorded[name]) show(restored[name] " rows, the metadata records " recorded[name])
    }
    for (i = 1; i <= m; i++) { name = extra[i]; show(restored[name] " rows, not in the metadata") }
    if (shown > 5) out = out "; and " (shown - 5) " more"
    printf "%s", out
  }'
# tables_differ RECORDED RESTORED: TABLES_DIFFER of the two files.
tables_differ() { LC_ALL=C awk "$TABLES_DIFFER" "$1" "$2"; }
# tables_checked: what load_backup compared the row counts with, for the log.
tables_checked() {
  if [ -f "$WORK_DIR/expected-tables" ]; then echo "row counts as recorded"; else echo "no row counts recorded to compare"; fi
}

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
    [ "$load_status" = 0 ] || fail "RESTORE failed: $(cat "$alive_log")"
  else
    state "is dropped (it does not exist now)"
    db_create || fail "cannot create $DATABASE_NAME"
    total=$(size_of "$WORK_DIR/restore.sql")
    log "importing $total bytes"
    state "holds part of $1 (the import stopped)"
    load_status=0
    alive importing "read $total" db_import < "$WORK_DIR/restore.sql" || load_status=$?
    [ "$load_status" = 0 ] || fail "the import failed (exit $load_status): $(tail -n 3 "$alive_log")"
  fi
  state "holds $1, but its row counts could not be checked"
  # Kept only when complete: the drill record shows these counts, or none.
  rm -f "$WORK_DIR/restored-tables"
  db_table_counts > "$WORK_DIR/counting" || fail "cannot count the rows of the restored tables"
  mv "$WORK_DIR/counting" "$WORK_DIR/restored-tables"
  state "holds $1, with other row counts than its metadata records"
  if [ -f "$WORK_DIR/expected-tables" ]; then
    compared="$WORK_DIR/restored-tables"
    if [ -f "$WORK_DIR/public-only" ]; then
      # Metadata written when only the tables of public were counted (s3.sh verify_backup): those compared.
      LC_ALL=C awk "$PUBLIC_TABLES" "$WORK_DIR/restored-tables" > "$WORK_DIR/restored-public-tables"
      compared="$WORK_DIR/restored-public-tables"
      others=$(($(grep -c . "$WORK_DIR/restored-tables" || true) - $(grep -c . "$compared" || true)))
      [ "$others" = 0 ] || log "the backup's metadata counts the tables of schema public only (written before \
other schemas were counted): tables of other schemas restored but not compared: $others"
    fi
    differ=$(tables_differ "$WORK_DIR/expected-tables" "$compared") ||
      fail "cannot compare the row counts of the restored tables with the backup's metadata"
    [ -z "$differ" ] || fail "the restored tables differ from the backup's metadata: $differ"
  fi
}
# PUBLIC_TABLES (awk, LC_ALL=C): the '"name": rows' lines of tables of public (COUNTED_NAME: a name with
# no "." and no '"', or public."<name>"), what metadata without "tableNames" counted.
# shellcheck disable=SC2016  # $0 is awk's
PUBLIC_TABLES='{ key = substr($0, 2, match($0, /": [0-9]+$/) - 2) }
  (!index(key, ".") && !index(key, "\\\"")) || substr(key, 1, 9) == "public.\\\""'
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

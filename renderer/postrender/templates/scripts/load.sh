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
    out=$(db_restore_native "$(backup_url "$1")" 2>&1) || fail "RESTORE failed: $out"
  else
    state "is dropped (it does not exist now)"
    db_create || fail "cannot create $DATABASE_NAME"
    log "importing"
    state "holds part of $1 (the import stopped)"
    db_import "$WORK_DIR/restore.sql" > "$WORK_DIR/import.log" 2>&1 ||
      fail "the import failed (exit $?): $(tail -n 3 "$WORK_DIR/import.log")"
  fi
  state "holds $1, but its row counts could not be checked"
  # Kept only when complete: the drill record shows these counts, or none.
  rm -f "$WORK_DIR/restored-tables"
  db_table_counts > "$WORK_DIR/counting" || fail "cannot count the rows of the restored tables"
  mv "$WORK_DIR/counting" "$WORK_DIR/restored-tables"
  state "holds $1, with other row counts than its metadata records"
  # Both sides are the database's own '"name": rows' lines, sorted: compared as text, byte for byte.
  if [ -f "$WORK_DIR/expected-tables" ] &&
    [ "$(cat "$WORK_DIR/expected-tables")" != "$(cat "$WORK_DIR/restored-tables")" ]; then
    fail "the restored tables differ from the backup's metadata: expected $(cat "$WORK_DIR/expected-tables") got \
$(cat "$WORK_DIR/restored-tables")"
  fi
}
# tables_checked: what load_backup compared the row counts with, for the log.
tables_checked() {
  if [ -f "$WORK_DIR/expected-tables" ]; then echo "row counts as recorded"; else echo "no row counts recorded to compare"; fi
}

# Step "restore" (database client image), restore mode: replaces the database with the
# backup that the fetch step verified (SQL text: drop, create, import; native: drop, then
# CockroachDB's RESTORE from the bucket), then checks every table's row count against the
# backup's metadata.
restore_key='' restore_format=''
[ -f "$WORK_DIR/restore.env" ] ||
  fail "no verified backup in $WORK_DIR: the fetch step did not finish"
# shellcheck source=/dev/null  # written by the fetch step
. "$WORK_DIR/restore.env"
log "dropping $DATABASE_NAME"
db_drop || fail "cannot drop $DATABASE_NAME (the safety dump is in the bucket)"
if [ "$restore_format" = native ]; then
  log "RESTORE DATABASE $DATABASE_NAME FROM LATEST IN s3://$S3_BUCKET/$restore_key"
  out=$(db_restore_native "$(backup_url "$restore_key")" 2>&1) ||
    fail "RESTORE failed: $(redacted "$out") (the safety dump is in the bucket)"
else
  db_create || fail "cannot create $DATABASE_NAME (the safety dump is in the bucket)"
  log "importing"
  db_import "$WORK_DIR/restore.sql" > "$WORK_DIR/import.log" 2>&1 ||
    fail "the import failed (exit $?): $(tail -n 3 "$WORK_DIR/import.log" | tr '\n' ' ')(the safety dump is in the bucket)"
fi
db_table_counts | tables_json > "$WORK_DIR/restored-tables" || fail "cannot count the rows of the restored tables"
if [ -f "$WORK_DIR/expected-tables" ] && ! cmp -s "$WORK_DIR/expected-tables" "$WORK_DIR/restored-tables"; then
  fail "the restored tables differ from the backup's metadata: expected $(tr '\n' ' ' < "$WORK_DIR/expected-tables")got $(tr '\n' ' ' < "$WORK_DIR/restored-tables")"
fi
checked="row counts as recorded"
[ -f "$WORK_DIR/expected-tables" ] || checked="no row counts recorded to compare"
log "restored $DATABASE_NAME: $(grep -c . "$WORK_DIR/restored-tables" || true) tables, $checked"

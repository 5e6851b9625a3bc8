# Step "restore" (database client image), restore mode: replaces the database with the
# backup that the fetch step verified, then checks every table's row count against the
# backup's metadata.
[ -s "$WORK_DIR/restore.sql" ] && [ -f "$WORK_DIR/expected-tables" ] ||
  fail "no verified backup in $WORK_DIR: the fetch step did not finish"
log "dropping and recreating $DATABASE_NAME"
db_recreate || fail "cannot recreate $DATABASE_NAME (the safety dump is in the bucket)"
log "importing"
db_import "$WORK_DIR/restore.sql" > "$WORK_DIR/import.log" 2>&1 ||
  fail "the import failed (exit $?): $(tail -n 3 "$WORK_DIR/import.log" | tr '\n' ' ')(the safety dump is in the bucket)"
db_table_counts | tables_json > "$WORK_DIR/restored-tables" || fail "cannot count the rows of the restored tables"
if ! cmp -s "$WORK_DIR/expected-tables" "$WORK_DIR/restored-tables"; then
  fail "the restored tables differ from the backup's metadata: expected $(tr '\n' ' ' < "$WORK_DIR/expected-tables")got $(tr '\n' ' ' < "$WORK_DIR/restored-tables")"
fi
log "restored $DATABASE_NAME: $(grep -c . "$WORK_DIR/restored-tables" || true) tables, row counts as recorded"

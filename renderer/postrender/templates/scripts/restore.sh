# Step "restore" (database client image), restore mode: replaces the database with the
# backup that the fetch step verified (SQL text: drop, create, import; native: drop, then
# CockroachDB's RESTORE from the bucket), then checks every table's row count against the
# backup's metadata.
restore_key=$(value restore key) restore_format=$(value restore format) safety=$(value safety name)
[ -n "$restore_key" ] || fail "no verified backup in $WORK_DIR: the fetch step did not finish"
# From the DROP on, every failure says what state the database is in and the one command that puts
# the data from before back.
if [ -n "$safety" ]; then
  put_back="the data from before is s3://$S3_BUCKET/$(key_of "$safety"); to put it back: helm datashield-restore \
$RELEASE -n $NAMESPACE --chart <the chart $RELEASE runs> --from $safety"
else
  put_back="it was missing or empty before this restore (no safety dump): there is no data from before to put back"
fi
state() { fail_note="; $DATABASE_NAME $1; $put_back"; }
log "dropping $DATABASE_NAME"
state "may be dropped or unchanged (the DROP failed)"
db_drop || fail "cannot drop $DATABASE_NAME"
if [ "$restore_format" = native ]; then
  log "RESTORE DATABASE $DATABASE_NAME FROM LATEST IN s3://$S3_BUCKET/$restore_key"
  state "is dropped, or partly restored from $restore_key"
  out=$(db_restore_native "$(backup_url "$restore_key")" 2>&1) || fail "RESTORE failed: $out"
else
  state "is dropped (it does not exist now)"
  db_create || fail "cannot create $DATABASE_NAME"
  log "importing"
  state "holds part of $restore_key (the import stopped)"
  db_import "$WORK_DIR/restore.sql" > "$WORK_DIR/import.log" 2>&1 ||
    fail "the import failed (exit $?): $(tail -n 3 "$WORK_DIR/import.log")"
fi
state "holds $restore_key, but its row counts could not be checked"
db_table_counts > "$WORK_DIR/restored-tables" || fail "cannot count the rows of the restored tables"
state "holds $restore_key, with other row counts than its metadata records"
# Both sides are the database's own '"name": rows' lines, sorted: compared as text, byte for byte.
if [ -f "$WORK_DIR/expected-tables" ] &&
  [ "$(cat "$WORK_DIR/expected-tables")" != "$(cat "$WORK_DIR/restored-tables")" ]; then
  fail "the restored tables differ from the backup's metadata: expected $(cat "$WORK_DIR/expected-tables") got \
$(cat "$WORK_DIR/restored-tables")"
fi
checked="row counts as recorded"
[ -f "$WORK_DIR/expected-tables" ] || checked="no row counts recorded to compare"
log "restored $DATABASE_NAME: $(grep -c . "$WORK_DIR/restored-tables" || true) tables, $checked"

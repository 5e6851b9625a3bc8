# Step "restore" (database client image), restore mode: replaces the database with the
# backup that the fetch step verified (drop, then load_backup, lib.sh: SQL text: create, import;
# native: CockroachDB's RESTORE from the bucket; then every table's row count checked against the
# backup's metadata).
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
load_backup "$restore_key" "$restore_format"
log "restored $DATABASE_NAME: $(grep -c . "$WORK_DIR/restored-tables" || true) tables, $(tables_checked)"

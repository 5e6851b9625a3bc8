# Step "fetch" (AWS CLI image), restore mode: first saves the safety dump of the current data
# to the bucket (verified), then picks the backup ($RESTORE_BACKUP: an object key under the
# prefix, or "latest" = the newest complete backup), downloads it with its metadata and
# checks size and SHA-256 against the metadata. The database is not touched here.
for safety in "$WORK_DIR"/pre-restore-*.sql; do
  [ -f "$safety" ] || [ -f "$WORK_DIR/nothing-to-save" ] ||
    fail "no safety dump of the current data in $WORK_DIR: refusing to restore"
  [ -f "$safety" ] || continue
  put_verified "$safety" "$(key_of "$(basename "$safety")")"
  log "the data before this restore is saved as s3://$S3_BUCKET/$(key_of "$(basename "$safety")")"
done
if [ "$RESTORE_BACKUP" = latest ]; then
  key=$(complete_backups | tail -n 1)
  [ -n "$key" ] || fail "no complete backup of $RELEASE in s3://$S3_BUCKET/$(key_of "")"
else
  key=$(key_of "$RESTORE_BACKUP")
fi
log "restoring s3://$S3_BUCKET/$key"
out=$(s3 s3 cp --only-show-errors "s3://$S3_BUCKET/$key.json" "$WORK_DIR/restore.json" 2>&1) ||
  fail "the metadata object s3://$S3_BUCKET/$key.json is missing or unreadable, so $key cannot be verified: $out"
sha256=$(meta_field sha256 "$WORK_DIR/restore.json")
size=$(meta_field size "$WORK_DIR/restore.json")
format=$(meta_field format "$WORK_DIR/restore.json")
[ -n "$sha256" ] && [ -n "$size" ] || fail "the metadata object s3://$S3_BUCKET/$key.json is incomplete"
[ "$format" = sql ] || fail "s3://$S3_BUCKET/$key has format \"$format\"; this restore Job reads \"sql\""
get "$key" "$WORK_DIR/restore.sql"
[ "$(size_of "$WORK_DIR/restore.sql")" = "$size" ] ||
  fail "s3://$S3_BUCKET/$key has $(size_of "$WORK_DIR/restore.sql") bytes, its metadata says $size: the object is damaged"
[ "$(sha256_of "$WORK_DIR/restore.sql")" = "$sha256" ] ||
  fail "s3://$S3_BUCKET/$key does not match the SHA-256 in its metadata: the object is damaged"
meta_tables "$WORK_DIR/restore.json" > "$WORK_DIR/expected-tables"
log "verified $key: $size bytes, sha256 $sha256"

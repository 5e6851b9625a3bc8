# Step "fetch" (AWS CLI image), restore mode: first makes sure the safety dump of the current
# data is in the bucket (an SQL dump is uploaded and verified; a native one was written there
# by the database and is checked to exist), then picks the backup ($RESTORE_BACKUP: an object
# key under the prefix, or "latest" = the newest complete backup), reads it with its metadata
# and checks size and SHA-256 against the metadata. The database is not touched here.
if [ -f "$WORK_DIR/nothing-to-save" ]; then
  log "no safety dump: the database was missing or empty"
elif [ -f "$WORK_DIR/dump.env" ]; then
  name='' format=''
  # shellcheck source=/dev/null  # written by the safety-dump step
  . "$WORK_DIR/dump.env"
  if [ "$format" = native ]; then
    native_digest "$(key_of "$name")"
    [ "$files" -gt 0 ] || fail "the safety backup s3://$S3_BUCKET/$(key_of "$name")/ is empty: refusing to restore"
  else
    put_verified "$WORK_DIR/$name" "$(key_of "$name")"
  fi
  log "the data before this restore is saved as s3://$S3_BUCKET/$(key_of "$name")"
else
  fail "no safety dump of the current data in $WORK_DIR: refusing to restore"
fi
if [ "$RESTORE_BACKUP" = latest ]; then
  latest_backup
  key=$(cat "$WORK_DIR/latest")
else
  key=$(key_of "$RESTORE_BACKUP")
fi
log "restoring s3://$S3_BUCKET/$key"
out=$(s3 s3 cp --only-show-errors "s3://$S3_BUCKET/$key.json" "$WORK_DIR/restore.json" 2>&1) ||
  fail "the metadata object s3://$S3_BUCKET/$key.json is missing or unreadable, so $key cannot be verified: $out"
# The metadata must describe this key of this release: a pair copied over another key, or another
# release's or namespace's backup, is refused before anything is read or dropped.
for field in object release namespace; do
  case $field in object) want=$key ;; release) want=$RELEASE ;; namespace) want=$NAMESPACE ;; esac
  got=$(meta_field "$field" "$WORK_DIR/restore.json")
  [ "$got" = "$want" ] || fail "s3://$S3_BUCKET/$key.json names $field \"$got\", not \"$want\": it does not describe this backup of $RELEASE in namespace $NAMESPACE; refusing to restore it"
done
written_by=$(meta_field cluster "$WORK_DIR/restore.json")
this_cluster=$(cat "$WORK_DIR/cluster-id" 2>/dev/null || true)
[ -z "$written_by" ] || [ "$written_by" = "$this_cluster" ] ||
  log "WARNING: $key was written by database cluster $written_by; this database is cluster ${this_cluster:-(unknown)}: restoring it as asked (a new cluster after a disaster?)"
expected_sha256=$(meta_field sha256 "$WORK_DIR/restore.json")
expected_size=$(meta_field size "$WORK_DIR/restore.json")
format=$(meta_field format "$WORK_DIR/restore.json")
[ -n "$expected_sha256" ] && [ -n "$expected_size" ] || fail "the metadata object s3://$S3_BUCKET/$key.json is incomplete"
case $format in
  sql)
    get "$key" "$WORK_DIR/restore.sql"
    size=$(size_of "$WORK_DIR/restore.sql") sha256=$(sha256_of "$WORK_DIR/restore.sql") ;;
  native) native_digest "$key" ;;
  *) fail "s3://$S3_BUCKET/$key has format \"$format\"; this restore Job reads \"sql\" and \"native\"" ;;
esac
[ "$size" = "$expected_size" ] ||
  fail "s3://$S3_BUCKET/$key has $size bytes, its metadata says $expected_size: the backup is damaged"
[ "$sha256" = "$expected_sha256" ] ||
  fail "s3://$S3_BUCKET/$key does not match the SHA-256 in its metadata: the backup is damaged"
if grep -q '^  "tables": {' "$WORK_DIR/restore.json"; then
  meta_tables "$WORK_DIR/restore.json" > "$WORK_DIR/expected-tables"
  # Checked now rather than after the DROP: every table the metadata counts is created by the dump.
  if [ "$format" = sql ]; then
    sed 's/^"\(.*\)": [0-9]*$/\1/' "$WORK_DIR/expected-tables" | while IFS= read -r table; do
      grep -q "^CREATE TABLE \([^ ]*\.\)\{0,1\}\"\{0,1\}$table\"\{0,1\} (" "$WORK_DIR/restore.sql" ||
        fail "s3://$S3_BUCKET/$key creates no table \"$table\", which its metadata counts: the backup is damaged"
    done
  fi
else
  log "the metadata records no row counts (a file uploaded by helm datashield-restore): the import is checked for errors only"
fi
printf "restore_key='%s'\nrestore_format='%s'\n" "$key" "$format" > "$WORK_DIR/restore.env"
log "verified $key: $size bytes, sha256 $sha256"

# Step "fetch" (AWS CLI image), restore mode: first makes sure the safety dump of the current
# data is in the bucket (an SQL dump is uploaded and verified; a native one was written there
# by the database and is checked to exist), then picks the backup ($RESTORE_BACKUP: an object
# key under the prefix, or "latest" = the newest complete backup), reads it with its metadata
# and checks size and SHA-256 against the metadata; last, the safety dump's metadata object (it is
# then complete: kind "safety-dump", restorable like a backup). The database is not touched here.
safety=''
if [ -f "$WORK_DIR/nothing-to-save" ]; then
  log "no safety dump: the database was missing or empty"
elif [ -f "$WORK_DIR/dump/name" ]; then
  safety=$(value dump name) safety_format=$(value dump format)
  safety_key=$(key_of "$safety")
  if [ "$safety_format" = native ]; then
    native_digest "$safety_key"
    [ "$files" -gt 0 ] || fail "the safety backup s3://$S3_BUCKET/$safety_key/ is empty: refusing to restore"
  else
    put_verified "$WORK_DIR/$safety" "$safety_key"
    files=1 size=$(value dump size) sha256=$(value dump sha256)
  fi
  safety_files=$files safety_size=$size safety_sha256=$sha256
else
  fail "no safety dump of the current data in $WORK_DIR: refusing to restore"
fi
if [ "$RESTORE_BACKUP" = latest ]; then
  # Listed first, on its own: a listing that fails stops here with its reason ("could not look"),
  # never as "no complete backup" ("nothing found").
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
  # Compared as the metadata holds it: JSON-escaped (a key may hold quotes and backslashes).
  want=$(json_string "$want") want=${want#\"} want=${want%\"}
  [ "$got" = "$want" ] || fail "s3://$S3_BUCKET/$key.json names $field \"$got\", not \"$want\": it does not describe this backup of $RELEASE in namespace $NAMESPACE; refusing to restore it"
done
written_by=$(meta_field cluster "$WORK_DIR/restore.json")
this_cluster=$(value dump cluster)
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
# NOT_CREATED (jq 1.5, the AWS CLI image's): the names (as JSON) of the tables the metadata counts that no
# "CREATE TABLE <name> (" in the SQL text creates, the name bare or quoted ("" for "), after a schema or
# not. jq decodes the names: no name is split, and none is read as a pattern.
# shellcheck disable=SC2016  # $sql, $meta... are jq's variables, not the shell's
NOT_CREATED='("\n" + .) as $sql | ($meta[0].tables // {}) | keys[] | . as $name
  | [$name, "\"" + ($name | split("\"") | join("\"\"")) + "\""] as $forms
  | select([$sql | split("\nCREATE TABLE ")[1:][] as $created | $forms[] as $form
      | $created | index("." + $form + " (") as $at
      | startswith($form + " (") or ($at != null and (.[:$at] | test("^[A-Za-z_][A-Za-z0-9_]*$")))] | any | not)
  | tojson'
if grep -q '^  "tables": {' "$WORK_DIR/restore.json"; then
  meta_tables "$WORK_DIR/restore.json" > "$WORK_DIR/expected-tables"
  # Checked now rather than after the DROP: every table the metadata counts is created by the dump.
  if [ "$format" = sql ]; then
    missing=$(jq -R -s -r --slurpfile meta "$WORK_DIR/restore.json" "$NOT_CREATED" "$WORK_DIR/restore.sql" 2>&1) ||
      fail "cannot read the tables of s3://$S3_BUCKET/$key.json: $missing"
    [ -z "$missing" ] ||
      fail "s3://$S3_BUCKET/$key creates no table $missing, which its metadata counts: the backup is damaged"
  fi
else
  log "the metadata records no row counts (a file uploaded by helm datashield-restore): the import is checked for errors only"
fi
if [ -n "$safety" ]; then
  # The safety dump's metadata, like a backup's (written last: it is then complete, and
  # helm datashield-restore --from takes it), with who made it and why.
  # shellcheck disable=SC2034  # read by metadata_json
  database_version=$(value dump database_version) database_nodes=null cluster=$this_cluster
  nodes_error="database pods: not read by the restore Job"
  if [ -n "${RESTORE_MANAGER_NODES:-}" ]; then
    manager_nodes=$(printf '%s\n' "$RESTORE_MANAGER_NODES" | tr ',' '\n' | while IFS= read -r node; do
      json_string "$node" && echo; done | paste -s -d, -)
    manager_nodes="[$manager_nodes]"
  else
    manager_nodes=null
    nodes_error="manager pods: the restore did not say which nodes ran the manager (Restore.ManagerNodes, set by \
helm datashield-restore while the manager runs); $nodes_error"
  fi
  metadata_json "$safety_key" "$safety_format" "$safety_files" "$safety_size" "$safety_sha256" "$(value dump created)" \
    '  "kind": "safety-dump",' "  \"restoreRunId\": $(json_string "$RESTORE_RUN_ID")," \
    "  \"restoring\": $(json_string "$key")," > "$WORK_DIR/$safety.json"
  put_verified "$WORK_DIR/$safety.json" "$safety_key.json"
  put_values safety name "$safety"
  log "the data before this restore is saved as s3://$S3_BUCKET/$safety_key"
fi
put_values restore key "$key" format "$format"
log "verified $key: $size bytes, sha256 $sha256"

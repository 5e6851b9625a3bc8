# Step "fetch" (AWS CLI image), restore mode: first makes sure the safety dump of the current
# data is in the bucket (an SQL dump is uploaded and verified; a native one was written there
# by the database and is checked to exist), then picks the backup ($RESTORE_BACKUP: an object
# key under the prefix, or "latest" = the newest complete backup), reads it with its metadata
# and checks size and SHA-256 against the metadata (verify_backup, s3.sh); last, the safety dump's metadata object (it is
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
    put_verified "$WORK_DIR/$safety" "$safety_key" "$(value dump sha256)"
    # In the bucket and read back: the pod's copy goes before the backup comes, so that the pod's disk holds
    # one dump at a time (nothing has been dropped yet; a failure from here on changes nothing).
    rm -f "$WORK_DIR/$safety"
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
verify_backup "$key" restore
written_by=$(meta_field cluster "$WORK_DIR/restore.json")
this_cluster=$(value dump cluster)
[ -z "$written_by" ] || [ "$written_by" = "$this_cluster" ] ||
  log "WARNING: $key was written by database cluster $written_by; this database is cluster ${this_cluster:-(unknown)}: restoring it as asked (a new cluster after a disaster?)"
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

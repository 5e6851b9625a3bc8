# Step "fetch" (AWS CLI image), restore mode: first records that this restore run began (or stops, when
# it began before), then makes sure the safety dump of the current data is in the bucket (an SQL dump is uploaded and verified; a native one was written there
# by the database and is checked to exist), then picks the backup ($RESTORE_BACKUP: an object
# key under the prefix, or "latest" = the newest complete backup), reads it with its metadata
# and checks size and SHA-256 against the metadata (verify_backup, s3.sh); last, the safety dump's metadata object (it is
# then complete: kind "safety-dump", restorable like a backup). The database is not touched here.
# A restore runs once (issue 24 §2). The Job is a plain object of the restore-mode revision: `helm rollback`
# to that revision, or --atomic/--rollback-on-failure on the upgrade that leaves restore mode, applies its
# manifest again (helm/helm pkg/action/rollback.go; upgrade.go rolls back to the last deployed revision) and
# Kubernetes starts the Job anew: a second safety dump, DROP and import of an old backup, unasked. So the
# run records that it began, under its run id (Restore.RunId, new for every run of helm datashield-restore)
# and its database cluster (two clusters' restores may share a bucket, a release name and a second), before
# anything leaves this pod, and a Job that finds its run begun stops here.
run_record=$(key_of "$NAMESPACE/restore-runs/$RELEASE-$RESTORE_RUN_ID-$(value dump cluster).json")
out=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$run_record" --output json --query 'Contents[].Key' 2>&1) ||
  fail "cannot tell whether restore run $RESTORE_RUN_ID already began (listing s3://$S3_BUCKET/$run_record): $out"
if printf '%s\n' "$out" | grep -qF "\"$run_record\""; then
  if [ -f "$WORK_DIR/dump/name" ] && [ "$(value dump format)" = native ]; then
    # The safety-dump step before this one has just written a native BACKUP into the bucket: this pod's own,
    # with no metadata, of no use: removed, so that a Job created again leaves nothing behind.
    replayed=$(key_of "$(value dump name)")
    s3 s3 rm --recursive --only-show-errors "s3://$S3_BUCKET/$replayed/" > /dev/null 2>&1 ||
      log "WARNING: could not remove s3://$S3_BUCKET/$replayed/, the safety backup this Job took before it found its run begun (no metadata: never restored, listed as incomplete)"
  fi
  fail "restore run $RESTORE_RUN_ID of $RELEASE already began (s3://$S3_BUCKET/$run_record): this Job was created again, by a helm rollback to a restore-mode revision or --atomic/--rollback-on-failure, and a restore runs once: nothing was dropped or imported. The release is in restore mode, the manager at 0 replicas: run helm datashield-restore to restore or to bring the manager back (or, restoring by hand, set a new Restore.RunId)"
fi
printf '{\n  "writer": "helm-datashield",\n  "kind": "restore-run",\n  "release": %s,\n  "namespace": %s,\n  "restoreRunId": %s,\n  "restoring": %s,\n  "started": "%s"\n}\n' \
  "$(json_string "$RELEASE")" "$(json_string "$NAMESPACE")" "$(json_string "$RESTORE_RUN_ID")" \
  "$(json_string "$RESTORE_BACKUP")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$WORK_DIR/restore-run.json"
put_checked "$WORK_DIR/restore-run.json" "$run_record"
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
# Last, just before the restore step drops the database: no backup or drill pod of this release may be
# running (one that started before restore mode began would dump a half-restored database, complete and
# verified, and it would become `latest`). Pods that start from now on see restore mode and refuse
# (upload.sh, pick.sh); helm datashield-restore waits for those it finds before entering restore mode.
: > "$WORK_DIR/busy"
for component in backup drill; do busy_pods "$component" >> "$WORK_DIR/busy"; done
[ ! -s "$WORK_DIR/busy" ] ||
  fail "backup or drill pods of $RELEASE have not ended ($(paste -s -d, - < "$WORK_DIR/busy" | sed 's/,/, /g')): they would read the database this restore drops; nothing was dropped. Run the restore again once they have ended (or delete their Jobs)"
put_values restore key "$key" format "$format"
log "verified $key: $size bytes, sha256 $sha256"

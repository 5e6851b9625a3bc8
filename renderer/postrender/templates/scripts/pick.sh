# Step "pick" (AWS CLI image), restore drill: the newest complete backup of this release (latest_backup,
# the one rule of "latest"), its metadata checked to name it, this release and namespace, and its data
# checked against the recorded size and SHA-256 (verify_backup, as the restore Job's fetch step does).
# Nothing is written or deleted. No backup to drill, or a bucket that cannot be listed, ends the pod
# here, with no record; from the moment a backup is picked, a failure is the drill's verdict (lib.sh fail).
# Not beside a restore (kube.sh in_restore_mode): the drill must not take for the newest backup one that a
# restore under way is about to make stale, nor load the database cluster while it imports.
refuse_in_restore_mode drill
put_values drill started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
# Listed first, on its own: a listing that fails stops here with its reason ("could not look"). Any
# database cluster's newest backup: the drill restores into a throwaway database, never onto a cluster.
latest_backup any
key=$(cat "$WORK_DIR/latest")
put_values drill key "$key" format "${key##*.}"
fail_verdict=1
log "drilling s3://$S3_BUCKET/$key"
verify_backup "$key" drill
log "verified $key: $size bytes, sha256 $sha256"

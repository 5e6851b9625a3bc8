# Step "upload" (AWS CLI image): an SQL dump goes to the bucket, read back and compared by
# SHA-256; a native backup (already in the bucket) is read and summed. Then the metadata
# object (written last: it marks the backup complete), then retention.
name=$(value dump name) format=$(value dump format) created=$(value dump created) size=$(value dump size)
sha256=$(value dump sha256) database_version=$(value dump database_version)
[ -n "$name" ] || fail "no dump values in $WORK_DIR/dump: the dump step did not finish"
key=$(key_of "$name")
files=1
if [ "$format" = native ]; then
  native_digest "$key"
  [ "$files" -gt 0 ] || fail "BACKUP wrote nothing under s3://$S3_BUCKET/$key/"
else
  [ -f "$WORK_DIR/$name" ] || fail "no dump in $WORK_DIR: the dump step did not finish"
  [ "$(sha256_of "$WORK_DIR/$name")" = "$sha256" ] ||
    fail "$name changed between the dump and the upload (SHA-256 differs)"
  put_verified "$WORK_DIR/$name" "$key"
fi
# The nodes are what a restore checks the SGX rule against. Without them the backup is
# still kept (its data matters more), but the log and the metadata say why they are missing.
nodes_error=''
manager_nodes=$(nodes_of "$MANAGER_SELECTOR") || { nodes_error="manager pods: $manager_nodes"; manager_nodes=null; }
database_nodes=$(nodes_of "$DATABASE_SELECTOR") ||
  { nodes_error="${nodes_error:+$nodes_error; }database pods: $database_nodes"; database_nodes=null; }
[ -z "$nodes_error" ] ||
  log "WARNING: cannot read the nodes ($nodes_error); a restore of this backup will need an explicit override"
metadata_json "$key" "$format" "$files" "$size" "$sha256" "$created" > "$WORK_DIR/$name.json"
put_verified "$WORK_DIR/$name.json" "$key.json"
log "backup complete: s3://$S3_BUCKET/$key ($size bytes, sha256 $sha256)"
# From here on the backup is complete: a failure keeps it, says so, and exits with KEPT_EXIT, on
# which the Job's podFailurePolicy fails the Job without another try (every try writes another backup).
KEPT_EXIT=3
fail_code=$KEPT_EXIT
fail_note="; THE BACKUP s3://$S3_BUCKET/$key IS COMPLETE AND KEPT: only what follows it failed, and the Job is \
not tried again (exit $KEPT_EXIT)"
# Retention: keep the newest $RETENTION complete backups of this release; older ones go,
# metadata first (a half-deleted backup is then incomplete, never complete without data).
# Only objects named as this tool names them and marked writer=helm-datashield are touched.
all=$(complete_backups)
count=$(printf '%s\n' "$all" | grep -c . || true)
excess=$((count - RETENTION))
[ "$excess" -gt 0 ] || { log "retention: $count complete backups, at most $RETENTION are kept: nothing to delete"; exit 0; }
for old in $(printf '%s\n' "$all" | head -n "$excess"); do
  writer=$(s3 s3api head-object --bucket "$S3_BUCKET" --key "$old.json" --query Metadata.writer --output text 2>&1) ||
    fail "retention: cannot read s3://$S3_BUCKET/$old.json: $writer"
  if [ "$writer" != helm-datashield ]; then log "retention: keeping $old (not written by helm-datashield)"; continue; fi
  out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$old.json" 2>&1) ||
    fail "retention: cannot delete s3://$S3_BUCKET/$old.json: $out"
  case $old in
    *.native) out=$(s3 s3 rm --recursive --only-show-errors "s3://$S3_BUCKET/$old/" 2>&1) ;;
    *) out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$old" 2>&1) ;;
  esac || fail "retention: cannot delete s3://$S3_BUCKET/$old: $out"
  log "retention: deleted $old"
done

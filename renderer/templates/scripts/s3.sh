# s3: the object store, through the AWS CLI (the same commands in AWS CLI v1 and v2). Each call
# may take $S3_CALL_TIMEOUT seconds at most: a server that hangs or crawls fails the step with
# a log line that says so (the CLI's own timeouts only catch a silent connection), instead of
# running until the Job's activeDeadlineSeconds kills the pod without a word.
s3() {
  s3_status=0
  timeout "$S3_CALL_TIMEOUT" aws --endpoint-url "$S3_ENDPOINT" "$@" 2> "$WORK_DIR/s3.stderr" || s3_status=$?
  if [ "$s3_status" = 0 ]; then
    cat "$WORK_DIR/s3.stderr" >&2
  elif [ "$s3_status" = 124 ]; then
    printf 'no answer from %s within %s s (S3_CALL_TIMEOUT)\n' "$S3_ENDPOINT" "$S3_CALL_TIMEOUT" >&2
  else
    # The reason on one line, never empty: callers put it after "FAILED: <what>: ".
    reason=$(one_line "$(cat "$WORK_DIR/s3.stderr")")
    printf '%s\n' "${reason:-the AWS CLI exited with code $s3_status and gave no reason}" >&2
  fi
  rm -f "$WORK_DIR/s3.stderr"
  return "$s3_status"
}
# put_verified FILE KEY: uploads FILE, reads it back and compares SHA-256; fails loudly otherwise.
put_verified() {
  log "uploading s3://$S3_BUCKET/$2 ($(size_of "$1") bytes)"
  out=$(s3 s3 cp --only-show-errors --metadata "writer=helm-datashield,release=$RELEASE" "$1" "s3://$S3_BUCKET/$2" 2>&1) ||
    fail "upload to s3://$S3_BUCKET/$2 failed: $out"
  out=$(s3 s3 cp --only-show-errors "s3://$S3_BUCKET/$2" "$WORK_DIR/read-back" 2>&1) ||
    fail "reading back s3://$S3_BUCKET/$2 failed: $out"
  [ "$(sha256_of "$WORK_DIR/read-back")" = "$(sha256_of "$1")" ] ||
    fail "s3://$S3_BUCKET/$2 does not match what was uploaded (SHA-256 differs)"
  rm -f "$WORK_DIR/read-back"
}
# get KEY FILE: downloads one object.
get() {
  out=$(s3 s3 cp --only-show-errors "s3://$S3_BUCKET/$1" "$2" 2>&1) || fail "cannot download s3://$S3_BUCKET/$1: $out"
}
# native_digest KEY: reads the native backup under KEY/ and sets files (count), size (bytes) and
# sha256 (of the sorted "sha256  ./path" list of its files), as its metadata records them.
native_digest() {
  rm -rf "$WORK_DIR/native" && mkdir -p "$WORK_DIR/native"
  out=$(s3 s3 cp --recursive --only-show-errors "s3://$S3_BUCKET/$1/" "$WORK_DIR/native/" 2>&1) ||
    fail "cannot read the backup s3://$S3_BUCKET/$1/: $out"
  (cd "$WORK_DIR/native" && find . -type f | LC_ALL=C sort | while read -r part; do sha256sum "$part"; done) \
    > "$WORK_DIR/native.sha256"
  files=$(grep -c . "$WORK_DIR/native.sha256" || true)
  size=$(find "$WORK_DIR/native" -type f -exec cat {} + | wc -c | tr -d ' ')
  sha256=$(sha256_of "$WORK_DIR/native.sha256")
  rm -rf "$WORK_DIR/native"
}
# complete_backups: the data keys of this release's complete backups, oldest first.
complete_backups() {
  base=$(key_of "")
  listed=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$base$RELEASE-" --query 'Contents[].Key' \
    --output text 2>&1) || fail "cannot list s3://$S3_BUCKET/$base: $listed"
  for key in $listed; do
    case ${key#"$base"} in
      "$RELEASE"-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.sql.json | \
      "$RELEASE"-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.native.json)
        printf '%s\n' "${key%.json}" ;;
    esac
  done | sort
}
# metadata_json KEY FORMAT FILES SIZE SHA256 CREATED [LINE]...: the metadata object of a backup (or
# safety dump) at KEY, with $database_version, $manager_nodes and $database_nodes (JSON lists, or
# null with $nodes_error saying why), the row counts in $WORK_DIR/tables, and LINEs ('  "field": <JSON>,').
metadata_json() {
  printf '{\n  "writer": "helm-datashield",\n  "format": "%s",\n' "$2"
  printf '  "object": %s,\n' "$(json_string "$1")"
  printf '  "files": %s,\n  "size": %s,\n  "sha256": "%s",\n  "created": "%s",\n' "$3" "$4" "$5" "$6"
  shift 6
  for line in "$@"; do printf '%s\n' "$line"; done
  printf '  "release": %s,\n  "namespace": %s,\n' "$(json_string "$RELEASE")" "$(json_string "$NAMESPACE")"
  printf '  "database": %s,\n  "databaseVersion": %s,\n' "$(json_string "$DATABASE_NAME")" \
    "$(json_string "$database_version")"
  printf '  "nodes": {"manager": %s, "database": %s},\n' "$manager_nodes" "$database_nodes"
  [ -z "$nodes_error" ] || printf '  "nodesError": %s,\n' "$(json_string "$nodes_error")"
  printf '  "tables": {\n'
  tables_json < "$WORK_DIR/tables" | sed 's/^/    /; $!s/$/,/'
  printf '  }\n}\n'
}

# s3: the object store, through the AWS CLI (the same commands in AWS CLI v1 and v2).
# Object names: <prefix>/<release>-<yyyymmddThhmmssZ>.sql, with <name>.json beside it,
# written last: a backup is complete when its metadata object exists.
key_of() { printf '%s%s' "${S3_PREFIX:+$S3_PREFIX/}" "$1"; }
s3() { aws --endpoint-url "$S3_ENDPOINT" "$@"; }
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
# complete_backups: the data keys of this release's complete backups, oldest first.
complete_backups() {
  base=$(key_of "")
  listed=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$base$RELEASE-" --query 'Contents[].Key' \
    --output text 2>&1) || fail "cannot list s3://$S3_BUCKET/$base: $listed"
  for key in $listed; do
    case ${key#"$base"} in
      "$RELEASE"-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.sql.json)
        printf '%s\n' "${key%.json}" ;;
    esac
  done | sort
}

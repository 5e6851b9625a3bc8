# lib: shared by every step of the backup and restore pods (POSIX sh, run with -e).
# Every line is logged as "[<step>] ..."; fail names the step and why, and exits 1.
log() { printf '[%s] %s\n' "$STEP" "$*"; }
fail() { printf '[%s] FAILED: %s\n' "$STEP" "$*" >&2; exit 1; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
size_of() { wc -c < "$1" | tr -d ' '; }
# Object names: <prefix>/<release>-<yyyymmddThhmmssZ>.sql (one object) or .native (the
# folder a CockroachDB BACKUP writes), with <name>.json beside it, written last: a backup is
# complete when its metadata object exists.
key_of() { printf '%s%s' "${S3_PREFIX:+$S3_PREFIX/}" "$1"; }
# Every byte percent-encoded (valid in a URL query whatever the key holds: "/", "+", "=").
urlencode() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | sed 's/../%&/g'; }
# backup_url KEY: where a native BACKUP writes (and RESTORE reads), with the HMAC keys in it as
# CockroachDB wants them. It holds the secret key: never log it (see redacted).
backup_url() {
  printf 's3://%s/%s?AWS_ENDPOINT=%s&AWS_REGION=%s&AWS_ACCESS_KEY_ID=%s&AWS_SECRET_ACCESS_KEY=%s' "$S3_BUCKET" "$1" \
    "$(urlencode "$S3_ENDPOINT")" "${AWS_DEFAULT_REGION:-us-east-1}" "$(urlencode "$AWS_ACCESS_KEY_ID")" \
    "$(urlencode "$AWS_SECRET_ACCESS_KEY")"
}
# redacted TEXT: TEXT without the keys of a backup URL that a database error may quote.
redacted() {
  out=$(printf '%s' "$1" | sed 's/\(AWS_[A-Z_]*KEY[A-Z_]*=\)[^&'"'"' ]*/\1redacted/g')
  case $out in *"${AWS_SECRET_ACCESS_KEY:-no secret}"*) out="(the message quoted the secret key: withheld)" ;; esac
  printf '%s' "$out"
}
# A JSON string (our own values only: names, versions, timestamps).
json_string() { printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
# The value of a top-level field of a metadata object written by this tool (one field a line).
meta_field() {
  sed -n -e "s/^  \"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" -e "s/^  \"$1\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" "$2"
}
# The "tables" of a metadata object (or of db_table_counts, through tables_json), one "name": rows a line.
meta_tables() { sed -n '/^  "tables": {/,/^  }/p' "$1" | sed -n 's/^    \(".*": [0-9][0-9]*\),\{0,1\}$/\1/p'; }
tables_json() { while IFS="$(printf '\t')" read -r table rows; do printf '%s: %s\n' "$(json_string "$table")" "$rows"; done; }

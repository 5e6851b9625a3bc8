# lib: shared by every step of the backup and restore pods (POSIX sh, run with -e).
# Every line is logged as "[<step>] ..."; fail names the step and why, and exits 1.
log() { printf '[%s] %s\n' "$STEP" "$*"; }
fail() { printf '[%s] FAILED: %s\n' "$STEP" "$*" >&2; exit 1; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
size_of() { wc -c < "$1" | tr -d ' '; }
# A JSON string (our own values only: names, versions, timestamps).
json_string() { printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
# The value of a top-level field of a metadata object written by this tool (one field a line).
meta_field() {
  sed -n -e "s/^  \"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" -e "s/^  \"$1\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" "$2"
}
# The "tables" of a metadata object (or of db_table_counts, through tables_json), one "name": rows a line.
meta_tables() { sed -n '/^  "tables": {/,/^  }/p' "$1" | sed -n 's/^    \(".*": [0-9][0-9]*\),\{0,1\}$/\1/p'; }
tables_json() { while IFS="$(printf '\t')" read -r table rows; do printf '%s: %s\n' "$(json_string "$table")" "$rows"; done; }

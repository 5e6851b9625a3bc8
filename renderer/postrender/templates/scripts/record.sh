# Step "record" (AWS CLI image), restore drill: writes the drill record beside the backup,
# <key>.drill-<yyyymmddThhmmssZ>.json (the time the drill started), one field a line as the upload step
# writes metadata and "tables" last (what the throwaway database held; "expectedTables", what the
# backup's metadata records), uploaded and read back (put_verified). Then the pod ends as the drill
# did: 0 when it is OK, "drill FAILED: <reason>" otherwise.
key=$(value drill key) format=$(value drill format) started=$(value drill started)
[ -n "$key" ] || fail "no backup picked in $WORK_DIR: the pick step did not finish"
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
reason=$(value verdict reason)
verdict=OK
[ -z "$reason" ] || verdict=FAILED
record="$key.drill-$(printf '%s' "$started" | tr -d ':-').json"
{
  printf '{\n  "writer": "helm-datashield",\n  "kind": "drill",\n  "backup": %s,\n' "$(json_string "$key")"
  printf '  "format": "%s",\n' "$format"
  printf '  "release": %s,\n  "namespace": %s,\n' "$(json_string "$RELEASE")" "$(json_string "$NAMESPACE")"
  printf '  "started": "%s",\n  "finished": "%s",\n' "$started" "$finished"
  printf '  "durationSeconds": %s,\n' "$(($(date -u -d "$finished" +%s) - $(date -u -d "$started" +%s)))"
  printf '  "verdict": "%s",\n' "$verdict"
  [ -z "$reason" ] || printf '  "reason": %s,\n' "$(json_string "$reason")"
  printf '  "expectedTables": {'
  if [ -f "$WORK_DIR/expected-tables" ]; then awk 'NR > 1 { printf ", " } { printf "%s", $0 }' "$WORK_DIR/expected-tables"; fi
  printf '},\n'
  tables_json "$WORK_DIR/restored-tables"
} > "$WORK_DIR/drill.json"
put_verified "$WORK_DIR/drill.json" "$record"
[ "$verdict" = OK ] || fail "drill FAILED: $reason"
log "drill OK: s3://$S3_BUCKET/$key restores; the record is s3://$S3_BUCKET/$record"

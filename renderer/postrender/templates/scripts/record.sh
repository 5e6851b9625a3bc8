# Step "record" (AWS CLI image), restore drill: writes the drill record beside the backup,
# <key>.drill-<yyyymmddThhmmssZ>.json (the time the drill started), one field a line as the upload step
# writes metadata and "tables" last (what the throwaway database held; "expectedTables", what the
# backup's metadata records), uploaded and checked by the store (put_checked). Then the pod ends as the drill
# did: 0 when it is OK, "drill FAILED: <reason>" otherwise. A backup deleted while it was drilled (a
# backup's retention ran meanwhile) gets no record beside it (one nothing lists): OK, it restored, and only the
# copies of the record say so; FAILED, nothing was proven or disproven (the deletion may be the failure), so no
# record is written (a FAILED verdict would raise the drill alert for a backup that no longer exists) and the pod
# exits REDRILL_EXIT (lib.sh): the drill CronJob's podFailurePolicy ignores that pod's failure and the Job starts
# another, which drills the newest backup. Exiting 0 there made the Job a success, which the drill alerts and
# --status count as a proven restore (issue 25). upload.sh deletes a record that still lands just after its
# backup was deleted.
# Only the branch below that says so exits REDRILL_EXIT: any other exit with that code (a command failing with 4
# under -e) is a plain failure, which the Job must not ignore.
record_end() { [ "$1" != "$REDRILL_EXIT" ] || [ -n "${redrill:-}" ] || exit 1; }
trap 'record_end $?' EXIT
key=$(value drill key) format=$(value drill format) started=$(value drill started)
[ -n "$key" ] || fail "no backup picked in $WORK_DIR: the pick step did not finish"
# The metadata object is deleted last (upload.sh delete_pair): while it is there, the backup is.
present=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$key.json" --output json \
  --query "Contents[?Key == \`$(json_string "$key.json")\`].Key" 2>&1) ||
  fail "cannot check that s3://$S3_BUCKET/$key is still there, so no drill record is written: $present"
deleted=
printf '%s\n' "$present" | grep -qxF "    $(json_string "$key.json")" || deleted=1
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
reason=$(value verdict reason)
verdict=OK
[ -z "$reason" ] || verdict=FAILED
# Deleted during the drill and FAILED: the failure may be the deletion's (a native RESTORE reading a folder being
# deleted), so nothing was proven or disproven. Deleted and OK: the backup did restore (an SQL dump is downloaded
# whole before its import), and the copies say so (a record beside a deleted backup is one nothing lists): the Job's
# success, which the drill alerts count, is then a proven restore that --status counts too.
if [ -n "$deleted" ] && [ "$verdict" != OK ]; then
  log "s3://$S3_BUCKET/$key was deleted during the drill (a backup's retention): nothing was proven or disproven, \
no drill record is written; exit $REDRILL_EXIT: the Job starts another pod, which drills the newest backup"
  redrill=1 && exit "$REDRILL_EXIT"
fi
record="$key.drill-$(printf '%s' "$started" | tr -d ':-').json"
{
  printf '{\n  "writer": "helm-datashield",\n  "kind": "drill",\n  "backup": %s,\n' "$(json_string "$key")"
  printf '  "format": "%s",\n' "$format"
  printf '  "release": %s,\n  "namespace": %s,\n' "$(json_string "$RELEASE")" "$(json_string "$NAMESPACE")"
  printf '  "started": "%s",\n  "finished": "%s",\n' "$started" "$finished"
  # The pod (<job>-<suffix>): --status tells which Job wrote a record by it, not by clocks that may differ.
  printf '  "pod": %s,\n' "$(json_string "${POD_NAME:-}")"
  printf '  "durationSeconds": %s,\n' "$(($(date -u -d "$finished" +%s) - $(date -u -d "$started" +%s)))"
  printf '  "verdict": "%s",\n' "$verdict"
  # The reason quotes what failed (psql's lines, in any encoding): json_text (lib.sh) makes it one JSON string, invalid
  # UTF-8 as U+FFFD, control characters escaped, so the record stays valid JSON and one field a line.
  [ -z "$reason" ] || printf '  "reason": %s,\n' "$(json_text < "$WORK_DIR/verdict/reason")"
  printf '  "expectedTables": {'
  if [ -f "$WORK_DIR/expected-tables" ]; then awk 'NR > 1 { printf ", " } { printf "%s", $0 }' "$WORK_DIR/expected-tables"; fi
  printf '},\n'
  tables_json "$WORK_DIR/restored-tables"
} > "$WORK_DIR/drill.json"
[ -n "$deleted" ] || put_checked "$WORK_DIR/drill.json" "$record"
# Retention deletes a backup's records with it, so that what a drill proved outlives the backup (for the drill
# schedule's promise, --status, issue 25), two copies that every drill overwrites and no retention deletes:
# the last drill's record, and the last successful drill's (renderer/restore/drills.py copy_keys).
put_checked "$WORK_DIR/drill.json" "$(key_of "$NAMESPACE/.datashield-last-drill-$RELEASE.json")"
[ "$verdict" != OK ] ||
  put_checked "$WORK_DIR/drill.json" "$(key_of "$NAMESPACE/.datashield-last-successful-drill-$RELEASE.json")"
[ "$verdict" = OK ] || fail "drill FAILED: $reason"
if [ -n "$deleted" ]; then
  log "drill OK: s3://$S3_BUCKET/$key restored, and was deleted during the drill (a backup's retention): no record beside it; the copies of the record say OK"
else
  log "drill OK: s3://$S3_BUCKET/$key restores; the record is s3://$S3_BUCKET/$record"
fi

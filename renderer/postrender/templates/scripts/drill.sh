# Step "drill" (database image), restore drill: starts a throwaway database inside this pod
# (db_start_scratch; the pod knows no production database: no host, port or credentials of it), loads
# the backup the pick step verified into it and compares every table's row count with the backup's
# metadata (load_backup, as the restore step does), and always stops it again. A failure is the drill's
# verdict (lib.sh fail), which the record step writes; a failed pick step leaves nothing to do here.
key=$(value drill key) format=$(value drill format)
[ -n "$key" ] || fail "no backup picked in $WORK_DIR: the pick step did not finish"
if [ -f "$WORK_DIR/verdict/reason" ]; then
  log "nothing to load: the backup failed its checks"
  exit 0
fi
fail_verdict=1
# The throwaway database is never left behind in any state worth saying.
state() { :; }
trap db_stop_scratch EXIT
log "starting a throwaway database in this pod"
db_start_scratch > "$WORK_DIR/scratch.log" 2>&1 ||
  fail "the scratch database did not start: $(tail -n 3 "$WORK_DIR/scratch.log")"
load_backup "$key" "$format"
log "restored $key into the throwaway database: $(grep -c . "$WORK_DIR/restored-tables" || true) tables, $(tables_checked)"

# lib: shared by every step of the backup, restore and drill pods (POSIX sh, run with -e).
# Every line is logged as "[<step>] ..." on ONE line with its whole reason (AWS CLI v1 starts its
# errors with a newline) and the HMAC keys redacted; fail names the step and why (and $fail_note) and
# exits 1, or $fail_code once a failure must not make the Job retry (see upload.sh). In a drill, once
# its backup is known ($fail_verdict set), a failure is the drill's verdict rather than the pod's end:
# the reason is kept in $WORK_DIR/verdict for the record step, the step ends (0) and the later steps
# skip their work (pick.sh, drill.sh, record.sh).
log() { printf '[%s] %s\n' "$STEP" "$(one_line "$*")"; }
fail() {
  fail_line=$(one_line "$*${fail_note:-}")
  printf '[%s] FAILED: %s\n' "$STEP" "$fail_line" >&2
  if [ -n "${fail_verdict:-}" ]; then put_values verdict reason "$fail_line" && exit 0; fi
  exit "${fail_code:-1}"
}
one_line() { redacted "$1" | tr '\t\r\n' '   ' | tr -s ' ' | sed 's/^ //; s/ $//'; }
sha256_of() { sha256sum < "$1" | cut -d' ' -f1; }  # on stdin: a "\" in FILE's name would start the digest
size_of() { wc -c < "$1" | tr -d ' '; }
# Values handed from one step to the next: one file a value under $WORK_DIR/<set>/, read back as
# data, never sourced (a value is never code). put_values SET NAME VALUE [NAME VALUE]...; value SET NAME.
put_values() {
  set_dir="$WORK_DIR/$1" && shift && mkdir -p "$set_dir"
  # Each value whole or not at all (written aside, then renamed): the backup pod's upload reads them while the
  # dump beside it writes them, and starts on `name`, which every writer puts last.
  while [ $# -ge 2 ]; do printf '%s' "$2" > "$set_dir/.$1.new" && mv -f "$set_dir/.$1.new" "$set_dir/$1" && shift 2; done
}
value() { if [ -f "$WORK_DIR/$1/$2" ]; then cat "$WORK_DIR/$1/$2"; fi; }
# Side by side: the backup pod's dump (database image) and upload (AWS CLI image) are two containers that
# run at once, $BESIDE naming the other one, and the dump streams into the upload through the FIFO
# $STREAM in the pod's `work` volume (no copy of the dump on the pod's disk). Neither may wait for ever on
# the other: each writes a heartbeat into $WORK_DIR/<step>.alive every second while it lives, a count that
# goes up by one each time, and its exit code into $WORK_DIR/<step>.status as it ends (an EXIT trap). A
# container killed without a word (out of memory: SIGKILL runs no trap) falls silent, and after SILENCE_SECONDS
# the other one treats it as gone. A container that never starts (its image not pulled, a Secret it names
# missing: CreateContainerConfigError) writes no heartbeat at all, and after START_SECONDS the other one treats
# it as gone too, rather than wait for the Job's deadline.
STREAM=$WORK_DIR/stream
KEPT_EXIT=3  # the upload step's exit once its backup is complete and kept (upload.sh; inject.py KEPT_EXIT)
# shellcheck disable=SC2034  # read by record.sh, the one step that exits with it
REDRILL_EXIT=4  # the record step's exit when its backup was deleted during a failed drill (record.sh; inject.py)
SILENCE_SECONDS=${SILENCE_SECONDS:-60}  # set in the environment by the tests only
START_SECONDS=${START_SECONDS:-900}  # set in the environment by the tests only
# side_by_side: makes the FIFO (either container may start first), starts this container's heartbeat and
# its watch on the other (watch_beside), and sets the EXIT trap.
side_by_side() {
  mkfifo "$STREAM" 2> /dev/null || [ -p "$STREAM" ] || fail "cannot make the FIFO $STREAM"
  echo 0 > "$WORK_DIR/$STEP.alive"
  (beats=0 && while sleep 1; do
    beats=$((beats + 1)) && echo "$beats" > "$WORK_DIR/$STEP.alive.new" &&
      mv -f "$WORK_DIR/$STEP.alive.new" "$WORK_DIR/$STEP.alive"
  done) > /dev/null 2>&1 &
  heartbeat=$!
  watch_beside "$BESIDE" > /dev/null 2>&1 &
  watch=$!
  trap 'side_by_side_end $?' EXIT
}
side_by_side_end() {
  # KEPT_EXIT says "the backup is complete and kept" to the Job's podFailurePolicy (FailJob, no retry). Only a
  # fail once the backup is complete says it ($fail_code, upload.sh): a command that happens to exit with that
  # code under -e (curl's 3, say) before then is a plain failure, retried, and no backup the alerts count.
  s_status=$1
  if [ "$s_status" = "$KEPT_EXIT" ] && [ "${fail_code:-}" != "$KEPT_EXIT" ]; then s_status=1; fi
  echo "$s_status" > "$WORK_DIR/$STEP.status"
  kill "$heartbeat" "$watch" 2> /dev/null || true
  : <> "$STREAM"
  exit "$s_status"
}
# watch_beside STEP: this container's watch on the container STEP, every second, in a process of its own. Time
# is its own count of 1 s sleeps, never the clock: a heartbeat holding the time, compared with this container's
# clock, made a live peer look silent when NTP stepped the node's clock by more than SILENCE_SECONDS (and a
# dead one look alive when it stepped back). Once STEP has written no heartbeat at all for START_SECONDS sleeps
# (none yet may be an image still being pulled, for a while), or once its count has stood still for
# SILENCE_SECONDS sleeps, writes "unstarted" or "silent" into $WORK_DIR/<this step>.saw-STEP, for gone. Once
# STEP has failed or is gone, opens the FIFO for reading and writing and closes it again, so that this side's
# own open of its end (which blocks until the other end is opened) returns, followed by an end of file or a
# broken pipe. On Linux such an open never blocks (fifo(7)), so neither the watch nor the trap can hang.
watch_beside() {
  w_unstarted=0 w_seen='' w_still=0
  while sleep 1; do
    if ! ended "$1" && ! [ -s "$WORK_DIR/$STEP.saw-$1" ]; then
      w_beat=$(cat "$WORK_DIR/$1.alive" 2> /dev/null) || w_beat=''
      if [ -z "$w_beat" ]; then
        w_unstarted=$((w_unstarted + 1))
        [ "$w_unstarted" -le "$START_SECONDS" ] || echo unstarted > "$WORK_DIR/$STEP.saw-$1"
      elif [ "$w_beat" != "$w_seen" ]; then
        w_seen=$w_beat w_still=0
      else
        w_still=$((w_still + 1))
        [ "$w_still" -le "$SILENCE_SECONDS" ] || echo silent > "$WORK_DIR/$STEP.saw-$1"
      fi
    fi
    if gone "$1"; then : <> "$STREAM"; fi
  done
}
# ended STEP: true once the container STEP has ended, its exit code then in $ended_status. gone STEP: true
# once it has failed, never started (no heartbeat within START_SECONDS) or fell silent (its heartbeat still for
# SILENCE_SECONDS), as watch_beside saw it.
ended() { [ -f "$WORK_DIR/$1.status" ] && ended_status=$(cat "$WORK_DIR/$1.status") && [ -n "$ended_status" ]; }
gone() {
  if ended "$1"; then [ "$ended_status" != 0 ]; return; fi
  [ -s "$WORK_DIR/$STEP.saw-$1" ]
}
# wait_for STEP FILE: waits until FILE exists or the container STEP has ended or is gone; true when FILE
# exists. Polls every 0.2 s (GNU sleep takes fractions; both images have GNU coreutils).
wait_for() {
  until [ -e "$2" ]; do
    if ended "$1" || gone "$1"; then [ -e "$2" ]; return; fi
    sleep 0.2
  done
}
# peer_failure STEP: why the container STEP is gone, for a failure line.
peer_failure() {
  if ended "$1"; then
    echo "the $1 step failed (exit $ended_status; its log says why)"
  elif [ "$(cat "$WORK_DIR/$STEP.saw-$1" 2> /dev/null)" = unstarted ]; then
    echo "the $1 container never started within $START_SECONDS s (the pod's events say why)"
  else
    echo "the $1 step fell silent for over $SILENCE_SECONDS s (killed? out of memory? the pod's events say)"
  fi
}
# Set up before anything can fail: a step that ended without its status (a failure before its trap was set)
# would leave the other waiting on it until the Job's deadline.
[ -z "${BESIDE:-}" ] || side_by_side
# Object names: <prefix>/<namespace>/<release>-<yyyymmddThhmmssZ>-<cluster>.sql (one object) or
# .native (the folder a CockroachDB BACKUP writes), with <name>.json beside it, written last (s3.sh
# our_backups: when a backup is complete and ours); safety dumps the same with "pre-restore-" before the
# release (renderer/restore/backups.py reads both).
key_of() { printf '%s%s' "${S3_PREFIX:+$S3_PREFIX/}" "$1"; }
# object_name STAMP CLUSTER FORMAT: the name under the prefix of what this release writes at STAMP from
# database cluster CLUSTER (a safety dump when $DUMP_PREFIX is set). Namespace and cluster are in every
# name, so two releases of one name in two namespaces or two clusters never write one key, even in one second.
object_name() { printf '%s/%s%s-%s-%s.%s' "$NAMESPACE" "${DUMP_PREFIX:-}" "$RELEASE" "$1" "$2" "$3"; }
UNRESERVED=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~
# percent TEXT KEEP: TEXT percent-encoded byte by byte (upper-case hex), but for the ASCII characters in KEEP.
percent() {
  printf '%s' "$1" | od -An -v -tu1 | LC_ALL=C awk -v keep="$2" \
    '{ for (i = 1; i <= NF; i++) { c = sprintf("%c", $i); if ($i < 128 && index(keep, c)) printf "%s", c; else printf "%%%02X", $i } }'
}
# Every byte percent-encoded (valid in a URL query whatever the key holds: "/", "+", "=").
urlencode() { percent "$1" ""; }
# backup_url KEY: where a native BACKUP writes (and RESTORE reads), with the HMAC keys in it as
# CockroachDB wants them. It holds the secret key: never log it (every logged line is redacted).
backup_url() {
  printf 's3://%s/%s?AWS_ENDPOINT=%s&AWS_REGION=%s&AWS_ACCESS_KEY_ID=%s&AWS_SECRET_ACCESS_KEY=%s' "$S3_BUCKET" \
    "$(percent "$1" "$UNRESERVED/")" "$(urlencode "$S3_ENDPOINT")" "${AWS_DEFAULT_REGION:-us-east-1}" \
    "$(urlencode "$AWS_ACCESS_KEY_ID")" "$(urlencode "$AWS_SECRET_ACCESS_KEY")"
}
# secret_forms SECRET: the ways a program may quote SECRET, one a line (none holds a newline):
# percent-encoded (every byte, lower and upper case hex; or RFC 3986 style, "/" kept or not, space as
# %20 or "+"), and escaped as Python's repr (str and bytes, either quote), JSON and Go's %q do
# ("\\", "\n", "\t", "\r", "\xNN", "\u00NN", "\'", "\""; JSON's ASCII-only "\uXXXX" too).
secret_forms() {
  urlencode "$1" | tr 'A-F' 'a-f' && echo && urlencode "$1" && echo
  for keep in "$UNRESERVED" "$UNRESERVED/"; do
    form=$(percent "$1" "$keep") && printf '%s\n' "$form" | sed 's/%20/+/g' && printf '%s\n' "$form"
  done
  printf '%s' "$1" | od -An -v -tu1 | LC_ALL=C awk '
    function esc(b, quote, raw, u) {
      if (b == 92) return "\\\\"; if (b == 10) return "\\n"; if (b == 13) return "\\r"; if (b == 9) return "\\t"
      if (b == quote) return "\\" sprintf("%c", b)
      if (b < 32 || b == 127 || (b >= 128 && !raw)) return u ? sprintf("\\u%04x", b) : sprintf("\\x%02x", b)
      return sprintf("%c", b)
    }
    { for (i = 1; i <= NF; i++) bytes[n++] = $i }
    END {
      split("39 0 0|34 0 0|39 1 0|34 1 0|34 1 1|0 1 0", modes, "|")
      for (m = 1; m <= 6; m++) {
        split(modes[m], mode, " "); line = ""
        for (i = 0; i < n; i++) line = line esc(bytes[i], mode[1] + 0, mode[2] + 0, mode[3] + 0)
        print line
      }
      # JSON with ASCII only: a non-ASCII character as \uXXXX (UTF-16, so a surrogate pair beyond U+FFFF).
      line = ""
      for (i = 0; i < n; i++) {
        b = bytes[i]
        if (b < 192) { line = line esc(b, 34, 0, 1); continue }
        more = b >= 240 ? 3 : b >= 224 ? 2 : 1; cp = b - (more == 3 ? 240 : more == 2 ? 224 : 192)
        for (k = 0; k < more; k++) cp = cp * 64 + bytes[++i] - 128
        if (cp > 65535) { cp -= 65536; line = line sprintf("\\u%04x\\u%04x", 55296 + int(cp / 1024), 56320 + cp % 1024) }
        else line = line sprintf("\\u%04x", cp)
      }
      print line
    }'
}
# replaced TEXT NEEDLE: TEXT with every NEEDLE (taken literally) replaced by "(redacted)".
replaced() {
  rest=$1 done_=''
  [ -n "$2" ] || { printf '%s' "$1"; return; }
  while :; do
    case $rest in
      *"$2"*) done_="$done_${rest%%"$2"*}(redacted)" && rest=${rest#*"$2"} ;;
      *) break ;;
    esac
  done
  printf '%s' "$done_$rest"
}
# redacted TEXT: TEXT without the HMAC keys, found by their exact values in every form above, raw
# and with surrounding white space trimmed (a Secret written with a trailing newline), and without
# the values of a backup URL's key parameters, whatever they hold.
redacted() {
  out=$1
  for secret in "${AWS_SECRET_ACCESS_KEY:-}" "${AWS_ACCESS_KEY_ID:-}"; do
    [ -n "$secret" ] || continue
    forms=$(secret_forms "$secret")
    while IFS= read -r form; do out=$(replaced "$out" "$form"; printf .) && out=${out%.}; done <<FORMS
$forms
FORMS
    trimmed=$(printf '%s' "$secret" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
    out=$(replaced "$out" "$secret"; printf .) && out=${out%.}
    out=$(replaced "$out" "$trimmed"; printf .) && out=${out%.}
  done
  printf '%s' "$out" | sed 's/\(AWS_[A-Z_]*KEY[A-Z_]*=\)[^&'"'"' ]*/\1redacted/g'
}
# JSON_TEXT (awk): its input's bytes as ONE JSON string, the way Python's json.dumps(data.decode("utf-8",
# "replace"), ensure_ascii=False) writes it (tests/unit/test_shell_lib.py holds it to that, on gawk and mawk):
# '"' and '\' escaped, \n \r \t \b \f, the other control characters as \u00XX, valid UTF-8 as it is, and each
# maximal invalid sequence as U+FFFD (Unicode 15, section 3.9, "U+FFFD Substitution of Maximal Subparts").
# Neither image has a JSON tool: the AWS CLI image's jq came only with 2.27.57 (docs/images.md), and awk
# is in both. Bytes, not characters: run with LC_ALL=C. It holds one line at a time, whatever the input's
# size. The input ends with one extra byte (json_text adds it) so that a last newline is seen.
# shellcheck disable=SC2016  # $0, $1... are awk's, not the shell's
JSON_TEXT='
  function text(s,   out, i, n, b, need, j, c) {
    out = ""; n = length(s)
    for (i = 1; i <= n; i++) {
      b = ord[substr(s, i, 1)]
      if (b == 34) out = out "\\\""; else if (b == 92) out = out "\\\\"
      else if (b >= 32 && b < 128) out = out substr(s, i, 1)
      else if (b < 32) out = out (b in short ? short[b] : sprintf("\\u%04x", b))
      else {
        need = b >= 194 && b <= 223 ? 1 : b >= 224 && b <= 239 ? 2 : b >= 240 && b <= 244 ? 3 : 0
        for (j = 1; j <= need && i + j <= n; j++) {
          c = ord[substr(s, i + j, 1)]
          if (c < 128 || c > 191) break
          if (j == 1 && ((b == 224 && c < 160) || (b == 237 && c > 159) || (b == 240 && c < 144) || (b == 244 && c > 143))) break
        }
        if (need && j > need) { out = out substr(s, i, need + 1); i += need }
        else { out = out "\357\277\275"; if (need) i += j - 1 }
      }
    }
    return out
  }
  BEGIN {
    for (b = 1; b < 256; b++) ord[sprintf("%c", b)] = b
    short[8] = "\\b"; short[9] = "\\t"; short[10] = "\\n"; short[12] = "\\f"; short[13] = "\\r"
    printf "\""
  }
  NR > 1 { printf "%s\\n", text(last) }
  { last = $0 }
  END { printf "%s\"", text(substr(last, 1, length(last) - 1)) }'
# json_text: standard input as one JSON string (JSON_TEXT). json_string TEXT: TEXT as one JSON string.
json_text() { { cat; printf .; } | LC_ALL=C awk "$JSON_TEXT"; }
json_string() { printf '%s' "$1" | json_text; }
# The value of a top-level field of a metadata object written by this tool (one field a line).
meta_field() {
  sed -n -e "s/^  \"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" -e "s/^  \"$1\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" "$2"
}
# The tables a backup counts (its metadata's "tables", db_table_counts in both database seams): every base
# table of the database in every schema, not only public (CockroachDB has user-defined schemas from v20.2,
# cockroachlabs.com/docs/v20.2/create-schema), but the catalogs' (CockroachDB lists pg_catalog,
# information_schema, crdb_internal and pg_extension in each database's information_schema; PostgreSQL the
# first two). SQL for a WHERE clause on information_schema.tables.
# shellcheck disable=SC2034  # read by the database seam (db_counts), which a step without a database lacks
COUNTED_TABLES="table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema', 'crdb_internal', 'pg_extension')"
# The name a table is counted under, as SQL on information_schema.tables: its bare name in schema public when
# that name holds no "." and no '"' (as every backup named its tables before other schemas were counted, so
# their metadata still compares), else <schema>.<table>, each part quoted as an identifier when it must be
# (quote_ident, both databases): "a.b" in public is public."a.b", table b of schema a is a.b, never one name
# for two tables. The dump's "CREATE TABLE a.b (" is what the SQL text check looks for (NOT_CREATED).
# shellcheck disable=SC2034  # read by the database seam (db_counts), which a step without a database lacks
COUNTED_NAME="CASE WHEN table_schema = 'public' AND strpos(table_name, '.') = 0 AND strpos(table_name, '\"') = 0 \
THEN table_name::TEXT ELSE quote_ident(table_schema::TEXT) || '.' || quote_ident(table_name::TEXT) END"
# The "tables" of a metadata object, one '"name": rows' line a table, as db_table_counts gives them (the
# name JSON-escaped by the database, so one line whatever it holds), sorted.
meta_tables() {
  sed -n '/^  "tables": {/,/^  }/p' "$1" | sed -n 's/^    \(".*": [0-9][0-9]*\),\{0,1\}$/\1/p' | LC_ALL=C sort
}
# pid_ended PID: true once the child PID has ended: gone (bash reaps its children as they end) or a zombie
# (dash waits to), by the state in /proc/<pid>/stat, after the command name in parentheses (proc(5)). A child
# that has ended is a zombie until waited for, and `kill -0` still finds it.
pid_ended() {
  pid_state=$(sed 's/.*) //' "/proc/$1/stat" 2> /dev/null | cut -d' ' -f1) || pid_state=''
  [ -z "$pid_state" ] || [ "$pid_state" = Z ]
}
# alive WHAT MEASURE COMMAND...: runs COMMAND (its standard input this function's; its output into $alive_log)
# and, while it runs, says every $PROGRESS_SECONDS (30 by default) that it is alive: "WHAT: <s> s", after
# what MEASURE measures: "read TOTAL", the bytes of TOTAL read so far on COMMAND's standard input (the offset
# of that input, pos in /proc/<pid>/fdinfo/0, proc(5): the subshell and the program it runs share the open
# file, and so its offset); "written FILE", the bytes in FILE so far; "" nothing. A dump, a download, an
# import or a RESTORE of a large database runs for hours, and helm datashield-restore shows these lines as
# they come (issue 24 §4). Returns COMMAND's exit status, read from a file (pid_ended). Its files are the step's
# own ($STEP.command.*): two steps side by side share $WORK_DIR.
alive() {
  alive_what=$1 alive_measure=$2 alive_log="$WORK_DIR/$STEP.command.log" && shift 2
  rm -f "$WORK_DIR/$STEP.command.status"
  # An asynchronous list's standard input is /dev/null unless redirected explicitly (POSIX, Shell Command
  # Language 2.9.3): this function's goes to it through fd 3.
  exec 3<&0
  { alive_exit=0; "$@" > "$alive_log" 2>&1 || alive_exit=$?; echo "$alive_exit" > "$WORK_DIR/$STEP.command.status"; } <&3 &
  alive_pid=$! alive_start=$(date +%s) alive_waited=''
  exec 3<&-
  alive_next=$((alive_start + ${PROGRESS_SECONDS:-30}))
  until [ -s "$WORK_DIR/$STEP.command.status" ]; do
    # Ended without writing its status (killed, or a function that exits): the status from `wait`, never a
    # wait for ever.
    if pid_ended "$alive_pid"; then
      alive_exit=0 alive_waited=yes && wait "$alive_pid" || alive_exit=$?
      [ -s "$WORK_DIR/$STEP.command.status" ] || echo "$alive_exit" > "$WORK_DIR/$STEP.command.status"
      break
    fi
    if [ "$(date +%s)" -ge "$alive_next" ]; then
      case $alive_measure in
        read\ *) alive_done=$(sed -n 's/^pos:[[:space:]]*//p' "/proc/$alive_pid/fdinfo/0" 2> /dev/null) || alive_done=''
          alive_done="${alive_done:-?} of ${alive_measure#read } bytes read, " ;;
        written\ *) alive_done=$(size_of "${alive_measure#written }" 2> /dev/null) || alive_done=''
          alive_done="${alive_done:-0} bytes written, " ;;
        *) alive_done='' ;;
      esac
      log "$alive_what: $alive_done$(($(date +%s) - alive_start)) s"
      alive_next=$((alive_next + ${PROGRESS_SECONDS:-30}))
    fi
    sleep 0.2
  done
  # Once only: bash says on stderr that a pid waited for already "is not a child of this shell".
  [ -n "$alive_waited" ] || wait "$alive_pid" || true
  return "$(cat "$WORK_DIR/$STEP.command.status")"
}

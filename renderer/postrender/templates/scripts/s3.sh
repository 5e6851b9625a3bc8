# s3: the object store, through the AWS CLI (the same commands in AWS CLI v1 and v2). Each call
# may take $S3_CALL_TIMEOUT seconds at most: a server that hangs or crawls fails the step with
# a log line that says so (the CLI's own timeouts only catch a silent connection), instead of
# running until the Job's activeDeadlineSeconds kills the pod without a word. The CLI's standard error goes
# through a file, $S3_STDERR when set: a call made in the background sets its own, or it and a call of the
# step's own would truncate and delete each other's.
s3() {
  s3_status=0 s3_stderr=${S3_STDERR:-$WORK_DIR/s3.stderr}
  timeout "$S3_CALL_TIMEOUT" aws --endpoint-url "$S3_ENDPOINT" "$@" 2> "$s3_stderr" || s3_status=$?
  if [ "$s3_status" = 0 ]; then
    cat "$s3_stderr" >&2
  elif [ "$s3_status" = 124 ]; then
    printf 'no answer from %s within %s s (S3_CALL_TIMEOUT)\n' "$S3_ENDPOINT" "$S3_CALL_TIMEOUT" >&2
  else
    s3_reason "$s3_status" "$s3_stderr" >&2
  fi
  rm -f "$s3_stderr"
  return "$s3_status"
}
# s3_reason STATUS FILE: why the AWS CLI failed with STATUS, from its standard error in FILE, on one line and never
# empty: callers put it after "FAILED: <what>: ".
s3_reason() {
  reason=$(one_line "$(cat "$2")")
  printf '%s\n' "${reason:-the AWS CLI exited with code $1 and gave no reason}"
}
# put_verified FILE KEY [SHA256]: uploads FILE, reads it back as a stream (no second file on the pod's
# disk) and compares its SHA-256 with SHA256 (what the step that wrote FILE recorded; FILE's own when not
# given); fails loudly otherwise. A FILE that changed on the disk since SHA256 was taken fails the same way.
put_verified() {
  log "uploading s3://$S3_BUCKET/$2 ($(size_of "$1") bytes)"
  alive "uploading s3://$S3_BUCKET/$2" "" \
    s3 s3 cp --only-show-errors --metadata "writer=helm-datashield,release=$RELEASE" "$1" "s3://$S3_BUCKET/$2" \
    < /dev/null || fail "upload to s3://$S3_BUCKET/$2 failed: $(cat "$alive_log")"
  read_back "$2" "${3:-$(sha256_of "$1")}"
}
# put_checked FILE KEY: uploads FILE, a JSON record (a drill's, a restore run's), in one call that the store verifies: with
# its Content-MD5 (RFC 1864), which S3, IBM COS and SeaweedFS compare with the bytes they received, refusing the PUT
# (BadDigest) when they differ (docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html). One AWS CLI start-up
# where put_verified takes two (issue 23). The dumps and the backups' metadata objects are still read back
# (put_verified): what a restore needs, and retention's clock check reads the metadata's LastModified.
put_checked() {
  log "uploading s3://$S3_BUCKET/$2 ($(size_of "$1") bytes)"
  md5=$(md5_base64 "$1")
  [ "${#md5}" = 24 ] || fail "cannot take the MD5 of $1 for its upload to s3://$S3_BUCKET/$2: \"$md5\""
  out=$(s3 s3api put-object --bucket "$S3_BUCKET" --key "$2" --body "$1" --content-md5 "$md5" \
    --content-type application/json --metadata "writer=helm-datashield,release=$RELEASE" 2>&1 > /dev/null) ||
    fail "upload to s3://$S3_BUCKET/$2 failed: $out"
}
# md5_base64 FILE: FILE's MD5 as Content-MD5 carries it (RFC 1864: the 16 bytes in base64), from md5sum's hex digits
# (awk makes each pair an octal escape of printf, which dash's printf and bash's both read). The file on standard
# input: md5sum writes a "\" before the digest of a file whose name holds a "\" or a newline.
md5_base64() {
  # shellcheck disable=SC2059  # the format is octal escapes only, made here from hex digits
  printf "$(md5sum < "$1" | cut -c1-32 | LC_ALL=C awk '{ for (i = 1; i < 32; i += 2)
    printf "\\%03o", index("0123456789abcdef", substr($0, i, 1)) * 16 + index("0123456789abcdef", substr($0, i + 1, 1)) - 17 }')" |
    base64
}
# read_back KEY SHA256 [delete]: reads the object KEY back as a stream (summed_size, summed_sha256: get_summed)
# and fails the step unless its SHA-256 is SHA256, having deleted the object first when asked (deleted).
read_back() {
  get_summed "$1" /dev/null "reading back s3://$S3_BUCKET/$1 failed"
  [ "$summed_sha256" != "$2" ] || return 0
  fail "s3://$S3_BUCKET/$1 does not match what was uploaded (SHA-256 differs)${3:+: $(deleted "$1" "it")}"
}
# read_back_dump KEY CKSUM TABLES: reads the SQL dump put_streamed wrote to KEY back as one stream, and fails the
# step, having deleted the object (no metadata yet: no backup), unless it matches the stream that went up and
# creates every table that TABLES counts (the dump step's '"name": rows' lines; nothing is compared when it is
# empty). Sets summed_size (bytes).
# - Compared by `cksum` (POSIX: CRC-32 and length in bytes), taken of the same stream as the SHA-256 that the
#   metadata records (put_streamed): the read-back is there to catch a store that lost, cut or damaged bytes,
#   which a CRC is made to catch (the S3 API's own integrity checksums, CRC32, CRC32C and CRC64NVME, are CRCs:
#   docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html), and it costs a tenth of a
#   SHA-256 (coreutils' sha256sum, about 180 MiB/s on one core of the test machine: it bounded the read-back).
#   The SHA-256 is what the restore, the drill and --status check.
# - The tables: the same bytes go to NOT_CREATED, which stops at the last counted CREATE TABLE (both dumps write
#   them before any data); a `cat` then drains the rest, so that the read goes on (tee of coreutils 8.22 has no
#   -p, and would fail on a closed pipe). A dump that counts a table it does not create fails here, when it is
#   written, not at the next drill or a restore (issue 25, review fault 5).
read_back_dump() {
  rm -f "$WORK_DIR/created" && mkfifo "$WORK_DIR/created" && printf 1 > "$WORK_DIR/not-created.status"
  { LC_ALL=C awk "$NOT_CREATED" "$3" - > "$WORK_DIR/not-created" 2>&1 && echo 0 > "$WORK_DIR/not-created.status" ||
      echo "$?" > "$WORK_DIR/not-created.status"; cat > /dev/null; } < "$WORK_DIR/created" &
  checking=$!
  get_summed "$1" "$WORK_DIR/created" "reading back s3://$S3_BUCKET/$1 failed" cksum
  wait "$checking" || true
  rm -f "$WORK_DIR/created"
  [ "$summed_digest" = "$2" ] ||
    fail "s3://$S3_BUCKET/$1 does not match what was uploaded (CRC-32 and length: $summed_digest, not $2): $(deleted "$1" "it")"
  [ "$(cat "$WORK_DIR/not-created.status")" = 0 ] ||
    fail "cannot check the tables of s3://$S3_BUCKET/$1: $(one_line "$(cat "$WORK_DIR/not-created")"): $(deleted "$1" "it")"
  [ ! -s "$WORK_DIR/not-created" ] ||
    fail "the dump s3://$S3_BUCKET/$1 creates no table $(paste -s -d, - < "$WORK_DIR/not-created" | sed 's/,/, /g'), \
which the database counted in the dump's snapshot: $(deleted "$1" "it")"
  summed_size=${summed_digest#* }
}
# put_streamed FIFO KEY: uploads what comes through FIFO to KEY (`aws s3 cp -`: a multipart upload from the pipe,
# in parts of 8 MiB of which s3transfer holds at most 10 in memory, and so at most 10,000 parts, 78 GiB:
# docs/images.md), summing it on the way (streamed_sha256; streamed_cksum, read_back_dump's), without a copy on the pod's disk; fails the
# step when the upload or the read of FIFO does.
# The upload lasts as long as the dump, hours for a large database, so S3_CALL_TIMEOUT cannot bound it whole, as
# s3 bounds a call: a watchdog (stream_watch) fails it once no byte has moved for $S3_CALL_TIMEOUT seconds, and
# says which side stalled, the dump or the object store; once the dump has ended, what the store has left to
# do (the last parts, CompleteMultipartUpload) must end within $S3_CALL_TIMEOUT seconds, as one call. dd counts
# the bytes between FIFO and the upload (stream_counts). Memory: the pipes' buffers and dd's 64 KiB block.
put_streamed() {
  rm -f "$WORK_DIR/sums" "$WORK_DIR/crcs" "$WORK_DIR/counted" "$WORK_DIR/to-store" &&
    mkfifo "$WORK_DIR/sums" "$WORK_DIR/crcs" "$WORK_DIR/counted" "$WORK_DIR/to-store" && : > "$WORK_DIR/dd.stderr"
  # Each part a process of its own (FIFOs between them, each opened by the shell that starts the part, so each
  # part starts once both ends are open): the watchdog ends them by their ids.
  sha256sum < "$WORK_DIR/sums" > "$WORK_DIR/streamed.sha256" &
  summing=$!
  cksum < "$WORK_DIR/crcs" > "$WORK_DIR/streamed.cksum" &
  crcing=$!
  # dd starts (and catches SIGUSR1) only once the dump has opened its end of FIFO. It answers SIGUSR1 unless
  # POSIXLY_CORRECT is set (coreutils manual, "dd invocation"), so it is not.
  (unset POSIXLY_CORRECT && LC_ALL=C && export LC_ALL && exec dd bs=65536) < "$1" > "$WORK_DIR/counted" \
    2>> "$WORK_DIR/dd.stderr" &
  counting=$!
  tee "$WORK_DIR/sums" "$WORK_DIR/crcs" < "$WORK_DIR/counted" > "$WORK_DIR/to-store" 2> "$WORK_DIR/tee.stderr" &
  teeing=$!
  aws --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors --metadata "writer=helm-datashield,release=$RELEASE" \
    - "s3://$S3_BUCKET/$2" < "$WORK_DIR/to-store" > "$WORK_DIR/put.stderr" 2>&1 &
  putting=$!
  stalled=$(stream_watch)
  [ -z "$stalled" ] || kill "$putting" "$teeing" "$counting" "$summing" "$crcing" 2> /dev/null || true
  put_status=0 && wait "$putting" || put_status=$?
  tee_status=0 && wait "$teeing" || tee_status=$?
  dd_status=0 && wait "$counting" || dd_status=$?
  sum_status=0 && wait "$summing" || sum_status=$?
  crc_status=0 && wait "$crcing" || crc_status=$?
  [ -z "$stalled" ] || fail "upload to s3://$S3_BUCKET/$2 failed: $stalled"
  [ "$put_status" = 0 ] || fail "upload to s3://$S3_BUCKET/$2 failed: $(s3_reason "$put_status" "$WORK_DIR/put.stderr")"
  [ "$sum_status" = 0 ] && [ "$crc_status" = 0 ] || fail "upload to s3://$S3_BUCKET/$2: cannot sum what was uploaded"
  if [ "$dd_status" != 0 ] || [ "$tee_status" != 0 ]; then
    reason=$(grep -h -v -e ' records in$' -e ' records out$' -e ' copied, ' "$WORK_DIR/dd.stderr" "$WORK_DIR/tee.stderr" || true)
    fail "upload to s3://$S3_BUCKET/$2: cannot read $1: ${reason:-dd exited with code $dd_status, tee with $tee_status}"
  fi
  # shellcheck disable=SC2034 # read by upload.sh (pods that do not stream have no reader of it)
  streamed_sha256=$(cut -d' ' -f1 "$WORK_DIR/streamed.sha256") streamed_cksum=$(cat "$WORK_DIR/streamed.cksum")
  rm -f "$WORK_DIR/sums" "$WORK_DIR/crcs" "$WORK_DIR/counted" "$WORK_DIR/to-store" "$WORK_DIR/tee.stderr" "$WORK_DIR/dd.stderr" \
    "$WORK_DIR/put.stderr"
}
# stream_watch: put_streamed's watchdog, until the upload ($putting) ends; prints why it stalled (nothing when it did
# not). Time is its own count of 1 s sleeps (each of five 0.2 s), never the clock (a clock stepped by NTP would fire or hide a stall).
# dd ($counting) writes its counts on SIGUSR1 (coreutils dd(1), 8.22 too): "<full>+<partial> records in" counted
# as each read ends, "... records out" as each write does. Nothing moved, and more records in than out: dd holds a
# block that the upload does not take (the object store stalled); as many: dd waits for the dump. SIGUSR1 only
# once dd catches it (SigCgt, bit 10: proc(5)): its default action ends a process, such as the shell that
# starts dd while it waits for the dump to open the FIFO.
stream_watch() {
  w_counts='0 0 0' w_still=0 w_after=''
  while ! pid_ended "$putting"; do
    if [ -z "$w_after" ] && pid_ended "$counting"; then w_after=0; fi
    if [ -z "$w_after" ]; then
      w_caught=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$counting/status" 2> /dev/null) || w_caught=''
      [ $((0x${w_caught:-0} & 512)) = 0 ] || kill -USR1 "$counting" 2> /dev/null || true
    fi
    # One second, in fifths: the loop ends as soon as the upload does, not up to a second later (issue 23).
    w_fifths=0
    # (A sleep that fails, in an image whose sleep takes no fractions, ends the watch under -e: never a spin.)
    while [ "$w_fifths" -lt 5 ] && ! pid_ended "$putting"; do w_fifths=$((w_fifths + 1)); sleep 0.2; done
    [ "$w_fifths" = 5 ] || break  # the upload ended: no stall to judge
    if [ -n "$w_after" ]; then
      w_after=$((w_after + 1))
      [ "$w_after" -lt "$S3_CALL_TIMEOUT" ] && continue
      echo "no answer from $S3_ENDPOINT within $S3_CALL_TIMEOUT s of the dump's end (S3_CALL_TIMEOUT)"
      return
    fi
    w_now=$(stream_counts)
    # Nothing written since the file was emptied: the counts are still the last ones.
    w_now=${w_now:-$w_counts}
    if [ "$w_now" != "$w_counts" ]; then w_counts=$w_now w_still=0 && continue; fi
    w_still=$((w_still + 1))
    [ "$w_still" -ge "$S3_CALL_TIMEOUT" ] || continue
    # shellcheck disable=SC2086  # three numbers
    set -- $w_counts
    if [ "$1" -gt "$2" ]; then
      echo "the object store at $S3_ENDPOINT took no bytes for $S3_CALL_TIMEOUT s (S3_CALL_TIMEOUT; $3 bytes went before)"
    else
      echo "the $BESIDE step gave no bytes for $S3_CALL_TIMEOUT s (S3_CALL_TIMEOUT; $3 bytes came before): the database or its dump stalled, not the object store"
    fi
    return
  done
}
# stream_counts: dd's last counts, "<records in> <records out> <bytes out>", from $WORK_DIR/dd.stderr (nothing
# when it holds none; kept short: emptied when past 64 KiB, dd appending).
stream_counts() {
  awk '/ records in$/ { split($1, r, "+"); i = r[1] + r[2] } / records out$/ { split($1, r, "+"); o = r[1] + r[2] }
    $2 ~ /^bytes?$/ { b = $1; n++ } END { if (n) print i + 0, o + 0, b + 0 }' "$WORK_DIR/dd.stderr"
  [ "$(size_of "$WORK_DIR/dd.stderr")" -le 65536 ] || : > "$WORK_DIR/dd.stderr"
}
# deleted KEY WHAT: deletes the object KEY and says so ("WHAT, s3://<bucket>/KEY, was deleted; nothing was
# kept"), or that it could not (for the end of a failure line; it never fails itself).
deleted() {
  if out=$(s3 s3api delete-object --bucket "$S3_BUCKET" --key "$1" 2>&1); then
    echo "$2, s3://$S3_BUCKET/$1, was deleted; nothing was kept"
  else
    echo "$2, s3://$S3_BUCKET/$1, could not be deleted ($out): it has no metadata object, so it is no backup"
  fi
}
# get_summed KEY FILE [WHAT [SUM]]: downloads one object as a stream into FILE (/dev/null: nowhere; a FIFO: to its
# reader) and sets, in the same pass over its bytes, summed_digest (SUM's line of it: sha256sum by default, or
# cksum) and summed_sha256 (its first field), summed_size (bytes: FILE's length when it is a regular file, no
# read; else the answer's ContentLength) and summed_modified (the answer's LastModified, the store's time); fails
# the step when the download or the write does (WHAT: how the failure begins, default "cannot download
# s3://<bucket>/KEY"). One GET, read in order (`s3api get-object`, whose body goes to fd 3, the pipe, and its
# answer, two fields, to get.answer): `s3 cp KEY -` fetches ranges in parallel and puts them back in
# order, and it stopped for good after 48 MiB on the test store (AWS CLI 1.46.2, SeaweedFS; aws/aws-cli#3977
# and #1187 report truncated and slow streams). Memory: the pipe's buffers, whatever the object's size.
# The exit status of each part of the pipe goes through a file (POSIX sh, dash, has no pipefail), written
# under -e too ("a && echo 0 || echo $?": a failing part alone would end the pipe's subshell before it could
# say how). The status files are written before the pipe starts, so that on a full disk they hold a failure.
get_summed() {
  what=${3:-cannot download s3://$S3_BUCKET/$1}
  printf 1 > "$WORK_DIR/get.status" && printf 1 > "$WORK_DIR/tee.status" && : > "$WORK_DIR/tee.stderr"
  : > "$WORK_DIR/get.digest"
  # Said alive as it runs (lib.sh alive): a download of a large backup takes hours.
  alive "reading s3://$S3_BUCKET/$1" "$(if [ "$2" != /dev/null ]; then printf 'written %s' "$2"; fi)" \
    get_piped "$1" "$2" "${4:-sha256sum}" < /dev/null || true
  summed_digest=$(cat "$WORK_DIR/get.digest") summed_sha256=${summed_digest%% *}
  # A write that failed makes the download fail too (its pipe is closed): the write is the reason.
  if [ "$(cat "$WORK_DIR/tee.status")" != 0 ]; then
    reason=$(cat "$WORK_DIR/tee.stderr")
    fail "$what: cannot write $2: ${reason:-the write failed and left no reason (is the work volume of the pod full?)}"
  fi
  if [ "$(cat "$WORK_DIR/get.status")" != 0 ]; then
    reason=$(cat "$WORK_DIR/get.stderr" 2> /dev/null || true)
    fail "$what: ${reason:-the download failed and left no reason (is the work volume of the pod full?)}"
  fi
  rm -f "$WORK_DIR/get.stderr" "$WORK_DIR/tee.stderr"
  # The answer's ContentLength and LastModified (the store's time, which clock_checked can take), tab-separated.
  # shellcheck disable=SC2034  # summed_modified: read by the upload step only (retention's clock check)
  IFS='	' read -r summed_length summed_modified < "$WORK_DIR/get.answer" || true
  if [ -f "$2" ]; then summed_size=$(size_of "$2"); else summed_size=$summed_length; fi
}
# get_piped KEY FILE SUM: get_summed's pipe, SUM's line into $WORK_DIR/get.digest (it runs apart: lib.sh alive).
get_piped() {
  { s3 s3api get-object --bucket "$S3_BUCKET" --key "$1" --query '[ContentLength, LastModified]' --output text \
      /dev/fd/3 3>&1 > "$WORK_DIR/get.answer" 2> "$WORK_DIR/get.stderr" &&
      echo 0 > "$WORK_DIR/get.status" || echo "$?" > "$WORK_DIR/get.status"; } |
    { tee "$2" 2> "$WORK_DIR/tee.stderr" && echo 0 > "$WORK_DIR/tee.status" || echo "$?" > "$WORK_DIR/tee.status"; } |
    "$3" | sed 's/ *-\{0,1\}$//' > "$WORK_DIR/get.digest"
}
# files_under DIR: the regular files under DIR, one path a line. No find: amazon/aws-cli 2.27.51-2.27.56 (on
# amazonlinux:2023) have no findutils (renderer/values/images.py, docs/images.md).
files_under() {
  for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    if [ -d "$f" ]; then files_under "$f"; elif [ -f "$f" ]; then printf '%s\n' "$f"; fi
  done
}
# shellcheck disable=SC2034  # files: read by the steps that record it (upload.sh, fetch.sh)
# native_digest KEY: reads the native backup under KEY/ and sets files (count), size (bytes) and
# sha256 (of the sorted "sha256  ./path" list of its files), as its metadata records them.
native_digest() {
  rm -rf "$WORK_DIR/native" && mkdir -p "$WORK_DIR/native"
  alive "reading s3://$S3_BUCKET/$1/" "" s3 s3 cp --recursive --only-show-errors "s3://$S3_BUCKET/$1/" \
    "$WORK_DIR/native/" < /dev/null || fail "cannot read the backup s3://$S3_BUCKET/$1/: $(cat "$alive_log")"
  (cd "$WORK_DIR/native" && files_under . | LC_ALL=C sort > "$WORK_DIR/native.files")
  (cd "$WORK_DIR/native" && while read -r part; do sha256sum "$part"; done) < "$WORK_DIR/native.files" \
    > "$WORK_DIR/native.sha256"
  files=$(grep -c . "$WORK_DIR/native.sha256" || true)
  size=$(cd "$WORK_DIR/native" && while read -r part; do cat "$part"; done < "$WORK_DIR/native.files" | wc -c | tr -d ' ')
  sha256=$(sha256_of "$WORK_DIR/native.sha256")
  rm -rf "$WORK_DIR/native"
}
# Backups of this release, named as this tool names them (a backup's identity is its namespace,
# release and database cluster; the metadata object must say the same as the key):
#   <prefix>/<namespace>/<release>-<yyyymmddThhmmssZ>-<cluster>.sql|.native    (written now)
#   <prefix>/<release>-<yyyymmddThhmmssZ>.sql|.native                         (the earlier layout: still
#                                                                              read, restored and retained)
# each with <key>.json beside it. Only the listing's JSON is read, one key a line: a key with a space,
# a newline or any other character this tool never writes is JSON-escaped on its line, so it can
# never look like one of ours (it is reported when it starts like our names).
STAMP_GLOB='[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z'
# A name stamped later than the pod's clock plus this skew cannot be right: it is reported and never
# trusted for ordering (a node whose clock once said 2099 must not decide what "latest" is).
CLOCK_SKEW_SECONDS=600
# clock_checked TIME WHOSE PREFIX WHAT: fails the step unless this pod's clock agrees, within CLOCK_SKEW_SECONDS,
# with the object store's: TIME, the LastModified the store gave an object this pod has just written, and WHOSE
# what it dated ("the store wrote s3://<bucket>/<key>"). PREFIX starts each failure line ("retention: "), WHAT
# says what was not done ("nothing was deleted"). Backups are named, ordered, and `latest` chosen by the names the
# pods' clocks give them. A node whose clock is fast names its backup later than a correct clock accepts
# (backup_problem; renderer/restore/backups.py CLOCK_SKEW): `latest` passes it over until that time, then takes it
# over every backup made meanwhile, and with Retention 1 it kept that one and deleted every correctly named backup
# (issue 24 §5); a slow clock names it older than those it deletes. So the upload step checks the clock before the
# dump starts (no backup is named by a wrong clock), and retention again before it deletes. Two clocks that
# disagree cannot tell which is right: nothing is done until they agree. Sets c_store, the store's TIME in seconds.
clock_checked() {
  # date -d "" is today's midnight: no time is a failure, not a time.
  [ -n "$1" ] || fail "$3$2 and gave no time: $4"
  c_store=$(date -u -d "$1" +%s 2>/dev/null) || fail "$3$2 at \"$1\", which is not a time: $4"
  ! clock_off "$c_store" || fail "$3the clock of node ${NODE_NAME:-?} is ${c_skew#-} s $c_way the object store's \
(more than $CLOCK_SKEW_SECONDS s; $2 at $(date -u -d "@$c_store" +%Y-%m-%dT%H:%M:%SZ)): backups named by a wrong \
clock sort wrong, so $4; set the node's clock right (NTP)"
}
# clock_off SECONDS: whether this pod's clock is more than CLOCK_SKEW_SECONDS off SECONDS (since the epoch); sets
# c_skew (this clock minus SECONDS) and c_way ("ahead of", "behind").
clock_off() {
  c_skew=$(($(date -u +%s) - $1))
  if [ "$c_skew" -gt 0 ]; then c_way="ahead of"; else c_way=behind; fi
  [ "${c_skew#-}" -gt "$CLOCK_SKEW_SECONDS" ]
}
# store_date: the time of the object store's answer to a HEAD of $S3_ENDPOINT, without a call of the AWS CLI (a
# start-up of about a second, issue 23) and without writing anything: the store refuses it (no credentials are
# sent: 403, 405) and dates the refusal all the same (RFC 9110 section 6.6.1: an origin server with a clock sends
# Date in every 2xx, 3xx and 4xx answer). Only a fast path: a server in between (an ingress that sends its own Date,
# a cache, a proxy) may date the answer by its own clock, and curl may not reach the store the way the AWS CLI does
# (its proxy variables and trusted certificates differ), so a caller takes "agrees" from it and nothing else
# (upload.sh). Prints the time in seconds since the epoch, from the last Date of the answer (curl prints a 1xx
# answer's first; a proxy's CONNECT answer is suppressed); on failure, why, on one line, and status 1.
store_date() {
  d_answer=$(curl --silent --show-error --head --suppress-connect-headers --header 'Cache-Control: no-cache' \
    --max-time "$S3_CALL_TIMEOUT" "$S3_ENDPOINT" 2> "$WORK_DIR/curl.stderr") ||
    { one_line "$(cat "$WORK_DIR/curl.stderr")"; return 1; }
  d_date=$(printf '%s\n' "$d_answer" | tr -d '\r' | sed -n 's/^[Dd][Aa][Tt][Ee]:[ 	]*//p' | tail -n 1)
  [ -n "$d_date" ] || { echo "its answer has no Date header"; return 1; }
  # date -d "" is today's midnight: checked above.
  date -u -d "$d_date" +%s 2> /dev/null || { one_line "its Date header is not a time: $d_date"; return 1; }
}
# listing: "<size> <key>" lines in $WORK_DIR/listing, and "<LastModified> <key>" lines in $WORK_DIR/dated
# (the store's time, an ISO 8601 string in AWS CLI v1 and v2: retention's orphan sweep reads it, so that it needs
# no listing of its own, issue 23), for the objects whose keys start as this release's backups do, in either
# layout, and use only the characters of our names (letters, digits and !_.*'()/-); the others are counted in
# $odd_keys. One call: the whole prefix is listed (the download of the metadata objects lists it too), filtered
# by the CLI (JMESPath starts_with, $l_filter; the prefix has no backquote, S3Prefix's rule).
# The characters of our names (a sed bracket expression's inside); upload.sh reads drill records' keys with it too.
# OUR_KEY_LINE: a listing's line, "<size> <time> <key>", the time an ISO 8601 string or null (to_string's).
OUR_KEY_CHARS="A-Za-z0-9!_.*()/'-"
OUR_KEY_LINE="s|^ *\"\([0-9][0-9]*\) \([0-9n][-0-9T:.+Zul]*\) \([$OUR_KEY_CHARS]*\)\",\{0,1\}\$|\1 \2 \3|p"
listing() {
  l_base=$(key_of "")
  l_filter="starts_with(Key, \`$(json_string "$l_base$RELEASE-")\`) || starts_with(Key, \`$(json_string "$l_base$NAMESPACE/$RELEASE-")\`)"
  listed=$(s3 s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$l_base" --output json \
    --query "Contents[?$l_filter].join(' ', [to_string(Size), to_string(LastModified), Key])" 2>&1) ||
    fail "cannot list s3://$S3_BUCKET/$l_base: $listed"
  printf '%s\n' "$listed" | sed -n "$OUR_KEY_LINE" > "$WORK_DIR/listed"
  cut -d' ' -f1,3 "$WORK_DIR/listed" > "$WORK_DIR/listing"
  # A store that gave an object no time (JMESPath to_string: "null") keeps it out of the sweep only.
  grep -v '^[0-9]* null ' "$WORK_DIR/listed" | cut -d' ' -f2,3 > "$WORK_DIR/dated" || true
  odd_keys=$(($(printf '%s\n' "$listed" | grep -c '^ *"' || true) - $(grep -c . "$WORK_DIR/listing" || true)))
}
# stamp_iso STAMP: yyyymmddThhmmssZ as ISO 8601, when it is a real time (else nothing, status 1).
stamp_iso() {
  iso=$(printf '%s' "$1" | sed 's/^\(....\)\(..\)\(..\)T\(..\)\(..\)\(..\)Z$/\1-\2-\3T\4:\5:\6Z/')
  [ "$(date -u -d "$iso" +%Y%m%dT%H%M%SZ 2>/dev/null)" = "$1" ] && printf '%s' "$iso"
}
# shown VALUE: VALUE quoted, or null when empty (as the restore command shows a missing field).
shown() { if [ -n "$1" ]; then printf '"%s"' "$1"; else printf null; fi; }
# backup_problem FILE KEY FORMAT CLUSTER STAMP: why the metadata object FILE does not describe this
# release's scheduled backup KEY, named with FORMAT, CLUSTER ("-": the earlier layout, which names
# none) and STAMP (nothing when it does; renderer/restore/backups.py applies the same rules). The metadata
# must be laid out as the upload step writes it (one field a line), which is all of JSON this image
# can check without a JSON parser.
backup_problem() {
  b_iso=$(stamp_iso "$5") || { echo "$5 is not a time"; return; }
  [ "$(printf '%s' "$5" | tr -d TZ)" -le "$b_limit" ] ||
    { echo "dated $b_iso, later than this pod's clock allows ($CLOCK_SKEW_SECONDS s of skew): never trusted for ordering, never deleted"; return; }
  if ! [ -s "$1" ] || [ "$(head -n 1 "$1")" != "{" ] || [ "$(tail -n 1 "$1")" != "}" ] ||
    sed '1d;$d' "$1" | grep -qv -e '^  "[A-Za-z0-9]*": \("\([^"\\]\|\\.\)*"\|[0-9][0-9]*\|{.*}\|null\),$' \
      -e '^  "tables": {$' -e '^    "\([^"\\]\|\\.\)*": [0-9][0-9]*,\{0,1\}$' -e '^  }$'; then
    echo "the metadata object is not valid JSON as this tool writes it"
    return
  fi
  [ "$(meta_field writer "$1")" = helm-datashield ] || { echo "not written by helm-datashield"; return; }
  b_kind=$(meta_field kind "$1")
  [ -z "$b_kind" ] || [ "$b_kind" = backup ] || { echo "a $b_kind, not a scheduled backup"; return; }
  for b_field in release namespace object format; do
    case $b_field in release) b_want=$RELEASE ;; namespace) b_want=$NAMESPACE ;; object) b_want=$2 ;; format) b_want=$3 ;; esac
    b_got=$(meta_field "$b_field" "$1")
    [ "$b_got" = "$b_want" ] || { echo "its metadata names $b_field $(shown "$b_got"), not \"$b_want\""; return; }
  done
  b_got=$(meta_field cluster "$1") b_want=${4#-}
  [ "$b_got" = "$b_want" ] || { echo "its metadata names cluster $(shown "$b_got"), the key $(shown "$b_want")"; return; }
  [ -n "$(meta_field size "$1")" ] && [ -n "$(meta_field sha256 "$1")" ] ||
    { echo "the metadata object records no size or SHA-256"; return; }
  b_got=$(meta_field created "$1")
  [ "$b_got" = "$b_iso" ] || echo "its metadata says it was created at $b_got, its name $b_iso"
}
# our_name NAME: whether NAME (a key under the prefix) names a backup of this release as this tool names
# them, in either layout; when it does, sets b_stamp, b_cluster ("-" in the earlier layout) and b_format.
our_name() {
  # shellcheck disable=SC2254  # $STAMP_GLOB is a pattern; the names around it are quoted, literal
  case $1 in
    "$RELEASE"-$STAMP_GLOB.sql | "$RELEASE"-$STAMP_GLOB.native) b_cluster=- ;;
    "$NAMESPACE/$RELEASE"-$STAMP_GLOB-*.sql | "$NAMESPACE/$RELEASE"-$STAMP_GLOB-*.native)
      b_cluster=${1#"$NAMESPACE/$RELEASE"-????????T??????Z-} b_cluster=${b_cluster%.*}
      # A cluster as the dump step names it (dump.sh), else not a name of ours (renderer/restore/backups.py CLUSTER).
      case $b_cluster in '' | [!A-Za-z0-9]* | *[!A-Za-z0-9-]*) return 1 ;; esac ;;
    *) return 1 ;;
  esac
  b_stamp=${1#"$NAMESPACE/"} b_stamp=${b_stamp#"$RELEASE"-} b_stamp=${b_stamp%%[.-]*} b_format=${1##*.}
}
# our_backups: this release's complete scheduled backups, oldest first, into $WORK_DIR/backups as
# "<stamp> <cluster or -> <key>" lines; every object named like one that is not (foreign, damaged,
# future-dated, incomplete) is reported on one line and left out; a backup's drill records
# (<key>.drill-<stamp>.json, record.sh) are neither backups nor parts of one, and are not downloaded.
# Half-deleted pairs (metadata of ours whose data is gone or short) go to $WORK_DIR/half-deleted. Two calls of the CLI whatever the
# bucket holds (each costs a second or more of start-up): one listing and one download of every
# metadata object named like ours.
our_backups() {
  b_base=$(key_of "")
  b_limit=$(date -u -d "@$(($(date -u +%s) + CLOCK_SKEW_SECONDS))" +%Y%m%d%H%M%S)
  listing
  [ "$odd_keys" = 0 ] ||
    log "WARNING: ignoring $odd_keys object(s) under s3://$S3_BUCKET/$b_base named unlike any backup (characters this tool never writes)"
  # Bytes and objects of each backup's data: an object, or the objects under a native backup's key.
  awk '{ key = substr($0, index($0, " ") + 1); at = index(key, ".native/"); if (at) key = substr(key, 1, at + 6)
    size[key] += $1; parts[key]++ } END { for (key in size) print key, size[key], parts[key] }' \
    "$WORK_DIR/listing" > "$WORK_DIR/data-sizes"
  # No key with a "/" past the namespace's is fetched, so no two keys share a local file; a key the
  # local file system cannot hold is read on its own below, if it is one of ours at all.
  rm -rf "$WORK_DIR/metadata"
  mkdir -p "$WORK_DIR/metadata"
  s3 s3 cp --recursive --only-show-errors "s3://$S3_BUCKET/$b_base" "$WORK_DIR/metadata/" --exclude '*' \
    --include "$RELEASE-*.json" --include "$NAMESPACE/$RELEASE-*.json" --exclude "$RELEASE-*/*" --exclude '*/*/*' \
    --exclude '*.drill-*' > /dev/null 2>&1 || true
  : > "$WORK_DIR/backups.unsorted"
  : > "$WORK_DIR/half-deleted"
  while read -r _ b_meta; do
    case $b_meta in *.json) ;; *) continue ;; esac
    b_key=${b_meta%.json} b_rel=${b_meta#"$b_base"}
    our_name "${b_rel%.json}" || continue
    b_file="$WORK_DIR/metadata/${b_meta#"$b_base"}"
    if ! [ -f "$b_file" ]; then
      b_file="$WORK_DIR/candidate.json"
      b_out=$(s3 s3 cp --only-show-errors "s3://$S3_BUCKET/$b_meta" "$b_file" 2>&1) ||
        fail "cannot read s3://$S3_BUCKET/$b_meta: $b_out"
    fi
    b_problem=$(backup_problem "$b_file" "$b_key" "$b_format" "$b_cluster" "$b_stamp")
    if [ -n "$b_problem" ]; then
      log "WARNING: ignoring s3://$S3_BUCKET/$b_key: $b_problem"
      continue
    fi
    b_recorded=$(meta_field size "$b_file")
    b_data=$(awk -v key="$b_key" '$1 == key { print $2, $3 }' "$WORK_DIR/data-sizes")
    b_data=${b_data:-0 0}
    if [ "${b_data% *}" != "$b_recorded" ]; then
      log "WARNING: ignoring s3://$S3_BUCKET/$b_key: its data has ${b_data% *} bytes in ${b_data#* } object(s), its metadata records $b_recorded"
      printf '%s %s %s\n' "$b_stamp" "$b_cluster" "$b_key" >> "$WORK_DIR/half-deleted"
      continue
    fi
    printf '%s %s %s\n' "$b_stamp" "$b_cluster" "$b_key" >> "$WORK_DIR/backups.unsorted"
  done < "$WORK_DIR/listing"
  LC_ALL=C sort "$WORK_DIR/backups.unsorted" > "$WORK_DIR/backups"
}
# latest_backup [any]: the key of the newest of this release's complete scheduled backups (our_backups), the
# one rule that the restore command applies too (renderer/restore/backups.py). Fails when there is none, or
# when they come from more than one database cluster (two clusters must never be mixed silently), unless
# "any" is given (the restore drill, pick.sh: it restores into a throwaway database, so it drills the newest
# whatever its cluster, with a WARNING naming them; a restore onto a new cluster leaves such a prefix).
latest_backup() {
  our_backups
  [ -s "$WORK_DIR/backups" ] || fail "no complete backup of $RELEASE in namespace $NAMESPACE in s3://$S3_BUCKET/$(key_of "")"
  tail -n 1 "$WORK_DIR/backups" | cut -d' ' -f3 > "$WORK_DIR/latest"
  # Its metadata as our_backups read it a moment ago, for verify_backup in this shell (no second download, issue
  # 23): b_latest_key, b_latest_json (empty when its key could not be a local file's name: our_backups read it alone).
  b_latest_key=$(cat "$WORK_DIR/latest") b_latest_json="$WORK_DIR/metadata/${b_latest_key#"$b_base"}.json"
  [ -f "$b_latest_json" ] || b_latest_json=''
  b_clusters=$(cut -d' ' -f2 "$WORK_DIR/backups" | grep -v '^-$' | LC_ALL=C sort -u)
  [ "$(printf '%s\n' "$b_clusters" | grep -c .)" -gt 1 ] || return 0
  b_newest=$(for c in $b_clusters; do printf '%s (newest %s)\n' "$c" "$(grep " $c " "$WORK_DIR/backups" | tail -n 1 | cut -d' ' -f3)"; done | paste -s -d';' - | sed 's/;/; /g')
  b_mixed="backups of $RELEASE in namespace $NAMESPACE from more than one database cluster in s3://$S3_BUCKET/$(key_of ""): $b_newest"
  [ "${1:-}" = any ] || fail "$b_mixed: name the one to restore (Restore.Backup), or give each cluster its own S3Prefix"
  log "WARNING: $b_mixed: drilling the newest of them all, $(cat "$WORK_DIR/latest")"
}
# NOT_CREATED (awk, LC_ALL=C; arguments: the expected-tables file, then the SQL text): the names, as the
# metadata counts them (JSON), of the tables that no "CREATE TABLE <name> (" in the SQL text creates, the
# name bare or quoted ("" for "), after a schema (an identifier and ".") or not. The names are decoded from
# JSON (\uXXXX, surrogate pairs, \n...) into the bytes the dump writes, so no name is split and none is read
# as a pattern. It streams: one line of the dump at a time, plus, after each "CREATE TABLE " line, the next
# bytes up to the longest name's length (a quoted name may hold a newline), and it stops reading as soon
# as every counted table is seen (both dumps write every CREATE TABLE before the data). Memory: the
# longest line of the dump (one row) and the names, whatever the dump's size.
# shellcheck disable=SC2016  # $0, $1... are awk's, not the shell's
NOT_CREATED='
  function hex(h,   v, i) { v = 0; for (i = 1; i <= 4; i++) v = v * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1; return v }
  function utf8(cp) {
    if (cp < 128) return sprintf("%c", cp)
    if (cp < 2048) return sprintf("%c%c", 192 + int(cp / 64), 128 + cp % 64)
    if (cp < 65536) return sprintf("%c%c%c", 224 + int(cp / 4096), 128 + int(cp / 64) % 64, 128 + cp % 64)
    return sprintf("%c%c%c%c", 240 + int(cp / 262144), 128 + int(cp / 4096) % 64, 128 + int(cp / 64) % 64, 128 + cp % 64)
  }
  function unjson(s,   out, i, n, c, cp, low) {
    out = ""; n = length(s)
    for (i = 1; i <= n; i++) {
      c = substr(s, i, 1)
      if (c != "\\") { out = out c; continue }
      c = substr(s, ++i, 1)
      if (c == "n") out = out "\n"; else if (c == "t") out = out "\t"; else if (c == "r") out = out "\r"
      else if (c == "b") out = out "\b"; else if (c == "f") out = out "\f"
      else if (c == "u") {
        cp = hex(substr(s, i + 1, 4)); i += 4
        if (cp >= 55296 && cp < 56320 && substr(s, i + 1, 2) == "\\u") {
          low = hex(substr(s, i + 3, 4))
          if (low >= 56320 && low < 57344) { cp = 65536 + (cp - 55296) * 1024 + low - 56320; i += 6 }
        }
        out = out utf8(cp)
      } else out = out c
    }
    return out
  }
  # A "CREATE TABLE " head: whether what comes before one of its " (" is a counted name, bare or quoted,
  # after a schema or not.
  function check(head,   rest, at, name, n, keys, k) {
    rest = head
    while ((at = index(rest, " (")) > 0) {
      name = substr(head, 1, length(head) - length(rest) + at - 1)
      if (!(name in form) && match(name, /^[A-Za-z_][A-Za-z0-9_]*\./)) name = substr(name, RLENGTH + 1)
      # A table of public named "a.b" is counted as public."a.b"; a dump may write it without its schema.
      if (!(name in form) && ("public." name) in form) name = "public." name
      if (name in form) { n = split(form[name], keys, SUBSEP); for (k = 1; k <= n; k++) if (!(keys[k] in created)) { created[keys[k]] = 1; left-- } }
      rest = substr(rest, at + 2)
    }
  }
  FILENAME == ARGV[1] {
    key = substr($0, 1, match($0, /: [0-9]+$/) - 1)
    name = unjson(substr(key, 2, length(key) - 2)); quoted = name; gsub(/"/, "\"\"", quoted)
    # Two names may share a form (a name "b" bare is the name b quoted): a form lists every name it may be.
    # (Each right side first into a variable of its own: mawk makes form[name] before it reads "name in form".)
    listed = name in form ? form[name] SUBSEP : ""; form[name] = listed key
    quoted = "\"" quoted "\""; listed = quoted in form ? form[quoted] SUBSEP : ""; form[quoted] = listed key
    order[++tables] = key
    if (length(quoted) + 258 > longest) longest = length(quoted) + 258
    left = tables
    next
  }
  {
    for (h = 1; h <= heads; h++) if (length(head[h]) < longest) head[h] = substr(head[h] "\n" $0, 1, longest)
    if (substr($0, 1, 13) == "CREATE TABLE ") head[++heads] = substr($0, 14)
    kept = 0
    for (h = 1; h <= heads; h++) if (length(head[h]) >= longest) check(head[h]); else head[++kept] = head[h]
    heads = kept
    if (left <= 0) exit
  }
  END {
    for (h = 1; h <= heads; h++) check(head[h])
    for (t = 1; t <= tables; t++) if (!(order[t] in created)) print order[t]
  }'
# Metadata written before every schema's tables were counted has no "tableNames" (COUNTED_NAME, lib.sh):
# its names are tables of public, each bare. A name that holds "." or '"' is counted now as public."<name>"
# ('"' doubled, as quote_ident quotes any such name), so LEGACY_TABLE_NAMES (awk, LC_ALL=C) rewrites those
# '"name": rows' lines (JSON: a '"' of the name is the two characters \") to compare with the counts.
# shellcheck disable=SC2016  # $0 is awk's
LEGACY_TABLE_NAMES='
  {
    at = match($0, /": [0-9]+$/); key = substr($0, 2, at - 2)
    if (index(key, ".") || index(key, "\\\"")) {
      out = ""
      for (i = 1; i <= length(key); i++) {
        c = substr(key, i, 1)
        if (c == "\\") { c = substr(key, i, 2); i++; if (c == "\\\"") c = c c }
        out = out c
      }
      key = "public.\\\"" out "\\\""
    }
    print "\"" key substr($0, at)
  }'
TABLE_NAMES_FIELD='  "tableNames": "schema-qualified",'
# verify_backup KEY PURPOSE: reads the metadata object of the backup KEY into $WORK_DIR/restore.json (the copy
# latest_backup kept when KEY is the one it chose, as our_backups downloaded it: one call less) and checks
# that it describes KEY of this release and namespace (a pair copied over another key, or another
# release's or namespace's backup, is refused before anything is read or dropped); writes the row counts
# it records into $WORK_DIR/expected-tables (none when it records none); reads the backup (an SQL dump into
# $WORK_DIR/restore.sql, a native one summed where it is) and checks size and SHA-256 against the
# metadata (read once more when they differ: a fault in transit gets a WARNING line, a backup that reads
# back wrong twice is damaged), and that the SQL text creates every table the metadata counts. Sets
# format, size and sha256.
# Used by the restore Job (fetch.sh) and the restore drill (pick.sh): PURPOSE is "restore" or "drill".
verify_backup() {
  purpose=$2
  if [ -n "${b_latest_json:-}" ] && [ "$1" = "$b_latest_key" ]; then
    cat "$b_latest_json" > "$WORK_DIR/restore.json"
  else
    out=$(s3 s3 cp --only-show-errors "s3://$S3_BUCKET/$1.json" "$WORK_DIR/restore.json" 2>&1) ||
      fail "the metadata object s3://$S3_BUCKET/$1.json is missing or unreadable, so $1 cannot be verified: $out"
  fi
  for field in object release namespace; do
    case $field in object) want=$1 ;; release) want=$RELEASE ;; namespace) want=$NAMESPACE ;; esac
    got=$(meta_field "$field" "$WORK_DIR/restore.json")
    # Compared as the metadata holds it: JSON-escaped (a key may hold quotes and backslashes).
    want=$(json_string "$want") want=${want#\"} want=${want%\"}
    [ "$got" = "$want" ] || fail "s3://$S3_BUCKET/$1.json names $field \"$got\", not \"$want\": it does not describe this backup of $RELEASE in namespace $NAMESPACE; refusing to $purpose it"
  done
  expected_sha256=$(meta_field sha256 "$WORK_DIR/restore.json")
  expected_size=$(meta_field size "$WORK_DIR/restore.json")
  format=$(meta_field format "$WORK_DIR/restore.json")
  [ -n "$expected_sha256" ] && [ -n "$expected_size" ] || fail "the metadata object s3://$S3_BUCKET/$1.json is incomplete"
  # A native backup loads only where the release's Backup.Format is native: its load step then has the keys
  # (templates/_pod.j2) and an image that has RESTORE ... FROM LATEST IN (renderer/values/validate.py). An sql
  # release would drop the database and then fail to load it. An SQL dump loads in either.
  [ "$format" != native ] || [ "${BACKUP_FORMAT:-sql}" = native ] ||
    fail "s3://$S3_BUCKET/$1 is a native backup (CockroachDB's BACKUP) and this release's Backup.Format is \
${BACKUP_FORMAT:-sql}, whose $purpose step cannot load it: refusing to $purpose it, nothing was dropped. Set \
enclaveos-chart.Backup.Format=native, with a database image of v21.1.14+, v21.2.3+ or v22.1+"
  rm -f "$WORK_DIR/expected-tables" "$WORK_DIR/public-only"
  if grep -q '^  "tables": {' "$WORK_DIR/restore.json"; then
    meta_tables "$WORK_DIR/restore.json" > "$WORK_DIR/expected-tables"
    if ! grep -qxF "$TABLE_NAMES_FIELD" "$WORK_DIR/restore.json"; then
      LC_ALL=C awk "$LEGACY_TABLE_NAMES" "$WORK_DIR/expected-tables" | LC_ALL=C sort > "$WORK_DIR/legacy-tables"
      mv "$WORK_DIR/legacy-tables" "$WORK_DIR/expected-tables"
      # It counted the tables of public only: those of other schemas are not compared (load.sh).
      : > "$WORK_DIR/public-only"
    fi
  else
    log "the metadata records no row counts (a file uploaded by helm datashield-restore): the import is checked for errors only"
  fi
  read_backup "$1"
  mismatch=$(read_mismatch "$1")
  if [ -n "$mismatch" ]; then
    # A fault in transit (a flipped bit on the wire) does not come back on a second read; a damaged
    # backup reads back wrong again.
    read_backup "$1"
    again=$(read_mismatch "$1")
    [ -z "$again" ] || fail "$again: the backup is damaged"
    log "WARNING: the first read differed ($mismatch), the second matched: a fault in transit, not a damaged backup"
  fi
  # Checked before anything is dropped or imported: every table the metadata counts is created by the dump.
  if [ -f "$WORK_DIR/expected-tables" ] && [ "$format" = sql ]; then
    missing=$(LC_ALL=C awk "$NOT_CREATED" "$WORK_DIR/expected-tables" "$WORK_DIR/restore.sql" 2>&1) ||
      fail "cannot read the tables of s3://$S3_BUCKET/$1.json: $missing"
    [ -z "$missing" ] ||
      fail "s3://$S3_BUCKET/$1 creates no table $missing, which its metadata counts: the backup is damaged"
  fi
}
# read_backup KEY: reads the backup KEY of $format (an SQL dump into $WORK_DIR/restore.sql, a native one summed
# where it is) and sets size and sha256 (verify_backup).
read_backup() {
  case $format in
    sql) get_summed "$1" "$WORK_DIR/restore.sql" && size=$summed_size sha256=$summed_sha256 ;;
    native) native_digest "$1" ;;
    *) fail "s3://$S3_BUCKET/$1 has format \"$format\"; this $purpose Job reads \"sql\" and \"native\"" ;;
  esac
}
# read_mismatch KEY: how the backup KEY as read_backup read it ($size, $sha256) differs from its metadata
# ($expected_size, $expected_sha256); nothing when it does not.
read_mismatch() {
  if [ "$size" != "$expected_size" ]; then
    echo "s3://$S3_BUCKET/$1 has $size bytes, its metadata says $expected_size"
  elif [ "$sha256" != "$expected_sha256" ]; then
    echo "s3://$S3_BUCKET/$1 does not match the SHA-256 in its metadata"
  fi
}
# metadata_json KEY FORMAT FILES SIZE SHA256 CREATED [LINE]...: the metadata object of a backup (or
# safety dump) at KEY, with $cluster (the database cluster's identity, dump.sh), $database_version,
# $manager_nodes and $database_nodes (JSON lists, or null with $nodes_error saying why), the row counts
# in $WORK_DIR/tables (db_table_counts' '"name": rows' lines, JSON already), and LINEs ('  "field": <JSON>,', such as "kind").
# shellcheck disable=SC2154  # the values named above: set by the steps that call it (upload.sh, fetch.sh)
metadata_json() {
  printf '{\n  "writer": "helm-datashield",\n  "format": "%s",\n' "$2"
  printf '  "object": %s,\n' "$(json_string "$1")"
  printf '  "files": %s,\n  "size": %s,\n  "sha256": "%s",\n  "created": "%s",\n' "$3" "$4" "$5" "$6"
  shift 6
  for line in "$@"; do printf '%s\n' "$line"; done
  printf '  "release": %s,\n  "namespace": %s,\n' "$(json_string "$RELEASE")" "$(json_string "$NAMESPACE")"
  printf '  "cluster": %s,\n' "$(json_string "$cluster")"
  printf '  "database": %s,\n  "databaseVersion": %s,\n' "$(json_string "$DATABASE_NAME")" \
    "$(json_string "$database_version")"
  printf '  "nodes": {"manager": %s, "database": %s},\n' "$manager_nodes" "$database_nodes"
  [ -z "$nodes_error" ] || printf '  "nodesError": %s,\n' "$(json_string "$nodes_error")"
  printf '%s\n' "$TABLE_NAMES_FIELD"
  tables_json "$WORK_DIR/tables"
}
# tables_json FILE: the end of a metadata object or drill record: "tables", one member a line, from FILE's
# '"name": rows' lines (JSON already; none when FILE is missing), then the object's closing brace.
tables_json() {
  printf '  "tables": {\n'
  if [ -f "$1" ]; then sed 's/^/    /; $!s/$/,/' "$1"; fi
  printf '  }\n}\n'
}

# database seam: PostgreSQL, standing in for CockroachDB in the tests (CockroachDB is not
# available from any registry here). Same functions, same contract as
# renderer/postrender/templates/scripts/db-cockroach.sh; PGHOST/PGPORT/PGUSER come from the test.
# A secure cluster, as there: the client certificates in $DATABASE_CERTS_DIR (ca.crt,
# client.<user>.crt, client.<user>.key) are copied so the key is private to this user (libpq,
# like cockroach, refuses a key others may read), and libpq verifies the server (verify-full).
if [ -n "${DATABASE_CERTS_DIR:-}" ]; then
  mkdir -p "$HOME/pg-certs"
  cp "$DATABASE_CERTS_DIR"/ca.crt "$DATABASE_CERTS_DIR/client.$PGUSER.crt" "$DATABASE_CERTS_DIR/client.$PGUSER.key" \
    "$HOME/pg-certs/" || fail "the certificates Secret must hold ca.crt, client.$PGUSER.crt and client.$PGUSER.key"
  chmod 600 "$HOME/pg-certs"/*
  export PGSSLMODE=verify-full PGSSLROOTCERT="$HOME/pg-certs/ca.crt" PGSSLCERT="$HOME/pg-certs/client.$PGUSER.crt" \
    PGSSLKEY="$HOME/pg-certs/client.$PGUSER.key"
fi
pg() { psql -X -q -v ON_ERROR_STOP=1 -h "$DATABASE_HOST" -p "$DATABASE_PORT" "$@"; }
db_version() { pg -At -d postgres -c "SHOW server_version"; }
# db_exists: 0 when $DATABASE_NAME exists, 1 when it does not, 2 when the server cannot say.
db_exists() {
  out=$(pg -At -d postgres -c "SELECT datname FROM pg_database") || return 2
  printf '%s\n' "$out" | grep -qx "$DATABASE_NAME"
}
# The database cluster's identity: the system identifier initdb gave it (a new cluster gets a new one).
# TEST_CLUSTER_ID, when set, is answered instead (an identity no database here would give).
db_cluster_id() {
  if [ -n "${TEST_CLUSTER_ID+set}" ]; then printf '%s\n' "$TEST_CLUSTER_ID"; return; fi
  pg -At -d postgres -c "SELECT system_identifier FROM pg_control_system()"
}
# pg_counts DATABASE: the rows of every table of DATABASE, one '"name": rows' line a table, sorted, as
# db-cockroach.sh db_counts gives them: the database writes ONE statement that counts every table (one
# snapshot), each name quoted as an identifier (format %I) and JSON-escaped (to_json), and runs it (\gexec);
# no name is ever split on white space.
# SNAPSHOT (optional): counted in that exported snapshot (pg_export_snapshot), as db_dump counts.
pg_counts() {
  counts=$( (if [ -n "${2:-}" ]; then
      printf "BEGIN ISOLATION LEVEL REPEATABLE READ;\nSET TRANSACTION SNAPSHOT '%s';\n" "$2"; fi
    printf '%s\n' "SELECT string_agg(format('SELECT %L || count(*) FROM %I.%I', to_json($COUNTED_NAME)::text || ': ',
    table_schema, table_name), ' UNION ALL ') FROM information_schema.tables WHERE $COUNTED_TABLES \gexec") |
    pg -At -d "$1") || return 1
  [ -z "$counts" ] || printf '%s\n' "$counts" | LC_ALL=C sort
}
db_table_counts() { pg_counts "$DATABASE_NAME"; }
# TEST_DUMP_FAULT=empty: a dump (or native BACKUP) that writes nothing and exits 0, which pg_dump never does.
# snapshot_dump TABLES PG_DUMP_ARGUMENT...: pg_dump of the database, and into TABLES its rows per table, both of
# one moment, as db-cockroach.sh's AS OF SYSTEM TIME makes them: a REPEATABLE READ transaction exports its
# snapshot (pg_export_snapshot) and stays open while the counts and pg_dump --snapshot read in it
# (postgresql.org/docs/15/functions-admin.html#FUNCTIONS-SNAPSHOT-SYNCHRONIZATION, app-pgdump.html). The dump is
# read by nothing else: it may go into a FIFO (the backup pod streams it).
snapshot_dump() {
  held="$WORK_DIR/snapshot.$$" && rm -f "$held.in" "$held.out" && mkfifo "$held.in" || return 1
  pg -At -d "$DATABASE_NAME" < "$held.in" > "$held.out" &
  holder=$!
  exec 8> "$held.in"
  echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pg_export_snapshot();" >&8
  snapshot=''
  while [ -z "$snapshot" ] && kill -0 "$holder" 2> /dev/null; do sleep 0.1 && snapshot=$(head -n 1 "$held.out"); done
  tables=$1 && shift
  status=1
  if [ -n "$snapshot" ]; then
    # The counts beside the dump, as db-cockroach.sh db_dump runs them: several sessions may read in one exported
    # snapshot at once (SET TRANSACTION SNAPSHOT, while the exporting transaction is open).
    pg_counts "$DATABASE_NAME" "$snapshot" > "$tables" &
    counting=$! status=0
    pg_dump --no-owner --no-privileges --snapshot="$snapshot" -h "$DATABASE_HOST" -p "$DATABASE_PORT" "$@" \
      "$DATABASE_NAME" || status=1
    wait "$counting" || status=1
  fi
  echo "COMMIT;" >&8 && exec 8>&-
  wait "$holder" || status=1
  rm -f "$held.in" "$held.out"
  return "$status"
}
# TEST_DUMP_FAULT=killed: a dump killed without a word (out of memory: SIGKILL, no trap runs) after a few bytes,
# with every process of its container, as the kubelet kills them: its process group (tests/runtime/pods.py runs
# each container in a session of its own), lib.sh side_by_side's heartbeat and watch and lib.sh alive's too.
# TEST_DUMP_FAULT=skips-table: the dump leaves out the table audit (pg_dump --exclude-table: no CREATE TABLE, no rows),
# while the counts, of the database, still count it: a dump tool that skips a table (issue 25, review fault 5).
# TEST_DUMP_SECONDS: a dump (or native BACKUP) of a large database takes its time (lib.sh alive says so).
# TEST_DUMP_PAUSES="S..." (seconds): the dump comes in pieces of 100 bytes, each followed by a pause of S seconds,
# then the rest at once: a large database's dump, which outlasts one object-store call while bytes keep coming,
# or a dump that stalls (a pause longer than S3_CALL_TIMEOUT). head -c reads no byte beyond those it writes.
db_dump() {
  if [ "${TEST_DUMP_FAULT:-}" = empty ]; then : > "$1" && : > "$2" && return 0; fi
  if [ "${TEST_DUMP_FAULT:-}" = killed ]; then printf 'CREATE TABLE half' > "$1" && kill -KILL 0; fi
  if [ "${TEST_DUMP_FAULT:-}" = skips-table ]; then snapshot_dump "$2" --exclude-table=audit > "$1" && return; fi
  sleep "${TEST_DUMP_SECONDS:-0}"
  if [ -n "${TEST_DUMP_PAUSES:-}" ]; then
    snapshot_dump "$2" | { for pause in $TEST_DUMP_PAUSES; do head -c 100 && sleep "$pause"; done; cat; } > "$1"
    return
  fi
  snapshot_dump "$2" > "$1"
}
db_drop() { pg -d postgres -c "DROP DATABASE IF EXISTS \"$DATABASE_NAME\" WITH (FORCE)"; }
db_create() { pg -d postgres -c "CREATE DATABASE \"$DATABASE_NAME\""; }
db_import() { pg -d "$DATABASE_NAME"; }
# Native backups: CockroachDB writes them into the bucket itself, from the URL alone
# (BACKUP ... INTO 's3://bucket/key?AWS_ENDPOINT=...&AWS_ACCESS_KEY_ID=...'), one dated
# folder per BACKUP, and RESTORE ... FROM LATEST IN reads the newest. PostgreSQL cannot, so
# these two do the same with pg_dump -Fd and the AWS CLI, taking bucket, key, endpoint and
# keys from that same URL: the URL the scripts build, percent-encoding included, is what is used
# (the path decoded, as Go's url.Parse, which CockroachDB uses, decodes it).
url_part() {
  python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); q = dict(u.parse_qsl(p.query))
print({"bucket": p.netloc, "key": u.unquote(p.path).lstrip("/")}.get(sys.argv[2]) or q[sys.argv[2]])' "$1" "$2"
}
# The requests are signed for the URL's AWS_REGION, as CockroachDB signs them (AWS_REGION, a parameter of
# S3-compatible storage: cockroachlabs.com/docs/v20.2/use-cloud-storage-for-bulk-operations).
url_aws() {
  AWS_ACCESS_KEY_ID=$(url_part "$url" AWS_ACCESS_KEY_ID) AWS_SECRET_ACCESS_KEY=$(url_part "$url" AWS_SECRET_ACCESS_KEY) \
    aws --endpoint-url "$(url_part "$url" AWS_ENDPOINT)" --region "$(url_part "$url" AWS_REGION)" "$@"
}
db_backup_native() {
  if [ "${TEST_DUMP_FAULT:-}" = empty ]; then : > "$2" && return 0; fi
  sleep "${TEST_DUMP_SECONDS:-0}"
  url=$1 && dir=$(mktemp -d) && snapshot_dump "$2" -Fd -f "$dir/backup" &&
    url_aws s3 cp --recursive --only-show-errors "$dir/backup" \
      "s3://$(url_part "$url" bucket)/$(url_part "$url" key)/$(date -u +%Y/%m/%d-%H%M%S.00)/"
}
db_restore_native() {
  # A RESTORE of a large database takes its time (tests/runtime/test_restore_lifecycle.py: TEST_RESTORE_SECONDS).
  sleep "${TEST_RESTORE_SECONDS:-0}"
  url=$1 && base="s3://$(url_part "$url" bucket)/$(url_part "$url" key)" && dir=$(mktemp -d) &&
    latest=$(url_aws s3 ls --recursive "$base/" | awk '{print $4}' | sed 's|.*/\([0-9]*/[0-9]*/[^/]*\)/.*|\1|' |
      sort -u | tail -n 1) && [ -n "$latest" ] &&
    url_aws s3 cp --recursive --only-show-errors "$base/$latest/" "$dir/backup/" && db_create &&
    pg_restore --no-owner -h "$DATABASE_HOST" -p "$DATABASE_PORT" -d "$DATABASE_NAME" "$dir/backup"
}
# db_start_scratch: the restore drill's throwaway database, as db-cockroach.sh's: a separate PostgreSQL
# cluster made and started in the pod (initdb, pg_ctl) on a free port of 127.0.0.1, its files in
# $SCRATCH_DIR; the db_* functions then talk to it. The reason on stdout when it cannot start.
# The one quirk of this stand-in: PostgreSQL refuses to run as root, and the tests run as root. Then the
# server runs as Debian's postgres user (runuser), in a folder of its own under /tmp that this user can
# reach (the pod's $SCRATCH_DIR is under the test's /tmp/pytest-of-root, which only root may enter), and
# the programs are called by their real paths (the pod's PATH is a folder of links in there too).
db_start_scratch() {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  server_dir=$SCRATCH_DIR server_user=''
  if [ "$(id -u)" = 0 ]; then
    server_dir=$(mktemp -d /tmp/datashield-scratch.XXXXXX) && chown postgres "$server_dir" && server_user=postgres
  fi
  initdb_bin=$(readlink -f "$(command -v initdb)") pg_ctl_bin=$(readlink -f "$(command -v pg_ctl)")
  as_server "$initdb_bin" -D "$server_dir/data" -U "$PGUSER" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    --no-sync --no-instructions > "$server_dir/initdb.log" 2>&1 ||
    { echo "initdb failed: $(tail -n 3 "$server_dir/initdb.log")"; return 1; }
  as_server "$pg_ctl_bin" start -w -t "$SCRATCH_WAIT_SECONDS" -D "$server_dir/data" -l "$server_dir/postgres.log" \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$server_dir -c fsync=off" \
    > /dev/null 2>&1 || { echo "pg_ctl start failed: $(tail -n 3 "$server_dir/postgres.log")"; return 1; }
  DATABASE_HOST=127.0.0.1 DATABASE_PORT=$port
}
as_server() { if [ -n "$server_user" ]; then (cd "$server_dir" && runuser -u "$server_user" -- "$@"); else "$@"; fi; }
db_stop_scratch() {
  if [ -n "${server_dir:-}" ] && [ -f "$server_dir/data/postmaster.pid" ]; then
    as_server "$pg_ctl_bin" stop -m immediate -w -D "$server_dir/data" > /dev/null 2>&1 || true
  fi
  if [ -n "${server_user:-}" ]; then rm -rf "$server_dir"; fi
  server_dir=''
}
# end of database seam

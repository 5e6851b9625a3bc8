# database seam: CockroachDB (the only database-specific part; the tests put PostgreSQL here).
# db_version, db_cluster_id (the database cluster's own identity), db_exists, db_dump FILE TABLES (SQL
# text into FILE, and into TABLES the '"name": rows' lines, sorted, of the data in that very dump: the
# name JSON-escaped by the database itself, so a name with spaces, quotes, tabs or newlines is one line),
# db_table_counts (the same lines for the data now), db_drop, db_create, db_import (SQL text on stdin),
# db_backup_native URL TABLES (TABLES as for db_dump), db_restore_native URL; for the restore drill,
# db_start_scratch and db_stop_scratch.
# A secure cluster: client certificates from the Secret mounted at $DATABASE_CERTS_DIR, copied
# so the key is private to this user (cockroach refuses a group-readable key file).
security=--insecure
if [ -n "${DATABASE_CERTS_DIR:-}" ]; then
  mkdir -p "$HOME/cockroach-certs"
  cp "$DATABASE_CERTS_DIR"/ca.crt "$DATABASE_CERTS_DIR"/client.root.crt "$DATABASE_CERTS_DIR"/client.root.key \
    "$HOME/cockroach-certs/" || fail "the certificates Secret must hold ca.crt, client.root.crt and client.root.key"
  chmod 600 "$HOME/cockroach-certs"/*
  security="--certs-dir=$HOME/cockroach-certs"
fi
crdb() { cockroach sql "$security" --host="$DATABASE_HOST:$DATABASE_PORT" "$@"; }
db_version() { out=$(crdb --format=tsv -e "SELECT version()") && printf '%s\n' "$out" | tail -n 1; }
# db_exists: 0 when $DATABASE_NAME exists, 1 when it does not, 2 when the server cannot say.
db_exists() {
  out=$(crdb --format=tsv -e "SHOW DATABASES") || return 2
  printf '%s\n' "$out" | cut -f1 | grep -qx "$DATABASE_NAME"
}
# The counts and the dump describe one moment: both read AS OF SYSTEM TIME the same timestamp, so rows
# the manager writes meanwhile are in neither (docs: cockroachlabs.com/docs/v20.1/as-of-system-time,
# and cockroach dump --as-of, cockroachlabs.com/docs/v20.1/cockroach-dump, which takes a timestamp
# string; BACKUP ... AS OF SYSTEM TIME, cockroachlabs.com/docs/v20.2/backup).
db_snapshot_time() { out=$(crdb --format=tsv -e "SELECT now()::TIMESTAMP::STRING") && printf '%s\n' "$out" | tail -n 1; }
db_dump() {
  at=$(db_snapshot_time) && [ -n "$at" ] || return 1
  counted_beside "$at" "$2" cockroach dump "$DATABASE_NAME" "$security" --host="$DATABASE_HOST:$DATABASE_PORT" \
    --as-of="$at" > "$1"
}
# counted_beside TIMESTAMP TABLES COMMAND...: COMMAND, and beside it (not before it: issue 23) the counts as of
# TIMESTAMP into TABLES (db_counts); fails when either does. A count(*) of every table reads the whole database once
# more, so one after the other the backup would take the two reads' sum; at one timestamp, neither waits for the other.
counted_beside() {
  c_at=$1 c_tables=$2 && shift 2
  db_counts "$c_at" > "$c_tables" &
  c_counting=$! c_status=0
  "$@" || c_status=$?
  wait "$c_counting" || c_status=1
  return "$c_status"
}
db_table_counts() { db_counts ""; }
# db_counts TIMESTAMP: the rows of every table as of TIMESTAMP (now when empty), one '"name": rows' line a
# table, sorted. No name ever goes through the shell's word splitting or the tsv output's quoting: the
# database writes ONE statement that counts every table (one snapshot), each name quoted as an identifier
# by quote_ident and JSON-escaped by to_json, and both that statement and the lines it returns travel
# base64-encoded (convert_to, encode). All documented since v20.1 (cockroachlabs.com/docs/v20.1/functions-and-operators:
# quote_ident, quote_literal, convert_to, encode, string_agg, to_json).
db_counts() {
  as_of=${1:+" AS OF SYSTEM TIME '$1'"}
  # The same clause inside the generating statement's string literal (its quotes doubled).
  as_of_quoted=$(printf '%s' "$as_of" | sed "s/'/''/g")
  counter=$(crdb --format=tsv -d "$DATABASE_NAME" -e "SELECT encode(convert_to(string_agg('SELECT encode(convert_to('
      || quote_literal(to_json($COUNTED_NAME)::STRING || ': ') || ' || count(*)::STRING, ''UTF8''), ''base64'') FROM '
      || quote_ident(table_schema) || '.' || quote_ident(table_name) || '$as_of_quoted', ' UNION ALL '), 'UTF8'), 'base64')
    FROM information_schema.tables$as_of WHERE $COUNTED_TABLES") || return 1
  counter=$(printf '%s\n' "$counter" | tail -n 1)
  # No table: string_agg of no rows is NULL.
  [ "$counter" != NULL ] && [ -n "$counter" ] || return 0
  counts=$(printf '%s' "$counter" | base64 -d | crdb --format=tsv -d "$DATABASE_NAME") || return 1
  printf '%s\n' "$counts" | tail -n +2 | while IFS= read -r line; do printf '%s' "$line" | base64 -d && echo; done |
    LC_ALL=C sort
}
# The cluster's ID, a UUID that stays with the cluster for its life (a new cluster gets a new one).
db_cluster_id() { out=$(crdb --format=tsv -e "SELECT crdb_internal.cluster_id()") && printf '%s\n' "$out" | tail -n 1; }
db_drop() { crdb -e "DROP DATABASE IF EXISTS $DATABASE_NAME CASCADE"; }
db_create() { crdb -e "CREATE DATABASE $DATABASE_NAME"; }
db_import() { crdb -d "$DATABASE_NAME"; }
# Native: the cluster itself writes to (reads from) the bucket; the URL, with its keys, goes on
# stdin, never on a command line.
db_backup_native() {
  at=$(db_snapshot_time) && [ -n "$at" ] || return 1
  counted_beside "$at" "$2" backup_into "$1" "$at"
}
# backup_into URL TIMESTAMP: BACKUP of the database INTO URL, as of TIMESTAMP (the URL on stdin, never an argument).
backup_into() { printf "BACKUP DATABASE %s INTO '%s' AS OF SYSTEM TIME '%s';\n" "$DATABASE_NAME" "$1" "$2" | crdb; }
db_restore_native() { printf "RESTORE DATABASE %s FROM LATEST IN '%s';\n" "$DATABASE_NAME" "$1" | crdb; }
# db_start_scratch: the restore drill's throwaway database, a single-node CockroachDB started in the
# background inside this pod, listening on loopback only (nothing outside the pod reaches it, so it runs
# --insecure), its store in $SCRATCH_DIR (the pod's `scratch` emptyDir); waits until it answers, at most
# $SCRATCH_WAIT_SECONDS, then points the db_* functions at it. The reason on stdout when it cannot start.
# Flags: cockroachlabs.com/docs/v20.1/cockroach-start-single-node (--insecure, --listen-addr,
# --http-addr, --store=path=, --cache, --max-sql-memory); the memory flags keep it inside the container's limit.
SCRATCH_SQL_PORT=26257
SCRATCH_HTTP_PORT=8080
db_start_scratch() {
  DATABASE_HOST=127.0.0.1 DATABASE_PORT=$SCRATCH_SQL_PORT security=--insecure
  cockroach start-single-node --insecure --listen-addr="127.0.0.1:$SCRATCH_SQL_PORT" \
    --http-addr="127.0.0.1:$SCRATCH_HTTP_PORT" --store=path="$SCRATCH_DIR/store" --cache=64MiB \
    --max-sql-memory=128MiB > "$SCRATCH_DIR/cockroach.log" 2>&1 &
  scratch_pid=$!
  waited=0
  until crdb -e "SELECT 1" > /dev/null 2>&1; do
    if ! kill -0 "$scratch_pid" 2> /dev/null; then
      echo "cockroach start-single-node exited: $(tail -n 3 "$SCRATCH_DIR/cockroach.log")"
      return 1
    fi
    if [ "$waited" -ge "$SCRATCH_WAIT_SECONDS" ]; then
      echo "no answer within $SCRATCH_WAIT_SECONDS s (SCRATCH_WAIT_SECONDS): $(tail -n 3 "$SCRATCH_DIR/cockroach.log")"
      return 1
    fi
    sleep 1 && waited=$((waited + 1))
  done
}
# db_stop_scratch: stops the throwaway database, if it runs, and waits until it is gone (its store goes
# with the pod).
db_stop_scratch() {
  if [ -n "${scratch_pid:-}" ]; then kill "$scratch_pid" 2> /dev/null || true; wait "$scratch_pid" || true; fi
  scratch_pid=''
}
# end of database seam

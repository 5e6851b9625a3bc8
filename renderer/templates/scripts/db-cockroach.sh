# database seam: CockroachDB (the only database-specific part; the tests put PostgreSQL here).
# db_version, db_exists, db_dump (SQL text on stdout), db_table_counts ("table<TAB>rows" lines, sorted),
# db_drop, db_create, db_import FILE (SQL text), db_backup_native URL, db_restore_native URL.
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
db_dump() { cockroach dump "$DATABASE_NAME" "$security" --host="$DATABASE_HOST:$DATABASE_PORT"; }
db_table_counts() {
  tables=$(crdb --format=tsv -d "$DATABASE_NAME" -e "SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name") || return 1
  for table in $(printf '%s\n' "$tables" | tail -n +2); do
    rows=$(crdb --format=tsv -d "$DATABASE_NAME" -e "SELECT count(*) FROM \"$table\"") || return 1
    printf '%s\t%s\n' "$table" "$(printf '%s\n' "$rows" | tail -n 1)"
  done
}
db_drop() { crdb -e "DROP DATABASE IF EXISTS $DATABASE_NAME CASCADE"; }
db_create() { crdb -e "CREATE DATABASE $DATABASE_NAME"; }
db_import() { crdb -d "$DATABASE_NAME" < "$1"; }
# Native: the cluster itself writes to (reads from) the bucket; the URL, with its keys, goes on
# stdin, never on a command line.
db_backup_native() { printf "BACKUP DATABASE %s INTO '%s';\n" "$DATABASE_NAME" "$1" | crdb; }
db_restore_native() { printf "RESTORE DATABASE %s FROM LATEST IN '%s';\n" "$DATABASE_NAME" "$1" | crdb; }
# end of database seam

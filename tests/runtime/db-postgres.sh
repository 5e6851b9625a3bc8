# database seam: PostgreSQL, standing in for CockroachDB in the tests (CockroachDB is not
# available from any registry here). Same functions, same contract as
# renderer/templates/scripts/db-cockroach.sh; PGHOST/PGPORT/PGUSER come from the test.
pg() { psql -X -q -v ON_ERROR_STOP=1 -h "$DATABASE_HOST" -p "$DATABASE_PORT" "$@"; }
db_version() { pg -At -d postgres -c "SHOW server_version"; }
# db_exists: 0 when $DATABASE_NAME exists, 1 when it does not, 2 when the server cannot say.
db_exists() {
  out=$(pg -At -d postgres -c "SELECT datname FROM pg_database") || return 2
  printf '%s\n' "$out" | grep -qx "$DATABASE_NAME"
}
db_dump() { pg_dump --no-owner --no-privileges -h "$DATABASE_HOST" -p "$DATABASE_PORT" "$DATABASE_NAME"; }
db_table_counts() {
  tables=$(pg -At -d "$DATABASE_NAME" -c "SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name") || return 1
  for table in $tables; do
    rows=$(pg -At -d "$DATABASE_NAME" -c "SELECT count(*) FROM \"$table\"") || return 1
    printf '%s\t%s\n' "$table" "$rows"
  done
}
db_recreate() {
  pg -d postgres -c "DROP DATABASE IF EXISTS \"$DATABASE_NAME\"" && pg -d postgres -c "CREATE DATABASE \"$DATABASE_NAME\""
}
db_import() { pg -d "$DATABASE_NAME" -f "$1"; }
# end of database seam

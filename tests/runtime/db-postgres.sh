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
# The counts describe the dump itself: they are counted in it (its COPY blocks, one row a line), so rows
# written meanwhile are in neither (CockroachDB: both AS OF SYSTEM TIME one timestamp).
copy_counts() {
  awk '/^COPY .* FROM stdin;$/ { name = $2; sub(/^public\./, "", name); gsub(/"/, "", name); rows = 0; inside = 1; next }
    inside && $0 == "\\." { printf "%s\t%d\n", name, rows; inside = 0; next }
    inside { rows++ }' | LC_ALL=C sort
}
# TEST_DUMP_FAULT=empty: a dump (or native BACKUP) that writes nothing and exits 0, which pg_dump never does.
db_dump() {
  if [ "${TEST_DUMP_FAULT:-}" = empty ]; then : > "$1" && : > "$2" && return 0; fi
  pg_dump --no-owner --no-privileges -h "$DATABASE_HOST" -p "$DATABASE_PORT" "$DATABASE_NAME" > "$1" &&
    copy_counts < "$1" > "$2"
}
db_table_counts() {
  tables=$(pg -At -d "$DATABASE_NAME" -c "SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name") || return 1
  for table in $tables; do
    rows=$(pg -At -d "$DATABASE_NAME" -c "SELECT count(*) FROM \"$table\"") || return 1
    printf '%s\t%s\n' "$table" "$rows"
  done | LC_ALL=C sort
}
db_drop() { pg -d postgres -c "DROP DATABASE IF EXISTS \"$DATABASE_NAME\" WITH (FORCE)"; }
db_create() { pg -d postgres -c "CREATE DATABASE \"$DATABASE_NAME\""; }
db_import() { pg -d "$DATABASE_NAME" -f "$1"; }
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
url_aws() {
  AWS_ACCESS_KEY_ID=$(url_part "$url" AWS_ACCESS_KEY_ID) AWS_SECRET_ACCESS_KEY=$(url_part "$url" AWS_SECRET_ACCESS_KEY) \
    aws --endpoint-url "$(url_part "$url" AWS_ENDPOINT)" "$@"
}
db_backup_native() {
  if [ "${TEST_DUMP_FAULT:-}" = empty ]; then : > "$2" && return 0; fi
  url=$1 && dir=$(mktemp -d) && pg_dump -Fd -f "$dir/backup" -h "$DATABASE_HOST" -p "$DATABASE_PORT" "$DATABASE_NAME" &&
    pg_restore --data-only -f - "$dir/backup" | copy_counts > "$2" &&
    url_aws s3 cp --recursive --only-show-errors "$dir/backup" \
      "s3://$(url_part "$url" bucket)/$(url_part "$url" key)/$(date -u +%Y/%m/%d-%H%M%S.00)/"
}
db_restore_native() {
  url=$1 && base="s3://$(url_part "$url" bucket)/$(url_part "$url" key)" && dir=$(mktemp -d) &&
    latest=$(url_aws s3 ls --recursive "$base/" | awk '{print $4}' | sed 's|.*/\([0-9]*/[0-9]*/[^/]*\)/.*|\1|' |
      sort -u | tail -n 1) && [ -n "$latest" ] &&
    url_aws s3 cp --recursive --only-show-errors "$base/$latest/" "$dir/backup/" && db_create &&
    pg_restore --no-owner -h "$DATABASE_HOST" -p "$DATABASE_PORT" -d "$DATABASE_NAME" "$dir/backup"
}
# end of database seam

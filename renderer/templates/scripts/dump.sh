# Step "dump" (database client image): the database as SQL text in $WORK_DIR, with what the
# next step records and checks: $WORK_DIR/dump.env (name, time, size, SHA-256, database
# version) and $WORK_DIR/tables (rows per table). $DUMP_PREFIX names safety dumps.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
name="${DUMP_PREFIX:-}$RELEASE-$(printf '%s' "$now" | tr -d ':-').sql"
file="$WORK_DIR/$name"
log "dumping database $DATABASE_NAME from $DATABASE_HOST:$DATABASE_PORT"
version=$(db_version 2>&1) && [ -n "$version" ] ||
  fail "cannot reach database $DATABASE_NAME at $DATABASE_HOST:$DATABASE_PORT: $version"
if db_exists; then exists=0; else exists=$?; fi
[ "$exists" -le 1 ] || fail "cannot list the databases at $DATABASE_HOST:$DATABASE_PORT"
if [ "$exists" = 0 ]; then
  db_table_counts > "$WORK_DIR/tables" || fail "cannot count the rows of the tables of $DATABASE_NAME"
elif [ -z "${DUMP_PREFIX:-}" ]; then
  fail "database $DATABASE_NAME does not exist at $DATABASE_HOST:$DATABASE_PORT"
fi
if [ -n "${DUMP_PREFIX:-}" ] && [ ! -s "$WORK_DIR/tables" ]; then
  # A safety dump of a missing or empty database: nothing to lose, nothing to save.
  log "database $DATABASE_NAME is missing or has no tables: no safety dump needed"
  : > "$WORK_DIR/nothing-to-save"
  exit 0
fi
db_dump > "$file.partial" || fail "the dump of $DATABASE_NAME failed (exit $?); nothing was uploaded"
[ -s "$file.partial" ] || fail "the dump of $DATABASE_NAME is empty; nothing was uploaded"
mv "$file.partial" "$file"
{
  echo "name='$name'"
  echo "created='$now'"
  echo "size='$(size_of "$file")'"
  echo "sha256='$(sha256_of "$file")'"
  printf "database_version='%s'\n" "$(printf '%s' "$version" | tr -d "'")"
} > "$WORK_DIR/dump.env"
log "wrote $name: $(size_of "$file") bytes, $(wc -l < "$WORK_DIR/tables" | tr -d ' ') tables"

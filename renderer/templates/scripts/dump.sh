# Step "dump" (database client image): the database, with what the next step records and
# checks: the values in $WORK_DIR/dump/ (name, format, created, database_version; size and sha256
# of an SQL dump) and $WORK_DIR/tables (rows per table). $BACKUP_FORMAT: "sql" (SQL text in
# $WORK_DIR) or "native" (CockroachDB's BACKUP writes straight into the bucket).
# $DUMP_PREFIX names safety dumps.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
format=${BACKUP_FORMAT:-sql}
name="${DUMP_PREFIX:-}$RELEASE-$(printf '%s' "$now" | tr -d ':-').$format"
file="$WORK_DIR/$name"
log "dumping database $DATABASE_NAME from $DATABASE_HOST:$DATABASE_PORT ($format)"
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
size='' sha256=''
if [ "$format" = native ]; then
  log "BACKUP DATABASE $DATABASE_NAME INTO s3://$S3_BUCKET/$(key_of "$name")"
  out=$(db_backup_native "$(backup_url "$(key_of "$name")")" 2>&1) ||
    fail "BACKUP of $DATABASE_NAME failed: $(redacted "$out")"
else
  db_dump > "$file.partial" || fail "the dump of $DATABASE_NAME failed (exit $?); nothing was uploaded"
  [ -s "$file.partial" ] || fail "the dump of $DATABASE_NAME is empty; nothing was uploaded"
  mv "$file.partial" "$file"
  size=$(size_of "$file") sha256=$(sha256_of "$file")
fi
put_values dump name "$name" format "$format" created "$now" size "$size" sha256 "$sha256" \
  database_version "$version"
log "wrote $name${size:+: $size bytes}, $(wc -l < "$WORK_DIR/tables" | tr -d ' ') tables"

# Step "dump" (database client image): the database as SQL text, into $WORK_DIR.
# The file name sorts by time: <release>-<UTC yyyymmddThhmmssZ>.sql
stamp=$(date -u +%Y%m%dT%H%M%SZ)
file="$WORK_DIR/$RELEASE-$stamp.sql"
echo "[dump] database $DATABASE_NAME from $DATABASE_HOST:$DATABASE_PORT"
cockroach dump "$DATABASE_NAME" --insecure --host="$DATABASE_HOST:$DATABASE_PORT" > "$file.partial"
if [ ! -s "$file.partial" ]; then echo "[dump] failed: the dump is empty" >&2; exit 1; fi
mv "$file.partial" "$file"
echo "[dump] wrote $(wc -c < "$file") bytes to $file"

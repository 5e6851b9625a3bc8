# Step "safety-dump" (database client image): the current data, before anything is dropped.
stamp=$(date -u +%Y%m%dT%H%M%SZ)
file="$WORK_DIR/pre-restore-$RELEASE-$stamp.sql"
echo "[safety-dump] database $DATABASE_NAME from $DATABASE_HOST:$DATABASE_PORT"
cockroach dump "$DATABASE_NAME" --insecure --host="$DATABASE_HOST:$DATABASE_PORT" > "$file"
echo "[safety-dump] wrote $(wc -c < "$file") bytes"

# Step "restore" (database client image): replaces the database with the downloaded backup.
sql() { cockroach sql --insecure --host="$DATABASE_HOST:$DATABASE_PORT" "$@"; }
echo "[restore] dropping and recreating $DATABASE_NAME"
sql -e "DROP DATABASE IF EXISTS $DATABASE_NAME CASCADE; CREATE DATABASE $DATABASE_NAME;"
echo "[restore] importing"
sql -d "$DATABASE_NAME" < "$WORK_DIR/restore.sql"
echo "[restore] done"

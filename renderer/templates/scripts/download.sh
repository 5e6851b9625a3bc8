# Step "download" (AWS CLI image): saves the safety dump taken before the restore to the
# bucket, then fetches the backup to restore ($RESTORE_BACKUP: an object key or "latest").
for file in "$WORK_DIR"/pre-restore-*.sql; do
  [ -f "$file" ] || continue
  key="${S3_PREFIX:+$S3_PREFIX/}$(basename "$file")"
  echo "[download] saving the current data first: s3://$S3_BUCKET/$key"
  aws --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors "$file" "s3://$S3_BUCKET/$key"
done
key="$RESTORE_BACKUP"
if [ "$key" = latest ]; then
  key=$(aws --endpoint-url "$S3_ENDPOINT" s3api list-objects-v2 --bucket "$S3_BUCKET" \
    --prefix "${S3_PREFIX:+$S3_PREFIX/}$RELEASE-" --query 'sort_by(Contents, &Key)[-1].Key' --output text)
  if [ -z "$key" ] || [ "$key" = None ]; then echo "[download] failed: no backup of $RELEASE in s3://$S3_BUCKET/$S3_PREFIX" >&2; exit 1; fi
fi
echo "[download] s3://$S3_BUCKET/$key"
aws --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors "s3://$S3_BUCKET/$key" "$WORK_DIR/restore.sql"
if [ ! -s "$WORK_DIR/restore.sql" ]; then echo "[download] failed: s3://$S3_BUCKET/$key is empty" >&2; exit 1; fi

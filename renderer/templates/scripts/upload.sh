# Step "upload" (AWS CLI image): every dump in $WORK_DIR to the bucket, checked after upload.
found=0
for file in "$WORK_DIR"/*.sql; do
  [ -f "$file" ] || continue
  found=1
  key="${S3_PREFIX:+$S3_PREFIX/}$(basename "$file")"
  echo "[upload] $file to s3://$S3_BUCKET/$key"
  aws --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors "$file" "s3://$S3_BUCKET/$key"
  size=$(aws --endpoint-url "$S3_ENDPOINT" s3api head-object --bucket "$S3_BUCKET" --key "$key" \
    --query ContentLength --output text)
  if [ "$size" != "$(wc -c < "$file")" ]; then
    echo "[upload] failed: s3://$S3_BUCKET/$key has $size bytes, the dump $(wc -c < "$file")" >&2; exit 1
  fi
done
if [ "$found" = 0 ]; then echo "[upload] failed: no dump in $WORK_DIR" >&2; exit 1; fi
echo "[upload] done"

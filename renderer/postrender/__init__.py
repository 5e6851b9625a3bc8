"""The post-renderer (`datashield-backup`), top to bottom: read the stream, find the values,
validate, build settings, inject, write."""

CARRIER_KIND = "DatashieldBackupValues"  # the kind of the chart's document that carries the backup values

"""The value rules both commands apply: the schema, the checks a schema cannot say, cron schedules, `--values` files."""

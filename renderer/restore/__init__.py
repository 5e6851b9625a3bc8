"""`helm datashield-restore`: the command, its plan, the bucket's backups, interruption and retries."""

"""helm-datashield: safe scheduled backups and one-command restore for the Data Shield enclave manager.

Kept empty on purpose: the post-renderer's passthrough path imports only what it needs.
"""

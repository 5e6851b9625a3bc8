"""Where a prefix puts object keys in the bucket: one rule for the injected pods' `S3_PREFIX`
(settings.py; the pods' shell, renderer/postrender/templates/scripts/lib.sh `key_of`, adds the "/"), the
object-key checks of the values (validate.py) and the restore command (backups.py, plan.py).

`Backup.S3Prefix` may be written with or without "/" around it (`backups`, `/backups/`): both
mean the same keys, `backups/<name>`; "" (or "/") is the bucket's root.
"""

from __future__ import annotations


def normal_prefix(prefix: str) -> str:
    """`prefix` without the "/" around it ("" for the bucket's root)."""
    return prefix.strip("/")


def base_of(prefix: str) -> str:
    """The start of every key under `prefix`: `backups/`, or "" for the bucket's root."""
    prefix = normal_prefix(prefix)
    return f"{prefix}/" if prefix else ""

"""A release's backups in the bucket, as the backup Job names and describes them (pure).

A backup is `<prefix>/<release>-<yyyymmddThhmmssZ>.sql` (one object) or `.native` (the
folder a CockroachDB BACKUP writes), with the metadata object `<name>.json` beside it,
written last. A backup is complete when its metadata is there and readable, records a
size and a SHA-256, and the data in the bucket has that size. The SHA-256 itself is
checked by the restore Job before it touches the database (and by `--list --verify`).

The restore Job's safety dumps, `<prefix>/pre-restore-<release>-<time>.<format>`, have a
metadata object too, with `"kind": "safety-dump"`, the restore run and the backup being
restored: they are listed, marked, and restorable by name, but never `latest`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import Refused

STAMP = r"(?P<stamp>\d{8}T\d{6}Z)\.(?P<format>sql|native)"
METADATA_SUFFIX = ".json"
LATEST = "latest"
SAFETY_PREFIX = "pre-restore-"  # the restore Job's safety dumps: pre-restore-<release>-<time>.<format>
SAFETY_KIND = "safety-dump"  # their metadata's "kind"; scheduled backups have none


@dataclass(frozen=True)
class Backup:
    """One backup: its name under the prefix (what `Restore.Backup` takes) and what is known of it."""

    name: str
    key: str
    format: str
    size: int | None  # bytes of data in the bucket, None when there is none
    metadata: dict[str, Any] | None
    problem: str | None  # why it is not complete; None when it is

    @property
    def complete(self) -> bool:
        return self.problem is None

    @property
    def created(self) -> str:
        """The UTC time in the name, as ISO 8601."""
        stamp = re.search(r"\d{8}T\d{6}Z", self.name)
        assert stamp, "names are matched by STAMP"
        s = stamp.group()
        return f"{s[0:4]}-{s[4:6]}-{s[6:8]}T{s[9:11]}:{s[11:13]}:{s[13:15]}Z"

    @property
    def safety_dump(self) -> bool:
        """A safety dump the restore Job took of the data it replaced (never `latest`, never retention's)."""
        return self.name.startswith(SAFETY_PREFIX)

    @property
    def restoring(self) -> str | None:
        """For a safety dump: the backup whose restore it was taken before."""
        return _text(self.metadata, "restoring")

    @property
    def sha256(self) -> str | None:
        return _text(self.metadata, "sha256")

    @property
    def manager_nodes(self) -> tuple[str, ...] | None:
        """The nodes that ran the manager when the backup was taken; None when not recorded."""
        nodes = (self.metadata or {}).get("nodes")
        manager = nodes.get("manager") if isinstance(nodes, dict) else None
        if isinstance(manager, list) and all(isinstance(n, str) for n in manager):
            return tuple(manager)
        return None

    @property
    def nodes_error(self) -> str | None:
        return _text(self.metadata, "nodesError")


def base_of(prefix: str) -> str:
    """The start of every key under `prefix` (the bucket's root when empty)."""
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


def metadata_keys(release: str, prefix: str, objects: Mapping[str, int]) -> list[str]:
    """The keys of the release's metadata objects among the listed `objects`, to be read."""
    pattern = re.compile(rf"{re.escape(base_of(prefix))}(?:{SAFETY_PREFIX})?{re.escape(release)}-{STAMP}"
                         rf"{re.escape(METADATA_SUFFIX)}")
    return sorted(key for key in objects if pattern.fullmatch(key))


def listing_prefixes(release: str, prefix: str) -> tuple[str, str]:
    """The key prefixes under which the release's backups and safety dumps are listed."""
    return f"{base_of(prefix)}{release}-", f"{base_of(prefix)}{SAFETY_PREFIX}{release}-"


def catalog(release: str, prefix: str, objects: Mapping[str, int],
            metadata: Mapping[str, bytes | str]) -> list[Backup]:
    """The release's backups, oldest first, from the listing (key → size) and the metadata
    objects read (key → content, or the reason it could not be read)."""
    base = base_of(prefix)
    pattern = re.compile(rf"(?P<safety>{SAFETY_PREFIX})?{re.escape(release)}-{STAMP}(?P<rest>\.json|/.+)?")
    sizes: dict[str, int] = {}
    names: set[str] = set()
    for key, size in objects.items():
        if not key.startswith(base):
            continue
        match = pattern.fullmatch(key[len(base):])
        if not match:
            continue
        name = f"{match['safety'] or ''}{release}-{match['stamp']}.{match['format']}"
        names.add(name)
        rest = match["rest"] or ""
        if rest == "" or (rest.startswith("/") and match["format"] == "native"):
            sizes[name] = sizes.get(name, 0) + size
    # By time, then name: a safety dump sits among the backups of its day.
    return [_backup(name, base, sizes.get(name), metadata.get(base + name + METADATA_SUFFIX))
            for name in sorted(names, key=lambda n: (n.removeprefix(SAFETY_PREFIX)[len(release):], n))]


def _backup(name: str, base: str, size: int | None, raw: bytes | str | None) -> Backup:
    key = base + name
    fmt = name.rsplit(".", 1)[1]
    metadata, problem = _parse(raw)
    if problem is None and metadata is not None:
        problem = _kind_problem(metadata, name.startswith(SAFETY_PREFIX)) or _check(metadata, fmt, size)
    elif raw is None and name.startswith(SAFETY_PREFIX):
        problem = ("no metadata object (a safety dump taken before they had one, or not finished: download it "
                   "and restore it as a local file with --unsafe-ignore-sgx-nodes)")
    return Backup(name=name, key=key, format=fmt, size=size, metadata=metadata, problem=problem)


def _parse(raw: bytes | str | None) -> tuple[dict[str, Any] | None, str | None]:
    if raw is None:
        return None, "no metadata object (the backup did not finish)"
    if isinstance(raw, str):
        return None, f"metadata object unreadable: {raw}"
    try:
        loaded = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None, "metadata object is not valid JSON"
    if not isinstance(loaded, dict):
        return None, "metadata object is not a JSON object"
    return loaded, None


def _kind_problem(metadata: dict[str, Any], safety: bool) -> str | None:
    """A safety dump's metadata must say so; a scheduled backup's says "backup" or nothing."""
    kind = metadata.get("kind", None if safety else "backup")
    if safety and kind != SAFETY_KIND:
        return f'its metadata object does not say "kind": "{SAFETY_KIND}"'
    if not safety and kind != "backup":
        return f"its metadata object says kind {json.dumps(kind)}: not a scheduled backup"
    return None


def _check(metadata: dict[str, Any], fmt: str, size: int | None) -> str | None:
    recorded = metadata.get("size")
    if not isinstance(recorded, int) or isinstance(recorded, bool) or not _text(metadata, "sha256"):
        return "metadata object records no size or SHA-256"
    if metadata.get("format") != fmt:
        return f"metadata object says format {json.dumps(metadata.get('format'))}, the name says {fmt}"
    if size is None:
        return "the data is missing (only the metadata object is there)"
    if size != recorded:
        return f"{size} bytes in the bucket, the metadata records {recorded}: damaged"
    return None


def choose(backups: list[Backup], source: str, where: str) -> Backup:
    """The backup that `--from` names: `latest` (the newest complete scheduled backup) or a name
    under the prefix, a safety dump's too (the full key is accepted too). Refused when there is
    none or it is not complete."""
    if source == LATEST:
        complete = [b for b in backups if b.complete and not b.safety_dump]
        if not complete:
            raise Refused([f"no complete backup in {where} (see --list)"])
        return complete[-1]
    for backup in backups:
        if source in (backup.name, backup.key):
            if backup.problem:
                raise Refused([f"backup {backup.name} is not complete: {backup.problem}"])
            return backup
    raise Refused([f"no backup {json.dumps(source)} of this release in {where} (see --list)"])


def _text(metadata: dict[str, Any] | None, field: str) -> str | None:
    value = (metadata or {}).get(field)
    return value if isinstance(value, str) and value else None

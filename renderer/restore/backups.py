"""A release's backups in the bucket, as the backup Job names and describes them (pure).

A backup is `<prefix>/<namespace>/<release>-<yyyymmddThhmmssZ>-<cluster>.sql` (one object) or
`.native` (the folder a CockroachDB BACKUP writes), `<cluster>` being the database cluster's own
identity; backups of the earlier layout, `<prefix>/<release>-<yyyymmddThhmmssZ>.sql|.native`, are
read the same way. Each has the metadata object `<name>.json` beside it, written last. A backup is
complete when its metadata is there, is a JSON object written by helm-datashield for a scheduled
backup (`kind` absent or "backup") of this release and namespace, names the key it sits beside
(`object`), the format and cluster of its name and the time of its name (`created`), records a size
and a SHA-256, and the data in the bucket has that size. A name dated more than CLOCK_SKEW later
than now is never trusted. The SHA-256 itself is checked by the restore Job before it touches the
database (and by `--list --verify`).

`latest` is one rule, the same as the restore Job's (renderer/postrender/templates/scripts/s3.sh,
`latest_backup`; tests/latest_cases.py runs both against one table): the newest complete backup;
refused when there is none, or when the complete backups come from more than one database cluster.

The restore Job's safety dumps, `<prefix>/<namespace>/pre-restore-<release>-<yyyymmddThhmmssZ>-<cluster>.<format>`
(those of the earlier layout, `<prefix>/pre-restore-<release>-<yyyymmddThhmmssZ>.<format>`, name no
namespace or cluster), have a metadata object too, written by the same writer (s3.sh `metadata_json`),
with `"kind": "safety-dump"`, the restore run (`restoreRunId`) and the backup being restored: they are
listed, marked, and restorable by name once their metadata describes them as above, but never
`latest` and never retention's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from renderer.errors import Refused
from renderer.values.object_keys import base_of

STAMP = r"(?P<stamp>[0-9]{8}T[0-9]{6}Z)"  # ASCII digits, as the pods write and match them (s3.sh STAMP_GLOB)
FORMAT = r"\.(?P<format>sql|native)"
CLUSTER = r"-(?P<cluster>[A-Za-z0-9][A-Za-z0-9-]*)"  # as the dump step checks it (dump.sh)
METADATA_SUFFIX = ".json"
LATEST = "latest"
CLOCK_SKEW = timedelta(minutes=10)  # a name dated later than now plus this cannot be right (s3.sh: CLOCK_SKEW_SECONDS)
WRITER = "helm-datashield"
SAFETY_PREFIX = "pre-restore-"  # the restore Job's safety dumps: pre-restore-<release>-<time>.<format>
SAFETY_KIND = "safety-dump"  # their metadata's "kind"; scheduled backups have none
# The status command's probe objects: `<prefix>/<namespace>/.datashield-probe-<release>-<token>`. No name
# of a backup starts with a dot (release names are DNS labels), so no listing of backups, the restore
# Job's and retention's included (s3.sh `listing`), ever takes one for a backup.
PROBE_PREFIX = ".datashield-probe-"


@dataclass(frozen=True)
class Backup:
    """One backup: its name under the prefix (what `Restore.Backup` takes) and what is known of it."""

    name: str
    key: str
    format: str
    size: int | None  # bytes of data in the bucket, None when there is none
    metadata: dict[str, Any] | None
    problem: str | None  # why it is not complete; None when it is
    cluster: str | None = None  # the database cluster that wrote it, from its name (None: the earlier layout)
    safety_dump: bool = False  # a safety dump the restore Job took of the data it replaced (named so)

    @property
    def complete(self) -> bool:
        return self.problem is None

    @property
    def created_stamp(self) -> str:
        """The yyyymmddThhmmssZ in the name."""
        stamp = re.search(r"[0-9]{8}T[0-9]{6}Z", self.name)
        assert stamp, "names are matched by STAMP"
        return stamp.group()

    @property
    def created(self) -> str:
        """The UTC time in the name, as ISO 8601."""
        s = self.created_stamp
        return f"{s[0:4]}-{s[4:6]}-{s[6:8]}T{s[9:11]}:{s[11:13]}:{s[13:15]}Z"

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


def listing_prefixes(release: str, namespace: str, prefix: str) -> list[str]:
    """The prefixes to list: the earlier layout's and the namespace's, of backups and of safety dumps."""
    base = base_of(prefix)
    return [f"{base}{name}-" for name in (release, f"{namespace}/{release}", f"{SAFETY_PREFIX}{release}",
                                          f"{namespace}/{SAFETY_PREFIX}{release}")]


@dataclass(frozen=True)
class _Names:
    """How a release's backups and safety dumps are named under the prefix, either layout."""

    backups: tuple[re.Pattern[str], ...]
    safety_dumps: tuple[re.Pattern[str], ...]

    def match(self, name: str) -> tuple[re.Match[str], bool] | None:
        """The match of `name` (groups stamp, format and, in the present layout, cluster), and
        whether it names a safety dump; None when it names neither."""
        for patterns, safety in ((self.backups, False), (self.safety_dumps, True)):
            for pattern in patterns:
                if found := pattern.fullmatch(name):
                    return found, safety
        return None


def _names(release: str, namespace: str) -> _Names:
    def layouts(name: str) -> tuple[re.Pattern[str], ...]:
        return (re.compile(rf"{re.escape(name)}-{STAMP}{FORMAT}"),
                re.compile(rf"{re.escape(namespace + '/' + name)}-{STAMP}{CLUSTER}{FORMAT}"))
    return _Names(layouts(release), layouts(SAFETY_PREFIX + release))


def names_backup(key: str, release: str, namespace: str, prefix: str) -> bool:
    """Whether the object key `key` is named as a scheduled backup of this release and namespace (either
    layout; never a safety dump), whether or not it exists."""
    base = base_of(prefix)
    found = _names(release, namespace).match(key[len(base):]) if key.startswith(base) else None
    return found is not None and not found[1]


def probe_key(release: str, namespace: str, prefix: str, token: str) -> str:
    """The key of a probe object of `--status` (see PROBE_PREFIX); `token` makes it unique."""
    return f"{base_of(prefix)}{namespace}/{PROBE_PREFIX}{release}-{token}"


def metadata_keys(release: str, namespace: str, prefix: str, objects: Mapping[str, int]) -> list[str]:
    """The keys of the release's metadata objects among the listed `objects`, to be read."""
    base, names = base_of(prefix), _names(release, namespace)
    return sorted(key for key in objects if key.startswith(base) and key.endswith(METADATA_SUFFIX)
                  and names.match(key[len(base):-len(METADATA_SUFFIX)]))


def catalog(release: str, namespace: str, prefix: str, objects: Mapping[str, int],
            metadata: Mapping[str, bytes | str], now: datetime | None = None) -> list[Backup]:
    """The release's backups, oldest first, from the listing (key → size) and the metadata
    objects read (key → content, or the reason it could not be read). `now`: the clock that
    future-dated names are judged by (this machine's when not given)."""
    base, names = base_of(prefix), _names(release, namespace)
    limit = latest_trusted(now)
    found: list[Backup] = []
    for key in sorted({data_key for listed in objects if (data_key := _data_key(listed, base, names))}):
        meta_key = key + METADATA_SUFFIX
        matched = names.match(key[len(base):])
        assert matched, "_data_key matched it"
        match, safety = matched
        stamp = match["stamp"]
        parts = [size for k, size in objects.items()
                 if k == key or (match["format"] == "native" and k.startswith(key + "/"))]
        backup = Backup(name=key[len(base):], key=key, format=match["format"], size=sum(parts) if parts else None,
                        metadata=None, problem=None, cluster=match.groupdict().get("cluster"), safety_dump=safety)
        created, untrusted = stamp_problem(stamp, limit)
        metadata_read, problem = _parse(metadata.get(meta_key))
        if untrusted is not None or created is None:
            problem = untrusted
        elif problem is None and metadata_read is not None:
            problem = _check(metadata_read, backup, release, namespace, _iso(created))
        elif metadata_read is None and backup.safety_dump and meta_key not in metadata:
            problem = ("no metadata object (a safety dump taken before they had one, or not finished: download it "
                       "and restore it as a local file with --unsafe-ignore-sgx-nodes)")
        found.append(replace(backup, metadata=metadata_read, problem=problem))
    return sorted(found, key=lambda b: (b.created_stamp, b.cluster or "-", b.key))


def _data_key(key: str, base: str, names: _Names) -> str | None:
    """The backup that the listed `key` belongs to (its data, a native backup's part, or its
    metadata object), None when it is no part of one of the release's backups."""
    if not key.startswith(base):
        return None
    name = key[len(base):]
    for candidate in (name, name.removesuffix(METADATA_SUFFIX), name.split("/", 2)[0],
                      "/".join(name.split("/", 2)[:2])):
        matched = names.match(candidate)
        if matched and (candidate in (name, name.removesuffix(METADATA_SUFFIX)) or matched[0]["format"] == "native"):
            return base + candidate
    return None


def stamp_time(stamp: str) -> datetime | None:
    """The UTC time of a name's `yyyymmddThhmmssZ` stamp (as dump.sh writes it); None when it is
    not a real time."""
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def latest_trusted(now: datetime | None) -> datetime:
    """The latest time a name may be stamped with: `now` (this machine's clock when None) plus CLOCK_SKEW."""
    return (now or datetime.now(timezone.utc)) + CLOCK_SKEW


def stamp_problem(stamp: str, limit: datetime) -> tuple[datetime | None, str | None]:
    """The time of a name's stamp, and why the name cannot be trusted (None when it can): not a
    real time, or dated later than `limit` (latest_trusted)."""
    created = stamp_time(stamp)
    if created is None:
        return None, f"{stamp} is not a time"
    if created > limit:
        return created, (f"dated {_iso(created)}, later than this machine's clock allows "
                         f"({int(CLOCK_SKEW.total_seconds())} s of skew)")
    return created, None


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(raw: bytes | str | None) -> tuple[dict[str, Any] | None, str | None]:
    if raw is None:
        return None, "no metadata object (the backup did not finish)"
    if isinstance(raw, str):
        return None, f"metadata object unreadable: {raw}"
    return json_object(raw, "the metadata object")


def json_object(raw: bytes, what: str) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object in `raw`, or why it is none: `<what> is not valid JSON` (UTF-8) or `is not a JSON object`."""
    try:
        loaded = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None, f"{what} is not valid JSON"
    if not isinstance(loaded, dict):
        return None, f"{what} is not a JSON object"
    return loaded, None


def _check(metadata: dict[str, Any], backup: Backup, release: str, namespace: str, created: str) -> str | None:
    """Why `metadata` does not describe this release's scheduled backup or safety dump `backup` (None
    when it does). A name of the earlier layout names no cluster: the metadata's is not checked against it."""
    if metadata.get("writer") != WRITER:
        return "not written by helm-datashield"
    kind = metadata.get("kind")
    if backup.safety_dump and kind != SAFETY_KIND:
        return f'its metadata object does not say "kind": "{SAFETY_KIND}"'
    if not backup.safety_dump and kind not in (None, "backup"):
        return f"a {kind}, not a scheduled backup"
    for field, want in (("release", release), ("namespace", namespace), ("object", backup.key),
                        ("format", backup.format)):
        if metadata.get(field) != want:
            return f"its metadata names {field} {json.dumps(metadata.get(field))}, not {json.dumps(want)}"
    if (backup.cluster or not backup.safety_dump) and metadata.get("cluster") != backup.cluster:
        return f"its metadata names cluster {json.dumps(metadata.get('cluster'))}, the key {json.dumps(backup.cluster)}"
    recorded = metadata.get("size")
    if not isinstance(recorded, int) or isinstance(recorded, bool) or not _text(metadata, "sha256"):
        return "the metadata object records no size or SHA-256"
    if metadata.get("created") != created:
        return f"its metadata says it was created at {metadata.get('created')}, its name {created}"
    if backup.size is None:
        return "the data is missing (only the metadata object is there)"
    if backup.size != recorded:
        return f"{backup.size} bytes in the bucket, the metadata records {recorded}: damaged"
    return None


def choose(backups: list[Backup], source: str, where: str) -> Backup:
    """The backup that `--from` names: `latest` (the newest complete scheduled backup) or a name
    under the prefix, a safety dump's too (the full key is accepted too). Refused when there is
    none or it is not complete."""
    if source == LATEST:
        complete = [b for b in backups if b.complete and not b.safety_dump]
        if not complete:
            raise Refused([f"no complete backup in {where} (see --list)"])
        clusters = sorted({b.cluster for b in complete if b.cluster})
        if len(clusters) > 1:
            newest = "; ".join(f"{c} (newest {[b for b in complete if b.cluster == c][-1].name})" for c in clusters)
            raise Refused([f"backups from more than one database cluster in {where}: {newest}: name the one to "
                           "restore (--from), or give each cluster its own S3Prefix"])
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

"""Where the restore Job saved the data from before the restore (its safety dump), told only
as far as it is known (pure).

The Job's `fetch` step logs `the data before this restore is saved as s3://...`, or `no
safety dump: the database was missing or empty`. When its log cannot be read (or says
neither), the bucket is the record: the dump step names a safety dump
`<prefix>/<namespace>/pre-restore-<release>-<yyyymmddThhmmssZ>-<cluster>.<format>`
(renderer/postrender/templates/scripts/dump.sh) at the time it runs, and the fetch step writes its metadata
object (renderer/restore/backups.py) naming release, namespace, key, cluster and the run (`restoreRunId`).
The dump of this run is the one such key stamped since the run began (less CLOCK_SKEW_SECONDS, for
the cluster's clock against this machine's) whose metadata, when there is one yet, describes it and
names this run. This machine cannot know its database cluster's identity, so dumps of two clusters
that fit (two restores of one release and namespace begun in one second) are told as unknown;
anything else that does not fit is never taken. Unknown is never said as "none".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from renderer.restore.backups import METADATA_SUFFIX, SAFETY_PREFIX, Backup, catalog, stamp_time
from renderer.values.object_keys import base_of

SAVED_LOG = re.compile(r"the data before this restore is saved as (s3://\S+)")
NOTHING_LOG = "no safety dump: the database was missing or empty"
CLOCK_SKEW_SECONDS = 300


@dataclass(frozen=True)
class Saved:
    """The safety dump: its location, or None with `known` telling "none" from "unknown"."""

    location: str | None
    known: bool
    why: str = ""  # for an unknown location: why, and where to look

    def text(self) -> str:
        if self.location:
            return self.location
        if self.known:
            return "none (the database was empty)"
        return f"unknown ({self.why})"

    def lines(self) -> list[str]:
        """A line for a report of what state a run left."""
        if self.location:
            return [f"the data from before the restore is in {self.location}."]
        if self.known:
            return []
        return [f"the data from before the restore: {self.text()}."]


def from_log(lines: Iterable[str]) -> Saved | None:
    """What the Job's log says of its safety dump; None when it says nothing of it."""
    for line in lines:
        match = SAVED_LOG.search(line)
        if match:
            return Saved(match.group(1), True)
        if NOTHING_LOG in line:
            return Saved(None, True)
    return None


def listing_prefix(prefix: str, release: str, namespace: str) -> str:
    """The start of the keys of the release's safety dumps in `namespace` (as the restore Job names them), to list."""
    return f"{base_of(prefix)}{namespace}/{SAFETY_PREFIX}{release}-"


def from_bucket(bucket: str, prefix: str, release: str, namespace: str, run_id: str, objects: Mapping[str, int],
                metadata: Mapping[str, bytes | str], why: str) -> Saved:
    """The safety dump of the run `run_id` (`yyyymmdd-hhmmss`, UTC, when the run began) among the
    listed `objects` (key -> size, listed under `listing_prefix`) and their metadata objects read
    (key -> content, or why it could not be read); unknown, saying `why` the log did not tell, when
    there is not exactly one."""
    start = listing_prefix(prefix, release, namespace)
    where = f"s3://{bucket}/{start}*"
    began = stamp_time(run_id.replace("-", "T") + "Z")
    if began is None:
        return Saved(None, False, f"{why}, and the run's id {run_id!r} is not the time it began, so the safety dumps "
                                  f"in {where} cannot be told apart")
    since = began - timedelta(seconds=CLOCK_SKEW_SECONDS)
    listed = {key: size for key, size in objects.items() if key.startswith(start)}
    found = [dump.key for dump in catalog(release, namespace, prefix, listed, metadata)
             if dump.safety_dump and _since(dump, since) and _of_run(dump, run_id, listed)]
    if len(found) == 1:
        return Saved(f"s3://{bucket}/{found[0]}", True)
    if not found:
        return Saved(None, False, f"{why}, and no safety dump of this run is in {where}: the database may have "
                                  "been empty, or the dump is elsewhere")
    return Saved(None, False, f"{why}; the safety dumps since this run began are "
                              + ", ".join(f"s3://{bucket}/{key}" for key in found))


def _since(dump: Backup, since: datetime) -> bool:
    created = stamp_time(dump.created_stamp)
    return created is not None and created >= since


def _of_run(dump: Backup, run_id: str, listed: Iterable[str]) -> bool:
    """Whether `dump` may be the run's: its metadata, once written, must describe it (backups.catalog:
    release, namespace, key, cluster, time) and name the run; without one (the Job stopped before
    writing it) its key alone says so."""
    if dump.key + METADATA_SUFFIX not in listed:
        return True
    return dump.complete and (dump.metadata or {}).get("restoreRunId") == run_id

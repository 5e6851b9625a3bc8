"""Where the restore Job saved the data from before the restore (its safety dump), told only
as far as it is known (pure).

The Job's `fetch` step logs `the data before this restore is saved as s3://...`, or `no
safety dump: the database was missing or empty`. When its log cannot be read (or says
neither), the bucket is the record: the dump step names a safety dump
`<prefix>/pre-restore-<release>-<yyyymmddThhmmssZ>.<format>` (renderer/postrender/templates/scripts/
dump.sh) at the time it runs, so the dumps of this run are those stamped since the run
began (less CLOCK_SKEW_SECONDS, for the cluster's clock against this machine's). Anything
else is said as unknown, never as "none".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from renderer.restore.backups import base_of

SAVED_LOG = re.compile(r"the data before this restore is saved as (s3://\S+)")
NOTHING_LOG = "no safety dump: the database was missing or empty"
DUMP_PREFIX = "pre-restore-"  # renderer/postrender/inject.py: the restore Job's DUMP_PREFIX
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


def listing_prefix(prefix: str, release: str) -> str:
    """The start of the keys of the release's safety dumps, to list."""
    return f"{base_of(prefix)}{DUMP_PREFIX}{release}-"


def from_bucket(bucket: str, prefix: str, release: str, run_id: str, keys: Iterable[str], why: str) -> Saved:
    """The safety dump of the run `run_id` (`yyyymmdd-hhmmss`, UTC, when the run began) among
    the listed `keys`; unknown, saying `why` the log did not tell, when there is not exactly one."""
    since = (datetime.strptime(run_id, "%Y%m%d-%H%M%S").replace(tzinfo=timezone.utc)
             - timedelta(seconds=CLOCK_SKEW_SECONDS)).strftime("%Y%m%dT%H%M%SZ")
    start = listing_prefix(prefix, release)
    pattern = re.compile(rf"{re.escape(start)}(?P<stamp>\d{{8}}T\d{{6}}Z)\.(?:sql|native)")
    found = sorted({match.group(0) for match in map(pattern.match, keys)
                    if match and match.group("stamp") >= since})
    where = f"s3://{bucket}/{start}*"
    if len(found) == 1:
        return Saved(f"s3://{bucket}/{found[0]}", True)
    if not found:
        return Saved(None, False, f"{why}, and no safety dump of this run is in {where}: the database may have "
                                  "been empty, or the dump is elsewhere")
    return Saved(None, False, f"{why}; the safety dumps since this run began are "
                              + ", ".join(f"s3://{bucket}/{key}" for key in found))

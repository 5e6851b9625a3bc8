"""A backup's restore drills, as the drill pod records them in the bucket (pure).

The drill CronJob `<release>-enclaveos-drill` restores the newest complete backup into a
throwaway database inside its pod and writes the outcome next to it: the drill record
`<backup key>.drill-<yyyymmddThhmmssZ>.json` (the stamp: when the drill started, UTC; a native
backup's key is its folder's, without the trailing "/", so the record sits beside the folder).
The records share the backups' listing prefixes (backups.listing_prefixes): one listing finds both,
and backups.catalog never takes a record for a backup or a part of one.

A backup's drill state comes from its newest record (by the stamp of its name) alone:
  drilled OK <time>                  the record says OK
  drill FAILED: <reason>             the record says FAILED, with the reason it records
  not drilled                        no record
  drill record unreadable: <why>     the record cannot be read or is not trusted
A record is trusted (rules of issue 18's contract, the drill pod's side writes them) when its name's
stamp is a real time no later than this machine's clock allows (backups.CLOCK_SKEW, as for backups),
it is a JSON object written by helm-datashield with `"kind": "drill"`, it names the backup it sits
beside (`backup`), this release and namespace, a verdict "OK" or "FAILED", and `started` is the
time of its name. Anything else is never shown as OK.

Retention deletes a backup's records with it (upload.sh delete_pair), minutes after a successful drill of the
backup it drilled on the harness, most of the week on an hourly schedule: what a drill proved must outlive
the backup (issue 25). So the drill pod also writes two copies of its record, overwritten by every drill and
never deleted by retention (record.sh; keys of no backup: they start with a dot, as the status probe's):
  <prefix>/<namespace>/.datashield-last-drill-<release>.json             every drill's record
  <prefix>/<namespace>/.datashield-last-successful-drill-<release>.json  every OK drill's record
A copy is trusted as a record is, its stamp taken from its `started`, and it must name a backup of this
release (backups.names_backup); the backup need not exist any more.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from renderer.errors import one_line, show
from renderer.restore.backups import WRITER, json_object, latest_trusted, names_backup, stamp_problem
from renderer.values.object_keys import base_of

# What follows the backup's key. ASCII digits only, as the pods write them: \d takes any Unicode digit.
RECORD = re.compile(r"\.drill-(?P<stamp>[0-9]{8}T[0-9]{6}Z)\.json")
KIND = "drill"
OK, FAILED, NONE, UNREADABLE = "OK", "FAILED", "none", "unreadable"  # DrillState.verdict
COPY_PREFIX = ".datashield-last-"  # the copies': every release's in one namespace folder
LAST_DRILL, LAST_SUCCESSFUL_DRILL = f"{COPY_PREFIX}drill-", f"{COPY_PREFIX}successful-drill-"


@dataclass(frozen=True)
class DrillState:
    """What a backup's newest drill record says. `verdict`: OK, FAILED, none (no record) or unreadable;
    `time`: when that drill started (ISO 8601 UTC, from the record's name); `reason`: a FAILED drill's
    reason, or why the record is unreadable; `record`: the record's key; `pod`: the pod that wrote it."""

    verdict: str
    time: str | None = None
    reason: str | None = None
    record: str | None = None
    pod: str | None = None  # the drill pod that wrote the record (`pod`; older records name none)

    def text(self) -> str:
        """The state as --list shows it."""
        if self.verdict == OK:
            return f"drilled OK {self.time}"
        if self.verdict == FAILED:
            return f"drill FAILED: {self.reason}"
        if self.verdict == UNREADABLE:
            return f"drill record unreadable: {self.reason}"
        return "not drilled"

    def as_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "time": self.time, "reason": self.reason, "record": self.record}


NOT_DRILLED = DrillState(NONE)


@dataclass(frozen=True)
class Record:
    """One drill record in the listing: its key, its name's stamp, and the key of the backup it sits beside."""

    key: str
    stamp: str
    backup: str


def records(objects: Iterable[str], backup_keys: Iterable[str]) -> list[Record]:
    """The drill records of the backups `backup_keys` among the listed keys `objects`, newest first
    (by stamp; one stamp's records by key)."""
    wanted = set(backup_keys)
    found = []
    for key in objects:
        at = key.rfind(".drill-")
        matched = RECORD.fullmatch(key, at) if at > 0 else None
        if matched and key[:at] in wanted:
            found.append(Record(key, matched["stamp"], key[:at]))
    return sorted(found, key=lambda r: (r.stamp, r.key), reverse=True)


def newest(objects: Iterable[str], backup_key: str) -> Record | None:
    """The newest drill record of the backup `backup_key`; None when it has none."""
    found = records(objects, [backup_key])
    return found[0] if found else None


def copies_prefix(namespace: str, prefix: str) -> str:
    """What the keys of the copies of drill records of every release of `namespace` start with."""
    return f"{base_of(prefix)}{namespace}/{COPY_PREFIX}"


def copy_keys(release: str, namespace: str, prefix: str) -> tuple[str, str]:
    """The keys of the two copies of the release's drill records (see the module's docstring): the last
    drill's, the last successful drill's."""
    folder = f"{base_of(prefix)}{namespace}/"
    return f"{folder}{LAST_DRILL}{release}.json", f"{folder}{LAST_SUCCESSFUL_DRILL}{release}.json"


def copy_state(key: str, raw: bytes | str, release: str, namespace: str, prefix: str,
               now: datetime | None = None) -> tuple[Record | None, DrillState]:
    """A copy of a drill record (`key`; `raw`: its bytes, or why it could not be read): the record it copies
    (its stamp from `started`; None when the copy does not say which drill it is) and its drill state, judged
    as the record's own (`state`). Never raises."""
    content, why = json_object(raw, "the copy") if isinstance(raw, bytes) else (None, raw or "not read")
    started, backup = (content or {}).get("started"), (content or {}).get("backup")
    stamp = re.sub("[:-]", "", started) if isinstance(started, str) else ""
    if why is None and not RECORD.fullmatch(f".drill-{stamp}.json"):
        why = f"it says the drill started at {show(started)}, not a time as yyyy-mm-ddThh:mm:ssZ"
    if why is None and not (isinstance(backup, str) and names_backup(backup, release, namespace, prefix)):
        why = f"it names backup {show(backup)}, not a backup of release {release} in namespace {namespace}"
    if why is not None:
        return None, DrillState(UNREADABLE, None, why, key)
    record = Record(key, stamp, str(backup))
    return record, state(record, raw, release, namespace, now)


def name_of(record: Record, prefix: str) -> str:
    """The name under the prefix of the backup `record` drilled (`Restore.Backup`'s form), existing or not."""
    return record.backup.removeprefix(base_of(prefix))


def state(record: Record | None, raw: bytes | str | None, release: str, namespace: str,
          now: datetime | None = None) -> DrillState:
    """The drill state a backup's newest record gives: from its content (`raw`: bytes, or the reason
    it could not be read). `now`: the clock future-dated names are judged by (this machine's
    when None)."""
    if record is None:
        return NOT_DRILLED
    created, why = stamp_problem(record.stamp, latest_trusted(now))
    time = f"{created:%Y-%m-%dT%H:%M:%SZ}" if created else None
    content: dict[str, Any] | None = None
    if why is None and time is not None:
        if isinstance(raw, bytes):
            content, why = json_object(raw, "the record")
        else:
            why = raw or "not read"
        why = why or _untrusted(content or {}, record, release, namespace, time)
    if why is not None or content is None:
        return DrillState(UNREADABLE, time, why or "not read", record.key)
    pod = content.get("pod") if isinstance(content.get("pod"), str) and content.get("pod") else None
    if content["verdict"] == OK:
        return DrillState(OK, time, None, record.key, pod)
    reason = content.get("reason")
    return DrillState(FAILED, time, one_line(reason) if isinstance(reason, str) and reason.strip()
                      else "no reason recorded", record.key, pod)


def _untrusted(content: dict[str, Any], record: Record, release: str, namespace: str, started: str) -> str | None:
    """Why `content` is not a drill record of this release's backup beside which it sits (None when it is)."""
    if content.get("writer") != WRITER:
        return "not written by helm-datashield"
    for field, want in (("kind", KIND), ("backup", record.backup), ("release", release), ("namespace", namespace)):
        if content.get(field) != want:
            return f"it names {field} {show(content.get(field))}, not {json.dumps(want)}"
    if content.get("verdict") not in (OK, FAILED):
        return f'its verdict is {show(content.get("verdict"))}, neither "OK" nor "FAILED"'
    if content.get("started") != started:
        return f"it says the drill started at {show(content.get('started'))}, its name {started}"
    return None


def preflight_warning(backup_name: str, drill: DrillState) -> str | None:
    """The restore preflight's warning about the backup about to be restored: never drilled, its
    newest drill FAILED, or its record unreadable (None when its newest drill is OK). Not a refusal:
    a drill proves a restore, its absence does not disprove one."""
    if drill.verdict == OK:
        return None
    if drill.verdict == NONE:
        return f"backup {backup_name} has never been drilled: no restore of it has been proven"
    if drill.verdict == FAILED:
        return f"backup {backup_name} failed its last drill ({drill.time}): {drill.reason}"
    return f"backup {backup_name}: drill record unreadable: {drill.reason}"

"""`helm datashield-restore RELEASE --status`: one case per finding, each with the exact verdict line
and exit code, against the cluster model (tests/fake_cluster.py) and the real S3 server, whose
bucket holds the backups of tests/restore/conftest.py (the newest complete one taken at
2026-11-23T00:00:00Z, a daily schedule: promised within 1d 7h = 24 h + 1 h to start + 6 h to run)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from renderer.edges.objectstore import ObjectStore
from renderer.restore.backups import catalog, probe_key
from renderer.restore.drills import copy_keys
from renderer.restore.status import EXIT_CODES
from tests.fake_cluster import IGNORED_POD_LINE, RESTORE_ANNOTATION, State
from tests.restore.conftest import (
    BUCKET,
    DRILL_FAILURE,
    LATEST_COMPLETE,
    PREFIX,
    PROBE_TOKEN,
    SECRET_NAME,
    World,
    drill_record,
    metadata,
    put_cluster_backups,
    put_drilled,
    s3_client,
)
from tests.restore.test_cli import restore_cli
from tests.runtime.faulty_proxy import FaultyProxy
from tests.services import (
    S3_ACCESS_KEY_ID,
    S3_READONLY_ACCESS_KEY_ID,
    S3_READONLY_SECRET_ACCESS_KEY,
    S3_SECRET_ACCESS_KEY,
    S3Server,
)

NOW = datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)  # the newest complete backup is 5 hours old
PROBE = probe_key("ds", "prod", PREFIX, PROBE_TOKEN)
WHERE = f"s3://{BUCKET}/{PREFIX}/"
AGE = ("the newest complete backup ds-20261123T000000Z.sql is {age} old, more than {twice}the 1d 7h the schedule "
       "promises (the longest gap 1d between runs of '0 0 * * *' in UTC, plus 1h to start and 6h to run)")
FAILED_JOB = {"name": "ds-enclaveos-backup-29400000", "started": "2026-11-23T02:00:00Z",
              "finished": "2026-11-23T02:04:00Z", "outcome": "failed", "reason": "BackoffLimitExceeded",
              "log": ["[dump] dumping malbork", "[upload] FAILED: cannot write s3://b/k: AccessDenied",
                      "[upload] FAILED: gave up after 3 tries"]}


# Prefixes of their own for the drill cases: backup name -> its drill records (stamp, fields of the record).
DRILL_PREFIXES: dict[str, dict[str, list[tuple[str, dict[str, Any]]]]] = {
    "status-drill-failed": {"ds-20261122T000000Z.sql": [("20261122T030000Z", {})],
                            LATEST_COMPLETE: [("20261123T030000Z", {"verdict": "FAILED", "reason": DRILL_FAILURE})]},
    "status-drill-unreadable": {LATEST_COMPLETE: [("20261123T030000Z", {}), ("20261123T040000Z", {"release": "dx"})]},
    "status-drill-stale": {"ds-20261115T000000Z.sql": [("20261115T030000Z", {})], LATEST_COMPLETE: []},
    "status-drill-none": {LATEST_COMPLETE: []},
    # The newest record FAILED, written by the pod of the drill Job ds-enclaveos-drill-29401440, or of another Job.
    **{f"status-drill-failed-{whose}": {"ds-20261122T000000Z.sql": [("20261122T030000Z", {})],
                                        LATEST_COMPLETE: [("20261123T030000Z", {
                                            "verdict": "FAILED", "reason": DRILL_FAILURE, "pod": pod})]}
       for whose, pod in (("pod", "ds-enclaveos-drill-29401440-x7k2p"),
                          ("other-pod", "ds-enclaveos-drill-29400000-b4c9d"))},
    # The drill of a --drill-now Job (DRILL_NOW), its record naming its pod, after or before the failed scheduled one.
    **{f"status-drill-now-{when}": {backup: [(stamp, {"pod": f"ds-enclaveos-drill-{job}-k4m9q"})], LATEST_COMPLETE: []}
       for when, (backup, stamp, job) in {"after": ("ds-20261122T000000Z.sql", "20261122T090000Z", "1122090000"),
                                          "before": ("ds-20261121T000000Z.sql", "20261121T090000Z",
                                                     "1121090000")}.items()},
    # Backup.S3Prefix changed at 2026-11-22T04:00, after the Sunday drill (the drill CronJob's last success,
    # 03:01:10): the first backup's Job wrote the first backup under it, and none has been drilled yet. A day on,
    # and a week on (the backups of every day to 2026-11-29).
    "status-drill-new-prefix": {"ds-20261122T040000Z.sql": [], LATEST_COMPLETE: []},
    "status-drill-new-prefix-week": {"ds-20261122T040000Z.sql": [],
                                     **{f"ds-202611{day}T000000Z.sql": [] for day in range(23, 30)}},
}
# Prefixes whose drilled backups retention has deleted, records and all (issue 25): the copies of the last drill's
# and the last successful drill's records (drills.copy_keys) outlive them. Prefix -> (last, last successful), each
# the bytes of a copy or None (no copy); the drilled backup ds-20261122T000000Z.sql is gone.
GONE = "ds-20261122T000000Z.sql"
COPIES: dict[str, tuple[bytes | None, bytes | None]] = {
    "status-drill-retained": (drill_record(f"status-drill-retained/{GONE}", "20261122T030000Z"),
                              drill_record(f"status-drill-retained/{GONE}", "20261122T030000Z")),
    "status-drill-copy-failed": (
        drill_record(f"status-drill-copy-failed/{GONE}", "20261123T030000Z", verdict="FAILED", reason=DRILL_FAILURE),
        drill_record(f"status-drill-copy-failed/{GONE}", "20261122T030000Z")),
    "status-drill-copy-older": (drill_record(f"status-drill-copy-older/{GONE}", "20261116T030000Z"), None),
    "status-drill-copy-garbled": (b"{not json", drill_record(f"status-drill-copy-garbled/{GONE}", "20261122T030000Z")),
    "status-drill-copy-foreign": (None, drill_record(f"other/{GONE}", "20261122T030000Z")),
    "status-drill-copy-said-failed": (None, drill_record(f"status-drill-copy-said-failed/{GONE}", "20261122T030000Z",
                                                         verdict="FAILED", reason="x")),
    "status-drill-copy-future": (None, drill_record(f"status-drill-copy-future/{GONE}", "20261124T030000Z")),
    "status-drill-copy-no-start": (None, drill_record(f"status-drill-copy-no-start/{GONE}", "20261122T030000Z",
                                                      started=None)),
}
DRILL_PREFIXES.update({prefix: {LATEST_COMPLETE: []} for prefix in COPIES})
DRILL_PROMISE = ("the 7d 7h the drill schedule promises (the longest gap 7d between runs of '0 3 * * 0' in UTC, plus "
                 "1h to start and 6h to run)")


@pytest.fixture(scope="session")
def drill_prefixes(s3_server: S3Server, bucket: str) -> None:
    """DRILL_PREFIXES written once."""
    s3 = s3_client(s3_server)
    for prefix, backups in DRILL_PREFIXES.items():
        put_drilled(s3, prefix, backups)
    for prefix, copies in COPIES.items():
        for key, copy in zip(copy_keys("ds", "prod", prefix), copies, strict=True):
            if copy is not None:
                s3.put_object(Bucket=BUCKET, Key=key, Body=copy)


# The scheduled drill Job of Sunday 2026-11-22 03:00, which failed without writing a drill record, and a Job of
# `--drill-now` (session._cronjob_now: `<cronjob>-<mmddHHMMSS>`, the CronJob's Job labels), which succeeded after
# it (2026-11-22 09:00) or before it (Saturday 09:00). The drill CronJob's lastSuccessfulTime is the Sunday before:
# kube-controller-manager need not count a Job it did not schedule.
SCHEDULED_DRILL_FAILED = {"name": "ds-enclaveos-drill-29921940", "component": "drill",
                          "started": "2026-11-22T03:00:00Z", "finished": "2026-11-22T03:20:00Z", "outcome": "failed",
                          "reason": "DeadlineExceeded", "log": ["[drill] importing s3://b/k"]}
DRILL_NOW = {when: {"name": f"ds-enclaveos-drill-{day}090000", "component": "drill", "started": f"{date}T09:00:00Z",
                    "finished": f"{date}T09:02:00Z", "outcome": "complete"}
             for when, day, date in (("after", "1122", "2026-11-22"), ("before", "1121", "2026-11-21"))}


def drill_changes(state: State, change: str) -> bool:
    """The drills set up as one case names it; False when the case is not about drills."""
    backup = state.user_values["enclaveos-chart"]["Backup"]
    match change:
        case "drills off":
            backup["Drill"] = {"Enabled": False}
            state.drill_cronjob = None
        case "no drill cronjob":
            state.drill_cronjob = None
        case "drill suspended by hand":
            assert state.drill_cronjob is not None
            state.drill_cronjob["suspend"] = True
        case "drill-now after a failed drill Job" | "drill-now before a failed drill Job":
            assert state.drill_cronjob is not None
            when = change.split()[1]
            state.drill_cronjob["lastSuccessfulTime"] = "2026-11-15T03:01:10Z"
            state.backup_jobs += [dict(SCHEDULED_DRILL_FAILED), DRILL_NOW[when]]
            backup["S3Prefix"] = f"status-drill-now-{when}"
        case "status-drill-none":  # no drill has ever succeeded: no record, no copy, no successful drill Job
            assert state.drill_cronjob is not None
            state.drill_cronjob["lastSuccessfulTime"] = None
            backup["S3Prefix"] = change
        case "new S3Prefix":
            backup["S3Prefix"] = "status-drill-new-prefix"
        case "new S3Prefix, a week on" | "new S3Prefix, a week on, drilled as it changed":
            assert state.drill_cronjob is not None
            backup["S3Prefix"] = "status-drill-new-prefix-week"
            if change.endswith("changed"):  # that drill Job, made before the upgrade, drilled the former prefix
                state.drill_cronjob["lastSuccessfulTime"] = "2026-11-22T04:30:00Z"
        case "young drill cronjob" | "re-created drill cronjob":
            no_drill_promised_yet(state)
            backup["S3Prefix"] = "status-drill-none" if change.startswith("young") else "status-drill-stale"
        case _ if change.startswith("status-drill-"):
            backup["S3Prefix"] = change
        case _:
            return False
    return True


def no_drill_promised_yet(state: State) -> None:
    """A drill CronJob made 3 days before NOW, younger than the drill schedule's promise: no drill finding."""
    assert state.drill_cronjob is not None
    state.drill_cronjob["created"] = "2026-11-20T10:00:00Z"


def release_changes(state: State, change: str) -> bool:
    """The release and its manager set up as one case names it; False when the case is not about them."""
    backup, cron = state.user_values["enclaveos-chart"]["Backup"], state.cronjob
    assert cron is not None and state.release is not None and state.manager is not None
    match change:
        case "restore mode":  # as the restore command leaves it: the manager at 0, its count recorded
            state.user_values["enclaveos-chart"]["Restore"] = {"Enabled": True, "Backup": "latest"}
            cron["suspend"] = True
            state.manager.update(replicas=0, annotations={RESTORE_ANNOTATION: "3"})
        case "pending upgrade":
            state.release["status"] = "pending-upgrade"
        case "no manager deployment":
            state.manager = None
        case "unreadable database tag":
            backup["Images"] = {"Database": {"Tag": "nightly"}}
        case _:
            return False
    return True


def changes(state: State, change: str) -> None:
    """The cluster set up as one case names it."""
    backup, cron = state.user_values["enclaveos-chart"]["Backup"], state.cronjob
    assert cron is not None
    if drill_changes(state, change) or release_changes(state, change):
        return
    match change:
        case "ok":
            pass
        case "running now, an old failure":
            cron["active"] = ["ds-enclaveos-backup-29410000"]
            state.backup_jobs += [{**FAILED_JOB, "started": "2026-11-22T00:00:00Z", "finished": "2026-11-22T00:04:00Z"},
                                  {"name": "ds-enclaveos-backup-29410000", "started": "2026-11-23T04:59:00Z",
                                   "finished": None, "outcome": "running"}]
        case "suspended":
            cron["suspend"] = backup["Suspend"] = True
        case "a backup Job suspended" | "a drill Job suspended":  # by hand, or by a queue (the review of issue 25)
            component = change.split()[1]
            state.backup_jobs.append({"name": f"ds-enclaveos-{component}-29410000", "component": component,
                                      "started": None, "finished": None, "outcome": "running", "suspend": True})
        case "suspended by hand":  # the values do not say it
            cron["suspend"] = True
        case "failed":
            state.backup_jobs.append(dict(FAILED_JOB))
        case "failed at its deadline, after a later one failed and one succeeded":  # the review of issue 25
            cron["lastSuccessfulTime"] = "2026-11-23T01:10:00Z"
            state.backup_jobs += [
                {**FAILED_JOB, "started": "2026-11-23T00:00:00Z", "finished": "2026-11-23T04:00:00Z",
                 "reason": "DeadlineExceeded", "log": ["[dump] FAILED: the dump of malbork gave no bytes"]},
                {**FAILED_JOB, "name": "ds-enclaveos-backup-1123003000", "started": "2026-11-23T00:30:00Z",
                 "finished": "2026-11-23T00:35:00Z"},
                {"name": "ds-enclaveos-backup-1123010000", "started": "2026-11-23T01:00:00Z",
                 "finished": "2026-11-23T01:10:00Z", "outcome": "complete"}]
        case "failed, pod gone, never succeeded":
            cron["lastSuccessfulTime"] = None
            state.backup_jobs.append({**FAILED_JOB, "log": None})
        case "no release":
            state.release = None
        case "no backup values":
            state.user_values = {}
        case "bad schedule":
            backup["CronSchedule"] = "61 * * * *"
        case "no secret":
            state.secrets.clear()
        case "no secret key":
            state.secrets[SECRET_NAME].pop("AWS_SECRET_ACCESS_KEY")
        case "wrong secret":
            state.secrets[SECRET_NAME]["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
        case "read-only keys":
            state.secrets[SECRET_NAME] = {"AWS_ACCESS_KEY_ID": S3_READONLY_ACCESS_KEY_ID,
                                          "AWS_SECRET_ACCESS_KEY": S3_READONLY_SECRET_ACCESS_KEY}
        case "empty prefix":
            backup["S3Prefix"] = "status-empty"
        case "no cronjob":
            state.cronjob = None
        case _:
            raise AssertionError(change)


Case = tuple[str, datetime, str]
CASES: list[Case] = [
    ("ok", NOW, "OK"),
    ("running now, an old failure", NOW, "OK"),
    *((f"a {what} Job suspended", NOW,
       f"WARNING: the {what} Job ds-enclaveos-{what}-29410000 is suspended (its spec.suspend: by hand, or a queue "
       f"such as Kueue has not admitted it): no {what} runs until it is resumed (kubectl patch job "
       f"ds-enclaveos-{what}-29410000 --namespace prod -p '{{\"spec\":{{\"suspend\":false}}}}')")
      for what in ("backup", "drill")),  # a failure before the last success is no finding
    ("young drill cronjob", NOW, "OK"),  # its first drill is not due yet (see its facts)
    ("status-drill-stale", datetime(2026, 11, 15, 5, 0, tzinfo=timezone.utc), "OK"),  # the drill was 2h ago
    ("drills off", NOW, "OK"),
    # WARNING: the restore drills
    ("no drill cronjob", NOW,
     "WARNING: the drill CronJob ds-enclaveos-drill does not exist: no restore drill is scheduled (upgrade the "
     "release with the post-renderer datashield-backup, or turn drills off: enclaveos-chart.Backup.Drill.Enabled="
     "false)"),
    # The drill that FAILED drilled the newest complete backup, which `latest` takes (the alert is critical too).
    ("status-drill-failed", NOW,
     f"FAILING: the last drill, of the newest complete backup {LATEST_COMPLETE} (which restore --from latest takes) at "
     f"2026-11-23T03:00:00Z, FAILED: {DRILL_FAILURE}"),
    ("status-drill-unreadable", NOW,
     f"WARNING: the last drill record, status-drill-unreadable/{LATEST_COMPLETE}.drill-20261123T040000Z.json, is "
     'unreadable: it names release "dx", not "ds"'),
    ("status-drill-stale", NOW, f"WARNING: no drill has succeeded within {DRILL_PROMISE}"),
    # Issue 25: a --drill-now Job that succeeded after the failed scheduled drill Job is the last success, as a
    # --backup-now Job is for backups; one that succeeded before it is not.
    ("drill-now after a failed drill Job", NOW, "OK"),
    ("drill-now before a failed drill Job", NOW,
     "WARNING: the drill Job ds-enclaveos-drill-29921940 failed at 2026-11-22T03:20:00Z (DeadlineExceeded) without "
     "writing a drill record since the last success at 2026-11-21T09:02:00Z: its log has no FAILED line"),
    ("status-drill-none", NOW, f"WARNING: no drill has succeeded within {DRILL_PROMISE}"),
    # Issue 25: no drill is due of backups that exist only since S3Prefix changed (2026-11-22T04:00), as long as a
    # drill Job succeeded within the promise (the alerts' view, which they share): until the promise has passed
    # since the first backup under the new prefix, or since the last drill Job's success, whichever comes first.
    ("new S3Prefix", NOW, "OK"),  # the facts say since when, and when the next drill runs
    ("new S3Prefix, a week on", datetime(2026, 11, 29, 10, 1, 10, tzinfo=timezone.utc), "OK"),
    ("new S3Prefix, a week on", datetime(2026, 11, 29, 10, 1, 11, tzinfo=timezone.utc),
     f"WARNING: no drill has succeeded within {DRILL_PROMISE}"),  # the last drill Job's success: 7d 7h ago
    ("new S3Prefix, a week on, drilled as it changed", datetime(2026, 11, 29, 11, 0, tzinfo=timezone.utc), "OK"),
    ("new S3Prefix, a week on, drilled as it changed", datetime(2026, 11, 29, 11, 0, 1, tzinfo=timezone.utc),
     f"WARNING: no drill has succeeded within {DRILL_PROMISE}"),  # the first backup under it: 7d 7h ago
    # Issue 25: a young drill CronJob with drills before it was re-created: its old promise still holds.
    ("re-created drill cronjob", NOW, f"WARNING: no drill has succeeded within {DRILL_PROMISE}"),
    # Issue 25: retention deleted the drilled backup and its records; the copies say what the drills proved.
    ("status-drill-retained", NOW, "OK"),
    ("status-drill-copy-failed", NOW, f"WARNING: the last drill, of {GONE} at 2026-11-23T03:00:00Z, FAILED: "
                                      f"{DRILL_FAILURE}"),
    ("status-drill-copy-older", NOW, f"WARNING: no drill has succeeded within {DRILL_PROMISE}"),
    ("status-drill-copy-garbled", NOW, "WARNING: the copy of the last drill's record, status-drill-copy-garbled/prod/"
                                       ".datashield-last-drill-ds.json, is unreadable: the copy is not valid JSON"),
    ("status-drill-copy-foreign", NOW,
     "WARNING: the copy of the last successful drill's record, status-drill-copy-foreign/prod/.datashield-last-"
     f'successful-drill-ds.json, is unreadable: it names backup "other/{GONE}", not a backup of release ds in '
     f"namespace prod; no drill has succeeded within {DRILL_PROMISE}"),
    ("status-drill-copy-said-failed", NOW,
     "WARNING: the copy of the last successful drill's record, status-drill-copy-said-failed/prod/.datashield-last-"
     f"successful-drill-ds.json, is unreadable: it records a FAILED drill; no drill has succeeded within "
     f"{DRILL_PROMISE}"),
    ("status-drill-copy-future", NOW,
     "WARNING: the copy of the last successful drill's record, status-drill-copy-future/prod/.datashield-last-"
     "successful-drill-ds.json, is unreadable: dated 2026-11-24T03:00:00Z, later than this machine's clock allows "
     "(600 s of skew); no drill has succeeded within "
     f"{DRILL_PROMISE}"),
    ("status-drill-copy-no-start", NOW,
     "WARNING: the copy of the last successful drill's record, status-drill-copy-no-start/prod/.datashield-last-"
     "successful-drill-ds.json, is unreadable: it says the drill started at null, not a time as "
     f"yyyy-mm-ddThh:mm:ssZ; no drill has succeeded within {DRILL_PROMISE}"),
    # WARNING
    # Issue 25 §3: what the post-renderer warns of only as an annotation of what it injects.
    ("unreadable database tag", NOW,
     "WARNING: the release's values: enclaveos-chart.Backup.Images.Database.Tag: \"nightly\": is not a CockroachDB "
     "release tag (such as v20.1.17), so whether Format sql works with it was not checked: sql needs cockroach dump, "
     "which dumps data only up to CockroachDB v20.2.x (deprecated in v20.2, schemas only in v21.1, removed in "
     "v21.2)"),
    ("suspended", NOW,
     "WARNING: the CronJob ds-enclaveos-backup is suspended: no backup runs until it is resumed "
     "(enclaveos-chart.Backup.Suspend)"),
    # Issue 25: suspended by hand, the values do not say it (and a helm upgrade undoes it).
    ("suspended by hand", NOW,
     "WARNING: the CronJob ds-enclaveos-backup is suspended by hand (the release's values do not suspend it): no "
     "backup runs until it is resumed (kubectl patch cronjob ds-enclaveos-backup --namespace prod -p "
     "'{\"spec\":{\"suspend\":false}}')"),
    ("drill suspended by hand", NOW,
     "WARNING: the CronJob ds-enclaveos-drill is suspended by hand (the release's values do not suspend it): no "
     "restore drill runs until it is resumed (kubectl patch cronjob ds-enclaveos-drill --namespace prod -p "
     "'{\"spec\":{\"suspend\":false}}')"),
    ("restore mode", NOW,
     "WARNING: the release is in restore mode (enclaveos-chart.Restore.Enabled): its backups are suspended until the "
     "restore ends (run helm datashield-restore ds --chart CHART --from BACKUP again to finish it)"),
    ("failed", NOW,
     "WARNING: the backup Job ds-enclaveos-backup-29400000 failed at 2026-11-23T02:04:00Z (BackoffLimitExceeded) "
     "since the last success at 2026-11-23T00:03:00Z: [upload] FAILED: gave up after 3 tries"),
    ("failed at its deadline, after a later one failed and one succeeded", NOW,
     "WARNING: the backup Job ds-enclaveos-backup-29400000 failed at 2026-11-23T04:00:00Z (DeadlineExceeded) "
     "since the last success at 2026-11-23T01:10:00Z: [dump] FAILED: the dump of malbork gave no bytes"),
    ("failed, pod gone, never succeeded", NOW,
     "WARNING: the backup Job ds-enclaveos-backup-29400000 failed at 2026-11-23T02:04:00Z (BackoffLimitExceeded) "
     "and no backup Job has succeeded yet: its log cannot be read (Job ds-enclaveos-backup-29400000 has no pod "
     "left)"),
    ("ok", datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc),
     "WARNING: " + AGE.format(age="1d 8h", twice="")),
    # FAILING
    ("ok", datetime(2026, 11, 25, 14, 1, tzinfo=timezone.utc),
     "FAILING: " + AGE.format(age="2d 14h 1m", twice="twice ")),
    ("no release", NOW,
     "FAILING: no release ds in namespace prod (helm list; -n NAMESPACE)"),
    ("no backup values", NOW,
     "FAILING: the release's values configure no backups (global.S3.Endpoint, global.S3.Bucket, "
     "global.S3.HmacSecretName): there is no bucket to restore from"),
    ("bad schedule", NOW,
     "FAILING: the release's values: enclaveos-chart.Backup.CronSchedule: \"61 * * * *\": minute 61 is outside 0-59"),
    ("no secret", NOW,
     f"FAILING: Secret {SECRET_NAME} (global.S3.HmacSecretName) does not exist in this namespace"),
    ("no secret key", NOW,
     f"FAILING: Secret {SECRET_NAME} has no AWS_SECRET_ACCESS_KEY: the restore Job could not read the bucket"),
    ("wrong secret", NOW,
     f"FAILING: the bucket is not writable with the keys of Secret {SECRET_NAME}: cannot write "
     f"s3://{BUCKET}/{PREFIX}/prod/.datashield-probe-ds-{PROBE_TOKEN}: SignatureDoesNotMatch: The request signature we "
     "calculated does not match the signature you provided. Check your key and signing method.; the bucket cannot be "
     f"read with the keys of Secret {SECRET_NAME}: cannot list s3://{BUCKET}/{PREFIX}/ds-: SignatureDoesNotMatch: The "
     "request signature we calculated does not match the signature you provided. Check your key and signing method."),
    ("read-only keys", NOW,
     f"FAILING: the bucket is not writable with the keys of Secret {SECRET_NAME}: cannot write "
     f"s3://{BUCKET}/{PREFIX}/prod/.datashield-probe-ds-{PROBE_TOKEN}: AccessDenied: Access Denied."),
    ("empty prefix", NOW,
     f"FAILING: no complete backup in s3://{BUCKET}/status-empty/ (see --list); no drill has succeeded within "
     f"{DRILL_PROMISE}"),
    ("no cronjob", NOW,
     "FAILING: the CronJob ds-enclaveos-backup does not exist: no backup is scheduled (install or upgrade the "
     "release with the post-renderer datashield-backup)"),
    # Issue 25: what makes the restore refuse, whatever the backups, leaves the release unprotected.
    ("pending upgrade", NOW,
     "FAILING: restore would be refused: release ds is pending-upgrade: another helm operation is under way or was "
     "interrupted; settle it first (helm history / helm rollback)"),
    ("no manager deployment", NOW,
     "FAILING: restore would be refused: the manager Deployment ds-enclaveos-manager does not exist in this "
     "namespace"),
]


@pytest.mark.usefixtures("drill_prefixes")
@pytest.mark.parametrize(("change", "now", "line"), [
    pytest.param(c, n, v, id=f"{c}-{v.split(':')[0]}-{n:%dT%H}") for c, n, v in CASES])
def test_each_finding_has_its_verdict_line_and_exit_code(world: World, change: str, now: datetime, line: str) -> None:
    changes(world.state, change)
    code = world.status(now).run("ds")
    shown = world.out.getvalue().splitlines()
    assert shown[-1] == line
    assert code == EXIT_CODES[line.split(":", maxsplit=1)[0]]
    for key in (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_READONLY_SECRET_ACCESS_KEY):
        assert key not in world.out.getvalue()


def test_read_only_no_call_changes_the_cluster(world: World, s3_server: S3Server) -> None:
    """Only reads reach the cluster; the probe is the only write to the bucket, and it is gone."""
    assert world.status(NOW).run("ds") == 0
    assert [call.split(" ")[:3] for call in world.calls()] == [
        ["helm", "list", "--deployed"], ["helm", "get", "values"], ["kubectl", "version", "--output"],
        ["kubectl", "get", "secret"],
        ["kubectl", "get", "cronjob"], ["kubectl", "get", "jobs"],
        ["helm", "get", "manifest"], ["kubectl", "get", "deployment"],  # the manager Deployment is there
        ["kubectl", "get", "pods"],  # the SGX rule: where the manager runs
        ["kubectl", "get", "cronjob"],
        ["kubectl", "get", "jobs"]]  # the drill CronJob's Jobs (one that failed without a record)
    assert s3_client(s3_server).list_objects_v2(Bucket=BUCKET, Prefix=PROBE).get("KeyCount") == 0


def test_a_probe_that_cannot_be_deleted_is_a_warning_and_never_a_backup(world: World, s3_server: S3Server) -> None:
    """The store answers 503 to the probe's DELETE (a real S3 server behind a proxy): the probe stays,
    the verdict says where; no listing of the release's backups counts it."""
    proxy = FaultyProxy(s3_server.endpoint, "unavailable", (PROBE.rsplit("/", 1)[1],), methods=("DELETE",))
    world.s3_endpoint = proxy.url
    s3 = s3_client(s3_server)
    try:
        assert world.status(NOW).run("ds") == 6
        assert world.out.getvalue().splitlines()[-1] == (
            f"WARNING: the probe object could not be deleted (cannot delete s3://{BUCKET}/{PROBE}: ServiceUnavailable: "
            f"refused by the faulty proxy): delete s3://{BUCKET}/{PROBE} yourself")
        listed = {item["Key"]: item["Size"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX)["Contents"]}
        assert PROBE in listed
        names = [backup.name for backup in catalog("ds", "prod", PREFIX, listed, {})]
        assert names and not [name for name in names if "probe" in name]
    finally:
        proxy.stop()
        s3.delete_object(Bucket=BUCKET, Key=PROBE)


def test_backups_of_two_database_clusters_are_failing(world: World, s3_server: S3Server) -> None:
    """`latest` refuses to choose between two clusters' backups, and so does the restore preflight: FAILING; the
    age is the newest one's."""
    prefix = "status-two-clusters"
    put_cluster_backups(s3_server, prefix, ["prod/ds-20261122T000000Z-aaa.sql", "prod/ds-20261123T000000Z-bbb.sql"])
    world.state.user_values["enclaveos-chart"]["Backup"]["S3Prefix"] = prefix
    no_drill_promised_yet(world.state)  # the one finding is ours
    assert world.status(NOW, json_mode=True).run("ds") == 7
    report = json.loads(world.out.getvalue())
    assert [f["message"] for f in report["findings"]] == [
        f"restore --from latest would be refused: backups from more than one database cluster in s3://{BUCKET}/"
        f"{prefix}/: aaa (newest prod/ds-20261122T000000Z-aaa.sql); bbb (newest prod/ds-20261123T000000Z-bbb.sql): "
        "name the one to restore (--from), or give each cluster its own S3Prefix"]
    assert report["newestBackup"]["name"] == "prod/ds-20261123T000000Z-bbb.sql"


def test_json_is_one_object_with_every_fact(world: World) -> None:
    world.state.backup_jobs.append(dict(FAILED_JOB))
    assert world.status(NOW, json_mode=True).run("ds") == 6
    report = json.loads(world.out.getvalue())
    assert {key: report[key] for key in ("release", "namespace", "checked", "verdict", "exitCode")} == {
        "release": "ds", "namespace": "prod", "checked": "2026-11-23T05:00:00Z", "verdict": "WARNING", "exitCode": 6}
    assert report["findings"] == [{"severity": "WARNING", "message": (
        "the backup Job ds-enclaveos-backup-29400000 failed at 2026-11-23T02:04:00Z (BackoffLimitExceeded) since the "
        "last success at 2026-11-23T00:03:00Z: [upload] FAILED: gave up after 3 tries")}]
    assert report["helmRelease"] == {"chart": "enclave-manager-0.1.0", "revision": 3, "status": "deployed"}
    assert report["configuration"] == {"bucket": WHERE, "endpoint": world.state.user_values["global"]["S3"]["Endpoint"],
                                       "schedule": "0 0 * * *", "timeZone": "UTC", "secret": SECRET_NAME}
    assert report["kubernetes"] == {"server": "v1.31.0"}  # the cluster model's API server (tests/fake_cluster.py)
    assert report["secret"] == {"name": SECRET_NAME, "keys": "both present"}
    assert report["bucket"] == {"where": WHERE, "readable": True, "backups": 8, "writable": True}
    assert report["cronjob"] == {
        "name": "ds-enclaveos-backup", "schedule": "0 0 * * *", "timeZone": "UTC", "suspended": False,
        "lastSchedule": "2026-11-23T00:00:00Z", "lastSuccess": "2026-11-23T00:03:00Z", "running": [],
        "nextRun": "2026-11-24T00:00:00Z", "lastFailedJob": "ds-enclaveos-backup-29400000"}
    seconds = report["newestBackup"]["verifiedSeconds"]  # what reading it back took (its bytes: the dump's 64)
    assert isinstance(seconds, float) and 0 <= seconds < 60
    assert report["newestBackup"] == {"name": LATEST_COMPLETE, "created": "2026-11-23T00:00:00Z", "age": "5h",
                                      "ageSeconds": 18000, "verified": True, "verifiedBytes": 64,
                                      "verifiedIn": f"{seconds} s", "verifiedSeconds": seconds,
                                      "promised": "1d 7h", "promisedSeconds": 111600}
    assert report["drills"] == {"enabled": True, "schedule": "0 3 * * 0", "timeZone": "UTC",
                                "cronjob": "ds-enclaveos-drill", "cronjobCreated": "2026-11-01T12:00:00Z",
                                "suspended": False, "promised": "7d 7h", "promisedSeconds": 630000}
    assert report["lastDrill"] == {"backup": LATEST_COMPLETE, "time": "2026-11-23T03:00:04Z", "age": "1h 59m 56s",
                                   "ageSeconds": 7196, "verdict": "OK", "reason": None}


@pytest.mark.usefixtures("drill_prefixes")
def test_the_last_drill_is_shown_over_all_backups_and_a_young_drill_cronjob_says_when_its_first_is_due(
        world: World) -> None:
    changes(world.state, "status-drill-failed")  # the last drill FAILED, an older one of another backup was OK
    assert world.status(NOW).run("ds") == 7  # it drilled the newest complete backup
    assert world.out.getvalue().splitlines()[-3:-1] == [
        "  drills        enabled yes, schedule 0 3 * * 0, timeZone UTC, cronjob ds-enclaveos-drill, cronjobCreated "
        "2026-11-01T12:00:00Z, suspended no, promised 7d 7h",
        f"  lastDrill     backup {LATEST_COMPLETE}, time 2026-11-23T03:00:00Z, age 2h, verdict FAILED, reason "
        f"{DRILL_FAILURE}"]
    world.out.truncate(0)
    world.out.seek(0)
    changes(world.state, "young drill cronjob")  # made 2026-11-20T10:00, its prefix's first backup 2026-11-23
    assert world.status(NOW, json_mode=True).run("ds") == 0
    report = json.loads(world.out.getvalue())
    assert (report["drills"]["promisedFrom"], report["drills"]["firstDrillDue"], report["lastDrill"]) == (
        "2026-11-23T00:00:00Z", "2026-11-29T03:00:00Z", {"verdict": "none"})


@pytest.mark.usefixtures("drill_prefixes")
def test_a_new_prefix_says_since_when_its_first_drill_is_awaited(world: World) -> None:
    """Issue 25: S3Prefix changed; no drill of its backups is due yet: the drills' facts say since when (the first
    backup under it) and when the next drill runs."""
    changes(world.state, "new S3Prefix")
    assert world.status(NOW).run("ds") == 0
    assert world.out.getvalue().splitlines()[-3:] == [
        "  drills        enabled yes, schedule 0 3 * * 0, timeZone UTC, cronjob ds-enclaveos-drill, cronjobCreated "
        "2026-11-01T12:00:00Z, suspended no, promised 7d 7h, promisedFrom 2026-11-22T04:00:00Z, firstDrillDue "
        "2026-11-29T03:00:00Z",
        "  lastDrill     verdict none", "OK"]


def test_the_next_run_is_computed_in_the_cronjob_time_zone(world: World) -> None:
    assert world.state.cronjob is not None
    world.state.cronjob.update(schedule="30 2 * * 1-5", timeZone="America/New_York")
    world.status(datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc), json_mode=True).run("ds")  # a Friday
    assert json.loads(world.out.getvalue())["cronjob"]["nextRun"] == "2026-11-30T07:30:00Z"  # Monday 02:30 EST


def test_the_executable_prints_the_verdict_and_exits_with_its_code(world: World, tmp_path: Path) -> None:
    """The real `datashield-restore --status` as Helm runs it: the wall clock is this machine's, so
    the bucket's newest backup (2026-11-23) is as old as it is now; the CronJob is missing."""
    world.state.cronjob = None
    done = restore_cli(world, tmp_path, "ds", "--status")
    assert (done.returncode, done.stderr) == (7, "")
    assert done.stdout.splitlines()[0].startswith("status of release ds in namespace prod at ")
    assert done.stdout.splitlines()[-1].startswith(
        "FAILING: the CronJob ds-enclaveos-backup does not exist: no backup is scheduled")
    calls = [argv for argv in world.state.calls if argv[1] not in ("version", "show", "template")]
    assert calls and all("prod" in argv and "ops-cluster" in argv for argv in calls)
    assert not [argv for argv in world.state.calls if argv[1] in ("upgrade", "create", "delete", "patch")]
    for key in (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY):
        assert key not in done.stdout + done.stderr


@pytest.mark.parametrize("cronjobs_say", [True, False], ids=["as-the-cronjobs-carry-them", "from-the-values"])
def test_the_promises_take_the_jobs_deadlines_of_the_values(world: World, cronjobs_say: bool) -> None:
    """Backup.ActiveDeadlineSeconds and Backup.Drill.ActiveDeadlineSeconds, from the values, whatever the CronJobs
    carry (the post-renderer renders them from the values; one that does not say was edited: a finding)."""
    world.state.user_values["enclaveos-chart"]["Backup"].update(ActiveDeadlineSeconds=43200,
                                                                Drill={"ActiveDeadlineSeconds": 28800})
    for cronjob, deadline in ((world.state.cronjob, 43200), (world.state.drill_cronjob, 28800)):
        assert cronjob is not None
        cronjob["activeDeadlineSeconds"] = deadline if cronjobs_say else None
    assert world.status(NOW, json_mode=True).run("ds") == (0 if cronjobs_say else 6)
    report = json.loads(world.out.getvalue())
    assert [f["message"] for f in report["findings"]] == ([] if cronjobs_say else [
        f"the CronJob ds-enclaveos-{what} differs from what the release's values render (activeDeadlineSeconds -, "
        f"the values' {deadline}): edited by hand? A helm upgrade puts the values' back; the promise is the values'"
        for what, deadline in (("backup", 43200), ("drill", 28800))])
    # 1 d between backups + 1 h to start + 12 h to run; 7 d between drills + 1 h + 8 h.
    assert (report["newestBackup"]["promised"], report["newestBackup"]["promisedSeconds"]) == ("1d 13h", 133200)
    assert (report["drills"]["promised"], report["drills"]["promisedSeconds"]) == ("7d 9h", 637200)


# Issue 25: a drill Job that failed without writing a record (killed, evicted, past its deadline, its record's upload
# refused) left the records saying OK. (started, finished, reason, log) of the drill Job, and the verdict line; the
# newest drill record (tests/restore/conftest.py DRILLS) is dated 2026-11-23T03:00:04Z, OK, and the drill CronJob's
# last success is 2026-11-22T03:01:10Z.
DRILL_JOB_CASES = [
    pytest.param("2026-11-23T04:00:00Z", "2026-11-23T04:20:00Z", "DeadlineExceeded", ["[pick] drilling s3://b/k"],
                 "WARNING: the drill Job ds-enclaveos-drill-29401440 failed at 2026-11-23T04:20:00Z (DeadlineExceeded) "
                 "without writing a drill record since the last success at 2026-11-22T03:01:10Z: its log has no FAILED "
                 "line", id="past-its-deadline-after-the-newest-record"),
    pytest.param("2026-11-23T04:00:00Z", "2026-11-23T04:02:00Z", "BackoffLimitExceeded",
                 ["[record] FAILED: cannot write s3://b/k.drill-20261123T040100Z.json: AccessDenied"],
                 "WARNING: the drill Job ds-enclaveos-drill-29401440 failed at 2026-11-23T04:02:00Z "
                 "(BackoffLimitExceeded) without writing a drill record since the last success at "
                 "2026-11-22T03:01:10Z: [record] FAILED: cannot write s3://b/k.drill-20261123T040100Z.json: "
                 "AccessDenied", id="its-record-refused"),
    # The newest record, OK, is its own: it failed after writing it (the record's copies, drills.copy_keys).
    pytest.param("2026-11-23T03:00:00Z", "2026-11-23T03:01:00Z", "BackoffLimitExceeded",
                 ["[record] FAILED: upload to s3://b/prod/.datashield-last-drill-ds.json failed: AccessDenied"],
                 "WARNING: the drill Job ds-enclaveos-drill-29401440 failed at 2026-11-23T03:01:00Z "
                 "(BackoffLimitExceeded) after its drill record said OK since the last success at "
                 "2026-11-22T03:01:10Z: [record] FAILED: upload to s3://b/prod/.datashield-last-drill-ds.json failed: "
                 "AccessDenied",
                 id="it-wrote-the-newest-record-OK"),
    pytest.param("2026-11-22T02:00:00Z", "2026-11-22T02:10:00Z", "DeadlineExceeded", [],
                 "OK", id="before-the-last-success"),
]


@pytest.mark.parametrize(("started", "finished", "reason", "log", "line"), DRILL_JOB_CASES)
def test_a_drill_job_that_failed_without_a_record_is_a_warning(world: World, started: str, finished: str,
                                                                reason: str, log: list[str], line: str) -> None:
    world.state.backup_jobs.append({"name": "ds-enclaveos-drill-29401440", "component": "drill", "started": started,
                                    "finished": finished, "outcome": "failed", "reason": reason, "log": log})
    code = world.status(NOW).run("ds")
    assert world.out.getvalue().splitlines()[-1] == line
    assert code == EXIT_CODES[line.split(":", maxsplit=1)[0]]


def test_a_failed_drill_jobs_reason_comes_from_its_newest_pod(world: World) -> None:
    """A drill Job may have several pods: the drill CronJob's podFailurePolicy ignores one whose backup was deleted
    while it was drilled (record.sh REDRILL_EXIT) and the Job starts another. Its reason is the newest pod's, not
    what `kubectl logs job/NAME` reads, the older of two ended pods (cluster._newest_pod)."""
    case = next(case for case in DRILL_JOB_CASES if case.id == "its-record-refused")
    started, finished, reason, log, line = case.values
    world.state.backup_jobs.append({"name": "ds-enclaveos-drill-29401440", "component": "drill", "started": started,
                                    "finished": finished, "outcome": "failed", "reason": reason, "log": log,
                                    "ignored_logs": [[f"[record] {IGNORED_POD_LINE}"]]})
    code = world.status(NOW).run("ds")
    assert world.out.getvalue().splitlines()[-1] == line
    assert code == EXIT_CODES["WARNING"]


def put_backups(s3: Any, prefix: str, backup_format: str) -> None:
    """Two complete backups under `prefix`, the newest LATEST_COMPLETE's time, in `backup_format`: a native one a
    folder of one file, summed as the upload step sums it (objectstore.digest)."""
    put_drilled(s3, prefix, {"ds-20261122T000000Z.sql": [], LATEST_COMPLETE: []})
    if backup_format != "native":
        return
    for name in ("ds-20261122T000000Z", LATEST_COMPLETE.removesuffix(".sql")):
        old = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{prefix}/{name}.sql.json")["Body"].read())
        data = f"-- native {name}\n".encode()
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{name}.native/2026/data.sst", Body=data)
        digest = hashlib.sha256(f"{hashlib.sha256(data).hexdigest()}  ./2026/data.sst\n".encode()).hexdigest()
        meta = {**old, "format": "native", "object": f"{prefix}/{name}.native", "size": len(data), "sha256": digest}
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{name}.native.json", Body=json.dumps(meta, indent=2).encode())
        s3.delete_object(Bucket=BUCKET, Key=f"{prefix}/{name}.sql")
        s3.delete_object(Bucket=BUCKET, Key=f"{prefix}/{name}.sql.json")


def test_a_native_newest_backup_where_backup_format_is_sql_is_failing(world: World, s3_server: S3Server) -> None:
    """The restore preflight refuses it (plan.format_reasons: the sql release's restore Job cannot load it)."""
    put_backups(s3_client(s3_server), "status-native-in-sql", "native")
    world.state.user_values["enclaveos-chart"]["Backup"]["S3Prefix"] = "status-native-in-sql"
    no_drill_promised_yet(world.state)  # the one finding is ours
    assert world.status(NOW).run("ds") == 7
    newest = LATEST_COMPLETE.replace(".sql", ".native")
    assert world.out.getvalue().splitlines()[-1] == (
        f"FAILING: restore --from latest would be refused: backup {newest} is a native backup (CockroachDB's BACKUP) "
        "and the release's Backup.Format is sql, whose restore Job cannot load it: set "
        "enclaveos-chart.Backup.Format=native, with a database image of v21.1.14+, v21.2.3+ or v22.1+ (helm "
        "upgrade), then restore")


@pytest.mark.parametrize("backup_format", ["sql", "native"])
def test_a_newest_backup_damaged_after_it_was_written_is_failing(world: World, s3_server: S3Server,
                                                                 backup_format: str) -> None:
    """Issue 25: same size, other bytes: the listing sees nothing, `latest` takes it, and the restore Job refuses
    it. --status reads it back as --list --verify does."""
    prefix, s3 = f"status-damaged-{backup_format}", s3_client(s3_server)
    put_backups(s3, prefix, backup_format)
    newest = f"{LATEST_COMPLETE.removesuffix('.sql')}.{backup_format}"
    key = f"{prefix}/{newest}" + ("/2026/data.sst" if backup_format == "native" else "")
    data = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    s3.put_object(Bucket=BUCKET, Key=key, Body=data.upper())  # the same size
    world.state.user_values["enclaveos-chart"]["Backup"].update(S3Prefix=prefix, Format=backup_format)
    if backup_format == "native":
        world.state.user_values["enclaveos-chart"]["Backup"]["Images"] = {"Database": {"Tag": "v22.1.0"}}
    no_drill_promised_yet(world.state)  # the one finding is ours
    assert world.status(NOW, json_mode=True).run("ds") == 7
    report = json.loads(world.out.getvalue())
    # A native release runs a database image whose programs the plugin does not know (values/images.py): the
    # post-renderer's warning, which --status says too.
    unknown_image = [] if backup_format == "sql" else [
        "the release's values: enclaveos-chart.Backup.Images.Database.Tag: \"v22.1.0\": the programs on the PATH of "
        "cockroachdb/cockroach:v22.1.0 are not known to this plugin (it knows the tags v20.1.0 to v20.1.x of "
        "cockroachdb/cockroach), so whether it has every program the pods' scripts call was not checked "
        "(docs/images.md)"]
    assert [f["message"] for f in report["findings"]] == [*unknown_image,
        f"the newest complete backup {newest} is DAMAGED (its SHA-256 differs from its metadata's): restore --from "
        f"latest takes it and the restore Job refuses it; the newest complete backup before it is "
        f"ds-20261122T000000Z.{backup_format}"]
    assert report["newestBackup"]["verified"] is False



# Issue 25: the promise came from the live CronJob, so a hand edit to a yearly schedule made a three-day-old backup of a
# daily release look on time ("promised 366d"). (the CronJob, its change, the verdict line)
DRIFT_FINDING = ("the CronJob ds-enclaveos-{what} differs from what the release's values render ({how}): edited by "
                 "hand? A helm upgrade puts the values' back; the promise is the values'")


@pytest.mark.parametrize(("what", "change", "how"), [
    ("backup", {"schedule": "0 0 1 1 *"}, "schedule '0 0 1 1 *', the values' '0 0 * * *'"),
    ("backup", {"timeZone": "Pacific/Kiritimati"}, "timeZone Pacific/Kiritimati, the values' UTC"),
    ("backup", {"timeZone": None}, "timeZone (none: the controller's own), the values' UTC"),
    ("backup", {"startingDeadlineSeconds": 86400}, "startingDeadlineSeconds 86400, the values' 3600"),
    ("drill", {"schedule": "0 3 1 * *"}, "schedule '0 3 1 * *', the values' '0 3 * * 0'"),
    # What the post-renderer sets whatever the values (renderer/values/cronjob_spec.py): no failed Job kept hides
    # every failure from --status and the alerts.
    ("backup", {"failedJobsHistoryLimit": 0}, "failedJobsHistoryLimit 0, the values' 3"),
    ("drill", {"failedJobsHistoryLimit": 0}, "failedJobsHistoryLimit 0, the values' 3"),
    ("backup", {"concurrencyPolicy": "Allow"}, "concurrencyPolicy Allow, the values' Forbid"),
    ("drill", {"successfulJobsHistoryLimit": None}, "successfulJobsHistoryLimit -, the values' 3"),
    # The Job template's fields the post-renderer never sets (values/cronjob_spec.UNSET_JOB_SPEC): a TTL deletes a
    # failed Job within a minute, as failedJobsHistoryLimit 0 does; suspend holds every run (the review of issue 25).
    ("backup", {"jobSpec": {"ttlSecondsAfterFinished": 60}},
     "jobTemplate.spec.ttlSecondsAfterFinished 60, the values' -"),
    ("drill", {"jobSpec": {"suspend": True}}, "jobTemplate.spec.suspend yes, the values' -"),
    ("drill", {"jobSpec": {"ttlSecondsAfterFinished": 0}},  # deletes every finished Job at once: 0 is set
     "jobTemplate.spec.ttlSecondsAfterFinished 0, the values' -"),
])
def test_a_cronjob_edited_by_hand_is_a_finding_and_the_promise_stays_the_values(
        world: World, what: str, change: dict[str, Any], how: str) -> None:
    cronjob = world.state.cronjob if what == "backup" else world.state.drill_cronjob
    assert cronjob is not None
    cronjob.update(change)
    three_days = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)  # the newest backup is 3 days old
    world.status(three_days, json_mode=True).run("ds")
    report = json.loads(world.out.getvalue())
    messages = [f["message"] for f in report["findings"]]
    assert DRIFT_FINDING.format(what=what, how=how) in messages
    assert report["newestBackup"]["promised"] == "1d 7h"
    assert report["verdict"] == "FAILING"  # 3 days is more than twice the values' promise, whatever the CronJob says


# Issue 25: `restore --from latest` would be refused by the preflight's SGX rule, and --status said OK. A manager
# moved to other SGX nodes is routine: the line says how to get a backup that records them.
RENEW = ("; a new backup records the nodes the manager runs on now: helm datashield-restore ds --namespace prod "
         "--backup-now, or the next run at 2026-11-24T00:00:00Z")


@pytest.mark.parametrize(("nodes", "manager_nodes", "line"), [
    (None, ["sgx-1", "sgx-2"],
     "FAILING: restore --from latest would be refused: backup {name} does not say which nodes ran the manager "
     "(manager pods: Forbidden), so the SGX same-hardware rule cannot be checked (to restore anyway, knowing the "
     f"data may be unreadable: --unsafe-ignore-sgx-nodes){RENEW}"),
    ([], ["sgx-1"],
     "FAILING: restore --from latest would be refused: backup {name} does not say which nodes ran the manager "
     "(no manager pod ran when it was taken), so the SGX same-hardware rule cannot be checked (to restore anyway, "
     f"knowing the data may be unreadable: --unsafe-ignore-sgx-nodes){RENEW}"),
    (["sgx-1", "sgx-2"], ["sgx-3"],
     "FAILING: restore --from latest would be refused: the manager runs on sgx-3, which did not run it when {name} "
     "was taken (it ran on sgx-1, sgx-2): the data is sealed to those nodes' SGX hardware and cannot be read "
     "elsewhere; move the manager to them first (to restore anyway, knowing the data may be unreadable: "
     f"--unsafe-ignore-sgx-nodes){RENEW}"),
    (["sgx-1", "sgx-2"], ["sgx-2"], "OK"),
], ids=["nodes-not-recorded", "no-manager-pod-then", "manager-moved", "same-nodes"])
def test_a_newest_backup_that_the_sgx_rule_refuses_is_failing(world: World, s3_server: S3Server,
                                                               nodes: list[str] | None, manager_nodes: list[str],
                                                               line: str) -> None:
    prefix = f"status-sgx-{'none' if nodes is None else len(nodes)}-{manager_nodes[0]}"
    s3, name = s3_client(s3_server), LATEST_COMPLETE
    data = f"-- dump {name}\n".encode()
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{name}", Body=data)
    meta = {**metadata(name, data, nodes), "object": f"{prefix}/{name}"}
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{name}.json", Body=json.dumps(meta, indent=2).encode())
    world.state.user_values["enclaveos-chart"]["Backup"]["S3Prefix"] = prefix
    assert world.state.manager is not None
    world.state.manager.update(nodes=manager_nodes, replicas=len(manager_nodes))
    no_drill_promised_yet(world.state)  # the one finding is ours
    code = world.status(NOW).run("ds")
    assert world.out.getvalue().splitlines()[-1] == line.format(name=name)
    assert code == EXIT_CODES[line.split(":", maxsplit=1)[0]]


FAILED_DRILL = (f"the last drill, of the newest complete backup {LATEST_COMPLETE} (which restore --from latest takes) "
                f"at 2026-11-23T03:00:00Z, FAILED: {DRILL_FAILURE}")


# Which drill Job wrote the newest record (dated 2026-11-23T03:00:00Z, FAILED): the one whose pod it names, or, for a
# record naming no pod, one that started no later than the record's time plus the 10 min a node's clock may be
# behind the API server's (issue 25: a slow node clock made a Job that wrote its record look as if it had not).
@pytest.mark.usefixtures("drill_prefixes")
@pytest.mark.parametrize(("prefix", "started", "line"), [
    pytest.param("status-drill-failed", "2026-11-23T02:59:00Z", f"FAILING: {FAILED_DRILL}",
                 id="no-pod-dated-after-the-start"),
    pytest.param("status-drill-failed", "2026-11-23T03:05:00Z", f"FAILING: {FAILED_DRILL}",
                 id="no-pod-node-clock-5m-behind"),
    pytest.param("status-drill-failed-pod", "2026-11-23T03:30:00Z", f"FAILING: {FAILED_DRILL}",
                 id="its-pod-node-clock-30m-behind"),
    pytest.param("status-drill-failed-other-pod", "2026-11-23T02:59:00Z",
                 f"FAILING: {FAILED_DRILL}; the drill Job ds-enclaveos-drill-29401440 failed at 2026-11-23T03:35:00Z "
                 "(PodFailurePolicy) without writing a drill record since the last success at 2026-11-22T03:01:10Z: "
                 "[pick] FAILED: killed", id="another-jobs-pod"),
])
def test_a_drill_job_whose_own_record_says_failed_is_that_one_finding(world: World, prefix: str, started: str,
                                                                      line: str) -> None:
    """The drill Job's failure is its drill's FAILED verdict, which its own record says."""
    changes(world.state, prefix)
    world.state.backup_jobs.append({"name": "ds-enclaveos-drill-29401440", "component": "drill",
                                    "started": started, "finished": "2026-11-23T03:35:00Z", "outcome": "failed",
                                    "reason": "PodFailurePolicy", "log": ["[pick] FAILED: killed"]})
    world.status(NOW).run("ds")
    assert world.out.getvalue().splitlines()[-1] == line


def test_a_newest_backup_deleted_as_it_is_read_back_says_so(world: World, s3_server: S3Server,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A backup's retention (Retention 1) deletes the newest backup as --status reads it back: data, then metadata,
    as upload.sh delete_pair does. The read fails, and the line says why (a newer backup is complete), not a
    damaged or unreadable backup."""
    prefix, s3 = "status-deleted-while-read", s3_client(s3_server)
    put_backups(s3, prefix, "sql")
    world.state.user_values["enclaveos-chart"]["Backup"]["S3Prefix"] = prefix
    no_drill_promised_yet(world.state)  # the one finding is ours
    read_back = ObjectStore.digest

    def retention_first(store: ObjectStore, keys: list[str]) -> str:
        for key in (keys[0], f"{keys[0]}.json"):
            s3.delete_object(Bucket=BUCKET, Key=key)
        return read_back(store, keys)

    monkeypatch.setattr(ObjectStore, "digest", retention_first)
    world.status(NOW).run("ds")
    assert world.out.getvalue().splitlines()[-1] == (
        f"WARNING: the newest complete backup {LATEST_COMPLETE} cannot be read back to check it: it was deleted while "
        "--status read it (a backup's retention: a newer backup is complete); run --status again")

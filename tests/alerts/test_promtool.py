"""alerts: the rendered PrometheusRule, checked and unit-tested by the real promtool (Debian's
`prometheus` package, scripts/install-services).

For an hourly, a daily (in a DST zone) and a monthly backup schedule, each with the default weekly
drill schedule (Sunday 03:00 in the same zone), the post-renderer renders the rule; its groups go to
a rules file for `promtool check rules`, and `promtool test rules` runs a table of cases for each
CronJob (backup, drill): kube-state-metrics' series (a sample every 5 minutes: Prometheus' default
lookback) and, at each check time, the exact set of alerts of the release that must fire. Every
other alert of the release, of both CronJobs, must not: a check lists them all. Thresholds are the
expected ones, written out here: the schedule's longest gap + StartingDeadlineSeconds (3600) + the
Job's activeDeadlineSeconds (21600, the default of Backup.ActiveDeadlineSeconds and
Backup.Drill.ActiveDeadlineSeconds).

Job series are kube-state-metrics' of v2.14.0 and later (internal/store/job.go): a Job reports
`kube_job_status_failed` without a reason (its failed tries, 0 too) until its Failed condition; then,
for a reason in kube-state-metrics' list (BackoffLimitExceeded, DeadlineExceeded, Evicted), one series
per listed reason (1 for its own, 0 for the others) and none without a reason; for a reason outside the
list (PodFailurePolicy: the backup's KEPT_EXIT), the listed ones at 0 and the one without a reason
holding its failed tries. `kube_job_failed{condition}` exists from the Failed condition on.

Two clusters (`Alerts.ClusterLabels: [cluster]`, the daily schedule again): each case's series are those
of cluster `us`, with its release's manager Deployment (`kube_deployment_created`) unless the case gives
its own, beside cluster `eu`'s healthy release, as a central ruler holds them; the same alerts must fire,
labelled `cluster: us`, and none of `eu`'s.

kubernetes-validate cannot validate a PrometheusRule (a CRD: no schema of it ships with Kubernetes),
so `test_rule_structure` checks the object's structure itself.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from tests.conftest import run_postrenderer

PROMTOOL = Path("/usr/bin/promtool")
INPUT = Path(__file__).parent.parent / "golden" / "backup" / "in.yaml"  # release ds, namespace prod
NAMESPACE = "prod"
BACKUP, DRILL = "ds-enclaveos-backup", "ds-enclaveos-drill"
MANAGER = "ds-enclaveos-manager"
CLUSTER, OTHER_CLUSTER = "us", "eu"  # with Alerts.ClusterLabels [cluster]: the cluster judged, a healthy one
CLUSTERS = {"ClusterLabels": ["cluster"]}
PREFIX = {BACKUP: "Backup", DRILL: "RestoreDrill"}
COMMON = ("Stale", "NeverSucceeded", "Suspended", "CronJobAbsent", "Failed")
KINDS = {BACKUP: (*COMMON, "RetentionFailed"), DRILL: COMMON}  # each CronJob's alerts: <prefix><kind>
FOR = 900  # the default Alerts.For, 15m
DEADLINES = 3600 + 21600
WEEK = 7 * 86400
OLD = -10**8  # a last success long before any threshold
# The backup schedule, its zone, the thresholds of the backup's and the (weekly) drill's alerts, and whether
# the series are of two clusters (Alerts.ClusterLabels).
DAILY_BERLIN = {BACKUP: 25 * 3600 + DEADLINES, DRILL: WEEK + 3600 + DEADLINES}
SCHEDULES = [
    pytest.param("0 * * * *", "UTC", {BACKUP: 3600 + DEADLINES, DRILL: WEEK + DEADLINES}, False, id="hourly"),
    # 25 h across the DST end; the weekly drill's Sunday 03:00 comes 1 h later that week
    pytest.param("0 0 * * *", "Europe/Berlin", DAILY_BERLIN, False, id="daily-Berlin"),
    pytest.param("0 0 1 * *", "UTC", {BACKUP: 31 * 86400 + DEADLINES, DRILL: WEEK + DEADLINES}, False, id="monthly"),
    pytest.param("0 0 * * *", "Europe/Berlin", DAILY_BERLIN, True, id="daily-Berlin-two-clusters"),
]

pytestmark = pytest.mark.skipif(not PROMTOOL.exists(), reason="promtool missing: run scripts/install-services")

class Clock(NamedTuple):
    """Samples every `step` seconds (and the rules evaluated at each sample) from 0 to `until`."""

    until: int
    step: int


def step_of(threshold: int) -> int:
    """The samples' and evaluations' interval for a threshold: 5 minutes (Prometheus' default lookback),
    or longer for long thresholds, at most 100 to a threshold: promtool evaluates every rule at each step
    from 0, and each reads a window of a threshold. Equal and aligned, each evaluation sees the sample
    of its own time, whatever the lookback; with a step longer than `for:`, an alert fires at the second
    evaluation that finds its condition."""
    return max(300, -(-threshold // 100 // 300) * 300)


Value = int | str | None  # a sample's value; NOW: the sample's own time (a success at each sample); None: none
NOW = "now"
Changes = list[tuple[int, Value]]  # (from this time on, this value), in order of time


def rendered_rule(tmp_path: Path, schedule: str, zone: str, alerts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The PrometheusRule the post-renderer adds for `schedule` in `zone`, with the Alerts values `alerts`."""
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"enclaveos-chart": {"Backup": {
        "CronSchedule": schedule, "TimeZone": zone, "Alerts": {"Enabled": True, **(alerts or {})}}}}))
    result = run_postrenderer(INPUT.read_text(encoding="utf-8"), "--values", str(values))
    assert (result.returncode, result.stderr) == (0, "")
    rules = [d for d in yaml.safe_load_all(result.stdout) if d and d.get("kind") == "PrometheusRule"]
    assert len(rules) == 1
    rule: dict[str, Any] = rules[0]
    return rule


def samples(changes: Changes, clock: Clock) -> str:
    """promtool's notation of a series sampled at each step of `clock`, taking each value of
    `changes` from its time on (nothing before the first): `vxN` is N+1 samples, `_xN` N missing ones,
    `a+bxN` N+1 samples rising by b."""
    runs: list[tuple[Value, int, int]] = []  # value, first sample's time, samples
    for index in range(clock.until // clock.step + 1):
        at = index * clock.step
        value = next((v for t, v in reversed(changes) if t <= at), None)
        if runs and runs[-1][0] == value:
            runs[-1] = (value, runs[-1][1], runs[-1][2] + 1)
        else:
            runs.append((value, at, 1))
    return " ".join("_" if v is None and n == 1 else f"_x{n}" if v is None
                    else f"{start}+{clock.step}x{n - 1}" if v == NOW else f"{v}x{n - 1}" for v, start, n in runs)


def series(name: str, labels: dict[str, str], changes: Changes, clock: Clock) -> dict[str, str]:
    shown = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{name}{{{shown}}}", "values": samples(changes, clock)}


def cronjob(name: str, clock: Clock, *, created: Changes | None = None, succeeded: Changes | None = None,
            suspended: Changes | None = None, namespace: str = NAMESPACE) -> list[dict[str, str]]:
    """kube-state-metrics' series of the CronJob `name`: created at 0, a success at each sample, not
    suspended, unless told otherwise."""
    labels = {"namespace": namespace, "cronjob": name}
    return [series("kube_cronjob_created", labels, [(0, 0)] if created is None else created, clock),
            series("kube_cronjob_status_last_successful_time", labels,
                   [(0, NOW)] if succeeded is None else succeeded, clock),
            series("kube_cronjob_spec_suspend", labels, [(0, 0)] if suspended is None else suspended, clock)]


def manager(clock: Clock, changes: Changes | None = None) -> dict[str, str]:
    """kube-state-metrics' series of the release's manager Deployment: from 0 on, unless told otherwise."""
    return series("kube_deployment_created", {"namespace": NAMESPACE, "deployment": MANAGER},
                  [(0, 0)] if changes is None else changes, clock)


def in_cluster(inputs: list[dict[str, str]], cluster: str) -> list[dict[str, str]]:
    """`inputs` with the label cluster="`cluster`" (a series that names its cluster keeps it), as a central
    ruler holds them: each cluster's Prometheus adds its external label."""
    out = []
    for one in inputs:
        metric, labels = one["series"].split("{", 1)
        named = f'cluster="{cluster}"' + (", " if labels != "}" else "")
        out.append(one if labels.startswith("cluster=") else {**one, "series": f"{metric}{{{named}{labels}"})
    return out


LISTED = ("BackoffLimitExceeded", "DeadlineExceeded", "Evicted")


def job(name: str, owner: str | None, created: int, clock: Clock, *, ended: int | None = None,
        reason: str | None = None, tried: int | None = None, deleted: int | None = None) -> list[dict[str, str]]:
    """kube-state-metrics' series of one Job owned by the CronJob `owner` (None: by nothing, the first
    backup's Job), from `created` until `deleted`: a failed try at `tried`; at `ended`, complete
    (`reason` None: its completion time) or failed with the Failed condition's `reason`."""
    gone: Changes = [(deleted, None)] if deleted is not None else []
    labels = {"namespace": NAMESPACE, "job_name": name}
    tries: Changes = [(created, 0)]
    if tried is not None:
        tries.append((tried, 1))
    out = [series("kube_job_created", labels, [(created, created), *gone], clock),
           series("kube_job_owner", {**labels, "owner_is_controller": "true" if owner else "",
                                     "owner_kind": "CronJob" if owner else "", "owner_name": owner or ""},
                  [(created, 1), *gone], clock)]
    if ended is None or reason is None:
        done = [series("kube_job_status_completion_time", labels, [(ended, ended), *gone], clock)] if ended else []
        return [*out, series("kube_job_status_failed", labels, [*tries, *gone], clock), *done]
    failures = 1 if tried is None else 2
    listed = reason in LISTED
    out += [series("kube_job_status_failed", labels, [*tries, (ended, None if listed else failures), *gone], clock),
            *(series("kube_job_status_failed", {**labels, "reason": r}, [(ended, int(r == reason)), *gone], clock)
              for r in LISTED),
            series("kube_job_failed", {**labels, "condition": "true"}, [(ended, 1), *gone], clock),
            series("kube_job_failed", {**labels, "condition": "false"}, [(ended, 0), *gone], clock)]
    return out


Fires = set[tuple[str, str]]  # (CronJob, kind) of the alerts that must fire


def checks(rule: dict[str, Any], at: int, fires: Fires, cluster: str | None = None) -> list[dict[str, Any]]:
    """At `at`, each alert of the release: firing with its labels (and `cluster`'s) and annotations if in
    `fires`, else not."""
    specs = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    out = []
    for name, kinds in KINDS.items():
        for kind in kinds:
            spec = specs[PREFIX[name] + kind]
            labels = {**({"cluster": cluster} if cluster else {}), "namespace": NAMESPACE, "cronjob": name,
                      "severity": spec["labels"]["severity"]}
            fired = [{"exp_labels": labels, "exp_annotations": spec["annotations"]}] if (name, kind) in fires else []
            out.append({"eval_time": f"{at}s", "alertname": spec["alert"], "exp_alerts": fired})
    return out


Inputs = Callable[[Clock], list[dict[str, str]]]  # the input series of a case, on the clock given
Named = set[str | tuple[str, str]]  # alerts that fire: a kind (of ours), or (CronJob, kind)
Case = tuple[str, Inputs, list[tuple[int, Named]]]


def table(ours: str, threshold: int, step: int, clusters: bool = False) -> list[Case]:
    """The cases for the alerts of the CronJob `ours` whose threshold is `threshold`, sampled every
    `step`: a name, its input series (a function of the clock), and (time, alerts that fire) checks.
    The release's other CronJob ("theirs") is healthy unless a case says otherwise. With `clusters`,
    the series are one cluster's, beside another cluster's (`clustered`): the cases that need it say so."""
    theirs = DRILL if ours == BACKUP else BACKUP
    other = ours.replace("ds-", "other-")  # another release's CronJob, in this namespace
    start = 60  # the last success, or the creation, in seconds after 0
    before, pending = start + threshold - step, start + threshold + step  # not yet; not yet for `for:`
    late = start + threshold + FOR + 2 * step  # fired
    again = (start + threshold // 2) // step * step  # a re-creation, inside the promise of the last success
    ended = (late - FOR - 2 * step) // step * step  # a Job that fails there fires its alert by `late`
    gone = 4 * step

    def mine(**kwargs: Any) -> Inputs:
        """Our CronJob's series (healthy unless told otherwise, as `cronjob`), and theirs, healthy."""
        return lambda clock: [*cronjob(theirs, clock), *cronjob(ours, clock, **kwargs)]

    def plus(make: Inputs, *jobs: Inputs) -> Inputs:
        return lambda clock: [*make(clock), *(s for j in jobs for s in j(clock))]

    def until_gone(name: str) -> Inputs:
        """The CronJob `name`'s series, until `gone`."""
        return lambda clock: cronjob(name, clock, created=[(0, 0), (gone, None)], succeeded=[(0, NOW), (gone, None)],
                                     suspended=[(0, 0), (gone, None)])

    def a_job(name: str, owner: str | None, created: int, **kwargs: Any) -> Inputs:
        """A Job created a step before it ends (`ended` given) or runs on."""
        return lambda clock: job(name, owner, created, clock, **kwargs)

    def failed(n: int, end: int, reason: str = "BackoffLimitExceeded", **kwargs: Any) -> Inputs:
        """Our Job `n`, created a step before it ended at `end`, failed with `reason`."""
        return a_job(f"{ours}-{n}", ours, end - step, ended=end, reason=reason, **kwargs)

    def kept(n: int, end: int, **kwargs: Any) -> Inputs:
        """A backup Job that kept its backup and failed after it (KEPT_EXIT: PodFailurePolicy)."""
        return failed(n, end, "PodFailurePolicy", **kwargs)

    two_clusters: list[Case] = [
        ("the same Job name in the other cluster, succeeded there, failed here: failed here",
         plus(mine(), failed(1, ended), lambda clock: in_cluster(
             job(f"{ours}-1", ours, ended - step, clock, ended=ended), OTHER_CLUSTER)),
         [(late, {"Failed"})]),
    ] if clusters else []
    cases: list[Case] = [
        ("healthy: a success at each sample, an older Job failed, the newest succeeded; failed Jobs of "
         "the first backup (not owned by the CronJob) and of another release",
         plus(mine(), failed(1, late - 3 * step), a_job(f"{ours}-2", ours, late - 2 * step, ended=late - step),
              a_job(f"{ours}-first-abc", None, late - 2 * step, ended=late - step, reason="BackoffLimitExceeded"),
              a_job(f"{other}-3", other, late - 2 * step, ended=late - step, reason="BackoffLimitExceeded")),
         [(step, set()), (before, set()), (late, set())]),
        ("other releases' CronJobs stale and never succeeded: same name in another namespace, another name here",
         plus(mine(), lambda clock: cronjob(ours, clock, succeeded=[(0, OLD)], namespace="staging"),
              lambda clock: cronjob(other, clock, succeeded=[])),
         [(late, set())]),
        ("the release's other CronJob is stale: only its alert fires",
         lambda clock: [*cronjob(ours, clock), *cronjob(theirs, clock, succeeded=[(0, OLD)])],
         [(late, {(theirs, "Stale")})]),
        ("stale: the last success older than the threshold fires after for:",
         mine(succeeded=[(0, start)]),
         [(before, set()), (pending, set()), (late, {"Stale"})]),
        ("first install: no success inside the threshold is quiet; past it, never succeeded",
         mine(created=[(0, start)], succeeded=[]),
         [(step, set()), (before, set()), (pending, set()), (late, {"NeverSucceeded"})]),
        ("re-created by an upgrade (a new creation, no last success): the old object's last success counts",
         mine(created=[(0, 0), (again, again)], succeeded=[(0, start), (again, None)]),
         [(again + step, set()), (before, set()), (late, {"Stale"}),
          # once the old last success has left the window, never succeeded takes over, after its own for:
          (again + threshold + FOR + 2 * step, {"NeverSucceeded"})]),
        ("re-created, and the new object succeeded since: quiet",
         mine(created=[(0, 0), (again, again)], succeeded=[(0, start), (again, None), (again + step, NOW)]),
         [(late, set())]),
        ("suspended (Suspend, restore mode, by hand) inside the promise: quiet; past it: suspended",
         mine(succeeded=[(0, start)], suspended=[(0, 1)]),
         [(before, set()), (pending, set()), (late, {"Suspended"})]),
        ("suspended and never succeeded: past the threshold, suspended",
         mine(created=[(0, start)], succeeded=[], suspended=[(0, 1)]),
         [(before, set()), (late, {"Suspended"})]),
        ("suspended with a recent success: quiet",
         mine(suspended=[(0, 1)]),
         [(late, set())]),
        ("the CronJob deleted: its series end; absent after the lookback and for:, and still past twice the "
         "threshold (with two clusters: its manager Deployment is still reported)",
         plus(lambda clock: cronjob(theirs, clock), until_gone(ours)),
         [(gone - step, set()), (gone, set()), (gone + FOR + 3 * step, {"CronJobAbsent"}),
          (gone + 2 * threshold + FOR + 3 * step, {"CronJobAbsent"})]),
        ("kube-state-metrics of this cluster stops (every series of it ends, the manager Deployment's too): both "
         "CronJobs absent in it",
         plus(until_gone(ours), until_gone(theirs), lambda clock: [manager(clock, [(0, 0), (gone, None)])]),
         [(gone - step, set()), (gone + FOR + 3 * step, {(ours, "CronJobAbsent"), (theirs, "CronJobAbsent")})])
        if clusters else
        ("kube-state-metrics down (no series at all): both CronJobs absent",
         lambda clock: [series("up", {"job": "kube-state-metrics"}, [(0, 0)], clock)],
         [(0, set()), (FOR + step, {(ours, "CronJobAbsent"), (theirs, "CronJobAbsent")})]),
        ("the newest Job failed (its backoffLimit, after a failed try): fires after for:",
         plus(mine(), a_job(f"{ours}-1", ours, ended - 3 * step, ended=ended - 2 * step),
              failed(2, ended, tried=ended - step // 2)),
         [(ended, set()), (late, {"Failed"})]),
        ("the newest Job failed by its deadline (DeadlineExceeded)",
         plus(mine(), failed(1, ended, "DeadlineExceeded")),
         [(late, {"Failed"})]),
        ("the newest Job runs after a failed try (kube-state-metrics 2.14+ counts it without a reason): quiet",
         plus(mine(), a_job(f"{ours}-1", ours, ended - step, tried=ended)),
         [(late, set())]),
        ("the newest Job failed after a failed try, with an old last success: stale and failed (no backup kept)",
         plus(mine(succeeded=[(0, start)]), failed(1, ended, tried=ended - step // 2)),
         [(late, {"Stale", "Failed"})]),
        *two_clusters,
    ]
    if ours != BACKUP:
        return cases
    return [
        *cases,
        ("retention failed at each run, each backup complete and kept (PodFailurePolicy), the last success "
         "old: retention failed, not stale",
         plus(mine(succeeded=[(0, start)]), kept(1, late - threshold // 2 // step * step), kept(2, ended)),
         [(late, {"RetentionFailed"})]),
        ("retention failed from the first run (no success ever): retention failed, not never succeeded",
         plus(mine(created=[(0, start)], succeeded=[]), kept(1, ended)),
         [(late, {"RetentionFailed"})]),
        ("a kept backup, then three runs that kept none, its Job deleted (failedJobsHistoryLimit 3): failed, "
         "not stale while the kept backup is inside the threshold",
         plus(mine(succeeded=[(0, start)]), kept(1, ended - 6 * step, deleted=ended - step),
              *(failed(n, ended - (4 - n) * 2 * step) for n in (2, 3, 4))),
         [(ended, set()), (late, {"Failed"})]),
        ("re-created, and the first backup's Job (owned by nothing) succeeded at the re-creation: quiet",
         plus(mine(created=[(0, 0), (again, again)], succeeded=[(0, start), (again, None)]),
              a_job(f"{ours}-first-abc", None, again, ended=again + step)),
         [(late, set())]),
        ("re-created, and only another release's first backup succeeded: stale",
         plus(mine(created=[(0, 0), (again, again)], succeeded=[(0, start), (again, None)]),
              a_job(f"{other}-first-abc", None, again, ended=again + step)),
         [(late, {"Stale"})]),
        ("the first backup's Job kept its backup, its retention failed; no success since: quiet",
         plus(mine(created=[(0, start)], succeeded=[]),
              a_job(f"{ours}-first-abc", None, ended - step, ended=ended, reason="PodFailurePolicy")),
         [(late, set())]),
        ("the newest kept backup older than the threshold: stale, and retention failed",
         plus(mine(succeeded=[]), kept(1, step)),
         [(before, {"RetentionFailed"}), (late, {"Stale", "RetentionFailed"})]),
    ]


def clustered(inputs: Inputs) -> Inputs:
    """A case's series as cluster CLUSTER's (with its manager Deployment, unless the case gives its own),
    beside cluster OTHER_CLUSTER's healthy release."""
    def both(clock: Clock) -> list[dict[str, str]]:
        ours = inputs(clock)
        if not any(one["series"].startswith("kube_deployment_created{") for one in ours):
            ours = [*ours, manager(clock)]
        healthy = [*cronjob(BACKUP, clock), *cronjob(DRILL, clock), manager(clock)]
        return [*in_cluster(ours, CLUSTER), *in_cluster(healthy, OTHER_CLUSTER)]
    return both


def unit_tests(rule: dict[str, Any], ours: str, threshold: int, step: int, clusters: bool) -> list[dict[str, Any]]:
    """promtool's test cases of the table of `ours`, of one cluster or (`clusters`) of two."""
    tests = []
    cluster = CLUSTER if clusters else None
    for name, inputs, at in table(ours, threshold, step, clusters):
        clock = Clock(max(t for t, _ in at) + step, step)
        fires_at = [(t, {f if isinstance(f, tuple) else (ours, f) for f in named}) for t, named in at]
        tests.append({"name": f"{PREFIX[ours]}: {name}", "interval": f"{step}s",
                      "input_series": (clustered(inputs) if clusters else inputs)(clock),
                      "alert_rule_test": [c for t, fires in fires_at for c in checks(rule, t, fires, cluster)]})
    return tests


@pytest.mark.parametrize(("schedule", "zone", "thresholds", "clusters"), SCHEDULES)
def test_promtool(tmp_path: Path, schedule: str, zone: str, thresholds: dict[str, int], clusters: bool) -> None:
    rule = rendered_rule(tmp_path, schedule, zone, CLUSTERS if clusters else None)
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(rule["spec"]))
    checked = subprocess.run([str(PROMTOOL), "check", "rules", str(rules)], capture_output=True, text=True,
                             check=False, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    exprs = {r["alert"]: r["expr"] for r in rule["spec"]["groups"][0]["rules"]}
    for cronjob_name, threshold in thresholds.items():
        assert f"> {threshold} " in exprs[f"{PREFIX[cronjob_name]}Stale"]
    for cronjob_name, threshold in thresholds.items():  # one file each: the evaluation interval is a file's
        step = step_of(threshold)
        tests = tmp_path / f"{cronjob_name}.yaml"
        tests.write_text(yaml.safe_dump({"rule_files": [str(rules)], "evaluation_interval": f"{step}s",
                                         "tests": unit_tests(rule, cronjob_name, threshold, step, clusters)}))
        result = subprocess.run([str(PROMTOOL), "test", "rules", str(tests)], capture_output=True, text=True,
                                check=False, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr


def test_rule_structure(tmp_path: Path) -> None:
    """What kubernetes-validate would check if it knew the CRD: the PrometheusRule's shape."""
    rule = rendered_rule(tmp_path, "0 0 * * *", "UTC")
    assert (rule["apiVersion"], rule["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    assert (rule["metadata"]["name"], rule["metadata"]["namespace"]) == (BACKUP, NAMESPACE)
    assert set(rule) == {"apiVersion", "kind", "metadata", "spec"}
    [group] = rule["spec"]["groups"]
    assert set(group) == {"name", "rules"}
    assert [(r["alert"], r["labels"]["severity"]) for r in group["rules"]] == [
        ("BackupStale", "critical"), ("BackupNeverSucceeded", "critical"), ("BackupSuspended", "critical"),
        ("BackupCronJobAbsent", "critical"), ("BackupFailed", "warning"), ("BackupRetentionFailed", "warning"),
        ("RestoreDrillStale", "warning"), ("RestoreDrillNeverSucceeded", "warning"),
        ("RestoreDrillSuspended", "warning"), ("RestoreDrillCronJobAbsent", "warning"),
        ("RestoreDrillFailed", "critical")]
    for alert in group["rules"]:
        assert set(alert) == {"alert", "expr", "for", "labels", "annotations"}
        assert alert["for"] == "15m"
        assert set(alert["annotations"]) == {"summary", "description"}
        assert f"helm datashield-restore ds -n {NAMESPACE} --status" in alert["annotations"]["description"]
        assert "release ds in namespace prod" in alert["annotations"]["summary"]

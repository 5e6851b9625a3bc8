"""alerts: the rendered PrometheusRule, checked and unit-tested by the real promtool (Debian's
`prometheus` package, scripts/install-services).

For an hourly, a daily (in a DST zone) and a monthly backup schedule, each with the default weekly
drill schedule (Sunday 03:00 in the same zone), the post-renderer renders the rule; its groups go to
a rules file for `promtool check rules`, and `promtool test rules` runs input series
(kube-state-metrics' metrics, a sample every 5 minutes: Prometheus' default lookback) that must fire
each alert of each CronJob (backup, drill), and series that must not. Thresholds are the expected
ones, written out here: the schedule's longest gap + StartingDeadlineSeconds (3600) + the Job's
activeDeadlineSeconds (21600, the default of Backup.ActiveDeadlineSeconds and Backup.Drill.ActiveDeadlineSeconds).

kubernetes-validate cannot validate a PrometheusRule (a CRD: no schema of it ships with Kubernetes),
so `test_rule_structure` checks the object's structure itself.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_postrenderer

PROMTOOL = Path("/usr/bin/promtool")
INPUT = Path(__file__).parent.parent / "golden" / "backup" / "in.yaml"  # release ds, namespace prod
NAMESPACE = "prod"
BACKUP, DRILL = "ds-enclaveos-backup", "ds-enclaveos-drill"
ALERTS = {BACKUP: "Backup", DRILL: "RestoreDrill"}  # each CronJob's alerts: <prefix>Stale, NeverSucceeded, Failed
STEP = 300  # seconds between samples
FOR = 900  # the default Alerts.For, 15m
DEADLINES = 3600 + 21600
WEEK = 7 * 86400
# The backup schedule, its zone, and the thresholds of the backup's and the (weekly) drill's alerts.
SCHEDULES = [
    pytest.param("0 * * * *", "UTC", {BACKUP: 3600 + DEADLINES, DRILL: WEEK + DEADLINES}, id="hourly"),
    # 25 h across the DST end; the weekly drill's Sunday 03:00 comes 1 h later that week
    pytest.param("0 0 * * *", "Europe/Berlin", {BACKUP: 25 * 3600 + DEADLINES, DRILL: WEEK + 3600 + DEADLINES},
                 id="daily-Berlin"),
    pytest.param("0 0 1 * *", "UTC", {BACKUP: 31 * 86400 + DEADLINES, DRILL: WEEK + DEADLINES}, id="monthly"),
]

pytestmark = pytest.mark.skipif(not PROMTOOL.exists(), reason="promtool missing: run scripts/install-services")


def rendered_rule(tmp_path: Path, schedule: str, zone: str) -> dict[str, Any]:
    """The PrometheusRule the post-renderer adds for `schedule` in `zone`."""
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"enclaveos-chart": {"Backup": {
        "CronSchedule": schedule, "TimeZone": zone, "Alerts": {"Enabled": True}}}}))
    result = run_postrenderer(INPUT.read_text(encoding="utf-8"), "--values", str(values))
    assert (result.returncode, result.stderr) == (0, "")
    rules = [d for d in yaml.safe_load_all(result.stdout) if d and d.get("kind") == "PrometheusRule"]
    assert len(rules) == 1
    rule: dict[str, Any] = rules[0]
    return rule


def series(name: str, labels: dict[str, str], value: int, until: int) -> dict[str, str]:
    """One input series holding `value` from 0 to `until` seconds, a sample every STEP."""
    shown = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{name}{{{shown}}}", "values": f"{value}+0x{until // STEP + 2}"}


def cronjob(name: str, value: int, until: int, namespace: str = NAMESPACE, cronjob: str = BACKUP) -> dict[str, str]:
    return series(name, {"namespace": namespace, "cronjob": cronjob}, value, until)


def job(name: str, created: int, failed: bool, until: int, owner: str | None = BACKUP) -> list[dict[str, str]]:
    """kube-state-metrics' series of one Job: created, failed (condition true/false), and its owner."""
    out = [series("kube_job_created", {"namespace": NAMESPACE, "job_name": name}, created, until),
           series("kube_job_failed", {"namespace": NAMESPACE, "job_name": name, "condition": "true"}, int(failed),
                  until),
           series("kube_job_failed", {"namespace": NAMESPACE, "job_name": name, "condition": "false"},
                  int(not failed), until)]
    owner_labels = {"namespace": NAMESPACE, "job_name": name, "owner_is_controller": "true",
                    "owner_kind": "CronJob" if owner else "", "owner_name": owner or ""}
    return [*out, series("kube_job_owner", owner_labels, 1, until)]


def expected(rule: dict[str, Any], alert: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The alert as it must fire: its labels and the rendered annotations."""
    spec = next(r for r in rule["spec"]["groups"][0]["rules"] if r["alert"] == alert)
    return [{"exp_labels": {**labels, "severity": spec["labels"]["severity"]}, "exp_annotations": spec["annotations"]}]


def check(alert: str, at: int, fires: list[dict[str, Any]]) -> dict[str, Any]:
    return {"eval_time": f"{at}s", "alertname": alert, "exp_alerts": fires}


def unit_tests(rule: dict[str, Any], threshold: int, ours: str) -> list[dict[str, Any]]:
    """Input series and what must (and must not) fire, for the alerts of the CronJob `ours` whose
    schedule has `threshold`. The release's other CronJob is "theirs": its series must not fire ours."""
    theirs = DRILL if ours == BACKUP else BACKUP
    stale_alert, never_alert, failed_alert = (f"{ALERTS[ours]}{what}" for what in ("Stale", "NeverSucceeded", "Failed"))
    start = 60  # the last success, or the CronJob's creation, in seconds after 0
    before, pending, late = start + threshold - STEP, start + threshold + STEP, start + threshold + FOR + 2 * STEP
    end, short = late + STEP, 200 + FOR + 3 * STEP  # promtool evaluates up to a case's last eval_time
    labels = {"namespace": NAMESPACE, "cronjob": ours}
    stale = expected(rule, stale_alert, labels)
    never = expected(rule, never_alert, labels)
    failed = expected(rule, failed_alert, {"namespace": NAMESPACE, "owner_name": ours})
    not_suspended = cronjob("kube_cronjob_spec_suspend", 0, end, cronjob=ours)
    mine = functools.partial(cronjob, cronjob=ours)
    my_job = functools.partial(job, owner=ours)

    def case(name: str, inputs: list[dict[str, str]], checks: list[dict[str, Any]]) -> dict[str, Any]:
        return {"name": name, "interval": f"{STEP}s", "input_series": inputs, "alert_rule_test": checks}

    return [
        case("stale: fires once the last success is older than the threshold, after for:",
             [mine("kube_cronjob_created", 0, end), mine("kube_cronjob_status_last_successful_time", start, end),
              not_suspended],
             [check(stale_alert, before, []), check(stale_alert, pending, []), check(stale_alert, late, stale),
              check(never_alert, late, []), check(failed_alert, late, [])]),
        case("never succeeded: fires once the CronJob is older than the threshold with no success",
             [mine("kube_cronjob_created", start, end), not_suspended],
             [check(never_alert, before, []), check(never_alert, pending, []),
              check(never_alert, late, never), check(stale_alert, late, [])]),
        case("suspended (Suspend, restore mode): neither stale nor never succeeded",
             [mine("kube_cronjob_created", 0, end), mine("kube_cronjob_status_last_successful_time", start, end),
              cronjob("kube_cronjob_created", start, end, cronjob=f"{ours}-x"),  # not ours
              mine("kube_cronjob_spec_suspend", 1, end)],
             [check(stale_alert, late, []), check(never_alert, late, [])]),
        case("other releases' CronJobs: same name in another namespace, another name in this one",
             [cronjob("kube_cronjob_status_last_successful_time", start, end, namespace="staging"),
              cronjob("kube_cronjob_created", start, end, namespace="staging"),
              cronjob("kube_cronjob_status_last_successful_time", start, end, cronjob=ours.replace("ds-", "other-")),
              cronjob("kube_cronjob_created", start, end, cronjob=ours.replace("ds-", "other-"))],
             [check(stale_alert, late, []), check(never_alert, late, [])]),
        case("a recent success: neither stale nor never succeeded",
             [mine("kube_cronjob_created", 0, end), mine("kube_cronjob_status_last_successful_time", late - STEP, end),
              not_suspended],
             [check(stale_alert, late, []), check(never_alert, late, [])]),
        case("the newest Job failed: fires after for:",
             [*my_job(f"{ours}-1", 100, False, short), *my_job(f"{ours}-2", 200, True, short)],
             [check(failed_alert, 200 + FOR - STEP, []), check(failed_alert, 200 + FOR + 2 * STEP, failed)]),
        case("an older Job failed, the newest did not; Jobs not owned by the CronJob (first backup), by the "
             "release's other CronJob or by another release's failed",
             [*my_job(f"{ours}-1", 100, True, short), *my_job(f"{ours}-2", 200, False, short),
              *job(f"{ours}-first-abc", 300, True, short, owner=None),
              *job(f"{theirs}-3", 300, True, short, owner=theirs),
              *job(f"{ours.replace('ds-', 'other-')}-3", 300, True, short, owner=ours.replace("ds-", "other-"))],
             [check(failed_alert, 200 + FOR + 2 * STEP, [])]),
        case("the release's other CronJob is stale: none of ours fires",
             [cronjob("kube_cronjob_created", 0, end, cronjob=theirs),
              cronjob("kube_cronjob_status_last_successful_time", start, end, cronjob=theirs), not_suspended,
              mine("kube_cronjob_created", 0, end), mine("kube_cronjob_status_last_successful_time", late - STEP, end)],
             [check(stale_alert, late, []), check(never_alert, late, [])]),
    ]


@pytest.mark.parametrize(("schedule", "zone", "thresholds"), SCHEDULES)
def test_promtool(tmp_path: Path, schedule: str, zone: str, thresholds: dict[str, int]) -> None:
    rule = rendered_rule(tmp_path, schedule, zone)
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(rule["spec"]))
    checked = subprocess.run([str(PROMTOOL), "check", "rules", str(rules)], capture_output=True, text=True,
                             check=False, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    exprs = {r["alert"]: r["expr"] for r in rule["spec"]["groups"][0]["rules"]}
    for cronjob_name, threshold in thresholds.items():
        assert f"> {threshold} " in exprs[f"{ALERTS[cronjob_name]}Stale"]
    tests = tmp_path / "tests.yaml"
    tests.write_text(yaml.safe_dump({"rule_files": [str(rules)], "evaluation_interval": f"{STEP}s",
                                     "tests": [case for cronjob_name, threshold in thresholds.items()
                                               for case in unit_tests(rule, threshold, cronjob_name)]}))
    result = subprocess.run([str(PROMTOOL), "test", "rules", str(tests)], capture_output=True, text=True,
                            check=False, timeout=300)
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
        ("BackupStale", "critical"), ("BackupNeverSucceeded", "critical"), ("BackupFailed", "warning"),
        ("RestoreDrillStale", "warning"), ("RestoreDrillNeverSucceeded", "warning"), ("RestoreDrillFailed", "critical")]
    for alert in group["rules"]:
        assert set(alert) == {"alert", "expr", "for", "labels", "annotations"}
        assert alert["for"] == "15m"
        assert set(alert["annotations"]) == {"summary", "description"}
        assert f"helm datashield-restore ds -n {NAMESPACE} --status" in alert["annotations"]["description"]
        assert "release ds in namespace prod" in alert["annotations"]["summary"]

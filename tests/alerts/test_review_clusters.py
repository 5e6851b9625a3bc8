"""Review of issue 25's alerts (renderer/postrender/alerts.py) with the real promtool: series of two Kubernetes
clusters in one Prometheus (a central ruler fed by each cluster's Prometheus, told apart by a `cluster` label,
as the rules of a PrometheusRule are synced to a Mimir or Thanos ruler), each with release ds in namespace prod.

By default every expression aggregates `by (namespace, cronjob)` (so that two kube-state-metrics replicas make
one alert): it drops `cluster` too, and a healthy cluster's last success hides the other's stale backups. With
`Alerts.ClusterLabels: [cluster]` each cluster is judged alone, and its alerts carry its `cluster`. Every alert
of both clusters in every state is in the table of tests/alerts/test_promtool.py (`daily-Berlin-two-clusters`);
here: the finding of the review, and what the default does with the same series."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.alerts.test_promtool import (
    BACKUP,
    CLUSTERS,
    DRILL,
    NAMESPACE,
    PROMTOOL,
    Changes,
    Clock,
    cronjob,
    in_cluster,
    rendered_rule,
)

pytestmark = pytest.mark.skipif(not PROMTOOL.exists(), reason="promtool missing: run scripts/install-services")

THRESHOLD = 86400 + 3600 + 21600  # a daily schedule in UTC: 1d 7h
STALE: Changes = [(0, 60)]  # the last backup at 60 s, never again


@pytest.mark.parametrize(("alerts", "stale", "fires"), [
    pytest.param(CLUSTERS, ("us",), [{"cluster": "us"}], id="clusters-us-stale-eu-healthy"),
    pytest.param(CLUSTERS, ("us", "eu"), [{"cluster": "eu"}, {"cluster": "us"}], id="clusters-both-stale"),
    pytest.param(CLUSTERS, (), [], id="clusters-both-healthy"),
    # The default, per (namespace, cronjob): one alert for the clusters together, none while one of them backs up.
    pytest.param(None, ("us", "eu"), [{}], id="default-both-stale-one-alert"),
    pytest.param(None, ("us",), [], id="default-us-stale-hidden-by-eu"),
])
def test_a_stale_cluster_is_not_hidden_by_a_healthy_one(tmp_path: Path, alerts: dict[str, Any] | None,
                                                          stale: tuple[str, ...], fires: list[dict[str, str]]) -> None:
    """Each cluster of `stale` last backed up at 60 s, any other at each sample: BackupStale fires with the
    labels of `fires` (each with namespace, cronjob and severity)."""
    rule = rendered_rule(tmp_path, "0 0 * * *", "UTC", alerts)
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(rule["spec"]))
    step = 3600
    clock = Clock(THRESHOLD + 3 * 3600, step)
    late = THRESHOLD + 2 * 3600
    inputs = []
    for cluster in ("eu", "us"):
        for name in (BACKUP, DRILL):
            last = STALE if name == BACKUP and cluster in stale else None
            inputs += in_cluster(cronjob(name, clock, succeeded=last), cluster)
    spec = next(r for r in rule["spec"]["groups"][0]["rules"] if r["alert"] == "BackupStale")
    labels = {"namespace": NAMESPACE, "cronjob": BACKUP, "severity": "critical"}
    tests = tmp_path / "tests.yaml"
    tests.write_text(yaml.safe_dump({"rule_files": [str(rules)], "evaluation_interval": f"{step}s", "tests": [{
        "name": "two clusters", "interval": f"{step}s", "input_series": inputs,
        "alert_rule_test": [{"eval_time": f"{late}s", "alertname": "BackupStale", "exp_alerts": [
            {"exp_labels": {**one, **labels}, "exp_annotations": spec["annotations"]} for one in fires]}]}]}))
    result = subprocess.run([str(PROMTOOL), "test", "rules", str(tests)], capture_output=True, text=True,
                            check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

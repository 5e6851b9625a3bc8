"""Review of issue 25's alerts (renderer/postrender/alerts.py) with the real promtool: series of two Kubernetes
clusters in one Prometheus (a central ruler fed by each cluster's Prometheus, told apart by a `cluster` label,
as the rules of a PrometheusRule are synced to a Mimir or Thanos ruler), each with release ds in namespace prod.

Every expression aggregates `by (namespace, cronjob)` (so that two kube-state-metrics replicas make one alert):
it drops `cluster` too, and a healthy cluster's last success hides the other's stale backups."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.alerts.test_promtool import BACKUP, DRILL, NAMESPACE, PROMTOOL, Changes, Clock, cronjob, rendered_rule

pytestmark = pytest.mark.skipif(not PROMTOOL.exists(), reason="promtool missing: run scripts/install-services")

THRESHOLD = 86400 + 3600 + 21600  # a daily schedule in UTC: 1d 7h


@pytest.mark.xfail(strict=True, reason="review: the alerts aggregate by (namespace, cronjob) only: a healthy "
                                       "cluster's series hide a stale one's in a Prometheus that holds both")
def test_a_stale_cluster_is_not_hidden_by_a_healthy_one(tmp_path: Path) -> None:
    """Cluster `us` last backed up at 0, cluster `eu` backs up at each sample: BackupStale must fire for `us`."""
    rule = rendered_rule(tmp_path, "0 0 * * *", "UTC")
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(rule["spec"]))
    step = 3600
    clock = Clock(THRESHOLD + 3 * 3600, step)
    late = THRESHOLD + 2 * 3600
    inputs = []
    stale_since: Changes = [(0, 60)]
    for cluster, last in (("eu", None), ("us", stale_since)):
        for name in (BACKUP, DRILL):
            for one in cronjob(name, clock, succeeded=last if name == BACKUP else None):
                metric, labels = one["series"].split("{", 1)
                inputs.append({"series": f'{metric}{{cluster="{cluster}", {labels}', "values": one["values"]})
    stale = next(r for r in rule["spec"]["groups"][0]["rules"] if r["alert"] == "BackupStale")
    tests = tmp_path / "tests.yaml"
    tests.write_text(yaml.safe_dump({"rule_files": [str(rules)], "evaluation_interval": f"{step}s", "tests": [{
        "name": "one cluster stale", "interval": f"{step}s", "input_series": inputs,
        "alert_rule_test": [{"eval_time": f"{late}s", "alertname": "BackupStale", "exp_alerts": [{
            "exp_labels": {"cluster": "us", "namespace": NAMESPACE, "cronjob": BACKUP, "severity": "critical"},
            "exp_annotations": stale["annotations"]}]}]}]}))
    result = subprocess.run([str(PROMTOOL), "test", "rules", str(tests)], capture_output=True, text=True,
                            check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

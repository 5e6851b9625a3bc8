"""inject: the manager Deployment in restore mode (renderer/postrender/inject.py).

Only the replicas value changes and one annotation line is added; every other
line stays as the chart wrote it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from renderer.errors import InvalidManifests
from renderer.postrender.inject import RESTORE_ANNOTATION, manager_in_restore_mode
from renderer.postrender.stream import split
from tests.conftest import kubernetes_problems, run_postrenderer

RECORD = f"{RESTORE_ANNOTATION}: "


def restore_mode(text: str) -> str:
    return manager_in_restore_mode(split(text)[0])


@pytest.mark.parametrize("before,after", [
    pytest.param(
        "---\n# Source: x.yaml\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 3 # three\n"
        "  template:\n    spec:\n      containers:\n      - name: a\n        args:\n          - x\n",
        "---\n# Source: x.yaml\nkind: Deployment\nmetadata:\n  annotations:\n    " + RECORD + '"3"\n  name: m\n'
        "spec:\n  replicas: 0 # three\n  template:\n    spec:\n      containers:\n      - name: a\n        args:\n"
        "          - x\n",
        id="replicas-set-lists-and-comments-kept"),
    pytest.param(
        "kind: Deployment\nmetadata:\n    name: m\n    annotations:\n        a: b\nspec:\n    selector: {}\n",
        "kind: Deployment\nmetadata:\n    name: m\n    annotations:\n        " + RECORD + '"1"\n        a: b\n'
        "spec:\n    replicas: 0\n    selector: {}\n",
        id="no-replicas-means-1-four-space-indent"),
    pytest.param(
        "kind: Deployment\nmetadata:\n  name: m\n  annotations:\n    " + RECORD + '"2"\nspec:\n  replicas: 0\n',
        "kind: Deployment\nmetadata:\n  name: m\n  annotations:\n    " + RECORD + '"2"\nspec:\n  replicas: 0\n',
        id="second-run-keeps-the-first-record"),
    pytest.param(
        'kind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: "2"\n',
        "kind: Deployment\nmetadata:\n  annotations:\n    " + RECORD + '"2"\n  name: m\nspec:\n  replicas: 0\n',
        id="quoted-replicas"),
    pytest.param(
        "\ufeff---\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 3\n",
        "\ufeff---\nkind: Deployment\nmetadata:\n  annotations:\n    " + RECORD + '"3"\n  name: m\nspec:\n'
        "  replicas: 0\n",
        id="byte-order-mark-before-the-document"),
    pytest.param(
        "  kind: Deployment\n  metadata:\n    name: m\n  spec:\n    replicas: 3\n",
        "  kind: Deployment\n  metadata:\n    annotations:\n      " + RECORD + '"3"\n    name: m\n  spec:\n'
        "    replicas: 0\n",
        id="whole-document-indented"),
])
def test_restore_mode_edits_two_lines(before: str, after: str) -> None:
    assert restore_mode(before) == after


@pytest.mark.parametrize("text", [
    pytest.param("kind: Deployment\nmetadata: {name: m}\nspec: {replicas: 2}\n", id="flow-style"),
    pytest.param('{"kind": "Deployment", "metadata": {"name": "m"}, "spec": {"replicas": 2}}\n', id="json"),
    pytest.param('---\n# Source: c/m.json\n{\n  "kind": "Deployment",\n  "metadata": {"name": "m"},\n'
                 '  "spec": {"replicas": 2}\n}\n', id="json-after-a-source-comment"),
    pytest.param("kind: Deployment\nmetadata:\n  name: m\n  annotations: {}\nspec:\n  replicas: 2\n",
                 id="empty-annotations"),
])
def test_restore_mode_flow_style_is_reserialised(text: str) -> None:
    out = restore_mode(text)
    assert out.startswith("---\n# Source: c/m.json\n" if "# Source:" in text else "---\nkind: Deployment\n")
    data = yaml.safe_load(out)
    assert data["spec"]["replicas"] == 0
    assert data["metadata"] == {"name": "m", "annotations": {RESTORE_ANNOTATION: "2"}}


AMBIGUOUS = ("render the manager without YAML merge keys (<<) or repeated keys")


@pytest.mark.parametrize("text,problem", [
    ("kind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 1\n  <<: {replicas: 3}\n",
     "spec: a YAML merge key (<<)"),
    ("kind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 1\n  replicas: 3\n",
     "spec: the key 'replicas' is given twice"),
    ("kind: Deployment\nmetadata: {name: m}\nspec: {replicas: 1, replicas: 3}\n",
     "spec: the key 'replicas' is given twice"),
    ("base: &b {replicas: 3}\nkind: Deployment\nmetadata:\n  name: m\n<<: {spec: *b}\nspec:\n  replicas: 1\n",
     "a YAML merge key (<<)"),
    ("kind: Deployment\nmetadata:\n  name: m\n  annotations:\n    a: b\n    a: c\nspec:\n  replicas: 1\n",
     "metadata.annotations: the key 'a' is given twice"),
    ("kind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 1\nspec:\n  replicas: 3\n",
     "the key 'spec' is given twice"),
])
def test_restore_mode_refuses_a_manager_decoders_read_differently(text: str, problem: str) -> None:
    with pytest.raises(InvalidManifests) as refused:
        restore_mode(text)
    assert str(refused.value) == (f'Deployment "m": {problem}: Kubernetes and this post-renderer may read its '
                                  "replicas differently, so restore mode could not be sure to stop the manager; "
                                  + AMBIGUOUS)


# The first backup's Job (issue 17), rendered by the real post-renderer from the golden backup input.
GOLDEN_BACKUP = (Path(__file__).resolve().parents[1] / "golden" / "backup" / "in.yaml").read_text(encoding="utf-8")
FIRST = re.compile(r"ds-enclaveos-backup-first-[0-9a-f]{8}")


def render(tmp_path: Path, stdin: str = GOLDEN_BACKUP, **chart: object) -> list[dict[str, Any]]:
    values = tmp_path / f"values-{len(list(tmp_path.iterdir()))}.json"
    values.write_text(json.dumps({"enclaveos-chart": chart}), encoding="utf-8")
    done = run_postrenderer(stdin, "--values", str(values))
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def named(objects: list[dict[str, Any]], kind: str, name: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]


def first_backups(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == "Job" and "-first-" in o["metadata"]["name"]]


def test_the_first_backup_runs_the_cronjobs_own_job_spec(tmp_path: Path) -> None:
    objects = render(tmp_path)
    [cronjob] = named(objects, "CronJob", "ds-enclaveos-backup")
    [job] = first_backups(objects)
    assert FIRST.fullmatch(job["metadata"]["name"])
    assert job["spec"] == cronjob["spec"]["jobTemplate"]["spec"]
    assert job["metadata"]["labels"] == cronjob["metadata"]["labels"] == cronjob["spec"]["jobTemplate"]["metadata"][
        "labels"]
    assert "ttlSecondsAfterFinished" not in job["spec"]  # deleted by a TTL, the next upgrade would run it again


@pytest.mark.parametrize("backup,same", [
    pytest.param({}, True, id="unchanged"),
    pytest.param({"CronSchedule": "30 1 * * *", "TimeZone": "Europe/Berlin", "Suspend": True}, True,
                 id="schedule-only"),
    pytest.param({"Retention": 3}, False, id="retention"),
    pytest.param({"S3Prefix": "other"}, False, id="prefix"),
    pytest.param({"Images": {"ObjectStore": {"Tag": "2.17.1"}}}, False, id="image"),
    pytest.param({"Database": {"CertsSecret": "client-certs"}}, False, id="database-certificates"),
])
def test_the_first_backups_name_changes_with_what_it_runs_only(tmp_path: Path, backup: dict[str, Any],
                                                               same: bool) -> None:
    [before] = first_backups(render(tmp_path))
    [after] = first_backups(render(tmp_path, Backup=backup))
    assert (before["metadata"]["name"] == after["metadata"]["name"]) is same
    assert (before == after) is same


@pytest.mark.parametrize("chart", [
    pytest.param({"Restore": {"Enabled": True, "Backup": "latest"}}, id="restore-mode"),
    pytest.param({"Backup": {"FirstBackup": False}}, id="turned-off"),
])
def test_no_first_backup(tmp_path: Path, chart: dict[str, Any]) -> None:
    objects = render(tmp_path, **chart)
    assert first_backups(objects) == []
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "CronJob"] == ["ds-enclaveos-backup",
                                                                                   "ds-enclaveos-drill"]


def test_the_first_backup_is_valid_kubernetes(tmp_path: Path) -> None:
    [job] = first_backups(render(tmp_path))
    assert kubernetes_problems([job]) == []


LONG = "r" * 32


@pytest.mark.parametrize("release,chart,message", [
    pytest.param(LONG, {}, f'release name: "{LONG}": makes "{LONG}-enclaveos-backup-first-<hash>" 64 characters long, '
                 "Kubernetes allows 63: use a release name of at most 31 characters (or turn the first backup off: "
                 "enclaveos-chart.Backup.FirstBackup=false)", id="first-backup-job-name"),
    pytest.param(LONG + "r" * 4, {"Backup": {"FirstBackup": False}},
                 f'release name: "{LONG}rrrr": makes "{LONG}rrrr-enclaveos-backup" 53 characters long, '
                 "Kubernetes allows 52: use a release name of at most 35 characters", id="cronjob-name"),
])
def test_a_release_name_too_long_for_a_name_is_refused(tmp_path: Path, release: str, chart: dict[str, Any],
                                                       message: str) -> None:
    stdin = GOLDEN_BACKUP.replace("ds-", f"{release}-").replace('"ds"', f'"{release}"')
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"enclaveos-chart": chart}), encoding="utf-8")
    done = run_postrenderer(stdin, "--values", str(values))
    assert (done.returncode, done.stdout, done.stderr) == (3, "", f"[helm-datashield] {message}\n")


DRILL_LABELS = {"app.kubernetes.io/name": "enclaveos-drill", "app.kubernetes.io/instance": "ds",
                "app.kubernetes.io/component": "drill", "app.kubernetes.io/part-of": "enclave-manager",
                "app.kubernetes.io/managed-by": "Helm", "datashield.ibm.com/generated-by": "helm-datashield"}


@pytest.mark.parametrize("chart,expected", [
    pytest.param({}, {"schedule": "0 3 * * 0", "timeZone": "UTC", "suspend": False, "startingDeadlineSeconds": 3600},
                 id="defaults"),
    pytest.param({"Backup": {"CronSchedule": "0 1 * * *", "TimeZone": "Europe/Berlin", "StartingDeadlineSeconds": 600,
                             "Drill": {"CronSchedule": "30 4 1 * *"}}},
                 {"schedule": "30 4 1 * *", "timeZone": "Europe/Berlin", "suspend": False,
                  "startingDeadlineSeconds": 600}, id="own-schedule-backups-zone-and-deadline"),
    pytest.param({"Backup": {"Suspend": True}}, {"schedule": "0 3 * * 0", "timeZone": "UTC", "suspend": True,
                                                 "startingDeadlineSeconds": 3600}, id="suspended-with-backups"),
    pytest.param({"Restore": {"Enabled": True, "Backup": "latest"}},
                 {"schedule": "0 3 * * 0", "timeZone": "UTC", "suspend": True, "startingDeadlineSeconds": 3600},
                 id="suspended-in-restore-mode"),
])
def test_the_drill_cronjob(tmp_path: Path, chart: dict[str, Any], expected: dict[str, Any]) -> None:
    objects = render(tmp_path, **chart)
    [drill] = named(objects, "CronJob", "ds-enclaveos-drill")
    spec = drill["spec"]
    assert {key: spec[key] for key in expected} == expected
    assert spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    # A failed drill is a verdict, not retried; its deadline: Backup.Drill.ActiveDeadlineSeconds' default.
    assert (job["backoffLimit"], job["activeDeadlineSeconds"]) == (0, 21600)
    assert drill["metadata"]["labels"] == spec["jobTemplate"]["metadata"]["labels"] == \
        job["template"]["metadata"]["labels"] == DRILL_LABELS
    assert [c["name"] for c in [*job["template"]["spec"]["initContainers"], *job["template"]["spec"]["containers"]]] \
        == ["pick", "drill", "record"]
    assert kubernetes_problems([drill]) == []


def test_no_drill_when_turned_off(tmp_path: Path) -> None:
    objects = render(tmp_path, Backup={"Drill": {"Enabled": False}})
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "CronJob"] == ["ds-enclaveos-backup"]


def deadlines_and_call_bounds(objects: list[dict[str, Any]]) -> dict[str, tuple[int, set[str]]]:
    """Each injected Job (a CronJob's by the CronJob's name): its activeDeadlineSeconds and the
    S3_CALL_TIMEOUT of each of its containers that has one."""
    found = {}
    for o in objects:
        spec = o["spec"]["jobTemplate"]["spec"] if o["kind"] == "CronJob" else o["spec"] if o["kind"] == "Job" else None
        if spec is None:
            continue
        pod = spec["template"]["spec"]
        bounds = {e["value"] for c in [*pod.get("initContainers", []), *pod["containers"]]
                  for e in c.get("env", []) if e["name"] == "S3_CALL_TIMEOUT"}
        found["first-backup" if "-first-" in o["metadata"]["name"] else o["metadata"]["name"]] = (
            spec["activeDeadlineSeconds"], bounds)
    return found


@pytest.mark.parametrize("chart,expected", [
    pytest.param({}, {"ds-enclaveos-backup": (21600, {"1800"}), "first-backup": (21600, {"1800"}),
                      "ds-enclaveos-drill": (21600, {"1800"})}, id="defaults"),
    pytest.param({"Backup": {"ActiveDeadlineSeconds": 43200, "S3CallTimeoutSeconds": 7200,
                             "Drill": {"ActiveDeadlineSeconds": 28800}}},
                 {"ds-enclaveos-backup": (43200, {"7200"}), "first-backup": (43200, {"7200"}),
                  "ds-enclaveos-drill": (28800, {"7200"})}, id="large-database"),
    pytest.param({"Restore": {"Enabled": True, "Backup": "latest", "RunId": "r1"}},
                 {"ds-enclaveos-backup": (21600, {"1800"}), "ds-enclaveos-drill": (21600, {"1800"}),
                  "ds-enclaveos-restore-r1": (21600, {"1800"})}, id="restore-defaults"),
    pytest.param({"Backup": {"S3CallTimeoutSeconds": 3600.0, "Drill": {"ActiveDeadlineSeconds": 36000}},
                  "Restore": {"Enabled": True, "Backup": "latest", "RunId": "r1", "ActiveDeadlineSeconds": 50400.0}},
                 {"ds-enclaveos-backup": (21600, {"3600"}), "ds-enclaveos-drill": (36000, {"3600"}),
                  "ds-enclaveos-restore-r1": (50400, {"3600"})}, id="restore-whole-floats"),
])
def test_the_jobs_carry_their_deadline_and_the_call_bound(tmp_path: Path, chart: dict[str, Any],
                                                          expected: dict[str, tuple[int, set[str]]]) -> None:
    """Backup.ActiveDeadlineSeconds (the backup CronJob's Jobs and the first backup's), Drill.ActiveDeadlineSeconds,
    Restore.ActiveDeadlineSeconds; Backup.S3CallTimeoutSeconds in every container that calls the object store."""
    objects = render(tmp_path, **chart)
    assert deadlines_and_call_bounds(objects) == expected
    assert kubernetes_problems(objects) == []

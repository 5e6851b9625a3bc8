"""End to end with the real helm v3.17.2 and v4.3.1: install the plugin, render the chart
through the post-renderer the way an operator does, and check what Helm shows.

No Kubernetes API server can run on these machines, so the rendered objects are
checked by kubernetes-validate (strict, Kubernetes 1.27 to 1.37) instead of applied.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import yaml

from tests.conftest import BACKUP_SETS, CHART, ROOT, Helm, kubernetes_problems

RESTORE_SETS = ("--set", "enclaveos-chart.Restore.Enabled=true", "--set", "enclaveos-chart.Restore.Backup=latest")


def documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def by_kind(text: str, kind: str) -> list[dict[str, Any]]:
    return [d for d in documents(text) if d["kind"] == kind]


def test_plugin_installs_and_restore_help_works(helm: Helm) -> None:
    listed = helm.run("plugin", "list").stdout
    assert "datashield-restore" in listed
    assert ("datashield-backup" in listed) == (helm.major == "4")
    shown = helm.run("datashield-restore", "--help").stdout
    assert "usage: helm datashield-restore" in shown and "--from BACKUP" in shown


def test_chart_passes_lint(helm: Helm) -> None:
    helm.run("lint", "--strict", str(CHART))
    helm.run("lint", "--strict", str(CHART), *BACKUP_SETS)


@pytest.mark.parametrize("release,error", [
    pytest.param("r" * 30, None, id="30-characters"),
    pytest.param("r" * 31, f'release name "{"r" * 31}" is 31 characters long; this chart allows at most 30 '
                 f'(the StatefulSet {"r" * 31}-enclaveos-cockroachdb must stay within 52)', id="31-characters"),
])
def test_chart_refuses_a_release_name_its_names_cannot_hold(helm: Helm, release: str, error: str | None) -> None:
    result = helm.run("template", release, str(CHART), check=False)
    if error is None:
        assert (result.returncode, result.stderr) == (0, "")
    else:
        assert result.returncode == 1 and f"execution error at (enclave-manager/charts/enclaveos-chart/templates/" \
            f"manager-service.yaml:5:11): {error}\n" in result.stderr


def test_no_backup_values_pass_through_byte_for_byte(helm: Helm) -> None:
    plain = helm.template(*helm.identity_post_renderer()).stdout
    assert helm.template(*helm.post_renderer()).stdout == plain
    if helm.major == "3":
        assert plain == helm.template().stdout


def test_backup_values_inject_the_cronjob_and_the_first_backup(helm: Helm) -> None:
    out = helm.template(*BACKUP_SETS, *helm.post_renderer()).stdout
    assert not by_kind(out, "DatashieldBackupValues")
    [cronjob, drill] = by_kind(out, "CronJob")
    assert (cronjob["metadata"]["name"], drill["metadata"]["name"]) == ("ds-enclaveos-backup", "ds-enclaveos-drill")
    assert cronjob["metadata"]["namespace"] == "prod"
    assert cronjob["spec"]["schedule"] == "0 0 * * *"
    assert cronjob["spec"]["timeZone"] == "UTC"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    [deployment] = by_kind(out, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    [first] = by_kind(out, "Job")  # the first backup: the CronJob's job spec, run once at install
    assert first["metadata"]["name"].startswith("ds-enclaveos-backup-first-")
    assert first["spec"] == cronjob["spec"]["jobTemplate"]["spec"]


def test_helm4_files_injected_objects_beside_the_manager(helm: Helm) -> None:
    out = helm.template(*BACKUP_SETS, *helm.post_renderer()).stdout
    if helm.major == "4":
        assert "# Source: enclave-manager/charts/enclaveos-chart/templates/datashield-backup-cronjob.yaml" in out
    else:
        assert "# Source: datashield-backup/datashield-backup-cronjob.yaml" in out


def test_restore_mode_scales_the_manager_to_zero_and_adds_the_job(helm: Helm) -> None:
    out = helm.template(*BACKUP_SETS, *RESTORE_SETS, "--set", "enclaveos-chart.Manager.ReplicaCount=3",
                        *helm.post_renderer()).stdout
    [deployment] = by_kind(out, "Deployment")
    assert deployment["spec"]["replicas"] == 0
    assert deployment["metadata"]["annotations"]["datashield.ibm.com/replicas-before-restore"] == "3"
    [job] = by_kind(out, "Job")
    assert job["metadata"]["name"].startswith("ds-enclaveos-restore-")
    # The backup and the drill: neither runs while the data is being replaced.
    assert [c["spec"]["suspend"] for c in by_kind(out, "CronJob")] == [True, True]


@pytest.mark.parametrize("sets,lines", [
    (("--set", "enclaveos-chart.Backup.CronSchedule=61 * * * *"),
     ['[helm-datashield] enclaveos-chart.Backup.CronSchedule: "61 * * * *": minute 61 is outside 0-59']),
    (("--set", "global.S3.Bucket=Acme_Backups", "--set", "enclaveos-chart.Backup.TimeZone=Mars/Olympus"),
     ['[helm-datashield] global.S3.Bucket: "Acme_Backups": must be lowercase letters, digits, "." and "-", '
      "starting and ending with a letter or digit",
      '[helm-datashield] enclaveos-chart.Backup.TimeZone: "Mars/Olympus": unknown IANA time zone; '
      'for example "UTC" or "Europe/Berlin"']),
    # Control characters in a value: escaped in the message, which stays one line (on Helm 4: valid YAML).
    (("--set-string", "enclaveos-chart.Backup.CronSchedule=@every 6h\n"),
     ['[helm-datashield] enclaveos-chart.Backup.CronSchedule: "@every 6h\\n": unknown unit "h\\n" in the duration '
      '"6h\\n" (Kubernetes reads ns, us, µs, ms, s, m, h)']),
    (("--set-string", "enclaveos-chart.Backup.CronSchedule=0 0 * * 1\x1c"),
     ['[helm-datashield] enclaveos-chart.Backup.CronSchedule: "0 0 * * 1\\u001c": day-of-week "1\\u001c" is not a '
      "number or a name (SUN-SAT)"]),
    (("--set-string", "enclaveos-chart.Backup.CronSchedule=0 0 * * \x1b[31mMON"),
     ['[helm-datashield] enclaveos-chart.Backup.CronSchedule: "0 0 * * \\u001b[31mMON": day-of-week '
      '"\\u001b[31mMON" is not a number or a name (SUN-SAT)']),
], ids=["cron", "two-problems", "line-break", "file-separator", "escape-sequence"])
def test_bad_values_reach_the_user(helm: Helm, sets: tuple[str, ...], lines: list[str]) -> None:
    result = helm.template(*BACKUP_SETS, *sets, *helm.post_renderer(), check=False)
    assert result.returncode != 0
    assert result.stdout == ""
    shown = [line.strip() for line in result.stderr.splitlines()]
    for line in lines:
        assert line in shown
    assert "Traceback" not in result.stderr
    assert all(line.isprintable() for line in result.stderr.splitlines())


def test_half_a_configuration_names_what_is_missing(helm: Helm) -> None:
    result = helm.template("--set", "enclaveos-chart.Backup.CronSchedule=@daily", *helm.post_renderer(), check=False)
    assert result.returncode != 0
    assert ("[helm-datashield] global.S3.Bucket: missing: backups need it "
            "(--set global.S3.Bucket=<orgname>-enclave-manager-backups)") in result.stderr


def test_helm_itself_rejects_a_value_of_the_wrong_type(helm: Helm) -> None:
    result = helm.template(*BACKUP_SETS, "--set", "enclaveos-chart.Backup.Retention=many",
                           *helm.post_renderer(), check=False)
    assert result.returncode != 0
    assert "Retention" in result.stderr


SECURE_SETS = ("--set", "enclaveos-chart.Backup.Database.CertsSecret=cockroachdb-client-root")


@pytest.mark.parametrize("mode", [(), RESTORE_SETS, SECURE_SETS + RESTORE_SETS],
                         ids=["backup", "restore", "secure-cluster"])
def test_every_rendered_object_is_valid_kubernetes(helm: Helm, mode: tuple[str, ...]) -> None:
    out = helm.template(*BACKUP_SETS, *mode, *helm.post_renderer()).stdout
    objects = documents(out)
    assert {o["kind"] for o in objects} >= {"CronJob", "Deployment", "StatefulSet", "Service"}
    assert kubernetes_problems(objects) == []


def test_a_chart_without_backup_support_gets_values_from_a_file(helm: Helm, tmp_path: Any) -> None:
    """The vendor's chart knows nothing of backups: values come with --post-renderer-args."""
    values = tmp_path / "backup-values.yaml"
    values.write_text(yaml.safe_dump({
        "global": {"S3": {"Endpoint": "https://s3.eu-de.cloud-object-storage.appdomain.cloud",
                          "Bucket": "acme-enclave-manager-backups",
                          "HmacSecretName": "enclave-manager-backup-credentials"}},
        "enclaveos-chart": {"Backup": {"CronSchedule": "30 2 * * *", "S3Prefix": "prod/ds"}}}))
    other = ROOT / "tests" / "fixtures" / "other-chart"
    result = helm.run("template", "em", str(other), *helm.post_renderer(),
                      f"--post-renderer-args=--values={values}", "--post-renderer-args=--manager=em-manager",
                      "--post-renderer-args=--database=em-db")
    [cronjob, drill] = by_kind(result.stdout, "CronJob")
    assert (cronjob["metadata"]["name"], drill["metadata"]["name"]) == ("em-enclaveos-backup", "em-enclaveos-drill")
    assert "namespace" not in cronjob["metadata"]
    env = {e["name"]: e.get("value") for e in
           cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["S3_PREFIX"] == "prod/ds"
    assert env["DATABASE_HOST"] == "em-db-0.em-db-headless"


def test_a_chart_with_other_names_gets_a_clear_error(helm: Helm, tmp_path: Any) -> None:
    values = tmp_path / "v.yaml"
    values.write_text("enclaveos-chart: {Backup: {CronSchedule: '@daily'}}\n"
                      "global: {S3: {Endpoint: s3.example.com, Bucket: acme-backups, HmacSecretName: creds}}\n")
    other = ROOT / "tests" / "fixtures" / "other-chart"
    result = helm.run("template", "em", str(other), *helm.post_renderer(),
                      f"--post-renderer-args=--values={values}", check=False)
    assert result.returncode != 0
    assert ('[helm-datashield] looked for a Deployment whose name ends in "-enclaveos-manager" and found none '
            '(Deployments on stdin: "em-manager"); point the post-renderer at it with '
            "--post-renderer-args=--manager=<name>") in result.stderr


def test_restore_through_helm_without_a_cluster_fails_cleanly(helm: Helm, tmp_path: Any) -> None:
    """No API server can run here: as installed in Helm, the command reaches the real helm
    (HELM_BIN) with the namespace Helm gave it, and reports the unreachable cluster in one line."""
    config = tmp_path / "kubeconfig"
    config.write_text("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
                      "users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                      "current-context: x\n", encoding="utf-8")
    env = {**helm.env, "KUBECONFIG": str(config)}
    done = subprocess.run([str(helm.binary), "datashield-restore", "ds", "-n", "prod", "--chart", str(CHART),
                           "--from", "latest", "--dry-run"], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 1
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("[helm-datashield]")]
    # The kubeconfig's current context, x, read by the real kubectl and pinned for every call (issue 24 §3).
    assert line.startswith(f"[helm-datashield] {helm.binary} list --deployed --failed --pending --uninstalling "
                           "--filter '^ds$' --output json "
                           "--namespace prod --kube-context x failed: ")
    assert "127.0.0.1:9" in line and "Traceback" not in done.stderr


def test_the_restore_commands_read_what_real_helm_prints(helm: Helm, monkeypatch: pytest.MonkeyPatch) -> None:
    """The calls of renderer/edges/cluster.py that need no cluster, against both real helm versions."""
    from renderer.edges.cluster import Cluster, ProcessRunner

    for key, value in helm.env.items():
        monkeypatch.setenv(key, value)
    cluster = Cluster(runner=ProcessRunner(), helm=str(helm.binary), kubectl="kubectl", namespace="prod")
    assert cluster.helm_major() == int(helm.major)
    assert cluster.has_helm_plugin("datashield-backup") == (helm.major == "4")
    assert cluster.has_helm_plugin("datashield") is False
    assert cluster.chart_identity(str(CHART), None) == "enclave-manager-0.1.0"


@pytest.mark.parametrize(("current", "pinned"), [("current-context: x\n", "x"), ("", None)], ids=["set", "not-set"])
def test_the_current_context_is_read_with_the_real_kubectl(helm: Helm, tmp_path: Any, current: str,
                                                           pinned: str | None) -> None:
    """Cluster.current_context against the real kubectl 1.32 beside each helm: the name, or None where the
    kubeconfig sets none (kubectl exits 1: "error: current-context is not set")."""
    from renderer.edges.cluster import Cluster, ProcessRunner

    config = tmp_path / "kubeconfig"
    config.write_text("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
                      f"contexts: [{{name: x, context: {{cluster: c}}}}]\n{current}", encoding="utf-8")
    cluster = Cluster(runner=ProcessRunner(), helm=str(helm.binary), kubectl=str(helm.binary.parent / "kubectl"),
                      namespace="prod", kubectl_env={"KUBECONFIG": str(config)})
    assert cluster.current_context() == pinned

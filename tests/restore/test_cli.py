"""`helm datashield-restore` run the way a user runs it: the plugin's executable with the
environment Helm gives plugins (HELM_BIN, HELM_NAMESPACE, HELM_KUBECONTEXT), where HELM_BIN
and KUBECTL_BIN are tests/fixtures/fake-cluster (the cluster model; real helm for the rest)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.checkout import plugin_cut_short
from tests.conftest import CHART, ROOT
from tests.fake_cluster import State
from tests.restore.conftest import BUCKET, HELM3, LATEST_COMPLETE, PREFIX, World
from tests.services import S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY

FAKE = ROOT / "tests" / "fixtures" / "fake-cluster"


def restore_cli(world: World, tmp_path: Path, *args: str, stdin: str = "", plugin: Path = ROOT,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The plugin's executable, run as Helm runs it (HELM_NAMESPACE, HELM_KUBECONTEXT, and `env`: more of what
    Helm hands a plugin) against the fake cluster."""
    state_file = tmp_path / "cluster.json"
    world.state.save(state_file)
    env = {**os.environ, "HELM_BIN": str(FAKE / "helm"), "KUBECTL_BIN": str(FAKE / "kubectl"),
           "HELM_NAMESPACE": "prod", "HELM_KUBECONTEXT": "ops-cluster", "FAKE_CLUSTER_STATE": str(state_file),
           "FAKE_REAL_HELM": HELM3, **(env or {})}
    done = subprocess.run([str(plugin / "bin" / "datashield-restore"), *args], env=env, input=stdin,
                          capture_output=True, text=True, check=False, timeout=120)
    world.state = State.load(state_file)
    return done


@pytest.mark.parametrize("venv,missing", [(True, "no module botocore"), (False, "no .venv/bin/python")],
                         ids=["venv-without-packages", "no-venv"])
def test_an_environment_cut_short_says_how_to_rebuild_it(world: World, tmp_path: Path, venv: bool,
                                                          missing: str) -> None:
    """The plugin's venv without its packages (an install interrupted), or with none: one line, exit 1."""
    plugin = plugin_cut_short(ROOT, tmp_path / "plug in", venv)
    done = restore_cli(world, tmp_path, "ds", "--list", plugin=plugin)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "", f"[helm-datashield] the plugin's environment is incomplete ({missing}): "
               f"run '{plugin}/scripts/install-env'\n")


def test_dry_run_prints_the_plan_and_changes_nothing(world: World, tmp_path: Path) -> None:
    done = restore_cli(world, tmp_path, "ds", "--from", "latest", "--chart", str(CHART), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert f"    backup  s3://{BUCKET}/{PREFIX}/{LATEST_COMPLETE}: sql, 64 bytes" in done.stdout
    assert "dry run: nothing was changed. The restore would run:" in done.stdout
    assert not [argv for argv in world.state.calls if "upgrade" in argv]
    # The namespace and context Helm gave the plugin reach every cluster call.
    cluster_calls = [argv for argv in world.state.calls if argv[1] not in ("version", "show", "template")]
    assert cluster_calls and all("--namespace" in argv and "prod" in argv for argv in cluster_calls)
    assert all("ops-cluster" in argv for argv in cluster_calls)


def test_a_restore_with_yes_runs_to_the_end(world: World, tmp_path: Path) -> None:
    done = restore_cli(world, tmp_path, "ds", "--from", "latest", "--chart", str(CHART), "--yes", "--output", "json")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events[-2]["event"] == "result" and events[-2]["restored"] == f"{PREFIX}/{LATEST_COMPLETE}"
    assert world.state.manager and world.state.manager["replicas"] == 3


@pytest.mark.parametrize(("args", "code", "stderr"), [
    (["ds", "--from", "latest"], 2,
     "[helm-datashield] helm datashield-restore: --from and --chart are needed to restore (or --list, "
     "--backup-now, --drill-now, --status; see --help)\n"),
    (["ds", "--drill-now", "--backup-now"], 2,
     "[helm-datashield] helm datashield-restore: argument --backup-now: not allowed with argument --drill-now "
     "(see helm datashield-restore --help)\n"),
    (["ds", "--drill-now", "--from", "latest"], 2,
     "[helm-datashield] helm datashield-restore: argument --from: not allowed with argument --drill-now "
     "(see helm datashield-restore --help)\n"),
    (["ds", "--from", "latest", "--chart", str(CHART)], 2,
     "[helm-datashield] helm datashield-restore: no terminal to confirm on; pass --yes to restore without asking "
     "(nothing was changed)\n"),
    (["ds", "--list", "--from", "latest"], 2,
     "[helm-datashield] helm datashield-restore: argument --from: not allowed with argument --list "
     "(see helm datashield-restore --help)\n"),
    (["ds", "--from", "latest", "--chart", str(CHART), "--timeout", "0"], 2,
     "[helm-datashield] helm datashield-restore: argument --timeout: '0' is shorter than a second "
     "(see helm datashield-restore --help)\n"),
    (["ds", "--from", "latest", "--chart", str(CHART), "--timeout", "1d"], 2,
     "[helm-datashield] helm datashield-restore: argument --timeout: '1d' is not a duration such as 90s, 20m, 2h "
     "or 1h30m (or a whole number of seconds) (see helm datashield-restore --help)\n"),
    (["ds", "--from", "ds-1.sql", "--chart", str(CHART), "--yes"], 5,
     "[helm-datashield] refused, nothing was changed:\n"
     f'[helm-datashield]   - no backup "ds-1.sql" of this release in s3://{BUCKET}/{PREFIX}/ (see --list)\n'),
])
def test_bad_requests_get_a_clear_message_and_their_exit_code(world: World, tmp_path: Path, args: list[str],
                                                              code: int, stderr: str) -> None:
    done = restore_cli(world, tmp_path, *args)
    assert (done.returncode, done.stderr) == (code, stderr)
    # Nothing on stdout but the progress of preflight, which was read-only.
    assert [line.split(" ...")[0].split(": FAILED")[0] for line in done.stdout.splitlines()] in (
        [], ["[1/5] preflight (read-only)"] * 2)


def test_a_failed_job_exits_1_and_names_the_step(world: World, tmp_path: Path) -> None:
    world.state.job_outcome = "failed"
    done = restore_cli(world, tmp_path, "ds", "--from", "latest", "--chart", str(CHART), "--yes")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == ("[helm-datashield] the restore Job failed: [restore] FAILED: the import failed (exit 1): "
                        "ERROR: syntax error")
    # The Job failed after its DROP: the one command that puts the safety dump back comes first.
    assert lines[3] == ("[helm-datashield] to put the data from before back: helm datashield-restore ds --namespace "
                        f"prod --kube-context ops-cluster --chart {CHART} --from pre-restore-ds-20261124T010203Z.sql "
                        "--yes")
    assert lines[5] == ("[helm-datashield] to retry the restore: helm datashield-restore ds --from latest "
                        f"--chart {CHART} --yes --namespace prod --kube-context ops-cluster")


def test_list_as_json(world: World, tmp_path: Path) -> None:
    done = restore_cli(world, tmp_path, "ds", "--list", "--output", "json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed["bucket"] == f"s3://{BUCKET}/{PREFIX}/"
    assert next(b["name"] for b in listed["backups"] if b["state"] == "complete" and b["kind"] == "backup") \
        == LATEST_COMPLETE
    for secret in (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY):
        assert secret not in done.stdout + done.stderr


def test_help_lists_drill_now(world: World, tmp_path: Path) -> None:
    done = restore_cli(world, tmp_path, "--help")
    assert (done.returncode, done.stderr) == (0, "")
    assert "  helm datashield-restore RELEASE --drill-now                           run the restore drill CronJob now" \
        in done.stdout.splitlines()
    assert ("--drill-now run the restore drill CronJob now (the newest backup restored into a throwaway database in "
            "the drill pod) and wait for it") in " ".join(done.stdout.split())  # argparse wraps it


@pytest.mark.parametrize(("outcome", "code", "last"), [
    ("complete", 0, None),
    ("failed", 1, "[helm-datashield] the drill Job failed: [restore] FAILED: the import failed (exit 1): ERROR: "
                  "syntax error"),
])
def test_drill_now_runs_the_drill_cronjob_and_exits_as_the_drill_ended(world: World, tmp_path: Path, outcome: str,
                                                                       code: int, last: str | None) -> None:
    world.state.job_outcome = outcome
    done = restore_cli(world, tmp_path, "ds", "--drill-now")
    assert done.returncode == code, done.stderr
    created = [argv for argv in world.state.calls if argv[1:3] == ["create", "job"]]
    assert len(created) == 1 and created[0][4:] == ["--from=cronjob/ds-enclaveos-drill", "--namespace", "prod",
                                                    "--context", "ops-cluster"]
    assert (done.stderr.splitlines()[0] if last else done.stderr) == (last or "")


def test_the_help_states_the_waits_the_command_uses() -> None:
    from renderer.restore.command import DESCRIPTION
    from renderer.restore.plan import JOB_END_MARGIN, MANAGER_READY_SECONDS

    assert (f"and {JOB_END_MARGIN} s more; for the manager to be ready, {MANAGER_READY_SECONDS} s"
            in " ".join(DESCRIPTION.split()))



# What helm 3.17 and 4.3 hand a plugin for `helm datashield-restore ... --kube-token=T --kube-apiserver=U
# --kube-as-user=ops --kube-as-group=a --kube-as-group=b --kube-ca-file=/ca --kube-insecure-skip-tls-verify`:
# the flags are taken off its arguments, and the groups list repeated (seen with the real binaries).
TOKEN = "eyJhbGciOiJSUzI1NiJ9.kube-token-of-ops"
IDENTITY = {"HELM_KUBETOKEN": TOKEN, "HELM_KUBEAPISERVER": "https://api.ops.example:6443", "HELM_KUBEASUSER": "ops",
            "HELM_KUBEASGROUPS": "a,b,a,b", "HELM_KUBECAFILE": "/etc/ops/ca.crt",
            "HELM_KUBEINSECURE_SKIP_TLS_VERIFY": "false", "HELM_KUBETLS_SERVER_NAME": ""}


def test_every_call_of_a_run_has_one_identity_and_the_token_is_in_no_command_line(world: World,
                                                                                  tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    done = restore_cli(world, tmp_path, "ds", "--from", "latest", "--chart", str(CHART), "--yes",
                       env={**IDENTITY, "TMPDIR": str(tmp_path / "tmp")})
    assert done.returncode == 0, done.stderr
    # helm's calls that reach no cluster left out; `kubectl version` asks the API server its version: kept.
    cluster_calls: list[tuple[list[str], dict[str, Any]]] = [
        (argv, seen) for argv, seen in zip(world.state.calls, world.state.identities, strict=True)
        if argv[0].endswith("kubectl") or argv[1] not in ("version", "show", "template", "plugin")]
    kubectl = [seen for argv, seen in cluster_calls if argv[0].endswith("kubectl")]
    assert kubectl
    assert [argv for argv, _seen in cluster_calls if argv[0].endswith("helm")]
    for argv, seen in cluster_calls:
        assert (seen["token"], seen["server"], seen["user"], seen["ca"]) == (
            TOKEN, "https://api.ops.example:6443", "ops", "/etc/ops/ca.crt"), argv
        assert TOKEN not in " ".join(argv)
    assert all(seen["groups"] == ["a", "b"] and seen["insecure"] is False for seen in kubectl)
    assert TOKEN not in done.stdout + done.stderr
    assert list((tmp_path / "tmp").iterdir()) == []  # its kubeconfig file is gone with the run


def test_printed_kubectl_commands_keep_the_identity_but_not_the_run_s_own_user(world: World,
                                                                              tmp_path: Path) -> None:
    world.state.job_outcome = "hang"  # the command stops waiting (--timeout) and says how to see the Job
    done = restore_cli(world, tmp_path, "ds", "--from", "latest", "--chart", str(CHART), "--yes", "--timeout", "1",
                       env=IDENTITY)
    assert done.returncode == 8, done.stderr  # the Job still runs: its own exit code
    assert re.search(r"\(its state: \S*kubectl get job ds-enclaveos-restore-[-0-9]+ --namespace prod --context "
                     "ops-cluster --server https://api.ops.example:6443 --as ops --as-group a --as-group b "
                     r"--certificate-authority /etc/ops/ca.crt\)", done.stderr), done.stderr
    assert "helm-datashield-kube-token" not in done.stderr and TOKEN not in done.stderr


@pytest.mark.parametrize(("env", "flags"), [
    ({}, []),
    ({"HELM_KUBETOKEN": "t"}, ["--user", "helm-datashield-kube-token"]),
    ({"HELM_KUBEAPISERVER": "https://x:6443"}, ["--server", "https://x:6443"]),
    ({"HELM_KUBEASUSER": "u", "HELM_KUBEASGROUPS": "g1,g2,g1,g2"},
     ["--as", "u", "--as-group", "g1", "--as-group", "g2"]),
    ({"HELM_KUBECAFILE": "/ca"}, ["--certificate-authority", "/ca"]),
    ({"HELM_KUBEINSECURE_SKIP_TLS_VERIFY": "true"}, ["--insecure-skip-tls-verify"]),
    ({"HELM_KUBEINSECURE_SKIP_TLS_VERIFY": "false"}, []),
    ({"HELM_KUBETLS_SERVER_NAME": "api.internal"}, ["--tls-server-name", "api.internal"]),
])
def test_each_of_helm_s_identity_variables_becomes_kubectl_s_flag(env: dict[str, str], flags: list[str]) -> None:
    from renderer.edges.cluster import KubeIdentity

    assert KubeIdentity.from_env(env).kubectl_flags() == flags


@pytest.mark.parametrize(("context", "current", "pinned"), [
    ("", "ops-cluster", "ops-cluster"),  # no --kube-context: the kubeconfig's current one, for the whole run
    ("dr-cluster", "ops-cluster", "dr-cluster"),  # --kube-context wins, and nobody asks the kubeconfig
    ("", None, None),  # no current context (in-cluster configuration): kubectl's own default, unnamed
])
def test_one_run_reaches_one_cluster_and_its_printed_commands_name_it(world: World, tmp_path: Path, context: str,
                                                                       current: str | None,
                                                                       pinned: str | None) -> None:
    """Issue 24 §3: without --kube-context every call followed the kubeconfig's current context, which another
    terminal's `kubectl config use-context` moves mid-run, and the printed commands named none. Pinned at the
    start; the printed commands name it, the kubeconfig (one file) and the identity, never the token."""
    world.state.current_context = current
    world.state.job_outcome = "failed"  # after the DROP: the retry and the put-back commands are printed
    kubeconfig = str(tmp_path / "ops kubeconfig")
    done = restore_cli(world, tmp_path, "ds", "--from", "latest", "--chart", str(CHART), "--yes",
                       env={"HELM_KUBECONTEXT": context, "KUBECONFIG": kubeconfig, **IDENTITY})
    assert done.returncode == 1, done.stderr
    asked = [argv for argv in world.state.calls if argv[1:3] == ["config", "current-context"]]
    assert len(asked) == (0 if context else 1)
    cluster_calls = [argv for argv in world.state.calls if argv[1:3] != ["config", "current-context"] and
                     (argv[0].endswith("kubectl") or argv[1] not in ("version", "show", "template", "plugin"))]
    for argv in cluster_calls:
        named = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("--kube-context", "--context")]
        assert named == ([pinned] if pinned else []), argv
    flags = (f"--namespace prod{f' --kube-context {pinned}' if pinned else ''} --kubeconfig '{kubeconfig}' "
             "--kube-apiserver https://api.ops.example:6443 --kube-as-user ops --kube-as-group a --kube-as-group b "
             "--kube-ca-file /etc/ops/ca.crt")
    assert f"to retry the restore: helm datashield-restore ds --from latest --chart {CHART} --yes {flags}" \
        in done.stderr, done.stderr
    assert TOKEN not in done.stdout + done.stderr

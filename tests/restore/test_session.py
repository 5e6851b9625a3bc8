"""The restore procedure, step by step, against the cluster model (tests/fake_cluster.py: no
Kubernetes API server can run here) and a real S3 server holding real backup objects.
Preflight refusals, every step failing, resuming, running twice, the dry run, listing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from renderer.errors import DatashieldError, ObjectStoreFailed, Refused, StepFailed
from tests.fake_cluster import RESTORE_ANNOTATION, FakeCluster, State
from tests.restore.conftest import BUCKET, LATEST_COMPLETE, NODES, PREFIX, RUN_ID, SECRET_NAME, World, request
from tests.services import S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY

UPGRADE_RESTORE = ("helm upgrade ds {chart} --reuse-values --set enclaveos-chart.Restore.Enabled=true "
                   "--set-string enclaveos-chart.Restore.Backup={backup} --set-string "
                   f"enclaveos-chart.Restore.RunId={RUN_ID} --post-renderer {{root}}/bin/datashield-backup")
UPGRADE_BACK = ("helm upgrade ds {chart} --reuse-values --set enclaveos-chart.Restore.Enabled=false "
                "--set enclaveos-chart.Manager.ReplicaCount={replicas} --post-renderer {root}/bin/datashield-backup")
ROLLOUT = "kubectl rollout status deployment/ds-enclaveos-manager --timeout=600s"
SGX_HINT = " (to restore anyway, knowing the data may be unreadable: --unsafe-ignore-sgx-nodes)"


def expected(template: str, **fields: Any) -> str:
    from tests.conftest import CHART, ROOT

    return template.format(chart=CHART, root=ROOT, **{"backup": LATEST_COMPLETE, "replicas": 3, **fields})


def changes(state: State, change: str) -> None:
    """The cluster set up as one refusal case names it."""
    match change:
        case "no release":
            state.release = None
        case "busy":
            assert state.release
            state.release["status"] = "pending-upgrade"
        case "other chart":
            assert state.release
            state.release["chart"] = "enclave-manager-0.0.9"
        case "no backup values":
            state.user_values = {}
        case "no secret":
            state.secrets = {}
        case "half a secret":
            state.secrets[SECRET_NAME] = {"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY_ID}
        case "manager elsewhere":
            assert state.manager
            state.manager["nodes"] = ["sgx-3", "sgx-1"]
        case "manager at zero":
            assert state.manager
            state.manager["replicas"] = 0
        case "nodes gone":
            assert state.manager
            state.manager["replicas"] = 0
            state.nodes = ["new-1"]
        case "no manager":
            state.manager = None


REFUSALS = [
    ("no release", {}, ["no release ds in namespace prod (helm list; -n NAMESPACE)"]),
    ("busy", {}, ["release ds is pending-upgrade: another helm operation is under way or was interrupted; "
                  "settle it first (helm history / helm rollback)"]),
    ("other chart", {}, ["--chart is enclave-manager-0.1.0, release ds runs enclave-manager-0.0.9: give the same "
                         "chart and --version, so that only the database changes"]),
    ("no backup values", {}, ["the release's values configure no backups (global.S3.Endpoint, global.S3.Bucket, "
                              "global.S3.HmacSecretName): there is no bucket to restore from"]),
    ("no secret", {}, ["Secret backup-creds (global.S3.HmacSecretName) does not exist in this namespace"]),
    ("half a secret", {}, ["Secret backup-creds has no AWS_SECRET_ACCESS_KEY: the restore Job could not read "
                           "the bucket"]),
    ("", {"source": "ds-20261101T000000Z.sql"},
     [f'no backup "ds-20261101T000000Z.sql" of this release in s3://{BUCKET}/{PREFIX}/ (see --list)']),
    ("", {"source": "ds-20261122T000000Z.sql"},
     ["backup ds-20261122T000000Z.sql is not complete: no metadata object (the backup did not finish)"]),
    ("", {"source": "ds-20261124T000000Z.sql"},
     ["backup ds-20261124T000000Z.sql is not complete: 64 bytes in the bucket, the metadata records 65: damaged"]),
    ("", {"source": "other-20261123T000000Z.sql"},
     [f'no backup "other-20261123T000000Z.sql" of this release in s3://{BUCKET}/{PREFIX}/ (see --list)']),
    ("manager elsewhere", {},
     ["the manager runs on sgx-3, which did not run it when ds-20261123T000000Z.sql was taken (it ran on sgx-1, "
      "sgx-2): the data is sealed to those nodes' SGX hardware and cannot be read elsewhere; move the manager to "
      "them first" + SGX_HINT]),
    ("", {"source": "ds-20261121T000000Z.sql"},
     ["the manager runs on sgx-1, sgx-2, which did not run it when ds-20261121T000000Z.sql was taken (it ran on "
      "sgx-9): the data is sealed to those nodes' SGX hardware and cannot be read elsewhere; move the manager to "
      "them first" + SGX_HINT]),
    ("", {"source": "ds-20261119T000000Z.sql"},
     ["backup ds-20261119T000000Z.sql does not say which nodes ran the manager (manager pods: Forbidden), so the "
      "SGX same-hardware rule cannot be checked" + SGX_HINT]),
    ("manager at zero", {}, ["ds-enclaveos-manager has 0 replicas now, so the count to return to is unknown: "
                             "pass --replicas N"]),
    ("nodes gone", {"replicas": 2},
     ["none of the nodes that ran the manager when ds-20261123T000000Z.sql was taken (sgx-1, sgx-2) is in the "
      "cluster: the data cannot be unsealed here" + SGX_HINT]),
    ("no manager", {}, ["the manager Deployment ds-enclaveos-manager does not exist in this namespace"]),
    ("no secret", {"source": "nope"},
     ["Secret backup-creds (global.S3.HmacSecretName) does not exist in this namespace"]),
]


@pytest.mark.parametrize(("change", "asked", "reasons"), REFUSALS,
                         ids=[f"{i}-{change or 'from'}" for i, (change, _, _) in enumerate(REFUSALS)])
def test_preflight_refuses_and_changes_nothing(world: World, change: str, asked: dict[str, Any],
                                              reasons: list[str]) -> None:
    changes(world.state, change)
    with pytest.raises(Refused) as refused:
        world.session().restore(request(**asked), dry_run=False, yes=True)
    assert refused.value.reasons == reasons
    assert refused.value.exit_code == 5
    assert not [c for c in world.calls() if " upgrade " in f" {c} " or c.startswith("kubectl create")]


def test_a_full_restore_runs_the_steps_in_order(world: World) -> None:
    assert world.session().restore(request(), dry_run=False, yes=True) == 0
    changing = [c for c in world.calls() if "upgrade" in c or "rollout" in c]
    assert changing == [expected(UPGRADE_RESTORE), expected(UPGRADE_BACK), ROLLOUT]
    assert world.state.manager == {"replicas": 3, "annotations": {}, "nodes": NODES}
    out = world.out.getvalue()
    for line in ["[1/5] preflight (read-only) ...", "[2/5] confirmation: done in 0.0 s (total 0.0 s)",
                 "    | [restore] restored malbork: 2 tables, row counts as recorded",
                 "[4/5] back out of restore mode: ds-enclaveos-manager to 3 replicas: done in 0.0 s (total 0.0 s)",
                 f"restored ds from s3://{BUCKET}/{PREFIX}/{LATEST_COMPLETE}; the manager runs 3 replicas; the data "
                 "from before the restore: s3://bucket/pre-restore-ds-20261124T010203Z.sql"]:
        assert line in out.splitlines()


def test_json_output_is_one_event_a_line(world: World) -> None:
    world.session(json_mode=True).restore(request(), dry_run=False, yes=True)
    events = [json.loads(line) for line in world.out.getvalue().splitlines()]
    steps = [(e["step"], e["status"]) for e in events if e["event"] == "step"]
    assert steps == [(n, s) for n in range(1, 6) for s in ("started", "done")]
    assert events[-2] == {"event": "result", "release": "ds", "bucket": BUCKET, "replicas": 3,
                          "restored": f"{PREFIX}/{LATEST_COMPLETE}",
                          "safetyDump": "s3://bucket/pre-restore-ds-20261124T010203Z.sql"}


@pytest.mark.parametrize(("asked", "replicas"), [({}, 3), ({"replicas": 5}, 5)])
def test_the_manager_comes_back_to_the_recorded_or_asked_count(world: World, asked: dict[str, Any],
                                                              replicas: int) -> None:
    world.session().restore(request(**asked), dry_run=False, yes=True)
    assert expected(UPGRADE_BACK, replicas=replicas) in world.calls()
    assert world.state.manager and world.state.manager["replicas"] == replicas


def test_a_run_left_in_restore_mode_is_resumed_with_the_recorded_count(world: World) -> None:
    world.state.fail["upgrade-back"] = "Error: UPGRADE FAILED: context deadline exceeded"
    with pytest.raises(StepFailed):
        world.session().restore(request(), dry_run=False, yes=True)
    assert world.state.manager and world.state.manager["replicas"] == 0
    assert world.state.manager["annotations"] == {RESTORE_ANNOTATION: "3"}
    world.state.fail.clear()
    world.out.truncate(0)
    assert world.session().restore(request(), dry_run=False, yes=True) == 0
    assert "    resuming: the release was left in restore mode by an earlier run" in world.out.getvalue().splitlines()
    assert world.state.manager["replicas"] == 3


def test_running_twice_does_no_harm(world: World) -> None:
    for _ in range(2):
        assert world.session().restore(request(), dry_run=False, yes=True) == 0
        assert world.state.manager and world.state.manager["replicas"] == 3
        assert world.state.user_values["enclaveos-chart"]["Restore"]["Enabled"] is False


def test_the_sgx_check_can_be_overridden_only_by_its_flag(world: World) -> None:
    changes(world.state, "manager elsewhere")
    assert world.session().restore(request(unsafe_sgx=True), dry_run=False, yes=True) == 0
    assert ("    note    SGX check overridden by --unsafe-ignore-sgx-nodes: the manager runs on sgx-3, which did not "
            "run it when ds-20261123T000000Z.sql was taken (it ran on sgx-1, sgx-2): the data is sealed to those "
            "nodes' SGX hardware and cannot be read elsewhere; move the manager to them first"
            in world.out.getvalue().splitlines())


def test_not_confirmed_changes_nothing(world: World) -> None:
    world.confirmed = False
    with pytest.raises(DatashieldError) as refused:
        world.session().restore(request(), dry_run=False, yes=False)
    assert refused.value.lines() == ["not confirmed: nothing was changed"]
    assert not [c for c in world.calls() if "upgrade" in c]


RETRY = "to retry the restore: run the same helm datashield-restore command again"
BACK_WITHOUT = "to bring the manager back WITHOUT restoring: {back}"
FINISH = "to finish: {back}"
FAILURES = [
    ("upgrade-restore", "Error: UPGRADE FAILED: timed out",
     ["helm upgrade into restore mode failed: {upgrade} failed: Error: UPGRADE FAILED: timed out",
      "the manager may be at 0 replicas now.", RETRY, BACK_WITHOUT], 3),
    ("job failed", "",
     ["the restore Job failed: [restore] FAILED: the import failed (exit 1): ERROR: syntax error",
      "the data from before the restore is in s3://bucket/pre-restore-ds-20261124T010203Z.sql.",
      "the manager stays at 0 replicas: it must not start on a database that may be half restored.",
      RETRY, BACK_WITHOUT], 0),
    ("job hangs", "",
     ["the restore Job failed: Job ds-enclaveos-restore-20261124-010203 did not finish within 600 s",
      RETRY, BACK_WITHOUT], 0),
    ("upgrade-back", "Error: UPGRADE FAILED: another operation is in progress",
     ["helm upgrade out of restore mode failed: {back} failed: Error: UPGRADE FAILED: another operation is in "
      "progress",
      f"the database was restored from {PREFIX}/{LATEST_COMPLETE}, but ds-enclaveos-manager may still be at 0 "
      "replicas: THE MANAGER IS DOWN until this is fixed.",
      "the data from before the restore is in s3://bucket/pre-restore-ds-20261124T010203Z.sql.", FINISH], 0),
    ("rollout", 'error: deployment "ds-enclaveos-manager" exceeded its progress deadline',
     ['waiting for ds-enclaveos-manager to be ready failed: {rollout} failed: error: deployment '
      '"ds-enclaveos-manager" exceeded its progress deadline',
      f"the database was restored from {PREFIX}/{LATEST_COMPLETE}, but ds-enclaveos-manager may still be at 0 "
      "replicas: THE MANAGER IS DOWN until this is fixed.",
      "the data from before the restore is in s3://bucket/pre-restore-ds-20261124T010203Z.sql.", FINISH], 3),
]


@pytest.mark.parametrize(("failing", "stderr", "lines", "replicas"), FAILURES, ids=[f[0] for f in FAILURES])
def test_a_failing_step_says_what_it_left_and_what_to_run(world: World, failing: str, stderr: str,
                                                         lines: list[str], replicas: int) -> None:
    if failing == "job failed":
        world.state.job_outcome = "failed"
    elif failing == "job hangs":
        world.state.job_outcome = "hang"
    else:
        world.state.fail[failing] = stderr
    session = world.session()
    plan = session.preflight(request())
    with pytest.raises(StepFailed) as failed:
        session.restore(request(), dry_run=False, yes=True)
    from renderer.cluster import shown

    assert failed.value.lines() == [line.format(upgrade=shown(plan.restore_mode), back=shown(plan.back),
                                                rollout=shown(plan.rollout))
                                    for line in lines]
    assert failed.value.exit_code == 1
    assert world.state.manager and world.state.manager["replicas"] == replicas


def test_dry_run_renders_restore_mode_from_the_recorded_values_and_changes_nothing(world: World) -> None:
    assert world.session().restore(request(), dry_run=True, yes=False) == 0
    assert not [c for c in world.calls() if "upgrade" in c or "rollout" in c]
    template = [c for c in world.calls() if c.startswith("helm template")]
    assert len(template) == 1 and "--values" in template[0]
    lines = world.out.getvalue().splitlines()
    assert ("    restore mode renders: 10 objects, ds-enclaveos-manager replicas 0, "
            f"Job ds-enclaveos-restore-{RUN_ID}") in lines
    assert "dry run: nothing was changed. The restore would run:" in lines
    # `latest` passed over the newer backups that are not complete, and the plan says so.
    assert [line for line in lines if "skipped" in line] == [
        "    note    skipped the newer ds-20261124T000000Z.sql: 64 bytes in the bucket, the metadata records 65: "
        "damaged"]


@pytest.mark.parametrize("json_mode", [False, True])
def test_no_output_and_no_error_holds_the_keys(world: World, json_mode: bool) -> None:
    world.session(json_mode).restore(request(), dry_run=True, yes=False)
    world.session(json_mode).restore(request(), dry_run=False, yes=True)
    world.session(json_mode).list_backups("ds", verify=False)
    world.state.secrets[SECRET_NAME]["AWS_SECRET_ACCESS_KEY"] = "x" + S3_SECRET_ACCESS_KEY[1:]
    with pytest.raises(ObjectStoreFailed) as failed:
        world.session(json_mode).list_backups("ds", verify=False)
    text = world.out.getvalue() + "\n".join(failed.value.lines())
    assert "SignatureDoesNotMatch" in text
    for secret in (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_SECRET_ACCESS_KEY[1:]):
        assert secret not in text


def test_list_shows_every_backup_newest_first_with_its_state(world: World) -> None:
    world.session().list_backups("ds", verify=True)
    assert world.out.getvalue().splitlines() == [
        f"backups of ds in s3://{BUCKET}/{PREFIX}/ (newest first):",
        "  ds-20261124T000000Z.sql  2026-11-24T00:00:00Z            64  sql     sgx-1,sgx-2  incomplete: 64 bytes in "
        "the bucket, the metadata records 65: damaged",
        "  ds-20261123T000000Z.sql  2026-11-23T00:00:00Z            64  sql     sgx-1,sgx-2  verified",
        "  ds-20261122T000000Z.sql  2026-11-22T00:00:00Z            64  sql     (nodes not recorded)  incomplete: no "
        "metadata object (the backup did not finish)",
        "  ds-20261121T000000Z.sql  2026-11-21T00:00:00Z            64  sql     sgx-9  verified",
        "  ds-20261120T000000Z.sql  2026-11-20T00:00:00Z            64  sql     sgx-1,sgx-2  verified",
        "  ds-20261119T000000Z.sql  2026-11-19T00:00:00Z            64  sql     (nodes not recorded)  verified",
        "  ds-20261118T000000Z.sql  2026-11-18T00:00:00Z            64  sql     sgx-1,sgx-2  DAMAGED: SHA-256 differs",
    ]


def test_backup_now_starts_a_job_from_the_cronjob_and_follows_it(world: World) -> None:
    assert world.session().backup_now("ds", timeout=600) == 0
    created = [c for c in world.calls() if c.startswith("kubectl create")]
    assert len(created) == 1 and created[0].startswith("kubectl create job ds-enclaveos-backup-")
    assert created[0].endswith(" --from=cronjob/ds-enclaveos-backup")
    assert "[2/2] wait for Job" in world.out.getvalue()


UPLOADED = f"uploaded/ds-{RUN_ID.replace('-', 'T')}Z.sql"


def test_a_local_file_without_metadata_needs_the_sgx_override(world: World, tmp_path: Path, s3: Any) -> None:
    local = tmp_path / "backup.sql"
    local.write_bytes(b"CREATE TABLE enclaves (id int);\n")
    with pytest.raises(Refused) as refused:
        world.session().restore(request(source=str(local)), dry_run=False, yes=True)
    assert refused.value.reasons == [
        f"backup {UPLOADED} does not say which nodes ran the manager (a local file without metadata: the nodes "
        "that ran the manager are not known), so the SGX same-hardware rule cannot be checked" + SGX_HINT]
    assert world.session().restore(request(source=str(local), unsafe_sgx=True), dry_run=False, yes=True) == 0
    assert [c for c in world.calls() if f"--set-string enclaveos-chart.Restore.Backup={UPLOADED} " in c]
    assert s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{UPLOADED}")["Body"].read() == local.read_bytes()
    uploaded = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{UPLOADED}.json")["Body"].read())
    assert (uploaded["writer"], uploaded["source"], uploaded["size"]) == ("helm-datashield-restore", "backup.sql", 32)
    assert "tables" not in uploaded


def test_a_local_file_with_its_metadata_beside_it_is_checked_like_a_backup(world: World, tmp_path: Path,
                                                                          s3: Any) -> None:
    local = tmp_path / LATEST_COMPLETE
    local.write_bytes(s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{LATEST_COMPLETE}")["Body"].read())
    beside = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{LATEST_COMPLETE}.json")["Body"].read()
    (tmp_path / f"{LATEST_COMPLETE}.json").write_bytes(beside)
    assert world.session().restore(request(source=str(local)), dry_run=False, yes=True) == 0
    uploaded = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{UPLOADED}.json")["Body"].read())
    assert uploaded["nodes"]["manager"] == NODES and uploaded["tables"] == json.loads(beside)["tables"]


@pytest.mark.parametrize(("content", "beside", "reason"), [
    (None, None, "--from {path}: cannot read it: No such file or directory"),
    (b"", None, "--from {path}: the file is empty"),
    (b"x", b"{not json", "{path}.json: not a readable metadata object: Expecting property name enclosed in double "
                         "quotes: line 1 column 2 (char 1)"),
    (b"x", b'{"sha256": "00"}', "{path}.json records another SHA-256 than {path} has: the file is not the backup "
                                "that metadata describes"),
])
def test_an_unusable_local_file_is_refused(world: World, tmp_path: Path, content: bytes | None,
                                           beside: bytes | None, reason: str) -> None:
    local = tmp_path / "backup.sql"
    if content is not None:
        local.write_bytes(content)
    if beside is not None:
        (tmp_path / "backup.sql.json").write_bytes(beside)
    with pytest.raises(Refused) as refused:
        world.session().restore(request(source=str(local), unsafe_sgx=True), dry_run=True, yes=True)
    assert refused.value.reasons == [reason.format(path=local)]


def test_on_helm_4_the_post_renderer_plugin_must_be_installed(world: World, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Helm 4 takes only an installed postrenderer/v1 plugin's name: real helm 4, a Helm home without it."""
    from tests.conftest import ROOT

    for variable in ("HELM_DATA_HOME", "HELM_CONFIG_HOME", "HELM_CACHE_HOME"):
        monkeypatch.setenv(variable, str(tmp_path))
    session = world.session()
    session.cluster.runner = FakeCluster(world.state, str(ROOT / ".tools" / "helm4" / "helm"))
    with pytest.raises(Refused) as refused:
        session.restore(request(), dry_run=True, yes=False)
    assert refused.value.reasons == ["the post-renderer plugin datashield-backup is not installed "
                                     "(helm plugin install <plugin dir>/plugins/datashield-backup)"]

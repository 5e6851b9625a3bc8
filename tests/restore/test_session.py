"""The restore procedure, step by step, against the cluster model (tests/fake_cluster.py: no
Kubernetes API server can run here) and a real S3 server holding real backup objects.
Preflight refusals, every step failing, resuming, running twice, the dry run, listing."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from renderer.edges.cluster import shown
from renderer.errors import ClusterCallFailed, DatashieldError, ObjectStoreFailed, Refused, StepFailed
from renderer.restore.plan import JOB_END_MARGIN, job_wait
from tests.conftest import CHART, json_message
from tests.fake_cluster import GOOD_LOG, IGNORED_POD_LOG, RESTORE_ANNOTATION, FakeCluster, State
from tests.restore.conftest import (
    BUCKET,
    DRILL_FAILURE,
    LATEST_COMPLETE,
    NODES,
    PREFIX,
    RUN_ID,
    SAFETY,
    SAFETY_DUMP,
    SECRET_NAME,
    World,
    put_drilled,
    request,
)
from tests.services import S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY

UPGRADE_RESTORE = ("helm upgrade ds {chart} --reuse-values --set enclaveos-chart.Restore.Enabled=true "
                   "--set-string enclaveos-chart.Restore.Backup={backup} --set-string "
                   f"enclaveos-chart.Restore.RunId={RUN_ID} --set-string "
                   "enclaveos-chart.Restore.ManagerNodes={nodes} --post-renderer {root}/bin/datashield-backup")
UPGRADE_BACK = ("helm upgrade ds {chart} --reuse-values --set enclaveos-chart.Restore.Enabled=false "
                "--set enclaveos-chart.Manager.ReplicaCount={replicas} --post-renderer {root}/bin/datashield-backup")
ROLLOUT = "kubectl rollout status deployment/ds-enclaveos-manager --timeout=3600s"  # MANAGER_READY_SECONDS
SGX_HINT = " (to restore anyway, knowing the data may be unreadable: --unsafe-ignore-sgx-nodes)"


def expected(template: str, **fields: Any) -> str:
    from tests.conftest import CHART, ROOT

    return template.format(chart=CHART, root=ROOT, **{"backup": LATEST_COMPLETE, "replicas": 3,
                                                      "nodes": "sgx-1\\,sgx-2", **fields})


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
                 f"from before the restore: {SAFETY}"]:
        assert line in out.splitlines()


def test_json_output_is_one_event_a_line(world: World) -> None:
    world.session(json_mode=True).restore(request(), dry_run=False, yes=True)
    events = [json.loads(line) for line in world.out.getvalue().splitlines()]
    steps = [(e["step"], e["status"]) for e in events if e["event"] == "step"]
    assert steps == [(n, s) for n in range(1, 6) for s in ("started", "done")]
    assert events[-2] == {"event": "result", "release": "ds", "bucket": BUCKET, "replicas": 3,
                          "restored": f"{PREFIX}/{LATEST_COMPLETE}",
                          "safetyDump": SAFETY, "safetyDumpKnown": True}


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
GOES_ON = (f"the Job ds-enclaveos-restore-{RUN_ID} goes on in the cluster: THE MANAGER IS AT 0 REPLICAS until it has "
           f"ended and the manager is brought back (its state: kubectl get job ds-enclaveos-restore-{RUN_ID} "
           "--namespace prod).")
FOLLOW = "to follow the Job and finish the restore: run the same helm datashield-restore command again"
BACK_ONCE_ENDED = BACK_WITHOUT + " (only once the Job has ended)"
FAILURES = [
    ("upgrade-restore", "Error: UPGRADE FAILED: timed out",
     ["helm upgrade into restore mode failed: {upgrade} failed: Error: UPGRADE FAILED: timed out",
      "THE MANAGER MAY BE AT 0 REPLICAS NOW.", RETRY, BACK_WITHOUT], 3),
    # After the DROP: the one command that puts the safety dump back, never "without restoring".
    ("job failed", "",
     ["the restore Job failed: [restore] FAILED: the import failed (exit 1): ERROR: syntax error",
      f"the data from before the restore is in {SAFETY}.",
      "the database malbork was dropped: it no longer holds the data from before.",
      f"to put the data from before back: helm datashield-restore ds --namespace prod --chart {CHART} --from "
      "pre-restore-ds-20261124T010203Z.sql",
      "THE MANAGER STAYS AT 0 REPLICAS: it must not start on a database that may be half restored.", RETRY], 0),
    # Before it (the fetch step): the database is as it was.
    ("fetch failed", "",
     ["the restore Job failed: [fetch] FAILED: the import failed (exit 1): ERROR: syntax error",
      "THE MANAGER STAYS AT 0 REPLICAS: it must not start on a database that may be half restored.",
      RETRY, BACK_WITHOUT], 0),
    # The values' Restore.ActiveDeadlineSeconds (600 here) and the margin: 1200 s.
    ("job hangs", "",
     ["the restore Job still runs: the wait ended after 1200 s and Job ds-enclaveos-restore-20261124-010203 has "
      "not finished", GOES_ON,
      FOLLOW, BACK_ONCE_ENDED], 0),
    ("upgrade-back", "Error: UPGRADE FAILED: another operation is in progress",
     ["helm upgrade out of restore mode failed: {back} failed: Error: UPGRADE FAILED: another operation is in "
      "progress",
      f"the database was restored from {PREFIX}/{LATEST_COMPLETE}, but ds-enclaveos-manager may still be at 0 "
      "replicas: THE MANAGER IS DOWN until this is fixed.",
      f"the data from before the restore is in {SAFETY}.", FINISH], 0),
    ("rollout", 'error: deployment "ds-enclaveos-manager" exceeded its progress deadline',
     ['waiting for ds-enclaveos-manager to be ready failed: {rollout} failed: error: deployment '
      '"ds-enclaveos-manager" exceeded its progress deadline',
      f"the database was restored from {PREFIX}/{LATEST_COMPLETE}, but ds-enclaveos-manager may still be at 0 "
      "replicas: THE MANAGER IS DOWN until this is fixed.",
      f"the data from before the restore is in {SAFETY}.", FINISH], 3),
]


@pytest.mark.parametrize(("failing", "stderr", "lines", "replicas"), FAILURES, ids=[f[0] for f in FAILURES])
def test_a_failing_step_says_what_it_left_and_what_to_run(world: World, failing: str, stderr: str,
                                                         lines: list[str], replicas: int) -> None:
    if failing in ("job failed", "fetch failed"):
        world.state.job_outcome = "failed"
        world.state.failing_container = {"job failed": "restore", "fetch failed": "fetch"}[failing]
    elif failing == "job hangs":
        world.state.job_outcome = "hang"
        world.state.user_values["enclaveos-chart"]["Restore"] = {"ActiveDeadlineSeconds": 600}
        world.state.user_values["enclaveos-chart"]["Backup"]["S3CallTimeoutSeconds"] = 300
    else:
        world.state.fail[failing] = stderr
    session = world.session()
    plan = session.preflight(request())
    with pytest.raises(StepFailed) as failed:
        session.restore(request(), dry_run=False, yes=True)
    from renderer.edges.cluster import shown

    assert failed.value.lines() == [line.format(upgrade=shown(plan.restore_mode), back=shown(plan.back),
                                                rollout=shown(plan.rollout))
                                    for line in lines]
    assert failed.value.exit_code == (8 if failing == "job hangs" else 1)  # 8: the Job still runs, nothing failed
    assert world.state.manager and world.state.manager["replicas"] == replicas


def test_dry_run_renders_restore_mode_from_the_recorded_values_and_changes_nothing(world: World) -> None:
    assert world.session().restore(request(), dry_run=True, yes=False) == 0
    assert not [c for c in world.calls() if "upgrade" in c or "rollout" in c]
    template = [c for c in world.calls() if c.startswith("helm template")]
    assert len(template) == 1 and "--values" in template[0]
    lines = world.out.getvalue().splitlines()
    assert ("    restore mode renders: 12 objects, ds-enclaveos-manager replicas 0, "
            f"Job ds-enclaveos-restore-{RUN_ID}") in lines
    assert "dry run: nothing was changed. The restore would run:" in lines
    # `latest` passed over the newer backups that are not complete, and the plan says so.
    assert [line for line in lines if "skipped" in line] == [
        "    note    skipped the newer ds-20261124T000000Z.sql: 64 bytes in the bucket, the metadata records 65: "
        "damaged"]


@pytest.mark.parametrize(("asked", "warning"), [
    ({}, None),  # latest: drilled OK
    ({"source": "ds-20261118T000000Z.sql"},
     "backup ds-20261118T000000Z.sql has never been drilled: no restore of it has been proven"),
    ({"source": "ds-20261121T000000Z.sql", "unsafe_sgx": True},
     f"backup ds-20261121T000000Z.sql failed its last drill (2026-11-22T03:00:04Z): {DRILL_FAILURE}"),
    ({"source": "ds-20261120T000000Z.sql"},
     "backup ds-20261120T000000Z.sql: drill record unreadable: not written by helm-datashield"),
    ({"source": SAFETY_DUMP}, None),  # never drilled by design
], ids=["drilled-ok", "never-drilled", "drill-failed", "record-unreadable", "safety-dump"])
def test_the_preflight_warns_of_a_backup_not_proven_by_a_drill_and_goes_on(world: World, asked: dict[str, Any],
                                                                           warning: str | None) -> None:
    """In the preflight's output and the dry run's plan (text and JSON), not a refusal; the restore goes on."""
    assert world.session().restore(request(**asked), dry_run=True, yes=False) == 0
    assert [line for line in world.out.getvalue().splitlines() if "WARNING" in line] == (
        [f"    WARNING {warning}"] if warning else [])
    session = world.session(json_mode=True)
    world.out.truncate(0)
    world.out.seek(0)
    assert session.restore(request(**asked), dry_run=True, yes=False) == 0
    plan = [e for e in map(json.loads, world.out.getvalue().splitlines()) if e["event"] == "plan"]
    assert plan[0]["warnings"] == ([warning] if warning else [])
    if warning:
        assert world.session().restore(request(**asked), dry_run=False, yes=True) == 0


@pytest.mark.parametrize("json_mode", [False, True])
def test_a_drill_reason_that_quotes_a_key_is_listed_redacted(world: World, s3: Any, json_mode: bool) -> None:
    reason = f"[fetch] FAILED: ?AWS_SECRET_ACCESS_KEY={S3_SECRET_ACCESS_KEY} refused"
    put_drilled(s3, "list-drill-key", {LATEST_COMPLETE: [("20261123T030000Z", {"verdict": "FAILED",
                                                                               "reason": reason})]})
    world.state.user_values["enclaveos-chart"]["Backup"]["S3Prefix"] = "list-drill-key"
    world.session(json_mode).list_backups("ds", verify=False)
    shown = world.out.getvalue()
    assert S3_SECRET_ACCESS_KEY not in shown
    redacted = "[fetch] FAILED: ?AWS_SECRET_ACCESS_KEY=(redacted) refused"
    if json_mode:
        assert json.loads(shown)["backups"][0]["drill"]["reason"] == redacted
    else:
        assert shown.splitlines()[1].endswith(f"  complete; drill FAILED: {redacted}")


def test_a_local_file_is_never_drilled_and_nothing_is_said(world: World, tmp_path: Path, s3: Any) -> None:
    local = tmp_path / "backup.sql"
    local.write_bytes(s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/ds-20261118T000000Z.sql")["Body"].read())
    assert world.session().restore(request(source=str(local), unsafe_sgx=True), dry_run=True, yes=False) == 0
    assert "WARNING" not in world.out.getvalue()


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
        f"  {SAFETY_DUMP}  2026-11-25T00:00:00Z            76  sql     sgx-1,sgx-2  verified  SAFETY DUMP taken "
        f"before restoring {PREFIX}/{LATEST_COMPLETE}",
        "  ds-20261124T000000Z.sql  2026-11-24T00:00:00Z            64  sql     sgx-1,sgx-2  incomplete: 64 bytes in "
        "the bucket, the metadata records 65: damaged; not drilled",
        "  ds-20261123T000000Z.sql  2026-11-23T00:00:00Z            64  sql     sgx-1,sgx-2  verified; drilled OK "
        "2026-11-23T03:00:04Z",
        "  ds-20261122T000000Z.sql  2026-11-22T00:00:00Z            64  sql     (nodes not recorded)  incomplete: no "
        "metadata object (the backup did not finish); not drilled",
        "  ds-20261121T000000Z.sql  2026-11-21T00:00:00Z            64  sql     sgx-9  verified; drill FAILED: "
        f"{DRILL_FAILURE}",
        "  ds-20261120T000000Z.sql  2026-11-20T00:00:00Z            64  sql     sgx-1,sgx-2  verified; drill record "
        "unreadable: not written by helm-datashield",
        "  ds-20261119T000000Z.sql  2026-11-19T00:00:00Z            64  sql     (nodes not recorded)  verified; not "
        "drilled",
        "  ds-20261118T000000Z.sql  2026-11-18T00:00:00Z            64  sql     sgx-1,sgx-2  DAMAGED: SHA-256 differs; "
        "not drilled",
    ]


def test_list_as_json_gives_each_backup_the_state_of_its_newest_drill_record(world: World, s3: Any) -> None:
    """Only the newest record of each backup is read (a newer record that is not trusted hides an
    older OK one); a safety dump has none by design."""
    world.session(json_mode=True).list_backups("ds", verify=False)
    rows = {row["name"]: row["drill"] for row in json.loads(world.out.getvalue())["backups"]}
    key = f"{PREFIX}/ds-20261120T000000Z.sql"
    assert rows == {
        SAFETY_DUMP: None,
        "ds-20261124T000000Z.sql": {"verdict": "none", "time": None, "reason": None, "record": None},
        LATEST_COMPLETE: {"verdict": "OK", "time": "2026-11-23T03:00:04Z", "reason": None,
                          "record": f"{PREFIX}/{LATEST_COMPLETE}.drill-20261123T030004Z.json"},
        "ds-20261122T000000Z.sql": {"verdict": "none", "time": None, "reason": None, "record": None},
        "ds-20261121T000000Z.sql": {"verdict": "FAILED", "time": "2026-11-22T03:00:04Z", "reason": DRILL_FAILURE,
                                    "record": f"{PREFIX}/ds-20261121T000000Z.sql.drill-20261122T030004Z.json"},
        "ds-20261120T000000Z.sql": {"verdict": "unreadable", "time": "2026-11-21T03:00:00Z",
                                    "reason": "not written by helm-datashield",
                                    "record": f"{key}.drill-20261121T030000Z.json"},
        "ds-20261119T000000Z.sql": {"verdict": "none", "time": None, "reason": None, "record": None},
        "ds-20261118T000000Z.sql": {"verdict": "none", "time": None, "reason": None, "record": None}}
    # The older, good record of ds-20261120T000000Z.sql is there, and was not taken.
    assert s3.head_object(Bucket=BUCKET, Key=f"{key}.drill-20261120T030000Z.json")["ContentLength"] > 0


def test_a_safety_dump_is_listed_as_one_and_restored_by_its_name(world: World) -> None:
    world.session(json_mode=True).list_backups("ds", verify=False)
    rows = json.loads(world.out.getvalue())["backups"]
    assert [(r["name"], r["kind"], r.get("restoring")) for r in rows][:2] == [
        (SAFETY_DUMP, "safety-dump", f"{PREFIX}/{LATEST_COMPLETE}"), ("ds-20261124T000000Z.sql", "backup", None)]
    assert world.session().restore(request(source=SAFETY_DUMP), dry_run=False, yes=True) == 0
    assert expected(UPGRADE_RESTORE, backup=SAFETY_DUMP) in world.calls()


@pytest.mark.parametrize("key_id,secret", [
    pytest.param(S3_ACCESS_KEY_ID + "\n", S3_SECRET_ACCESS_KEY, id="key-id-with-trailing-newline"),
    pytest.param(S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY + "\n", id="secret-with-trailing-newline"),
    pytest.param("AK&I'D %+/=\né", "se&cr'et %+/=\nkéy", id="every-character"),
])
def test_an_error_never_shows_a_key_in_any_form(world: World, key_id: str, secret: str) -> None:
    """botocore quotes a header holding a key with a newline as bytes (`...AKID\\n/...`): the
    restore command's message must hold no form of either key."""
    from renderer.redaction import secret_forms

    world.state.secrets[SECRET_NAME] = {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}
    with pytest.raises(ObjectStoreFailed) as failed:
        world.session().list_backups("ds", verify=False)
    text = world.out.getvalue() + "\n".join(failed.value.lines())
    assert text.startswith(f"cannot list s3://{BUCKET}/{PREFIX}/ds-: ")
    assert [form for key in (key_id, secret) for form in secret_forms(key) if form in text] == []


@pytest.mark.parametrize("json_mode", [False, True])
def test_a_job_log_line_that_quotes_a_key_is_shown_redacted(world: World, json_mode: bool) -> None:
    secret = "se&cr'et %+/=\nkéy"
    world.state.secrets[SECRET_NAME]["AWS_SECRET_ACCESS_KEY"] = secret
    session = world.session(json_mode)
    with pytest.raises(ObjectStoreFailed):
        session.list_backups("ds", verify=False)  # the keys are read, then refused by the server
    world.out.truncate(0)
    world.out.seek(0)
    session.progress.log("restore", f"[restore] FAILED: RESTORE failed: ?AWS_SECRET_ACCESS_KEY={secret} and {secret!r}")
    line = world.out.getvalue()
    expected = '[restore] FAILED: RESTORE failed: ?AWS_SECRET_ACCESS_KEY=(redacted) and "(redacted)"'
    assert (json.loads(line)["line"] if json_mode else line) == (expected if json_mode else f"    | {expected}\n")


@pytest.mark.parametrize("component", ["backup", "drill"])
def test_backup_now_and_drill_now_start_a_job_from_their_cronjob_and_follow_it(world: World, component: str) -> None:
    session = world.session()
    assert (session.backup_now if component == "backup" else session.drill_now)("ds", timeout=600) == 0
    created = [c for c in world.calls() if c.startswith("kubectl create")]
    assert len(created) == 1 and created[0].startswith(f"kubectl create job ds-enclaveos-{component}-")
    job = created[0].split(" ")[3]
    assert re.fullmatch(rf"ds-enclaveos-{component}-\d{{10}}", job) and created[0].endswith(
        f" --from=cronjob/ds-enclaveos-{component}")
    assert world.out.getvalue().splitlines()[:2] == [
        f"[1/2] start Job {job} from CronJob ds-enclaveos-{component} ...",
        f"[1/2] start Job {job} from CronJob ds-enclaveos-{component}: done in 0.0 s (total 0.0 s)"]
    assert f"[2/2] wait for Job {job}: done in " in world.out.getvalue()


@pytest.mark.parametrize("component", ["backup", "drill"])
def test_backup_now_and_drill_now_start_nothing_while_their_cronjob_is_suspended(world: World,
                                                                                 component: str) -> None:
    """Restore mode suspends both CronJobs: a backup then would dump a half-restored database, and a Job
    created from a CronJob runs whatever the CronJob's suspend says."""
    cronjob = world.state.cronjob if component == "backup" else world.state.drill_cronjob
    assert cronjob is not None
    cronjob["suspend"] = True
    session = world.session()
    with pytest.raises(Refused) as refused:
        (session.backup_now if component == "backup" else session.drill_now)("ds", timeout=600)
    assert (refused.value.lines(), refused.value.exit_code) == ([
        "refused, nothing was changed:",
        f"  - the CronJob ds-enclaveos-{component} is suspended (the release is in restore mode, or "
        "enclaveos-chart.Backup.Suspend is true): finish the restore first, or upgrade the release with "
        "Backup.Suspend=false"], 5)
    assert [c for c in world.calls() if c.startswith("kubectl create")] == []
    assert world.state.jobs == {}


def test_a_failed_drill_fails_drill_now_with_its_failure_line(world: World) -> None:
    world.state.job_outcome = "failed"
    with pytest.raises(StepFailed) as failed:
        world.session().drill_now("ds", timeout=600)
    job = next(c for c in world.calls() if c.startswith("kubectl create")).split(" ")[3]
    assert failed.value.lines() == [
        "the drill Job failed: [restore] FAILED: the import failed (exit 1): ERROR: syntax error",
        f"its whole log: kubectl logs --selector job-name={job} --all-containers --prefix --tail=-1 --ignore-errors "
        "--namespace prod"]
    assert failed.value.exit_code == 1


def test_drill_now_follows_each_pod_of_the_drill_job_oldest_first_and_says_when_another_starts(world: World) -> None:
    """A drill whose backup was deleted while it was drilled exits REDRILL_EXIT; the Job ignores that pod
    (podFailurePolicy) and starts another (record.sh). The API lists pods by name, which says nothing of age: the
    follower reads each pod's containers oldest pod first, once each, and says when the Job started another."""
    world.state.containers, world.state.ignored_pods = ["pick", "drill", "record"], 1
    world.state.logs = {"pick": ["[pick] drilling s3://b/ds-20261123T000000Z.sql"], "drill": ["[drill] restored"],
                        "record": ["[record] drill OK"]}
    world.session().drill_now("ds", timeout=600)
    followed = [c.split(" ")[2:5:2] for c in world.calls() if c.startswith("kubectl logs")]
    job = next(c for c in world.calls() if c.startswith("kubectl create")).split(" ")[3]
    assert followed == [[f"{job}-zz000", c] for c in ("pick", "drill", "record")] + [
        [f"{job}-pod", c] for c in ("pick", "drill", "record")]
    shown = [line.strip() for line in world.out.getvalue().splitlines() if line.startswith("    ")]
    assert shown == [*(f"| {IGNORED_POD_LOG[c]}" for c in ("pick", "drill", "record")),
                     f"the Job started another pod, {job}-pod (the one before, {job}-zz000, ended)",
                     "| [pick] drilling s3://b/ds-20261123T000000Z.sql", "| [drill] restored", "| [record] drill OK"]


def test_a_drill_job_fails_with_its_newest_pods_failure_not_an_ignored_ones(world: World) -> None:
    """The ignored pod's drill logged a FAILED line; the pod the Job started after it was stopped without one (its
    deadline): the Job's failure is its reason, not the ignored pod's line."""
    world.state.containers, world.state.ignored_pods = ["pick", "drill", "record"], 1
    world.state.job_outcome, world.state.failing_container = "failed", "drill"
    world.state.logs = {"pick": ["[pick] drilling s3://b/ds-20261123T000000Z.sql"], "drill": ["[drill] importing"]}
    with pytest.raises(StepFailed) as failed:
        world.session().drill_now("ds", timeout=600)
    job = next(c for c in world.calls() if c.startswith("kubectl create")).split(" ")[3]
    assert failed.value.lines()[0] == f"the drill Job failed: Job {job} failed (BackoffLimitExceeded)"


def test_drill_now_without_the_drill_cronjob_says_so_and_starts_nothing(world: World) -> None:
    world.state.drill_cronjob = None
    with pytest.raises(ClusterCallFailed) as failed:
        world.session().drill_now("ds", timeout=600)
    job = next(c for c in world.calls() if c.startswith("kubectl create")).split(" ")[3]
    assert (failed.value.lines(), failed.value.exit_code) == ([
        f"kubectl create job {job} --from=cronjob/ds-enclaveos-drill --namespace prod failed: error: failed to "
        'retrieve CronJob ds-enclaveos-drill: cronjobs.batch "ds-enclaveos-drill" not found'], 1)
    assert world.state.jobs == {}


SHORT = ("--timeout {timeout} is shorter than the restore Job may run (enclaveos-chart.Restore.ActiveDeadlineSeconds "
         "{deadline} s, and 600 s for Kubernetes to stop it): if it still runs then, this command stops waiting, "
         "the Job goes on, and THE MANAGER STAYS AT 0 REPLICAS until the same command, run again, follows it to its "
         "end; without --timeout it waits {wait} s")


@pytest.mark.parametrize(("timeout", "deadline", "wait", "warned"), [
    pytest.param(None, 21600, 22200, False, id="default-the-deadline-and-the-margin"),
    pytest.param(None, 600, 1200, False, id="default-a-short-deadline"),
    pytest.param(None, 604800, 605400, False, id="default-the-longest-deadline"),
    pytest.param(30000, 21600, 30000, False, id="longer-kept"),
    pytest.param(22200, 21600, 22200, False, id="exactly-the-default-kept"),
    pytest.param(22199, 21600, 22199, True, id="inside-the-margin-warned"),
    pytest.param(3600, 21600, 3600, True, id="shorter-kept-and-warned"),
])
def test_the_restore_waits_for_its_job_as_long_as_kubernetes_lets_it_run(timeout: int | None, deadline: int,
                                                                        wait: int, warned: bool) -> None:
    """The restore Job's wait: Restore.ActiveDeadlineSeconds + JOB_END_MARGIN by default; an explicit --timeout is
    kept (a script may need the command back), with a warning when it may give up on a running Job."""
    assert JOB_END_MARGIN == 600
    expected = SHORT.format(timeout=timeout, deadline=deadline, wait=deadline + 600) if warned else None
    assert job_wait(timeout, deadline) == (wait, expected)


@pytest.mark.parametrize(("asked", "wait", "warnings", "rollout"), [
    pytest.param({}, 43800, [], "--timeout=3600s", id="default"),
    pytest.param({"timeout": 50000}, 50000, [], "--timeout=50000s", id="longer"),
    pytest.param({"timeout": 7200}, 7200, [SHORT.format(timeout=7200, deadline=43200, wait=43800)], "--timeout=7200s",
                 id="shorter"),
])
def test_the_plan_waits_for_the_restore_job_of_the_values(world: World, asked: dict[str, Any], wait: int,
                                                         warnings: list[str], rollout: str) -> None:
    """From the release's values (what the restore renders, with --reuse-values): its Restore.ActiveDeadlineSeconds;
    the warning is in the preflight's output and the plan, before the confirmation."""
    world.state.user_values["enclaveos-chart"]["Restore"] = {"ActiveDeadlineSeconds": 43200}
    assert world.session(json_mode=True).restore(request(**asked), dry_run=True, yes=False) == 0
    [plan] = [event for event in map(json.loads, world.out.getvalue().splitlines()) if event.get("event") == "plan"]
    assert (plan["jobWaitSeconds"], plan["warnings"]) == (wait, warnings)
    assert rollout in plan["commands"][2]


def test_an_explicit_timeout_is_kept_and_the_job_followed_again(world: World) -> None:
    """A --timeout shorter than the Job may run: the command stops waiting when it ends, saying the Job goes on
    and how to follow it (the warning said so before the confirmation)."""
    world.state.job_outcome = "hang"
    with pytest.raises(StepFailed) as failed:
        world.session().restore(request(timeout=900), dry_run=False, yes=True)
    assert failed.value.lines()[:3] == [
        f"the restore Job still runs: the wait ended after 900 s and Job ds-enclaveos-restore-{RUN_ID} has not "
        "finished", GOES_ON, FOLLOW]
    assert failed.value.exit_code == 8
    assert f"WARNING {SHORT.format(timeout=900, deadline=21600, wait=22200)}" in world.out.getvalue()


@pytest.mark.parametrize("component", ["backup", "drill"])
def test_backup_now_and_drill_now_wait_for_their_jobs_deadline(world: World, component: str) -> None:
    """Without --timeout: the CronJob's activeDeadlineSeconds (as the values rendered it) and the margin."""
    world.state.job_outcome = "hang"
    cronjob = world.state.cronjob if component == "backup" else world.state.drill_cronjob
    assert cronjob is not None
    cronjob["activeDeadlineSeconds"] = 900
    session = world.session()
    with pytest.raises(StepFailed) as failed:
        (session.backup_now if component == "backup" else session.drill_now)("ds", timeout=None)
    assert re.fullmatch(rf"the {component} Job still runs: the wait ended after 1500 s and Job "
                        rf"ds-enclaveos-{component}-\d{{10}} has not finished", failed.value.lines()[0])
    assert failed.value.exit_code == 8


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


@pytest.mark.parametrize(("table_names", "kept"), [("schema-qualified", True), (None, False), ("bare", False)])
def test_how_the_tables_were_named_goes_with_them_into_the_uploaded_metadata(
        world: World, tmp_path: Path, s3: Any, table_names: str | None, kept: bool) -> None:
    """scripts/s3.sh reads "tables" without "tableNames" as the earlier way, tables of public named bare."""
    local = tmp_path / LATEST_COMPLETE
    local.write_bytes(s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{LATEST_COMPLETE}")["Body"].read())
    beside = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{LATEST_COMPLETE}.json")["Body"].read())
    if table_names:
        beside["tableNames"] = table_names
    (tmp_path / f"{LATEST_COMPLETE}.json").write_text(json.dumps(beside), encoding="utf-8")
    assert world.session().restore(request(source=str(local)), dry_run=False, yes=True) == 0
    text = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{UPLOADED}.json")["Body"].read().decode()
    assert ('\n  "tableNames": "schema-qualified",\n' in text) is kept
    assert json.loads(text)["tables"] == beside["tables"]


@pytest.mark.parametrize(("content", "beside", "reason"), [
    (None, None, "--from {path}: cannot read it: No such file or directory"),
    (b"", None, "--from {path}: the file is empty"),
    (b"x", b"{not json", "{path}.json: not a readable metadata object: " + json_message("{not json")),
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


# -- a cluster API that fails for a moment, or for good, while the restore waits ---------------
PASSING = ["The connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?",
           "Unable to connect to the server: net/http: TLS handshake timeout",
           "Error from server (ServiceUnavailable): the server is currently unable to handle the request",
           "Error from server: etcdserver: request timed out",
           "Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout"]
REFUSED = ["error: You must be logged in to the server (Unauthorized)",
           'Error from server (Forbidden): jobs.batch "x" is forbidden: User "ops" cannot get resource "jobs"']
NOT_RETRIED = ("the cluster refused the credentials, which waiting does not mend, so it was not retried: log in "
               "again (renew the token), then run the command again")
JOB = f"ds-enclaveos-restore-{RUN_ID}"


@pytest.mark.parametrize("stderr", PASSING)
@pytest.mark.parametrize("kind", ["get-job", "get-pods", "logs", "rollout"])
def test_a_passing_api_failure_while_waiting_is_retried(world: World, kind: str, stderr: str) -> None:
    first = 1 if kind == "rollout" else 2  # the rollout is called once; the others' first call is before the wait
    world.state.fail_calls[kind] = {str(first): stderr, str(first + 1): stderr}
    assert world.session().restore(request(), dry_run=False, yes=True) == 0
    out = world.out.getvalue().splitlines()
    retries = [line for line in out if "a passing failure of the cluster's API" in line]
    assert [line.rsplit(", retrying in ", 1)[1] for line in retries] == ["1 s", "2 s"]
    assert all(f"failed: {stderr}: a passing failure" in line for line in retries)
    assert out.count("    | [fetch] verified ds-20261123T000000Z.sql") == 1  # a log read again is not shown twice
    assert world.state.manager and world.state.manager["replicas"] == 3


@pytest.mark.parametrize("stderr", REFUSED)
def test_refused_credentials_are_not_retried_and_the_state_is_told(world: World, stderr: str) -> None:
    world.state.fail_calls["get-job"] = {"2+": stderr}
    with pytest.raises(StepFailed) as failed:
        world.session().restore(request(), dry_run=False, yes=True)
    lines = failed.value.lines()
    assert lines[0] == f"the restore Job failed: kubectl get job {JOB} --output json --namespace prod failed: " \
                       f"{stderr} ({NOT_RETRIED})"
    assert lines[1] == GOES_ON
    assert "a passing failure" not in world.out.getvalue()


def test_an_api_that_stays_down_is_retried_for_a_bounded_time(world: World) -> None:
    world.state.fail_calls["get-job"] = {"2+": PASSING[0]}
    session = world.session()
    back = shown(session.preflight(request()).back)
    with pytest.raises(StepFailed) as failed:
        session.restore(request(), dry_run=False, yes=True)
    assert failed.value.lines() == [
        f"the restore Job failed: kubectl get job {JOB} --output json --namespace prod failed: {PASSING[0]} (still "
        "failing after retrying for 300 s: the cluster's API does not answer)", GOES_ON, FOLLOW,
        BACK_ONCE_ENDED.format(back=back)]
    assert world.state.manager and world.state.manager["replicas"] == 0


# -- the report tells only what is known ---------------------------------------------------------
LOG_FAILS = "Error from server: Get \"https://node-1:10250/containerLogs/prod/x/fetch\": remote error: tls: bad cert"
UNREAD = ("the Job's log could not be read (fetch: kubectl logs ds-enclaveos-restore-20261201-000000-pod --container "
          f"fetch --follow --namespace prod failed: {LOG_FAILS})")


def put_dump(s3: Any, key: str, **fields: Any) -> list[str]:
    """A safety dump at `key` (of `prefix/<namespace>/pre-restore-ds-<stamp>-<cluster>.sql`) with the metadata
    the restore Job's fetch step writes for run RUN_ID, `fields` changed; returns the keys written."""
    data = b"-- the data before\n"
    namespace, name = key.split("/")[-2:]
    stamp, cluster = name.split("-")[3], name.split("-", 4)[4].rsplit(".", 1)[0]
    meta = {"writer": "helm-datashield", "kind": "safety-dump", "format": "sql", "object": key, "files": 1,
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "created": f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}Z",
            "release": "ds", "namespace": namespace, "cluster": cluster, "restoreRunId": RUN_ID,
            "restoring": f"{PREFIX}/{LATEST_COMPLETE}", **fields}
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    s3.put_object(Bucket=BUCKET, Key=f"{key}.json", Body=json.dumps(meta, indent=2).encode())
    return [key, f"{key}.json"]


def test_a_log_that_cannot_be_read_is_said_and_the_bucket_tells_the_safety_dump(world: World, s3: Any) -> None:
    """Only this run's dump, in this namespace: other namespaces' and database clusters' dumps of the same
    second, and a dump whose metadata names another run, are never taken for it."""
    same_second = f"{PREFIX}/%s/pre-restore-ds-20261124T010530Z-%s.sql"
    ours = same_second % ("prod", "111")
    written = [*put_dump(s3, ours), *put_dump(s3, same_second % ("staging", "111")),
               *put_dump(s3, same_second % ("prod", "222"), restoreRunId="20261124-010202")]
    try:
        world.state.fail_calls["logs"] = {"2": LOG_FAILS}
        assert world.session(json_mode=True).restore(request(), dry_run=False, yes=True) == 0
        events = [json.loads(line) for line in world.out.getvalue().splitlines()]
        assert {"event": "info", "message": f"the log of fetch could not be read: kubectl logs {JOB}-pod --container "
                                            f"fetch --follow --namespace prod failed: {LOG_FAILS}; the Job's outcome "
                                            "is read from the Job itself"} in events
        assert events[-2]["safetyDump"] == f"s3://{BUCKET}/{ours}"
    finally:
        for key in written:
            s3.delete_object(Bucket=BUCKET, Key=key)


def test_two_clusters_dumps_of_one_second_are_told_as_unknown(world: World, s3: Any) -> None:
    """Two database clusters restoring ds in prod in the same second with the same run id: this machine
    cannot tell its own cluster's dump, so it says unknown and names both, never picks one."""
    same_second = f"{PREFIX}/prod/pre-restore-ds-20261124T010530Z-%s.sql"
    written = [*put_dump(s3, same_second % "111"), *put_dump(s3, same_second % "222")]
    try:
        world.state.logs["fetch"] = ["[fetch] verified"]
        assert world.session().restore(request(), dry_run=False, yes=True) == 0
        assert world.out.getvalue().splitlines()[-2].split("the data from before the restore: ")[1] == (
            f"unknown (the Job's log did not say; the safety dumps since this run began are s3://{BUCKET}/"
            f"{same_second % '111'}, s3://{BUCKET}/{same_second % '222'})")
    finally:
        for key in written:
            s3.delete_object(Bucket=BUCKET, Key=key)


@pytest.mark.parametrize(("log", "failing", "told"), [
    (["[fetch] no safety dump: the database was missing or empty"], False, "none (the database was empty)"),
    (["[fetch] verified"], False, f"unknown (the Job's log did not say, and no safety dump of this run is in "
                                  f"s3://{BUCKET}/{PREFIX}/prod/pre-restore-ds-* : the database may have been empty, "
                                  "or the dump is elsewhere)"),
    (GOOD_LOG["fetch"], True, f"unknown ({UNREAD}, and no safety dump of this run is in "
                              f"s3://{BUCKET}/{PREFIX}/prod/pre-restore-ds-* : the database may have been empty, or "
                              "the dump is elsewhere)"),
])
def test_the_report_says_none_only_when_the_job_said_so(world: World, log: list[str], failing: bool,
                                                        told: str) -> None:
    world.state.logs["fetch"] = log
    if failing:
        world.state.fail_calls["logs"] = {"2": LOG_FAILS}
    later = "20261201-000000"  # no safety dump of another test is this recent
    assert world.session().restore(request(run_id=later), dry_run=False, yes=True) == 0
    assert world.out.getvalue().splitlines()[-2].split("the data from before the restore: ")[1] == \
        told.replace("* :", "*:")


# -- what --from names --------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "files", "message"), [
    ("ds-20261123T000000Z.sql", ["ds-20261123T000000Z.sql"],
     "--from ds-20261123T000000Z.sql is ambiguous: the backup ds-20261123T000000Z.sql in the bucket, or the local "
     "file ./ds-20261123T000000Z.sql; write --from backup:ds-20261123T000000Z.sql for the backup, --from "
     "./ds-20261123T000000Z.sql for the file"),
    ("latest", ["latest"], "--from latest is ambiguous: the backup latest in the bucket, or the local file ./latest; "
                           "write --from backup:latest for the backup, --from ./latest for the file"),
    ("uploaded/x.sql", ["uploaded/x.sql"],
     "--from uploaded/x.sql is ambiguous: the backup uploaded/x.sql in the bucket, or the local file "
     "./uploaded/x.sql; write --from backup:uploaded/x.sql for the backup, --from ./uploaded/x.sql for the file"),
    ("backup:", [], "--from 'backup:' names neither a backup nor a file"),
    ("file:", [], "--from 'file:' names neither a backup nor a file"),
])
def test_an_argument_that_could_name_a_file_or_a_backup_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  source: str, files: list[str], message: str) -> None:
    from renderer.errors import InvalidArguments
    from renderer.restore.plan import source_argument

    monkeypatch.chdir(tmp_path)
    for name in files:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("stale partial download")
    with pytest.raises(InvalidArguments) as refused:
        source_argument(source)
    assert (str(refused.value), refused.value.exit_code) == (message, 2)


@pytest.mark.parametrize(("source", "restore_reads"), [
    ("backup:ds-20261123T000000Z.sql", "ds-20261123T000000Z.sql"),
    ("ds-20261123T000000Z.sql", "ds-20261123T000000Z.sql"),  # no such file here: a backup's name
    ("./ds-20261123T000000Z.sql", "./ds-20261123T000000Z.sql"),
    ("file:ds-20261123T000000Z.sql", "file:ds-20261123T000000Z.sql"),
])
def test_a_name_is_a_backup_and_a_path_or_file_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        source: str, restore_reads: str) -> None:
    from renderer.restore.plan import is_local, local_path, source_argument

    monkeypatch.chdir(tmp_path)
    if source.startswith(("backup:", "./", "file:")):
        (tmp_path / "ds-20261123T000000Z.sql").write_text("a file")
    assert source_argument(source) == restore_reads
    assert is_local(restore_reads) == (restore_reads != "ds-20261123T000000Z.sql")
    if is_local(restore_reads):
        assert Path(local_path(restore_reads)).read_text() == "a file"


def special_file(tmp_path: Path, kind: str) -> str:
    import os

    if kind == "fifo":
        os.mkfifo(tmp_path / "pipe")
        return str(tmp_path / "pipe")
    if kind == "directory":
        return str(tmp_path)
    return kind


@pytest.mark.parametrize(("kind", "what"), [
    ("/dev/zero", "a character device"), ("/dev/urandom", "a character device"), ("fifo", "a FIFO (named pipe)"),
    ("directory", "a directory"),
])
def test_only_a_regular_file_is_read(world: World, tmp_path: Path, kind: str, what: str) -> None:
    path = special_file(tmp_path, kind)
    with pytest.raises(Refused) as refused:
        world.session().restore(request(source=path, unsafe_sgx=True), dry_run=True, yes=True)
    assert refused.value.reasons == [f"--from {path}: {what}, not a regular file: give a backup file"]


def test_hashing_a_large_file_shows_progress(tmp_path: Path) -> None:
    import hashlib
    import io

    from renderer.restore.local_file import read_local

    data = bytes(range(256)) * (1 << 18)  # 64 MiB
    (tmp_path / "big.sql").write_bytes(data)
    progress = io.StringIO()
    assert read_local(str(tmp_path / "big.sql"), "--from ./big.sql", progress) == (
        len(data), hashlib.sha256(data).hexdigest())
    assert progress.getvalue().endswith("\rhashing --from ./big.sql: 64 of 64 MiB (100%)\n")


# Issue 24 §1: a backup or drill Job that runs when the restore begins. The pods' own refusals (restore mode
# seen from a backup or drill pod; the restore Job's check of the pods) are tried on the runtime harness
# (tests/runtime/test_restore_lifecycle.py); here, the command's wait before anything changes.
RUNNING_BACKUP = {"name": "ds-enclaveos-backup-29417040", "started": "2026-11-24T00:00:00Z", "finished": None,
                  "outcome": "running"}
RUNNING_DRILL = {**RUNNING_BACKUP, "name": "ds-enclaveos-drill-29417041", "component": "drill"}
WAITING = ("    waiting for ds-enclaveos-backup-29417040, ds-enclaveos-drill-29417041 to end before restore mode "
           "(at most {} s more)")


def test_restore_mode_begins_only_once_running_backup_and_drill_jobs_have_ended(world: World) -> None:
    # Each ends after being listed this many more times (a listing every POLL_SECONDS, 3 s).
    world.state.backup_jobs = [{**RUNNING_BACKUP, "ends_after": 13}, {**RUNNING_DRILL, "ends_after": 25}]
    assert world.session().restore(request(), dry_run=False, yes=True) == 0
    out = world.out.getvalue().splitlines()
    for job in ("ds-enclaveos-backup-29417040", "ds-enclaveos-drill-29417041"):
        assert (f"    running {job}: it reads the database or the bucket, so restore mode begins only once it has "
                "ended (waiting at most 22200 s; --stop-running deletes it instead)") in out
    # Said at once, then every 30 s (LIVENESS_SECONDS) while both run.
    waited = [line for line in out if line.startswith("    waiting for ")]
    assert waited[:2] == [WAITING.format(22200), WAITING.format(22170)], waited
    assert "    waiting for ds-enclaveos-drill-29417041 to end before restore mode (at most 22140 s more)" in waited
    kinds = [c.split(" ")[1] for c in world.calls()]
    first_upgrade = kinds.index("upgrade")
    assert kinds[:first_upgrade].count("get") >= 26  # every listing before the upgrade
    assert all(job["outcome"] == "complete" for job in world.state.backup_jobs)


def test_stop_running_deletes_them_before_restore_mode(world: World) -> None:
    world.state.backup_jobs = [dict(RUNNING_BACKUP), dict(RUNNING_DRILL),
                               {**RUNNING_BACKUP, "name": "ds-enclaveos-backup-29415600", "outcome": "complete",
                                "finished": "2026-11-23T00:03:00Z"}]
    assert world.session().restore(request(stop_running=True), dry_run=False, yes=True) == 0
    calls = world.calls()
    deletes = [c for c in calls if c.startswith("kubectl delete")]
    assert deletes == [f"kubectl delete job {job} --cascade=foreground --wait=true --timeout=22200s "
                       "--ignore-not-found" for job in ("ds-enclaveos-backup-29417040", "ds-enclaveos-drill-29417041")]
    assert calls.index(deletes[-1]) < calls.index(expected(UPGRADE_RESTORE))
    assert [job["name"] for job in world.state.backup_jobs] == ["ds-enclaveos-backup-29415600"]  # ended: kept
    out = world.out.getvalue().splitlines()
    assert "    stopped ds-enclaveos-drill-29417041 (--stop-running): deleted, with its pod" in out


def test_a_job_that_outlasts_the_wait_changes_nothing(world: World) -> None:
    world.state.backup_jobs = [dict(RUNNING_BACKUP)]
    again = ("helm", "datashield-restore", "ds", "--chart", "./chart", "--from", "latest")
    with pytest.raises(StepFailed) as failed:
        world.session().restore(request(timeout=600, again=again), dry_run=False, yes=True)
    assert str(failed.value).splitlines()[0] == (
        "the wait for running backup and drill Jobs failed: ds-enclaveos-backup-29417040 still running after 600 s")
    assert failed.value.advice == ["nothing was changed.", "to stop them and restore: helm datashield-restore ds "
                                   "--chart ./chart --from latest --stop-running"]
    assert not [c for c in world.calls() if "upgrade" in c]
    assert world.state.manager and world.state.manager["replicas"] == 3


def test_the_dry_run_names_the_running_jobs(world: World) -> None:
    world.state.backup_jobs = [dict(RUNNING_BACKUP)]
    world.session(json_mode=True).restore(request(), dry_run=True, yes=False)
    [plan] = [json.loads(line) for line in world.out.getvalue().splitlines() if '"plan"' in line]
    assert (plan["runningJobs"], plan["runningJobsWaitSeconds"]) == (["ds-enclaveos-backup-29417040"], 22200)
    assert not [c for c in world.calls() if "upgrade" in c or "delete" in c]


# Issue 24 §3: Helm hands -n and --kube-context to the plugin as HELM_NAMESPACE and HELM_KUBECONTEXT, not as
# arguments; a printed command pasted into another shell must reach the same release, and ask as the typed
# one asked.
@pytest.mark.parametrize("typed", [[], ["--yes"]], ids=["confirmed-at-the-prompt", "typed-yes"])
def test_printed_commands_reach_the_same_release_and_confirm_as_typed(world: World, typed: list[str]) -> None:
    from renderer.restore.command import again_argv

    world.state.job_outcome = "failed"  # after the DROP: the retry and the put-back commands are printed
    session = world.session()
    session.cluster.context = "ops-cluster"
    args = ["ds", "--from", "latest", "--chart", "./chart", *typed, "--dry-run"]
    asked = request(again=again_argv(args, session.cluster), typed_yes=bool(typed))
    with pytest.raises(StepFailed) as failed:
        session.restore(asked, dry_run=False, yes=bool(typed))
    yes = " --yes" if typed else ""
    assert (f"to put the data from before back: helm datashield-restore ds --namespace prod --kube-context "
            f"ops-cluster --chart {CHART} --from pre-restore-ds-20261124T010203Z.sql{yes}") in failed.value.lines()
    assert (f"to retry the restore: helm datashield-restore ds --from latest --chart ./chart{yes} --namespace prod "
            "--kube-context ops-cluster") in failed.value.lines()



def test_stop_running_takes_a_job_gone_meanwhile_as_stopped(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Listed as running, then gone before its deletion (it ended and its TTL removed it).
    world.state.backup_jobs = [dict(RUNNING_BACKUP)]
    original = FakeCluster._delete_job

    def gone_first(self: FakeCluster, name: str, ignore_not_found: bool) -> Any:
        self.state.backup_jobs = []
        return original(self, name, ignore_not_found)

    monkeypatch.setattr(FakeCluster, "_delete_job", gone_first)
    assert world.session().restore(request(stop_running=True), dry_run=False, yes=True) == 0



@pytest.mark.parametrize(("given", "seconds"), [
    ("600", 600), ("90s", 90), ("20m", 1200), ("2h", 7200), ("1h30m", 5400), ("2.5h", 9000), ("1m0.5s", 61),
    ("1500ms", 2), ("90m", 5400),
])
def test_timeout_takes_go_durations_as_helm_does(given: str, seconds: int) -> None:
    from renderer.restore.command import duration_seconds

    assert duration_seconds(given) == seconds


@pytest.mark.parametrize(("given", "message"), [
    ("0", "'0' is shorter than a second"),
    ("500ms", "'500ms' is shorter than a second"),
    ("-5m", "'-5m' is not a duration such as 90s, 20m, 2h or 1h30m (or a whole number of seconds)"),
    ("5 m", "'5 m' is not a duration such as 90s, 20m, 2h or 1h30m (or a whole number of seconds)"),
    ("1d", "'1d' is not a duration such as 90s, 20m, 2h or 1h30m (or a whole number of seconds)"),
    ("h", "'h' is not a duration such as 90s, 20m, 2h or 1h30m (or a whole number of seconds)"),
    ("", "'' is not a duration such as 90s, 20m, 2h or 1h30m (or a whole number of seconds)"),
])
def test_timeout_refuses_what_is_no_duration(given: str, message: str) -> None:
    import argparse

    from renderer.restore.command import duration_seconds

    with pytest.raises(argparse.ArgumentTypeError) as refused:
        duration_seconds(given)
    assert str(refused.value) == message



@pytest.mark.parametrize("variable", ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"])
def test_a_profile_of_the_operator_s_shell_changes_nothing(world: World, monkeypatch: pytest.MonkeyPatch,
                                                           variable: str) -> None:
    """Issue 24 §5: the bucket is read with the release's keys and endpoint only; a profile the operator's AWS
    config lacks (boto3 alone: ProfileNotFound) is not even looked up."""
    monkeypatch.setenv(variable, "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    assert world.session().list_backups("ds", verify=False) == 0
    assert LATEST_COMPLETE in world.out.getvalue()


@pytest.mark.parametrize(("backup_format", "release_format", "refused"), [
    ("native", "sql", True), ("native", "native", False), ("sql", "sql", False), ("sql", "native", False)])
def test_a_native_backup_restores_only_where_backup_format_is_native(backup_format: str, release_format: str,
                                                                     refused: bool) -> None:
    """The restore Job of an sql release has no keys for the database and an image without RESTORE ... FROM
    LATEST IN: refused in the plan, before anything changes (scripts/s3.sh verify_backup refuses it too)."""
    from renderer.restore.backups import Backup
    from renderer.restore.plan import BackupConfig, format_reasons

    backup = Backup(name=f"prod/ds-20261124T000000Z-c1.{backup_format}", key="", format=backup_format, size=1,
                    metadata={}, problem=None)
    config = BackupConfig(endpoint="https://s3.example.com", bucket="b", prefix="", secret_name="s",
                          in_restore_mode=False, format=release_format)
    assert format_reasons(backup, config) == ([
        "backup prod/ds-20261124T000000Z-c1.native is a native backup (CockroachDB's BACKUP) and the release's "
        "Backup.Format is sql, whose restore Job cannot load it: set enclaveos-chart.Backup.Format=native, with a "
        "database image of v21.1.14+, v21.2.3+ or v22.1+ (helm upgrade), then restore"] if refused else [])

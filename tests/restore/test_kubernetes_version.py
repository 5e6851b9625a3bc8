"""The API server's Kubernetes version (issue 24 §5; renderer/restore/kubernetes_version.py): one case
per version, each with the exact line `--status` and the restore's preflight give, against the
cluster model (tests/fake_cluster.py answers `kubectl version --output json` as kubectl 1.32 does)
and the real S3 server of tests/restore/conftest.py."""

from __future__ import annotations

import json

import pytest

from renderer.restore.status import EXIT_CODES
from tests.fake_cluster import api_server_version
from tests.restore.conftest import World, request
from tests.restore.test_status import NOW

TIME_ZONE_LOST = "backups and drills run in kube-controller-manager's time zone, not in Backup.TimeZone"
NEEDS = "helm-datashield needs Kubernetes 1.27 or later"
V124 = ("Kubernetes v1.24.17 (the API server) drops the CronJobs' timeZone (kept by default from 1.25; without it, "
        f"{TIME_ZONE_LOST}) and the backup Jobs' podFailurePolicy (kept by default from 1.26; without it, a backup "
        f"kept after its retention failed is tried again, each try writing another backup): {NEEDS}")
UNKNOWN = ("the Kubernetes version of the API server is not known (kubectl version --output json --namespace prod "
           "{why}): helm-datashield needs Kubernetes 1.27 or later (an older server drops the CronJobs' timeZone and "
           "the backup Jobs' podFailurePolicy without a word)")

# (case, the API server's /version (None: it does not answer it), the line)
CASES: list[tuple[str, dict[str, str] | None, str | None]] = [
    ("v1.24", api_server_version("v1.24.17"), V124),
    ("v1.25", api_server_version("v1.25.16"),
     "Kubernetes v1.25.16 (the API server) drops the backup Jobs' podFailurePolicy (kept by default from 1.26; "
     "without it, a backup kept after its retention failed is tried again, each try writing another backup): "
     f"{NEEDS}"),
    ("v1.26-eks", api_server_version("v1.26.5-eks-4f4795d", minor="26+"),
     "Kubernetes v1.26.5-eks-4f4795d (the API server) keeps the CronJobs' timeZone only while its beta feature gate "
     "CronJobTimeZone is on (the default; locked on from 1.27) and drops it without a word otherwise (without it, "
     f"{TIME_ZONE_LOST}): {NEEDS}"),
    ("v1.27", api_server_version("v1.27.16"), None),
    ("v1.28-gke", api_server_version("v1.28.3-gke.1286000", minor="28+"), None),
    ("v1.31", api_server_version("v1.31.0"), None),
    ("unreadable-forbidden", None,
     UNKNOWN.format(why='failed: Error from server (Forbidden): forbidden: User "ops" cannot get path "/version"')),
    ("unreadable-not-semantic", api_server_version("v0.0.0-master+$Format:%H$", minor="", major=""),
     UNKNOWN.format(why='failed: error: could not parse "v0.0.0-master+$Format:%H$" as version')),
    ("unreadable-no-numbers", api_server_version("v1.30.2", minor=""),
     UNKNOWN.format(why='printed no version numbers: major "1", minor "", gitVersion "v1.30.2"')),
]
IDS = [case for case, *_ in CASES]


@pytest.mark.parametrize(("case", "server", "line"), CASES, ids=IDS)
def test_status_warns_of_a_server_older_than_1_27_or_not_known(world: World, case: str, server: dict[str, str] | None,
                                                                line: str | None) -> None:
    world.state.server_version = server
    code = world.status(NOW).run("ds")
    shown = world.out.getvalue().splitlines()
    assert shown[-1] == (f"WARNING: {line}" if line else "OK")
    assert code == EXIT_CODES["WARNING" if line else "OK"]
    assert [fact for fact in shown if fact.startswith("  kubernetes ")] == [
        f"  kubernetes    server {server['gitVersion'] if server and not case.startswith('unreadable') else '-'}"]


@pytest.mark.parametrize(("case", "server", "line"), CASES, ids=IDS)
def test_the_restore_warns_of_a_server_older_than_1_27_or_not_known(
        world: World, case: str, server: dict[str, str] | None, line: str | None) -> None:
    """A warning in the plan, never a refusal: the restore uses neither field, and what an old server loses is
    where and how often backups run (renderer/restore/kubernetes_version.py)."""
    world.state.server_version = server
    assert world.session(json_mode=True).restore(request(), dry_run=True, yes=False) == 0
    [plan] = [event for event in map(json.loads, world.out.getvalue().splitlines()) if event["event"] == "plan"]
    assert plan["warnings"] == ([line] if line else [])


def test_a_restore_on_an_old_server_runs_to_the_end_and_says_why_it_warned(world: World) -> None:
    world.state.server_version = api_server_version("v1.24.17")
    assert world.session().restore(request(), dry_run=False, yes=True) == 0
    assert f"    WARNING {V124}" in world.out.getvalue().splitlines()
    assert world.state.manager and world.state.manager["replicas"] == 3


@pytest.mark.parametrize(("server", "drift"), [
    # An old server dropped the field: its doing, not a hand's.
    (api_server_version("v1.24.17"),
     "the CronJob ds-enclaveos-{what} differs from what the release's values render (timeZone (none: the API server "
     "drops it, see its Kubernetes version), the values' UTC): its runs follow kube-controller-manager's time zone; "
     "the promise is the values'"),
    # A server that keeps it: a hand removed it.
    (api_server_version("v1.31.0"),
     "the CronJob ds-enclaveos-{what} differs from what the release's values render (timeZone (none: the "
     "controller's own), the values' UTC): edited by hand? A helm upgrade puts the values' back; the promise is the "
     "values'"),
], ids=["v1.24-dropped", "v1.31-by-hand"])
def test_a_time_zone_the_server_dropped_is_worded_apart_from_a_hand_edit(world: World, server: dict[str, str],
                                                                         drift: str) -> None:
    world.state.server_version = server
    for cronjob in (world.state.cronjob, world.state.drill_cronjob):
        assert cronjob is not None
        cronjob["timeZone"] = None
    world.status(NOW, json_mode=True).run("ds")
    messages = [f["message"] for f in json.loads(world.out.getvalue())["findings"]]
    assert [m for m in messages if "differs from" in m] == [drift.format(what=w) for w in ("backup", "drill")]

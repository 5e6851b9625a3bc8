"""A restore and the backup and drill pods around it (issue 24 §1), the real scripts on the runtime harness.

Found on this harness: a backup pod that ran while the restore Job imported dumped the half-imported
database, complete and verified; it became `latest`, retention deleted the good backups, and a restore of
`latest` lost a table's rows. Whichever starts first, that cannot happen now:
- a backup or drill pod that starts in restore mode refuses before it dumps or picks anything (the
  restore-mode ConfigMap, which the helm upgrade into restore mode creates, served by the API stand-in as the
  post-renderer renders it);
- a restore Job finds a backup or drill pod of the release that has not ended (one that started before
  restore mode) and refuses before its DROP.
The API stand-in (kube_api.py) authorises every call by the Role the post-renderer rendered.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.runtime.conftest import Site, rewrite_backup
from tests.runtime.faulty_proxy import FaultyProxy
from tests.runtime.test_backup_restore import backup_keys, safety_dumps

IN_RESTORE_MODE = ("ds is in restore mode (ConfigMap ds-enclaveos-restoring: restoring latest): no {what} while a "
                   "restore may be changing the database; it runs again on schedule once the restore has ended")


@pytest.mark.parametrize("backup_format", ["sql", "native"])
def test_a_backup_in_restore_mode_dumps_nothing(site: Site, backup_format: str) -> None:
    before = site.data()
    configmap = site.enter_restore_mode()
    assert configmap["data"] == {"runId": configmap["data"]["runId"], "backup": "latest"}
    run = site.backup(Format=backup_format)
    assert (run.returncode, run.failed_container) == (1, "upload"), run.log
    assert f"[upload] FAILED: {IN_RESTORE_MODE.format(what='backup')}\n" in run.log
    assert "[dump] FAILED: the upload step failed (exit 1; its log says why): nothing was dumped\n" in run.log
    assert "dumping database" not in run.log and "BACKUP DATABASE" not in run.log
    assert site.objects() == [] and site.data() == before


def test_a_backup_after_restore_mode_runs_again(site: Site) -> None:
    site.enter_restore_mode()
    assert site.backup().returncode == 1
    site.kube.configmaps.clear()  # the helm upgrade out of restore mode deletes it
    run = site.backup()
    assert run.returncode == 0, run.log
    assert len(backup_keys(site)) == 1


def test_the_first_backup_of_the_upgrade_that_leaves_restore_mode_waits_for_the_configmap_to_go(
        site: Site) -> None:
    """That upgrade creates the first backup's Job before it deletes the ConfigMap (helm/helm pkg/kube/client.go
    Update deletes last): its pod looks again for 60 s before it refuses, and then backs up. A CronJob's pod
    refuses at once (test_a_backup_in_restore_mode_dumps_nothing), or the restore Job would find it running."""
    import threading

    site.enter_restore_mode()
    leaving = threading.Timer(3, site.kube.configmaps.clear)  # Helm's delete, a moment after the Job's create
    leaving.start()
    try:
        run = site.first_backup()
    finally:
        leaving.cancel()
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert "in restore mode" not in run.log and len(backup_keys(site)) == 1


def test_a_drill_in_restore_mode_picks_nothing(site: Site) -> None:
    site.backed_up()
    objects = site.objects()
    site.enter_restore_mode()
    run = site.drill()
    assert (run.returncode, run.failed_container) == (1, "pick"), run.log
    assert f"[pick] FAILED: {IN_RESTORE_MODE.format(what='drill')}\n" in run.log
    assert "drilling" not in run.log
    assert site.objects() == objects  # no drill record


@pytest.mark.parametrize("component,phase", [
    ("backup", "Running"),
    ("backup", "Pending"),  # not started yet: it would see restore mode, but the restore does not bet on it
    ("backup", "Unknown"),
    ("drill", "Running"),
])
def test_the_restore_drops_nothing_while_a_backup_or_drill_pod_has_not_ended(site: Site, component: str,
                                                                             phase: str) -> None:
    site.backed_up()
    before = site.data()
    pod = f"ds-enclaveos-{component}-29417040-x7k2p"
    site.running(component, pod, phase)
    run = site.restore("latest")
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    assert (f"[fetch] FAILED: backup or drill pods of ds have not ended ({pod}): they would read the database this "
            "restore drops; nothing was dropped. Run the restore again once they have ended (or delete their Jobs)\n"
            ) in run.log
    assert "[restore]" not in run.log
    assert site.data() == before
    assert len(safety_dumps(site)) == 1  # saved, and the database as it was


def test_every_pod_not_ended_is_named(site: Site) -> None:
    site.backed_up()
    site.running("backup", "ds-enclaveos-backup-29417040-aaaaa")
    site.running("backup", "ds-enclaveos-backup-29417040-bbbbb", "Pending")
    site.running("drill", "ds-enclaveos-drill-29417041-ccccc")
    run = site.restore("latest")
    assert ("have not ended (ds-enclaveos-backup-29417040-aaaaa, ds-enclaveos-backup-29417040-bbbbb, "
            "ds-enclaveos-drill-29417041-ccccc)") in run.log, run.log


@pytest.mark.parametrize("phase", ["Succeeded", "Failed"])
def test_ended_pods_and_other_releases_do_not_hold_the_restore(site: Site, phase: str) -> None:
    site.backed_up()
    before = site.data()
    site.running("backup", "ds-enclaveos-backup-29417040-x7k2p", phase)
    site.running("drill", "ds-enclaveos-drill-29417040-y8l3q", phase)
    site.running("backup", "ds2-enclaveos-backup-29417040-z9m4r").labels["app.kubernetes.io/instance"] = "ds2"
    site.running("backup", "ds-enclaveos-backup-29417040-staging").namespace = "staging"
    site.db.psql("DELETE FROM audit WHERE id > 10", "malbork")
    run = site.restore("latest")
    assert run.returncode == 0, run.log
    assert site.data() == before


def test_the_restore_refuses_when_it_cannot_tell_which_pods_run(site: Site) -> None:
    site.backed_up()
    before = site.data()
    site.kube.failing = {"pods"}
    run = site.restore("latest")
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    assert ("[fetch] FAILED: cannot list the backup pods of ds, which must not run while this restore drops the "
            "database: HTTP 500: etcdserver: request timed out\n") in run.log
    assert site.data() == before


@pytest.mark.parametrize("answer,code,body,reason", [
    ("a proxy's 404", 404, b"404 page not found", "HTTP 404"),
    ("a Role without the ConfigMap", 403, None, 'HTTP 403: configmaps "ds-enclaveos-restoring" is forbidden: User '
     '"system:serviceaccount:prod:the-pods" cannot get resource "configmaps" in API group "" in the namespace "prod"'),
    ("an API in trouble", 500, None, "HTTP 500: etcdserver: request timed out"),
])
def test_a_backup_that_cannot_tell_restore_mode_dumps_nothing(site: Site, answer: str, code: int,
                                                              body: bytes | None, reason: str) -> None:
    if code == 403:
        site.kube.deny = {"configmaps"}
    elif code == 500:
        site.kube.failing = {"configmaps"}
    else:
        site.kube.raw_answers["configmaps"] = (code, body or b"")
    run = site.backup()
    assert run.returncode == 1, (answer, run.log)
    assert ("[upload] FAILED: cannot tell whether a restore of ds is under way (ConfigMap ds-enclaveos-restoring: "
            f"{reason}): not going on beside one\n") in run.log
    assert site.objects() == []


# Issue 24 §2: `helm rollback` to the restore-mode revision, or --atomic/--rollback-on-failure on the upgrade
# that leaves it, applies the restore Job again, with the run id it had.
def test_a_restore_job_created_again_for_its_run_drops_nothing(site: Site) -> None:
    site.backed_up()
    assert site.restore("latest", RunId="once").returncode == 0
    site.db.psql("INSERT INTO audit (entry) VALUES ('written after the restore')", "malbork")
    after = site.data()
    dumps = safety_dumps(site)
    run = site.restore("latest", RunId="once")
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    [record] = [key for key in site.objects() if "/restore-runs/" in key]
    assert ("[fetch] FAILED: restore run once of ds already began (s3://datashield-runtime-tests/"
            f"{record}): this Job was created again, by a helm rollback to a restore-mode revision or "
            "--atomic/--rollback-on-failure, and a restore runs once: nothing was dropped or imported. The release "
            "is in restore mode, the manager at 0 replicas: run helm datashield-restore to restore or to bring the "
            "manager back (or, restoring by hand, set a new Restore.RunId)\n") in run.log
    assert "[restore]" not in run.log and site.data() == after and safety_dumps(site) == dumps
    # A new run restores as asked.
    assert site.restore("latest", RunId="twice").returncode == 0
    assert site.data() != after


def test_the_run_record_says_which_run_began_and_is_no_backup(site: Site) -> None:
    site.backed_up()
    assert site.restore("latest", RunId="once").returncode == 0
    [record] = [key for key in site.objects() if "/restore-runs/" in key]
    cluster = record.rsplit("-", 1)[1].removesuffix(".json")
    assert record == f"prod/restore-runs/ds-once-{cluster}.json"
    body = json.loads(site.read(record))
    assert body == {"writer": "helm-datashield", "kind": "restore-run", "release": "ds", "namespace": "prod",
                    "restoreRunId": "once", "restoring": "latest", "started": body["started"]}
    # Never taken for a backup: the next backup's retention and the drill's pick see it not.
    run = site.backup(Retention=1)
    assert run.returncode == 0 and "restore-runs" not in run.log, run.log
    assert record in site.objects()


# Issue 24 §4: a long import says it is alive at least every 30 s (PROGRESS_SECONDS; 1 here), with the bytes read.
def test_a_long_import_says_it_is_alive_with_the_bytes_read(site: Site) -> None:
    site.backed_up()
    [key] = backup_keys(site)
    slow = site.read(key) + b"SELECT pg_sleep(3);\n"
    rewrite_backup(site, key, slow)
    run = site.restore("latest", env={"PROGRESS_SECONDS": "1"})
    assert run.returncode == 0, run.log
    assert f"[restore] importing {len(slow)} bytes\n" in run.log
    alive = re.findall(rf"\[restore\] importing: (\d+) of {len(slow)} bytes read, (\d+) s\n", run.log)
    assert len(alive) >= 2, run.log
    assert all(0 < int(read) <= len(slow) for read, _ in alive)
    assert [int(seconds) for _, seconds in alive] == sorted(int(seconds) for _, seconds in alive)


def alive_seconds(pattern: str, log: str) -> list[int]:
    """The seconds of each line of `log` that `pattern` (a regex whose one group is them) matches."""
    return [int(seconds) for seconds in re.findall(pattern, log)]


def test_a_long_safety_dump_and_a_long_download_say_they_are_alive(site: Site) -> None:
    """Issue 24 §4: every long phase of the restore Job says it is alive, not only the import: the safety dump
    (TEST_DUMP_SECONDS: a large database) and the backup's download (a store that answers slowly)."""
    site.backed_up()
    [key] = backup_keys(site)
    proxy = FaultyProxy(site.s3.endpoint, "slow", (key,), delay=3)
    site.endpoint = proxy.url
    try:
        run = site.restore("latest", env={"PROGRESS_SECONDS": "1", "TEST_DUMP_SECONDS": "3"})
    finally:
        proxy.stop()
    assert run.returncode == 0, run.log
    dumping = alive_seconds(r"\[safety-dump\] dumping malbork: (?:\d+ bytes written, )?(\d+) s\n", run.log)
    reading = alive_seconds(rf"\[fetch\] reading s3://{site.bucket}/{re.escape(key)}: \d+ bytes written, (\d+) s\n",
                            run.log)
    assert len(dumping) >= 2 and dumping == sorted(dumping), run.log
    assert len(reading) >= 2 and reading == sorted(reading), run.log


@pytest.mark.parametrize(("backup_format", "line"), [
    ("sql", r"\[dump\] dumping malbork: (\d+) s\n"),
    ("native", r"\[dump\] BACKUP of malbork: (\d+) s\n"),
])
def test_a_long_backup_says_it_is_alive(site: Site, backup_format: str, line: str) -> None:
    run = site.backup(Format=backup_format, env={"PROGRESS_SECONDS": "1", "TEST_DUMP_SECONDS": "3"})
    assert (run.returncode, run.failed_container) == (0, None), run.log
    seconds = alive_seconds(line, run.log)
    assert len(seconds) >= 2 and seconds == sorted(seconds), run.log


def test_a_native_restore_job_created_again_leaves_nothing_in_the_bucket(site: Site) -> None:
    """Its safety-dump step writes a native BACKUP into the bucket before the fetch step finds the run begun:
    that BACKUP is removed again."""
    assert site.backup(Format="native").returncode == 0
    assert site.restore("latest", backup={"Format": "native"}, RunId="once").returncode == 0
    objects = site.objects()
    run = site.restore("latest", backup={"Format": "native"}, RunId="once")
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    assert "already began" in run.log and "WARNING: could not remove" not in run.log
    assert site.objects() == objects


def test_a_long_native_restore_says_it_is_alive(site: Site) -> None:
    assert site.backup(Format="native").returncode == 0
    run = site.restore("latest", backup={"Format": "native"},
                       env={"PROGRESS_SECONDS": "1", "TEST_RESTORE_SECONDS": "3"})
    assert run.returncode == 0, run.log
    seconds = alive_seconds(r"\[restore\] restoring \(RESTORE\): (\d+) s\n", run.log)
    assert len(seconds) >= 2 and seconds == sorted(seconds), run.log

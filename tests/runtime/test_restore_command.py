"""Where the restore command and the pods meet, for real: the command reads the backups that
the real backup pod wrote (catalog, nodes, SHA-256), the real restore pod restores a
local file that the command uploaded with metadata of its own making, and `--list` and
`--drill-now` tell what the real drill pod did: its records, and its log as the cluster gives
it (the cluster is tests/fake_cluster.py's model: no Kubernetes API server runs here; the log it
serves is the real pod's, container by container)."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest

from renderer.edges.cluster import Cluster
from renderer.edges.objectstore import ObjectStore
from renderer.errors import StepFailed
from renderer.restore.backups import catalog, choose, listing_prefixes, metadata_keys
from renderer.restore.command import _open_store
from renderer.restore.plan import local_backup
from renderer.restore.progress import Progress
from renderer.restore.session import Session
from tests.conftest import ROOT
from tests.fake_cluster import FakeCluster, State
from tests.runtime.conftest import SECRET, Site, metadata_text

HELM3 = str(ROOT / ".tools" / "helm3" / "helm")
DRILL_CONTAINERS = ["pick", "drill", "record"]  # the drill pod's, in run order


def store(site: Site) -> ObjectStore:
    return ObjectStore(endpoint=site.s3.endpoint, region="us-east-1", bucket=site.bucket,
                       access_key_id=SECRET["AWS_ACCESS_KEY_ID"], secret_access_key=SECRET["AWS_SECRET_ACCESS_KEY"])


def test_the_command_reads_what_the_backup_pod_wrote(site: Site) -> None:
    site.backed_up()
    bucket = store(site)
    objects = {k: v for listed in listing_prefixes("ds", "prod", "") for k, v in bucket.keys(listed).items()}
    read = {k: bucket.read(k) for k in metadata_keys("ds", "prod", "", objects)}
    (backup,) = catalog("ds", "prod", "", objects, read)
    assert backup.complete, backup.problem
    assert backup.manager_nodes == ("sgx-node-1", "sgx-node-2")
    assert bucket.digest([backup.key]) == backup.sha256
    assert choose([backup], "latest", "s3://bucket/") == backup


def test_a_local_file_uploaded_by_the_command_is_restored_by_the_job(site: Site) -> None:
    site.backed_up()
    original = site.data()
    (key,) = [k for k in site.objects() if k.endswith(".sql")]
    local = site.work / "backup.sql"
    local.write_bytes(site.read(key))
    bucket = store(site)
    backup, upload = local_backup(str(local), local.stat().st_size, hashlib.sha256(local.read_bytes()).hexdigest(),
                                  None, "ds", "prod", "", "20261124-010203")
    bucket.put_verified(upload.path, upload.key)
    bucket.put_verified(upload.metadata, upload.key + ".json")
    site.db.psql("DELETE FROM audit WHERE id > 10", "malbork")
    assert site.data() != original

    run = site.restore(backup.name)
    assert run.returncode == 0, run.log
    assert "[fetch] the metadata records no row counts (a file uploaded by helm datashield-restore): the import " \
           "is checked for errors only" in run.log
    assert "[restore] restored malbork: 2 tables, no row counts recorded to compare" in run.log
    assert site.data() == original


def command(site: Site, state: State | None = None) -> tuple[Session, io.StringIO]:
    """The restore command (one Session) against the cluster model, whose release `ds` in `prod` backs up
    to this site's bucket, and its output."""
    state = state or State()
    state.user_values = {"global": {"S3": {"Endpoint": site.s3.endpoint, "AllowHttp": True, "Bucket": site.bucket,
                                           "HmacSecretName": "backup-creds"}},
                         "enclaveos-chart": {"Backup": {"CronSchedule": "0 0 * * *"}}}
    state.secrets = {"backup-creds": SECRET}
    out = io.StringIO()
    cluster = Cluster(runner=FakeCluster(state, HELM3), helm="helm", kubectl="kubectl", namespace="prod")
    session = Session(cluster=cluster, progress=Progress(json_mode=True, out=out), open_store=_open_store(None),
                      confirm=lambda release: False, sleep=lambda seconds: None, plugin_dir=str(ROOT))
    return session, out


def drill_records(site: Site) -> list[str]:
    return [k for k in site.objects() if ".drill-" in k]


def test_list_shows_what_the_drill_pod_recorded(site: Site) -> None:
    site.backed_up()
    assert site.drill().returncode == 0
    [good] = drill_records(site)
    (key,) = [k for k in site.objects() if k.endswith(".sql")]
    # The metadata made to record other counts: the next drill fails, and its record is the newest.
    metadata = json.loads(site.read(f"{key}.json"))
    site.write(f"{key}.json", metadata_text({**metadata, "tables": {"audit": 499, "enclaves": 3}}))
    assert site.drill().returncode == 1
    [failed] = [k for k in drill_records(site) if k != good]
    reason = json.loads(site.read(failed))["reason"]

    session, out = command(site)
    assert session.list_backups("ds", verify=False) == 0
    [row] = json.loads(out.getvalue())["backups"]
    assert row["drill"] == {"verdict": "FAILED", "time": json.loads(site.read(failed))["started"],
                            "reason": reason, "record": failed}
    assert reason == ("the restored tables differ from the backup's metadata: \"audit\": 500 rows, the metadata "
                      "records 499")

    site.delete(failed)  # the good record is the newest again
    session, out = command(site)
    assert session.list_backups("ds", verify=False) == 0
    [row] = json.loads(out.getvalue())["backups"]
    assert row["drill"] == {"verdict": "OK", "time": json.loads(site.read(good))["started"], "reason": None,
                            "record": good}


def container_logs(log: str) -> dict[str, list[str]]:
    """A pod's log (every line `[<container>] ...`, as lib.sh writes them) as each container's lines."""
    logs: dict[str, list[str]] = {name: [] for name in DRILL_CONTAINERS}
    for line in log.splitlines():
        found = re.match(r"\[([a-z-]+)\] ", line)
        assert found and found.group(1) in logs, line
        logs[found.group(1)].append(line)
    return logs


@pytest.mark.parametrize("damaged", [False, True], ids=["drill-ok", "drill-failed"])
def test_drill_now_follows_the_drill_pods_own_log(site: Site, damaged: bool) -> None:
    site.backed_up()
    if damaged:
        (key,) = [k for k in site.objects() if k.endswith(".sql")]
        site.write(key, site.read(key).replace(b"entry 1\n", b"entry 9\n", 1))
    run = site.drill()
    assert (run.returncode != 0) == damaged, run.log
    state = State(containers=DRILL_CONTAINERS, logs=container_logs(run.log),
                  job_outcome="failed" if damaged else "complete", failing_container=run.failed_container or "record")
    session, out = command(site, state)
    if damaged:
        with pytest.raises(StepFailed) as failed:
            session.drill_now("ds", timeout=600)
        last = run.log.splitlines()[-1]
        assert last.startswith("[record] FAILED: drill FAILED: s3://") and last.endswith(
            "does not match the SHA-256 in its metadata: the backup is damaged")
        assert failed.value.lines()[0] == f"the drill Job failed: {last}"
    else:
        assert session.drill_now("ds", timeout=600) == 0
    shown = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [event["line"] for event in shown if "line" in event] == run.log.splitlines()

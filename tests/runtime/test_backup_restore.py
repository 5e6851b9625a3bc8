"""The backup and restore pods' scripts, run for real: rendered by the real post-renderer,
executed container by container (tests/runtime/pods.py) against a real S3 server
(SeaweedFS, HMAC keys enforced) with the real AWS CLI, and a real database.

The database is PostgreSQL standing in for CockroachDB (in no registry here): the
database seam, and only it, is swapped (tests/runtime/db-postgres.sh).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.runtime.conftest import DATABASE, OURS, SECRET, Site, empty, put_backup
from tests.runtime.faulty_proxy import FaultyProxy
from tests.runtime.kube_api import TOKEN
from tests.services import PG_BIN, TOOLS_BIN

STAMP = r"\d{8}T\d{6}Z"
CLUSTER = r"\d+"  # the stand-in's cluster identity: PostgreSQL's system identifier


def backup_keys(site: Site) -> list[str]:
    return [k for k in site.objects() if re.fullmatch(rf"prod/ds-{STAMP}-{CLUSTER}\.sql", k)]


def safety_dumps(site: Site, namespace: str = "prod", backup_format: str = "sql") -> list[str]:
    """The safety dumps in the bucket, as the restore Job names them: a backup's layout, with pre-restore-."""
    return sorted({m.group(0) for k in site.objects()
                   if (m := re.match(rf"{namespace}/pre-restore-ds-{STAMP}-{CLUSTER}\.{backup_format}(?=/|$)", k))})


def test_backup_writes_a_verified_backup_and_its_metadata(site: Site) -> None:
    run = site.backup()
    assert (run.returncode, run.failed_container) == (0, None), run.log
    [key] = backup_keys(site)
    assert site.objects() == [key, f"{key}.json"]
    data = site.read(key)
    metadata = json.loads(site.read(f"{key}.json"))
    assert metadata == {
        "writer": "helm-datashield", "format": "sql", "object": key, "files": 1, "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(), "created": metadata["created"], "release": "ds",
        "namespace": "prod", "kind": "backup", "cluster": metadata["cluster"], "database": "malbork",
        "databaseVersion": metadata["databaseVersion"],
        "nodes": {"manager": ["sgx-node-1", "sgx-node-2"], "database": ["sgx-node-1", "sgx-node-2", "sgx-node-3"]},
        "tableNames": "schema-qualified", "tables": {"audit": 500, "enclaves": 3},
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", metadata["created"])
    assert metadata["cluster"] == cluster_id(site)
    assert key == f"prod/ds-{metadata['created'].replace('-', '').replace(':', '')}-{metadata['cluster']}.sql"
    assert metadata["databaseVersion"].startswith("15.")
    assert f"[upload] backup complete: s3://{site.bucket}/{key} ({len(data)} bytes" in run.log


def test_backup_under_a_prefix(site: Site) -> None:
    run = site.backup(S3Prefix="prod/enclave-manager")
    assert run.returncode == 0, run.log
    assert [re.sub(f"{STAMP}-{CLUSTER}", "STAMP", k) for k in site.objects()] == [
        "prod/enclave-manager/prod/ds-STAMP.sql", "prod/enclave-manager/prod/ds-STAMP.sql.json"]


def test_backup_then_restore_latest_gives_the_same_data_and_keeps_a_safety_dump(site: Site) -> None:
    before = site.data()
    assert site.backup().returncode == 0
    site.db.psql("DELETE FROM enclaves WHERE id = 2; CREATE TABLE stray (x int); INSERT INTO audit (entry) "
                 "VALUES ('after the backup')", "malbork")
    changed = site.data()
    assert changed != before
    run = site.restore("latest")
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert site.data() == before
    [safety] = safety_dumps(site)
    assert b"after the backup" in site.read(safety)
    assert json.loads(site.read(f"{safety}.json"))["kind"] == "safety-dump"
    assert "[restore] restored malbork: 2 tables, row counts as recorded" in run.log


def test_restore_a_chosen_backup_by_key(site: Site) -> None:
    site.backed_up()
    [key] = backup_keys(site)
    site.db.psql("TRUNCATE audit", "malbork")
    run = site.restore(key)
    assert run.returncode == 0, run.log
    assert "500|entry 99" in site.data()


def test_restore_of_an_empty_database_needs_no_safety_dump(site: Site) -> None:
    site.backed_up()
    before = site.data()
    site.db.psql("DROP DATABASE malbork WITH (FORCE)")
    run = site.restore("latest")
    assert run.returncode == 0, run.log
    assert "[safety-dump] database malbork is missing or has no tables: no safety dump needed" in run.log
    assert site.data() == before




def cluster_id(site: Site) -> str:
    """The stand-in's database cluster identity, as the dump step reads it."""
    return site.db.psql("SELECT system_identifier FROM pg_control_system()").strip()


def test_retention_deletes_only_the_oldest_of_ours(site: Site) -> None:
    here = cluster_id(site)
    put_backup(site, "ds-20200101T000000Z.sql", b"oldest")  # the earlier layout: ours, counted
    put_backup(site, "ds-20200102T000000Z.sql", b"older")
    put_backup(site, f"prod/ds-20200103T000000Z-{here}.sql", b"old")
    put_backup(site, "ds-20200101T120000Z.sql", b"someone else's", writer=None)  # same naming, not ours
    put_backup(site, "prod/ds-20200104T000000Z-999.sql", b"another cluster's")  # never counted here
    put_backup(site, f"staging/ds-20200105T000000Z-{here}.sql", b"staging's", namespace="staging")
    put_backup(site, "ds-prod-20200101T000000Z.sql", release="ds-prod")  # another release
    site.write("ds-20190101T000000Z.sql", b"incomplete: no metadata", *OURS)
    site.write("ds-notes.txt", b"not a backup")
    before = site.objects()
    run = site.backup(Retention=2)
    assert run.returncode == 0, run.log
    [new] = [k for k in backup_keys(site) if "2020" not in k]
    gone = ["ds-20200101T000000Z.sql", "ds-20200101T000000Z.sql.json", "ds-20200102T000000Z.sql",
            "ds-20200102T000000Z.sql.json"]
    assert site.objects() == sorted({*before, new, f"{new}.json"} - set(gone))
    assert "[upload] retention: deleted ds-20200101T000000Z.sql" in run.log
    assert "[upload] retention: deleted ds-20200102T000000Z.sql" in run.log
    assert (f"[upload] WARNING: ignoring s3://{site.bucket}/ds-20200101T120000Z.sql: not written by "
            "helm-datashield") in run.log


def test_retention_never_deletes_the_newest_backup(site: Site) -> None:
    assert site.backup(Retention=1).returncode == 0
    [first] = backup_keys(site)
    run = site.backup(Retention=1)
    assert run.returncode == 0, run.log
    assert len(backup_keys(site)) == 1
    if backup_keys(site) != [first]:  # a second later: the new one replaced the first
        assert f"[upload] retention: deleted {first}" in run.log


@pytest.mark.parametrize("case,message", [
    pytest.param("wrong-secret", "[upload] FAILED: upload to s3://{bucket}/prod/ds-", id="wrong-secret"),
    pytest.param("missing-bucket", "[upload] FAILED: upload to s3://{bucket}-missing/prod/ds-", id="missing-bucket"),
    # The dump streams into the upload, which deletes what it got once the dump fails.
    pytest.param("dump-fails-halfway", "[upload] FAILED: the dump step failed (exit 1; its log says why): what it had "
                 "streamed, s3://{bucket}/prod/ds-",
                 id="dump-fails-halfway"),
    pytest.param("database-down", "[dump] FAILED: cannot reach database malbork at 127.0.0.1:1: ",
                 id="database-down"),
    # A dump that writes nothing and exits 0 (the seam's TEST_DUMP_FAULT=empty; pg_dump never does).
    pytest.param("empty-dump", "[upload] FAILED: the dump of malbork is empty: its object, s3://{bucket}/prod/ds-",
                 id="empty-dump"),
    pytest.param("empty-native-backup", "[upload] FAILED: BACKUP wrote nothing under s3://{bucket}/prod/ds-",
                 id="empty-native-backup"),
    # A dump that leaves out a table the counts count (the seam's TEST_DUMP_FAULT=skips-table): found as it is read
    # back, before the metadata (issue 25, review fault 5); before, --status said OK until the next drill failed it.
    pytest.param("skips-table", "[upload] FAILED: the dump s3://{bucket}/prod/ds-", id="skips-table"),
])
def test_a_failed_backup_fails_the_job_and_uploads_nothing(site: Site, case: str, message: str) -> None:
    bucket = site.bucket
    secret, env, backup_format = SECRET, {}, "sql"
    if case == "wrong-secret":
        secret = {**SECRET, "AWS_SECRET_ACCESS_KEY": WRONG_SECRET}
    elif case == "missing-bucket":
        site.bucket += "-missing"
    elif case == "dump-fails-halfway":
        # A role that may read one table but not the other: pg_dump stops in the middle.
        site.db.psql("CREATE ROLE halfway LOGIN; GRANT SELECT ON enclaves TO halfway", "malbork")
        env = {"PGUSER": "halfway"}
    elif case == "database-down":
        env = {"DATABASE_PORT": "1"}  # nothing listens there
    elif case == "skips-table":
        env = {"TEST_DUMP_FAULT": "skips-table"}
    elif case.startswith("empty-"):
        env = {"TEST_DUMP_FAULT": "empty"}
        backup_format = "native" if case == "empty-native-backup" else "sql"
    try:
        run = site.backup(secret=secret, env=env, Format=backup_format)
    finally:
        if case == "dump-fails-halfway":
            site.db.psql("DROP OWNED BY halfway; DROP ROLE halfway", "malbork")
    site.bucket = bucket
    assert run.returncode == 1, run.log
    assert message.format(bucket=bucket) in run.log, run.log
    if case == "skips-table":
        assert re.search(rf"\[upload\] FAILED: the dump s3://{bucket}/(prod/ds-\S+\.sql) creates no table \"audit\", "
                         r"which the database counted in the dump's snapshot: it, s3://\S+/\1, was deleted; "
                         r"nothing was kept\n", run.log), run.log
    assert site.objects() == []
    assert SECRET["AWS_SECRET_ACCESS_KEY"] not in run.log and WRONG_SECRET not in run.log


WRONG_SECRET = "W" * 40


@pytest.mark.parametrize("damage,message", [
    pytest.param("corrupt", "[fetch] FAILED: s3://{bucket}/{key} does not match the SHA-256 in its metadata: "
                 "the backup is damaged", id="corrupted-object"),
    pytest.param("truncate", "[fetch] FAILED: s3://{bucket}/{key} has 100 bytes, its metadata says {size}: "
                 "the backup is damaged", id="truncated-object"),
    pytest.param("no-metadata", "[fetch] FAILED: the metadata object s3://{bucket}/{key}.json is missing or "
                 "unreadable, so {key} cannot be verified: ", id="missing-metadata"),
    pytest.param("no-backup", "[fetch] FAILED: no complete backup of ds in namespace prod in s3://{bucket}/",
                 id="no-backup-at-all"),
    # The first call to the bucket: whether this restore run already began (issue 24 §2).
    pytest.param("wrong-secret", "[fetch] FAILED: cannot tell whether restore run run-", id="wrong-secret"),
    pytest.param("other-format", '[fetch] FAILED: s3://{bucket}/{key} has format "cockroach-backup"; '
                 'this restore Job reads "sql"', id="unknown-format"),
])
def test_a_bad_backup_stops_the_restore_before_the_database_is_touched(site: Site, damage: str,
                                                                        message: str) -> None:
    site.backed_up()
    [key] = backup_keys(site)
    data = site.read(key)
    which, secret = "latest", SECRET
    if damage == "corrupt":
        site.write(key, bytes([data[0] ^ 1]) + data[1:], *OURS)
    elif damage == "truncate":
        site.write(key, data[:100], *OURS)
        which = key  # "latest" passes over a backup whose size differs from its metadata's (tests/latest_cases.py)
    elif damage == "no-metadata":
        site.delete(f"{key}.json")
        which = key  # "latest" only ever picks complete backups
    elif damage == "no-backup":
        site.delete(key, f"{key}.json")
    elif damage == "wrong-secret":
        secret = {**SECRET, "AWS_SECRET_ACCESS_KEY": WRONG_SECRET}
    elif damage == "other-format":
        metadata = site.read(f"{key}.json").replace(b'"format": "sql"', b'"format": "cockroach-backup"')
        site.write(f"{key}.json", metadata, *OURS)
        which = key  # as "truncate"
    site.db.psql("INSERT INTO audit (entry) VALUES ('written after the backup')", "malbork")
    before = site.data()
    run = site.restore(which, secret=secret)
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    assert message.format(bucket=site.bucket, key=key, size=len(data)) in run.log, run.log
    assert site.data() == before
    assert WRONG_SECRET not in run.log and SECRET["AWS_SECRET_ACCESS_KEY"] not in run.log


def test_a_fault_in_transit_is_read_again_and_the_restore_goes_on(site: Site) -> None:
    """The first GET of the backup's data has a bit flipped on the wire (the proxy), the second is intact:
    a warning, not "the backup is damaged" (a backup that reads back wrong twice: test_drill.py)."""
    site.backed_up()
    [key] = backup_keys(site)
    before = site.data()
    site.db.psql("DELETE FROM enclaves", "malbork")
    proxy = FaultyProxy(site.s3.endpoint, "corrupt", (key,), times=1)
    site.endpoint = proxy.url
    try:
        run = site.restore("latest")
    finally:
        proxy.stop()
    assert (run.returncode, run.failed_container, proxy.hits) == (0, None, [f"/{site.bucket}/{key}"]), run.log
    assert (f"[fetch] WARNING: the first read differed (s3://{site.bucket}/{key} does not match the SHA-256 in its "
            "metadata), the second matched: a fault in transit, not a damaged backup") in run.log.splitlines()
    assert site.data() == before


def test_a_failed_import_says_where_the_safety_dump_is(site: Site) -> None:
    site.backed_up()
    [key] = backup_keys(site)
    broken = site.read(key) + b"\nINSERT INTO no_such_table VALUES (1);\n"
    metadata = json.loads(site.read(f"{key}.json"))
    site.write(key, broken, *OURS)
    text = site.read(f"{key}.json").decode()
    text = text.replace(f'"size": {metadata["size"]},', f'"size": {len(broken)},')
    text = text.replace(metadata["sha256"], hashlib.sha256(broken).hexdigest())
    site.write(f"{key}.json", text.encode(), *OURS)
    run = site.restore("latest")
    assert (run.returncode, run.failed_container) == (1, "restore"), run.log
    assert "[restore] FAILED: the import failed (exit 3): " in run.log
    [safety] = safety_dumps(site)
    assert f"[fetch] the data before this restore is saved as s3://{site.bucket}/{safety}" in run.log
    assert f"; to put it back: helm datashield-restore ds -n prod --chart <the chart ds runs> --from {safety}\n" \
        in run.log


def test_without_the_nodes_the_backup_is_kept_and_says_why(site: Site) -> None:
    site.kube.failing = {"pods"}
    run = site.backup()
    assert run.returncode == 0, run.log
    [key] = backup_keys(site)
    metadata = json.loads(site.read(f"{key}.json"))
    assert metadata["nodes"] == {"manager": None, "database": None}
    assert metadata["nodesError"] == ("manager pods: HTTP 500: etcdserver: request timed out; "
                                      "database pods: HTTP 500: etcdserver: request timed out")
    assert "[upload] WARNING: cannot read the nodes (manager pods: HTTP 500: etcdserver" in run.log
    assert TOKEN not in run.log and TOKEN not in json.dumps(metadata)


def test_without_the_api_no_backup_runs_on_a_guess(site: Site) -> None:
    run = site.backup(env={"KUBE_API": "http://127.0.0.1:1"})
    assert run.returncode == 1, run.log
    assert ("[upload] FAILED: cannot tell whether a restore of ds is under way (ConfigMap ds-enclaveos-restoring: "
            "curl: (7) Failed to connect to 127.0.0.1 port 1") in run.log
    assert "[dump] FAILED: the upload step failed (exit 1; its log says why): nothing was dumped" in run.log
    assert "dumping database" not in run.log
    assert site.objects() == [] and TOKEN not in run.log


def test_the_node_lookup_asks_for_the_release_pods_only(site: Site) -> None:
    assert site.backup().returncode == 0
    assert [unquote(r) for r in site.kube.requests] == [
        "/api/v1/namespaces/prod/configmaps/ds-enclaveos-restoring",
        "/api/v1/namespaces/prod/pods?labelSelector=app.kubernetes.io/component=manager,"
        "app.kubernetes.io/instance=ds,app.kubernetes.io/name=enclaveos-chart",
        "/api/v1/namespaces/prod/pods?labelSelector=app.kubernetes.io/component=database,"
        "app.kubernetes.io/instance=ds,app.kubernetes.io/name=enclaveos-chart"]


def native_keys(site: Site) -> list[str]:
    return sorted({m.group(0) for k in site.objects() if (m := re.match(rf"prod/ds-{STAMP}-{CLUSTER}\.native", k))})


def test_native_backup_then_restore_gives_the_same_data(site: Site) -> None:
    before = site.data()
    run = site.backup(Format="native")
    assert (run.returncode, run.failed_container) == (0, None), run.log
    [key] = native_keys(site)
    metadata = json.loads(site.read(f"{key}.json"))
    parts = [k for k in site.objects() if k.startswith(f"{key}/")]
    assert (metadata["format"], metadata["files"]) == ("native", len(parts))
    assert metadata["tables"] == {"audit": 500, "enclaves": 3}
    site.db.psql("DELETE FROM enclaves; DROP TABLE audit", "malbork")
    run = site.restore("latest", backup={"Format": "native"})
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert site.data() == before
    assert f"[restore] RESTORE DATABASE malbork FROM LATEST IN s3://{site.bucket}/{key}" in run.log
    [safety] = safety_dumps(site, backup_format="native")
    safety_metadata = json.loads(site.read(f"{safety}.json"))
    assert (safety_metadata["kind"], safety_metadata["format"]) == ("safety-dump", "native")
    assert safety_metadata["files"] == len([k for k in site.objects() if k.startswith(f"{safety}/")])
    assert SECRET["AWS_SECRET_ACCESS_KEY"] not in run.log


@pytest.mark.parametrize(("region", "signed_for"), [("", "us-east-1"), ("eu-west-1", "eu-west-1")])
def test_every_request_of_a_native_backup_and_restore_is_signed_for_the_region(site: Site, region: str,
                                                                              signed_for: str) -> None:
    """Issue 24 §5: the native BACKUP's URL said AWS_REGION=us-east-1 whatever the bucket's region, and an AWS
    bucket elsewhere refuses such a request. The region (global.S3.Region) signs the AWS CLI's requests and the
    database's (the URL's AWS_REGION), backup and restore, counted at a proxy in front of the store."""
    proxy = FaultyProxy(site.s3.endpoint, "slow", ("/no-such-key",))  # no fault: it only sees the requests
    site.endpoint, site.region = proxy.url, region
    try:
        backup = site.backup(Format="native")
        restore = site.restore("latest", backup={"Format": "native"})
    finally:
        proxy.stop()
    assert (backup.returncode, restore.returncode) == (0, 0), backup.log + restore.log
    assert proxy.regions == {signed_for}


@pytest.mark.parametrize("which", ["restore", "drill"])
def test_a_native_backup_is_refused_before_the_drop_where_backup_format_is_sql(site: Site, which: str) -> None:
    """Red team: a native backup restored by name in a release whose Backup.Format is sql (a new cluster
    installed with the default) dropped the database, then its restore step, with no keys and an image without
    RESTORE ... FROM LATEST IN, could not load it."""
    assert site.backup(Format="native").returncode == 0
    [key] = native_keys(site)
    before = site.data()
    run = site.restore(key) if which == "restore" else site.drill()
    step = "fetch" if which == "restore" else "pick"
    # The drill records the failure as its verdict (its record step then fails the Job).
    assert (run.returncode, run.failed_container) == (1, "fetch" if which == "restore" else "record"), run.log
    assert (f"[{step}] FAILED: s3://{site.bucket}/{key} is a native backup (CockroachDB's BACKUP) and this release's "
            f"Backup.Format is sql, whose {which} step cannot load it: refusing to {which} it, nothing was dropped. "
            "Set enclaveos-chart.Backup.Format=native, with a database image of v21.1.14+, v21.2.3+ or v22.1+") \
        in run.log.splitlines()
    assert site.data() == before


def test_native_retention_deletes_the_whole_backup_folder(site: Site) -> None:
    assert site.backup(Format="native", Retention=1).returncode == 0
    [first] = native_keys(site)
    time.sleep(1)  # the next backup's name is a second later
    run = site.backup(Format="native", Retention=1)
    assert run.returncode == 0, run.log
    [second] = native_keys(site)
    assert second != first and not [k for k in site.objects() if k.startswith(first)]
    assert f"[upload] retention: deleted {first}" in run.log


def test_a_damaged_native_backup_stops_the_restore(site: Site) -> None:
    assert site.backup(Format="native").returncode == 0
    [key] = native_keys(site)
    part = next(k for k in site.objects() if k.startswith(f"{key}/") and k.endswith(".dat.gz"))
    data = site.read(part)
    site.write(part, bytes([data[0] ^ 1]) + data[1:])
    before = site.data()
    run = site.restore("latest", backup={"Format": "native"})
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    assert (f"[fetch] FAILED: s3://{site.bucket}/{key} does not match the SHA-256 in its metadata: "
            "the backup is damaged") in run.log
    assert site.data() == before


def test_a_failed_native_backup_never_shows_the_keys(site: Site) -> None:
    run = site.backup(secret={**SECRET, "AWS_SECRET_ACCESS_KEY": WRONG_SECRET}, Format="native")
    assert (run.returncode, run.failed_container) == (1, "dump"), run.log
    assert "[dump] FAILED: BACKUP of malbork failed: " in run.log
    assert WRONG_SECRET not in run.log and "%57%57%57" not in run.log


def test_an_upload_that_reads_back_different_fails_and_is_never_complete(site: Site) -> None:
    """The store answers with other bytes than were sent: the backup must not count as done."""
    proxy = FaultyProxy(site.s3.endpoint, "corrupt", (".sql",))
    site.endpoint = proxy.url
    try:
        run = site.backup()
    finally:
        proxy.stop()
    assert (run.returncode, run.failed_container) == (1, "upload"), run.log
    [key] = re.findall(rf"\[upload\] uploading s3://{site.bucket}/(\S+) ", run.log)
    assert proxy.hits == [f"/{site.bucket}/{key}"]
    # Compared by CRC-32 and length (s3.sh read_back_dump): "<crc> <bytes>" of the object, then of the stream.
    assert re.search(rf"\[upload\] FAILED: s3://{site.bucket}/{re.escape(key)} does not match what was uploaded "
                     rf"\(CRC-32 and length: \d+ (\d+), not \d+ \1\): it, s3://{site.bucket}/{re.escape(key)}, was "
                     rf"deleted; nothing was kept\n", run.log), run.log
    assert site.objects() == []


def path_without(folder: Path, *missing: str) -> str:
    """A PATH of one folder of links to every program the pods' usual PATH has, but `missing`."""
    folder.mkdir()
    for source in (TOOLS_BIN, PG_BIN, Path("/usr/local/bin"), Path("/usr/bin"), Path("/bin")):
        for program in sorted(source.iterdir()) if source.is_dir() else []:
            link = folder / program.name
            if program.name not in missing and not link.exists() and os.access(program, os.X_OK):
                link.symlink_to(program)
    return str(folder)


def test_native_backup_and_restore_need_no_find(site: Site) -> None:
    """The AWS CLI image (amazonlinux:2 with less, groff and jq) has no find: the steps that read a
    native backup (upload, fetch) do without it, and record the same digest."""
    before = site.data()
    env = {"PATH": path_without(site.work / "no-find", "find")}
    run = site.backup(env=env, Format="native")
    assert (run.returncode, run.failed_container) == (0, None), run.log
    [key] = native_keys(site)
    metadata = json.loads(site.read(f"{key}.json"))
    assert metadata["files"] == len([k for k in site.objects() if k.startswith(f"{key}/")])
    site.db.psql("DELETE FROM enclaves", "malbork")
    run = site.restore("latest", env=env, backup={"Format": "native"})
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert f"[fetch] verified {key}: {metadata['size']} bytes, sha256 {metadata['sha256']}" in run.log
    assert site.data() == before


def test_backed_up_runs_the_backup_pod_once_for_each_state_of_the_site(site: Site) -> None:
    """The harness's own shortcut (conftest.py Site.backed_up): a second call in the same state runs no pod and
    puts back the same objects, byte for byte; a change to the database makes it run the pod again."""
    site.backed_up()  # run here, or by an earlier test of this process in the same state
    first = {key: site.read(key) for key in site.objects()}
    assert [k for k in first if k.endswith(".sql")] != []
    empty(site.s3, site.bucket)
    site.kube.requests.clear()
    site.backed_up()
    assert site.kube.requests == []  # no pod asked the API anything: none ran
    assert {key: site.read(key) for key in site.objects()} == first
    empty(site.s3, site.bucket)
    site.db.psql("INSERT INTO enclaves VALUES (7, 'changed', NULL)", DATABASE)
    site.backed_up()
    assert site.kube.requests != []  # the backup pod ran again
    [key] = backup_keys(site)
    assert b"changed" in site.read(key)

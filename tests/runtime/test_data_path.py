"""The data path under real conditions (issue 14, sections 5-8), on the real pods, S3 server, AWS
CLI and database: values are data, never code; a safety dump is restorable by the tool that
made it; every failure keeps its reason on one line, and "could not look" is never "nothing
found"; a backup that is complete stays complete (and the Job is not retried) when what
follows it fails."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from renderer.postrender.inject import KEPT_EXIT
from renderer.restore.backups import Backup, catalog, choose, listing_prefixes, metadata_keys
from renderer.restore.safety import from_bucket, listing_prefix
from tests.runtime.conftest import DATABASE, OURS, Site, metadata_text, rewrite_backup
from tests.runtime.faulty_proxy import FaultyProxy
from tests.runtime.test_backup_restore import cluster_id, safety_dumps
from tests.runtime.test_faults import write_earlier_backups
from tests.runtime.test_restore_command import store
from tests.runtime.test_secure_cluster import SECURE
from tests.services import AWS, S3Server
from tools.template_compiler import TEMPLATES

STAMP = r"\d{8}T\d{6}Z"
CLUSTER = r"[A-Za-z0-9][A-Za-z0-9-]*"  # the database cluster's identity, in the key and the metadata


def backup_key(site: Site) -> str:
    [key] = [k for k in site.objects() if re.fullmatch(rf"prod/ds-{STAMP}-{CLUSTER}\.sql", k)]
    return key


def one_line_each(log: str) -> None:
    """Every line of the pod's log is a step's own line: no reason spilled onto a line of its own."""
    assert [line for line in log.splitlines() if not re.match(r"\[[a-z-]+\] ", line)] == []


def copy_backup(site: Site, key: str, to: str) -> None:
    """The backup pair at `key` written again at `to`, its metadata naming its new key."""
    site.write(to, site.read(key), *OURS)
    metadata = site.read(f"{key}.json").decode().replace(f'"object": "{key}"',
                                                          f'"object": {json.dumps(to, ensure_ascii=False)}')
    site.write(f"{to}.json", metadata.encode(), *OURS)


@pytest.mark.parametrize("which", [
    pytest.param("x';touch {marker};'", id="quote-closes-the-value"),
    pytest.param("$(touch {marker})", id="command-substitution"),
])
def test_a_restore_value_that_names_no_backup_runs_nothing(site: Site, which: str) -> None:
    marker = site.work / "INJECTED"
    before = site.data()
    run = site.restore(which.format(marker=marker))
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    key = which.format(marker=marker)
    assert (f"[fetch] FAILED: the metadata object s3://{site.bucket}/{key}.json is missing or unreadable, so {key} "
            "cannot be verified: ") in run.log
    assert not marker.exists()
    assert site.data() == before
    one_line_each(run.log)


def test_a_backup_whose_key_holds_quotes_and_shell_syntax_is_restored_as_data(site: Site) -> None:
    marker = site.work / "INJECTED"
    site.backed_up()
    original = site.data()
    odd = f"it's $(touch {marker}) `touch {marker}` \"q\" \\ & ?#% + = é ✓.sql"
    copy_backup(site, backup_key(site), odd)
    site.db.psql("DELETE FROM audit", "malbork")
    run = site.restore(odd)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert f"[fetch] verified {odd}: " in run.log
    assert site.data() == original
    assert not marker.exists()


def test_a_safety_dump_is_a_complete_backup_that_the_restore_command_lists_and_restores(site: Site) -> None:
    site.backed_up()
    key = backup_key(site)
    site.db.psql("DELETE FROM enclaves WHERE id = 2; INSERT INTO audit (entry) VALUES ('after the backup')", "malbork")
    changed = site.data()
    run = site.restore("latest", RunId="first", ManagerNodes="sgx-node-1,sgx-node-2")
    assert (run.returncode, run.failed_container) == (0, None), run.log
    [safety] = safety_dumps(site)
    assert f"[fetch] the data before this restore is saved as s3://{site.bucket}/{safety}" in run.log
    data = site.read(safety)
    metadata = json.loads(site.read(f"{safety}.json"))
    assert metadata == {
        "writer": "helm-datashield", "kind": "safety-dump", "restoreRunId": "first", "restoring": key,
        "format": "sql", "object": safety, "files": 1, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        "created": metadata["created"], "release": "ds", "namespace": "prod",
        "cluster": json.loads(site.read(f"{key}.json"))["cluster"], "database": "malbork",
        "databaseVersion": metadata["databaseVersion"],
        "nodes": {"manager": ["sgx-node-1", "sgx-node-2"], "database": None},
        "nodesError": "database pods: not read by the restore Job",
        "tableNames": "schema-qualified", "tables": {"audit": 501, "enclaves": 2}}

    # The restore command sees it as a safety dump: complete, never "latest", restorable by its name.
    bucket = store(site)
    objects = {k: v for prefix in listing_prefixes("ds", "prod", "") for k, v in bucket.keys(prefix).items()}
    backups = catalog("ds", "prod", "", objects, {k: bucket.read(k) for k in metadata_keys("ds", "prod", "", objects)})
    assert [(b.name, b.complete, b.safety_dump) for b in backups] == [(key, True, False), (safety, True, True)]
    assert choose(backups, "latest", "").name == key
    assert choose(backups, safety, "").manager_nodes == ("sgx-node-1", "sgx-node-2")
    assert bucket.digest([safety]) == metadata["sha256"]

    # The restore Job puts it back, like any backup (taking a safety dump of its own first).
    run = site.restore(safety, RunId="back")
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert "[restore] restored malbork: 2 tables, row counts as recorded" in run.log
    assert site.data() == changed

    # Retention never counts or deletes it.
    run = site.backup(Retention=1)
    assert run.returncode == 0, run.log
    assert {safety, f"{safety}.json"} <= set(site.objects())


def the_commands_catalog(site: Site) -> list[Backup]:
    bucket = store(site)
    objects = {k: v for prefix in listing_prefixes("ds", "prod", "") for k, v in bucket.keys(prefix).items()}
    return catalog("ds", "prod", "", objects, {k: bucket.read(k) for k in metadata_keys("ds", "prod", "", objects)})


def test_safety_dumps_carry_namespace_and_cluster_like_backups(site: Site, secure_site: Site) -> None:
    """Release ds restored in prod and in staging, and in prod on a second database cluster: each safety
    dump's key names its namespace and cluster (so two of them taken in one second never share a key,
    tests/unit/test_shell_lib.py), and its metadata names the same; the restore command finds each
    run's own in the bucket, never another namespace's or cluster's."""
    staging = {"NAMESPACE": "staging"}
    site.backed_up()
    assert site.backup(env=staging).returncode == 0
    prod_backup = backup_key(site)
    [staging_backup] = [k for k in site.objects() if re.fullmatch(rf"staging/ds-{STAMP}-{CLUSTER}\.sql", k)]
    run_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime())  # one run id, as two runs begun in one second have
    runs = [("prod", site.restore(prod_backup, RunId=run_id)),
            ("staging", site.restore(staging_backup, env=staging, RunId=run_id)),
            ("prod", secure_site.restore(prod_backup, backup={"Database": SECURE}, RunId=run_id))]
    mine, other = cluster_id(site), cluster_id(secure_site)
    dumps = []
    for (namespace, run), cluster in zip(runs, (mine, mine, other), strict=True):
        assert (run.returncode, run.failed_container) == (0, None), run.log
        [dump] = re.findall(rf"\[fetch\] the data before this restore is saved as s3://{site.bucket}/(\S+)", run.log)
        assert re.fullmatch(rf"{namespace}/pre-restore-ds-{STAMP}-{cluster}\.sql", dump), dump
        metadata = json.loads(site.read(f"{dump}.json"))
        assert (metadata["kind"], metadata["namespace"], metadata["cluster"], metadata["object"]) == (
            "safety-dump", namespace, cluster, dump)
        dumps.append(dump)
    assert len(set(dumps)) == 3
    # What the restore command finds for each run when the Job's log says nothing: only its own.
    bucket = store(site)
    for (namespace, _), dump in zip(runs, dumps, strict=True):
        objects = bucket.keys(listing_prefix("", "ds", namespace))
        metadata = {k: bucket.read(k) for k in metadata_keys("ds", namespace, "", objects)}
        found = from_bucket(site.bucket, "", "ds", namespace, run_id, objects, metadata, "the log is gone")
        if namespace == "staging":
            assert found.text() == f"s3://{site.bucket}/{dump}"
        else:  # two database clusters, one run id: this machine cannot tell which is its own
            assert found.text() == ("unknown (the log is gone; the safety dumps since this run began are "
                                    + ", ".join(f"s3://{site.bucket}/{d}" for d in sorted(dumps[::2])) + ")")
    # The restore command lists prod's two dumps (both clusters) as safety dumps, never staging's.
    assert sorted(b.name for b in the_commands_catalog(site) if b.safety_dump and b.complete) == sorted(dumps[::2])


def test_a_safety_dump_of_the_earlier_layout_is_still_listed_and_restorable(site: Site) -> None:
    """A dump named <prefix>/pre-restore-<release>-<time>.sql (no namespace, no cluster) with its
    metadata: listed, restorable by name; one whose metadata names another namespace is not."""
    site.backed_up()
    before = site.data()
    assert site.restore("latest").returncode == 0
    [dump] = safety_dumps(site)
    earlier = f"pre-restore-ds-{dump.split('-')[3]}.sql"
    copy_backup(site, dump, earlier)
    foreign = "pre-restore-ds-20260101T000000Z.sql"
    copy_backup(site, dump, foreign)
    metadata = json.loads(site.read(f"{foreign}.json"))
    metadata.update(namespace="staging", created="2026-01-01T00:00:00Z")
    site.write(f"{foreign}.json", metadata_text(metadata), *OURS)
    listed = {b.name: (b.safety_dump, b.problem) for b in the_commands_catalog(site) if b.safety_dump}
    assert listed == {dump: (True, None), earlier: (True, None),
                      foreign: (True, 'its metadata names namespace "staging", not "prod"')}
    site.db.psql("DELETE FROM enclaves", DATABASE)
    run = site.restore(earlier)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert site.data() == before
    # Retention never counts or deletes either.
    assert site.backup(Retention=1).returncode == 0
    assert {dump, earlier, foreign} <= set(site.objects())


def test_a_failure_after_the_drop_says_the_state_and_the_one_command_that_puts_the_data_back(site: Site) -> None:
    site.backed_up()
    key = backup_key(site)
    rewrite_backup(site, key, site.read(key) + b"\nINSERT INTO no_such_table VALUES (1);\n")
    site.db.psql("INSERT INTO audit (entry) VALUES ('written after the backup')", "malbork")
    before = site.data()
    run = site.restore("latest", ManagerNodes="sgx-node-1")
    assert (run.returncode, run.failed_container) == (1, "restore"), run.log
    [safety] = safety_dumps(site)
    [failed] = [line for line in run.log.splitlines() if "FAILED" in line]
    assert re.fullmatch(
        r"\[restore\] FAILED: the import failed \(exit 3\): .*ERROR: +relation \"no_such_table\" does not exist.*; "
        rf"malbork holds part of {key} \(the import stopped\); the data from before is "
        rf"s3://{site.bucket}/{safety}; to put it back: helm datashield-restore ds -n prod --chart <the chart ds "
        rf"runs> --from {safety}", failed), failed
    one_line_each(run.log)
    assert site.data() != before
    # The command it names works: the safety dump goes back in.
    run = site.restore(safety)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert site.data() == before


def unavailable(site: Site, suffixes: tuple[str, ...], methods: tuple[str, ...] = (), skip: int = 0) -> FaultyProxy:
    proxy = FaultyProxy(site.s3.endpoint, "unavailable", suffixes, methods=methods, skip=skip)
    site.endpoint = proxy.url
    return proxy


LIST_FAILED = ("cannot list s3://{bucket}/: An error occurred (ServiceUnavailable) when calling the ListObjectsV2 "
               "operation (reached max retries: ")


@pytest.mark.parametrize("which", ["the backups", "the restore runs"])
def test_a_listing_that_fails_is_not_an_empty_bucket(site: Site, which: str) -> None:
    """503 on the listing of the backups (the restore run's record listed first, unharmed), or on every
    listing: the restore says it could not look, with the reason on the same line, never "no complete
    backup" (backups exist) nor "a new run"; the database is untouched."""
    site.backed_up()
    before = site.data()
    proxy = unavailable(site, (f"/{site.bucket}", f"/{site.bucket}/"), ("GET",), skip=int(which == "the backups"))
    try:
        run = site.restore("latest", RunId="r1")
    finally:
        proxy.stop()
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    [failed] = [line for line in run.log.splitlines() if "FAILED" in line]
    reason = LIST_FAILED.format(bucket=site.bucket) if which == "the backups" else (
        f"cannot tell whether restore run r1 already began (listing s3://{site.bucket}/prod/restore-runs/ds-r1-"
        f"{cluster_id(site)}.json): An error occurred (ServiceUnavailable) when calling the ListObjectsV2 operation")
    assert failed.startswith("[fetch] FAILED: " + reason), failed
    assert "no complete backup" not in run.log
    one_line_each(run.log)
    assert site.data() == before


@pytest.mark.parametrize("fault", ["listing", "data-delete"])
def test_a_complete_backup_whose_retention_fails_is_kept_and_fails_the_job_without_a_retry(
        site: Site, fault: str) -> None:
    """The backup is complete before retention runs: a 503 there keeps it, says so loudly, and exits
    with KEPT_EXIT, on which the CronJob's podFailurePolicy fails the Job without another try."""
    earlier = write_earlier_backups(site)
    if fault == "listing":
        proxy = unavailable(site, (f"/{site.bucket}", f"/{site.bucket}/"), ("GET",))
        reason = LIST_FAILED.format(bucket=site.bucket)
    else:
        proxy = unavailable(site, (".sql",), ("DELETE",))
        reason = (f"retention: cannot delete s3://{site.bucket}/ds-20200101T000000Z.sql (its metadata object is "
                  "kept, the next run tries again): An error occurred (ServiceUnavailable) when calling the "
                  "DeleteObject operation (reached max retries: ")
    try:
        run = site.backup(Retention=1)
    finally:
        proxy.stop()
    assert (run.returncode, run.failed_container) == (KEPT_EXIT, "upload"), run.log
    [key] = re.findall(rf"\[upload\] backup complete: s3://{site.bucket}/(prod/ds-{STAMP}-{CLUSTER}\.sql) ", run.log)
    [failed] = [line for line in run.log.splitlines() if "FAILED" in line]
    assert failed.startswith(f"[upload] FAILED: {reason}"), failed
    assert failed.endswith(f"; THE BACKUP s3://{site.bucket}/{key} IS COMPLETE AND KEPT: only what follows it "
                           f"failed, and the Job is not tried again (exit {KEPT_EXIT})"), failed
    one_line_each(run.log)
    assert {key, f"{key}.json"} <= set(site.objects())
    # Data first, then metadata: a data DELETE refused leaves the whole pair, still provably ours.
    assert set(earlier) <= set(site.objects())


@pytest.mark.parametrize("shell", ["dash", "bash"])
def test_an_object_larger_than_the_clis_parallel_ranges_streams_whole(s3_server: S3Server, bucket: str,
                                                                       tmp_path: Path, shell: str) -> None:
    """get_summed and put_verified (s3.sh) on the real AWS CLI and S3 server with a 72 MiB object: more than the
    6 ranges of 8 MiB after which `aws s3 cp s3://... -` stopped for good on this store. One pass, the SHA-256
    of what was written, the file whole; the read-back of an upload of it matches."""
    data = hashlib.sha256(b"seed").digest() * (72 * 1024 * 1024 // 32)
    (tmp_path / "work").mkdir()
    (tmp_path / "dump.sql").write_bytes(data)
    scripts = TEMPLATES / "scripts"
    library = (scripts / "lib.sh").read_text(encoding="utf-8") + (scripts / "s3.sh").read_text(encoding="utf-8")
    env = {**s3_server.env(), "PATH": f"{AWS.parent}:/usr/bin:/bin", "WORK_DIR": str(tmp_path / "work"),
           "S3_CALL_TIMEOUT": "300", "S3_BUCKET": bucket, "S3_ENDPOINT": s3_server.endpoint, "STEP": "test",
           "RELEASE": "ds"}
    key = f"large/{shell}.sql"
    digest = hashlib.sha256(data).hexdigest()
    done = subprocess.run([shell, "-ec", f'{library}\nput_verified "$1" {key} {digest}\n'
                           f'get_summed {key} "$WORK_DIR/got"\necho "$summed_size $summed_sha256"',
                           "step", str(tmp_path / "dump.sql")], check=False, env=env, capture_output=True, text=True,
                          timeout=600)
    try:
        assert (done.returncode, done.stdout.splitlines()[-1]) == (0, f"{len(data)} {digest}"), done.stderr
        assert (tmp_path / "work" / "got").read_bytes() == data
    finally:
        s3_server.aws("s3", "rm", f"s3://{bucket}/{key}")

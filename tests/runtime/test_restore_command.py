"""Where the restore command and the pods meet, for real: the command reads the backups that
the real backup pod wrote (catalog, nodes, SHA-256), and the real restore pod restores a
local file that the command uploaded with metadata of its own making."""

from __future__ import annotations

import hashlib

from renderer.edges.objectstore import ObjectStore
from renderer.restore.backups import catalog, choose, listing_prefixes, metadata_keys
from renderer.restore.plan import local_backup
from tests.runtime.conftest import SECRET, Site


def store(site: Site) -> ObjectStore:
    return ObjectStore(endpoint=site.s3.endpoint, bucket=site.bucket, access_key_id=SECRET["AWS_ACCESS_KEY_ID"],
                       secret_access_key=SECRET["AWS_SECRET_ACCESS_KEY"])


def test_the_command_reads_what_the_backup_pod_wrote(site: Site) -> None:
    assert site.backup().returncode == 0
    bucket = store(site)
    objects = {k: v for listed in listing_prefixes("ds", "prod", "") for k, v in bucket.keys(listed).items()}
    read = {k: bucket.read(k) for k in metadata_keys("ds", "prod", "", objects)}
    (backup,) = catalog("ds", "prod", "", objects, read)
    assert backup.complete, backup.problem
    assert backup.manager_nodes == ("sgx-node-1", "sgx-node-2")
    assert bucket.digest([backup.key]) == backup.sha256
    assert choose([backup], "latest", "s3://bucket/") == backup


def test_a_local_file_uploaded_by_the_command_is_restored_by_the_job(site: Site) -> None:
    assert site.backup().returncode == 0
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

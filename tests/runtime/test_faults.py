"""Faults in the job runtime, on the real S3 server: the server going away in the middle of an
upload, a write it refuses, a server too slow to answer. In each: the upload step fails with a
line that says why, every earlier complete backup is still there (retention never ran), and
the new backup is not complete (no metadata object: `latest` never picks it).

The faults come from the server itself where it can make them (a read-only identity), else
from tests/runtime/faulty_proxy.py in front of it."""

from __future__ import annotations

import re
import time

import pytest
import yaml

from tests.runtime.conftest import SECRET, Site, put_backup
from tests.runtime.faulty_proxy import FaultyProxy
from tests.services import S3_READONLY_ACCESS_KEY_ID, S3_READONLY_SECRET_ACCESS_KEY

STAMP = r"\d{8}T\d{6}Z"
EARLIER = ("ds-20200101T000000Z.sql", "ds-20200102T000000Z.sql")
READ_ONLY = {"AWS_ACCESS_KEY_ID": S3_READONLY_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": S3_READONLY_SECRET_ACCESS_KEY}


def write_earlier_backups(site: Site) -> list[str]:
    """Two complete backups of ours (the earlier layout), older than any new one: Retention=1 would delete both."""
    for key in EARLIER:
        put_backup(site, key, b"an earlier backup")
    return sorted([*EARLIER, *(f"{key}.json" for key in EARLIER)])


@pytest.mark.parametrize("fault,target,reason,left", [
    # The proxy cuts the data upload halfway and is gone from then on; the CLI retries, then gives up.
    pytest.param("server-stops-mid-upload", "{key}", " to s3://{bucket}/{key} Connection was closed before we "
                 'received a valid response from endpoint URL: "{endpoint}/{bucket}/{key}".', (),
                 id="server-stops-mid-upload"),
    # Keys the real server lets read and list, not write.
    pytest.param("read-only-keys", "{key}", " to s3://{bucket}/{key} An error occurred (AccessDenied) when calling "
                 "the PutObject operation: Access Denied.", (), id="refused-write"),
    # The data is in and verified, then the store refuses the metadata object.
    pytest.param("quota-full-at-the-metadata", "{key}.json", " to s3://{bucket}/{key}.json An error occurred "
                 "(QuotaExceeded) when calling the PutObject operation: refused by the faulty proxy", ("{key}",),
                 id="quota-full-at-the-metadata"),
    # Stored, but answered only after 8 s: the call's bound (3 s here, 1800 s in the pods) after the dump's end stops
    # it (s3.sh put_streamed: the upload of a dump lasts as long as the dump; only what is left after it is a call).
    pytest.param("slow-server", "{key}", " no answer from {endpoint} within 3 s of the dump's end (S3_CALL_TIMEOUT)",
                 ("{key}",),
                 id="slow-server"),
])
def test_a_fault_in_the_upload_fails_it_and_retention_deletes_nothing(
        site: Site, fault: str, target: str, reason: str, left: tuple[str, ...]) -> None:
    earlier = write_earlier_backups(site)
    secret, env, proxy = SECRET, {}, None
    if fault == "server-stops-mid-upload":
        proxy = FaultyProxy(site.s3.endpoint, "stop", (".sql",))
    elif fault == "read-only-keys":
        secret = READ_ONLY
    elif fault == "quota-full-at-the-metadata":
        proxy = FaultyProxy(site.s3.endpoint, "refuse", (".sql.json",), code="QuotaExceeded")
    elif fault == "slow-server":
        proxy = FaultyProxy(site.s3.endpoint, "slow", (".sql",), delay=8)
        env = {"S3_CALL_TIMEOUT": "3"}
    if proxy:
        site.endpoint = proxy.url
    try:
        run = site.backup(secret=secret, env=env, Retention=1)
    finally:
        if proxy:
            proxy.stop()
    assert (run.returncode, run.failed_container) == (1, "upload"), run.log
    [key] = re.findall(rf"\[upload\] uploading s3://{site.bucket}/(prod/ds-{STAMP}-\d+\.sql) ", run.log)
    where = {"bucket": site.bucket, "key": key, "endpoint": site.endpoint}
    [failed] = [line for line in run.log.splitlines() if line.startswith("[upload] FAILED: ")]
    assert failed.startswith(f"[upload] FAILED: upload to s3://{site.bucket}/{target.format(**where)} failed: "), failed
    assert failed.endswith(reason.format(**where)), failed
    assert "retention" not in run.log
    assert site.objects() == sorted([*earlier, *(name.format(key=key) for name in left)])


def test_a_hanging_call_fails_the_step_before_the_job_deadline_kills_the_pod(site: Site) -> None:
    """The bound of one object-store call, times the tries of the Job, fits in its activeDeadlineSeconds (the
    values' defaults: Backup.S3CallTimeoutSeconds 1800, each Job's ActiveDeadlineSeconds 21600)."""
    objects = [d for d in yaml.safe_load_all(site.render(restore="latest")) if d and d["kind"] in ("CronJob", "Job")]
    expected = {"ds-enclaveos-backup": {"upload": 1800}, "ds-enclaveos-drill": {"pick": 1800, "record": 1800},
                "ds-enclaveos-restore-5e1e2bca": {"fetch": 1800}}
    assert [o["metadata"]["name"] for o in objects] == list(expected)
    for obj in objects:
        job = obj["spec"]["jobTemplate"]["spec"] if obj["kind"] == "CronJob" else obj["spec"]
        pod = job["template"]["spec"]
        bounds = {c["name"]: int(env["value"]) for c in [*pod.get("initContainers", []), *pod["containers"]]
                  for env in c["env"] if env["name"] == "S3_CALL_TIMEOUT"}
        assert bounds == expected[obj["metadata"]["name"]]
        assert 1800 * (job["backoffLimit"] + 1) <= job["activeDeadlineSeconds"] / 2


def unfinished_upload(site: Site, key: str) -> None:
    """A multipart upload begun at `key`, with one part, never completed nor aborted (an upload killed mid-stream)."""
    upload = site.client.create_multipart_upload(Bucket=site.bucket, Key=key)
    site.client.upload_part(Bucket=site.bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=b"part")


def unfinished_uploads(site: Site) -> list[str]:
    return sorted(u["Key"] for u in site.client.list_multipart_uploads(Bucket=site.bucket).get("Uploads", []))


def test_retention_sweeps_the_releases_own_orphans_older_than_the_job_deadline(site: Site) -> None:
    """An upload killed mid-way leaves data without a metadata object (and, mid-stream, an unfinished multipart
    upload), which nothing would ever delete. Retention deletes (aborts) those of this release, namespace and
    database cluster, in the current layout, once older than the backup Job's deadline (40 s here, by the store's
    clock: longer than the backup takes, even on a busy machine), and logs each; a younger one may be a backup
    still running, and nothing else is touched."""
    cluster = site.db.psql("SELECT system_identifier FROM pg_control_system()").strip()
    ours = {"sql": f"prod/ds-20200101T000000Z-{cluster}.sql",
            "native": f"prod/ds-20200102T000000Z-{cluster}.native",
            "upload": f"prod/ds-20200103T000000Z-{cluster}.sql",
            "native-upload": f"prod/ds-20200104T000000Z-{cluster}.native/2020/01/04-000000.00/data/1.sst"}
    kept = [f"staging/ds-20200101T000000Z-{cluster}.sql",  # another namespace
            f"prod/dsx-20200101T000000Z-{cluster}.sql",  # another release
            "prod/ds-20200101T000000Z-1234.sql",  # another database cluster
            "ds-20200101T000000Z.sql",  # the earlier layout: no namespace, so not provably ours
            f"prod/ds-notes-{cluster}.sql"]  # not a name this tool writes
    for key in [ours["sql"], f"{ours['native']}/2020/01/02-000000.00/BACKUP_MANIFEST", *kept]:
        site.write(key, b"-- cut short\n")
    for key in [ours["upload"], ours["native-upload"], f"staging/ds-20200103T000000Z-{cluster}.sql"]:
        unfinished_upload(site, key)
    time.sleep(41)
    young = f"prod/ds-20200105T000000Z-{cluster}.sql"  # a backup that may still be running
    site.write(young, b"-- being written\n")
    unfinished_upload(site, f"prod/ds-20200106T000000Z-{cluster}.sql")

    run = site.backup(env={"BACKUP_DEADLINE_SECONDS": "40"})
    assert run.returncode == 0, run.log
    [key] = re.findall(rf"\[upload\] backup complete: s3://{site.bucket}/(prod/ds-{STAMP}-{cluster}\.sql) ", run.log)
    why = "older than the backup Job's deadline of 40 s"
    swept = sorted(line for line in run.log.splitlines() if re.match(r"\[upload\] retention: (deleted|aborted) ", line))
    assert swept == sorted([
        f"[upload] retention: aborted an unfinished upload to s3://{site.bucket}/{ours['native-upload']} ({why})",
        f"[upload] retention: aborted an unfinished upload to s3://{site.bucket}/{ours['upload']} ({why})",
        f"[upload] retention: deleted s3://{site.bucket}/{ours['native']}, the data of a backup that never completed "
        f"(no metadata object, {why})",
        f"[upload] retention: deleted s3://{site.bucket}/{ours['sql']}, the data of a backup that never completed "
        f"(no metadata object, {why})"]), run.log
    assert site.objects() == sorted([*kept, young, key, f"{key}.json"])
    assert unfinished_uploads(site) == [f"prod/ds-20200106T000000Z-{cluster}.sql",
                                        f"staging/ds-20200103T000000Z-{cluster}.sql"]


def test_an_unfinished_upload_that_cannot_be_aborted_is_a_warning(site: Site) -> None:
    """Aborting an unfinished upload needs a permission that nothing else in retention needs (keys may lack it):
    the store refusing it (503 here, after the CLI's retries) is a WARNING, and the backup succeeds."""
    cluster = site.db.psql("SELECT system_identifier FROM pg_control_system()").strip()
    orphan = f"prod/ds-20200103T000000Z-{cluster}.sql"
    unfinished_upload(site, orphan)
    time.sleep(3)  # older than the deadline of 2 s, by the store's clock (whole seconds) however fast the backup
    proxy = FaultyProxy(site.s3.endpoint, "unavailable", (orphan,), methods=("DELETE",))
    site.endpoint = proxy.url
    try:
        run = site.backup(env={"BACKUP_DEADLINE_SECONDS": "2"})
    finally:
        proxy.stop()
    assert (run.returncode, run.failed_container) == (0, None), run.log
    warnings = [line for line in run.log.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, run.log
    [warning] = warnings
    assert re.fullmatch(rf"\[upload\] retention: WARNING: cannot abort the unfinished upload \S+ to s3://{site.bucket}/"
                        rf"{orphan} \(the next run tries again\): An error occurred \(ServiceUnavailable\) when "
                        r"calling the AbortMultipartUpload operation .*", warning), warning
    assert unfinished_uploads(site) == [orphan]

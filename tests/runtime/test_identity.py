"""A backup under real conditions (issue 14, sections 1-4), through the real pods: a database written
during the backup, a bucket holding future-dated, foreign and oddly named objects, two namespaces
and two database clusters sharing one bucket, a pair copied over another key, a deletion cut short.
In each: no backup of ours deleted that retention should keep, `latest` is this release's own, the
database untouched whenever the restore refuses, every failure with its reason on one line."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.runtime.conftest import DATABASE, Site, put_backup
from tests.runtime.faulty_proxy import FaultyProxy
from tests.runtime.test_backup_restore import backup_keys, cluster_id, native_keys
from tests.runtime.test_secure_cluster import SECURE
from tests.services import PG_BIN

# One row every 5 ms, each committed on its own, until stopped (PostgreSQL 11+: COMMIT in DO).
WRITER = """DO $$ BEGIN FOR i IN 1..200000 LOOP
  INSERT INTO audit (entry) VALUES ('written during the backup ' || i); COMMIT; PERFORM pg_sleep(0.005);
END LOOP; END $$;"""


def audit_rows(site: Site) -> int:
    return int(site.db.psql("SELECT count(*) FROM audit", DATABASE))


@contextmanager
def writing(site: Site) -> Iterator[None]:
    """A writer inserting into `audit` for as long as the block runs (started before it, stopped after)."""
    argv = [str(PG_BIN / "psql"), "-X", "-q", "-d", DATABASE, "-c", WRITER]
    writer = subprocess.Popen(argv, env=site.db.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while audit_rows(site) == 500:  # the seed's rows: the writer has not written yet
            time.sleep(0.05)
        yield
    finally:
        writer.terminate()
        writer.wait(timeout=30)


@pytest.mark.parametrize("backup_format", ["sql", "native"])
def test_a_backup_taken_while_the_database_is_written_restores_with_its_counts(site: Site,
                                                                               backup_format: str) -> None:
    with writing(site):
        run = site.backup(Format=backup_format)
        time.sleep(0.2)  # rows written after the backup too
    assert (run.returncode, run.failed_container) == (0, None), run.log
    [key] = native_keys(site) if backup_format == "native" else backup_keys(site)
    recorded = json.loads(site.read(f"{key}.json"))["tables"]
    assert 500 < recorded["audit"] < audit_rows(site), recorded  # the writer ran before and after the dump
    run = site.restore("latest", backup={"Format": backup_format})
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert "[restore] restored malbork: 2 tables, row counts as recorded" in run.log
    assert audit_rows(site) == recorded["audit"]


@pytest.mark.parametrize("identity", ["", "a.b", "-1", "a b", "x" * 65, "é"])
def test_a_cluster_identity_that_cannot_name_a_backup_fails_the_dump(site: Site, identity: str) -> None:
    run = site.backup(env={"TEST_CLUSTER_ID": identity})
    assert (run.returncode, run.failed_container) == (1, "dump"), run.log
    assert (f"[dump] FAILED: the database cluster at 127.0.0.1:{site.db.port} gave an identity that is not 1-64 "
            f'letters, digits and "-" (the first a letter or digit): "{identity}"') in run.log.splitlines()
    assert site.objects() == []


def odd_objects(site: Site) -> None:
    for key in ("ds-20990101T000000Z.sql", f"prod/ds-20990101T000000Z-{cluster_id(site)}.sql"):
        put_backup(site, key)  # a node whose clock said 2099 once
    put_backup(site, "ds-20250101T000000Z.sql", writer=None)  # a foreign pair named like ours
    put_backup(site, "ds-20250102T000000Z.sql")
    site.write("ds-20250102T000000Z.sql.json (copy)", site.read("ds-20250102T000000Z.sql.json"))
    site.write("ds-20250102T000000Z.sql (copy)", b"an operator's copy")
    site.write("ds-20250103T000000Z.sql\n.json", b"{}")
    site.write("prod/ds-20250104T000000Z-é.sql", b"unicode")
    site.write("prod/ds-20250104T000000Z-é.sql.json", b"{}")


def test_retention_keeps_the_new_backup_and_touches_nothing_it_cannot_prove_ours(site: Site) -> None:
    put_backup(site, "ds-20240101T000000Z.sql")  # ours and old: the one retention deletes
    odd_objects(site)
    before = site.objects()
    run = site.backup(Retention=1)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    [new] = [k for k in backup_keys(site) if "2099" not in k]
    gone = ["ds-20240101T000000Z.sql", "ds-20240101T000000Z.sql.json", "ds-20250102T000000Z.sql",
            "ds-20250102T000000Z.sql.json"]
    assert site.objects() == sorted({*before, new, f"{new}.json"} - set(gone))
    log = run.log.splitlines()
    assert f"[upload] WARNING: ignoring s3://{site.bucket}/ds-20990101T000000Z.sql: dated 2099-01-01T00:00:00Z, " \
        f"later than this pod's clock allows (600 s of skew): never trusted for ordering, never deleted" in log
    assert f"[upload] WARNING: ignoring s3://{site.bucket}/ds-20250101T000000Z.sql: not written by helm-datashield" \
        in log
    odd = [k for k in before if k.startswith(("ds-", "prod/ds-")) and not re.fullmatch(r"[A-Za-z0-9!_.*'()/-]*", k)]
    assert len(odd) >= 3, before  # what the server kept of the five (SeaweedFS may mangle a newline)
    assert f"[upload] WARNING: ignoring {len(odd)} object(s) under s3://{site.bucket}/ named unlike any backup " \
        "(characters this tool never writes)" in log
    run = site.restore("latest")
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert f"[fetch] restoring s3://{site.bucket}/{new}" in run.log


def clock_off_by(site: Site, seconds: int) -> dict[str, str]:
    """The pods' environment on a node whose clock is `seconds` off (ahead when positive): a `date` before the
    image's own on PATH whose "now" is moved; a time given to it (-d) is not. The object store's clock, and the
    AWS CLI's own (it signs with Python's), stay right: an S3 server rejects a signature more than 15 minutes
    off (RequestTimeTooSkewed), so a node up to that far off still writes its backups."""
    import shutil

    from tests.runtime.conftest import SEARCH_PATH

    real = shutil.which("date")
    assert real, "date"
    folder = site.work / f"clock{seconds:+d}"
    folder.mkdir()
    (folder / "date").write_text(
        f"#!/bin/sh\nfor a; do case $a in -d* | --date*) exec {real} \"$@\" ;; esac; done\n"
        f'exec {real} -d "@$(($({real} +%s) + {seconds}))" "$@"\n', encoding="utf-8")
    (folder / "date").chmod(0o755)
    return {"PATH": f"{folder}:{SEARCH_PATH}"}


@pytest.mark.parametrize(("seconds", "way", "backup_format"), [
    (1200, "ahead of", "sql"), (-1200, "behind", "sql"), (4 * 86400, "ahead of", "sql"), (1200, "ahead of", "native")])
def test_a_node_whose_clock_disagrees_with_the_object_stores_makes_no_backup(
        site: Site, seconds: int, way: str, backup_format: str) -> None:
    """Issue 24 §5: with Retention 1, a node whose clock is fast named its backup later than a correct clock
    accepts and deleted every correctly named backup; then (review of issue 25) retention deleted nothing but the
    backup was kept (KEPT_EXIT): the alerts counted it complete, and `latest` passed it over as future-dated. The
    clock is checked before a byte of the dump is uploaded (while the dump step starts, issue 23): no backup, nothing
    deleted, exit 1 (a Job that kept nothing). A native BACKUP, which writes into the bucket itself, is not started
    (review of issue 23: it once started beside the check)."""
    here = cluster_id(site)
    kept = [f"prod/ds-20260101T000000Z-{here}.sql", f"prod/ds-20260102T000000Z-{here}.sql"]
    for key in kept:
        put_backup(site, key)
    run = site.backup(Retention=1, Format=backup_format, env=clock_off_by(site, seconds))
    assert (run.returncode, run.failed_container) == (1, "upload"), run.log
    assert site.objects() == sorted([*kept, *(f"{k}.json" for k in kept)])  # the clock check's object deleted
    probe = "prod/.datashield-clock-ds"
    assert re.search(rf"^\[upload\] checking this pod's clock by an object written to the store \(the Date of its "
                     rf"answer to a HEAD of {re.escape(site.s3.endpoint)}: this clock is \d+ s {way} it\)$", run.log,
                     re.MULTILINE), run.log
    [line] = [x for x in run.log.splitlines() if x.startswith("[upload] FAILED: ")]
    assert re.fullmatch(
        rf"\[upload\] FAILED: the clock of node node-1 is \d+ s {way} the object store's \(more than 600 s; the "
        rf"store wrote s3://{site.bucket}/{probe} at \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ\): backups named by a wrong "
        rf"clock sort wrong, so no backup was made; set the node's clock right \(NTP\)", line), line
    off = int(line.split(" is ", 1)[1].split(" s ", 1)[0])
    assert abs(off - abs(seconds)) <= 60, line
    # The dump step had started (the check runs beside its start); its stream was never read, no BACKUP started.
    cut_short = "no BACKUP was started" if backup_format == "native" else "the dump of malbork was cut short"
    assert f"[dump] FAILED: the upload step failed (exit 1; its log says why): {cut_short}" in run.log, run.log


def curl_answering(site: Site, fault: str) -> dict[str, str]:
    """The pods' environment where a HEAD by curl (store_date's; the API calls go through) meets `fault`: "dated"
    (a server in between answers, dated 1970 by its own clock: an ingress that sends its own Date) or "unreached"
    (curl cannot connect, as when its proxy variables or trusted certificates differ from the AWS CLI's)."""
    import shutil

    from tests.runtime.conftest import SEARCH_PATH

    real = shutil.which("curl", path=SEARCH_PATH)
    assert real, "curl"
    folder = site.work / f"curl-{fault}"
    folder.mkdir()
    faults = {"dated": "printf 'HTTP/1.1 403 Forbidden\\r\\nDate: Thu, 01 Jan 1970 00:00:00 GMT\\r\\n\\r\\n'; exit 0",
              "unreached": "echo 'curl: (7) Failed to connect to the store' >&2; exit 7"}
    (folder / "curl").write_text(
        f"#!/bin/sh\nfor a; do [ \"$a\" != --head ] || {{ {faults[fault]}; }}; done\nexec {real} \"$@\"\n",
        encoding="utf-8")
    (folder / "curl").chmod(0o755)
    return {"PATH": f"{folder}:{SEARCH_PATH}"}


@pytest.mark.parametrize(("fault", "why"), [
    ("dated", "this clock is \\d+ s ahead of it"), ("unreached", "curl: \\(7\\) Failed to connect to the store")])
def test_a_date_that_cannot_be_trusted_is_checked_against_the_stores_own_clock(site: Site, fault: str,
                                                                               why: str) -> None:
    """Review of issue 23: the Date of the answer to curl's HEAD may come from a server in between, or curl may
    not reach the store at all; the store's own clock (an object's LastModified) decides then, and a right clock
    makes its backup."""
    run = site.backup(env=curl_answering(site, fault))
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert re.search(rf"^\[upload\] checking this pod's clock by an object written to the store \(the Date of its "
                     rf"answer to a HEAD of {re.escape(site.s3.endpoint)}: {why}\)$", run.log, re.MULTILINE), run.log
    [new] = backup_keys(site)
    assert site.objects() == [new, f"{new}.json"]  # the clock check's object deleted


def test_retention_accepts_a_clock_off_by_less_than_the_skew(site: Site) -> None:
    here = cluster_id(site)
    put_backup(site, f"prod/ds-20260101T000000Z-{here}.sql")
    run = site.backup(Retention=1, env=clock_off_by(site, 300))
    assert (run.returncode, run.failed_container) == (0, None), run.log
    [new] = backup_keys(site)
    assert site.objects() == [new, f"{new}.json"]


def test_two_namespaces_share_a_bucket(site: Site) -> None:
    """Release ds in prod and in staging, the default prefix, Retention 1: neither deletes the other's
    backup, and each restores its own."""
    staging = {"NAMESPACE": "staging"}
    assert site.backup(Retention=1).returncode == 0
    [first] = backup_keys(site)
    site.db.psql("INSERT INTO enclaves VALUES (9, 'staging only', NULL)", DATABASE)
    run = site.backup(env=staging, Retention=1)
    assert run.returncode == 0, run.log
    [staging_key] = [k for k in site.objects() if k.startswith("staging/ds-") and not k.endswith(".json")]
    site.db.psql("DELETE FROM enclaves WHERE id = 9", DATABASE)
    run = site.backup(Retention=1)
    assert run.returncode == 0, run.log
    assert f"[upload] retention: deleted {first}" in run.log
    [newest] = backup_keys(site)
    assert sorted(k for k in site.objects() if "/pre-restore-" not in k) == sorted(
        [newest, f"{newest}.json", staging_key, f"{staging_key}.json"])
    run = site.restore("latest", env=staging)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert f"[fetch] restoring s3://{site.bucket}/{staging_key}" in run.log
    assert "staging only" in site.data()
    run = site.restore("latest")
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert f"[fetch] restoring s3://{site.bucket}/{newest}" in run.log
    assert "staging only" not in site.data()


def test_two_database_clusters_share_a_bucket(site: Site, secure_site: Site) -> None:
    """One release name and namespace, two database clusters, Retention 1: neither deletes the other's
    backup; `latest` refuses, naming both, and changes nothing; a named backup is restored, loudly when
    it is the other cluster's."""
    assert site.backup(Retention=1).returncode == 0
    assert secure_site.backup(Database=SECURE, Retention=1).returncode == 0
    assert site.backup(Retention=1).returncode == 0
    mine, other = cluster_id(site), cluster_id(secure_site)
    keys = sorted(k for k in site.objects() if not k.endswith(".json"))
    assert sorted(k.rsplit("-", 1)[1] for k in keys) == sorted([f"{mine}.sql", f"{other}.sql"])
    before = site.data()
    run = site.restore("latest")
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    [failed] = [line for line in run.log.splitlines() if "FAILED" in line]
    assert failed.startswith(f"[fetch] FAILED: backups of ds in namespace prod from more than one database cluster "
                             f"in s3://{site.bucket}/: "), failed
    assert mine in failed and other in failed and failed.endswith("give each cluster its own S3Prefix")
    assert site.data() == before
    [theirs] = [k for k in keys if k.endswith(f"-{other}.sql")]
    run = site.restore(theirs)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert f"[fetch] WARNING: {theirs} was written by database cluster {other}; this database is cluster {mine}" \
        in run.log


def test_a_pair_copied_over_another_key_is_refused_before_the_database_is_touched(site: Site) -> None:
    site.backed_up()
    [first] = backup_keys(site)
    site.db.psql("INSERT INTO enclaves VALUES (9, 'second', NULL)", DATABASE)
    time.sleep(1)  # a name of its own
    assert site.backup().returncode == 0
    [second] = [k for k in backup_keys(site) if k != first]
    for suffix in ("", ".json"):  # the second pair copied over the first
        site.write(first + suffix, site.read(second + suffix))
    before = site.data()
    run = site.restore(first)
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    assert f'[fetch] FAILED: s3://{site.bucket}/{first}.json names object "{second}", not "{first}": it does not ' \
        "describe this backup of ds in namespace prod; refusing to restore it" in run.log
    assert "verified" not in run.log
    assert site.data() == before


def test_a_deletion_cut_short_is_finished_by_the_next_run(site: Site) -> None:
    """The data DELETE of the oldest backup is done by the server but answered 503: that run fails
    saying so and keeps the metadata; the next run deletes it, and keeps every backup it should."""
    put_backup(site, "ds-20240101T000000Z.sql")
    proxy = FaultyProxy(site.s3.endpoint, "unavailable-after", ("ds-20240101T000000Z.sql",), methods=("DELETE",))
    site.endpoint = proxy.url
    try:
        run = site.backup(Retention=1)
    finally:
        proxy.stop()
        site.endpoint = ""
    # The backup of this run is complete: exit 3 (no retry), the reason and the kept backup on one line.
    assert (run.returncode, run.failed_container) == (3, "upload"), run.log
    [first] = backup_keys(site)
    [failed] = [line for line in run.log.splitlines() if "FAILED" in line]
    assert failed.startswith(f"[upload] FAILED: retention: cannot delete s3://{site.bucket}/ds-20240101T000000Z.sql "
                             "(its metadata object is kept, the next run tries again): "), failed
    assert "ServiceUnavailable" in failed
    assert failed.endswith(f"; THE BACKUP s3://{site.bucket}/{first} IS COMPLETE AND KEPT: only what follows it "
                           "failed, and the Job is not tried again (exit 3)"), failed
    assert "ds-20240101T000000Z.sql.json" in site.objects() and "ds-20240101T000000Z.sql" not in site.objects()
    time.sleep(1)
    run = site.backup(Retention=1)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert "[upload] retention: finished deleting ds-20240101T000000Z.sql (a deletion cut short earlier)" in run.log
    assert f"[upload] retention: deleted {first}" in run.log
    [newest] = backup_keys(site)
    assert site.objects() == [newest, f"{newest}.json"]

"""The restore drill's pod (issue 18), run for real: rendered by the real post-renderer, its containers
run in order (tests/runtime/pods.py) against a real S3 server and a real PostgreSQL standing in for
CockroachDB, whose throwaway database is a separate, real PostgreSQL the stand-in starts inside the pod
(tests/runtime/db-postgres.sh db_start_scratch).

One real backup of each format is made once (each under its own S3Prefix) and drilled as it is, or
after one change that a drill must catch; every change is undone after its case. The production
database logs every connection (log_connections): no drill may reach it.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from renderer.postrender.inject import REDRILL_EXIT
from renderer.restore import drills
from tests.runtime.conftest import Site, edit_metadata, fresh_site, metadata_text, put_backup, rewrite_backup
from tests.runtime.faulty_proxy import FaultyProxy
from tests.runtime.kube_api import KubeApi
from tests.services import PostgresServer, S3Server, running

STAMP = r"\d{8}T\d{6}Z"
TABLES = {"audit": 500, "enclaves": 3}
BAD_SQL = b"\nINSERT INTO no_such_table VALUES (1);\n"
CONNECTION = "connection received"  # PostgreSQL logs it for every connection it accepts (log_connections)


@pytest.fixture(scope="module")
def watched_postgres() -> Iterator[PostgresServer]:
    """The production database, logging every connection it gets."""
    with running(lambda: PostgresServer(settings={"log_connections": "on"})) as server:
        yield server


@pytest.fixture(scope="module")
def drill_site(s3_server: S3Server, watched_postgres: PostgresServer, kube_api: KubeApi, bucket: str,
               tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A site with one real backup of each format, sql under the prefix "sql", native under "native"."""
    site = fresh_site(s3_server, watched_postgres, kube_api, bucket, tmp_path_factory.mktemp("drill"))
    for backup_format in ("sql", "native"):
        run = site.backup(S3Prefix=backup_format, Format=backup_format)
        assert run.returncode == 0, run.log
    assert connections(watched_postgres) > 0  # the backups' connections are in its log: a drill's would be too
    return site


def backup_key(site: Site, backup_format: str, prefix: str | None = None) -> str:
    """The key of the one backup of `backup_format` under `prefix` (by default, the format's own)."""
    [key] = [k[:-len(".json")] for k in site.objects()
             if re.fullmatch(rf"{prefix or backup_format}/prod/ds-{STAMP}-\d+\.{backup_format}\.json", k)]
    return key


def parts(site: Site, key: str) -> list[str]:
    """The objects of a backup's data: the object itself (sql), or those under its folder (native)."""
    return [k for k in site.objects() if k == key or k.startswith(f"{key}/")]


def connections(server: PostgresServer) -> int:
    return server.log.read_text(encoding="utf-8", errors="replace").count(CONNECTION)


def snapshot(site: Site) -> dict[str, bytes]:
    return {key: site.read(key) for key in site.objects()}


@contextlib.contextmanager
def undone(site: Site) -> Iterator[None]:
    """Puts the bucket back as it was afterwards: new objects (drill records) deleted, changed ones rewritten."""
    original = snapshot(site)
    try:
        yield
    finally:
        for stale in set(site.objects()) - set(original):
            site.delete(stale)
        for part, data in original.items():
            site.write(part, data)


# Each change returns what the drill must answer: its reason ("" for OK) as a pattern of the whole line.
Change = Callable[[Site, str], str]


def unchanged(site: Site, key: str) -> str:
    return ""


def byte_changed(site: Site, key: str) -> str:
    part = parts(site, key)[-1]
    data = bytearray(site.read(part))
    data[len(data) // 2] ^= 0x01
    site.write(part, bytes(data))
    return re.escape(f"s3://{site.bucket}/{key} does not match the SHA-256 in its metadata: the backup is damaged")


def truncated(site: Site, key: str) -> str:
    """A dump cut short before its upload (so size and SHA-256 in its metadata match it): half of one table's
    rows, none of the next. A data object cut after its metadata was written is no complete backup at all
    (test_no_complete_backup_ends_the_drill_with_no_record)."""
    data = site.read(key)
    rewrite_backup(site, key, data[:data.index(b"\n250\tentry 250\n") + len(b"\n250\tentry 250\n")])
    return re.escape('the restored tables differ from the backup\'s metadata: "audit": 250 rows, the metadata records '
                     '500; "enclaves": 0 rows, the metadata records 3')


def import_fails(site: Site, key: str) -> str:
    """SQL that fails half-way, with a size and SHA-256 in its metadata that match it."""
    rewrite_backup(site, key, site.read(key) + BAD_SQL)
    # The SQL reaches the client on its standard input, as `cockroach sql` reads it (db-cockroach.sh db_import):
    # psql then names no file and line.
    return (r"the import failed \(exit 3\): ERROR: relation \"no_such_table\" does not "
            r"exist LINE 1: INSERT INTO no_such_table VALUES \(1\); \^")


def counts_differ(site: Site, key: str) -> str:
    edit_metadata(site, key, tables={"audit": 499, "enclaves": 3})
    return re.escape('the restored tables differ from the backup\'s metadata: "audit": 500 rows, the metadata '
                     'records 499')


# What the throwaway database holds after each change that imports (the others leave it no count).
RESTORED: dict[Change, dict[str, int]] = {unchanged: TABLES, counts_differ: TABLES,
                                          truncated: {"audit": 250, "enclaves": 0}}


@pytest.mark.parametrize("backup_format,change", [
    pytest.param("sql", unchanged, id="sql-good"),
    pytest.param("native", unchanged, id="native-good"),
    pytest.param("sql", byte_changed, id="sql-damaged"),
    pytest.param("native", byte_changed, id="native-damaged"),
    pytest.param("sql", truncated, id="sql-truncated"),
    pytest.param("sql", import_fails, id="sql-import-fails"),
    pytest.param("sql", counts_differ, id="sql-counts-differ"),
    pytest.param("native", counts_differ, id="native-counts-differ"),
])
def test_drill_verdict(drill_site: Site, backup_format: str, change: Change) -> None:
    site = drill_site
    key = backup_key(site, backup_format)
    with undone(site):
        reason = change(site, key)
        expected_tables = json.loads(site.read(f"{key}.json"))["tables"]
        before, data_before, seen_before = snapshot(site), site.data(), connections(site.db)
        scratch_before = set(Path("/tmp").glob("datashield-scratch.*"))
        run = site.drill(S3Prefix=backup_format, Format=backup_format)
        after = snapshot(site)
        # Nothing but the record and its copies is new (the last drill's; the last successful drill's when OK:
        # renderer/restore/drills.py copy_keys), and nothing else changed, byte for byte.
        copies = [c for c, wanted in zip(drills.copy_keys("ds", "prod", backup_format), (True, not reason), strict=True)
                  if wanted]
        [record_key] = set(after) - set(before) - set(copies)
        assert {k: after[k] for k in copies} == {k: after[record_key] for k in copies}
        assert {k: v for k, v in after.items() if k != record_key and k not in copies} == {
            k: v for k, v in before.items() if k not in copies}
        # The production database: not one connection, and the same data.
        assert (connections(site.db), site.data()) == (seen_before, data_before)
        assert set(Path("/tmp").glob("datashield-scratch.*")) == scratch_before  # the throwaway database is gone
        record = json.loads(after[record_key])
        started = record["started"]
        assert record_key == f"{key}.drill-{re.sub('[:-]', '', started)}.json"
        verdict = {"verdict": "FAILED", "reason": record.get("reason")} if reason else {"verdict": "OK"}
        restored = RESTORED.get(change, {})
        fields = {"writer": "helm-datashield", "kind": "drill", "backup": key, "format": backup_format,
                  "release": "ds", "namespace": "prod", "started": started, "finished": record["finished"],
                  "pod": "ds-enclaveos-drill-29417040-x7k2p",  # its pod's name (downward API; tests/runtime/pods.py)
                  "durationSeconds": record["durationSeconds"], **verdict,
                  "expectedTables": expected_tables, "tables": restored}
        # One field a line, "tables" last, as the upload step writes metadata.
        assert after[record_key] == metadata_text(fields)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["finished"]) and started <= record["finished"]
        if reason:
            assert re.fullmatch(reason, record["reason"]), record["reason"]
            assert run.returncode != 0, run.log
            assert run.log.splitlines()[-1] == f"[record] FAILED: drill FAILED: {record['reason']}"
        else:
            assert (run.returncode, run.failed_container) == (0, None), run.log
            assert run.log.splitlines()[-1] == f"[record] drill OK: s3://{site.bucket}/{key} restores; the record " \
                                               f"is s3://{site.bucket}/{record_key}"


DIFFER = "the restored tables differ from the backup's metadata: "
MORE = {f"m{n}": n for n in range(1, 6)}  # tables the metadata counts that no database holds


@pytest.mark.parametrize("backup_format,tables,reason", [
    # sql: a table the metadata counts must be created by the dump before anything is loaded (verify_backup),
    # so the tables missing from the restored database are shown by native backups.
    pytest.param("sql", {"audit": 499, "enclaves": 3}, '"audit": 500 rows, the metadata records 499', id="other-count"),
    pytest.param("native", {**TABLES, "x": 3}, '"x": missing, the metadata records 3', id="missing"),
    pytest.param("sql", {"audit": 500}, '"enclaves": 3 rows, not in the metadata', id="not-in-the-metadata"),
    pytest.param("native", {"audit": 1, "enclaves": 2, **MORE},
                 '"audit": 500 rows, the metadata records 1; "enclaves": 3 rows, the metadata records 2; "m1": '
                 'missing, the metadata records 1; "m2": missing, the metadata records 2; "m3": missing, the '
                 'metadata records 3; and 2 more', id="five-then-and-2-more"),
    pytest.param("native", {**TABLES, 'a "b c': 4}, '"a \\"b c": missing, the metadata records 4',
                 id="quote-and-space"),
])
def test_a_drill_names_only_the_tables_that_differ(drill_site: Site, backup_format: str, tables: dict[str, int],
                                                   reason: str) -> None:
    """Each table as the database JSON-escaped its name, with both counts; at most 5, then how many more."""
    site = drill_site
    key = backup_key(site, backup_format)
    with undone(site):
        edit_metadata(site, key, tables=tables)
        run = site.drill(S3Prefix=backup_format, Format=backup_format)
        [record_key] = [k for k in site.objects() if k.startswith(f"{key}.drill-")]
        record = json.loads(site.read(record_key))
    assert (record["verdict"], record["reason"]) == ("FAILED", DIFFER + reason)
    assert run.log.splitlines()[-1] == f"[record] FAILED: drill FAILED: {DIFFER}{reason}"


@pytest.mark.parametrize("backup_format,times", [
    pytest.param("sql", 1, id="sql-first-read-only"),
    pytest.param("native", 1, id="native-first-read-only"),
    pytest.param("sql", 0, id="sql-every-read"),
])
def test_a_fault_in_transit_is_read_again(drill_site: Site, backup_format: str, times: int) -> None:
    """A bit flipped on the wire (the proxy, in the first `times` GETs of one part of the backup's data; 0:
    every GET) does not come back on the second read: a warning, and the drill goes on. A backup that reads
    back wrong twice is damaged."""
    site = drill_site
    key = backup_key(site, backup_format)
    part = parts(site, key)[-1]
    proxy = FaultyProxy(site.s3.endpoint, "corrupt", (part,), times=times)
    site.endpoint = proxy.url
    try:
        with undone(site):
            run = site.drill(S3Prefix=backup_format, Format=backup_format)
            [record_key] = [k for k in site.objects() if k.startswith(f"{key}.drill-")]
            record = json.loads(site.read(record_key))
    finally:
        proxy.stop()
        site.endpoint = ""
    assert proxy.hits == [f"/{site.bucket}/{part}"] * (times or 2)
    mismatch = f"s3://{site.bucket}/{key} does not match the SHA-256 in its metadata"
    warning = f"[pick] WARNING: the first read differed ({mismatch}), the second matched: a fault in transit, " \
              "not a damaged backup"
    if times:
        assert (run.returncode, record["verdict"]) == (0, "OK"), run.log
        assert warning in run.log.splitlines()
    else:
        assert (record["verdict"], record["reason"]) == ("FAILED", f"{mismatch}: the backup is damaged")
        assert "WARNING" not in run.log


def cut_after_its_metadata(site: Site) -> str:
    """The sql backup's data cut short after its metadata was written: no complete backup (s3.sh our_backups)."""
    key = backup_key(site, "sql")
    data = site.read(key)
    site.write(key, data[:-10])
    return f"WARNING: ignoring s3://{site.bucket}/{key}: its data has {len(data) - 10} bytes in 1 object(s), its " \
           f"metadata records {len(data)}"


@pytest.mark.parametrize("prefix,change", [
    pytest.param("nothing-here", lambda site: "", id="empty"),
    pytest.param("sql", cut_after_its_metadata, id="only-backup-cut-short"),
])
def test_no_complete_backup_ends_the_drill_with_no_record(drill_site: Site, prefix: str,
                                                          change: Callable[[Site], str]) -> None:
    site = drill_site
    original = snapshot(site)
    try:
        warning = change(site)
        before = snapshot(site)
        run = site.drill(S3Prefix=prefix)
        assert (run.returncode, run.failed_container) == (1, "pick")
        assert run.log.splitlines()[-1] == (f"[pick] FAILED: no complete backup of ds in namespace prod in "
                                            f"s3://{site.bucket}/{prefix}/")
        assert not warning or f"[pick] {warning}" in run.log.splitlines()
        assert snapshot(site) == before
    finally:
        for part, data in original.items():
            site.write(part, data)


@pytest.mark.parametrize("cut_short", [pytest.param(False, id="deleted"), pytest.param(True, id="half-deleted")])
def test_retention_deletes_a_backups_drill_records_with_it(drill_site: Site, cut_short: bool) -> None:
    """Retention 1: the next backup deletes the drilled one, its data, its drill record, then its metadata;
    also when an earlier deletion was cut short after the data (the pair is finished, record included)."""
    site = drill_site
    prefix = f"retention-{int(cut_short)}"
    others = {k: v for k, v in snapshot(site).items() if not k.startswith(f"{prefix}/")}
    assert site.backup(S3Prefix=prefix, Retention=1).returncode == 0
    assert site.drill(S3Prefix=prefix).returncode == 0
    first = backup_key(site, "sql", prefix)
    [record] = [k for k in site.objects() if ".drill-" in k]
    assert re.fullmatch(rf"{re.escape(first)}\.drill-{STAMP}\.json", record)
    if cut_short:
        site.delete(first)
    run = site.backup(S3Prefix=prefix, Retention=1)
    assert run.returncode == 0, run.log
    second = backup_key(site, "sql", prefix)
    assert second != first
    # The record's copies outlive the backup it drilled (renderer/restore/drills.py): retention never deletes them.
    copies = drills.copy_keys("ds", "prod", prefix)
    assert [k for k in site.objects() if k.startswith(f"{prefix}/")] == [*copies, second, f"{second}.json"]
    assert [json.loads(site.read(copy))["backup"] for copy in copies] == [first, first]
    assert {k: v for k, v in snapshot(site).items() if not k.startswith(f"{prefix}/")} == others


@pytest.mark.parametrize("backup_format", ["sql", "native"])
def test_a_backup_deleted_during_its_drill_gets_no_record_beside_it(drill_site: Site, backup_format: str) -> None:
    """Retention 1, as the red team raced it: the drill picks a backup, the next backup's retention deletes it,
    then the drill loads it (sql: already downloaded; native: its RESTORE fails) and the record step finds it
    gone: no record (it would sit beside nothing). sql: it restored, exit 0. native: nothing was proven or
    disproven, exit REDRILL_EXIT, which the drill CronJob's podFailurePolicy ignores (Action Ignore: the pod does
    not count against backoffLimit and the Job controller starts a replacement, kubernetes.io "Pod failure
    policy", Kubernetes 1.26+); the replacement pod, run here in a fresh work directory, drills the newest backup."""
    site = drill_site
    prefix = f"race-{backup_format}"
    values: dict[str, Any] = {"S3Prefix": prefix, "Format": backup_format, "Retention": 1}
    others = {k: v for k, v in snapshot(site).items() if not k.startswith(f"{prefix}/")}
    assert site.backup(**values).returncode == 0
    first = backup_key(site, backup_format, prefix)
    work = site.work / f"race-{backup_format}"
    picked = site.run_steps("drill", ["pick"], work, **values)
    assert picked.returncode == 0 and f"[pick] drilling s3://{site.bucket}/{first}" in picked.log.splitlines(), \
        picked.log
    time.sleep(1)  # the next backup's name is a second later at least
    assert site.backup(**values).returncode == 0
    second = backup_key(site, backup_format, prefix)
    assert second != first
    run = site.run_steps("drill", ["drill", "record"], work, **values)
    assert (run.returncode, run.failed_container) == ((0, None) if backup_format == "sql" else
                                                      (REDRILL_EXIT, "record")), run.log
    # sql: downloaded whole before the import, it restored: the copies of its record say OK (the Job's success,
    # which the drill alerts count, is one --status counts too). native: its RESTORE read a folder being deleted.
    copies = drills.copy_keys("ds", "prod", prefix) if backup_format == "sql" else ()
    assert run.log.splitlines()[-1] == (
        f"[record] drill OK: s3://{site.bucket}/{first} restored, and was deleted during the drill (a backup's "
        "retention): no record beside it; the copies of the record say OK" if copies else
        f"[record] s3://{site.bucket}/{first} was deleted during the drill (a backup's retention): nothing was proven "
        f"or disproven, no drill record is written; exit {REDRILL_EXIT}: the Job starts another pod, which drills the "
        "newest backup")
    assert [k for k in site.objects() if k.startswith(f"{prefix}/")] == sorted(
        [*copies, *parts(site, second), f"{second}.json"])
    assert [json.loads(site.read(copy))["backup"] for copy in copies] == [first for _ in copies]
    assert {k: v for k, v in snapshot(site).items() if not k.startswith(f"{prefix}/")} == others
    if backup_format == "native":
        again = site.run_steps("drill", ["pick", "drill", "record"], site.work / "race-native-again", **values)
        assert (again.returncode, again.failed_container) == (0, None), again.log
        assert again.log.splitlines()[-1].startswith(f"[record] drill OK: s3://{site.bucket}/{second} restores"), \
            again.log
        for record in [k for k in site.objects() if k.startswith(f"{second}.drill-")]:
            site.delete(record)  # the module's other tests count the drill records in the bucket


ORPHANS = "orphans"
OLD = "20260101T000000Z"
RECORD = ".drill-20260102T000000Z.json"


@pytest.fixture(scope="module")
def orphan_sweep(drill_site: Site) -> tuple[list[str], list[str]]:
    """Drill records under the prefix "orphans" (every key of ORPHAN_RULES; the backups named "kept" are
    there), then one backup there: the objects and the log lines after it."""
    site = drill_site
    put_backup(site, f"{ORPHANS}/prod/ds-{OLD}-3.sql")
    put_backup(site, f"{ORPHANS}/prod/ds-20260101T000001Z-1.sql")
    site.delete(f"{ORPHANS}/prod/ds-20260101T000001Z-1.sql")  # its metadata only: a deletion cut short
    for record, _ in ORPHAN_RULES:
        site.write(f"{ORPHANS}/{record}", b"{}")
    run = site.backup(S3Prefix=ORPHANS)
    assert run.returncode == 0, run.log
    objects = [k[len(ORPHANS) + 1:] for k in site.objects() if k.startswith(f"{ORPHANS}/")]
    for stale in site.objects():
        if stale.startswith(f"{ORPHANS}/"):
            site.delete(stale)
    return objects, run.log.splitlines()


# Which drill records retention deletes: those of a backup of this release and namespace, older than the one
# just written, whose data and metadata are both gone; nothing else.
ORPHAN_RULES = [
    (f"prod/ds-{OLD}-1.sql{RECORD}", True),
    (f"prod/ds-{OLD}-2.native{RECORD}", True),
    (f"ds-{OLD}.sql{RECORD}", True),  # the earlier layout
    (f"prod/ds-{OLD}-3.sql{RECORD}", False),  # its backup is there
    (f"prod/ds-20260101T000001Z-1.sql{RECORD}", False),  # its metadata is there (the next backup of cluster 1 ends it)
    (f"prod/other-{OLD}-1.sql{RECORD}", False),  # another release's
    (f"staging/ds-{OLD}-1.sql{RECORD}", False),  # another namespace's
    ("prod/ds-20990101T000000Z-1.sql.drill-20990101T000000Z.json", False),  # not older than the backup just written
    (f"prod/ds-{OLD}-a b.sql{RECORD}", False),  # characters this tool never writes
    (f"prod/ds-{OLD}-1.sql.drill-2026.json", False),  # not a drill record's name
    (f"prod/ds-{OLD}-1.sql{RECORD}.bak", False),
]


@pytest.mark.parametrize("record,deleted", ORPHAN_RULES, ids=[r for r, _ in ORPHAN_RULES])
def test_retention_deletes_drill_records_of_deleted_backups(orphan_sweep: tuple[list[str], list[str]], record: str,
                                                            deleted: bool) -> None:
    objects, log = orphan_sweep
    drilled = f"{ORPHANS}/{record[:record.rindex('.drill-')]}"
    line = (f"[upload] retention: deleted {ORPHANS}/{record}, a drill record of {drilled}, which was deleted "
            "before the drill ended")
    assert (record not in objects, line in log) == (deleted, deleted)


@pytest.mark.parametrize("sql,reason", [
    pytest.param(b"SET client_encoding = 'LATIN1';\nSELEC 'caf\xe9';\n",
                 "ERROR: syntax error at or near \"SELEC\" LINE 1: SELEC 'caf\ufffd'; ^", id="latin1"),
    pytest.param(b"SELEC 'a\"b\\c\td';\n", "ERROR: syntax error at or near \"SELEC\" LINE 1: SELEC 'a\"b\\c d'; ^",
                 id="quotes-backslash-tab"),
])
def test_a_failure_reason_is_valid_json_whatever_its_bytes(drill_site: Site, sql: bytes, reason: str) -> None:
    """psql quotes the failing line as it is, in the client encoding: the record holds it as JSON (invalid
    UTF-8 as U+FFFD), and --list shows the FAILED reason."""
    site = drill_site
    key = f"bytes/prod/ds-{OLD}-1.sql"
    put_backup(site, key, sql, tables={})
    try:
        run = site.drill(S3Prefix="bytes")
        [record] = [k for k in site.objects() if k.startswith(f"{key}.drill-")]
        raw = site.read(record)
    finally:
        for stale in site.objects():
            if stale.startswith("bytes/"):
                site.delete(stale)
    expected = re.escape("the import failed (exit 3): " + reason)
    fields = json.loads(raw)
    assert re.fullmatch(expected, fields["reason"]), fields["reason"]
    # Still one field a line (jq writes U+FFFD as UTF-8, metadata_text as "\ufffd").
    lines = raw.decode("utf-8").splitlines()
    assert len(lines) == metadata_text(fields).count(b"\n")
    assert f'  "reason": {json.dumps(fields["reason"], ensure_ascii=False)},' in lines
    assert run.log.splitlines()[-1] == f"[record] FAILED: drill FAILED: {fields['reason']}"
    stamp = record[len(f"{key}.drill-"):-len(".json")]
    shown = drills.state(drills.Record(record, stamp, key), raw, "ds", "prod").text()
    assert shown == f"drill FAILED: {fields['reason']}"


def test_the_drill_drills_the_newest_backup_of_any_cluster(drill_site: Site) -> None:
    """Backups of two database clusters under one prefix (a restore onto a new cluster leaves them): the restore's
    `latest` refuses (tests/latest_cases.py), the drill drills the newest and says which clusters it saw."""
    site = drill_site
    ours = backup_key(site, "sql")
    original = snapshot(site)
    try:
        older = f"sql/prod/ds-{OLD}-1111.sql"
        put_backup(site, older)
        run = site.backup(S3Prefix="sql", env={"TEST_CLUSTER_ID": "2222"})
        assert run.returncode == 0, run.log
        [newest] = [k[:-len(".json")] for k in site.objects() if k.endswith("-2222.sql.json")]
        run = site.drill(S3Prefix="sql")
        assert (run.returncode, run.failed_container) == (0, None), run.log
        newest_of = {"1111": older, "2222": newest, ours.rsplit("-", 1)[1][:-len(".sql")]: ours}
        clusters = "; ".join(f"{c} (newest {newest_of[c]})" for c in sorted(newest_of))
        warning = (f"[pick] WARNING: backups of ds in namespace prod from more than one database cluster in "
                   f"s3://{site.bucket}/sql/: {clusters}: drilling the newest of them all, {newest}")
        assert warning in run.log.splitlines(), run.log
        [record] = [k for k in site.objects() if ".drill-" in k]
        assert record.startswith(f"{newest}.drill-") and json.loads(site.read(record))["verdict"] == "OK"
    finally:
        for stale in set(site.objects()) - set(original):
            site.delete(stale)

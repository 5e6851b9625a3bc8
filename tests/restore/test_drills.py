"""A backup's drill state from its drill records (renderer/restore/drills.py): which records are a
backup's, which is the newest, and one case per rule of a trusted record with the exact text."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from renderer.restore.backups import catalog, metadata_keys
from renderer.restore.drills import NOT_DRILLED, DrillState, Record, newest, preflight_warning, records, state
from tests.restore.conftest import drill_record

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
KEY = "p/prod/ds-20261129T000000Z-111.sql"
NATIVE = "p/prod/ds-20261128T000000Z-111.native"
RECORD = f"{KEY}.drill-20261129T030004Z.json"


def record(backup: str = KEY, /, **fields: object) -> bytes:
    """The record of RECORD's drill of `backup`; `fields` override (None removes)."""
    return drill_record(backup, "20261129T030004Z", **fields)


def test_a_backups_records_sit_beside_it_and_the_newest_stamp_counts() -> None:
    listed = [KEY, f"{KEY}.json", f"{KEY}.drill-20261129T030004Z.json", f"{KEY}.drill-20261130T030000Z.json",
              f"{KEY}.drill-20261128T030000Z.json", f"{KEY}.drill-20261129T030004Z.json.tmp",
              f"{KEY}.drill-2026-11-29.json", f"{KEY}x.drill-20261201T000000Z.json",
              f"{NATIVE}/BACKUP_MANIFEST", f"{NATIVE}.json", f"{NATIVE}.drill-20261129T030000Z.json",
              f"{NATIVE}/x.drill-20261202T000000Z.json",  # inside the folder: a part of the backup, not a record
              "p/prod/ds-20261127T000000Z-111.sql.drill-20261203T000000Z.json",  # beside no backup asked for
              # Digits that are not ASCII (Arabic-Indic): no record (\d would take them, and sort them last)
              f"{KEY}.drill-\u0662\u0660\u0662\u0666\u0661\u0661\u0662\u0669T030005Z.json"]
    assert records(listed, [KEY, NATIVE]) == [
        Record(f"{KEY}.drill-20261130T030000Z.json", "20261130T030000Z", KEY),
        Record(f"{KEY}.drill-20261129T030004Z.json", "20261129T030004Z", KEY),
        Record(f"{NATIVE}.drill-20261129T030000Z.json", "20261129T030000Z", NATIVE),
        Record(f"{KEY}.drill-20261128T030000Z.json", "20261128T030000Z", KEY)]
    assert newest(listed, KEY) == Record(f"{KEY}.drill-20261130T030000Z.json", "20261130T030000Z", KEY)
    assert newest(listed, NATIVE) == Record(f"{NATIVE}.drill-20261129T030000Z.json", "20261129T030000Z", NATIVE)
    assert newest(listed, "p/prod/ds-20261126T000000Z-111.sql") is None


def test_the_catalog_never_counts_a_drill_record_as_a_backup_or_a_part() -> None:
    meta = {"writer": "helm-datashield", "kind": "backup", "cluster": "111", "release": "ds", "namespace": "prod",
            "sha256": "ab" * 32}
    objects = {KEY: 10, f"{KEY}.json": 1, f"{KEY}.drill-20261129T030004Z.json": 400,
               f"{NATIVE}/BACKUP_MANIFEST": 7, f"{NATIVE}.json": 1, f"{NATIVE}.drill-20261129T030000Z.json": 400,
               "p/ds-20261101T000000Z.sql.drill-20261102T030000Z.json": 400}  # beside no backup at all
    raw = {f"{KEY}.json": json.dumps({**meta, "object": KEY, "format": "sql", "size": 10,
                                      "created": "2026-11-29T00:00:00Z"}).encode(),
           f"{NATIVE}.json": json.dumps({**meta, "object": NATIVE, "format": "native", "size": 7,
                                         "created": "2026-11-28T00:00:00Z"}).encode()}
    assert metadata_keys("ds", "prod", "p", objects) == [f"{NATIVE}.json", f"{KEY}.json"]
    found = catalog("ds", "prod", "p", objects, raw, NOW)
    assert [(b.key, b.size, b.problem) for b in found] == [(NATIVE, 7, None), (KEY, 10, None)]


# One case per rule of a trusted record; the record read is RECORD unless the case names another.
@pytest.mark.parametrize(("raw", "key", "shown"), [
    (record(), RECORD, "drilled OK 2026-11-29T03:00:04Z"),
    (record(verdict="FAILED", reason="public.enclaves: 2 rows, the backup's metadata records 3"), RECORD,
     "drill FAILED: public.enclaves: 2 rows, the backup's metadata records 3"),
    (record(verdict="FAILED"), RECORD, "drill FAILED: no reason recorded"),
    (record(verdict="FAILED", reason=" "), RECORD, "drill FAILED: no reason recorded"),
    (record(verdict="FAILED", reason="two\nlines\x1b[31m"), RECORD, "drill FAILED: two\\nlines\\u001b[31m"),
    (None, None, "not drilled"),
    (b"{not json", RECORD, "drill record unreadable: the record is not valid JSON"),
    (b"\xff\xfe", RECORD, "drill record unreadable: the record is not valid JSON"),
    (b"", RECORD, "drill record unreadable: the record is not valid JSON"),
    (b'["OK"]', RECORD, "drill record unreadable: the record is not a JSON object"),
    ("cannot read s3://b/p/x: AccessDenied: Access Denied.", RECORD,
     "drill record unreadable: cannot read s3://b/p/x: AccessDenied: Access Denied."),
    (record(writer=None), RECORD, "drill record unreadable: not written by helm-datashield"),
    (record(writer="someone"), RECORD, "drill record unreadable: not written by helm-datashield"),
    (record(kind=None), RECORD, 'drill record unreadable: it names kind null, not "drill"'),
    (record(kind="backup"), RECORD, 'drill record unreadable: it names kind "backup", not "drill"'),
    (record("p/prod/ds-20261128T000000Z-111.sql"), RECORD,
     'drill record unreadable: it names backup "p/prod/ds-20261128T000000Z-111.sql", not '
     '"p/prod/ds-20261129T000000Z-111.sql"'),
    (record(release="dx"), RECORD, 'drill record unreadable: it names release "dx", not "ds"'),
    (record(namespace="staging"), RECORD, 'drill record unreadable: it names namespace "staging", not "prod"'),
    (record(namespace=None), RECORD, 'drill record unreadable: it names namespace null, not "prod"'),
    (record(verdict=None), RECORD, 'drill record unreadable: its verdict is null, neither "OK" nor "FAILED"'),
    (record(verdict="ok"), RECORD, 'drill record unreadable: its verdict is "ok", neither "OK" nor "FAILED"'),
    (record(verdict=True), RECORD, 'drill record unreadable: its verdict is true, neither "OK" nor "FAILED"'),
    (record(started="2026-11-29T03:00:05Z"), RECORD,
     "drill record unreadable: it says the drill started at \"2026-11-29T03:00:05Z\", its name 2026-11-29T03:00:04Z"),
    (record(started=None), RECORD,
     "drill record unreadable: it says the drill started at null, its name 2026-11-29T03:00:04Z"),
    (record(started="2026-11-29T03:00:04Z"), f"{KEY}.drill-20261340T030004Z.json",
     "drill record unreadable: 20261340T030004Z is not a time"),
    (record(started="2026-11-30T12:10:01Z"), f"{KEY}.drill-20261130T121001Z.json",
     "drill record unreadable: dated 2026-11-30T12:10:01Z, later than this machine's clock allows (600 s of skew)"),
])
def test_a_drill_record_is_trusted_only_when_it_proves_itself(raw: bytes | str | None, key: str | None,
                                                               shown: str) -> None:
    found = newest([KEY, key] if key else [KEY], KEY)
    assert found is not None or key is None
    assert state(found, raw, "ds", "prod", NOW).text() == shown


def test_within_the_clock_skew_a_record_counts() -> None:
    key = f"{KEY}.drill-20261130T121000Z.json"
    drill = state(newest([key], KEY), record(started="2026-11-30T12:10:00Z"), "ds", "prod", NOW)
    assert drill == DrillState("OK", "2026-11-30T12:10:00Z", None, key)
    assert drill.as_json() == {"verdict": "OK", "time": "2026-11-30T12:10:00Z", "reason": None, "record": key}


def test_a_native_backups_record_names_the_folder_without_its_slash() -> None:
    key = f"{NATIVE}.drill-20261129T030004Z.json"
    assert state(newest([key], NATIVE), record(NATIVE), "ds", "prod", NOW).text() == "drilled OK 2026-11-29T03:00:04Z"
    assert state(newest([key], NATIVE), record(NATIVE + "/"), "ds", "prod", NOW).text() == (
        f'drill record unreadable: it names backup "{NATIVE}/", not "{NATIVE}"')


@pytest.mark.parametrize(("drill", "warning"), [
    (DrillState("OK", "2026-11-29T03:00:04Z", None, RECORD), None),
    (NOT_DRILLED, "backup ds-1.sql has never been drilled: no restore of it has been proven"),
    (DrillState("FAILED", "2026-11-29T03:00:04Z", "the import failed", RECORD),
     "backup ds-1.sql failed its last drill (2026-11-29T03:00:04Z): the import failed"),
    (DrillState("unreadable", "2026-11-29T03:00:04Z", "not written by helm-datashield", RECORD),
     "backup ds-1.sql: drill record unreadable: not written by helm-datashield"),
])
def test_the_restore_preflight_warns_of_every_state_but_ok(drill: DrillState, warning: str | None) -> None:
    assert preflight_warning("ds-1.sql", drill) == warning

"""Which objects of the bucket are a release's backups, and when one is complete (renderer/backups.py)."""

from __future__ import annotations

import json

import pytest

from renderer.backups import catalog, choose, metadata_keys
from renderer.errors import Refused


def meta(size: int, fmt: str = "sql", **extra: object) -> bytes:
    return json.dumps({"format": fmt, "size": size, "sha256": "ab" * 32, **extra}).encode()


OBJECTS = {
    "p/ds-20261101T000000Z.sql": 10, "p/ds-20261101T000000Z.sql.json": 1,
    "p/ds-20261102T000000Z.native/BACKUP_MANIFEST": 7, "p/ds-20261102T000000Z.native/data/1.sst": 5,
    "p/ds-20261102T000000Z.native.json": 1,
    "p/ds-20261103T000000Z.sql": 10,  # no metadata: unfinished
    "p/ds-2-20261101T000000Z.sql": 10, "p/pre-restore-ds-20261101T000000Z.sql": 10, "p/ds-latest.sql": 3,
    "ds-20261101T000000Z.sql": 10, "q/ds-20261101T000000Z.sql": 10,  # outside the prefix
}


OLD_SAFETY_DUMP = ("no metadata object (a safety dump taken before they had one, or not finished: download it and "
                   "restore it as a local file with --unsafe-ignore-sgx-nodes)")


def test_only_the_releases_backups_under_the_prefix_count() -> None:
    assert metadata_keys("ds", "p", OBJECTS) == ["p/ds-20261101T000000Z.sql.json",
                                                 "p/ds-20261102T000000Z.native.json"]
    found = catalog("ds", "/p/", OBJECTS, {"p/ds-20261101T000000Z.sql.json": meta(10),
                                           "p/ds-20261102T000000Z.native.json": meta(12, "native")})
    assert [(b.name, b.size, b.problem) for b in found] == [
        ("ds-20261101T000000Z.sql", 10, None),
        ("pre-restore-ds-20261101T000000Z.sql", 10, OLD_SAFETY_DUMP),
        ("ds-20261102T000000Z.native", 12, None),
        ("ds-20261103T000000Z.sql", 10, "no metadata object (the backup did not finish)"),
    ]


@pytest.mark.parametrize(("size", "raw", "problem"), [
    (10, meta(10), None),
    (10, meta(11), "10 bytes in the bucket, the metadata records 11: damaged"),
    (None, meta(10), "the data is missing (only the metadata object is there)"),
    (10, meta(10, "native"), 'metadata object says format "native", the name says sql'),
    (10, b'{"size": 10}', "metadata object records no size or SHA-256"),
    (10, b'{"size": true, "sha256": "x"}', "metadata object records no size or SHA-256"),
    (10, b"{not json", "metadata object is not valid JSON"),
    (10, b"[1]", "metadata object is not a JSON object"),
    (10, b"\xff\xfe", "metadata object is not valid JSON"),
    (10, "AccessDenied", "metadata object unreadable: AccessDenied"),
])
def test_a_backup_is_complete_only_when_its_metadata_matches(size: int | None, raw: bytes | str,
                                                             problem: str | None) -> None:
    objects = {"ds-20261101T000000Z.sql.json": 1, **({"ds-20261101T000000Z.sql": size} if size else {})}
    (backup,) = catalog("ds", "", objects, {"ds-20261101T000000Z.sql.json": raw})
    assert backup.problem == problem


def test_choose_latest_takes_the_newest_complete_one() -> None:
    found = catalog("ds", "", {"ds-20261101T000000Z.sql": 1, "ds-20261101T000000Z.sql.json": 1,
                               "ds-20261102T000000Z.sql": 1},
                    {"ds-20261101T000000Z.sql.json": meta(1)})
    assert choose(found, "latest", "s3://b/").name == "ds-20261101T000000Z.sql"
    assert choose(found, "ds-20261101T000000Z.sql", "s3://b/").key == "ds-20261101T000000Z.sql"
    with pytest.raises(Refused) as refused:
        choose(found[1:], "latest", "s3://b/")
    assert refused.value.reasons == ["no complete backup in s3://b/ (see --list)"]


def test_recorded_nodes_and_their_absence() -> None:
    (with_nodes, without) = catalog("ds", "", {"ds-20261101T000000Z.sql": 1, "ds-20261102T000000Z.sql": 1}, {
        "ds-20261101T000000Z.sql.json": meta(1, nodes={"manager": ["a", "b"], "database": ["c"]}),
        "ds-20261102T000000Z.sql.json": meta(1, nodes={"manager": None, "database": None}, nodesError="Forbidden")})
    assert (with_nodes.manager_nodes, with_nodes.nodes_error) == (("a", "b"), None)
    assert (without.manager_nodes, without.nodes_error) == (None, "Forbidden")
    assert with_nodes.created == "2026-11-01T00:00:00Z"


SAFETY = "pre-restore-ds-20261104T000000Z.sql"
SAFETY_META = meta(10, kind="safety-dump", restoring="ds-20261101T000000Z.sql", restoreRunId="20261104-000000")


@pytest.mark.parametrize(("name", "raw", "problem"), [
    pytest.param(SAFETY, SAFETY_META, None, id="safety-dump"),
    pytest.param(SAFETY, meta(10), 'its metadata object does not say "kind": "safety-dump"', id="safety-dump-no-kind"),
    pytest.param(SAFETY, meta(10, kind="backup"), 'its metadata object does not say "kind": "safety-dump"',
                 id="safety-dump-kind-backup"),
    pytest.param(SAFETY, None, OLD_SAFETY_DUMP, id="safety-dump-without-metadata"),
    pytest.param("ds-20261104T000000Z.sql", meta(10, kind="backup"), None, id="backup-kind-backup"),
    pytest.param("ds-20261104T000000Z.sql", meta(10), None, id="backup-without-kind"),
    pytest.param("ds-20261104T000000Z.sql", SAFETY_META,
                 'its metadata object says kind "safety-dump": not a scheduled backup', id="backup-kind-safety-dump"),
    pytest.param("ds-20261104T000000Z.sql", meta(10, kind="uploaded"),
                 'its metadata object says kind "uploaded": not a scheduled backup', id="backup-other-kind"),
])
def test_a_safety_dump_is_known_by_its_name_and_its_metadata(name: str, raw: bytes | None,
                                                             problem: str | None) -> None:
    objects = {name: 10, **({f"{name}.json": 1} if raw is not None else {})}
    assert metadata_keys("ds", "", objects) == ([f"{name}.json"] if raw is not None else [])
    (backup,) = catalog("ds", "", objects, {f"{name}.json": raw} if raw is not None else {})
    assert (backup.problem, backup.safety_dump) == (problem, name.startswith("pre-restore-"))


def test_latest_is_never_a_safety_dump_but_its_name_restores_it() -> None:
    objects = {"ds-20261101T000000Z.sql": 10, "ds-20261101T000000Z.sql.json": 1, SAFETY: 10, f"{SAFETY}.json": 1}
    backups = catalog("ds", "", objects, {"ds-20261101T000000Z.sql.json": meta(10), f"{SAFETY}.json": SAFETY_META})
    assert [b.name for b in backups] == ["ds-20261101T000000Z.sql", SAFETY]  # by time
    assert choose(backups, "latest", "s3://b/").name == "ds-20261101T000000Z.sql"
    assert choose(backups, SAFETY, "s3://b/").restoring == "ds-20261101T000000Z.sql"
    with pytest.raises(Refused) as refused:
        choose(backups[1:], "latest", "s3://b/")
    assert refused.value.reasons == ["no complete backup in s3://b/ (see --list)"]

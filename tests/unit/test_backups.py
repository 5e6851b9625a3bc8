"""Which objects of the bucket are a release's backups, and when one is complete (renderer/restore/backups.py)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from renderer.errors import Refused
from renderer.restore.backups import catalog, choose, listing_prefixes, metadata_keys, stamp_time
from renderer.restore.safety import from_bucket

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)
KEY = "prod/ds-20261101T000000Z-111.sql"  # the layout written now: namespace and cluster in the key
EARLIER = "ds-20261101T000000Z.sql"  # the earlier layout


def meta(key: str, size: int, /, **fields: object) -> bytes:
    """The metadata the upload step writes for `key` of ds in prod; `fields` override (None removes)."""
    stamp = re.findall(r"\d{8}T\d{6}Z|$", key)[0] or key.rsplit("/", 1)[-1].split("-")[1][:16]
    created = f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}Z"
    name = key.rsplit("/", 1)[-1]
    cluster = {"kind": "backup", "cluster": name.split("Z-", 1)[1].rsplit(".", 1)[0]} if "Z-" in name else {}
    whole = {"writer": "helm-datashield", "format": key.rsplit(".", 1)[1], "object": key, "size": size,
             "sha256": "ab" * 32, "created": created, "release": "ds", "namespace": "prod", **cluster}
    whole.update(fields)
    return json.dumps({k: v for k, v in whole.items() if v is not None}).encode()


OBJECTS = {
    "p/ds-20261101T000000Z.sql": 10, "p/ds-20261101T000000Z.sql.json": 1,
    "p/prod/ds-20261102T000000Z-111.native/BACKUP_MANIFEST": 7, "p/prod/ds-20261102T000000Z-111.native/data/1.sst": 5,
    "p/prod/ds-20261102T000000Z-111.native.json": 1,
    "p/prod/ds-20261103T000000Z-111.sql": 10,  # no metadata: unfinished
    "p/ds-2-20261101T000000Z.sql": 10, "p/pre-restore-ds-20261101T000000Z.sql": 10, "p/ds-latest.sql": 3,
    "p/staging/ds-20261101T000000Z-111.sql.json": 1, "p/prod/ds-20261101T000000Z.sql.json": 1,
    "p/prod/ds-20261101T000000Z-111.sql/x.json": 1, "p/prod/ds-20261101T000000Z-1 1.sql.json": 1,
    "ds-20261101T000000Z.sql": 10, "q/ds-20261101T000000Z.sql": 10,  # outside the prefix
    # drill records (issue 18) beside a backup: never a backup, a part or a metadata object
    "p/ds-20261101T000000Z.sql.drill-20261102T030000Z.json": 400,
    "p/prod/ds-20261102T000000Z-111.native.drill-20261103T030000Z.json": 400,
    "p/prod/ds-20261103T000000Z-111.sql.drill-20261104T030000Z.json": 400,
}


OLD_SAFETY_DUMP = ("no metadata object (a safety dump taken before they had one, or not finished: download it and "
                   "restore it as a local file with --unsafe-ignore-sgx-nodes)")


def test_only_the_releases_backups_under_the_prefix_count() -> None:
    assert listing_prefixes("ds", "prod", "/p/") == ["p/ds-", "p/prod/ds-", "p/pre-restore-ds-",
                                                      "p/prod/pre-restore-ds-"]
    assert metadata_keys("ds", "prod", "p", OBJECTS) == ["p/ds-20261101T000000Z.sql.json",
                                                         "p/prod/ds-20261102T000000Z-111.native.json"]
    found = catalog("ds", "prod", "/p/", OBJECTS, {
        "p/ds-20261101T000000Z.sql.json": meta("p/ds-20261101T000000Z.sql", 10),
        "p/prod/ds-20261102T000000Z-111.native.json": meta("p/prod/ds-20261102T000000Z-111.native", 12)}, NOW)
    assert [(b.name, b.size, b.cluster, b.problem) for b in found] == [
        ("ds-20261101T000000Z.sql", 10, None, None),
        ("pre-restore-ds-20261101T000000Z.sql", 10, None, OLD_SAFETY_DUMP),
        ("prod/ds-20261102T000000Z-111.native", 12, "111", None),
        ("prod/ds-20261103T000000Z-111.sql", 10, "111", "no metadata object (the backup did not finish)"),
    ]


# One case per rule of a complete backup (renderer/restore/backups.py _check; s3.sh meta_problem is the pod's).
@pytest.mark.parametrize(("key", "size", "raw", "problem"), [
    (KEY, 10, meta(KEY, 10), None),
    (EARLIER, 10, meta(EARLIER, 10), None),
    (EARLIER, 10, meta(EARLIER, 10, kind="backup"), None),
    (KEY, 10, meta(KEY, 10, writer=None), "not written by helm-datashield"),
    (KEY, 10, meta(KEY, 10, writer="someone"), "not written by helm-datashield"),
    (KEY, 10, meta(KEY, 10, kind="safety-dump"), "a safety-dump, not a scheduled backup"),
    (KEY, 10, meta(KEY, 10, release="dx"), 'its metadata names release "dx", not "ds"'),
    (KEY, 10, meta(KEY, 10, namespace="staging"), 'its metadata names namespace "staging", not "prod"'),
    (KEY, 10, meta(KEY, 10, namespace=None), 'its metadata names namespace null, not "prod"'),
    (KEY, 10, meta(KEY, 10, object="prod/ds-20261001T000000Z-111.sql"),
     'its metadata names object "prod/ds-20261001T000000Z-111.sql", not "prod/ds-20261101T000000Z-111.sql"'),
    (KEY, 10, meta(KEY, 10, format="native"), 'its metadata names format "native", not "sql"'),
    (KEY, 10, meta(KEY, 10, cluster="222"), 'its metadata names cluster "222", the key "111"'),
    (EARLIER, 10, meta(EARLIER, 10, cluster="111"), 'its metadata names cluster "111", the key null'),
    (KEY, 10, meta(KEY, 10, size=None), "the metadata object records no size or SHA-256"),
    (KEY, 10, meta(KEY, 10, size=True), "the metadata object records no size or SHA-256"),
    (KEY, 10, meta(KEY, 10, sha256=""), "the metadata object records no size or SHA-256"),
    (KEY, 10, meta(KEY, 10, created="2026-11-02T00:00:00Z"),
     "its metadata says it was created at 2026-11-02T00:00:00Z, its name 2026-11-01T00:00:00Z"),
    (KEY, None, meta(KEY, 10), "the data is missing (only the metadata object is there)"),
    (KEY, 10, meta(KEY, 11), "10 bytes in the bucket, the metadata records 11: damaged"),
    (KEY, 10, b"{not json", "the metadata object is not valid JSON"),
    (KEY, 10, b"", "the metadata object is not valid JSON"),
    (KEY, 10, b"[1]", "the metadata object is not a JSON object"),
    (KEY, 10, b"\xff\xfe", "the metadata object is not valid JSON"),
    (KEY, 10, "AccessDenied", "metadata object unreadable: AccessDenied"),
    ("prod/ds-20261340T000000Z-111.sql", 10, meta(KEY, 10), "20261340T000000Z is not a time"),
    ("prod/ds-20261124T121001Z-111.sql", 10, meta("prod/ds-20261124T121001Z-111.sql", 10),
     "dated 2026-11-24T12:10:01Z, later than this machine's clock allows (600 s of skew)"),
    ("ds-20990101T000000Z.sql", 10, meta("ds-20990101T000000Z.sql", 10),
     "dated 2099-01-01T00:00:00Z, later than this machine's clock allows (600 s of skew)"),
])
def test_a_backup_is_complete_only_when_its_metadata_proves_it_ours(key: str, size: int | None, raw: bytes | str,
                                                                     problem: str | None) -> None:
    objects = {f"{key}.json": 1, **({key: size} if size else {})}
    (backup,) = catalog("ds", "prod", "", objects, {f"{key}.json": raw}, NOW)
    assert backup.problem == problem


def test_within_the_clock_skew_a_backup_counts() -> None:
    key = "prod/ds-20261124T121000Z-111.sql"
    (backup,) = catalog("ds", "prod", "", {key: 1, f"{key}.json": 1}, {f"{key}.json": meta(key, 1)}, NOW)
    assert backup.complete, backup.problem


def test_choose_latest_takes_the_newest_complete_one() -> None:
    older, newer = "ds-20261101T000000Z.sql", "prod/ds-20261102T000000Z-111.sql"
    found = catalog("ds", "prod", "", {older: 1, f"{older}.json": 1, newer: 1, "prod/ds-20261103T000000Z-111.sql": 1,
                                       f"{newer}.json": 1},
                    {f"{older}.json": meta(older, 1), f"{newer}.json": meta(newer, 1)}, NOW)
    assert choose(found, "latest", "s3://b/").name == newer
    assert choose(found, older, "s3://b/").key == older
    with pytest.raises(Refused) as refused:
        choose(found[2:], "latest", "s3://b/")
    assert refused.value.reasons == ["no complete backup in s3://b/ (see --list)"]


def test_choose_latest_refuses_two_database_clusters() -> None:
    keys = ["ds-20261101T000000Z.sql", "prod/ds-20261102T000000Z-111.sql", "prod/ds-20261103T000000Z-222.sql",
            "prod/ds-20261104T000000Z-111.sql"]
    found = catalog("ds", "prod", "", {k: 1 for k in keys} | {f"{k}.json": 1 for k in keys},
                    {f"{k}.json": meta(k, 1) for k in keys}, NOW)
    with pytest.raises(Refused) as refused:
        choose(found, "latest", "s3://b/")
    assert refused.value.reasons == [
        "backups from more than one database cluster in s3://b/: 111 (newest prod/ds-20261104T000000Z-111.sql); "
        "222 (newest prod/ds-20261103T000000Z-222.sql): name the one to restore (--from), or give each cluster "
        "its own S3Prefix"]
    assert choose(found, "prod/ds-20261103T000000Z-222.sql", "s3://b/").cluster == "222"


def test_recorded_nodes_and_their_absence() -> None:
    a, b = "ds-20261101T000000Z.sql", "ds-20261102T000000Z.sql"
    (with_nodes, without) = catalog("ds", "prod", "", {a: 1, b: 1, f"{a}.json": 1, f"{b}.json": 1}, {
        f"{a}.json": meta(a, 1, nodes={"manager": ["a", "b"], "database": ["c"]}),
        f"{b}.json": meta(b, 1, nodes={"manager": None, "database": None}, nodesError="Forbidden")}, NOW)
    assert (with_nodes.manager_nodes, with_nodes.nodes_error) == (("a", "b"), None)
    assert (without.manager_nodes, without.nodes_error) == (None, "Forbidden")
    assert with_nodes.created == "2026-11-01T00:00:00Z"


SAFETY = "pre-restore-ds-20261104T000000Z.sql"  # the earlier layout: no namespace, no cluster
SAFETY_META = meta(SAFETY, 10, kind="safety-dump", cluster="111", restoring="ds-20261101T000000Z.sql",
                   restoreRunId="20261104-000000")
BACKUP = "ds-20261104T000000Z.sql"
DUMP = "prod/pre-restore-ds-20261104T000000Z-111.sql"  # the layout written now: a backup's, with pre-restore-


def dump_meta(key: str = DUMP, /, **fields: object) -> bytes:
    return meta(key, 10, kind="safety-dump", restoring=KEY, restoreRunId="20261104-000000", **fields)


# A safety dump is checked as a backup is (writer, release, namespace, object, format, created, size, and
# the cluster its name names), but its kind must say so; a name of the earlier layout names no cluster.
@pytest.mark.parametrize(("name", "raw", "problem"), [
    pytest.param(DUMP, dump_meta(), None, id="dump"),
    pytest.param(DUMP, dump_meta(cluster="222"), 'its metadata names cluster "222", the key "111"',
                 id="dump-other-cluster"),
    pytest.param(DUMP, dump_meta(cluster=None), 'its metadata names cluster null, the key "111"',
                 id="dump-no-cluster"),
    pytest.param(DUMP, dump_meta(namespace="staging"), 'its metadata names namespace "staging", not "prod"',
                 id="dump-other-namespace"),
    pytest.param(DUMP, dump_meta(release="pre-restore-ds"), 'its metadata names release "pre-restore-ds", not "ds"',
                 id="dump-other-release"),
    pytest.param(DUMP, dump_meta(object=SAFETY), f'its metadata names object "{SAFETY}", not "{DUMP}"',
                 id="dump-other-object"),
    pytest.param(DUMP, meta(DUMP, 10), 'its metadata object does not say "kind": "safety-dump"', id="dump-kind-backup"),
    pytest.param(DUMP, None, OLD_SAFETY_DUMP, id="dump-without-metadata"),
    pytest.param(SAFETY, SAFETY_META, None, id="safety-dump"),
    pytest.param(SAFETY, meta(SAFETY, 10, kind="safety-dump"), None, id="safety-dump-no-cluster"),
    pytest.param(SAFETY, meta(SAFETY, 10), 'its metadata object does not say "kind": "safety-dump"',
                 id="safety-dump-no-kind"),
    pytest.param(SAFETY, meta(SAFETY, 10, kind="backup"), 'its metadata object does not say "kind": "safety-dump"',
                 id="safety-dump-kind-backup"),
    pytest.param(SAFETY, meta(SAFETY, 10, kind="safety-dump", namespace="staging"),
                 'its metadata names namespace "staging", not "prod"', id="safety-dump-other-namespace"),
    pytest.param(SAFETY, meta(SAFETY, 10, kind="safety-dump", object=BACKUP),
                 f'its metadata names object "{BACKUP}", not "{SAFETY}"', id="safety-dump-other-object"),
    pytest.param(SAFETY, None, OLD_SAFETY_DUMP, id="safety-dump-without-metadata"),
    pytest.param(BACKUP, meta(BACKUP, 10, kind="backup"), None, id="backup-kind-backup"),
    pytest.param(BACKUP, meta(BACKUP, 10), None, id="backup-without-kind"),
    pytest.param(BACKUP, meta(BACKUP, 10, kind="safety-dump"), "a safety-dump, not a scheduled backup",
                 id="backup-kind-safety-dump"),
    pytest.param(BACKUP, meta(BACKUP, 10, kind="uploaded"), "a uploaded, not a scheduled backup",
                 id="backup-other-kind"),
])
def test_a_safety_dump_is_known_by_its_name_and_its_metadata(name: str, raw: bytes | None,
                                                             problem: str | None) -> None:
    objects = {name: 10, **({f"{name}.json": 1} if raw is not None else {})}
    assert metadata_keys("ds", "prod", "", objects) == ([f"{name}.json"] if raw is not None else [])
    (backup,) = catalog("ds", "prod", "", objects, {f"{name}.json": raw} if raw is not None else {}, NOW)
    assert (backup.problem, backup.safety_dump) == (problem, "pre-restore-" in name)


def test_a_release_named_like_a_safety_dump_has_backups_not_safety_dumps() -> None:
    """Release pre-restore-ds's backups are named as ds's safety dumps are: each release reads them by
    its own names, and the metadata tells (kind, release)."""
    objects = {DUMP: 10, f"{DUMP}.json": 1}
    raw = {f"{DUMP}.json": meta(DUMP, 10, release="pre-restore-ds")}
    [theirs] = catalog("pre-restore-ds", "prod", "", objects, raw, NOW)
    assert (theirs.safety_dump, theirs.problem, theirs.cluster) == (False, None, "111")
    [ours] = catalog("ds", "prod", "", objects, raw, NOW)
    assert (ours.safety_dump, ours.problem) == (True, 'its metadata object does not say "kind": "safety-dump"')


def test_latest_is_never_a_safety_dump_but_its_name_restores_it() -> None:
    objects = {EARLIER: 10, f"{EARLIER}.json": 1, SAFETY: 10, f"{SAFETY}.json": 1}
    backups = catalog("ds", "prod", "", objects, {f"{EARLIER}.json": meta(EARLIER, 10), f"{SAFETY}.json": SAFETY_META},
                      NOW)
    assert [b.name for b in backups] == [EARLIER, SAFETY]  # by time
    assert choose(backups, "latest", "s3://b/").name == EARLIER
    assert choose(backups, SAFETY, "s3://b/").restoring == EARLIER
    with pytest.raises(Refused) as refused:
        choose(backups[1:], "latest", "s3://b/")
    assert refused.value.reasons == ["no complete backup in s3://b/ (see --list)"]


# -- the safety dump of a restore run, when the Job's log does not tell (renderer/restore/safety.py) ----------
RUN = "20261124-010500"
OURS_DUMP = "p/prod/pre-restore-ds-20261124T010530Z-111.sql"
THEIRS = "p/prod/pre-restore-ds-20261124T010530Z-222.sql"  # another database cluster, the same second
WHY = "the Job's log did not say"
NONE_HERE = f"unknown ({WHY}, and no safety dump of this run is in s3://b/p/prod/pre-restore-ds-*: the database may " \
    "have been empty, or the dump is elsewhere)"


def dumps(*pairs: tuple[str, dict[str, object] | None]) -> tuple[dict[str, int], dict[str, bytes | str]]:
    """A listing of safety dumps (key, metadata fields over a dump of this run's; None: no metadata object)."""
    objects: dict[str, int] = {}
    raw: dict[str, bytes | str] = {}
    for key, fields in pairs:
        objects[key] = 10
        if fields is not None:
            objects[f"{key}.json"] = 1
            raw[f"{key}.json"] = meta(key, 10, **{"kind": "safety-dump", "restoreRunId": RUN, **fields})
    return objects, raw


@pytest.mark.parametrize(("listed", "told"), [
    pytest.param([(OURS_DUMP, {})], f"s3://b/{OURS_DUMP}", id="ours"),
    pytest.param([(OURS_DUMP, None)], f"s3://b/{OURS_DUMP}", id="ours-before-its-metadata"),
    pytest.param([(OURS_DUMP, {}), ("p/staging/pre-restore-ds-20261124T010530Z-111.sql", {"namespace": "staging"})],
                 f"s3://b/{OURS_DUMP}", id="another-namespace-the-same-second"),
    pytest.param([(OURS_DUMP, {}), (THEIRS, {"restoreRunId": "20261124-010459"})], f"s3://b/{OURS_DUMP}",
                 id="another-cluster-another-run"),
    pytest.param([(OURS_DUMP, {}), ("p/prod/pre-restore-ds-2-20261124T010530Z-111.sql", {"release": "ds-2"})],
                 f"s3://b/{OURS_DUMP}", id="another-release"),
    pytest.param([(OURS_DUMP, {}), (THEIRS, {})],
                 f"unknown ({WHY}; the safety dumps since this run began are s3://b/{OURS_DUMP}, s3://b/{THEIRS})",
                 id="another-cluster-a-run-of-the-same-second"),
    pytest.param([(OURS_DUMP, None), (THEIRS, None)],
                 f"unknown ({WHY}; the safety dumps since this run began are s3://b/{OURS_DUMP}, s3://b/{THEIRS})",
                 id="two-clusters-before-their-metadata"),
    pytest.param([(THEIRS, {"cluster": "111"})], NONE_HERE, id="metadata-naming-another-cluster"),
    pytest.param([(OURS_DUMP, {"namespace": "staging"})], NONE_HERE, id="metadata-naming-another-namespace"),
    pytest.param([(OURS_DUMP, {"release": "other"})], NONE_HERE, id="metadata-naming-another-release"),
    pytest.param([(OURS_DUMP, {"object": THEIRS})], NONE_HERE, id="metadata-naming-another-key"),
    pytest.param([(OURS_DUMP, {"restoreRunId": "20261124-010459"})], NONE_HERE, id="metadata-naming-another-run"),
    pytest.param([(OURS_DUMP, {"kind": "backup"})], NONE_HERE, id="metadata-of-a-backup"),
    pytest.param([("p/pre-restore-ds-20261124T010530Z.sql", {})], NONE_HERE, id="the-earlier-layout"),
    pytest.param([("p/prod/pre-restore-ds-20261124T005959Z-111.sql", None)], NONE_HERE, id="before-the-run"),
    pytest.param([("p/prod/pre-restore-ds-20261124T010530Z-1 1.sql", None)], NONE_HERE, id="not-a-cluster-name"),
])
def test_the_safety_dump_of_a_run_is_only_ever_its_own(listed: list[tuple[str, dict[str, object] | None]],
                                                       told: str) -> None:
    objects, raw = dumps(*listed)
    assert from_bucket("b", "p", "ds", "prod", RUN, objects, raw, WHY).text() == told


def test_damaged_metadata_never_makes_a_dump_the_runs() -> None:
    objects, raw = dumps((OURS_DUMP, {}))
    assert from_bucket("b", "p", "ds", "prod", RUN, objects, {f"{OURS_DUMP}.json": b"{"}, WHY).text() == NONE_HERE
    assert from_bucket("b", "p", "ds", "prod", RUN, objects, {f"{OURS_DUMP}.json": "AccessDenied"}, WHY).text() == \
        NONE_HERE
    assert from_bucket("b", "p", "ds", "prod", "not-a-time", objects, raw, WHY).text() == \
        f"unknown ({WHY}, and the run's id 'not-a-time' is not the time it began, so the safety dumps in " \
        "s3://b/p/prod/pre-restore-ds-* cannot be told apart)"


def test_one_function_reads_the_time_of_a_name() -> None:
    assert stamp_time("20261124T010530Z") == datetime(2026, 11, 24, 1, 5, 30, tzinfo=timezone.utc)
    assert [stamp_time(s) for s in ("20261324T010530Z", "20261124T250000Z", "2026-11-24")] == [None, None, None]

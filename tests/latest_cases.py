"""One table of bucket states and what `latest` must be, run against both implementations of the
rule: the restore Job's (renderer/postrender/templates/scripts/s3.sh, `latest_backup`) and the restore
command's (renderer/restore/backups.py, `catalog` + `choose`), by tests/runtime/test_latest.py.

Each case: the objects to put (key -> what: "pair" a complete backup of ds in prod; a dict of
metadata fields to override, None removing one; "raw:<text>" a metadata object with that text;
"data" data alone), and the expected latest key, or "REFUSE:<fragment of both refusals>".
Damaged newest metadata is skipped (with a warning) by both sides: a metadata object that cannot
be read as ours cannot prove the backup is ours, so it is treated as any foreign object (else
anything put in the bucket could block every restore); the older, provable backup is restored.
"""

from __future__ import annotations

OLD = "ds-20260101T000000Z.sql"  # the earlier layout
NEW = "prod/ds-20260102T000000Z-111.sql"  # namespace and cluster in the key
NEWER = "prod/ds-20260103T000000Z-111.sql"
Case = tuple[str, dict[str, object], str]

CASES: list[Case] = [
    ("newest of ours, across both layouts", {OLD: "pair", NEW: "pair"}, NEW),
    ("only the earlier layout", {OLD: "pair", "ds-20251231T000000Z.sql": "pair"}, OLD),
    ("a future-dated name is never trusted", {NEW: "pair", "prod/ds-20990101T000000Z-111.sql": "pair",
                                              "ds-20990101T000000Z.sql": "pair"}, NEW),
    ("a name that is not a time", {NEW: "pair", "prod/ds-20261340T000000Z-111.sql": "pair"}, NEW),
    ("foreign: no writer", {NEW: "pair", NEWER: {"writer": None}}, NEW),
    ("another namespace's backups", {NEW: "pair", "staging/ds-20260104T000000Z-111.sql": {"namespace": "staging"},
                                     "ds-20260105T000000Z.sql": {"namespace": "staging"}}, NEW),
    ("another release's backup", {NEW: "pair", NEWER: {"release": "dx"}}, NEW),
    ("a pair copied over another key", {NEW: "pair", NEWER: {"object": NEW}}, NEW),
    ("a pair whose time differs from its name", {NEW: "pair", NEWER: {"created": "2026-01-02T00:00:00Z"}}, NEW),
    ("a safety dump's metadata", {NEW: "pair", NEWER: {"kind": "safety-dump"}}, NEW),
    ("damaged newest metadata: truncated", {NEW: "pair", NEWER: "raw:{\n  \"writer\": \"helm-datashield\",\n"}, NEW),
    ("damaged newest metadata: not JSON", {NEW: "pair", NEWER: "raw:\x00\xff garbage"}, NEW),
    ("damaged newest metadata: empty", {NEW: "pair", NEWER: "raw:"}, NEW),
    ("newest has no data", {NEW: "pair", f"{NEWER}.json": "raw-pair-metadata-only"}, NEW),
    ("newest is incomplete: no metadata", {NEW: "pair", NEWER: "data"}, NEW),
    ("odd keys: spaces, a newline, unicode", {NEW: "pair", f"{NEWER}.json (copy)": "raw:{}", f"{NEWER} (copy)": "data",
                                              "prod/ds-20260104T000000Z-111.sql\n.json": "raw:{}",
                                              "ds-20260105T000000Zé.sql.json": "raw:{}"}, NEW),
    ("a cluster this tool never names", {NEW: "pair", "prod/ds-20260103T000000Z-a.b.sql": {"cluster": "a.b"},
                                         "prod/ds-20260104T000000Z--1.sql": {"cluster": "-1"}}, NEW),
    ("two database clusters", {NEW: "pair", "prod/ds-20260103T000000Z-222.sql": "pair"},
     "REFUSE:from more than one database cluster"),
    ("two clusters and the earlier layout", {OLD: "pair", NEW: "pair"}, NEW),
    ("a --status probe left behind", {NEW: "pair", "prod/.datashield-probe-ds-0123456789abcdef": "data",
                                      "ds-prod/.datashield-probe-ds-0123456789abcdef": "data"}, NEW),
    ("nothing", {}, "REFUSE:no complete backup"),
    ("nothing but a --status probe", {"prod/.datashield-probe-ds-0123456789abcdef": "data"},
     "REFUSE:no complete backup"),
    ("nothing of ours", {"ds-20260105T000000Z.sql": {"namespace": "staging"}}, "REFUSE:no complete backup"),
]

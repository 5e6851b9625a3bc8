"""Table names are data (issue 14 b): whatever a table is called (white space, quotes, a keyword,
non-ASCII, a tab, a newline), the pods count its rows right, record its exact name in the metadata,
and compare it right at restore, in both backup formats, on the real pods, S3 server, AWS CLI and
database."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.runtime.conftest import DATABASE, Site
from tests.runtime.test_backup_restore import backup_keys, native_keys

# name -> rows: the seed's two tables, and one table a case; every name a quoted identifier.
NAMES = {
    "space": "audit log",
    "double-quote": 'a"b',
    "single-quote": "it's",
    "backslash": "back\\slash",
    "non-ascii": "naïve",
    "keyword": "select",
    "upper-case": "Audit",
    "tab": "tab\there",
    "newline": "new\nline",
    "dot-and-paren": "x.y (z)",
}


def quoted(name: str) -> str:
    """`name` as an SQL identifier (PostgreSQL's rule: double quotes, a quote doubled)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def add_table(site: Site, name: str, rows: int) -> None:
    site.db.psql(f"CREATE TABLE {quoted(name)} (id integer PRIMARY KEY, note text);"
                 f"INSERT INTO {quoted(name)} SELECT n, {literal(name)} FROM generate_series(1, {rows}) AS n",
                 DATABASE)


def rows_of(site: Site, name: str) -> int:
    return int(site.db.psql(f"SELECT count(*) FROM {quoted(name)}", DATABASE))


@pytest.mark.parametrize("backup_format", ["sql", "native"])
def test_tables_of_any_name_are_counted_recorded_and_compared_right(site: Site, backup_format: str) -> None:
    """Every name of NAMES in one database (each with its own row count, so that a name read as
    another's would show): one backup and one restore a format, rather than one a name, which
    would cost a minute each on the real AWS CLI."""
    rows = {name: number + 2 for number, name in enumerate(NAMES.values())}
    for name, count in rows.items():
        add_table(site, name, count)
    run = site.backup(Format=backup_format)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    [key] = backup_keys(site) if backup_format == "sql" else native_keys(site)
    assert json.loads(site.read(f"{key}.json"))["tables"] == {"audit": 500, "enclaves": 3, **rows}
    for name in rows:
        site.db.psql(f"DELETE FROM {quoted(name)} WHERE id > 1", DATABASE)
    run = site.restore("latest", backup={"Format": backup_format})
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert f"[restore] restored malbork: {2 + len(rows)} tables, row counts as recorded" in run.log
    assert {name: rows_of(site, name) for name in rows} == rows


def test_names_that_differ_only_in_white_space_and_quotes_are_told_apart(site: Site) -> None:
    """Split on white space, "audit log" would count as "audit" and "log"; with the quotes dropped,
    'a"b' and 'ab' would be one table."""
    for name, rows in [("audit log", 2), ("log", 3), ('a"b', 4), ("ab", 5), ("tab\there", 6), ("tab here", 8)]:
        add_table(site, name, rows)
    assert site.backup().returncode == 0
    [key] = backup_keys(site)
    assert json.loads(site.read(f"{key}.json"))["tables"] == {
        "audit": 500, "enclaves": 3, "audit log": 2, "log": 3, 'a"b': 4, "ab": 5, "tab\there": 6, "tab here": 8}


def test_a_restored_table_of_an_odd_name_with_other_rows_is_reported_exactly(site: Site) -> None:
    """The comparison after the import sees the odd name's own count: a backup whose metadata
    records 9 rows for "audit log" while its dump holds 7 fails, naming it as JSON."""
    add_table(site, "audit log", 7)
    assert site.backup().returncode == 0
    [key] = backup_keys(site)
    metadata = site.read(f"{key}.json").decode().replace('"audit log": 7', '"audit log": 9')
    site.write(f"{key}.json", metadata.encode(), "writer=helm-datashield", "release=ds")
    run = site.restore(key)
    assert (run.returncode, run.failed_container) == (1, "restore"), run.log
    assert ('[restore] FAILED: the restored tables differ from the backup\'s metadata: "audit log": 7 rows, the '
            f'metadata records 9; malbork holds {key}, with other row counts than its metadata records; ') in run.log


def test_a_dump_that_lacks_a_counted_table_of_an_odd_name_is_refused_before_the_drop(site: Site) -> None:
    add_table(site, "new\nline", 2)
    assert site.backup().returncode == 0
    [key] = backup_keys(site)
    dump = site.read(key).replace(b'"new\nline"', b'"new line"')
    metadata = json.loads(site.read(f"{key}.json"))
    metadata.update(size=len(dump), sha256=hashlib.sha256(dump).hexdigest())
    site.write(key, dump, "writer=helm-datashield", "release=ds")
    text = site.read(f"{key}.json").decode()
    for field in ("size", "sha256"):
        old = json.dumps(json.loads(text)[field])
        text = text.replace(f'"{field}": {old}', f'"{field}": {json.dumps(metadata[field])}')
    site.write(f"{key}.json", text.encode(), "writer=helm-datashield", "release=ds")
    before = site.data()
    run = site.restore(key)
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    assert (f'[fetch] FAILED: s3://{site.bucket}/{key} creates no table "new\\nline", which its metadata counts: '
            "the backup is damaged") in run.log
    assert site.data() == before

"""Table names are data (issue 14 b): whatever a table is called (white space, quotes, a keyword,
non-ASCII, a tab, a newline), the pods count its rows right, record its exact name in the metadata,
and compare it right at restore, in both backup formats, on the real pods, S3 server, AWS CLI and
database."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.runtime.conftest import DATABASE, OURS, Site, edit_metadata, metadata_text, rewrite_backup
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


def counted(name: str) -> str:
    """The name a table of public is counted under (scripts/lib.sh COUNTED_NAME): bare, unless it holds "."
    or '"': then public."<name>" (as quote_ident quotes any such name)."""
    return f"public.{quoted(name)}" if "." in name or '"' in name else name


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
    assert json.loads(site.read(f"{key}.json"))["tables"] == {
        "audit": 500, "enclaves": 3, **{counted(name): count for name, count in rows.items()}}
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
        "audit": 500, "enclaves": 3, "audit log": 2, "log": 3, 'public."a""b"': 4, "ab": 5, "tab\there": 6,
        "tab here": 8}


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


# A dump whose CREATE TABLE of a counted table was changed: a table of an odd name (public), and a table of another
# schema, in pg_dump's form as cockroach dump v20.2 writes a schema's table. (tables added, the CREATE TABLE written,
# what it becomes, the table as the failure names it)
@pytest.mark.parametrize(("tables", "written", "changed", "named"), [
    pytest.param("odd name", b'"new\nline"', b'"new line"', '"new\\nline"', id="odd-name"),
    pytest.param("schemas", b"CREATE TABLE ops.vault (", b"CREATE TABLE ops.other (", '"ops.vault"',
                 id="another-schema"),
])
def test_a_dump_that_lacks_a_counted_table_is_refused_before_the_drop(site: Site, tables: str, written: bytes,
                                                                      changed: bytes, named: str) -> None:
    if tables == "odd name":
        add_table(site, "new\nline", 2)
    else:
        add_schema_tables(site)
    assert site.backup().returncode == 0
    [key] = backup_keys(site)
    dump = site.read(key)
    assert written in dump
    rewrite_backup(site, key, dump.replace(written, changed))
    before = site.data()
    run = site.restore(key)
    assert (run.returncode, run.failed_container) == (1, "fetch"), run.log
    assert (f"[fetch] FAILED: s3://{site.bucket}/{key} creates no table {named}, which its metadata counts: "
            "the backup is damaged") in run.log
    assert site.data() == before


# Tables of other schemas (CockroachDB has user-defined schemas from v20.2), and a table of public whose name
# is another's schema-qualified name: each counted apart, under the name COUNTED_NAME gives it.
SCHEMA_TABLES = {("ops", "vault"): 3, ("Odd Schema", "t.1"): 2, ("public", "ops.vault"): 4, ("ops", "audit"): 6}
SCHEMA_COUNTED = {"ops.vault": 3, '"Odd Schema"."t.1"': 2, 'public."ops.vault"': 4, "ops.audit": 6}


def add_schema_tables(site: Site) -> None:
    site.db.psql('CREATE SCHEMA ops; CREATE SCHEMA "Odd Schema"', DATABASE)
    for (schema, name), rows in SCHEMA_TABLES.items():
        site.db.psql(f"CREATE TABLE {quoted(schema)}.{quoted(name)} (id integer PRIMARY KEY);"
                     f"INSERT INTO {quoted(schema)}.{quoted(name)} SELECT generate_series(1, {rows})", DATABASE)


def schema_rows(site: Site) -> dict[tuple[str, str], int]:
    return {(schema, name): int(site.db.psql(f"SELECT count(*) FROM {quoted(schema)}.{quoted(name)}", DATABASE))
            for schema, name in SCHEMA_TABLES}


@pytest.mark.parametrize("backup_format", ["sql", "native"])
def test_the_tables_of_every_schema_are_counted_schema_qualified_and_compared(site: Site, backup_format: str) -> None:
    """Issue 24 §5: only schema public was counted, so a table of another schema that a backup lost passed
    every check. Both seams count every schema's tables, and the restore compares them all."""
    add_schema_tables(site)
    run = site.backup(Format=backup_format)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    [key] = backup_keys(site) if backup_format == "sql" else native_keys(site)
    metadata = json.loads(site.read(f"{key}.json"))
    assert (metadata["tableNames"], metadata["tables"]) == (
        "schema-qualified", {"audit": 500, "enclaves": 3, **SCHEMA_COUNTED})
    for schema, name in SCHEMA_TABLES:
        site.db.psql(f"DELETE FROM {quoted(schema)}.{quoted(name)} WHERE id > 1", DATABASE)
    run = site.restore("latest", backup={"Format": backup_format})
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert f"[restore] restored malbork: {2 + len(SCHEMA_TABLES)} tables, row counts as recorded" in run.log
    assert schema_rows(site) == SCHEMA_TABLES


def test_a_restore_that_loses_rows_of_another_schema_fails(site: Site) -> None:
    add_schema_tables(site)
    assert site.backup().returncode == 0
    [key] = backup_keys(site)
    edit_metadata(site, key, tables={"audit": 500, "enclaves": 3, **SCHEMA_COUNTED, "ops.vault": 9})
    run = site.restore(key)
    assert (run.returncode, run.failed_container) == (1, "restore"), run.log
    assert ('[restore] FAILED: the restored tables differ from the backup\'s metadata: "ops.vault": 3 rows, the '
            "metadata records 9; ") in run.log


def test_a_backup_counted_before_other_schemas_were_restores_as_it_did(site: Site) -> None:
    """Metadata without "tableNames" names each table of public bare, "a.b" and 'a"b' too: compared with
    today's counts (public."a.b") as such, both before the drop (the dump creates them) and after the import."""
    for name, rows in [("x.y (z)", 2), ('a"b', 3), ("plain", 4)]:
        add_table(site, name, rows)
    assert site.backup().returncode == 0
    [key] = backup_keys(site)
    metadata = json.loads(site.read(f"{key}.json"))
    del metadata["tableNames"]
    metadata["tables"] = {"audit": 500, "enclaves": 3, "x.y (z)": 2, 'a"b': 3, "plain": 4}
    site.write(f"{key}.json", metadata_text(metadata), *OURS)
    run = site.restore(key)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert "[restore] restored malbork: 5 tables, row counts as recorded" in run.log


def test_a_backup_counted_before_other_schemas_were_compares_the_tables_of_public_only(site: Site) -> None:
    """Its pods counted public's tables only (cockroach dump has dumped other schemas since v20.2): the tables
    of other schemas it restores are said, not compared (red team: they failed the restore after the DROP)."""
    site.db.psql("CREATE SCHEMA ops; CREATE TABLE ops.vault (id integer PRIMARY KEY);"
                 "INSERT INTO ops.vault SELECT generate_series(1, 3)", DATABASE)
    add_table(site, "x.y", 2)
    assert site.backup().returncode == 0
    [key] = backup_keys(site)
    metadata = json.loads(site.read(f"{key}.json"))
    del metadata["tableNames"]
    metadata["tables"] = {"audit": 500, "enclaves": 3, "x.y": 2}  # what the earlier pods counted
    site.write(f"{key}.json", metadata_text(metadata), *OURS)
    site.db.psql("DELETE FROM ops.vault", DATABASE)
    run = site.restore(key)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert ("[restore] the backup's metadata counts the tables of schema public only (written before other schemas "
            "were counted): tables of other schemas restored but not compared: 1") in run.log.splitlines()
    assert int(site.db.psql("SELECT count(*) FROM ops.vault", DATABASE)) == 3
    metadata["tables"]["x.y"] = 5
    site.write(f"{key}.json", metadata_text(metadata), *OURS)
    run = site.restore(key)
    assert (run.returncode, run.failed_container) == (1, "restore"), run.log
    assert ('[restore] FAILED: the restored tables differ from the backup\'s metadata: "public.\\"x.y\\"": 2 rows, '
            "the metadata records 5; ") in run.log


def test_a_local_file_whose_metadata_names_a_table_in_any_script_restores(site: Site) -> None:
    """helm datashield-restore --from ./file.sql with its metadata beside it: the command writes the names as
    the database does (UTF-8), not as \\u escapes that compare unequal byte for byte (red team)."""
    from renderer.restore.plan import local_backup
    from tests.runtime.test_restore_command import store

    add_table(site, "naïve", 2)
    assert site.backup().returncode == 0
    [key] = backup_keys(site)
    local = site.work / "backup.sql"
    local.write_bytes(site.read(key))
    beside = json.loads(site.read(f"{key}.json"))
    backup, upload = local_backup(str(local), local.stat().st_size, hashlib.sha256(local.read_bytes()).hexdigest(),
                                  beside, "ds", "prod", "", "20261124-010203")
    bucket = store(site)
    bucket.put_verified(upload.path, upload.key)
    bucket.put_verified(upload.metadata, upload.key + ".json")
    run = site.restore(backup.name)
    assert (run.returncode, run.failed_container) == (0, None), run.log
    assert "[restore] restored malbork: 3 tables, row counts as recorded" in run.log

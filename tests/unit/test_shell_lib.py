"""The shell library of the pods (renderer/postrender/templates/scripts/lib.sh), run by the real /bin/sh."""

from __future__ import annotations

import subprocess
import urllib.parse
from pathlib import Path

import pytest

from tools.template_compiler import TEMPLATES

LIB = (TEMPLATES / "scripts" / "lib.sh").read_text(encoding="utf-8")
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ENV = {"STEP": "test", "S3_BUCKET": "acme-backups", "S3_PREFIX": "prod", "S3_ENDPOINT": "https://s3.example.com",
       "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": SECRET, "PATH": "/usr/bin:/bin"}


def sh(command: str, **env: str) -> str:
    """The output of `command` run after the library, by /bin/sh (dash here, like the images' sh)."""
    done = subprocess.run(["/bin/sh", "-ec", f"{LIB}\n{command}"], env={**ENV, **env}, capture_output=True, text=True,
                          check=True, timeout=30)
    return done.stdout


def test_backup_url_carries_every_key_exactly() -> None:
    url = sh('backup_url "$(key_of ds-20261124T000000Z.native)"')
    parts = urllib.parse.urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("s3", "acme-backups", "/prod/ds-20261124T000000Z.native")
    assert dict(urllib.parse.parse_qsl(parts.query)) == {
        "AWS_ENDPOINT": "https://s3.example.com", "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": SECRET}


@pytest.mark.parametrize("message,expected", [
    pytest.param("ERROR: cannot write to s3://b/k?AWS_ENDPOINT=x&AWS_ACCESS_KEY_ID=AKIA1"
                 "&AWS_SECRET_ACCESS_KEY=%41%42 now",
                 "ERROR: cannot write to s3://b/k?AWS_ENDPOINT=x&AWS_ACCESS_KEY_ID=redacted"
                 "&AWS_SECRET_ACCESS_KEY=redacted now", id="url-parameters"),
    pytest.param(f"ERROR: 'AWS_SECRET_ACCESS_KEY={SECRET}'", "ERROR: 'AWS_SECRET_ACCESS_KEY=redacted'",
                 id="quoted"),
    pytest.param(f"signature computed with {SECRET}", "signature computed with (redacted)", id="bare-secret"),
    pytest.param("connection refused", "connection refused", id="nothing-to-hide"),
])
def test_redacted(message: str, expected: str) -> None:
    assert sh(f"redacted {_quote(message)}") == expected


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


@pytest.mark.parametrize("key", ["ds-20261124T000000Z.native", "it's $(touch x) `id` \"q\" \\ & ? # % + =.native",
                                 "clé/ключ/鍵.native"])
def test_backup_url_carries_any_key_as_data(key: str) -> None:
    """The key is percent-encoded in the URL's path (Go's url.Parse, which CockroachDB uses,
    decodes it), so no quote, "?" or "#" in it changes the URL or the SQL statement it goes into."""
    url = sh('backup_url "$KEY"', KEY=key)
    parts = urllib.parse.urlsplit(url)
    assert "'" not in url and " " not in url
    assert urllib.parse.unquote(parts.path) == f"/{key}"


@pytest.mark.parametrize("text,line", [
    pytest.param("cannot list s3://b/: \nAn error occurred (ServiceUnavailable) when calling the ListObjectsV2 "
                 "operation: Please reduce your request rate.\n",
                 "[test] FAILED: cannot list s3://b/: An error occurred (ServiceUnavailable) when calling the "
                 "ListObjectsV2 operation: Please reduce your request rate.", id="aws-cli-v1-newline-first"),
    pytest.param("a\tb\r\n\n  c  ", "[test] FAILED: a b c", id="white-space-collapsed"),
])
def test_a_failure_is_one_line_with_its_reason(text: str, line: str) -> None:
    done = subprocess.run(["/bin/sh", "-ec", f'{LIB}\nfail "$TEXT"'], env={**ENV, "TEXT": text}, capture_output=True,
                          text=True, check=False, timeout=30)
    assert (done.returncode, done.stderr) == (1, line + "\n")


@pytest.mark.parametrize("value", ["x';touch /tmp/INJECTED;'", "$(touch /tmp/INJECTED)", "`touch /tmp/INJECTED`",
                                   'a "b" \\ c', "ünïcødé key.sql", "-n", ""])
def test_values_handed_between_steps_are_data(value: str, tmp_path: Path) -> None:
    """Written by one step and read by the next as files, never sourced: no value runs."""
    out = sh('put_values restore key "$VALUE" format sql && printf "[%s|%s]" "$(value restore key)" '
             '"$(value restore format)"', VALUE=value, WORK_DIR=str(tmp_path))
    assert out == f"[{value}|sql]"
    assert sorted(p.name for p in (tmp_path / "restore").iterdir()) == ["format", "key"]


@pytest.mark.parametrize(("namespace", "cluster", "dump_prefix", "name"), [
    ("prod", "111", "", "prod/ds-20261124T010530Z-111.sql"),
    ("staging", "111", "", "staging/ds-20261124T010530Z-111.sql"),
    ("prod", "222", "", "prod/ds-20261124T010530Z-222.sql"),
    ("prod", "111", "pre-restore-", "prod/pre-restore-ds-20261124T010530Z-111.sql"),
    ("staging", "111", "pre-restore-", "staging/pre-restore-ds-20261124T010530Z-111.sql"),
    ("prod", "222", "pre-restore-", "prod/pre-restore-ds-20261124T010530Z-222.sql"),
])
def test_what_one_release_writes_in_one_second_is_named_by_namespace_and_cluster(
        namespace: str, cluster: str, dump_prefix: str, name: str) -> None:
    """Backups and safety dumps (dump.sh) of one release taken in one second in two namespaces or two
    database clusters never share a key."""
    assert sh('object_name 20261124T010530Z "$CLUSTER" sql', NAMESPACE=namespace, RELEASE="ds", CLUSTER=cluster,
              DUMP_PREFIX=dump_prefix) == name


LOAD = (TEMPLATES / "scripts" / "load.sh").read_text(encoding="utf-8")
MANY = "".join(f'"t{n}": 1\n' for n in range(2000))


@pytest.mark.parametrize("recorded,restored,reason", [
    pytest.param('"a": 1\n"b": 2\n', '"a": 1\n"b": 2\n', "", id="as-recorded"),
    pytest.param(MANY.replace('"t7": 1', '"t7": 2'), MANY, '"t7": 1 rows, the metadata records 2', id="one-of-2000"),
    # The name holds '": ' and digits: the line is split before its last ": ".
    pytest.param('"x\\": 5": 3\n', '"x\\": 5": 4\n', '"x\\": 5": 4 rows, the metadata records 3', id="colon-in-name"),
    pytest.param('"new\\nline": 1\n', "", '"new\\nline": missing, the metadata records 1', id="escaped-newline"),
    pytest.param("", '"a": 1\n', '"a": 1 rows, not in the metadata', id="metadata-counts-none"),
    # Beyond 2^53, a number awk would round: compared as text.
    pytest.param('"big": 9007199254740993\n', '"big": 9007199254740992\n',
                 '"big": 9007199254740992 rows, the metadata records 9007199254740993', id="beyond-2^53"),
])
def test_tables_differ_names_each_table_that_differs(recorded: str, restored: str, reason: str,
                                                     tmp_path: Path) -> None:
    (tmp_path / "recorded").write_text(recorded, encoding="utf-8")
    (tmp_path / "restored").write_text(restored, encoding="utf-8")
    assert sh(f'{LOAD}\ntables_differ "$DIR/recorded" "$DIR/restored"', DIR=str(tmp_path)) == reason

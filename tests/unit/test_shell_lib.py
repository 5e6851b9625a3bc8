"""The shell library of the pods (renderer/postrender/templates/scripts/lib.sh), run by the real /bin/sh."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import http.server
import json
import random
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
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


# The two awks of the pods' images (renderer/values/images.py): GNU awk in the AWS CLI images, mawk in
# Debian 9's CockroachDB image; each with the /bin/sh of its image (bash, dash).
AWKS = [pytest.param("gawk", "bash", id="gawk-bash"), pytest.param("mawk", "dash", id="mawk-dash")]
S3_LIB = (TEMPLATES / "scripts" / "s3.sh").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def awk_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A PATH per awk: this machine's programs, with `awk` that awk."""
    paths = {}
    for awk in ("gawk", "mawk"):
        folder = tmp_path_factory.mktemp(awk)
        (folder / "awk").symlink_to(f"/usr/bin/{awk}")
        paths[awk] = f"{folder}:/usr/bin:/bin"
    return paths


def run_with(awk_paths: dict[str, str], awk: str, shell: str, command: str, data: bytes = b"",
             lib: str = LIB) -> bytes:
    done = subprocess.run([f"/bin/{shell}", "-ec", f"{lib}\n{command}"], input=data, capture_output=True, check=True,
                          env={**ENV, "PATH": awk_paths[awk]}, timeout=60)
    return done.stdout


@pytest.mark.parametrize("awk,shell", AWKS)
@pytest.mark.parametrize("data,text", [
    pytest.param(b"", '""', id="empty"),
    pytest.param(b"plain", '"plain"', id="plain"),
    pytest.param(b"a\nb\n", '"a\\nb\\n"', id="newlines-kept-last-too"),
    pytest.param(b'q"b\\t\tr\rf\x0cb\x08', '"q\\"b\\\\t\\tr\\rf\\fb\\b"', id="json-short-escapes"),
    pytest.param(b"\x01\x1f\x7f", '"\\u0001\\u001f\x7f"', id="other-control-characters"),
    pytest.param("ünï€😀".encode(), '"ünï€😀"', id="utf-8-as-it-is"),
    pytest.param(b"caf\xe9", '"caf\ufffd"', id="latin-1-byte"),
    pytest.param(b"\xe2\x82", '"\ufffd"', id="cut-short-sequence-is-one-replacement"),
    pytest.param(b"\xed\xa0\x80", '"\ufffd\ufffd\ufffd"', id="surrogate-is-three"),
    pytest.param(b"\xc0\x80\xf5", '"\ufffd\ufffd\ufffd"', id="bytes-never-in-utf-8"),
])
def test_json_text(awk_paths: dict[str, str], awk: str, shell: str, data: bytes, text: str) -> None:
    assert run_with(awk_paths, awk, shell, "json_text", data).decode("utf-8") == text


@pytest.mark.parametrize("awk,shell", AWKS)
def test_json_text_writes_what_python_json_writes(awk_paths: dict[str, str], awk: str, shell: str) -> None:
    """Any bytes: json.dumps(data.decode("utf-8", "replace"), ensure_ascii=False), byte for byte (the reason of
    a drill record quotes psql's lines in any encoding). Inputs built from the bytes where UTF-8 decoding has
    its edges, one run of the shell for all of them."""
    edges = [0x0a, 0x22, 0x41, 0x5c, 0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe2,
             0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff]
    rng = random.Random(23)
    inputs = [bytes(rng.choice(edges) for _ in range(rng.randint(0, 9))) for _ in range(400)]
    script = "".join(f"printf '%b' '{octal(data)}' | json_text; echo\n" for data in inputs)
    lines = run_with(awk_paths, awk, shell, script).split(b"\n")[:-1]
    assert lines == [json.dumps(data.decode("utf-8", "replace"), ensure_ascii=False).encode() for data in inputs]


def octal(data: bytes) -> str:
    """`data` as printf's %b writes it back, byte for byte (\0NNN each)."""
    return "".join(f"\\0{byte:03o}" for byte in data)


def tables(*names: str) -> str:
    """An expected-tables file: '"name": rows' lines, the names JSON as the database writes them."""
    return "".join(f"{json.dumps(name, ensure_ascii=False)}: 1\n" for name in sorted(names))


@pytest.mark.parametrize("awk,shell", AWKS)
@pytest.mark.parametrize("counted,sql,missing", [
    pytest.param(["users", "audit"], "CREATE TABLE users (\n id INT\n);\nCREATE TABLE audit (\n);\n", [], id="bare"),
    pytest.param(["users"], "CREATE TABLE public.users (\n id integer\n);\n", [], id="after-a-schema"),
    pytest.param(["audit log", 'a"b', "Select", "new\nline", "ünï"],
                 'CREATE TABLE public."audit log" (\n);\nCREATE TABLE "a""b" (\n);\nCREATE TABLE "Select" (\n);\n'
                 'CREATE TABLE public."new\nline" (\n);\nCREATE TABLE "ünï" (\n);\n', [], id="quoted-odd-names"),
    pytest.param(["users", "audit"], "CREATE TABLE users (\n);\n", ['"audit"'], id="one-missing"),
    pytest.param(["new\nline"], 'CREATE TABLE "new line" (\n);\n', ['"new\\nline"'], id="newline-is-not-space"),
    pytest.param(["a (b"], 'CREATE TABLE "a (b" (\n);\n', [], id="name-holding-space-paren"),
    pytest.param(["users"], "-- CREATE TABLE users (\nCREATE TABLE users_old (\n);\n", ['"users"'],
                 id="a-prefix-or-comment-is-not-the-table"),
    pytest.param(["t"], "CREATE TABLE x.y.t (\n);\n", ['"t"'], id="only-one-schema"),
    pytest.param([], "CREATE TABLE t (\n);\n", [], id="nothing-counted"),
    pytest.param(["\U0001F600\u2028"], 'CREATE TABLE "\U0001F600\u2028" (\n);\n', [], id="json-surrogate-pair"),
    pytest.param(["a", "b"], "CREATE TABLE a (\n" + "".join(f"\tcolumn_{i:02} INT8 NULL,\n" for i in range(30)) +
                 '\tFAMILY "primary" (rowid)\n);\n\nCREATE TABLE b (\n\tid INT8\n);\n', [],
                 id="tables-longer-than-a-name-before-the-last"),
])
def test_not_created(awk_paths: dict[str, str], awk: str, shell: str, tmp_path: Path, counted: list[str], sql: str,
                     missing: list[str]) -> None:
    """NOT_CREATED (s3.sh): the counted tables no CREATE TABLE creates, as the metadata names them."""
    (tmp_path / "expected").write_text(tables(*counted), encoding="utf-8")
    if counted and "\U0001F600" in counted[0]:  # as a database's to_json may write it: ASCII-only JSON
        (tmp_path / "expected").write_text(json.dumps(counted[0]) + ": 1\n", encoding="utf-8")
    (tmp_path / "dump.sql").write_text(sql, encoding="utf-8")
    out = run_with(awk_paths, awk, shell, f'LC_ALL=C awk "$NOT_CREATED" {tmp_path}/expected {tmp_path}/dump.sql',
                   lib=f"{LIB}\n{S3_LIB}")
    assert out.decode("utf-8").splitlines() == missing


@pytest.mark.parametrize("awk,shell", AWKS)
def test_not_created_stops_reading_once_every_table_is_seen(awk_paths: dict[str, str], awk: str, shell: str,
                                                           tmp_path: Path) -> None:
    """The data after the last CREATE TABLE is never read when every counted table was seen: a dump that goes
    on for ever (a pipe that never ends) is checked and done."""
    (tmp_path / "expected").write_text(tables("a", "b"), encoding="utf-8")
    script = (f'{{ printf "CREATE TABLE a (\\n);\\nCREATE TABLE b (\\n);\\n"; yes "INSERT INTO a VALUES (1);"; }} | '
              f'LC_ALL=C awk "$NOT_CREATED" {tmp_path}/expected -; echo done')
    assert run_with(awk_paths, awk, shell, script, lib=f"{LIB}\n{S3_LIB}") == b"done\n"


# A stand-in for the AWS CLI (enough for get_summed and put_verified): the bucket is a folder, FAKE_S3;
# `s3 cp FILE s3://b/KEY` stores; `s3api get-object --bucket b --key KEY OUTFILE` writes the object to OUTFILE
# and its JSON answer to stdout, as the real one does; FAKE_S3_FAIL=KEY makes the download of KEY write a
# part of it and then fail, as a connection cut mid-way does.
FAKE_AWS = """#!/bin/sh
while [ "$1" != s3 ] && [ "$1" != s3api ]; do shift; done
if [ "$1" = s3 ]; then
  while [ "$1" != cp ]; do shift; done; shift
  while [ "${1#--}" != "$1" ]; do case $1 in --metadata) shift 2 ;; *) shift ;; esac; done
  key=${2#s3://*/}; mkdir -p "$(dirname "$FAKE_S3/$key")"; exec cp "$1" "$FAKE_S3/$key"
fi
shift 2
while [ "${1#--}" != "$1" ]; do case $1 in --key) key=$2; shift 2 ;; *) shift 2 ;; esac; done
if [ ! -f "$FAKE_S3/$key" ]; then
  echo "An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist." >&2
  exit 254
fi
if [ "${FAKE_S3_FAIL:-}" = "$key" ]; then
  head -c 5 "$FAKE_S3/$key" > "$1"; echo "Connection was closed before we received a valid response" >&2; exit 255
fi
cat "$FAKE_S3/$key" > "$1" && echo '{"ContentLength": 1}'
"""


@pytest.fixture
def fake_s3(tmp_path: Path) -> dict[str, str]:
    """The environment of a step whose `aws` is FAKE_AWS, its bucket a folder, its work folder another."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "aws").write_text(FAKE_AWS, encoding="utf-8")
    (tmp_path / "bin" / "aws").chmod(0o755)
    for folder in ("bucket", "work"):
        (tmp_path / folder).mkdir()
    (tmp_path / "bucket" / "k.sql").write_bytes(b"CREATE TABLE a (\n);\n" * 1000)
    return {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "FAKE_S3": str(tmp_path / "bucket"),
            "WORK_DIR": str(tmp_path / "work"), "S3_CALL_TIMEOUT": "60", "RELEASE": "ds"}


def step(command: str, env: dict[str, str], shell: str = "dash") -> subprocess.CompletedProcess[str]:
    """`command` after lib.sh and s3.sh, as a step of the pods runs it."""
    return subprocess.run([f"/bin/{shell}", "-ec", f"{LIB}\n{S3_LIB}\n{command}"], env={**ENV, **env},
                          capture_output=True, text=True, check=False, timeout=60)


@pytest.mark.parametrize("shell", ["dash", "bash"])
def test_get_summed_sums_what_it_writes_in_one_pass(fake_s3: dict[str, str], shell: str) -> None:
    done = step('get_summed k.sql "$WORK_DIR/got"; echo "$summed_size $summed_sha256"', fake_s3, shell)
    data = Path(fake_s3["FAKE_S3"], "k.sql").read_bytes()
    assert (done.returncode, done.stdout) == (0, f"{len(data)} {hashlib.sha256(data).hexdigest()}\n"), done.stderr
    assert Path(fake_s3["WORK_DIR"], "got").read_bytes() == data


@pytest.mark.parametrize("shell", ["dash", "bash"])
@pytest.mark.parametrize("command,env,line", [
    pytest.param('get_summed k.sql "$WORK_DIR/got"', {"FAKE_S3_FAIL": "k.sql"},
                 "[test] FAILED: cannot download s3://acme-backups/k.sql: Connection was closed before we received a "
                 "valid response", id="cut-mid-way"),
    pytest.param('get_summed gone.sql "$WORK_DIR/got"', {},
                 "[test] FAILED: cannot download s3://acme-backups/gone.sql: An error occurred (NoSuchKey) when "
                 "calling the GetObject operation: The specified key does not exist.", id="missing"),
    pytest.param("get_summed k.sql /dev/full", {},
                 "[test] FAILED: cannot download s3://acme-backups/k.sql: cannot write /dev/full: tee: /dev/full: No "
                 "space left on device", id="disk-full"),
    pytest.param("get_summed k.sql /dev/null x; echo $summed_sha256 > /dev/null; exit 1", {}, "", id="to-nowhere"),
])
def test_get_summed_says_why_it_failed(fake_s3: dict[str, str], shell: str, command: str, env: dict[str, str],
                                       line: str) -> None:
    done = step(command, {**fake_s3, **env}, shell)
    assert (done.returncode, done.stderr.splitlines()[-1:]) == (1, [line] if line else []), done.stderr


def test_put_verified_leaves_the_dumps_values_alone(fake_s3: dict[str, str]) -> None:
    """The backup's log line after the metadata's upload names the dump's SHA-256, not the metadata's."""
    Path(fake_s3["WORK_DIR"], "d.json").write_text("{}\n", encoding="utf-8")
    done = step('sha256=dumped size=7; put_verified "$WORK_DIR/d.json" d.json; echo "$size $sha256"', fake_s3)
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "7 dumped"), done.stderr


def test_put_verified_compares_with_the_recorded_sha256(fake_s3: dict[str, str]) -> None:
    """A file that changed on the disk after its SHA-256 was taken reads back as not what was uploaded."""
    Path(fake_s3["WORK_DIR"], "d.sql").write_text("changed\n", encoding="utf-8")
    done = step(f'put_verified "$WORK_DIR/d.sql" d.sql {hashlib.sha256(b"dumped").hexdigest()}', fake_s3)
    assert (done.returncode, done.stderr.splitlines()[-1]) == (
        1, "[test] FAILED: s3://acme-backups/d.sql does not match what was uploaded (SHA-256 differs)")


@pytest.mark.parametrize("shell", [["/bin/dash"], ["/bin/bash", "--posix"]], ids=["dash", "bash-as-sh"])
@pytest.mark.parametrize("ends,status", [("return 4", 4), ("exit 3", 3), ("sh -c 'kill -KILL $PPID'", 137)],
                         ids=["returns", "exits", "killed"])
def test_alive_gives_the_status_of_a_command_that_ends_without_writing_it(tmp_path: Path, shell: list[str],
                                                                            ends: str, status: int) -> None:
    """lib.sh alive: a command that ends without writing its status (a function that exits, a process killed) is
    waited for once. Bash run as sh (the AWS CLI images' /bin/sh) says on stderr that a pid waited for twice "is
    not a child of this shell", which broke the one-line log of a restore pod's fetch step."""
    done = subprocess.run([*shell, "-ec", f'{LIB}\nends() {{ {ends}; }}\nrc=0\n'
                           f'for i in 1 2 3; do alive "ending" "" ends < /dev/null || rc=$?; echo "$rc"; done'],
                          env={**ENV, "WORK_DIR": str(tmp_path), "STEP": "test"}, capture_output=True, text=True,
                          check=False, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{status}\n" * 3, "")


# Side by side (the backup pod's containers, BESIDE set): the exit code a container ends with. KEPT_EXIT (3) tells the
# Job's podFailurePolicy that a complete backup was kept; a command that exits 3 before (under -e) must not say so.
@pytest.mark.parametrize(("script", "code"), [
    pytest.param("sh -c 'exit 3'", 1, id="a-command-exits-3-before-the-backup-is-complete"),
    pytest.param("fail_code=$KEPT_EXIT; fail 'retention: cannot list'", 3, id="a-failure-once-it-is-complete"),
    pytest.param("fail 'cannot write'", 1, id="a-failure-before"),
    pytest.param("sh -c 'exit 2'", 2, id="another-code-is-kept"),
    pytest.param("true", 0, id="done"),
])
def test_only_a_complete_backup_ends_with_kept_exit(tmp_path: Path, script: str, code: int) -> None:
    done = subprocess.run(["/bin/sh", "-ec", f"{LIB}\n{script}"], capture_output=True, text=True, timeout=30,
                          env={**ENV, "WORK_DIR": str(tmp_path), "BESIDE": "dump", "STEP": "upload"}, check=False)
    assert done.returncode == code, done.stderr
    assert (tmp_path / "upload.status").read_text(encoding="utf-8").strip() == str(code)


class _Answer(http.server.BaseHTTPRequestHandler):
    """An object store's refusal of a HEAD without credentials, with the header lines the test sets (and no Date
    unless it sets one: send_response would add the server's)."""

    headers_sent: tuple[str, ...] = ()

    def do_HEAD(self) -> None:
        self.wfile.write("".join(f"{line}\r\n" for line in ("HTTP/1.1 403 Forbidden", *self.headers_sent,
                                                           "Content-Length: 0", "")).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def answering(tmp_path: Path) -> Iterator[Callable[..., dict[str, str]]]:
    """A step's environment whose S3_ENDPOINT answers with the header lines given."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def env(*header_lines: str) -> dict[str, str]:
        _Answer.headers_sent = header_lines
        return {"S3_ENDPOINT": f"http://127.0.0.1:{server.server_address[1]}", "S3_CALL_TIMEOUT": "10",
                "WORK_DIR": str(tmp_path)}
    yield env
    server.shutdown()
    server.server_close()


STORE_SECONDS = int(time.time())
STORE_TIME = email.utils.formatdate(STORE_SECONDS, usegmt=True)
# What store_date prints (as its callers take it, in $(...)), then its status when it fails.
STORE_DATE = 'if out=$(store_date); then echo "$out"; else status=$?; echo "$out"; echo "status $status"; fi'


@pytest.mark.parametrize("header_lines,out", [
    pytest.param((f"Date: {STORE_TIME}",), STORE_SECONDS, id="date"),
    pytest.param((f"date:\t{STORE_TIME}",), STORE_SECONDS, id="lower-case-and-a-tab"),
    pytest.param(("Date: Thu, 01 Jan 1970 00:00:00 GMT", f"Date: {STORE_TIME}"), STORE_SECONDS, id="the-last-one"),
    pytest.param(("Server: no clock",), "its answer has no Date header", id="no-date"),
    pytest.param(("Date: ",), "its answer has no Date header", id="an-empty-date"),
    pytest.param((f"Date: {STORE_TIME}, {STORE_TIME}",), f"its Date header is not a time: {STORE_TIME}, {STORE_TIME}",
                 id="two-joined-by-a-proxy"),
])
def test_store_date_is_the_time_of_the_stores_answer(answering: Callable[..., dict[str, str]],
                                                     header_lines: tuple[str, ...], out: int | str) -> None:
    done = step(STORE_DATE, answering(*header_lines))
    assert done.stdout == (f"{out}\n" if isinstance(out, int) else f"{out}\nstatus 1\n"), done.stderr


def test_store_date_of_a_store_that_cannot_be_reached_says_why(answering: Callable[..., dict[str, str]]) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    done = step(STORE_DATE, {**answering(), "S3_ENDPOINT": f"http://127.0.0.1:{port}"})
    [reason, status] = done.stdout.splitlines()
    assert (reason.startswith("curl: (7) "), status) == (True, "status 1"), done.stdout


@pytest.mark.parametrize("offset,line", [
    pytest.param(0, "", id="right"),
    pytest.param(-600, "", id="at-the-skew"),
    pytest.param(601, "[test] FAILED: r: the clock of node n-1 is 601 s ahead of the object store's (more than "
                 "600 s; the store wrote s3://b/k at {store}): backups named by a wrong clock sort wrong, so nothing "
                 "was done; set the node's clock right (NTP)", id="past-the-skew"),
    pytest.param(1200, "[test] FAILED: r: the clock of node n-1 is 1200 s ahead of the object store's (more than "
                 "600 s; the store wrote s3://b/k at {store}): backups named by a wrong clock sort wrong, so nothing "
                 "was done; set the node's clock right (NTP)", id="ahead"),
    pytest.param(-1200, "[test] FAILED: r: the clock of node n-1 is 1200 s behind the object store's (more than 600 "
                 "s; the store wrote s3://b/k at {store}): backups named by a wrong clock sort wrong, so nothing was "
                 "done; set the node's clock right (NTP)", id="behind"),
])
def test_clock_checked_fails_a_clock_off_by_more_than_the_skew(tmp_path: Path, offset: int, line: str) -> None:
    """The store's time as AWS CLI v1 prints a LastModified, the pod's clock `offset` s off: a `date` on PATH whose
    "now" is fixed (a time given to it, -d, is not moved), so that no second passes between the two clocks."""
    now = 1796684400
    (tmp_path / "date").write_text('#!/bin/sh\nfor a; do case $a in -d* | --date*) exec /bin/date "$@" ;; esac; done\n'
                                   f'exec /bin/date -d @{now} "$@"\n', encoding="utf-8")
    (tmp_path / "date").chmod(0o755)
    store = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - offset))
    done = step(f'clock_checked "{store}" "the store wrote s3://b/k" "r: " "nothing was done"; echo checked',
                {"NODE_NAME": "n-1", "PATH": f"{tmp_path}:/usr/bin:/bin"})
    expected = line.format(store=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - offset)))
    assert (done.stdout, done.stderr.strip()) == (("checked\n", "") if not line else ("", expected))


@pytest.mark.parametrize("store_time,line", [
    pytest.param("", "[test] FAILED: r: the store wrote s3://b/k and gave no time: nothing was done", id="none"),
    pytest.param("None", '[test] FAILED: r: the store wrote s3://b/k at "None", which is not a time: nothing was done',
                 id="not-a-time"),
])
def test_clock_checked_fails_without_a_time(store_time: str, line: str) -> None:
    done = step(f'clock_checked "{store_time}" "the store wrote s3://b/k" "r: " "nothing was done"', {})
    assert (done.returncode, done.stderr.strip()) == (1, line)


@pytest.mark.parametrize("shell", ["dash", "bash"])
def test_md5_base64_is_content_md5(tmp_path: Path, shell: str) -> None:
    """RFC 1864: the 16 bytes of the MD5 in base64; digests with every byte value (a 0, a "%", a "\\") among them."""
    sizes = range(0, 300)
    for size in sizes:
        (tmp_path / f"f{size}").write_bytes(random.Random(size).randbytes(size))
    done = step(f'for size in {" ".join(map(str, sizes))}; do md5_base64 "$WORK_DIR/f$size"; done',
                {"WORK_DIR": str(tmp_path)}, shell)
    expected = [base64.b64encode(hashlib.md5(random.Random(size).randbytes(size)).digest()).decode()
                for size in sizes]
    assert done.stdout.splitlines() == expected, done.stderr


@pytest.mark.parametrize("name", ["plain", "back\\slash", "new\nline"])
def test_digests_of_a_file_of_any_name(tmp_path: Path, name: str) -> None:
    """md5sum and sha256sum put a "\\" before the digest of a file whose name holds a "\\" or a newline."""
    data = b"{}\n"
    (tmp_path / name).write_bytes(data)
    done = step('md5_base64 "$FILE"; sha256_of "$FILE"', {"FILE": str(tmp_path / name)})
    assert done.stdout.splitlines() == [base64.b64encode(hashlib.md5(data).digest()).decode(),
                                        hashlib.sha256(data).hexdigest()], done.stderr

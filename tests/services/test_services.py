"""The test services are the real thing: the AWS CLI v1 against SeaweedFS with enforced SigV4
credentials, and pg_dump/psql against a PostgreSQL 15 server, all on loopback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported at run time by pytest_plugins below, so that pytest rewrites its asserts
    from tests.services import PostgresServer, S3Server

# The fixtures s3_server and postgres_server; a no-op once tests/conftest.py loads the same plugin.
pytest_plugins = ["tests.services"]


def _keys(s3: S3Server, bucket: str) -> list[str]:
    listing = json.loads(s3.aws("s3api", "list-objects-v2", "--bucket", bucket, "--output", "json").stdout or "{}")
    return [obj["Key"] for obj in listing.get("Contents", [])]


def test_s3_upload_list_download_delete(s3_server: S3Server, tmp_path: Path) -> None:
    s3_server.make_bucket("svc-round-trip")
    payload = tmp_path / "dump.sql.gz"
    payload.write_bytes(bytes(range(256)) * 4096)  # 1 MiB, binary
    s3_server.aws("s3", "cp", "--only-show-errors", str(payload), "s3://svc-round-trip/prod/2026/dump.sql.gz")
    assert _keys(s3_server, "svc-round-trip") == ["prod/2026/dump.sql.gz"]
    back = tmp_path / "back"
    s3_server.aws("s3", "cp", "--only-show-errors", "s3://svc-round-trip/prod/2026/dump.sql.gz", str(back))
    assert back.read_bytes() == payload.read_bytes()
    s3_server.aws("s3", "rm", "--only-show-errors", "s3://svc-round-trip/prod/2026/dump.sql.gz")
    assert _keys(s3_server, "svc-round-trip") == []


def test_s3_wrong_secret_is_refused(s3_server: S3Server, tmp_path: Path) -> None:
    s3_server.make_bucket("svc-auth")
    wrong = s3_server.env(secret="WrongSecretKeyWrongSecretKeyWrongSecret00")
    (tmp_path / "f").write_text("x")
    for args in (("s3api", "list-objects-v2", "--bucket", "svc-auth"),
                 ("s3", "cp", "--only-show-errors", str(tmp_path / "f"), "s3://svc-auth/f")):
        result = s3_server.aws(*args, check=False, env=wrong)
        assert result.returncode != 0
        assert "SignatureDoesNotMatch" in result.stderr, result.stderr
    assert _keys(s3_server, "svc-auth") == []


def test_s3_missing_bucket(s3_server: S3Server) -> None:
    result = s3_server.aws("s3api", "list-objects-v2", "--bucket", "svc-no-such-bucket", check=False)
    assert result.returncode != 0
    assert "NoSuchBucket" in result.stderr, result.stderr


def test_postgres_dump_and_restore(postgres_server: PostgresServer, tmp_path: Path) -> None:
    pg = postgres_server
    pg.create_database("svc_source")
    pg.psql("CREATE TABLE enclave (id int PRIMARY KEY, name text NOT NULL, at timestamptz);"
            "INSERT INTO enclave VALUES (1, 'prod', '2026-11-01 00:00:00+00'), (2, 'qualité ✓', NULL);",
            db="svc_source")
    dump = tmp_path / "svc_source.sql"
    subprocess.run(["pg_dump", "--no-owner", "-d", "svc_source", "-f", str(dump)], env=pg.env(), check=True,
                   capture_output=True, timeout=60)
    pg.create_database("svc_restored")
    pg.psql(dump.read_text(), db="svc_restored")
    query = "SELECT id, name, at FROM enclave ORDER BY id"
    rows = pg.psql(query, db="svc_restored")
    assert rows == pg.psql(query, db="svc_source")
    assert rows.splitlines() == ["1|prod|2026-11-01 00:00:00+00", "2|qualité ✓|"]


def test_s3_checks_the_content_md5_of_a_put(s3_server: S3Server, tmp_path: Path) -> None:
    """The claim put_checked (s3.sh) stands on, with the AWS CLI as the pods call it: the store compares a PUT's
    Content-MD5 with the bytes it received and refuses the PUT when they differ (BadDigest), keeping nothing."""
    import base64
    import hashlib

    s3_server.make_bucket("svc-md5")
    once = {**s3_server.env(), "AWS_MAX_ATTEMPTS": "1"}  # the CLI tries a BadDigest again, to the same end
    (tmp_path / "record.json").write_bytes(b'{"kind": "drill"}\n')
    for body, refused in ((b'{"kind": "drill"}\n', False), (b'{"kind": "dril"}\n', True)):
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        result = s3_server.aws("s3api", "put-object", "--bucket", "svc-md5", "--key", "r.json", "--body",
                               str(tmp_path / "record.json"), "--content-md5", md5, check=False, env=once)
        assert (result.returncode != 0, "BadDigest" in result.stderr) == (refused, refused), result.stderr
    assert _keys(s3_server, "svc-md5") == ["r.json"]
    s3_server.aws("s3api", "delete-object", "--bucket", "svc-md5", "--key", "r.json")
    result = s3_server.aws("s3api", "put-object", "--bucket", "svc-md5", "--key", "r.json", "--body",
                           str(tmp_path / "record.json"), "--content-md5",
                           base64.b64encode(hashlib.md5(b"other").digest()).decode(), check=False, env=once)
    assert (result.returncode != 0, _keys(s3_server, "svc-md5")) == (True, []), result.stderr

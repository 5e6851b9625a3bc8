"""The first backup (issue 17): the Job the post-renderer adds beside the CronJob, run for real
(tests/runtime/pods.py) against the real S3 server and PostgreSQL. A good configuration gives a
complete backup; each thing that `helm install --wait --wait-for-jobs` must catch (a missing
bucket, wrong keys, read-only keys, an unreachable endpoint, a database that is missing or never
answers) fails the pod with its reason on one `FAILED:` line; a database that answers late is
waited for."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time

import pytest

from tests.runtime.conftest import SECRET, Site
from tests.services import S3_READONLY_ACCESS_KEY_ID, S3_READONLY_SECRET_ACCESS_KEY

STAMP = r"\d{8}T\d{6}Z"
KEY = rf"prod/ds-{STAMP}-\d+\.sql"
READ_ONLY = {"AWS_ACCESS_KEY_ID": S3_READONLY_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": S3_READONLY_SECRET_ACCESS_KEY}
WRONG = {**SECRET, "AWS_SECRET_ACCESS_KEY": "WrongSecretKeyOfTheRightShape0000000000"}


def failed_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "FAILED:" in line]


def test_a_good_configuration_gives_a_complete_backup(site: Site) -> None:
    run = site.first_backup()
    assert (run.returncode, run.failed_container) == (0, None), run.log
    [key] = [k for k in site.objects() if re.fullmatch(KEY, k)]
    assert site.objects() == [key, f"{key}.json"]
    lines = run.log.splitlines()
    assert lines[0] == f"[dump] waiting for the database at 127.0.0.1:{site.db.port} (up to 1 s)", run.log
    # Whole seconds of the pod's clock: an answer at once may cross a second's boundary (seen under load).
    assert lines[1] in ("[dump] database answered after 0 s", "[dump] database answered after 1 s"), run.log
    assert f"[upload] backup complete: s3://{site.bucket}/{key} (" in run.log


def pattern(line: str, **known: str) -> str:
    """`line` as a regex: its {name}s filled in from `known`, {seconds} standing for what varies from run to
    run; everything else literal."""
    varying = {"seconds": r"\d+"}
    return "".join(varying[part[1:-1]] if part[1:-1] in varying else re.escape(known[part[1:-1]])
                   if part[1:-1] in known else re.escape(part) for part in re.split(r"(\{\w+\})", line))


# Each reason on the one FAILED line, exactly.
@pytest.mark.parametrize("case,container,line", [
    pytest.param("missing-bucket", "upload", "[upload] FAILED: upload to s3://{bucket}-missing/{key} failed: "
                 "upload failed: - to s3://{bucket}-missing/{key} An error occurred (NoSuchBucket) "
                 "when calling the PutObject operation: The specified bucket does not exist", id="missing-bucket"),
    pytest.param("wrong-keys", "upload", "[upload] FAILED: upload to s3://{bucket}/{key} failed: upload failed: "
                 "- to s3://{bucket}/{key} An error occurred (SignatureDoesNotMatch) when calling the "
                 "PutObject operation: The request signature we calculated does not match the signature you "
                 "provided. Check your key and signing method.", id="wrong-keys"),
    pytest.param("read-only-keys", "upload", "[upload] FAILED: upload to s3://{bucket}/{key} failed: upload failed: "
                 "- to s3://{bucket}/{key} An error occurred (AccessDenied) when calling the PutObject "
                 "operation: Access Denied.", id="read-only-keys"),
    pytest.param("unreachable-endpoint", "upload", "[upload] FAILED: upload to s3://{bucket}/{key} failed: upload "
                 'failed: - to s3://{bucket}/{key} Could not connect to the endpoint URL: '
                 '"http://127.0.0.1:1/{bucket}/{key}"', id="unreachable-endpoint"),
    pytest.param("missing-database", "dump", "[dump] FAILED: database malbork does not exist at 127.0.0.1:{port} "
                 "(waited {seconds} s)", id="missing-database"),
    pytest.param("database-never-answers", "dump", "[dump] FAILED: cannot reach database malbork at 127.0.0.1:1: "
                 'psql: error: connection to server at "127.0.0.1", port 1 failed: Connection refused Is the server '
                 "running on that host and accepting TCP/IP connections? (waited {seconds} s)",
                 id="database-never-answers"),
])
def test_a_wrong_configuration_fails_the_job_with_its_reason(site: Site, case: str, container: str,
                                                             line: str) -> None:
    bucket, secret, env = site.bucket, SECRET, {}
    if case == "missing-bucket":
        site.bucket += "-missing"
    elif case == "wrong-keys":
        secret = WRONG
    elif case == "read-only-keys":
        secret = READ_ONLY
    elif case == "unreachable-endpoint":
        site.endpoint = "http://127.0.0.1:1"  # nothing listens there
    elif case == "missing-database":
        site.db.psql("DROP DATABASE malbork WITH (FORCE)")
    elif case == "database-never-answers":
        env = {"DATABASE_PORT": "1"}
    run = site.first_backup(secret=secret, env=env)
    site.bucket = bucket
    assert (run.returncode, run.failed_container) == (1, container), run.log
    # A failed dump fails the upload beside it (lib.sh side_by_side); a failed upload leaves the dump alone (the
    # AWS CLI reads its input to the end: test_side_by_side.py).
    [failed] = [line for line in failed_lines(run.log) if line.startswith(f"[{container}]")]
    assert [line for line in failed_lines(run.log) if not line.startswith(f"[{container}]")] == (
        ["[upload] FAILED: the dump step failed (exit 1; its log says why): nothing was uploaded"]
        if container == "dump" else []), run.log
    [key] = re.findall(rf"\[upload\] uploading s3://[^/]+/({KEY}) ", run.log) or [""]
    assert re.fullmatch(pattern(line, bucket=bucket, key=key, port=str(site.db.port)), failed), failed
    assert [k for k in site.objects() if re.fullmatch(KEY, k)] == []
    assert SECRET["AWS_SECRET_ACCESS_KEY"] not in run.log and WRONG["AWS_SECRET_ACCESS_KEY"] not in run.log


class LateDatabase:
    """A TCP port that answers only `delay` seconds after start(): then it forwards to `upstream`
    (the real PostgreSQL), as a database pod that becomes ready while the backup waits."""

    def __init__(self, upstream: int, delay: float) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.upstream, self.delay = upstream, delay
        self.server: socket.socket | None = None

    def start(self) -> None:
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        time.sleep(self.delay)
        server = socket.create_server(("127.0.0.1", self.port))
        self.server = server
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream))
            for one, other in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(one, other), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self.server is not None:
            self.server.close()


def test_a_database_that_answers_late_is_waited_for(site: Site) -> None:
    late = LateDatabase(site.db.port, delay=5)
    late.start()
    try:
        run = site.first_backup(env={"DATABASE_PORT": str(late.port), "DATABASE_WAIT_SECONDS": "30"})
    finally:
        late.stop()
    assert (run.returncode, run.failed_container) == (0, None), run.log
    lines = run.log.splitlines()
    assert lines[0] == f"[dump] waiting for the database at 127.0.0.1:{late.port} (up to 30 s)"
    answered = re.fullmatch(r"\[dump\] database answered after (\d+) s", lines[1])
    assert answered and 4 <= int(answered.group(1)) <= 12, run.log
    assert len([k for k in site.objects() if re.fullmatch(KEY, k)]) == 1

"""Real services for the job-runtime tests, started and stopped by the tests themselves.

- S3Server: SeaweedFS (`weed server -s3`) on loopback with SigV4/HMAC credentials that it
  enforces (a wrong secret gets SignatureDoesNotMatch), driven with the real AWS CLI v1.
- PostgresServer: a throwaway PostgreSQL 15 cluster on loopback (trust auth unless told otherwise,
  e.g. TLS with client certificates; fsync off).

scripts/install-services installs both (weed and aws in .tools/services, PostgreSQL from
Debian's packages). Each server lives in a temporary directory of its own on free loopback
ports; stop() ends its processes and removes that directory. Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = ROOT / ".tools" / "services" / "bin"
WEED = TOOLS_BIN / "weed"
AWS = TOOLS_BIN / "aws"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_TOOLS = ("initdb", "pg_ctl", "postgres", "psql", "pg_dump")
INSTALL_HINT = "run scripts/install-services"

# Fake credentials of the identity of the S3 server that may do everything.
S3_ACCESS_KEY_ID = "AKIADATASHIELDTEST01"
S3_SECRET_ACCESS_KEY = "DataShieldTestFakeSecretKey0000000000000"
S3_REGION = "us-east-1"
# A second identity that may read and list, never write (a refused write, from the server itself).
S3_READONLY_ACCESS_KEY_ID = "AKIADATASHIELDREAD01"
S3_READONLY_SECRET_ACCESS_KEY = "DataShieldTestFakeReadOnlyKey00000000000"

PG_USER = "postgres"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_Server = TypeVar("_Server", "S3Server", "PostgresServer")


class ServiceError(RuntimeError):
    """A service could not be started (the fixtures turn this into a test failure with its message)."""


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports that were free a moment ago (all bound at once, then released)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def _http_get(port: int, path: str) -> str:
    """GET from 127.0.0.1:port, straight (http.client never takes a proxy)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().read().decode(errors="replace")
    finally:
        conn.close()


def _clean_env(base: Mapping[str, str] | None, drop: tuple[str, ...]) -> dict[str, str]:
    src = os.environ if base is None else base
    return {k: v for k, v in src.items() if not k.startswith(drop)}


def _prepend_path(env: dict[str, str], directory: Path) -> None:
    env["PATH"] = os.pathsep.join([str(directory), *(p for p in env.get("PATH", "").split(os.pathsep) if p)])


def _wait_until(proc: subprocess.Popen[bytes], what: str, log: Path, timeout: float, ready: Callable[[], bool],
                interval: float) -> None:
    """Polls `ready` until it is true; a server that exits or does not get there in time is an error with its log."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise ServiceError(f"{what} exited with {proc.returncode} before it was ready; "
                               f"log {log}:\n{_log_tail(log)}")
        if ready():
            return
        if time.monotonic() > deadline:
            raise ServiceError(f"{what} was not ready within {timeout:.0f} s; log {log}:\n{_log_tail(log)}")
        time.sleep(interval)


def _reap(proc: subprocess.Popen[bytes], grace: float) -> None:
    """Waits `grace` seconds for a stopping server, then kills its whole process group."""
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class S3Server:
    """One `weed server` (master, volume, filer, S3 gateway) in one process group, on 127.0.0.1."""

    def __init__(self, volume_size_mb: int = 16) -> None:
        """`volume_size_mb`: the size of each of its (at most 200) volumes; 16 MB keeps the tests' server small,
        bench/data_path.py stores dumps of a GB and more."""
        missing = [str(p) for p in (WEED, AWS) if not os.access(p, os.X_OK)]
        if missing:
            raise ServiceError(f"{', '.join(missing)} missing: {INSTALL_HINT}")
        self.dir = Path(tempfile.mkdtemp(prefix="datashield-s3-"))
        self.log = self.dir / "weed.log"
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
        self.port = s3
        self._master = master
        self._grpc = {"master": master_grpc, "volume": volume_grpc, "filer": filer_grpc, "s3": s3_grpc}
        config = self.dir / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "datashield-test-admin",
            "credentials": [{"accessKey": S3_ACCESS_KEY_ID, "secretKey": S3_SECRET_ACCESS_KEY}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }, {
            "name": "datashield-test-reader",
            "credentials": [{"accessKey": S3_READONLY_ACCESS_KEY_ID, "secretKey": S3_READONLY_SECRET_ACCESS_KEY}],
            "actions": ["Read", "List"],
        }]}))
        (self.dir / "data").mkdir()
        args = [
            str(WEED), "-logtostderr", "server",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={self.dir / 'data'}",
            f"-master.port={master}", f"-master.port.grpc={master_grpc}",
            # One master on its own: it leads at once, instead of after a ~1.6 s bootstrap check that
            # races the volume server's first heartbeat (lost, that costs a 5 s retry).
            "-master.peers=none",
            # No phoning home: the master reports usage to seaweedfs.com unless told not to.
            "-master.telemetry=false",
            # Small volumes (16 MB, not 30 GB), one grown per bucket at a time (see the environment below),
            # and room for many: each bucket is a collection with volumes of its own, so the default
            # -volume.max=8 with the default growth of 7 lets only two buckets take writes.
            f"-master.volumeSizeLimitMB={volume_size_mb}", "-volume.max=200",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
            # Its default 10 s grace before a volume server stops would only slow stop() down.
            "-volume.preStopSeconds=0",
            "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={self.dir / 'filer.sock'}",
            "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
            # Real S3 and IBM COS answer NoSuchBucket; weed would create the bucket for an admin.
            "-s3.autoCreateBucket=false",
            f"-s3.localSocket={self.dir / 's3.sock'}",
            # The Iceberg and Lance catalogs would otherwise take the fixed ports 8181 and 9101.
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
        # Without a config file weed takes AWS_* from its environment as admin keys, and WEED_* are its
        # settings (as in master.toml): none of the caller's.
        env = _clean_env(None, ("AWS_", "WEED_"))
        # GOMAXPROCS: two cores at most, whatever the machine; the volume growth: master.toml's copy_1.
        env.update(TMPDIR=str(self.dir), GOMAXPROCS="2", WEED_MASTER_VOLUME_GROWTH_COPY_1="1")
        started = time.monotonic()
        with self.log.open("wb") as log:
            self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                          cwd=self.dir, env=env, start_new_session=True)
        try:
            self._wait_until_up(timeout=60)
        except BaseException:
            self.stop(keep_dir=True)
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait_until_up(self, timeout: float) -> None:
        """Until the S3 port answers and the master knows a volume server with room (the first upload needs it)."""

        def up() -> bool:
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                _http_get(self.port, "/")  # any answer will do: unsigned, it is AccessDenied
                return bool(json.loads(_http_get(self._master, "/dir/status"))["Topology"]["Free"] > 0)
            return False

        _wait_until(self._proc, f"weed's S3 gateway on port {self.port}", self.log, timeout, up, 0.05)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self._proc.pid

    def env(self, base: Mapping[str, str] | None = None, *, secret: str = S3_SECRET_ACCESS_KEY) -> dict[str, str]:
        """An environment for the AWS CLI against this server: `base` (default os.environ) without any AWS_*
        or proxy setting of its own, no config files, the test keys, and .tools/services/bin first on PATH.
        The endpoint is not set here: pass `--endpoint-url` (self.endpoint) as a real caller does."""
        env = _clean_env(base, ("AWS_", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY",
                                "all_proxy"))
        env.update(
            AWS_ACCESS_KEY_ID=S3_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY=secret,
            AWS_DEFAULT_REGION=S3_REGION,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
            # botocore (since 1.36) adds CRC checksums to every upload and checks them on downloads; S3
            # gateways other than AWS vary in what they accept: only where an operation requires them.
            AWS_REQUEST_CHECKSUM_CALCULATION="when_required",
            AWS_RESPONSE_CHECKSUM_VALIDATION="when_required",
            NO_PROXY="127.0.0.1,localhost",
        )
        _prepend_path(env, TOOLS_BIN)
        return env

    def aws(self, *args: str, check: bool = True, env: Mapping[str, str] | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Runs the real `aws --endpoint-url <this server> ARGS` (with self.env() unless `env` is given)."""
        argv = [str(AWS), "--endpoint-url", self.endpoint, *args]
        result = subprocess.run(check=False, args=argv, env=dict(env) if env is not None else self.env(),
                                input=stdin, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def make_bucket(self, name: str) -> None:
        self.aws("s3api", "create-bucket", "--bucket", name)

    def stop(self, *, keep_dir: bool = False) -> None:
        """Ends the process group and removes its files. weed's own shutdown on SIGTERM hangs (its filer waits
        15 s for gRPC streams, then the master never exits): after 1 s it gets SIGKILL; nothing here is kept."""
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            _reap(self._proc, grace=1)
        # weed puts a gRPC unix socket per service at a fixed /tmp path, whatever TMPDIR says.
        for service, port in self._grpc.items():
            sock = Path(f"/tmp/seaweedfs-{service}-grpc-{port}.sock")
            if sock.is_socket():
                sock.unlink(missing_ok=True)
        if not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer:
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1 and a unix socket in its own directory.

    PostgreSQL refuses to run as root: as root the cluster belongs to, and runs as, Debian's `postgres`
    system user (runuser); the clients (psql, pg_dump) may run as anyone, all connect as `postgres`.
    The postmaster is this process's child (not daemonised by `pg_ctl start`), so that stop() reaps it."""

    def __init__(self, settings: Mapping[str, str] | None = None, hba: str | None = None,
                 files: Mapping[str, bytes] | None = None) -> None:
        """`settings` add to or replace the server's own; `hba` replaces pg_hba.conf; `files` are written into
        the data directory, owned by the server's user and private to it (TLS keys and certificates: relative
        paths in the settings are read from there)."""
        missing = [str(PG_BIN / t) for t in PG_TOOLS if not os.access(PG_BIN / t, os.X_OK)]
        if missing:
            raise ServiceError(f"{', '.join(missing)} missing: {INSTALL_HINT}")
        self._as_owner: list[str] = []
        self.dir = Path(tempfile.mkdtemp(prefix="datashield-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.dir)
                raise ServiceError(f"running as root needs the 'postgres' system user that Debian's "
                                   f"postgresql-15 package creates: {INSTALL_HINT}") from None
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self._as_owner = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--"]
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_ports(1)[0]
        self._proc: subprocess.Popen[bytes] | None = None
        started = time.monotonic()
        try:
            self._owner_run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", PG_USER, "--auth=trust",
                            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
            settings = {"listen_addresses": "127.0.0.1", "port": str(self.port),
                        "unix_socket_directories": str(self.dir), "TimeZone": "UTC", "max_connections": "20",
                        # Throwaway data: no waiting for the disk.
                        "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", **(settings or {})}
            for name, data in {**(files or {}), **({"pg_hba.conf": hba.encode()} if hba is not None else {})}.items():
                self._own(self.data / name, data)
            argv = [*self._as_owner, str(PG_BIN / "postgres"), "-D", str(self.data)]
            for name, value in settings.items():
                argv += ["-c", f"{name}={value}"]
            with self.log.open("wb") as log:
                self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                              cwd=self.dir, start_new_session=True)
            self._wait_until_ready(timeout=60)
        except BaseException:
            self.stop(keep_dir=True)
            raise
        self.startup_seconds = time.monotonic() - started

    def _own(self, path: Path, data: bytes) -> None:
        path.write_bytes(data)
        path.chmod(0o600)
        if self._as_owner:
            owner = pwd.getpwnam("postgres")
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def _owner_run(self, *argv: str) -> None:
        result = subprocess.run(check=False, args=[*self._as_owner, *argv], cwd=self.dir, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise ServiceError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")

    def _wait_until_ready(self, timeout: float) -> None:
        """Until postmaster.pid says "ready" (what `pg_ctl start -w` waits for)."""
        assert self._proc is not None

        def ready() -> bool:
            with contextlib.suppress(OSError):
                lines = (self.data / "postmaster.pid").read_text().splitlines()
                return len(lines) >= 8 and lines[7].strip() == "ready"
            return False

        _wait_until(self._proc, "postgres", self.log, timeout, ready, 0.02)

    @property
    def socket_dir(self) -> Path:
        return self.dir

    def dsn(self, db: str = "postgres") -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{db}"

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """An environment for libpq clients: `base` (default os.environ) without any PG* setting of its own,
        PGHOST (the unix socket: the owner's way in, whatever `hba` requires on TCP)/PGPORT/PGUSER of this
        server, and the PostgreSQL 15 bin directory first on PATH."""
        env = _clean_env(base, ("PG",))
        env.update(PGHOST=str(self.socket_dir), PGPORT=str(self.port), PGUSER=PG_USER)
        _prepend_path(env, PG_BIN)
        return env

    def psql(self, sql: str, db: str = "postgres") -> str:
        """Runs SQL (any number of statements, stopping at the first error) and returns psql's unaligned,
        tuples-only output: one row a line, columns separated by '|'."""
        argv = [str(PG_BIN / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", "-"]
        result = subprocess.run(check=False, args=argv, input=sql, env=self.env(), capture_output=True, text=True,
                                timeout=120)
        if result.returncode != 0:
            raise AssertionError(f"psql -d {db} failed ({result.returncode}):\n{result.stderr}")
        return result.stdout

    def create_database(self, name: str) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"database name {name!r}: lower-case letters, digits and _ only")
        self.psql(f'CREATE DATABASE "{name}"')

    def stop(self, *, keep_dir: bool = False) -> None:
        """Stops the cluster at once (`pg_ctl stop -m immediate`: nothing to keep), reaps it, removes its files."""
        if self._proc is not None and self._proc.poll() is None:
            subprocess.run(check=False, args=[*self._as_owner, str(PG_BIN / "pg_ctl"), "stop", "-w", "-t", "30", "-s",
                                              "-m", "immediate", "-D", str(self.data)],
                           cwd=self.dir, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
            _reap(self._proc, grace=10)  # pg_ctl could not stop it in time: the whole group is killed
        if not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def running(service: Callable[[], _Server]) -> Iterator[_Server]:
    """A server made by `service`, stopped on the way out; one that cannot start fails the test with its message."""
    try:
        server = service()
    except ServiceError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One real S3 server (SeaweedFS) for the whole session, with the fake keys of S3_ACCESS_KEY_ID."""
    with running(S3Server) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL 15 server for the whole session; tests make their own databases in it."""
    with running(PostgresServer) as server:
        yield server

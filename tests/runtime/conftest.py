"""Fixtures of the job-runtime tests: a real S3 server (SeaweedFS) and a real PostgreSQL,
started once per session and always stopped; a fresh bucket and a seeded `malbork`
database per test; the backup and restore pods rendered by the real post-renderer."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.config import Config

from tests.conftest import ROOT, run_postrenderer
from tests.runtime.certs import certificates
from tests.runtime.kube_api import KubeApi, Pod, token_dir
from tests.runtime.pods import PodRun, only, pod_spec, run_pod
from tests.services import (
    PG_BIN,
    PG_USER,
    S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY,
    TOOLS_BIN,
    PostgresServer,
    S3Server,
    running,
)

# Where the pods' programs are looked up on this machine (pods.py container_path).
SEARCH_PATH = f"{TOOLS_BIN}:{PG_BIN}:/usr/local/bin:/usr/bin:/bin:/usr/sbin"

RELEASE_INPUT = (ROOT / "tests" / "golden" / "backup" / "in.yaml").read_text(encoding="utf-8")
SECRET = {"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": S3_SECRET_ACCESS_KEY}
DATABASE = "malbork"
BUCKET = "datashield-runtime-tests"
# Rows with quotes, a newline, a backslash and non-ASCII text: a dump must carry them exactly.
SEED = """
CREATE TABLE enclaves (id integer PRIMARY KEY, name text NOT NULL, sealed bytea);
CREATE TABLE audit (id bigserial PRIMARY KEY, entry text);
INSERT INTO enclaves VALUES (1, 'payments', '\\x00ff'), (2, 'it''s "quoted"', NULL), (3, E'line\\nbreak \\\\ é', '\\x');
INSERT INTO audit (entry) SELECT 'entry ' || n FROM generate_series(1, 500) AS n;
"""
_serial = itertools.count(1)
# Site.backed_up's backups: the site's state (its repr) -> the objects the backup pod wrote (key, data, user metadata).
_BACKED_UP: dict[str, list[tuple[str, bytes, dict[str, str]]]] = {}
NATIVE_TAG = "v22.1.0"  # the first CockroachDB release line whose every version has RESTORE ... FROM LATEST IN


@dataclass
class Site:
    """One test's world: the servers, its bucket, and ways to run the pods against them."""

    s3: S3Server
    db: PostgresServer
    kube: KubeApi
    bucket: str
    work: Path
    endpoint: str = ""  # where the pods reach the object store (default: the S3 server itself)
    region: str = ""  # global.S3.Region (default: not set)
    secret_volumes: dict[str, dict[str, bytes]] = field(default_factory=dict)  # Secret name -> its files
    timeout: float = 120  # seconds each container may take (run_pod); bench/data_path.py gives large dumps more

    def values(self, restore: str | None, backup: dict[str, object], restore_values: dict[str, object]) -> Path:
        """A values file pointing the backups at this test's bucket, with Backup.<key> values, and
        restore mode from `restore` (an object key or "latest") with Restore.<key> values when given."""
        if backup.get("Format") == "native" and "Images" not in backup:
            # The pods run the PostgreSQL stand-in whatever the tag; the tag must be one native backups accept.
            backup = {**backup, "Images": {"Database": {"Tag": NATIVE_TAG}}}
        chart: dict[str, object] = {"Backup": backup}
        if restore is not None:
            chart["Restore"] = {"Enabled": True, "Backup": restore, **restore_values}
        endpoint = self.endpoint or self.s3.endpoint
        s3 = {"Endpoint": endpoint, "AllowHttp": True, "Bucket": self.bucket}
        if self.region:
            s3["Region"] = self.region
        values = {"global": {"S3": s3},
                  "enclaveos-chart": chart}
        path = self.work / f"values-{next(_serial)}.json"
        path.write_text(json.dumps(values), encoding="utf-8")
        return path

    def render(self, restore: str | None = None, backup: dict[str, object] | None = None,
               restore_values: dict[str, object] | None = None) -> str:
        """The manifests from the real post-renderer, with this site's values (restore mode if asked)."""
        values = self.values(restore, backup or {}, restore_values or {})
        done = run_postrenderer(RELEASE_INPUT, "--values", str(values))
        assert done.returncode == 0, done.stderr
        # The API stand-in authorises what the pods ask by the Role just rendered, as RBAC would.
        [role] = [d for d in yaml.safe_load_all(done.stdout) if d and d.get("kind") == "Role"]
        self.kube.rules, self.kube.role_namespace = role["rules"], role["metadata"].get("namespace", "default")
        return done.stdout

    def enter_restore_mode(self, which: str = "latest") -> dict[str, Any]:
        """What the helm upgrade into restore mode does that the pods can see: the API now serves the
        restore-mode ConfigMap, as the post-renderer renders it; returns it."""
        [configmap] = [d for d in yaml.safe_load_all(self.render(restore=which)) if d and d.get("kind") == "ConfigMap"]
        meta = configmap["metadata"]
        self.kube.configmaps[(meta.get("namespace", "default"), meta["name"])] = configmap
        return dict(configmap)

    def running(self, component: str, name: str, phase: str = "Running") -> Pod:
        """A pod of the release's `component` (backup, drill) in `phase`, with the labels the rendered pod
        template gives it (as the Job controller copies them to the pod)."""
        manifests = self.render()
        kind = "Job" if component == "restore" else "CronJob"
        template = next(d for d in yaml.safe_load_all(manifests) if d and d.get("kind") == kind and
                        d["metadata"]["labels"].get("app.kubernetes.io/component") == component)
        spec = template["spec"]["jobTemplate"]["spec"] if kind == "CronJob" else template["spec"]
        labels = {**spec["template"]["metadata"]["labels"], "job-name": name.rsplit("-", 1)[0]}
        pod = Pod(name, template["metadata"].get("namespace", "default"), labels, "node-1", phase)
        self.kube.pods.append(pod)
        return pod

    def backup(self, secret: dict[str, str] = SECRET, env: dict[str, str] | None = None,
               **backup: object) -> PodRun:
        """Runs the backup CronJob's pod once (as its schedule would)."""
        return self._run(pod_spec(self.render(backup=backup), "CronJob", "backup"), secret, env or {})

    def backed_up(self) -> None:
        """What `backup()` puts into this site's empty bucket, for a test that needs a backup to restore, drill or
        read but does not test the backup pod: the real pod runs once for each state of the site (the servers, the
        bucket, where the pods reach the store, the whole database as pg_dump writes it, the API's pods, ConfigMaps
        and faults), and later calls put its objects back, byte for byte with their user metadata (only
        LastModified is new). A backup pod is about ten AWS CLI start-ups, most of a runtime test's time (issue 26)."""
        assert self.objects() == [], "backed_up() puts a backup into an empty bucket"
        dumped = subprocess.run([str(PG_BIN / "pg_dump"), "--no-owner", "-d", DATABASE], env=self.db.env(),
                                capture_output=True, check=True, timeout=120).stdout
        # pg_dump 15.14 and later write \restrict and \unrestrict lines with a random key into every plain dump.
        database = b"".join(line for line in dumped.splitlines(keepends=True)
                            if not line.startswith((b"\\restrict ", b"\\unrestrict ")))
        # The database cluster by its identity, which names the backups (db-postgres.sh db_cluster_id), not its
        # port, which a server started later may be given again.
        cluster = self.db.psql("SELECT system_identifier FROM pg_control_system()").strip()
        kube = self.kube
        state = repr((self.s3.endpoint, cluster, self.bucket, self.endpoint, self.region, self.secret_volumes,
                      hashlib.sha256(database).hexdigest(), kube.pods, kube.configmaps, kube.failing,
                      kube.deny, kube.raw_answers))
        if state not in _BACKED_UP:
            run = self.backup()
            assert (run.returncode, run.failed_container) == (0, None), run.log
            _BACKED_UP[state] = [(key, self.read(key), self.client.head_object(Bucket=self.bucket, Key=key)["Metadata"])
                                 for key in self.objects()]
            return
        for key, data, metadata in _BACKED_UP[state]:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, Metadata=metadata)

    def drill(self, secret: dict[str, str] = SECRET, env: dict[str, str] | None = None,
              **backup: object) -> PodRun:
        """Runs the restore drill CronJob's pod once (as its schedule would)."""
        return self._run(pod_spec(self.render(backup=backup), "CronJob", "drill"), secret, env or {})

    def first_backup(self, secret: dict[str, str] = SECRET, env: dict[str, str] | None = None,
                     **backup: object) -> PodRun:
        """Runs the first backup's Job's pod (the one Job of backup mode)."""
        return self._run(pod_spec(self.render(backup=backup), "Job"), secret, env or {})

    def restore(self, which: str = "latest", secret: dict[str, str] = SECRET,
                env: dict[str, str] | None = None, backup: dict[str, object] | None = None,
                **restore_values: object) -> PodRun:
        """Runs the restore Job's pod, restore mode with Restore.Backup=`which` (and Backup.<key>,
        Restore.<key> values). Each call is a new restore run, as each run of helm datashield-restore is (a
        Restore.RunId of its own), unless `RunId` is given."""
        restore_values.setdefault("RunId", f"run-{next(_serial)}")
        return self._run(pod_spec(self.render(restore=which, backup=backup, restore_values=restore_values), "Job"),
                         secret, env or {})

    def run_steps(self, component: str, steps: list[str], work: Path, **backup: object) -> PodRun:
        """Runs only the containers `steps` of the CronJob of `component` (backup, drill), with `work` as
        WORK_DIR: calls with one `work` are parts of one pod, with whatever the test does between them."""
        work.mkdir(exist_ok=True)
        spec = only(pod_spec(self.render(backup=backup), "CronJob", component), steps)
        return self._run(spec, SECRET, {}, work)

    def run_spec(self, spec: dict[str, Any], env: dict[str, str] | None = None) -> PodRun:
        """Runs a pod spec taken from render() (pod_spec) and changed by the caller: bench/data_path.py
        wraps each container's command to measure it."""
        return self._run(spec, SECRET, env or {})

    def _run(self, spec: dict[str, Any], secret: dict[str, str], env: dict[str, str],
             work: Path | None = None) -> PodRun:
        serial = next(_serial)
        if work is None:
            work = self.work / f"pod-{serial}"
            work.mkdir()
        # A release installed in another namespace (env NAMESPACE) has its Role there.
        self.kube.role_namespace = env.get("NAMESPACE", self.kube.role_namespace)
        overrides = {"DATABASE_HOST": "127.0.0.1", "DATABASE_PORT": str(self.db.port), "PGUSER": PG_USER,
                     "WORK_DIR": str(work), "HOME": str(work),
                     "KUBE_API": self.kube.url, "KUBE_TOKEN_DIR": str(token_dir(work / "serviceaccount")),
                     "PATH": SEARCH_PATH,
                     # The pods wait 180 s for a database that does not answer: the tests, 1 s unless they say.
                     "DATABASE_WAIT_SECONDS": "1"}
        return run_pod(spec, secret, {**overrides, **env}, self.secret_volumes, self.work / f"volumes-{serial}",
                       timeout=self.timeout)

    @property
    def client(self) -> Any:
        """A boto3 client of the S3 server (the tests' own reads and writes: no CLI start-up per call)."""
        return s3_client(self.s3)

    def objects(self) -> list[str]:
        """The keys of every object in the bucket, sorted."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def write(self, key: str, data: bytes, *metadata: str) -> None:
        """Puts `data` at `key`, with user metadata given as "name=value" strings."""
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data,
                               Metadata=dict(pair.split("=", 1) for pair in metadata))

    def delete(self, *keys: str) -> None:
        for key in keys:
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def data(self) -> str:
        """Everything in the database, in a stable order (what "identical" means here)."""
        return self.db.psql("SELECT * FROM enclaves ORDER BY id; SELECT count(*), max(entry) FROM audit;"
                            "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables "
                            "WHERE table_schema = 'public'", DATABASE)


@pytest.fixture(scope="session")
def bucket(s3_server: S3Server) -> str:
    """One bucket for the session (SeaweedFS gives each bucket volumes of its own: few buckets, little memory)."""
    s3_server.make_bucket(BUCKET)
    return BUCKET


def release_pods() -> list[Pod]:
    """The pods the release's Deployment and StatefulSet would have: their template labels, on SGX nodes."""
    workloads = {d["kind"]: d for d in yaml.safe_load_all(RELEASE_INPUT) if d}
    manager = workloads["Deployment"]["spec"]["template"]["metadata"]["labels"]
    database = workloads["StatefulSet"]["spec"]["template"]["metadata"]["labels"]
    return [Pod("ds-enclaveos-manager-a", "prod", manager, "sgx-node-2"),
            Pod("ds-enclaveos-manager-b", "prod", manager, "sgx-node-1"),
            Pod("ds-enclaveos-manager-c", "prod", manager, "sgx-node-2"),
            *(Pod(f"ds-enclaveos-cockroachdb-{i}", "prod", database, f"sgx-node-{i + 1}") for i in range(3)),
            Pod("ds-enclaveos-manager-x", "staging", manager, "other-node")]


@pytest.fixture(scope="session")
def kube_api() -> Iterator[KubeApi]:
    api = KubeApi(release_pods())
    api.start()
    try:
        yield api
    finally:
        api.stop()


@functools.cache
def s3_client(server: S3Server) -> Any:
    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=S3_ACCESS_KEY_ID, aws_secret_access_key=S3_SECRET_ACCESS_KEY,
                        config=Config(s3={"addressing_style": "path"}))


def empty(s3: S3Server, bucket: str, prefix: str = "") -> None:
    """Deletes every object under `prefix` in `bucket`, and aborts every unfinished multipart upload there."""
    client = s3_client(s3)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
    for upload in client.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", []):
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])


def fresh_site(s3: S3Server, db: PostgresServer, kube: KubeApi, bucket: str, work: Path) -> Site:
    """An empty bucket and a freshly seeded database."""
    empty(s3, bucket)
    db.psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    db.create_database(DATABASE)
    db.psql(SEED, DATABASE)
    kube.requests.clear()
    kube.pods[:], kube.configmaps, kube.rules = release_pods(), {}, None
    kube.failing, kube.deny, kube.raw_answers = set(), set(), {}
    return Site(s3, db, kube, bucket, work)


@pytest.fixture
def site(s3_server: S3Server, postgres_server: PostgresServer, kube_api: KubeApi, bucket: str,
         tmp_path: Path) -> Site:
    """An empty bucket and a freshly seeded database."""
    return fresh_site(s3_server, postgres_server, kube_api, bucket, tmp_path)


CERTS_SECRET = "cockroach-client-certs"


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """Two certificate authorities, each with a server certificate for 127.0.0.1 and a client certificate
    for the database user: "trusted" (the secure server's) and "other" (one it does not trust)."""
    folder = tmp_path_factory.mktemp("certs")
    return {ca: certificates(folder / ca, f"datashield {ca} test CA", PG_USER) for ca in ("trusted", "other")}


@pytest.fixture(scope="session")
def secure_postgres_server(certs: dict[str, dict[str, bytes]]) -> Iterator[PostgresServer]:
    """A PostgreSQL that takes TLS connections with a client certificate of its CA only, as a secure
    CockroachDB cluster does (its owner gets in through the unix socket)."""
    files = {name: certs["trusted"][name] for name in ("ca.crt", "server.crt", "server.key")}
    tls = {"ssl": "on", "ssl_ca_file": "ca.crt", "ssl_cert_file": "server.crt", "ssl_key_file": "server.key"}
    hba = "local all all trust\nhostssl all all 127.0.0.1/32 cert\n"
    with running(lambda: PostgresServer(settings=tls, hba=hba, files=files)) as server:
        yield server


@pytest.fixture
def secure_site(s3_server: S3Server, secure_postgres_server: PostgresServer, kube_api: KubeApi, bucket: str,
                certs: dict[str, dict[str, bytes]], tmp_path: Path) -> Site:
    """A site whose database requires TLS and client certificates; the Secret CERTS_SECRET holds
    the trusted CA's client certificate and key (names as CockroachDB's) and its ca.crt."""
    site = fresh_site(s3_server, secure_postgres_server, kube_api, bucket, tmp_path)
    client = ("ca.crt", f"client.{PG_USER}.crt", f"client.{PG_USER}.key")
    site.secret_volumes[CERTS_SECRET] = {name: certs["trusted"][name] for name in client}
    return site


OURS = ("writer=helm-datashield", "release=ds")  # the S3 user metadata the upload step gives each object


def edit_metadata(site: Site, key: str, **fields: object) -> None:
    """Sets `fields` in the metadata object of the backup `key`, laid out as the upload step writes it."""
    metadata = json.loads(site.read(f"{key}.json"))
    site.write(f"{key}.json", metadata_text({**metadata, **fields}), *OURS)


def rewrite_backup(site: Site, key: str, data: bytes, **fields: object) -> None:
    """Replaces the data of the backup `key` with `data`, and its metadata's size and SHA-256 with `data`'s
    (and `fields`): a backup that reads back whole, only not what was dumped."""
    import hashlib

    site.write(key, data, *OURS)
    edit_metadata(site, key, size=len(data), sha256=hashlib.sha256(data).hexdigest(), **fields)


def metadata_text(fields: dict[str, object]) -> bytes:
    """A metadata object laid out as the upload step writes it: one top-level field a line, "tables" last."""
    tables = fields.get("tables", {})
    assert isinstance(tables, dict)
    lines = [f"  {json.dumps(k)}: {json.dumps(v, separators=(', ', ': '))},"
             for k, v in fields.items() if k != "tables"]
    rows = ",\n".join(f"    {json.dumps(t)}: {n}" for t, n in tables.items())
    return ("{\n" + "\n".join(lines) + '\n  "tables": {\n' + (rows + "\n" if rows else "") + "  }\n}\n").encode()


def put_backup(site: Site, key: str, data: bytes = b"-- a backup\n", release: str = "ds", namespace: str = "prod",
               **fields: object) -> dict[str, object]:
    """A complete backup pair of `release` in `namespace` at `key` (data, then metadata as the upload
    step writes it); `fields` override or add metadata fields (None removes one). Returns the metadata."""
    import hashlib
    import re as regex

    stamp = regex.search(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z", key)
    created = "{}-{}-{}T{}:{}:{}Z".format(*stamp.groups()) if stamp else "2026-01-01T00:00:00Z"
    metadata: dict[str, object] = {
        "writer": "helm-datashield", "format": key.rsplit(".", 1)[1], "object": key, "files": 1, "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(), "created": created, "release": release, "namespace": namespace,
        "database": "malbork", "tables": {"enclaves": 3}}
    cluster = regex.search(r"\dZ-([A-Za-z0-9-]+)\.(sql|native)$", key)
    if cluster:
        metadata.update({"kind": "backup", "cluster": cluster.group(1)})
    metadata.update(fields)
    metadata = {k: v for k, v in metadata.items() if v is not None}
    site.write(key, data, "writer=helm-datashield", f"release={release}")
    site.write(f"{key}.json", metadata_text(metadata), "writer=helm-datashield", f"release={release}")
    return metadata

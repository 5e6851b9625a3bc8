"""Fixtures of the restore command's tests: a real S3 server (SeaweedFS) with a bucket of
backups written as the backup Job writes them, and the cluster model of tests/fake_cluster.py
(no Kubernetes API server can run here) answering the helm and kubectl calls."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config

from renderer.edges.cluster import Cluster
from renderer.restore.command import _open_store
from renderer.restore.plan import Request
from renderer.restore.progress import Progress
from renderer.restore.session import Session
from renderer.restore.status import StatusCheck
from tests.conftest import CHART, ROOT
from tests.fake_cluster import FakeCluster, State
from tests.services import S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3Server

BUCKET = "datashield-restore-tests"
PREFIX = "enclave"
SECRET_NAME = "backup-creds"
HELM3 = str(ROOT / ".tools" / "helm3" / "helm")
RUN_ID = "20261124-010203"
PROBE_TOKEN = "0123456789abcdef"  # the random part of --status's probe key, fixed in the tests
NODES = ["sgx-1", "sgx-2"]
# name -> (recorded manager nodes, what is wrong with it): the bucket every test reads.
BACKUPS: dict[str, tuple[list[str] | None, str]] = {
    "ds-20261119T000000Z.sql": (None, "no nodes"),
    "ds-20261120T000000Z.sql": (NODES, ""),
    "ds-20261121T000000Z.sql": (["sgx-9"], ""),
    "ds-20261122T000000Z.sql": (NODES, "no metadata"),
    "ds-20261123T000000Z.sql": (NODES, ""),
    "ds-20261124T000000Z.sql": (NODES, "size differs"),
    "ds-20261118T000000Z.sql": (NODES, "bytes differ"),
}
LATEST_COMPLETE = "ds-20261123T000000Z.sql"
DRILL_FAILURE = "[check] FAILED: public.enclaves: 2 rows, the backup's metadata records 3"
# The newest object of all: a safety dump, restorable by its name but never "latest".
SAFETY_DUMP = "pre-restore-ds-20261125T000000Z.sql"  # an earlier run's, listed and restorable
SAFETY = f"s3://{BUCKET}/{PREFIX}/pre-restore-ds-20261124T010203Z.sql"  # where the fake restore Job's log saves it


# backup name -> its drill records: (stamp, fields that differ from a good record's).
DRILLS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    LATEST_COMPLETE: [("20261123T030004Z", {})],
    "ds-20261121T000000Z.sql": [("20261122T030004Z", {"verdict": "FAILED", "reason": DRILL_FAILURE})],
    "ds-20261120T000000Z.sql": [("20261120T030000Z", {}), ("20261121T030000Z", {"writer": "someone"})],
}


def iso(stamp: str) -> str:
    """A name's yyyymmddThhmmssZ stamp as ISO 8601."""
    return f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}Z"


def drill_record(backup: str, stamp: str, /, **fields: Any) -> bytes:
    """A drill record of the backup key `backup` started at `stamp`, as the drill pod writes it (one
    field a line, `tables` last; issue 18's contract); `fields` override (None removes)."""
    whole: dict[str, Any] = {
        "writer": "helm-datashield", "kind": "drill", "backup": backup, "format": backup.rsplit(".", 1)[1],
        "release": "ds", "namespace": "prod", "started": iso(stamp), "finished": iso(stamp), "durationSeconds": 66,
        "verdict": "OK", "expectedTables": {"public.enclaves": 3}, "tables": {"public.enclaves": 3}}
    whole.update(fields)
    return json.dumps({k: v for k, v in whole.items() if v is not None}, indent=2).encode()


def put_drilled(s3: Any, prefix: str, backups: dict[str, list[tuple[str, dict[str, Any]]]]) -> None:
    """Under `prefix`: each backup named (complete, as the backup Job writes it) with its drill records
    (stamp, fields that differ from a good record's)."""
    for name, drills in backups.items():
        key, data = f"{prefix}/{name}", f"-- dump {name}\n".encode()
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        meta = {**metadata(name, data, NODES), "object": key}
        s3.put_object(Bucket=BUCKET, Key=f"{key}.json", Body=json.dumps(meta, indent=2).encode())
        for stamp, fields in drills:
            s3.put_object(Bucket=BUCKET, Key=f"{key}.drill-{stamp}.json", Body=drill_record(key, stamp, **fields))


def put_cluster_backups(s3_server: S3Server, prefix: str, names: list[str]) -> None:
    """Complete backups of release ds in namespace prod under `prefix`, each `prod/ds-<stamp>-<cluster>.sql`."""
    s3 = s3_client(s3_server)
    for name in names:
        data = f"-- dump {name}\n".encode()
        meta = {**metadata(name.split("/")[1].rsplit("-", 1)[0] + ".sql", data, NODES),
                "object": f"{prefix}/{name}", "cluster": name.rsplit("-", 1)[1].removesuffix(".sql")}
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{name}", Body=data)
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{name}.json", Body=json.dumps(meta, indent=2).encode())


def s3_client(server: S3Server) -> Any:
    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=S3_ACCESS_KEY_ID, aws_secret_access_key=S3_SECRET_ACCESS_KEY,
                        config=Config(s3={"addressing_style": "path"}))


def metadata(name: str, data: bytes, nodes: list[str] | None) -> dict[str, Any]:
    """A metadata object as renderer/postrender/templates/scripts/upload.sh writes it."""
    release, s = name.rsplit("-", 1)[0], name.rsplit("-", 1)[1]
    meta: dict[str, Any] = {
        "writer": "helm-datashield", "format": "sql", "object": f"{PREFIX}/{name}", "files": 1, "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "created": iso(s), "release": release,
        "namespace": "prod", "database": "malbork", "databaseVersion": "v20.2.19",
        "nodes": {"manager": nodes, "database": ["db-1"] if nodes else None}, "tables": {"public.enclaves": 3}}
    if nodes is None:
        meta["nodesError"] = "manager pods: Forbidden"
    return meta


@pytest.fixture(scope="session")
def s3(s3_server: S3Server) -> Any:
    """A boto3 client of the test S3 server, to look at what the command wrote."""
    return s3_client(s3_server)


@pytest.fixture(scope="session")
def bucket(s3_server: S3Server) -> str:
    """The backups of BACKUPS (and one of another release) under PREFIX, with the drill records of
    DRILLS beside them, written once."""
    s3 = s3_client(s3_server)
    s3.create_bucket(Bucket=BUCKET)
    for name, (nodes, flaw) in {**BACKUPS, "other-20261123T000000Z.sql": (NODES, ""), SAFETY_DUMP: (NODES, "")}.items():
        data = f"-- dump {name}\nCREATE TABLE enclaves (id int);\n".encode()
        meta = metadata(name, data, nodes)
        if name == SAFETY_DUMP:
            meta.update(kind="safety-dump", release="ds", restoreRunId="20261125-000000",
                        restoring=f"{PREFIX}/{LATEST_COMPLETE}")
        if flaw == "size differs":
            meta["size"] += 1
        if flaw == "bytes differ":
            data = data.upper()
        s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{name}", Body=data)
        if flaw != "no metadata":
            s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{name}.json", Body=json.dumps(meta, indent=2).encode())
        for stamp, fields in DRILLS.get(name, []):
            key = f"{PREFIX}/{name}"
            s3.put_object(Bucket=BUCKET, Key=f"{key}.drill-{stamp}.json", Body=drill_record(key, stamp, **fields))
    return BUCKET


def release_values(endpoint: str) -> dict[str, Any]:
    return {"global": {"S3": {"Endpoint": endpoint, "AllowHttp": True, "Bucket": BUCKET,
                              "HmacSecretName": SECRET_NAME}},
            "enclaveos-chart": {"Backup": {"CronSchedule": "0 0 * * *", "S3Prefix": PREFIX},
                                "Manager": {"ReplicaCount": 3}}}


class Clock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class World:
    """One test's cluster model and bucket, and the command's output."""

    state: State
    out: io.StringIO = field(default_factory=io.StringIO)
    confirmed: bool = True
    s3_endpoint: str | None = None  # --s3-endpoint: the bucket reached another way than the values say

    def session(self, json_mode: bool = False) -> Session:
        clock = Clock()
        cluster = Cluster(runner=FakeCluster(self.state, HELM3), helm="helm", kubectl="kubectl",
                          namespace=self.state.namespace)
        return Session(cluster=cluster, progress=Progress(json_mode=json_mode, out=self.out, clock=clock.now),
                       open_store=_open_store(None), confirm=lambda release: self.confirmed, sleep=clock.sleep,
                       now=clock.now, plugin_dir=str(ROOT))

    def status(self, now: datetime, json_mode: bool = False) -> StatusCheck:
        """The --status check against this world, at the wall-clock time `now`, its probe keyed PROBE_TOKEN."""
        cluster = Cluster(runner=FakeCluster(self.state, HELM3), helm="helm", kubectl="kubectl",
                          namespace=self.state.namespace)
        return StatusCheck(cluster=cluster, progress=Progress(json_mode=json_mode, out=self.out),
                           open_store=_open_store(self.s3_endpoint), now=lambda: now, token=lambda: PROBE_TOKEN)

    def calls(self, tool: str | None = None) -> list[str]:
        """The commands run so far, as `helm upgrade ...` strings without the namespace flags."""
        shown = []
        for argv in self.state.calls:
            args = [a for i, a in enumerate(argv) if a != "--namespace" and (i == 0 or argv[i - 1] != "--namespace")]
            shown.append(" ".join(args))
        return [c for c in shown if tool is None or c.startswith(tool)]


def request(**changes: Any) -> Request:
    base: dict[str, Any] = {"release": "ds", "source": "latest", "chart": str(CHART), "chart_version": None,
                            "unsafe_sgx": False, "replicas": None, "timeout": None, "run_id": RUN_ID}
    return Request(**{**base, **changes})


@pytest.fixture
def world(s3_server: S3Server, bucket: str) -> World:
    state = State(user_values=release_values(s3_server.endpoint),
                  secrets={SECRET_NAME: {"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY_ID,
                                         "AWS_SECRET_ACCESS_KEY": S3_SECRET_ACCESS_KEY}})
    return World(state)


Change = Callable[[State], None]

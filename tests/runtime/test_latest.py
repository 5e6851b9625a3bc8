"""`latest` is one rule: the table of tests/latest_cases.py, each bucket state put into the real S3
server under a prefix of its own, then judged by the restore Job's implementation (the very s3.sh the
pods run, with the real AWS CLI) and by the restore command's (renderer/restore/backups.py through the
command's own listing and reads). Both must pick the same backup, or both refuse."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from renderer.edges.cluster import Release
from renderer.errors import Refused
from renderer.postrender.compiled_templates import SCRIPTS
from renderer.restore.backups import Backup, choose
from renderer.restore.plan import BackupConfig
from renderer.restore.session import Session
from tests.latest_cases import CASES, NEWER
from tests.runtime.conftest import SECRET, Site, empty, put_backup
from tests.runtime.kube_api import KubeApi
from tests.runtime.test_restore_command import store
from tests.services import TOOLS_BIN, PostgresServer, S3Server

ROOT_PREFIX = "latest-cases"
# The pod's exit code, its log, the files of its one download of the metadata objects; the command's choice.
Verdict = tuple[int, str, list[str], "Backup | Refused"]


def build(site: Site, base: str, objects: dict[str, object]) -> None:
    """Puts one case's objects (tests/latest_cases.py) under `base`."""
    for name, what in objects.items():
        key = base + name
        if what == "pair":
            put_backup(site, key)
        elif isinstance(what, dict):
            put_backup(site, key, **what)
        elif what == "data":
            site.write(key, b"-- data only\n")
        elif what == "raw-pair-metadata-only":
            put_backup(site, base + NEWER)
            site.delete(base + NEWER)
        else:
            assert isinstance(what, str) and what.startswith("raw:")
            if not key.endswith(".json") or "\n" in key or " " in key or "é" in key:
                site.write(key, what[4:].encode("utf-8", "surrogateescape"))
            else:
                put_backup(site, key)
                site.write(f"{key}.json", what[4:].encode("latin-1"))


def pod_latest(site: Site, prefix: str, work: Path) -> tuple[int, str, list[str]]:
    """Runs the pod's own `latest_backup` (lib.sh + s3.sh as the fetch container has them)."""
    work.mkdir()
    script = "STEP=fetch\n" + SCRIPTS["lib.sh"] + SCRIPTS["s3.sh"] + 'latest_backup\ncat "$WORK_DIR/latest"\n'
    env = {"RELEASE": "ds", "NAMESPACE": "prod", "S3_ENDPOINT": site.s3.endpoint, "S3_BUCKET": site.bucket,
           "S3_PREFIX": prefix, "WORK_DIR": str(work), "HOME": str(work), "S3_CALL_TIMEOUT": "60",
           "AWS_DEFAULT_REGION": "us-east-1", "PATH": f"{TOOLS_BIN}:/usr/bin:/bin", **SECRET}
    done = subprocess.run(["/bin/sh", "-ec", script], env=env, text=True, capture_output=True, check=False,
                          timeout=300)
    fetched = sorted(str(f.relative_to(work / "metadata")) for f in (work / "metadata").rglob("*") if f.is_file())
    return done.returncode, done.stdout + done.stderr, fetched


def command_latest(site: Site, prefix: str) -> Backup | Refused:
    config = BackupConfig(endpoint=site.s3.endpoint, bucket=site.bucket, prefix=prefix, secret_name="s",
                          in_restore_mode=False)
    release = Release(name="ds", namespace="prod", status="deployed", chart="enclave-manager-1.0.0", revision=1)
    try:
        return choose(Session._catalog(store(site), release, config), "latest", config.where())
    except Refused as refused:
        return refused


@pytest.fixture(scope="module")
def verdicts(s3_server: S3Server, postgres_server: PostgresServer, kube_api: KubeApi, bucket: str,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Verdict]]:
    """Every case's bucket state, each under latest-cases/<n>, judged by both sides. The pod's runs go
    four at a time: each makes three calls of the AWS CLI, whose start-up is most of the time."""
    work = tmp_path_factory.mktemp("latest")
    site = Site(s3_server, postgres_server, kube_api, bucket, work)
    empty(s3_server, bucket, f"{ROOT_PREFIX}/")
    prefixes = {name: f"{ROOT_PREFIX}/{n}" for n, (name, _, _) in enumerate(CASES)}
    for name, objects, _ in CASES:
        build(site, prefixes[name] + "/", objects)
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = pool.map(lambda n: pod_latest(site, prefixes[n], work / str(n)), prefixes)
        pods = dict(zip(prefixes, runs, strict=True))
    yield {name: (*pods[name], command_latest(site, prefixes[name])) for name in prefixes}
    empty(s3_server, bucket, f"{ROOT_PREFIX}/")


@pytest.mark.parametrize("name,expected", [pytest.param(name, e, id=name) for name, _, e in CASES])
def test_latest_is_the_same_rule_in_the_pod_and_the_command(verdicts: dict[str, Verdict], name: str,
                                                            expected: str) -> None:
    code, log, fetched, command = verdicts[name]
    base = f"{ROOT_PREFIX}/{[n for n, _, _ in CASES].index(name)}/"
    if expected.startswith("REFUSE:"):
        assert code == 1, log
        [failed] = [line for line in log.splitlines() if line.startswith("[fetch] FAILED: ")]
        assert expected[len("REFUSE:"):] in failed, log
        assert isinstance(command, Refused), command
        assert expected[len("REFUSE:"):] in str(command.reasons), command.reasons
    else:
        assert code == 0, log
        assert log.splitlines()[-1] == base + expected, log
        assert isinstance(command, Backup) and command.key == base + expected, command
        assert f"{expected}.json" in fetched, fetched  # read in the one download, not a call of its own
    for line in log.splitlines()[:-1]:
        assert line.startswith("[fetch] "), log  # every report is one line of the log

"""`latest` is one rule: the table of tests/latest_cases.py, each bucket state put into the real S3
server once, then judged by the restore Job's implementation (the very s3.sh the pods run, with
the real AWS CLI) and by the restore command's (renderer/backups.py through the command's own
listing and reads). Both must pick the same backup, or both refuse."""

from __future__ import annotations

import subprocess

import pytest

from renderer.backups import Backup, choose
from renderer.cluster import Release
from renderer.compiled_templates import SCRIPTS
from renderer.errors import Refused
from renderer.restore import Session
from renderer.restore_plan import BackupConfig
from tests.latest_cases import CASES, NEWER
from tests.runtime.conftest import SECRET, Site, put_backup
from tests.runtime.test_restore_command import store
from tests.services import TOOLS_BIN


def build(site: Site, objects: dict[str, object]) -> None:
    for key, what in objects.items():
        if what == "pair":
            put_backup(site, key)
        elif isinstance(what, dict):
            put_backup(site, key, **what)
        elif what == "data":
            site.write(key, b"-- data only\n")
        elif what == "raw-pair-metadata-only":
            put_backup(site, NEWER)
            site.s3.aws("s3api", "delete-object", "--bucket", site.bucket, "--key", NEWER)
        else:
            assert isinstance(what, str) and what.startswith("raw:")
            if not key.endswith(".json") or "\n" in key or " " in key or "é" in key:
                site.write(key, what[4:].encode("utf-8", "surrogateescape"))
            else:
                put_backup(site, key)
                site.write(f"{key}.json", what[4:].encode("latin-1"))


def pod_latest(site: Site, prefix: str = "") -> tuple[int, str]:
    """Runs the pod's own `latest_backup` (lib.sh + s3.sh as the fetch container has them)."""
    work = site.work / "latest-work"
    work.mkdir(exist_ok=True)
    script = "STEP=fetch\n" + SCRIPTS["lib.sh"] + SCRIPTS["s3.sh"] + 'latest_backup\ncat "$WORK_DIR/latest"\n'
    env = {"RELEASE": "ds", "NAMESPACE": "prod", "S3_ENDPOINT": site.s3.endpoint, "S3_BUCKET": site.bucket,
           "S3_PREFIX": prefix, "WORK_DIR": str(work), "HOME": str(work), "S3_CALL_TIMEOUT": "60",
           "AWS_DEFAULT_REGION": "us-east-1", "PATH": f"{TOOLS_BIN}:/usr/bin:/bin", **SECRET}
    done = subprocess.run(["/bin/sh", "-ec", script], env=env, text=True, capture_output=True, check=False,
                          timeout=120)
    return done.returncode, done.stdout + done.stderr


def command_latest(site: Site, prefix: str = "") -> Backup:
    config = BackupConfig(endpoint=site.s3.endpoint, bucket=site.bucket, prefix=prefix, secret_name="s",
                          in_restore_mode=False)
    release = Release(name="ds", namespace="prod", status="deployed", chart="enclave-manager-1.0.0", revision=1)
    found = Session._catalog(store(site), release, config)
    return choose(found, "latest", config.where())


@pytest.mark.parametrize("objects,expected", [pytest.param(o, e, id=name) for name, o, e in CASES])
def test_latest_is_the_same_rule_in_the_pod_and_the_command(site: Site, objects: dict[str, object],
                                                            expected: str) -> None:
    build(site, objects)
    code, log = pod_latest(site)
    if expected.startswith("REFUSE:"):
        assert code == 1, log
        [failed] = [line for line in log.splitlines() if line.startswith("[fetch] FAILED: ")]
        assert expected[len("REFUSE:"):] in failed, log
        with pytest.raises(Refused) as refused:
            command_latest(site)
        assert expected[len("REFUSE:"):] in str(refused.value.reasons), refused.value.reasons
    else:
        assert code == 0, log
        assert log.splitlines()[-1] == expected, log
        assert command_latest(site).key == expected
    for line in log.splitlines()[:-1]:
        assert line.startswith("[fetch] "), log  # every report is one line of the log

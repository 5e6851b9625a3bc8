"""No secret leaks (issue #6): the HMAC keys reach the pods only by `secretKeyRef` to the Secret
named by global.S3.HmacSecretName, and only the containers that use them get them. Every mode is
rendered with known fake keys in the post-renderer's own environment (as on an operator's
machine with AWS credentials set): no key material may appear in the output.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.security.rendered import MODES, SECRET_NAME, containers, injected, pod_spec
from tests.services import S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY

KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
PLAIN_AWS_SETTINGS = {  # the only AWS_* variables with a value of their own: settings, not secrets
    "AWS_DEFAULT_REGION", "AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION"}
ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")  # the shape of an AWS access key ID
OPERATOR_ENV = {"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": S3_SECRET_ACCESS_KEY,
                "AWS_SESSION_TOKEN": S3_SECRET_ACCESS_KEY}
# The drill's throwaway database reads a native backup from the bucket itself (RESTORE): the keys then.
DRILL = {"CronJob/pick": True, "CronJob/drill": False, "CronJob/record": True}
BACKUP = {"CronJob/dump": False, "CronJob/upload": True, **DRILL}
RESTORE = {**BACKUP, "Job/safety-dump": False, "Job/fetch": True, "Job/restore": False}
NATIVE = dict.fromkeys(RESTORE, True)  # BACKUP/RESTORE run by the database need the keys too
FIRST = {**BACKUP, "Job/dump": False, "Job/upload": True}  # the first backup's Job: the CronJob's pod


def _env(container: dict[str, Any]) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = container.get("env", [])
    return env


@pytest.mark.parametrize("mode,with_keys", [
    ("backup", FIRST),
    ("restore", RESTORE),
    ("helm4-backup", FIRST),
    ("native-backup", dict.fromkeys(FIRST, True)),
    ("native-restore", NATIVE),
    ("secure-cluster", RESTORE),
])
def test_the_keys_come_only_from_the_secret_and_only_where_used(mode: str, with_keys: dict[str, bool]) -> None:
    stream = MODES[mode].render(env=OPERATOR_ENV)
    assert [key for key in (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY) if key in stream] == []
    assert ACCESS_KEY_ID.findall(stream) == []
    got: dict[str, bool] = {}
    for obj in injected(stream):
        pod = pod_spec(obj)
        for _, container in containers(pod) if pod else []:
            where = f"{obj['kind']}/{container['name']}"
            named = {e["name"]: e for e in _env(container) if e["name"] in KEYS}
            got[where] = bool(named)
            assert named in ({}, {key: {"name": key, "valueFrom": {"secretKeyRef": {"name": SECRET_NAME, "key": key}}}
                                  for key in KEYS}), where
            plain = {e["name"] for e in _env(container) if e["name"].startswith("AWS_") and "valueFrom" not in e}
            assert plain <= PLAIN_AWS_SETTINGS, where
    assert got == with_keys

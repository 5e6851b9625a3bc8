"""The injected objects of every mode scanned by a real scanner, checkov 3.3.30 from PyPI
(requirements-scan.txt, installed into .tools/scan by scripts/install-services), offline.

Every finding is either fixed in the templates or justified in JUSTIFIED below (check ID →
why); a finding that is in neither fails the test, and so does a justification whose finding
no longer occurs, so the table stays honest. docs/security.md
lists the same justifications.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.security.rendered import MODES, Mode, injected, pod_spec

CHECKOV = ROOT / ".tools" / "scan" / "bin" / "checkov"

JUSTIFIED = {
    "CKV_K8S_43": "image digests: the images are values; operators pin digests with a Tag of <tag>@sha256:<digest>",
    "CKV_K8S_15": "pull policy Always: a value (Images.*.PullPolicy); IfNotPresent suits fixed tags and digests",
    "CKV_K8S_35": "secrets as env: the AWS CLI and CockroachDB's BACKUP URL read the HMAC keys from the environment; "
                  "they come by secretKeyRef, only into the containers that use them, and are never printed",
    "CKV2_K8S_6": "NetworkPolicy: the pods open no port; their egress (S3 endpoint, database, API server) is the "
                  "cluster's to restrict, its addresses are unknown to the post-renderer",
}

# What checkov checks and passes on every pod we inject: the guarantees of issue #6, seen by the scanner too.
PASSES_ON_EVERY_POD = {
    "CKV_K8S_10": "CPU requests", "CKV_K8S_11": "CPU limits",
    "CKV_K8S_12": "memory requests", "CKV_K8S_13": "memory limits",
    "CKV_K8S_16": "not privileged", "CKV_K8S_20": "no allowPrivilegeEscalation",
    "CKV_K8S_22": "read-only root filesystem", "CKV_K8S_23": "no root containers",
    "CKV_K8S_28": "no NET_RAW", "CKV_K8S_37": "no capabilities", "CKV_K8S_31": "seccomp RuntimeDefault",
    "CKV_K8S_38": "service-account token only where needed", "CKV_K8S_40": "high UID",
}

# The same restore-mode render with digest-pinned images pulled Always: the two image findings go.
PINNED = "pinned-images"
DIGEST = "@sha256:" + "0123456789abcdef" * 4
PINNED_MODE = Mode("restore", {"enclaveos-chart": {"Backup": {"Images": {
    "Database": {"Tag": "v20.1.17" + DIGEST, "PullPolicy": "Always"},
    "ObjectStore": {"Tag": "2.17.0" + DIGEST, "PullPolicy": "Always"}}}}})


@dataclass(frozen=True)
class Scan:
    files: dict[str, list[str]]  # mode → the files written for it (<mode>/<Kind>-<name>.yaml)
    pods: set[str]  # the files holding a pod template
    failed: list[dict[str, Any]]
    passed: list[dict[str, Any]]
    parsing_errors: int

    def found(self, mode: str) -> set[str]:
        return {c["check_id"] for c in self.failed if c["file_path"].startswith(f"/{mode}/")}


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """One checkov run over the injected objects of every mode, each in a folder of its own."""
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run scripts/install-services (scripts/test does)")
    root = tmp_path_factory.mktemp("scan")
    files: dict[str, list[str]] = {}
    pods = set()
    for mode, how in [*MODES.items(), (PINNED, PINNED_MODE)]:
        (root / mode).mkdir()
        for obj in injected(how.render()):
            name = f"{mode}/{obj['kind']}-{obj['metadata']['name']}.yaml"
            (root / name).write_text(yaml.safe_dump(obj), encoding="utf-8")
            files.setdefault(mode, []).append(name)
            if pod_spec(obj) is not None:
                pods.add(name)
    # Offline: no guideline download, no upload (checkov tries both by default).
    done = subprocess.run([str(CHECKOV), "--directory", str(root), "--framework", "kubernetes", "--output", "json",
                           "--skip-download", "--skip-results-upload"], capture_output=True, text=True, timeout=300,
                          check=False, cwd=root, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
    assert done.returncode in (0, 1), done.stderr
    reports = json.loads(done.stdout)
    [report] = reports if isinstance(reports, list) else [reports]
    assert report["check_type"] == "kubernetes" and report["summary"]["checkov_version"] == "3.3.30"
    return Scan(files, pods, report["results"]["failed_checks"], report["results"]["passed_checks"],
                report["summary"]["parsing_errors"])


def test_checkov_read_every_injected_object(scan: Scan) -> None:
    seen = {c["file_path"].lstrip("/") for c in scan.failed + scan.passed}
    assert scan.parsing_errors == 0
    assert sorted(f for names in scan.files.values() for f in names if f not in seen) == []
    # A backup and a drill CronJob in each of the 7 modes, a restore Job in the 4 restore modes, a first backup's
    # Job in the 3 others.
    assert len(scan.pods) == 21


def test_checkov_passes_the_pod_security_checks_on_every_pod(scan: Scan) -> None:
    passed: dict[str, set[str]] = {}
    for check in scan.passed:
        passed.setdefault(check["file_path"].lstrip("/"), set()).add(check["check_id"])
    assert {f: sorted(set(PASSES_ON_EVERY_POD) - passed.get(f, set())) for f in sorted(scan.pods)} == \
        {f: [] for f in sorted(scan.pods)}


def test_every_finding_is_fixed_or_justified(scan: Scan) -> None:
    modes = [m for m in scan.files if m != PINNED]
    unexplained = sorted(f"{c['check_id']} {c['file_path']}: {c['check_name']}" for c in scan.failed
                         if c["check_id"] not in JUSTIFIED and not c["file_path"].startswith(f"/{PINNED}/"))
    stale = sorted(set(JUSTIFIED) - set().union(*(scan.found(m) for m in modes)))
    assert (unexplained, stale) == ([], [])


def test_digest_pinned_images_pulled_always_leave_only_the_other_justified_findings(scan: Scan) -> None:
    assert sorted(scan.found(PINNED)) == sorted(set(JUSTIFIED) - {"CKV_K8S_43", "CKV_K8S_15"})


def test_the_justifications_are_those_in_the_docs() -> None:
    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert [check for check in JUSTIFIED if f"| `{check}` |" not in doc] == []


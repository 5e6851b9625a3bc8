"""The objects the post-renderer injects, in every mode, rendered by the real post-renderer
(bin/datashield-backup, as Helm 3 runs it) from the golden inputs captured from real Helm.

MODES is the table of what the security tests cover: backup and restore mode, Helm 4's
re-serialised input, the native format (the database containers get the HMAC keys too) and
a secure cluster (the client certificates mounted from a Secret).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT, run_postrenderer

GOLDEN = ROOT / "tests" / "golden"
GENERATED_BY = "datashield.ibm.com/generated-by"
NATIVE: dict[str, Any] = {"enclaveos-chart": {"Backup": {"Format": "native",
                                                        "Images": {"Database": {"Tag": "v22.1.0"}}}}}
# No package list of CockroachDB's UBI images could be cited (renderer/values/images.py): a warning, not a refusal.
NATIVE_WARNING = ('[helm-datashield] warning: enclaveos-chart.Backup.Images.Database.Tag: "v22.1.0": the programs on '
                  "the PATH of cockroachdb/cockroach:v22.1.0 are not known to this plugin")
SECURE: dict[str, Any] = {"enclaveos-chart": {"Backup": {"Database": {"CertsSecret": "cockroachdb-client-root"}}}}
SECRET_NAME = "enclave-manager-backup-credentials"  # global.S3.HmacSecretName of the golden inputs


@dataclass(frozen=True)
class Mode:
    """One way of rendering: a golden input (`tests/golden/<case>/in.yaml`) and values laid over it."""

    case: str
    values: dict[str, Any] = field(default_factory=dict)
    warning: str = ""  # the one warning this mode renders with, up to its reason's first words

    def render(self, env: dict[str, str] | None = None) -> str:
        """The whole output stream of the real post-renderer."""
        with tempfile.TemporaryDirectory() as tmp:
            args = []
            if self.values:
                path = Path(tmp) / "values.json"
                path.write_text(json.dumps(self.values), encoding="utf-8")
                args = ["--values", str(path)]
            done = run_postrenderer((GOLDEN / self.case / "in.yaml").read_text(encoding="utf-8"), *args, env=env)
        assert done.returncode == 0, done.stderr
        expected = [self.warning] if self.warning else []
        assert [line[:len(self.warning)] for line in done.stderr.splitlines()] == expected
        return done.stdout


MODES = {
    "backup": Mode("backup"),
    "restore": Mode("restore"),
    "helm4-backup": Mode("helm4-backup"),
    "native-backup": Mode("backup", NATIVE, NATIVE_WARNING),
    "native-restore": Mode("restore", NATIVE, NATIVE_WARNING),
    "secure-cluster": Mode("restore", SECURE),
}


def injected(stream: str) -> list[dict[str, Any]]:
    """The objects of the stream that the post-renderer added (they carry its label)."""
    return [d for d in yaml.safe_load_all(stream)
            if d and (d.get("metadata", {}).get("labels") or {}).get(GENERATED_BY) == "helm-datashield"]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The pod template's spec of a CronJob or Job, None for objects without pods."""
    if obj["kind"] == "CronJob":
        spec: dict[str, Any] = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return spec
    if obj["kind"] == "Job":
        job: dict[str, Any] = obj["spec"]["template"]["spec"]
        return job
    return None


def containers(pod: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every container of a pod with how a message names it, init containers first."""
    return [*((f"initContainer {c['name']}", c) for c in pod.get("initContainers", [])),
            *((f"container {c['name']}", c) for c in pod["containers"])]

"""The containers of a rendered backup CronJob or restore Job, run on this machine in order,
the way the kubelet runs them: each container's own `command` + `args` and `env`.

No Kubernetes can run here, so three things stand in, and only these:
- the database seam: the block between `# database seam:` and `# end of database seam`
  (CockroachDB, renderer/templates/scripts/db-cockroach.sh) is replaced by the PostgreSQL
  one (tests/runtime/db-postgres.sh); CockroachDB is in no registry here;
- DATABASE_HOST/DATABASE_PORT point at the test's PostgreSQL, WORK_DIR at a temp folder
  (the pod's emptyDir), HOME and PATH at this machine's;
- `secretKeyRef` values come from a dict standing in for the Secret, `fieldRef` to the
  namespace from the object itself.
Everything else, the object store and its client included, is real.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

POSTGRES_SEAM = (Path(__file__).resolve().parent / "db-postgres.sh").read_text(encoding="utf-8")
SEAM = re.compile(r"^# database seam:.*?^# end of database seam\n", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class PodRun:
    """What the pod did: the exit code of the container that stopped it, and every log line."""

    returncode: int
    log: str
    failed_container: str | None


def pod_spec(manifests: str, kind: str) -> dict[str, Any]:
    """The pod spec of the one object of `kind` (CronJob or Job) in the rendered stream."""
    objects = [d for d in yaml.safe_load_all(manifests) if d and d.get("kind") == kind]
    assert len(objects) == 1, f"expected one {kind}, found {len(objects)}"
    spec = objects[0]["spec"]
    job = spec["jobTemplate"]["spec"] if kind == "CronJob" else spec
    return {**job["template"]["spec"], "namespace": objects[0]["metadata"].get("namespace", "default")}


def run_pod(spec: dict[str, Any], secret: dict[str, str], overrides: dict[str, str],
            timeout: float = 120) -> PodRun:
    """Runs the init containers, then the containers, stopping at the first that fails."""
    log = ""
    for container in [*spec.get("initContainers", []), *spec["containers"]]:
        env = {item["name"]: _env_value(item, secret, spec["namespace"]) for item in container.get("env", [])}
        env.update(overrides)
        args = [SEAM.sub(lambda _: POSTGRES_SEAM, arg) for arg in container.get("args", [])]
        done = subprocess.run(check=False, args=[*container["command"], *args], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        log += done.stdout
        if done.returncode != 0:
            return PodRun(done.returncode, log, container["name"])
    return PodRun(0, log, None)


def _env_value(item: dict[str, Any], secret: dict[str, str], namespace: str) -> str:
    if "value" in item:
        return str(item["value"])
    source = item["valueFrom"]
    if "secretKeyRef" in source:
        return secret[source["secretKeyRef"]["key"]]
    assert source["fieldRef"]["fieldPath"] == "metadata.namespace", source
    return namespace

"""The containers of a rendered backup CronJob or restore Job, run on this machine in order,
the way the kubelet runs them: each container's own `command` + `args` and `env`.

No Kubernetes can run here, so three things stand in, and only these:
- the database seam: the block between `# database seam:` and `# end of database seam`
  (CockroachDB, renderer/postrender/templates/scripts/db-cockroach.sh) is replaced by the PostgreSQL
  one (tests/runtime/db-postgres.sh); CockroachDB is in no registry here;
- DATABASE_HOST/DATABASE_PORT point at the test's PostgreSQL, WORK_DIR at a temp folder
  (the pod's emptyDir), HOME and PATH at this machine's;
- `secretKeyRef` values come from a dict standing in for the Secret, `fieldRef` to the
  namespace from the object itself;
- a `secret` volume is written, as the kubelet writes it (one file a key, `defaultMode`),
  into a folder of its own, and an `env` value naming its `mountPath` (or a path under it)
  in a container that mounts it names that folder instead.
Everything else, the object store and its client included, is real.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
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
            secret_volumes: Mapping[str, Mapping[str, bytes]], volumes_dir: Path, timeout: float = 120) -> PodRun:
    """Runs the init containers, then the containers, stopping at the first that fails.
    `secret_volumes`: the files of each Secret that a volume mounts, by Secret name."""
    folders = _write_secret_volumes(spec, secret_volumes, volumes_dir)
    log = ""
    for container in [*spec.get("initContainers", []), *spec["containers"]]:
        env = {item["name"]: _env_value(item, secret, spec["namespace"]) for item in container.get("env", [])}
        for mount in container.get("volumeMounts", []):
            if mount["name"] in folders:
                env = {name: _remount(value, mount["mountPath"], folders[mount["name"]])
                       for name, value in env.items()}
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


def _write_secret_volumes(spec: dict[str, Any], files: Mapping[str, Mapping[str, bytes]],
                          volumes_dir: Path) -> dict[str, Path]:
    folders = {}
    for volume in spec.get("volumes", []):
        if "secret" in volume:
            name = volume["secret"]["secretName"]
            assert name in files, f"volume {volume['name']} mounts Secret {name}: the test gives no files for it"
            folder = volumes_dir / volume["name"]
            folder.mkdir(parents=True)
            for key, data in files[name].items():
                (folder / key).write_bytes(data)
                (folder / key).chmod(volume["secret"].get("defaultMode", 0o644))
            folders[volume["name"]] = folder
    return folders


def _remount(value: str, mount_path: str, folder: Path) -> str:
    if value == mount_path or value.startswith(f"{mount_path.rstrip('/')}/"):
        return f"{folder}{value[len(mount_path):]}"
    return value

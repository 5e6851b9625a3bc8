"""The containers of a rendered backup CronJob or restore Job, run on this machine the way the kubelet
runs them (init containers in order, then the containers at once): each container's own `command` + `args` and `env`.

No Kubernetes can run here, so three things stand in, and only these:
- the database seam: the block between `# database seam:` and `# end of database seam`
  (CockroachDB, renderer/postrender/templates/scripts/db-cockroach.sh) is replaced by the PostgreSQL
  one (tests/runtime/db-postgres.sh); CockroachDB is in no registry here;
- DATABASE_HOST/DATABASE_PORT point at the test's PostgreSQL (in a container whose spec names
  them: the drill's know no database host), WORK_DIR at a temp folder (the pod's emptyDir), HOME at
  this machine's;
- any other `emptyDir` volume is a folder of its own, and an `env` value naming its `mountPath`
  (or a path under it) in a container that mounts it names that folder instead;
- PATH is one folder of links to this machine's copies of the programs the container's image has at
  its tag (renderer/values/images.py), and nothing else, /bin/sh and awk the image's own kind: a
  script that calls a program its image lacks fails here as it would in the cluster ("not found",
  exit 127). The PATH the test gives is only where those copies are looked up. The database
  containers also get the programs the PostgreSQL stand-in needs (STAND_IN_TOOLS), the harness's one
  exception;
- `secretKeyRef` values come from a dict standing in for the Secret, `fieldRef` to the
  namespace and the pod's name (pod_spec) from the object itself, and to the node's name (POD_NODE);
- a `secret` volume is written, as the kubelet writes it (one file a key, `defaultMode`),
  into a folder of its own, and an `env` value naming its `mountPath` (or a path under it)
  in a container that mounts it names that folder instead.
Everything else, the object store and its client included, is real.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from renderer.values import images

POSTGRES_SEAM = (Path(__file__).resolve().parent / "db-postgres.sh").read_text(encoding="utf-8")
POD_NODE = "node-1"  # spec.nodeName of every pod run here
SPEC_ONLY = frozenset({"DATABASE_HOST", "DATABASE_PORT"})  # overridden only in a container that has them
SEAM = re.compile(r"^# database seam:.*?^# end of database seam\n", re.DOTALL | re.MULTILINE)

# The programs of each image and tag come from the one table of them, renderer/values/images.py (cited
# there and in docs/images.md, at each tag). Two names stand for programs that differ by image: /bin/sh
# (bash in the AWS CLI images, dash in Debian 9) and awk (GNU awk there, mawk here), run by this machine's
# copies of the same programs (bash 5.2 for 4.2, gawk 5.2 for 4.0.2, dash 0.5.12 for 0.5.8, mawk 1.3.4 for
# 1.3.3: the versions differ, the programs do not).
IMPLEMENTATIONS = {"amazonlinux": {"sh": "bash", "awk": "gawk"}, "debian": {"sh": "dash", "awk": "mawk"},
                   "ubi-minimal": {"sh": "bash", "awk": "gawk"}}
# The PostgreSQL stand-in (db-postgres.sh) runs where cockroach would: its clients, python3 to read the
# backup URL (and find the drill's throwaway database a free port), the AWS CLI that stands in for
# CockroachDB's own BACKUP into the bucket, and for the drill's throwaway database (cockroach
# start-single-node) the server's initdb and pg_ctl, and runuser (PostgreSQL refuses to run as root, as
# the tests do: it runs as the postgres user).
STAND_IN_TOOLS = frozenset({"psql", "pg_dump", "pg_restore", "python3", "aws", "initdb", "pg_ctl", "runuser"})


# The one image the runtime tests run that the table does not know: CockroachDB v22.1.0, the Format native
# tests' tag (v20.1 has no BACKUP INTO). It is built on Red Hat UBI 8 minimal plus tzdata, hostname and tar
# (cockroachdb/cockroach build/deploy/Dockerfile; #55519), of which no package list could be cited, so the
# post-renderer warns about it (renderer/values/images.py). Here it is ASSUMED to hold what every RHEL system
# has (bash as sh, coreutils-single, grep, sed, GNU awk) and what the Dockerfile adds. Only the default tags,
# which the table cites, prove anything about a real image.
ASSUMED = {f"{images.COCKROACH}:v22.1.0": images.ImageFacts(
    images.COCKROACH, (22, 1, 0), (22, 1, 0), "ubi8/ubi-minimal (assumed, uncited)",
    images.COREUTILS | images.GREP | {"sh", "bash", "sed", "awk", "gawk", "hostname", "tar", "cockroach"})}


def image_facts(image: str) -> images.ImageFacts:
    """The table's facts of `image`, a reference such as amazon/aws-cli:2.17.0 (or ASSUMED's). An image or tag
    neither knows fails the test: its scripts could call anything."""
    repository, _, tag = image.rpartition(":")
    found = images.facts(repository, tag) or ASSUMED.get(image)
    assert found is not None, f"no cited list of the programs of image {image} (renderer/values/images.py FACTS)"
    return found


def image_tools(image: str, stand_in: bool = True) -> frozenset[str]:
    """The programs on the PATH of a container of `image` (a reference such as amazon/aws-cli:2.17.0),
    with the stand-in's for the database image when `stand_in`."""
    found = image_facts(image)
    return found.programs | (STAND_IN_TOOLS if stand_in and found.repository == images.COCKROACH else frozenset())


def container_path(image: str, search_path: str, folder: Path) -> str:
    """The PATH of a container of `image` in the harness (tool_path of its programs, with sh and awk the
    image's own kind, IMPLEMENTATIONS)."""
    kind = image_facts(image).base.split(":")[0].split("/")[-1].split(" ")[0]
    return tool_path(image_tools(image), search_path, folder, IMPLEMENTATIONS[kind])


def tool_path(tools: frozenset[str], search_path: str, folder: Path,
              implementations: Mapping[str, str] | None = None) -> str:
    """A PATH of one folder, `folder`, of links to the first copy on `search_path` of each of `tools`
    (a program this machine lacks is left out: calling it fails as in a pod without it); a name in
    `implementations` links to the program it names instead (sh to bash)."""
    folder.mkdir(parents=True, exist_ok=True)
    for tool in sorted(tools):
        found = shutil.which((implementations or {}).get(tool, tool), path=search_path)
        if found and not (folder / tool).exists():
            (folder / tool).symlink_to(found)
    return str(folder)


@dataclass(frozen=True)
class PodRun:
    """What the pod did: the exit code of the container that stopped it, and every log line."""

    returncode: int
    log: str
    failed_container: str | None


def pod_spec(manifests: str, kind: str, component: str | None = None) -> dict[str, Any]:
    """The pod spec of the one object of `kind` (CronJob or Job) in the rendered stream, of the
    `app.kubernetes.io/component` `component` (backup, drill, restore) when given."""
    objects = [d for d in yaml.safe_load_all(manifests) if d and d.get("kind") == kind and
               component in (None, d["metadata"].get("labels", {}).get("app.kubernetes.io/component"))]
    assert len(objects) == 1, f"expected one {kind} {component or ''}, found {len(objects)}"
    spec = objects[0]["spec"]
    job = spec["jobTemplate"]["spec"] if kind == "CronJob" else spec
    # The pod's name as the controllers make it: a CronJob's Job is <cronjob>-<scheduled time in minutes>
    # (kubernetes pkg/controller/cronjob getJobName), a Job's pod <job>-<5 random characters> (generateName).
    job_name = objects[0]["metadata"]["name"] + ("-29417040" if kind == "CronJob" else "")
    return {**job["template"]["spec"], "namespace": objects[0]["metadata"].get("namespace", "default"),
            "name": f"{job_name}-x7k2p"}


def only(spec: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The pod spec with only the containers (init or not) named `names`, each where the pod has it: to run
    a pod in parts with one WORK_DIR (Site.run_steps), and do something between them."""
    return {**spec, "initContainers": [c for c in spec.get("initContainers", []) if c["name"] in names],
            "containers": [c for c in spec["containers"] if c["name"] in names]}


def run_pod(spec: dict[str, Any], secret: dict[str, str], overrides: dict[str, str],
            secret_volumes: Mapping[str, Mapping[str, bytes]], volumes_dir: Path, timeout: float = 120) -> PodRun:
    """Runs the init containers one after another, stopping at the first that fails, then the containers all
    at once (as the kubelet does: the backup pod's dump and upload stream through a FIFO). The pod's result
    is that of the container that failed first (in time), else 0. `timeout` bounds each init container and
    the containers together.
    `overrides`: environment values set over the container's own; its PATH says where this machine's
    programs are, and the container gets only those of its image (image_tools).
    `secret_volumes`: the files of each Secret that a volume mounts, by Secret name."""
    folders = {**_write_secret_volumes(spec, secret_volumes, volumes_dir), **_empty_dirs(spec, volumes_dir)}
    log = ""
    for container in spec.get("initContainers", []):
        [(returncode, output, _)] = _run_together([_command(container, spec, secret, overrides, folders, volumes_dir)],
                                               timeout)
        log += output
        if returncode != 0:
            return PodRun(returncode, log, container["name"])
    commands = [_command(container, spec, secret, overrides, folders, volumes_dir) for container in spec["containers"]]
    results = _run_together(commands, timeout)
    log += "".join(output for _, output, _ in results)
    failed = [(rank, returncode, container["name"])
              for (returncode, _, rank), container in zip(results, spec["containers"], strict=True) if returncode]
    if not failed:
        return PodRun(0, log, None)
    _, returncode, name = min(failed)
    return PodRun(returncode, log, name)


def _command(container: dict[str, Any], spec: dict[str, Any], secret: dict[str, str], overrides: dict[str, str],
             folders: dict[str, Path], volumes_dir: Path) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of one container."""
    env = {item["name"]: _env_value(item, secret, spec) for item in container.get("env", [])}
    for mount in container.get("volumeMounts", []):
        if mount["name"] in folders:
            env = {name: _remount(value, mount["mountPath"], folders[mount["name"]]) for name, value in env.items()}
    # Only where the spec has them: a container that names no database must not be given one.
    env.update({name: value for name, value in overrides.items() if name not in SPEC_ONLY or name in env})
    env["PATH"] = container_path(container["image"], overrides["PATH"],
                                 volumes_dir / "programs-on-path" / container["name"])
    args = [SEAM.sub(lambda _: POSTGRES_SEAM, arg) for arg in container.get("args", [])]
    # The image's own /bin/sh (bash or dash), as the kubelet runs the container's command.
    command = container["command"]
    if command[0] == "/bin/sh":
        command = [str(Path(env["PATH"]) / "sh"), *command[1:]]
    return [*command, *args], env


def _run_together(commands: list[tuple[list[str], dict[str, str]]], timeout: float) -> list[tuple[int, str, int]]:
    """Runs the commands at once; each one's exit code, output (stdout and stderr, as the kubelet's log of a
    container holds both) and the rank of its end (0: the first to end). Bytes that are not UTF-8 (psql echoing a
    LATIN1 line) are replaced, not fatal: the kubelet's log API passes a container's bytes on as they are.
    Past `timeout` seconds every process still running is killed and subprocess.TimeoutExpired raised."""
    # Each in its own session, as each container has its own processes: a test's fault may kill its container's
    # every process (pkill -s), as the kernel's OOM killer kills a container's; a timeout kills each group.
    processes = [subprocess.Popen(args, env=env, text=True, errors="replace", stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, start_new_session=True) for args, env in commands]
    outputs = [""] * len(processes)
    ends: list[int] = []
    lock = threading.Lock()

    def collect(index: int) -> None:
        stdout = processes[index].stdout
        assert stdout is not None
        outputs[index] = stdout.read()
        processes[index].wait()
        with lock:
            ends.append(index)

    threads = [threading.Thread(target=collect, args=(index,), daemon=True) for index in range(len(processes))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        raise subprocess.TimeoutExpired(commands[0][0], timeout)
    return [(process.returncode, output, ends.index(index))
            for index, (process, output) in enumerate(zip(processes, outputs, strict=True))]


def _env_value(item: dict[str, Any], secret: dict[str, str], spec: dict[str, Any]) -> str:
    if "value" in item:
        return str(item["value"])
    source = item["valueFrom"]
    if "secretKeyRef" in source:
        return secret[source["secretKeyRef"]["key"]]
    # The downward API's fields the pods read (kubernetes.io/docs/concepts/workloads/pods/downward-api/).
    fields = {"metadata.namespace": str(spec["namespace"]), "metadata.name": str(spec["name"]),
              "spec.nodeName": POD_NODE}
    return fields[source["fieldRef"]["fieldPath"]]


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


def _empty_dirs(spec: dict[str, Any], volumes_dir: Path) -> dict[str, Path]:
    """A folder for each emptyDir volume but `work` and `tmp` (WORK_DIR and HOME are given by the test)."""
    folders = {}
    for volume in spec.get("volumes", []):
        if "emptyDir" in volume and volume["name"] not in ("work", "tmp"):
            folders[volume["name"]] = volumes_dir / volume["name"]
            folders[volume["name"]].mkdir(parents=True)
    return folders


def _remount(value: str, mount_path: str, folder: Path) -> str:
    if value == mount_path or value.startswith(f"{mount_path.rstrip('/')}/"):
        return f"{folder}{value[len(mount_path):]}"
    return value

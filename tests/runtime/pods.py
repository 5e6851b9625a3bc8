"""The containers of a rendered backup CronJob or restore Job, run on this machine in order,
the way the kubelet runs them: each container's own `command` + `args` and `env`.

No Kubernetes can run here, so three things stand in, and only these:
- the database seam: the block between `# database seam:` and `# end of database seam`
  (CockroachDB, renderer/postrender/templates/scripts/db-cockroach.sh) is replaced by the PostgreSQL
  one (tests/runtime/db-postgres.sh); CockroachDB is in no registry here;
- DATABASE_HOST/DATABASE_PORT point at the test's PostgreSQL (in a container whose spec names
  them: the drill's know no database host), WORK_DIR at a temp folder (the pod's emptyDir), HOME at
  this machine's;
- any other `emptyDir` volume is a folder of its own, and an `env` value naming its `mountPath`
  (or a path under it) in a container that mounts it names that folder instead;
- PATH is one folder of links to this machine's copies of the programs the container's image has
  (IMAGE_TOOLS, below), and nothing else: a script that calls a program its image lacks fails
  here as it would in the cluster ("not found", exit 127). The PATH the test gives is only where
  those copies are looked up. The database containers also get the programs the PostgreSQL
  stand-in needs (STAND_IN_TOOLS), the harness's one exception;
- `secretKeyRef` values come from a dict standing in for the Secret, `fieldRef` to the
  namespace from the object itself;
- a `secret` volume is written, as the kubelet writes it (one file a key, `defaultMode`),
  into a folder of its own, and an `env` value naming its `mountPath` (or a path under it)
  in a container that mounts it names that folder instead.
Everything else, the object store and its client included, is real.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

POSTGRES_SEAM = (Path(__file__).resolve().parent / "db-postgres.sh").read_text(encoding="utf-8")
SPEC_ONLY = frozenset({"DATABASE_HOST", "DATABASE_PORT"})  # overridden only in a container that has them
SEAM = re.compile(r"^# database seam:.*?^# end of database seam\n", re.DOTALL | re.MULTILINE)

# The programs of GNU coreutils 8.22, the version amazonlinux:2 ships (coreutils-single in Red Hat's UBI 8
# minimal image has the same programs).
COREUTILS = frozenset([
    "[", "arch", "base64", "basename", "cat", "chcon", "chgrp", "chmod", "chown", "chroot", "cksum", "comm",
    "cp", "csplit", "cut", "date", "dd", "df", "dir", "dircolors", "dirname", "du", "echo", "env", "expand",
    "expr", "factor", "false", "fmt", "fold", "groups", "head", "hostid", "id", "install", "join", "link", "ln",
    "logname", "ls", "md5sum", "mkdir", "mkfifo", "mknod", "mktemp", "mv", "nice", "nl", "nohup", "nproc",
    "numfmt", "od", "paste", "pathchk", "pinky", "pr", "printenv", "printf", "ptx", "pwd", "readlink",
    "realpath", "rm", "rmdir", "runcon", "seq", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum",
    "shred", "shuf", "sleep", "sort", "split", "stat", "stdbuf", "stty", "sum", "sync", "tac", "tail", "tee",
    "test", "timeout", "touch", "tr", "true", "truncate", "tsort", "tty", "uname", "unexpand", "uniq", "unlink",
    "users", "vdir", "wc", "who", "whoami", "yes",
])
# amazon/aws-cli: amazonlinux:2 with less, groff and jq added and the AWS CLI in /usr/local/bin
# (github.com/aws/aws-cli, docker/Dockerfile). The programs of amazonlinux:2's packages, as the image's
# own RPM database lists them (github.com/docker-library/repo-info, repos/amazonlinux/local/2.md at
# 082a4310b3f776dbabcaa832e1da42751cf5376b): bash, coreutils, cpio, curl, diffutils, gawk, grep, sed and
# vim-minimal; not tar, gzip, procps or util-linux. That list also shows findutils, which not every
# amazonlinux:2 release had (amazonlinux/container-images, update-script/update.sh, installs it before it
# runs find): it is left out, so no script may count on find.
AMAZONLINUX_2 = COREUTILS | {"sh", "bash", "cpio", "curl", "cmp", "diff", "awk", "gawk", "grep", "egrep", "fgrep",
                             "sed", "vi"}
# cockroachdb/cockroach: Red Hat UBI 8 minimal with tzdata, hostname and tar added and cockroach in
# /cockroach, on PATH (github.com/cockroachdb/cockroach, build/deploy/Dockerfile). No list of the
# minimal image's packages was found to cite (Red Hat's guide says only that it leaves out "some shell
# utilities"), so this is the smallest set the scripts need, all from packages every RHEL system has
# (bash, coreutils-single, grep, sed, gawk); tests/runtime/test_tools.py checks that each program the
# database scripts call is in it.
UBI_MINIMAL_COCKROACH = frozenset({"sh", "bash", "cockroach", "hostname", "tar", "grep", "sed", "awk"}) | COREUTILS
IMAGE_TOOLS = {"aws-cli": AMAZONLINUX_2 | {"aws", "jq", "less", "groff"}, "cockroach": UBI_MINIMAL_COCKROACH}
# The PostgreSQL stand-in (db-postgres.sh) runs where cockroach would: its clients, python3 to read the
# backup URL (and find the drill's throwaway database a free port), the AWS CLI that stands in for
# CockroachDB's own BACKUP into the bucket, and for the drill's throwaway database (cockroach
# start-single-node) the server's initdb and pg_ctl, and runuser (PostgreSQL refuses to run as root, as
# the tests do: it runs as the postgres user).
STAND_IN_TOOLS = frozenset({"psql", "pg_dump", "pg_restore", "python3", "aws", "initdb", "pg_ctl", "runuser"})


def image_tools(image: str, stand_in: bool = True) -> frozenset[str]:
    """The programs on the PATH of a container of `image` (a reference such as amazon/aws-cli:2.17.0),
    with the stand-in's for the database image when `stand_in`. An image with no list fails the test:
    its scripts could call anything."""
    name = image.rsplit(":", 1)[0].rsplit("/", 1)[-1]
    assert name in IMAGE_TOOLS, f"no list of the programs of image {image} (tests/runtime/pods.py IMAGE_TOOLS)"
    return IMAGE_TOOLS[name] | (STAND_IN_TOOLS if stand_in and name == "cockroach" else frozenset())


def tool_path(tools: frozenset[str], search_path: str, folder: Path) -> str:
    """A PATH of one folder, `folder`, of links to the first copy on `search_path` of each of `tools`
    (a program this machine lacks is left out: calling it fails as in a pod without it)."""
    folder.mkdir(parents=True, exist_ok=True)
    for tool in sorted(tools):
        found = shutil.which(tool, path=search_path)
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
    return {**job["template"]["spec"], "namespace": objects[0]["metadata"].get("namespace", "default")}


def only(spec: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The pod spec with only the containers (init or not) named `names`, run as containers in the pod's
    order: to run a pod in parts with one WORK_DIR (Site.run_steps), and do something between them."""
    every = [*spec.get("initContainers", []), *spec["containers"]]
    return {**spec, "initContainers": [], "containers": [c for c in every if c["name"] in names]}


def run_pod(spec: dict[str, Any], secret: dict[str, str], overrides: dict[str, str],
            secret_volumes: Mapping[str, Mapping[str, bytes]], volumes_dir: Path, timeout: float = 120) -> PodRun:
    """Runs the init containers, then the containers, stopping at the first that fails.
    `overrides`: environment values set over the container's own; its PATH says where this machine's
    programs are, and the container gets only those of its image (image_tools).
    `secret_volumes`: the files of each Secret that a volume mounts, by Secret name."""
    folders = {**_write_secret_volumes(spec, secret_volumes, volumes_dir), **_empty_dirs(spec, volumes_dir)}
    log = ""
    for container in [*spec.get("initContainers", []), *spec["containers"]]:
        env = {item["name"]: _env_value(item, secret, spec["namespace"]) for item in container.get("env", [])}
        for mount in container.get("volumeMounts", []):
            if mount["name"] in folders:
                env = {name: _remount(value, mount["mountPath"], folders[mount["name"]])
                       for name, value in env.items()}
        # Only where the spec has them: a container that names no database must not be given one.
        env.update({name: value for name, value in overrides.items() if name not in SPEC_ONLY or name in env})
        env["PATH"] = tool_path(image_tools(container["image"]), overrides["PATH"],
                                volumes_dir / "programs-on-path" / container["name"])
        args = [SEAM.sub(lambda _: POSTGRES_SEAM, arg) for arg in container.get("args", [])]
        # Bytes that are not UTF-8 (psql echoing a LATIN1 line) are replaced, not fatal: the kubelet's log
        # API passes a container's bytes on as they are, whatever they are.
        done = subprocess.run(check=False, args=[*container["command"], *args], env=env, text=True,
                              errors="replace", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
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

"""Security of the pods the post-renderer injects (issue #6), checked on the rendered output of
every mode: each rule below holds for every pod and every container, init containers too.

The rules are a table (rule text → check); a broken rule reads `<Kind>/<name>[ <container>]: <rule>`.
The second table proves that each rule catches what it is about, with its exact message.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from tests.security.rendered import MODES, containers, injected, pod_spec

Pod = dict[str, Any]
Container = dict[str, Any]
SCRATCH = {"/work", "/tmp"}  # the only writable paths: emptyDir volumes
# ... and the drill's throwaway database: the emptyDir `scratch` at /scratch, in the container that runs it only.
SCRATCH_DATABASE = ("scratch", "/scratch")
SCRATCH_DATABASE_USERS = {"drill"}
WRITABLE = "only emptyDir volumes at /work and /tmp (and the drill's /scratch) may be mounted writable"
FIRST_HASH = re.compile(r"-first-[0-9a-f]{8}$")
DRILL_POD = "CronJob/ds-enclaveos-drill: pick, drill, record"
BACKUP_PODS = ["CronJob/ds-enclaveos-backup: dump, upload", DRILL_POD,
               "Job/ds-enclaveos-backup-first-<hash>: dump, upload"]
RESTORE_PODS = ["CronJob/ds-enclaveos-backup: dump, upload", DRILL_POD,
                "Job/ds-enclaveos-restore-e066a46d: safety-dump, fetch, restore"]
# The containers that call the Kubernetes API (scripts/kube.sh): the backup's upload (the nodes of the manager and
# database pods; restore mode), the restore's fetch (the backup and drill pods not ended), the drill's pick
# (restore mode).
TOKEN_READERS = {"upload", "fetch", "pick"}


def _token_volumes(pod: Pod) -> set[str]:
    return {v["name"] for v in pod.get("volumes", [])
            if any("serviceAccountToken" in s for s in (v.get("projected") or {}).get("sources", []))}


def _writable_mounts_are_scratch(pod: Pod, container: Container) -> bool:
    scratch = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
    return all(m.get("readOnly") is True or (m["name"] in scratch and m["mountPath"] in SCRATCH)
               or (container["name"] in SCRATCH_DATABASE_USERS and (m["name"], m["mountPath"]) == SCRATCH_DATABASE)
               for m in container.get("volumeMounts", []))


def _security(item: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = item.get("securityContext") or {}
    return context


POD_RULES: tuple[tuple[str, Callable[[Pod], bool]], ...] = (
    ("automountServiceAccountToken must be false",
     lambda pod: pod.get("automountServiceAccountToken") is False),
    ("securityContext.runAsNonRoot must be true",
     lambda pod: _security(pod).get("runAsNonRoot") is True),
    ("securityContext.runAsUser must be set and not 0",
     lambda pod: _security(pod).get("runAsUser", 0) != 0),
    ("securityContext.seccompProfile.type must be RuntimeDefault",
     lambda pod: (_security(pod).get("seccompProfile") or {}).get("type") == "RuntimeDefault"),
    ("must not share the host's network, PID or IPC namespace",
     lambda pod: not any(pod.get(k) for k in ("hostNetwork", "hostPID", "hostIPC"))),
    ("serviceAccountName only when a container reads the Kubernetes API",
     lambda pod: ("serviceAccountName" in pod) == bool(_token_volumes(pod))),
)

CONTAINER_RULES: tuple[tuple[str, Callable[[Pod, Container], bool]], ...] = (
    ("securityContext.privileged must not be true",
     lambda pod, c: _security(c).get("privileged") is not True),
    ("securityContext.allowPrivilegeEscalation must be false",
     lambda pod, c: _security(c).get("allowPrivilegeEscalation") is False),
    ('securityContext.capabilities must drop ["ALL"] and add none',
     lambda pod, c: _security(c).get("capabilities") == {"drop": ["ALL"]}),
    ("securityContext.runAsNonRoot must be true and runAsUser not 0",
     lambda pod, c: _security(c).get("runAsNonRoot", True) is True and _security(c).get("runAsUser") != 0),
    ("securityContext.readOnlyRootFilesystem must be true",
     lambda pod, c: _security(c).get("readOnlyRootFilesystem") is True),
    ("securityContext.seccompProfile must not override the pod's RuntimeDefault",
     lambda pod, c: (_security(c).get("seccompProfile") or {"type": "RuntimeDefault"}) == {"type": "RuntimeDefault"}),
    ("resources must set requests and limits of cpu and memory",
     lambda pod, c: all(set((c.get("resources") or {}).get(k) or {}) >= {"cpu", "memory"}
                        for k in ("requests", "limits"))),
    (WRITABLE, _writable_mounts_are_scratch),
    ("a service-account token only in a container that reads the Kubernetes API",
     lambda pod, c: c["name"] in TOKEN_READERS
     or not {m["name"] for m in c.get("volumeMounts", [])} & _token_volumes(pod)),
    ("must not open ports (nothing connects to these pods)",
     lambda pod, c: not c.get("ports")),
)


def violations(obj: dict[str, Any]) -> list[str]:
    """Every rule that an object's pod breaks, as `<Kind>/<name>[ <container>]: <rule>`."""
    pod = pod_spec(obj)
    if pod is None:
        return []
    where = f"{obj['kind']}/{obj['metadata']['name']}"
    found = [f"{where}: {rule}" for rule, holds in POD_RULES if not holds(pod)]
    for name, container in containers(pod):
        found += [f"{where} {name}: {rule}" for rule, holds in CONTAINER_RULES if not holds(pod, container)]
    return found


@cache
def rendered(mode: str) -> tuple[dict[str, Any], ...]:
    return tuple(injected(MODES[mode].render()))


@pytest.mark.parametrize("mode,pods", [
    ("backup", BACKUP_PODS),
    ("restore", RESTORE_PODS),
    ("helm4-backup", BACKUP_PODS),
    ("native-backup", BACKUP_PODS),
    ("native-restore", RESTORE_PODS),
    ("secure-cluster", RESTORE_PODS),
])
def test_every_injected_pod_keeps_every_rule(mode: str, pods: list[str]) -> None:
    objects = rendered(mode)
    with_pods = [(o, spec) for o in objects if (spec := pod_spec(o)) is not None]
    # The first backup's Job is named by a hash of its spec (tests/unit/test_inject.py checks it).
    assert [f"{o['kind']}/{FIRST_HASH.sub('-first-<hash>', o['metadata']['name'])}: "
            f"{', '.join(c['name'] for _, c in containers(spec))}" for o, spec in with_pods] == pods
    assert [v for o in objects for v in violations(o)] == []


DROP = object()  # as a value below: remove the key


CRON = "CronJob/ds-enclaveos-backup"
BREAKS: list[tuple[str, object, str]] = [
    ("containers/0/securityContext/privileged", True,
     f"{CRON} container dump: securityContext.privileged must not be true"),
    ("containers/1/securityContext/allowPrivilegeEscalation", DROP,
     f"{CRON} container upload: securityContext.allowPrivilegeEscalation must be false"),
    ("containers/1/securityContext/capabilities/add", ["NET_RAW"],
     f'{CRON} container upload: securityContext.capabilities must drop ["ALL"] and add none'),
    ("containers/0/securityContext/capabilities/drop", ["NET_RAW"],
     f'{CRON} container dump: securityContext.capabilities must drop ["ALL"] and add none'),
    ("containers/0/securityContext/runAsUser", 0,
     f"{CRON} container dump: securityContext.runAsNonRoot must be true and runAsUser not 0"),
    ("containers/1/securityContext/readOnlyRootFilesystem", False,
     f"{CRON} container upload: securityContext.readOnlyRootFilesystem must be true"),
    ("containers/1/securityContext/seccompProfile", {"type": "Unconfined"},
     f"{CRON} container upload: securityContext.seccompProfile must not override the pod's RuntimeDefault"),
    ("containers/1/resources/limits/memory", DROP,
     f"{CRON} container upload: resources must set requests and limits of cpu and memory"),
    ("containers/1/volumeMounts/2/readOnly", False,
     f"{CRON} container upload: {WRITABLE}"),
    ("containers/0/volumeMounts/0/mountPath", "/var/lib",
     f"{CRON} container dump: {WRITABLE}"),
    ("containers/0/volumeMounts/2", {"name": "kube-api", "mountPath": "/token", "readOnly": True},
     f"{CRON} container dump: a service-account token only in a container that reads the Kubernetes API"),
    ("containers/1/ports", [{"containerPort": 8080}],
     f"{CRON} container upload: must not open ports (nothing connects to these pods)"),
    ("automountServiceAccountToken", True, f"{CRON}: automountServiceAccountToken must be false"),
    ("securityContext/runAsNonRoot", DROP, f"{CRON}: securityContext.runAsNonRoot must be true"),
    ("securityContext/runAsUser", 0, f"{CRON}: securityContext.runAsUser must be set and not 0"),
    ("securityContext/seccompProfile/type", "Unconfined",
     f"{CRON}: securityContext.seccompProfile.type must be RuntimeDefault"),
    ("hostPID", True, f"{CRON}: must not share the host's network, PID or IPC namespace"),
    ("volumes/2", {"name": "unused", "emptyDir": {}},
     f"{CRON}: serviceAccountName only when a container reads the Kubernetes API"),
]


@pytest.mark.parametrize("path,value,message", BREAKS, ids=[path for path, _, _ in BREAKS])
def test_each_rule_catches_what_it_is_about(path: str, value: object, message: str) -> None:
    [cronjob] = [o for o in rendered("backup") if f"{o['kind']}/{o['metadata']['name']}" == CRON]
    broken = copy.deepcopy(cronjob)
    node: Any = pod_spec(broken)
    *parents, last = path.split("/")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if value is DROP:
        del node[last]
    elif isinstance(node, list):
        node[int(last):int(last) + 1] = [value]
    else:
        node[last] = value
    assert violations(broken) == [message]


DRILL = "CronJob/ds-enclaveos-drill"


@pytest.mark.parametrize("container,mount,message", [
    pytest.param(0, {"name": "scratch", "mountPath": "/scratch"},
                 f"{DRILL} initContainer pick: {WRITABLE}", id="scratch-outside-the-drill-container"),
    pytest.param(1, {"name": "scratch", "mountPath": "/var/lib/cockroach"},
                 f"{DRILL} initContainer drill: {WRITABLE}", id="scratch-elsewhere"),
    pytest.param(1, {"name": "work", "mountPath": "/scratch"},
                 f"{DRILL} initContainer drill: {WRITABLE}", id="another-volume-at-scratch"),
])
def test_the_scratch_database_rule(container: int, mount: dict[str, str], message: str) -> None:
    [drill] = [o for o in rendered("backup") if f"{o['kind']}/{o['metadata']['name']}" == DRILL]
    broken = copy.deepcopy(drill)
    pod: Any = pod_spec(broken)
    pod["initContainers"][container]["volumeMounts"].append(mount)
    assert violations(broken) == [message]


@pytest.mark.parametrize("mode", ["backup", "secure-cluster", "native-backup"])
def test_the_drill_knows_no_production_database(mode: str) -> None:
    """No host, port or client certificates of the production database in any drill container."""
    [drill] = [o for o in rendered(mode) if f"{o['kind']}/{o['metadata']['name']}" == DRILL]
    pod: Any = pod_spec(drill)
    names = {e["name"] for _, c in containers(pod) for e in c.get("env", [])}
    assert names & {"DATABASE_HOST", "DATABASE_PORT", "DATABASE_CERTS_DIR"} == set()
    assert [v["name"] for v in pod["volumes"]] == ["work", "tmp", "scratch", "kube-api"]


@pytest.mark.parametrize("mode", ["backup", "restore", "helm4-backup", "native-restore"])
def test_the_pods_role_lists_pods_and_reads_one_configmap_nothing_more(mode: str) -> None:
    """Least privilege (issue 24): what scripts/kube.sh asks, and no more; the runtime tests' API stand-in
    enforces this very Role (tests/runtime/kube_api.py), so it is also enough."""
    [role] = [o for o in rendered(mode) if o["kind"] == "Role"]
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]},
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["ds-enclaveos-restoring"], "verbs": ["get"]}]

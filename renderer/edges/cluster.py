"""Talking to the cluster: every call is one `helm` or `kubectl` command, nothing else.

`Cluster` builds the command lines (with the namespace and kube context Helm gave the
plugin) and reads their JSON output; `Runner` is the one place that starts processes.
Tests replace the runner with a scripted one: the commands and their parsing stay real.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from renderer.errors import ClusterCallFailed, one_line, show
from renderer.restore.interrupt import INTERRUPTS
from renderer.values.cronjob_spec import FIXED_SPEC, UNSET_JOB_SPEC


@dataclass(frozen=True)
class Completed:
    code: int
    stdout: str
    stderr: str


class Runner(Protocol):
    def run(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> Completed:
        """Runs a command to its end; `env`: variables set for it on top of this process's."""

    def stream(self, argv: Sequence[str], on_line: Callable[[str], None],
               env: Mapping[str, str] | None = None) -> Completed:
        """Runs a command, handing each line of its stdout to `on_line` as it comes; its exit code
        and stderr (stdout is empty: it went to `on_line`)."""


def _environment(env: Mapping[str, str] | None) -> dict[str, str] | None:
    return {**os.environ, **env} if env else None


class ProcessRunner:
    """The real runner: a subprocess per command, environment inherited (KUBECONFIG, HELM_*)."""

    def run(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> Completed:
        try:
            with subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  errors="replace", env=_environment(env)) as process, INTERRUPTS.child(process):
                stdout, stderr = INTERRUPTS.communicate(process)
        except OSError as exc:
            raise ClusterCallFailed(f"cannot run {argv[0]}: {exc.strerror}") from None
        return Completed(process.returncode, stdout, stderr)

    def stream(self, argv: Sequence[str], on_line: Callable[[str], None],
               env: Mapping[str, str] | None = None) -> Completed:
        # stderr goes to a file, not a pipe: a pipe read only after stdout ends could fill up and stall.
        try:
            with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errors:
                with subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=errors, text=True,
                                      errors="replace", env=_environment(env)) as process, INTERRUPTS.child(process):
                    assert process.stdout is not None
                    for line in process.stdout:
                        on_line(line.rstrip("\n"))
                    code = process.wait()
                errors.seek(0)
                return Completed(code, "", errors.read())
        except OSError as exc:
            raise ClusterCallFailed(f"cannot run {argv[0]}: {exc.strerror}") from None


@dataclass(frozen=True)
class Release:
    name: str
    namespace: str
    revision: int
    status: str
    chart: str  # "<name>-<version>", as `helm list` shows it


@dataclass(frozen=True)
class Workload:
    replicas: int
    annotations: dict[str, str]
    ready: int


@dataclass(frozen=True)
class JobState:
    done: bool
    failed: bool
    reason: str


@dataclass(frozen=True)
class CronJobState:
    """A CronJob's spec and status as the status command reads them (times as the API gives them:
    RFC 3339 UTC strings, or None)."""

    schedule: str
    time_zone: str | None  # None: the controller's own zone
    suspended: bool
    starting_deadline: int | None  # seconds a run may start late (startingDeadlineSeconds)
    active_deadline: int | None  # seconds its Job may run (jobTemplate activeDeadlineSeconds)
    created: str | None
    last_schedule: str | None
    last_success: str | None
    active: tuple[str, ...]  # the Jobs it runs now
    job_labels: dict[str, str]  # the labels of the Jobs it makes
    fixed: dict[str, Any]  # its spec's fields of values/cronjob_spec.FIXED_SPEC (None: not set)
    job_set: dict[str, Any] = field(default_factory=dict)  # jobTemplate.spec's fields of UNSET_JOB_SPEC that are set


@dataclass(frozen=True)
class JobRecord:
    """One Job, finished or not: its name, when it started and ended, and how it ended."""

    name: str
    started: str | None
    finished: str | None  # when it completed or failed
    state: JobState
    owners: tuple[str, ...]  # the names of the CronJobs that own it
    suspended: bool = False  # spec.suspend: by hand, or by a queue (Kueue) until it admits the Job


@dataclass(frozen=True)
class ServerVersion:
    """The Kubernetes release the API server runs, as its /version endpoint says (Cluster.server_version)."""

    major: int
    minor: int
    git_version: str  # "v1.26.5-eks-4f4795d": the release and, on a managed cluster, the vendor's build

    @property
    def release(self) -> tuple[int, int]:
        """(major, minor), to compare with a release such as (1, 27)."""
        return self.major, self.minor

    def __str__(self) -> str:
        """gitVersion as one line (the server's text goes into messages), or vMAJOR.MINOR without one."""
        return one_line(self.git_version) if self.git_version else f"v{self.major}.{self.minor}"


# The kubeconfig user that holds --kube-token for kubectl (KubeIdentity.kubeconfig): the token is in no
# command line, and a printed command leaves this user out (shown).
KUBE_TOKEN_USER = "helm-datashield-kube-token"


@dataclass(frozen=True)
class KubeIdentity:
    """Who the run is and which API server it reaches, beyond the kubeconfig: Helm's global flags, which
    Helm takes off a plugin's arguments and hands it as HELM_* variables (helm/helm pkg/cli/environment.go
    EnvVars; checked with helm 3.17 and 4.3). helm, run by this command, reads them itself; kubectl knows
    none of them, so the same identity goes to it as its own flags: one identity for every call (issue 24)."""

    apiserver: str = ""  # --kube-apiserver (HELM_KUBEAPISERVER): kubectl --server
    token: str = ""  # --kube-token (HELM_KUBETOKEN): kubectl --user KUBE_TOKEN_USER of a kubeconfig file
    as_user: str = ""  # --kube-as-user (HELM_KUBEASUSER): kubectl --as
    as_groups: tuple[str, ...] = ()  # --kube-as-group (HELM_KUBEASGROUPS, comma-separated): --as-group each
    ca_file: str = ""  # --kube-ca-file (HELM_KUBECAFILE): kubectl --certificate-authority
    insecure: bool = False  # --kube-insecure-skip-tls-verify (HELM_KUBEINSECURE_SKIP_TLS_VERIFY=true)
    tls_server_name: str = ""  # --kube-tls-server-name (HELM_KUBETLS_SERVER_NAME): kubectl --tls-server-name

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> KubeIdentity:
        """The identity Helm handed over in `env` (a group given once is listed once: Helm 3.17 and 4.3
        repeat the whole list in HELM_KUBEASGROUPS)."""
        groups = tuple(dict.fromkeys(g for g in env.get("HELM_KUBEASGROUPS", "").split(",") if g))
        return cls(apiserver=env.get("HELM_KUBEAPISERVER", ""), token=env.get("HELM_KUBETOKEN", ""),
                   as_user=env.get("HELM_KUBEASUSER", ""), as_groups=groups, ca_file=env.get("HELM_KUBECAFILE", ""),
                   insecure=env.get("HELM_KUBEINSECURE_SKIP_TLS_VERIFY", "") == "true",
                   tls_server_name=env.get("HELM_KUBETLS_SERVER_NAME", ""))

    def helm_flags(self) -> list[str]:
        """Helm's global flags for this identity, to print in a command the operator may paste (Helm hands
        them to the plugin again as HELM_KUBE*): all but --kube-token, a secret no printed line holds."""
        return [*(["--kube-apiserver", self.apiserver] if self.apiserver else []),
                *(["--kube-as-user", self.as_user] if self.as_user else []),
                *(flag for group in self.as_groups for flag in ("--kube-as-group", group)),
                *(["--kube-ca-file", self.ca_file] if self.ca_file else []),
                *(["--kube-insecure-skip-tls-verify"] if self.insecure else []),
                *(["--kube-tls-server-name", self.tls_server_name] if self.tls_server_name else [])]

    def kubectl_flags(self) -> list[str]:
        """kubectl's flags for this identity (kubectl options: --server, --user, --as, --as-group,
        --certificate-authority, --insecure-skip-tls-verify, --tls-server-name)."""
        return [*(["--server", self.apiserver] if self.apiserver else []),
                *(["--user", KUBE_TOKEN_USER] if self.token else []),
                *(["--as", self.as_user] if self.as_user else []),
                *(flag for group in self.as_groups for flag in ("--as-group", group)),
                *(["--certificate-authority", self.ca_file] if self.ca_file else []),
                *(["--insecure-skip-tls-verify"] if self.insecure else []),
                *(["--tls-server-name", self.tls_server_name] if self.tls_server_name else [])]

    @contextmanager
    def kubectl_env(self, env: Mapping[str, str]) -> Iterator[dict[str, str]]:
        """The variables kubectl runs with: with a token, KUBECONFIG naming first a kubeconfig file of this
        process's own (mode 0600, deleted on exit) whose one user, KUBE_TOKEN_USER, holds it, then the
        kubeconfig files kubectl would read anyway (`env`'s KUBECONFIG, else ~/.kube/config): kubectl merges
        them, the first to set a key winning (kubectl config --help). Nothing without a token."""
        if not self.token:
            yield {}
            return
        with tempfile.TemporaryDirectory(prefix="helm-datashield-") as folder:
            path = os.path.join(folder, "kubeconfig")
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump({"apiVersion": "v1", "kind": "Config",
                           "users": [{"name": KUBE_TOKEN_USER, "user": {"token": self.token}}]}, handle)
            others = env.get("KUBECONFIG") or os.path.join(os.path.expanduser("~"), ".kube", "config")
            yield {"KUBECONFIG": os.pathsep.join([path, others])}


@dataclass
class Cluster:
    """The release's cluster, through `helm` and `kubectl`."""

    runner: Runner
    helm: str
    kubectl: str
    namespace: str
    context: str | None = None
    calls: list[list[str]] = field(default_factory=list)
    identity: KubeIdentity = field(default_factory=KubeIdentity)
    kubectl_env: Mapping[str, str] = field(default_factory=dict)  # KubeIdentity.kubectl_env's

    # -- command lines (pure) --------------------------------------------------------------
    def helm_argv(self, *args: str) -> list[str]:
        return [self.helm, *args, "--namespace", self.namespace,
                *(["--kube-context", self.context] if self.context else [])]

    def kubectl_argv(self, *args: str) -> list[str]:
        return [self.kubectl, *args, "--namespace", self.namespace,
                *(["--context", self.context] if self.context else []), *self.identity.kubectl_flags()]

    def _env(self, argv: Sequence[str]) -> Mapping[str, str] | None:
        return self.kubectl_env if argv and argv[0] == self.kubectl and self.kubectl_env else None

    # -- calls -------------------------------------------------------------------------------
    def call(self, argv: list[str], not_found: bool = False) -> str | None:
        """stdout of `argv`; None when `not_found` and the object does not exist; else raises."""
        self.calls.append(argv)
        done = self.runner.run(argv, self._env(argv))
        if done.code == 0:
            return done.stdout
        if not_found and re.search(r"not ?found", done.stderr, re.IGNORECASE):
            return None
        raise failed(argv, done)

    def _json(self, argv: list[str], not_found: bool = False) -> Any:
        out = self.call(argv, not_found)
        if out is None:
            return None
        try:
            return json.loads(out or "null")
        except ValueError:
            raise ClusterCallFailed(f"{shown(argv)} printed no JSON: {last_line(out)}") from None

    def helm_major(self) -> int:
        out = self.call([self.helm, "version", "--template", "{{.Version}}"]) or ""
        match = re.match(r"v(\d+)\.", out.strip())
        if not match:
            raise ClusterCallFailed(f"cannot tell the version of {self.helm} from {out.strip()!r}")
        return int(match.group(1))

    def server_version(self) -> ServerVersion:
        """The API server's Kubernetes version, from `kubectl version --output json`: an object of
        clientVersion, kustomizeVersion and serverVersion, each version an apimachinery version.Info (major,
        minor, gitVersion, ...; kubectl pkg/cmd/version/version.go, apimachinery pkg/version/types.go).
        A managed cluster marks its own builds with a "+" after the minor ("27+" on EKS and GKE; gitVersion
        "v1.27.3-eks-..."), taken off here. Raises ClusterCallFailed when kubectl fails (it exits 1 when
        the server does not answer, having printed the client's version alone), prints no serverVersion
        (no cluster configured: kubectl then exits 0), or one whose major or minor is not a number."""
        argv = self.kubectl_argv("version", "--output", "json")
        found = self._json(argv)
        server = found.get("serverVersion") if isinstance(found, dict) else None
        if not isinstance(server, dict):
            raise ClusterCallFailed(f"{shown(argv)} printed no serverVersion")
        major, minor = (str(server.get(key, "")).removesuffix("+") for key in ("major", "minor"))
        if not (re.fullmatch(r"[0-9]+", major) and re.fullmatch(r"[0-9]+", minor)):
            raise ClusterCallFailed(f"{shown(argv)} printed no version numbers: major {show(server.get('major'))}, "
                                    f"minor {show(server.get('minor'))}, gitVersion {show(server.get('gitVersion'))}")
        return ServerVersion(int(major), int(minor), str(server.get("gitVersion") or ""))

    def current_context(self) -> str | None:
        """The kubeconfig's current context (`kubectl config current-context`), None when it has none (kubectl
        exits 1: "current-context is not set", as in a pod's in-cluster configuration) or kubectl fails. The
        command pins it for the whole run: another terminal's `kubectl config use-context` would otherwise move
        the rest of a restore to another cluster, and the commands it prints name it (issue 24 §3)."""
        argv = [self.kubectl, "config", "current-context"]
        self.calls.append(argv)
        try:
            done = self.runner.run(argv, self._env(argv))
        except ClusterCallFailed:  # no kubectl: the calls that need it say so
            return None
        name = done.stdout.strip()
        return name if done.code == 0 and name and "\n" not in name else None

    def has_helm_plugin(self, name: str) -> bool:
        out = self.call([self.helm, "plugin", "list"]) or ""
        return any(line.split()[:1] == [name] for line in out.splitlines())

    def release(self, name: str) -> Release | None:
        # Every state that matters here; Helm 4 has no --all.
        found = self._json(self.helm_argv("list", "--deployed", "--failed", "--pending", "--uninstalling",
                                          "--filter", f"^{re.escape(name)}$", "--output", "json"))
        for entry in found or []:
            if entry.get("name") == name:
                return Release(name=name, namespace=str(entry.get("namespace", self.namespace)),
                               revision=int(entry.get("revision", 0)), status=str(entry.get("status", "")),
                               chart=str(entry.get("chart", "")))
        return None

    def values(self, release: str, computed: bool) -> dict[str, Any]:
        """The release's values: the user's own, or with `computed` every value the chart used."""
        loaded = self._json(self.helm_argv("get", "values", release, "--output", "json",
                                           *(["--all"] if computed else [])))
        return loaded if isinstance(loaded, dict) else {}

    def manifest(self, release: str) -> str:
        return self.call(self.helm_argv("get", "manifest", release)) or ""

    def chart_identity(self, chart: str, version: str | None) -> str:
        """`<name>-<version>` of a chart reference, to compare with the release's."""
        import yaml

        out = self.call([self.helm, "show", "chart", chart, *(["--version", version] if version else [])])
        meta = yaml.safe_load(out or "") or {}
        return f"{meta.get('name')}-{meta.get('version')}"

    def secret_keys(self, name: str) -> dict[str, str] | None:
        """The Secret's entries, decoded (held in memory only, never shown); None if it is missing."""
        found = self._json(self.kubectl_argv("get", "secret", name, "--output", "json"), not_found=True)
        if found is None:
            return None
        data = found.get("data") or {}
        return {key: base64.b64decode(value).decode("utf-8", "replace") for key, value in data.items()}

    def deployment(self, name: str) -> Workload | None:
        found = self._json(self.kubectl_argv("get", "deployment", name, "--output", "json"), not_found=True)
        if found is None:
            return None
        return Workload(replicas=int((found.get("spec") or {}).get("replicas", 1)),
                        annotations=dict((found.get("metadata") or {}).get("annotations") or {}),
                        ready=int((found.get("status") or {}).get("readyReplicas") or 0))

    def pod_nodes(self, selector: str) -> tuple[str, ...]:
        """The nodes that run the pods matching `selector` now (pods being deleted left out)."""
        found = self._json(self.kubectl_argv("get", "pods", "--selector", selector, "--output", "json"))
        nodes = {(pod.get("spec") or {}).get("nodeName") for pod in (found or {}).get("items", [])
                 if not (pod.get("metadata") or {}).get("deletionTimestamp")}
        return tuple(sorted(n for n in nodes if n))

    def node_names(self) -> tuple[str, ...] | None:
        """The cluster's nodes; None when this user may not list them (namespace-scoped access)."""
        self.calls.append(argv := [self.kubectl, "get", "nodes", "--output", "json",
                                   *(["--context", self.context] if self.context else []),
                                   *self.identity.kubectl_flags()])
        done = self.runner.run(argv, self._env(argv))
        if done.code != 0:
            return None
        items = json.loads(done.stdout or "{}").get("items", [])
        return tuple(sorted(str(item["metadata"]["name"]) for item in items))

    def job_state(self, name: str) -> JobState | None:
        found = self._json(self.kubectl_argv("get", "job", name, "--output", "json"), not_found=True)
        return None if found is None else _job_state(found)

    def cronjob(self, name: str) -> CronJobState | None:
        """The CronJob `name`; None when it does not exist."""
        found = self._json(self.kubectl_argv("get", "cronjob", name, "--output", "json"), not_found=True)
        if found is None:
            return None
        spec, status = found.get("spec") or {}, found.get("status") or {}
        template = spec.get("jobTemplate") or {}
        job_spec = template.get("spec") or {}
        deadline = job_spec.get("activeDeadlineSeconds")
        return CronJobState(
            schedule=str(spec.get("schedule", "")), time_zone=spec.get("timeZone"), suspended=bool(spec.get("suspend")),
            starting_deadline=spec.get("startingDeadlineSeconds"), active_deadline=deadline,
            created=(found.get("metadata") or {}).get("creationTimestamp"),
            last_schedule=status.get("lastScheduleTime"), last_success=status.get("lastSuccessfulTime"),
            active=tuple(str(ref.get("name")) for ref in status.get("active") or []),
            job_labels=dict((template.get("metadata") or {}).get("labels") or {}),
            fixed={field: spec.get(field) for field, _ in FIXED_SPEC},
            job_set={field: job_spec[field] for field in UNSET_JOB_SPEC
                     if job_spec.get(field) is not None and job_spec.get(field) is not False})  # 0 is set

    def jobs(self, labels: dict[str, str]) -> list[JobRecord]:
        """The Jobs that carry every one of `labels`, oldest first."""
        selector = ",".join(f"{key}={value}" for key, value in sorted(labels.items()))
        found = self._json(self.kubectl_argv("get", "jobs", "--selector", selector, "--output", "json"))
        records = []
        for job in (found or {}).get("items") or []:
            meta, status = job.get("metadata") or {}, job.get("status") or {}
            state = _job_state(job)
            ended = next((c.get("lastTransitionTime") for c in status.get("conditions") or []
                          if c.get("status") == "True" and c.get("type") in ("Complete", "Failed")), None)
            records.append(JobRecord(
                name=str(meta.get("name")), started=status.get("startTime") or meta.get("creationTimestamp"),
                finished=status.get("completionTime") or ended, state=state,
                owners=tuple(str(ref.get("name")) for ref in meta.get("ownerReferences") or []
                             if ref.get("kind") == "CronJob"),
                suspended=(job.get("spec") or {}).get("suspend") is True))
        return sorted(records, key=lambda record: (record.started or "", record.name))

    def job_log(self, job: str) -> list[str]:
        """The log lines of a Job's newest pod (job_pods), each container's that has started, in run order; raises
        when there is no pod or kubectl cannot read a log (the pod is gone, ...). Not `--all-containers`: the
        kubelet answers a container that never started (after an init container failed: PodInitializing) with an
        error, "container ... is waiting to start", and kubectl stops there, exit 1 (kubectl v1.32
        pkg/cmd/logs/logs.go sequentialConsumeRequest, without --ignore-errors)."""
        pods = self.job_pods(job)
        if not pods:
            raise ClusterCallFailed(f"Job {job} has no pod left")
        pod, containers = pods[-1]
        lines: list[str] = []
        for container, state in containers:
            if state != "waiting":
                lines += (self.call(self.kubectl_argv("logs", pod, "--container", container)) or "").splitlines()
        return lines

    def job_pods(self, job: str) -> list[tuple[str, list[tuple[str, str]]]]:
        """The Job's pods, oldest first (by creationTimestamp, then name), each with its containers in run order
        and their state (waiting, running, terminated); [] while it has none. A Job may have several: the
        drill's podFailurePolicy ignores a pod that exits REDRILL_EXIT and the Job starts another (record.sh), a
        backup Job tries again up to its backoffLimit. The API lists them by name, which says nothing of age, and
        `kubectl logs job/NAME` reads the pod kubectl calls most active, which of two ended pods is the older
        (kubectl v1.32 pkg/polymorphichelpers/attachablepodforobject.go: sort.Reverse(podutils.ActivePods); its
        test "kubectl attach - two ready pods" expects the older), so each pod is named."""
        found = self._json(self.kubectl_argv("get", "pods", "--selector", f"job-name={job}", "--output", "json"))
        items: list[dict[str, Any]] = (found or {}).get("items") or []
        pods = []
        for pod in sorted(items, key=lambda item: (str((item.get("metadata") or {}).get("creationTimestamp") or ""),
                                                   str((item.get("metadata") or {}).get("name") or ""))):
            status = pod.get("status") or {}
            states = {c.get("name"): next(iter(c.get("state") or {"waiting": {}}))
                      for c in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])}
            spec = pod.get("spec") or {}
            order = [c["name"] for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])]
            pods.append((str(pod["metadata"]["name"]), [(name, states.get(name, "waiting")) for name in order]))
        return pods

    def follow_log(self, pod: str, container: str, on_line: Callable[[str], None]) -> None:
        """Hands each line of a container's log to `on_line` until the container ends; raises
        when kubectl fails (the lines it gave before have been handed on)."""
        argv = self.kubectl_argv("logs", pod, "--container", container, "--follow")
        self.calls.append(argv)
        done = self.runner.stream(argv, on_line, self._env(argv))
        if done.code != 0:
            raise failed(argv, done)

    def run_to_end(self, argv: list[str]) -> None:
        """Runs a planned command (helm upgrade, kubectl rollout status, ...); raises on failure."""
        self.call(argv)


def job_logs_argv(job: str) -> list[str]:
    """The kubectl arguments that print every log of a Job: each pod's (a Job may have several, Cluster.job_pods),
    each container's, each line named by its pod and container (`--prefix`). With a selector kubectl prints the
    last 10 lines of each unless told otherwise (kubectl logs --help: --tail), and it stops at a container that
    never started unless errors are ignored (Cluster.job_log)."""
    return ["logs", "--selector", f"job-name={job}", "--all-containers", "--prefix", "--tail=-1", "--ignore-errors"]


def _job_state(job: dict[str, Any]) -> JobState:
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed"):
            failed = condition["type"] == "Failed"
            return JobState(True, failed, str(condition.get("reason") or condition.get("message") or ""))
    return JobState(False, False, "")


def shown(argv: Sequence[str]) -> str:
    """A command as the user could paste it: without `--user KUBE_TOKEN_USER`, a user of this run's own
    kubeconfig file (KubeIdentity.kubectl_env) that no other shell has."""
    pasted = list(argv)
    while "--user" in pasted and pasted.index("--user") + 1 < len(pasted) \
            and pasted[pasted.index("--user") + 1] == KUBE_TOKEN_USER:
        at = pasted.index("--user")
        del pasted[at:at + 2]
    return shlex.join(pasted)


def failed(argv: Sequence[str], done: Completed) -> ClusterCallFailed:
    """The error of a command that exited non-zero: the command and the last line of its stderr."""
    return ClusterCallFailed(f"{shown(argv)} failed: {last_line(done.stderr) or f'exit {done.code}'}")


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""

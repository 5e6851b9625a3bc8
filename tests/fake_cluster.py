"""A stand-in for what is behind `helm` and `kubectl` when they talk to a cluster.

No Kubernetes API server can run on these machines, so the restore command's cluster
calls are answered by this model: a release (status, revision, chart, user values over
the real chart's defaults, its manifest), Secrets, the manager Deployment and the nodes of
its pods, the API server's version (`kubectl version`), and the restore Job, which completes,
fails or hangs as the test says. A
`helm upgrade` changes the model as Helm and the post-renderer would (restore mode:
manager at 0 with the replicas-before-restore annotation, a Job named from RunId; out of
it: the replica count set). Commands that need no cluster (`helm template`, `helm show
chart`, `helm version`, `helm plugin list`) go to the real helm binary.

Used two ways: as the runner of `Cluster` in-process (tests/restore/test_session.py)
and as the `helm`/`kubectl` executables of the end-to-end tests (tests/fixtures/fake-cluster).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from renderer.edges.cluster import Completed
from renderer.values.defaults import merge

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = (ROOT / "tests" / "golden" / "backup" / "in.yaml").read_text(encoding="utf-8")  # release "ds", ns "prod"
CHART_VALUES: dict[str, Any] = yaml.safe_load((ROOT / "chart" / "values.yaml").read_text(encoding="utf-8"))
RESTORE_ANNOTATION = "datashield.ibm.com/replicas-before-restore"
CONTAINERS = ("safety-dump", "fetch", "restore")
GOOD_LOG = {"safety-dump": ["[safety-dump] dumping malbork"],
            "fetch": ["[fetch] verified ds-20261123T000000Z.sql",
                      "[fetch] the data before this restore is saved as s3://{bucket}/{base}pre-restore-ds-20261124T010203Z.sql"],
            "restore": ["[restore] dropping malbork", "[restore] restored malbork: 2 tables, row counts as recorded"]}

# The containers of a backup pod and of a drill pod: (init containers, containers), in run order.
BACKUP_CONTAINERS: tuple[tuple[str, ...], tuple[str, ...]] = ((), ("dump", "upload"))
DRILL_CONTAINERS: tuple[tuple[str, ...], tuple[str, ...]] = (("pick", "drill"), ("record",))
# What an ignored drill pod logged (record.sh, the branch that exits REDRILL_EXIT), as each container's log.
IGNORED_POD_LINE = ("s3://b/ds-20261122T000000Z.native was deleted during the drill (a backup's retention): nothing "
                    "was proven or disproven, no drill record is written; exit 4: the Job starts another pod, which "
                    "drills the newest backup")
# The log of a drill pod that its Job ignored, by container: its drill failed on a backup deleted meanwhile
# (record.sh REDRILL_EXIT).
IGNORED_POD_LOG = {"pick": "[pick] drilling s3://b/ds-20261122T000000Z.native",
                   "drill": "[drill] FAILED: RESTORE failed: s3://b/ds-20261122T000000Z.native: NoSuchKey",
                   "record": f"[record] {IGNORED_POD_LINE}"}


# The backup CronJob as the post-renderer renders it (schedule, deadlines, the Jobs' labels), with
# the status of one that last ran and succeeded at midnight on 2026-11-23.
BACKUP_CRONJOB: dict[str, Any] = {
    "schedule": "0 0 * * *", "timeZone": "UTC", "suspend": False, "startingDeadlineSeconds": 3600,
    "activeDeadlineSeconds": 21600, "created": "2026-11-01T12:00:00Z", "lastScheduleTime": "2026-11-23T00:00:00Z",
    "lastSuccessfulTime": "2026-11-23T00:03:00Z", "active": [],
    "concurrencyPolicy": "Forbid", "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3,
    "jobLabels": {"app.kubernetes.io/name": "enclaveos-backup", "app.kubernetes.io/instance": "ds",
                  "app.kubernetes.io/component": "backup", "app.kubernetes.io/part-of": "enclave-manager",
                  "app.kubernetes.io/managed-by": "Helm", "datashield.ibm.com/generated-by": "helm-datashield"}}


# The drill CronJob as the post-renderer renders it (issue 18: weekly, Sunday 03:00; the default deadlines),
# made with the release.
DRILL_CRONJOB: dict[str, Any] = {
    **BACKUP_CRONJOB, "schedule": "0 3 * * 0", "lastScheduleTime": "2026-11-22T03:00:00Z",
    "lastSuccessfulTime": "2026-11-22T03:01:10Z",
    "jobLabels": {**BACKUP_CRONJOB["jobLabels"], "app.kubernetes.io/name": "enclaveos-drill",
                  "app.kubernetes.io/component": "drill"}}


# `kubectl version --output json` as the kubectl these tests stand for prints it (.tools/helm3/kubectl, 1.32.3;
# its clientVersion and kustomizeVersion copied from its output): kubectl pkg/cmd/version/version.go prints the
# struct Version {clientVersion, kustomizeVersion, serverVersion} with json.MarshalIndent(v, "", "  "), each
# version an apimachinery pkg/version Info (major, minor, gitVersion, gitCommit, gitTreeState, buildDate,
# goVersion, compiler, platform in 1.32; 1.33 adds the emulation and compatibility versions).
CLIENT_VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.3",
                  "gitCommit": "32cc146f75aad04beaaa245a7157eb35063a9f99", "gitTreeState": "clean",
                  "buildDate": "2025-03-11T19:58:53Z", "goVersion": "go1.23.6", "compiler": "gc",
                  "platform": "linux/amd64"}
KUSTOMIZE_VERSION = "v5.5.0"


def api_server_version(git_version: str, minor: str | None = None, major: str = "1") -> dict[str, str]:
    """An API server's /version (serverVersion): `git_version` such as "v1.26.5-eks-4f4795d"; `minor` as it
    says it when not the release's own ("26+": EKS and GKE mark their builds so, e.g. minor "21+" with
    gitVersion "v1.21.2-eks-06eac09"). Only major, minor and gitVersion are read: the rest is a placeholder."""
    release = re.match(r"v?\d+\.(\d+)", git_version)
    return {"major": major, "minor": minor if minor is not None else (release.group(1) if release else ""),
            "gitVersion": git_version, "gitCommit": "0" * 40, "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.22.5", "compiler": "gc", "platform": "linux/amd64"}


@dataclass
class State:
    """The cluster as the test sets it up; every field is JSON, so a file can hold it."""

    namespace: str = "prod"
    release: dict[str, Any] | None = field(default_factory=lambda: {
        "name": "ds", "revision": 3, "status": "deployed", "chart": "enclave-manager-0.1.0"})
    user_values: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    manager: dict[str, Any] | None = field(default_factory=lambda: {
        "replicas": 3, "annotations": {}, "nodes": ["sgx-1", "sgx-2"]})
    nodes: list[str] | None = field(default_factory=lambda: ["sgx-1", "sgx-2", "sgx-3"])  # None: may not list
    job_outcome: str = "complete"  # or "failed" (in the container named by failing_container), "hang"
    # The containers of a Job's pod, in run order (the last one is the pod's container, the others init
    # containers): the restore Job's by default; the drill's are pick, drill and record.
    containers: list[str] = field(default_factory=lambda: list(CONTAINERS))
    failing_container: str = "restore"
    # Pods of a Job made now (`jobs`) that ended before its pod and that the Job ignored (the drill's
    # podFailurePolicy, record.sh REDRILL_EXIT): each container's log is IGNORED_POD_LOG's.
    ignored_pods: int = 0
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail: dict[str, str] = field(default_factory=dict)  # call name -> stderr of a failure
    # Failures of the N-th call of a kind (see call_kind): kind -> {"N": stderr} for that call,
    # {"N+": stderr} for it and every later one.
    fail_calls: dict[str, dict[str, str]] = field(default_factory=dict)
    # Calls of a kind that take this many seconds (as the executable: touches <state file>.<kind>.started first,
    # so that a test knows the call is under way).
    slow: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # calls so far, by kind
    logs: dict[str, list[str]] = field(default_factory=dict)  # container -> its log lines, instead of GOOD_LOG
    # The backup CronJob `ds-enclaveos-backup` (fields of BACKUP_CRONJOB); None: it does not exist.
    cronjob: dict[str, Any] | None = field(default_factory=lambda: copy.deepcopy(BACKUP_CRONJOB))
    # The drill CronJob `ds-enclaveos-drill` (fields of DRILL_CRONJOB); None: it does not exist.
    drill_cronjob: dict[str, Any] | None = field(default_factory=lambda: copy.deepcopy(DRILL_CRONJOB))
    # The CronJobs' Jobs: {"name", "started", "finished", "outcome": "complete"|"failed"|"running", "reason",
    # "log": the lines of its (newest) pod's `kubectl logs POD --all-containers`, None when its pods are gone,
    # "ignored_logs": the logs of earlier pods its podFailurePolicy ignored, oldest first (_job_pods), "component":
    # "drill" for a drill Job (else a backup Job), "ends_after": a running Job completes after this many more
    # listings}. `kubectl delete job` removes one.
    backup_jobs: list[dict[str, Any]] = field(default_factory=list)
    # The kubeconfig's current context (kubectl config current-context); None: none is set.
    current_context: str | None = "ops-cluster"
    # The API server's /version (api_server_version); None: it does not answer it (forbidden to this user).
    server_version: dict[str, str] | None = field(default_factory=lambda: api_server_version("v1.31.0"))
    calls: list[list[str]] = field(default_factory=list)
    identities: list[dict[str, Any]] = field(default_factory=list)  # who each call authenticated as (_identity)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> State:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


class FakeCluster:
    """Answers helm and kubectl command lines from a `State`, as `Cluster`'s runner."""

    def __init__(self, state: State, real_helm: str) -> None:
        self.state = state
        self.real_helm = real_helm

    # -- Runner --------------------------------------------------------------------------
    def run(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> Completed:
        args = list(argv)
        self.state.calls.append(args)
        tool = Path(args[0]).name
        args, namespace = _without_flag(args[1:], "--namespace")
        args, _ = _without_flag(args, "--kube-context")
        args, _ = _without_flag(args, "--context")
        args = self._identity(tool, args, {**os.environ, **(env or {})})
        if namespace not in (None, self.state.namespace):
            return _fail(f'Error: namespaces "{namespace}" not found')
        kind = call_kind(tool, args)
        number = self.state.counts[kind] = self.state.counts.get(kind, 0) + 1
        planned = self.state.fail_calls.get(kind, {})
        failure = planned.get(str(number)) or next((stderr for at, stderr in planned.items()
                                                    if at.endswith("+") and number >= int(at[:-1])), None)
        if failure is not None:
            return _fail(failure)
        handler = self._helm if tool.startswith("helm") else self._kubectl
        return handler(args)

    def _identity(self, tool: str, args: list[str], env: Mapping[str, str]) -> list[str]:
        """`args` without kubectl's identity flags; who the call authenticates as, and how, recorded in
        State.identities: helm reads Helm's HELM_KUBE* variables, kubectl its flags and, for --user, the
        token of that user in the first file of KUBECONFIG that names it (kubectl's merge rule)."""
        seen: dict[str, Any] = {"tool": tool}
        if tool.startswith("helm"):
            seen.update(token=env.get("HELM_KUBETOKEN", ""), server=env.get("HELM_KUBEAPISERVER", ""),
                        user=env.get("HELM_KUBEASUSER", ""), ca=env.get("HELM_KUBECAFILE", ""))
        else:
            values: dict[str, list[str]] = {}
            for flag in ("--server", "--user", "--as", "--as-group", "--certificate-authority", "--tls-server-name"):
                while flag in args:
                    args, value = _without_flag(args, flag)
                    values.setdefault(flag, []).append(value or "")
            insecure = "--insecure-skip-tls-verify" in args
            args = [a for a in args if a != "--insecure-skip-tls-verify"]
            token = ""
            for user in values.get("--user", []):
                for name in env.get("KUBECONFIG", "").split(os.pathsep):
                    config = json.loads(Path(name).read_text(encoding="utf-8")) if Path(name).is_file() else {}
                    token = token or next((u["user"].get("token", "") for u in config.get("users", [])
                                           if u.get("name") == user), "")
            seen.update(token=token, server=(values.get("--server") or [""])[0], user=(values.get("--as") or [""])[0],
                        groups=values.get("--as-group", []), ca=(values.get("--certificate-authority") or [""])[0],
                        insecure=insecure)
        self.state.identities.append(seen)
        return args

    def stream(self, argv: Sequence[str], on_line: Callable[[str], None],
               env: Mapping[str, str] | None = None) -> Completed:
        done = self.run(argv, env)
        for line in done.stdout.splitlines():
            on_line(line)
        return Completed(done.code, "", done.stderr)

    # -- helm ----------------------------------------------------------------------------
    def _helm(self, args: list[str]) -> Completed:
        if args[0] in ("template", "show", "version", "plugin"):
            real = subprocess.run([self.real_helm, *args, *(["--namespace", self.state.namespace]
                                                           if args[0] == "template" else [])],
                                  capture_output=True, text=True, check=False)
            return Completed(real.returncode, real.stdout, real.stderr)
        release = self.state.release
        if args[0] == "list":
            return _ok(json.dumps([{**release, "namespace": self.state.namespace}] if release else []))
        if release is None or (len(args) > 2 and args[2] != release["name"] and args[0] == "get"):
            return _fail("Error: release: not found")
        if args[:2] == ["get", "values"]:
            values = merge(CHART_VALUES, self.state.user_values) if "--all" in args else self.state.user_values
            return _ok(json.dumps(values or None))
        if args[:2] == ["get", "manifest"]:
            return _ok(MANIFEST)
        if args[0] == "upgrade":
            return self._upgrade(args)
        return _fail(f"fake helm: unexpected {args}")

    def _upgrade(self, args: list[str]) -> Completed:
        assert "--reuse-values" in args, "the restore keeps the release's values"
        sets = [args[i + 1] for i, a in enumerate(args) if a in ("--set", "--set-string")]
        restore = "enclaveos-chart.Restore.Enabled=true" in sets
        failure = self.state.fail.get("upgrade-restore" if restore else "upgrade-back")
        if failure:
            return _fail(failure)
        values = copy.deepcopy(self.state.user_values)
        for item in sets:
            key, value = item.split("=", 1)
            _put(values, key.split("."), value.replace("\\,", ",").replace("\\\\", "\\"))
        self.state.user_values = values
        assert self.state.release and self.state.manager
        self.state.release["revision"] += 1
        computed = merge(CHART_VALUES, values)
        replicas = int(computed["enclaveos-chart"]["Manager"]["ReplicaCount"])
        if restore:
            self.state.manager.update(replicas=0, annotations={RESTORE_ANNOTATION: str(replicas)})
            run_id = computed["enclaveos-chart"]["Restore"]["RunId"]
            self.state.jobs[f"ds-enclaveos-restore-{run_id}"] = {"polls": 0}
        else:
            self.state.manager.update(replicas=replicas, annotations={})
            self.state.jobs = {}
        return _ok(f'Release "{self.state.release["name"]}" has been upgraded.')

    # -- kubectl -------------------------------------------------------------------------
    def _kubectl(self, args: list[str]) -> Completed:
        verb, kind = args[0], args[1] if len(args) > 1 else ""
        if verb == "version":
            return self._version()
        if verb == "config" and kind == "current-context":
            # kubectl pkg/cmd/config/current_context.go: the name, or this error and exit 1 when none is set.
            if self.state.current_context is None:
                return _fail("error: current-context is not set")
            return _ok(self.state.current_context + "\n")
        if verb == "get" and kind == "secret":
            data = self.state.secrets.get(args[2])
            if data is None:
                return _fail(f'Error from server (NotFound): secrets "{args[2]}" not found')
            return _ok(json.dumps({"data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}))
        if verb == "get" and kind == "deployment":
            manager = self.state.manager
            if manager is None:
                return _fail(f'Error from server (NotFound): deployments.apps "{args[2]}" not found')
            return _ok(json.dumps({"metadata": {"annotations": manager["annotations"]},
                                   "spec": {"replicas": manager["replicas"]},
                                   "status": {"readyReplicas": manager["replicas"]}}))
        if verb == "get" and kind == "nodes":
            if self.state.nodes is None:
                return _fail('Error from server (Forbidden): nodes is forbidden: User "ops" cannot list nodes')
            return _ok(json.dumps({"items": [{"metadata": {"name": n}} for n in self.state.nodes]}))
        if verb == "get" and kind == "pods":
            return self._pods(args)
        if verb == "get" and kind == "job":
            return self._job(args[2])
        if verb == "get" and kind == "cronjob":
            return self._cronjob(args[2])
        if verb == "get" and kind == "jobs":
            return self._backup_jobs(args[args.index("--selector") + 1])
        if verb == "logs" and (listed := self._container_log(args[1], args[args.index("--container") + 1])):
            return listed
        if verb == "logs":
            return self._logs(args[1], args[args.index("--container") + 1])
        if verb == "rollout":
            return _fail(self.state.fail["rollout"]) if "rollout" in self.state.fail else _ok("successfully rolled out")
        if verb == "delete" and kind == "job":
            failure = self.state.fail.get("delete-job")
            return _fail(failure) if failure else self._delete_job(args[2], "--ignore-not-found" in args)
        if verb == "create" and kind == "job":
            return _fail(self.state.fail["create-job"]) if "create-job" in self.state.fail else self._create_job(args)
        return _fail(f"fake kubectl: unexpected {args}")

    def _version(self) -> Completed:
        """`kubectl version --output json` as kubectl 1.32 answers it (CLIENT_VERSION): the client's version and,
        when the server answers /version, the server's. Without it kubectl exits 1 with the error, the client's
        version printed all the same. It then checks the skew (printVersionSkewWarning): a server gitVersion
        that is not semantic (apimachinery util/version ParseSemantic) fails the command, exit 1; a minor release
        more than one away from the client's is a WARNING line on stderr, exit 0."""
        printed: dict[str, Any] = {"clientVersion": CLIENT_VERSION, "kustomizeVersion": KUSTOMIZE_VERSION}
        server = self.state.server_version
        if server is None:
            # The authorizer's answer for a path that is not a resource, as kubectl prints an API error.
            return Completed(1, json.dumps(printed, indent=2) + "\n",
                             'Error from server (Forbidden): forbidden: User "ops" cannot get path "/version"\n')
        printed["serverVersion"] = server
        out = json.dumps(printed, indent=2) + "\n"
        semantic = re.fullmatch(r"v?(\d+)\.(\d+)\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?", server["gitVersion"])
        if semantic is None:
            return Completed(1, out, f'error: could not parse "{server["gitVersion"]}" as version\n')
        client = (int(CLIENT_VERSION["major"]), int(CLIENT_VERSION["minor"]))
        major, minor = int(semantic.group(1)), int(semantic.group(2))
        if major != client[0] or abs(minor - client[1]) > 1:
            return Completed(0, out, f"WARNING: version difference between client ({client[0]}.{client[1]}) and server "
                                     f"({major}.{minor}) exceeds the supported minor version skew of +/-1\n")
        return _ok(out)

    def _pods(self, args: list[str]) -> Completed:
        selector = args[args.index("--selector") + 1]
        match = re.fullmatch(r"job-name=(.+)", selector)
        if match is None:
            manager = self.state.manager or {"replicas": 0, "nodes": []}
            nodes = manager["nodes"][:manager["replicas"]] if manager["replicas"] else []
            return _ok(json.dumps({"items": [{"metadata": {"name": f"m-{n}"}, "spec": {"nodeName": n}}
                                             for n in nodes]}))
        job = match.group(1)
        if job not in self.state.jobs:
            return _ok(json.dumps({"items": self._job_pods(job)}))
        containers = self.state.containers
        ignored = [{  # pods the drill's podFailurePolicy ignored (record.sh REDRILL_EXIT): every container ended
            "metadata": {"name": f"{job}-zz{index:03d}", "creationTimestamp": "2026-11-01T00:00:00Z"},
            "spec": {"initContainers": [{"name": c} for c in containers[:-1]],
                     "containers": [{"name": containers[-1]}]},
            "status": {"initContainerStatuses": [{"name": c, "state": {"terminated": {}}} for c in containers[:-1]],
                       "containerStatuses": [{"name": containers[-1], "state": {"terminated": {}}}]}}
            for index in range(self.state.ignored_pods)]
        return _ok(json.dumps({"items": [{
            "metadata": {"name": f"{job}-pod", "creationTimestamp": "2026-11-01T00:01:00Z"},
            "spec": {"initContainers": [{"name": c} for c in containers[:-1]],
                     "containers": [{"name": containers[-1]}]},
            "status": {"initContainerStatuses": [{"name": c, "state": {self._container_state(c): {}}}
                                                 for c in containers[:-1]],
                       "containerStatuses": [{"name": containers[-1],
                                              "state": {self._container_state(containers[-1]): {}}}]}},
                                         *ignored]}))  # in name order, as the API lists them

    def _container_state(self, container: str) -> str:
        containers = self.state.containers
        if self.state.job_outcome == "hang":
            return "running" if container == containers[0] else "waiting"
        if self.state.job_outcome == "failed":
            order = containers.index(container) - containers.index(self.state.failing_container)
            return "terminated" if order <= 0 else "waiting"
        return "terminated"

    def _job(self, name: str) -> Completed:
        job = self.state.jobs.get(name)
        if job is None:
            return _fail(f'Error from server (NotFound): jobs.batch "{name}" not found')
        job["polls"] += 1
        conditions = []
        if job["polls"] > 1 and self.state.job_outcome != "hang":
            kind = "Failed" if self.state.job_outcome == "failed" else "Complete"
            conditions = [{"type": kind, "status": "True", "reason": "BackoffLimitExceeded" if kind == "Failed"
                           else "Completed"}]
        return _ok(json.dumps({"status": {"conditions": conditions}}))

    def _logs(self, pod: str, container: str) -> Completed:
        if not pod.endswith("-pod"):  # an ignored pod (_pods): its drill failed on a backup deleted meanwhile
            return _ok(f"{IGNORED_POD_LOG.get(container, f'[{container}] done')}\n")
        s3 = self.state.user_values.get("global", {}).get("S3", {})
        prefix = self.state.user_values.get("enclaveos-chart", {}).get("Backup", {}).get("S3Prefix", "")
        where = {"bucket": s3.get("Bucket", "bucket"), "base": f"{prefix}/" if prefix else ""}
        lines = [line.format(**where) for line in self.state.logs.get(container, GOOD_LOG.get(container, []))]
        if self.state.job_outcome == "failed" and container == self.state.failing_container \
                and container not in self.state.logs:  # a log the test gives is the whole log
            lines = [*lines[:1], f"[{container}] FAILED: the import failed (exit 1): ERROR: syntax error"]
        return _ok("".join(f"{line}\n" for line in lines))

    def _cronjobs(self) -> dict[str, dict[str, Any] | None]:
        release = (self.state.release or {}).get("name")
        return {f"{release}-enclaveos-backup": self.state.cronjob,
                f"{release}-enclaveos-drill": self.state.drill_cronjob}

    def _cronjob(self, name: str) -> Completed:
        cronjob = self._cronjobs().get(name)
        if cronjob is None:
            return _fail(f'Error from server (NotFound): cronjobs.batch "{name}" not found')
        return _ok(json.dumps({
            "metadata": {"name": name, "creationTimestamp": cronjob["created"]},
            "spec": {"schedule": cronjob["schedule"], "timeZone": cronjob["timeZone"], "suspend": cronjob["suspend"],
                     "startingDeadlineSeconds": cronjob["startingDeadlineSeconds"],
                     **{field: cronjob[field] for field in ("concurrencyPolicy", "successfulJobsHistoryLimit",
                                                            "failedJobsHistoryLimit")},
                     "jobTemplate": {"metadata": {"labels": cronjob["jobLabels"]},
                                     "spec": {"activeDeadlineSeconds": cronjob["activeDeadlineSeconds"],
                                              **cronjob.get("jobSpec", {})}}},
            "status": {"lastScheduleTime": cronjob["lastScheduleTime"],
                       "lastSuccessfulTime": cronjob["lastSuccessfulTime"],
                       "active": [{"kind": "Job", "name": job} for job in cronjob["active"]]}}))

    def _backup_jobs(self, selector: str) -> Completed:
        """The backup and drill Jobs whose labels (their CronJob template's) `selector` asks for (none, as
        the API answers a selector that matches nothing). A running Job with "ends_after" completes once
        listed that many more times."""
        wanted = dict(pair.split("=", 1) for pair in selector.split(","))
        items = []
        for job in self.state.backup_jobs:
            component = job.get("component", "backup")
            template = (self.state.drill_cronjob or DRILL_CRONJOB) if component == "drill" else \
                (self.state.cronjob or BACKUP_CRONJOB)
            labels = template["jobLabels"]
            if any(labels.get(key) != value for key, value in wanted.items()):
                continue
            if job["outcome"] == "running" and job.get("ends_after") is not None:
                job["ends_after"] -= 1
                if job["ends_after"] < 0:
                    job.update(outcome="complete", finished="2026-11-24T00:10:00Z")
            done = {"complete": "Complete", "failed": "Failed"}.get(job["outcome"])
            conditions = [{"type": done, "status": "True", "reason": job.get("reason", ""),
                           "lastTransitionTime": job["finished"]}] if done else []
            items.append({"metadata": {"name": job["name"], "labels": labels, "ownerReferences": [
                              {"kind": "CronJob", "name": f"ds-enclaveos-{component}"}]},
                          "spec": {"suspend": job.get("suspend", False)},
                          "status": {"startTime": job["started"], "conditions": conditions,
                                     **({"completionTime": job["finished"]} if done == "Complete" else {})}})
        return _ok(json.dumps({"items": items}))

    def _delete_job(self, name: str, ignore_not_found: bool) -> Completed:
        """`kubectl delete job NAME --cascade=foreground`: gone, with its pod, when the command returns (kubectl
        waits for the deletion, which foreground cascading finishes after the Job's pods)."""
        before = len(self.state.backup_jobs)
        self.state.backup_jobs = [job for job in self.state.backup_jobs if job["name"] != name]
        if len(self.state.backup_jobs) == before and not ignore_not_found:
            return _fail(f'Error from server (NotFound): jobs.batch "{name}" not found')
        if len(self.state.backup_jobs) == before:
            return _ok("")
        return _ok(f'job.batch "{name}" deleted')

    def _job_pods(self, name: str) -> list[dict[str, Any]]:
        """The pods of a listed Job, as the API lists them (by name): those the drill's podFailurePolicy ignored
        ("ignored_logs", oldest first), then the one whose log is "log", named so that name order is not age
        order (the Job controller's suffixes are random); their containers as the pods' (_containers_of)."""
        job = next((job for job in self.state.backup_jobs if job["name"] == name), None)
        if job is None or job.get("log") is None:
            return []
        init, main = DRILL_CONTAINERS if job.get("component") == "drill" else BACKUP_CONTAINERS
        pods = [(f"{name}-zz{index:03d}", f"2026-11-01T00:00:{index:02d}Z", log)
                for index, log in enumerate(job.get("ignored_logs", []))]
        pods.append((f"{name}-aaaaa", job["started"], job["log"]))
        items = []
        for pod, created, log in sorted(pods):
            states = _containers_of(init, main, log)
            items.append({"metadata": {"name": pod, "creationTimestamp": created},
                          "spec": {"initContainers": [{"name": c} for c in init],
                                   "containers": [{"name": c} for c in main]},
                          "status": {"initContainerStatuses": [{"name": c, "state": {state: {}}, "log": lines}
                                                               for c, state, lines in states[:len(init)]],
                                     "containerStatuses": [{"name": c, "state": {state: {}}, "log": lines}
                                                           for c, state, lines in states[len(init):]]}})
        return items

    def _container_log(self, pod: str, container: str) -> Completed | None:
        """`kubectl logs POD --container CONTAINER` of a listed Job's pod (_job_pods), None for another pod. The
        kubelet refuses the log of a container that never started (its validateContainerLogStatus)."""
        for job in self.state.backup_jobs:
            for item in self._job_pods(job["name"]):
                if item["metadata"]["name"] == pod:
                    status = next(s for s in item["status"]["initContainerStatuses"] +
                                  item["status"]["containerStatuses"] if s["name"] == container)
                    if "waiting" in status["state"]:
                        return _fail(f'Error from server (BadRequest): container "{container}" in pod "{pod}" is '
                                     'waiting to start: PodInitializing')
                    return _ok("".join(f"{line}\n" for line in status["log"]))
        return None

    def _create_job(self, args: list[str]) -> Completed:
        source = next(a.removeprefix("--from=cronjob/") for a in args if a.startswith("--from=cronjob/"))
        if self._cronjobs().get(source) is None:
            return _fail(f'error: failed to retrieve CronJob {source}: cronjobs.batch "{source}" not found')
        self.state.jobs[args[2]] = {"polls": 0}
        return _ok(f"job.batch/{args[2]} created")


def _containers_of(init: tuple[str, ...], main: tuple[str, ...], log: list[str]) -> list[tuple[str, str, list[str]]]:
    """(container, state, its lines) of a pod whose log, every container's, is `log`: a line is its container's
    by its "[container]" head (lib.sh log and fail), else the pod's last container's. The init containers run
    one after the other: after one whose log has a FAILED line, the others never start (waiting); the pod's
    containers (side by side) have all ended."""
    order = [*init, *main]
    lines: dict[str, list[str]] = {c: [] for c in order}
    for line in log:
        head = line[1:line.index("]")] if line.startswith("[") and "]" in line else ""
        lines[head if head in lines else order[-1]].append(line)
    failed = next((i for i, c in enumerate(init) if any("FAILED:" in line for line in lines[c])), None)
    return [(c, "waiting" if failed is not None and i > failed else "terminated", lines[c])
            for i, c in enumerate(order)]


def call_kind(tool: str, args: list[str]) -> str:
    """The kind of a call, for State.fail_calls and State.slow: `upgrade-restore`, `upgrade-back`,
    other helm calls by their verb (`list`, `get-values`); kubectl `get-job`, `get-pods`, `logs`,
    `rollout`, `version`, `create-job`, ..."""
    if tool.startswith("helm"):
        if args[0] == "upgrade":
            return "upgrade-restore" if "enclaveos-chart.Restore.Enabled=true" in args else "upgrade-back"
        return "-".join(args[:2]) if args[0] == "get" else args[0]
    return args[0] if args[0] in ("logs", "rollout", "version") else "-".join(args[:2])


def _without_flag(args: list[str], flag: str) -> tuple[list[str], str | None]:
    if flag in args:
        i = args.index(flag)
        return args[:i] + args[i + 2:], args[i + 1]
    return args, None


def _put(values: dict[str, Any], keys: list[str], value: str) -> None:
    for key in keys[:-1]:
        values = values.setdefault(key, {})
    values[keys[-1]] = {"true": True, "false": False}.get(value, int(value) if value.isdigit() else value)


def _ok(stdout: str) -> Completed:
    return Completed(0, stdout, "")


def _fail(stderr: str) -> Completed:
    return Completed(1, "", stderr + "\n")


def main(argv: list[str]) -> int:
    """As the executable `helm` or `kubectl` (tests/fixtures/fake-cluster): the state lives in the
    file $FAKE_CLUSTER_STATE between calls; $FAKE_REAL_HELM answers what needs no cluster."""
    import os
    import sys
    import time

    path = Path(os.environ["FAKE_CLUSTER_STATE"])
    state = State.load(path)
    kind = call_kind(argv[0], argv[1:])
    if kind in state.slow:
        path.with_name(f"{path.name}.{kind}.started").touch()
        time.sleep(state.slow[kind])
    done = FakeCluster(state, os.environ["FAKE_REAL_HELM"]).run(argv)
    state.save(path)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.code


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))

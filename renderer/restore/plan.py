"""The restore's decisions: from what preflight read (the release, its values, the Secret,
the backups, the manager and its nodes) to either the reasons to refuse or the plan (the
exact commands, in order). Nothing here runs a command or reads the bucket or the cluster;
the values are checked against the values schema, which values/schema.py reads from its file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from renderer.edges.cluster import Cluster, Release, Workload
from renderer.postrender.inject import RESTORE_ANNOTATION
from renderer.restore.backups import Backup
from renderer.values.defaults import schema_default
from renderer.values.endpoint import DEFAULT_REGION, endpoint_url, signing_region
from renderer.values.lookup import lookup
from renderer.values.object_keys import base_of
from renderer.values.validate import is_configured, problems, warnings

SECRET_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
UNSAFE_SGX_FLAG = "--unsafe-ignore-sgx-nodes"
BUSY_STATES = ("pending-install", "pending-upgrade", "pending-rollback", "uninstalling")
HELM4_POSTRENDERER = "datashield-backup"
DRILL_SCHEDULE = "0 3 * * 0"  # the schema's default of enclaveos-chart.Backup.Drill.CronSchedule (issue 18)
UPLOAD_FOLDER = "uploaded"  # under the prefix: never taken for a scheduled backup, never touched by retention
RESTORE_DEADLINE_PATH = "enclaveos-chart.Restore.ActiveDeadlineSeconds"
# Seconds this command waits for a Job beyond its activeDeadlineSeconds before it gives up on it. Kubernetes
# counts the deadline from the Job's start, which the helm upgrade made just before the wait began; when it
# passes, the Job controller fails the Job at once and its pod gets its grace period to stop (30 s by
# default), while a pause of the cluster's API may hold this command's reads back for up to
# retry.RETRY_SECONDS (300 s). 600 s covers both, twice the second: past it, a Job still shown as running
# is no longer one Kubernetes will let run.
JOB_END_MARGIN = 600
MANAGER_READY_SECONDS = 3600  # the wait for the manager's rollout when --timeout is not given


@dataclass(frozen=True)
class Request:
    """What the user asked for on the command line."""

    release: str
    source: str
    chart: str
    chart_version: str | None
    unsafe_sgx: bool
    replicas: int | None
    timeout: int | None  # --timeout, seconds: the most to wait for the restore Job and for the manager; None: job_wait
    run_id: str
    again: tuple[str, ...] = ()  # the command line that retries this restore, as the user typed it
    stop_running: bool = False  # --stop-running: delete the release's running backup and drill Jobs, not wait
    typed_yes: bool = False  # --yes was typed: a printed command may carry it, and only then


@dataclass(frozen=True)
class BackupConfig:
    """The release's backup values that the restore needs (checked, defaults applied)."""

    endpoint: str
    bucket: str
    prefix: str  # as the values give it: keys under it are built with object_keys.base_of
    secret_name: str
    in_restore_mode: bool
    region: str = DEFAULT_REGION  # what requests are signed for (renderer/values/endpoint.py signing_region)
    format: str = "sql"  # enclaveos-chart.Backup.Format: what the restore Job's image and keys can load
    suspend: bool = False  # enclaveos-chart.Backup.Suspend: both CronJobs suspended by the values
    schedule: str = ""  # enclaveos-chart.Backup.CronSchedule
    time_zone: str = "UTC"
    starting_deadline: int = 0  # enclaveos-chart.Backup.StartingDeadlineSeconds
    drill_enabled: bool = True  # enclaveos-chart.Backup.Drill.Enabled
    drill_schedule: str = DRILL_SCHEDULE  # enclaveos-chart.Backup.Drill.CronSchedule, run in time_zone
    # The Jobs' activeDeadlineSeconds, as the values give them (else the schema's defaults).
    backup_deadline: int = field(
        default_factory=partial(schema_default, "enclaveos-chart.Backup.ActiveDeadlineSeconds"))
    drill_deadline: int = field(
        default_factory=partial(schema_default, "enclaveos-chart.Backup.Drill.ActiveDeadlineSeconds"))
    restore_deadline: int = field(default_factory=partial(schema_default, RESTORE_DEADLINE_PATH))
    # What the post-renderer warns of (values/validate.warnings: a bucket name with dots, a tag it cannot read), as
    # it words them; it keeps them only as an annotation of what it injects, so --status and the plan say them too.
    warnings: tuple[str, ...] = ()

    def where(self) -> str:
        return f"s3://{self.bucket}/{base_of(self.prefix)}"


@dataclass(frozen=True)
class Upload:
    """A local file that goes to the bucket, with its metadata object, before the Job reads it."""

    path: str
    key: str
    metadata: bytes


@dataclass(frozen=True)
class Plan:
    release: Release
    backup: Backup
    bucket: str
    replicas: int
    resumed: bool  # the release was left in restore mode by an earlier run
    manager: str
    job: str
    restore_mode: list[str]  # helm upgrade into restore mode
    back: list[str]  # helm upgrade out of it, with the recorded replica count
    rollout: list[str]  # kubectl rollout status of the manager
    post_renderer: list[str]
    notes: tuple[str, ...]
    upload: Upload | None = None
    manager_nodes: tuple[str, ...] | None = None  # where the manager runs now; None: keep the recorded ones
    warnings: tuple[str, ...] = ()  # what the operator should know before going on (not reasons to refuse)
    job_wait: int = MANAGER_READY_SECONDS  # seconds to wait for the restore Job (job_wait)
    busy: tuple[str, ...] = ()  # the release's backup and drill Jobs that had not ended at preflight
    busy_wait: int = MANAGER_READY_SECONDS  # seconds to wait for them to end (busy_wait)

    def as_json(self) -> dict[str, Any]:
        return {"release": self.release.name, "namespace": self.release.namespace, "chart": self.release.chart,
                "backup": {"name": self.backup.name, "key": self.backup.key, "bucket": self.bucket,
                           "format": self.backup.format, "size": self.backup.size, "sha256": self.backup.sha256,
                           "created": self.backup.created, "managerNodes": self.backup.manager_nodes},
                "replicas": self.replicas, "resumed": self.resumed, "manager": self.manager, "job": self.job,
                "commands": [self.restore_mode, self.back, self.rollout], "notes": list(self.notes),
                "warnings": list(self.warnings), "jobWaitSeconds": self.job_wait, "runningJobs": list(self.busy),
                "runningJobsWaitSeconds": self.busy_wait}


LOCAL_FORMS = ("./", "../", "/", "~")
FILE_SCHEME = "file:"
BACKUP_SCHEME = "backup:"


def is_local(source: str) -> bool:
    """`--from` names a local file only as a path (./x.sql, ../x.sql, /x.sql, ~/x.sql) or with
    `file:`; anything else is a backup's name, whatever files there are (see source_argument)."""
    return source.startswith((*LOCAL_FORMS, FILE_SCHEME))


def local_path(source: str) -> str:
    """The file a local `--from` names (`file:` taken off, `~` expanded)."""
    import os

    return os.path.expanduser(source[len(FILE_SCHEME):] if source.startswith(FILE_SCHEME) else source)


def source_argument(source: str) -> str:
    """`--from` as the restore reads it: a local file's form kept, `backup:NAME` as NAME. A bare
    name that is also a file here could mean either: refused, naming both (a partial download
    must never be uploaded in place of the backup, nor the other way round)."""
    import os

    from renderer.errors import InvalidArguments

    name = source[len(BACKUP_SCHEME):] if source.startswith(BACKUP_SCHEME) else source
    if name in ("", FILE_SCHEME):
        raise InvalidArguments(f"--from {source!r} names neither a backup nor a file")
    if name != source:
        return name
    if not is_local(source) and os.path.lexists(source):
        raise InvalidArguments(
            f"--from {source} is ambiguous: the backup {source} in the bucket, or the local file ./{source}; "
            f"write --from backup:{source} for the backup, --from ./{source} for the file")
    return source


# The metadata's "tableNames" when its "tables" name every schema's tables (scripts/lib.sh COUNTED_NAME).
TABLE_NAMES = "schema-qualified"


def local_backup(path: str, size: int, sha256: str, beside: dict[str, Any] | None, release: str, namespace: str,
                 prefix: str, run_id: str) -> tuple[Backup, Upload]:
    """A local SQL file as a backup in the bucket: `<prefix>/uploaded/<release>-<time>.sql` and a
    metadata object the restore Job reads. The nodes and row counts come from the metadata
    object beside the file (`<file>.json`, as --list's backups have), when there is one."""
    import posixpath

    stamp = run_id.replace("-", "T") + "Z"
    name = f"{UPLOAD_FOLDER}/{release}-{stamp}.sql"
    key = base_of(prefix) + name
    nodes = (beside or {}).get("nodes")
    metadata: dict[str, Any] = {
        "writer": "helm-datashield-restore", "format": "sql", "object": key, "files": 1, "size": size,
        "sha256": sha256, "created": f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:"
                                    f"{stamp[13:15]}Z",
        "release": release, "namespace": namespace, "database": "malbork", "source": posixpath.basename(path),
        "nodes": nodes if isinstance(nodes, dict) else {"manager": None, "database": None}}
    if not isinstance(nodes, dict):
        metadata["nodesError"] = "a local file without metadata: the nodes that ran the manager are not known"
    if isinstance((beside or {}).get("tables"), dict):
        # How the names were counted goes with them (scripts/s3.sh LEGACY_TABLE_NAMES: none, the earlier way).
        if (beside or {}).get("tableNames") == TABLE_NAMES:
            metadata["tableNames"] = TABLE_NAMES
        metadata["tables"] = (beside or {})["tables"]
    # One field a line, what the Job's meta_field reads; names as the database writes them (UTF-8, not \u
    # escapes: the Job compares the tables' names byte for byte with the database's own JSON).
    text = json.dumps(metadata, indent=2, ensure_ascii=False) + "\n"
    backup = Backup(name=name, key=key, format="sql", size=size, metadata=metadata, problem=None)
    return backup, Upload(path=path, key=key, metadata=text.encode())


def format_reasons(backup: Backup, config: BackupConfig) -> list[str]:
    """A native backup loads only in a release whose Backup.Format is native: its restore Job then has the keys
    and an image with RESTORE ... FROM LATEST IN (scripts/s3.sh verify_backup refuses it too, before the DROP).
    An SQL dump loads in either."""
    if backup.format != "native" or config.format == "native":
        return []
    return [f"backup {backup.name} is a native backup (CockroachDB's BACKUP) and the release's Backup.Format is "
            f"{config.format}, whose restore Job cannot load it: set enclaveos-chart.Backup.Format=native, with a "
            "database image of v21.1.14+, v21.2.3+ or v22.1+ (helm upgrade), then restore"]


def settled_reasons(release: Release) -> list[str]:
    """Why the release is not settled (a helm operation under way, or one interrupted: BUSY_STATES), or none."""
    if release.status in BUSY_STATES:
        return [f"release {release.name} is {release.status}: another helm operation is under way "
                "or was interrupted; settle it first (helm history / helm rollback)"]
    return []


def release_reasons(release: Release, chart: str) -> list[str]:
    """The release must be settled, and `--chart` must be the chart it runs."""
    reasons = settled_reasons(release)
    if chart != release.chart:
        reasons.append(f"--chart is {chart}, release {release.name} runs {release.chart}: "
                       "give the same chart and --version, so that only the database changes")
    return reasons


def backup_config(values: dict[str, Any]) -> tuple[BackupConfig | None, list[str]]:
    """The backup settings from the release's computed values, or the reasons they are unusable."""
    from renderer.values.defaults import with_defaults

    subset = {"global": {"S3": lookup(values, "global", "S3") or {}},
              "enclaveos-chart": {"Backup": lookup(values, "enclaveos-chart", "Backup") or {},
                                  "Restore": lookup(values, "enclaveos-chart", "Restore") or {}}}
    if not is_configured(subset):
        return None, ["the release's values configure no backups (global.S3.Endpoint, global.S3.Bucket, "
                      "global.S3.HmacSecretName): there is no bucket to restore from"]
    found = problems(subset)
    if found:
        return None, [f"the release's values: {problem}" for problem in found]
    full = with_defaults(subset)
    s3, backup = full["global"]["S3"], full["enclaveos-chart"]["Backup"]
    endpoint = endpoint_url(s3["Endpoint"], s3["AllowHttp"])
    assert isinstance(endpoint, str), "validated above"
    region = signing_region(endpoint, s3.get("Region") or None)
    assert isinstance(region, str), "validated above"
    # Drill comes into the schema with issue 18's pod side: until a release's values (and the schema's
    # defaults) have it, a missing Drill, or a missing field of it, is read as the schema's default.
    drill = backup.get("Drill") if isinstance(backup.get("Drill"), dict) else {}
    return BackupConfig(endpoint=endpoint, region=region, format=str(backup["Format"]),
                        suspend=backup["Suspend"] is True, bucket=s3["Bucket"],
                        prefix=backup["S3Prefix"],
                        secret_name=s3["HmacSecretName"],
                        in_restore_mode=bool(full["enclaveos-chart"]["Restore"]["Enabled"]),
                        schedule=str(backup.get("CronSchedule") or ""), time_zone=str(backup.get("TimeZone") or "UTC"),
                        starting_deadline=int(backup.get("StartingDeadlineSeconds") or 0),
                        drill_enabled=drill.get("Enabled") is not False,
                        drill_schedule=str(drill.get("CronSchedule") or DRILL_SCHEDULE),
                        backup_deadline=int(backup["ActiveDeadlineSeconds"]),
                        drill_deadline=int(drill.get("ActiveDeadlineSeconds") or
                                           schema_default("enclaveos-chart.Backup.Drill.ActiveDeadlineSeconds")),
                        restore_deadline=int(full["enclaveos-chart"]["Restore"]["ActiveDeadlineSeconds"]),
                        warnings=tuple(f"the release's values: {warning}" for warning in warnings(subset))), []


def job_wait(timeout: int | None, deadline: int) -> tuple[int, str | None]:
    """How long to wait for the restore Job, whose activeDeadlineSeconds is `deadline` (the values'
    Restore.ActiveDeadlineSeconds), and a warning for an explicit --timeout that may give up first.

    Without --timeout: the deadline plus JOB_END_MARGIN, so the command never gives up on a Job that
    Kubernetes still runs. An explicit --timeout is kept (a script may need the command back by
    then), with a warning when it is shorter than that: the command would stop waiting while the
    Job goes on, the manager at 0 replicas until the same command, run again, follows the Job."""
    wait = deadline + JOB_END_MARGIN
    if timeout is None:
        return wait, None
    if timeout >= wait:
        return timeout, None
    return timeout, (f"--timeout {timeout} is shorter than the restore Job may run ({RESTORE_DEADLINE_PATH} "
                     f"{deadline} s, and {JOB_END_MARGIN} s for Kubernetes to stop it): if it still runs then, "
                     "this command stops waiting, the Job goes on, and THE MANAGER STAYS AT 0 REPLICAS until "
                     f"the same command, run again, follows it to its end; without --timeout it waits {wait} s")


def secret_reasons(name: str, data: dict[str, str] | None) -> list[str]:
    if data is None:
        return [f"Secret {name} (global.S3.HmacSecretName) does not exist in this namespace"]
    missing = [key for key in SECRET_KEYS if not data.get(key)]
    if missing:
        return [f"Secret {name} has no {' and no '.join(missing)}: the restore Job could not read the bucket"]
    return []


def sgx_check(backup: Backup, running: tuple[str, ...], cluster_nodes: tuple[str, ...] | None,
              unsafe: bool) -> tuple[list[str], list[str]]:
    """(reasons to refuse, notes) for the SGX rule: the manager's data is sealed to the hardware
    that wrote it, so the restored manager must run on nodes that ran it when the backup was taken."""
    recorded = backup.manager_nodes
    reasons: list[str] = []
    notes: list[str] = []
    if not recorded:
        why = backup.nodes_error or ("no manager pod ran when it was taken" if recorded == () else "not recorded")
        reasons.append(f"backup {backup.name} does not say which nodes ran the manager ({why}), "
                       "so the SGX same-hardware rule cannot be checked")
    else:
        strangers = [node for node in running if node not in recorded]
        if strangers:
            reasons.append(f"the manager runs on {', '.join(strangers)}, which did not run it when {backup.name} "
                           f"was taken (it ran on {', '.join(recorded)}): the data is sealed to those nodes' SGX "
                           "hardware and cannot be read elsewhere; move the manager to them first")
        elif not running:
            absent = [node for node in recorded if cluster_nodes is not None and node not in cluster_nodes]
            if cluster_nodes is not None and len(absent) == len(recorded):
                reasons.append(f"none of the nodes that ran the manager when {backup.name} was taken "
                               f"({', '.join(recorded)}) is in the cluster: the data cannot be unsealed here")
            else:
                notes.append(f"the manager is not running now: it must be scheduled onto {', '.join(recorded)} "
                             "(the nodes that ran it when the backup was taken)")
    if unsafe and reasons:
        return [], [*notes, *(f"SGX check overridden by {UNSAFE_SGX_FLAG}: {r}" for r in reasons)]
    if reasons:
        reasons[-1] += f" (to restore anyway, knowing the data may be unreadable: {UNSAFE_SGX_FLAG})"
    return reasons, notes


def replicas_to_restore(manager: str, workload: Workload | None, resumed: bool,
                        asked: int | None) -> tuple[int | None, list[str]]:
    """The manager's replica count to come back to, or why it is unknown."""
    if workload is None:
        return None, [f"the manager Deployment {manager} does not exist in this namespace"]
    if asked is not None:
        return asked, []
    if resumed:
        recorded = workload.annotations.get(RESTORE_ANNOTATION, "")
        if recorded.isdigit() and int(recorded) > 0:
            return int(recorded), []
        return None, [f"the release is in restore mode and {manager} records no replica count to return to "
                      f"(annotation {RESTORE_ANNOTATION}): pass --replicas N"]
    if workload.replicas > 0:
        return workload.replicas, []
    return None, [f"{manager} has 0 replicas now, so the count to return to is unknown: pass --replicas N"]


def chart_args(request: Request) -> list[str]:
    return [request.chart, *(["--version", request.chart_version] if request.chart_version else [])]


def post_renderer(helm_major: int, plugin_dir: str) -> list[str]:
    """Helm 4 takes only an installed postrenderer/v1 plugin's name; Helm 3 an executable."""
    return ["--post-renderer", HELM4_POSTRENDERER if helm_major >= 4 else f"{plugin_dir}/bin/datashield-backup"]


def restore_sets(backup: Backup, run_id: str, manager_nodes: tuple[str, ...] | None) -> list[str]:
    """The values of restore mode. `manager_nodes`: where the manager runs as restore mode begins (the
    safety dump's metadata records them); None keeps what the release has (a resumed run: the
    manager is already stopped)."""
    nodes = [] if manager_nodes is None else [
        "--set-string", f"enclaveos-chart.Restore.ManagerNodes={_escaped(','.join(manager_nodes))}"]
    return ["--set", "enclaveos-chart.Restore.Enabled=true",
            "--set-string", f"enclaveos-chart.Restore.Backup={_escaped(backup.name)}",
            "--set-string", f"enclaveos-chart.Restore.RunId={run_id}", *nodes]


def commands(cluster: Cluster, request: Request, post: list[str], backup: Backup, replicas: int,
             manager: str, manager_nodes: tuple[str, ...] | None) -> tuple[list[str], list[str], list[str]]:
    """The helm upgrade into restore mode, the one back out of it, and the wait for the manager.
    Both upgrades keep the release's values (--reuse-values, the same chart version) and run
    the post-renderer, which adds the restore Job and keeps the backup CronJob."""
    chart = chart_args(request)
    restore_mode = cluster.helm_argv("upgrade", request.release, *chart, "--reuse-values",
                                     *restore_sets(backup, request.run_id, manager_nodes), *post)
    back = cluster.helm_argv(
        "upgrade", request.release, *chart, "--reuse-values", "--set", "enclaveos-chart.Restore.Enabled=false",
        "--set", f"enclaveos-chart.Manager.ReplicaCount={replicas}", *post)
    ready = request.timeout or MANAGER_READY_SECONDS
    rollout = cluster.kubectl_argv("rollout", "status", f"deployment/{manager}", f"--timeout={ready}s")
    return restore_mode, back, rollout


def _escaped(text: str) -> str:
    """A value for helm's --set-string, whose parser splits at "," and unescapes "\\"."""
    return text.replace("\\", "\\\\").replace(",", "\\,")


# The Jobs a restore must not run beside (issue 24): the release's backup and drill Jobs, by the labels the
# post-renderer gives their pod templates (renderer/postrender/templates/_pod.j2 `labels`; the restore Job's
# fetch step lists their pods by the same labels, scripts/kube.sh busy_pods).
BUSY_COMPONENTS = ("backup", "drill")


def busy_labels(release: str, component: str) -> dict[str, str]:
    """The labels of the release's Jobs of `component` (backup, drill)."""
    return {"app.kubernetes.io/instance": release, "app.kubernetes.io/component": component,
            "datashield.ibm.com/generated-by": "helm-datashield"}


def busy_wait(timeout: int | None, config: BackupConfig) -> int:
    """Seconds to wait for the release's running backup and drill Jobs before restore mode: `timeout`
    (--timeout) when given, else as long as Kubernetes lets the longer of the two run and JOB_END_MARGIN."""
    return timeout if timeout is not None else max(config.backup_deadline, config.drill_deadline) + JOB_END_MARGIN


def describe(plan: Plan) -> list[str]:
    """The plan as lines for the user (no secrets: there are none in it)."""
    backup = plan.backup
    lines = [f"release {plan.release.name} in namespace {plan.release.namespace} ({plan.release.chart})",
             f"backup  s3://{plan.bucket}/{backup.key}: {backup.format}, {backup.size} bytes, "
             f"taken {backup.created}, sha256 {backup.sha256}",
             f"manager {plan.manager}: to 0 replicas during the restore, then back to {plan.replicas}",
             f"job     {plan.job} (verifies the backup, saves the current data as pre-restore-..., "
             "drops and recreates malbork, imports, checks row counts)"]
    if plan.upload:
        lines.insert(1, f"upload  {plan.upload.path} as s3://{plan.bucket}/{plan.upload.key} (with its metadata)")
    if plan.resumed:
        lines.append("resuming: the release was left in restore mode by an earlier run")
    for job in plan.busy:
        lines.append(f"running {job}: it reads the database or the bucket, so restore mode begins only once it has "
                     f"ended (waiting at most {plan.busy_wait} s; --stop-running deletes it instead)")
    lines += [f"note    {note}" for note in plan.notes]
    lines += [f"WARNING {warning}" for warning in plan.warnings]
    return lines


def shown_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)

"""What the injected objects are built from: validated values (defaults applied) plus
what the manifests say about the release and its database.
"""

from __future__ import annotations

from renderer.errors import InvalidValues, Problem, show
from renderer.postrender.locate import Targets
from renderer.values.cronjob_spec import FIXED_SPEC
from renderer.values.endpoint import endpoint_url, signing_region
from renderer.values.lookup import lookup
from renderer.values.object_keys import normal_prefix
from renderer.values.validate import warnings

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any

CRONJOB_NAME_MAX = 52  # Kubernetes: the controller appends 11 characters to name each Job
JOB_NAME_MAX = 63  # the Job's name becomes a label value (its pods' names are cut to fit: Kubernetes)
FIRST_BACKUP_HASH_LENGTH = 8  # hex digits of the first backup Job's name (inject.first_backup_job)
DATABASE_NAME = "malbork"
ALERTS_PATH = "enclaveos-chart.Backup.Alerts"
DEFAULT_DATABASE_PORT = 26257


class Image:
    __slots__ = ("pull_policy", "repository", "tag")

    def __init__(self, repository: str, tag: str, pull_policy: str) -> None:
        self.repository = repository
        self.tag = tag
        self.pull_policy = pull_policy

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


class Settings:
    """Everything the templates need, already checked."""

    cronjob_fixed_spec = FIXED_SPEC  # what both CronJobs' specs hold whatever the values say

    __slots__ = (
        "alert_cluster_labels",
        "alert_for",
        "alert_labels",
        "alerts_enabled",
        "backup_deadline_seconds",
        "backup_enabled",
        "bucket",
        "cronjob_name",
        "database_certs_secret",
        "database_host",
        "database_image",
        "database_port",
        "database_selector",
        "drill_cronjob_name",
        "drill_deadline_seconds",
        "drill_enabled",
        "drill_gap_seconds",
        "drill_schedule",
        "endpoint",
        "first_backup",
        "first_backup_job_prefix",
        "format",
        "manager_name",
        "manager_selector",
        "namespace",
        "object_store_image",
        "prefix",
        "pull_secrets",
        "region",
        "release",
        "resources",
        "restore_backup",
        "restore_deadline_seconds",
        "restore_enabled",
        "restore_job_name",
        "restore_manager_nodes",
        "restore_run_id",
        "restoring_configmap",
        "retention",
        "run_gap_seconds",
        "s3_call_timeout_seconds",
        "schedule",
        "secret_name",
        "service_account",
        "starting_deadline_seconds",
        "suspend",
        "time_zone",
        "warnings",
    )

    def __init__(self, *,
                 release: str,
                 namespace: str | None,
                 cronjob_name: str,
                 backup_enabled: bool,
                 schedule: str,
                 time_zone: str,
                 suspend: bool,
                 starting_deadline_seconds: int,
                 retention: int,
                 format: str,  # "sql" or "native"
                 endpoint: str,
                 region: str,
                 bucket: str,
                 prefix: str,  # normal_prefix: the pods add the "/" (lib.sh key_of)
                 secret_name: str,
                 database_image: Image,
                 object_store_image: Image,
                 pull_secrets: list[str],
                 resources: dict[str, Any],
                 database_host: str,
                 database_port: int,
                 database_certs_secret: str,  # "" for an insecure cluster
                 manager_name: str,
                 manager_selector: str,  # label selectors of the manager's and the database's pods (for their nodes)
                 database_selector: str,
                 service_account: str,
                 restore_enabled: bool,
                 restore_backup: str,
                 restore_run_id: str,  # the restore Job's name ends with it
                 restore_manager_nodes: str,  # "node,node": where the manager ran when restore mode began ("" unknown)
                 restore_job_name: str,
                 restoring_configmap: str,  # exists in restore mode only (scripts/kube.sh in_restore_mode)
                 first_backup: bool,  # the first backup's Job: backups configured, Backup.FirstBackup, not restore mode
                 first_backup_job_prefix: str,  # its name without the hash of its spec
                 warnings: tuple[str, ...],  # shown on stderr and kept as an annotation of the injected objects
                 backup_deadline_seconds: int,  # Backup.ActiveDeadlineSeconds: the backup Job's, its tries share it
                 drill_deadline_seconds: int,  # Backup.Drill.ActiveDeadlineSeconds: the drill Job's
                 restore_deadline_seconds: int,  # Restore.ActiveDeadlineSeconds: the restore Job's
                 s3_call_timeout_seconds: int,  # Backup.S3CallTimeoutSeconds: one object store call (scripts/s3.sh)
                 alerts_enabled: bool = False,  # the PrometheusRule (renderer/postrender/alerts.py)
                 alert_labels: dict[str, str] | None = None,  # extra labels of the rule, for Prometheus' ruleSelector
                 alert_for: str = "",  # Prometheus duration of each alert's `for:`
                 alert_cluster_labels: tuple[str, ...] = (),  # series labels telling clusters apart (a central ruler)
                 run_gap_seconds: int = 0,  # the schedule's longest gap between two runs (values/schedule_gap.py)
                 drill_enabled: bool = False,  # the drill's CronJob: backups configured and Backup.Drill.Enabled
                 drill_schedule: str = "",  # Backup.Drill.CronSchedule, run in time_zone
                 drill_cronjob_name: str = "",
                 drill_gap_seconds: int = 0,  # the drill schedule's longest gap (only with alerts and drills on)
                 ) -> None:
        self.release = release
        self.namespace = namespace
        self.cronjob_name = cronjob_name
        self.backup_enabled = backup_enabled
        self.schedule = schedule
        self.time_zone = time_zone
        self.suspend = suspend
        self.starting_deadline_seconds = starting_deadline_seconds
        self.retention = retention
        self.format = format
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.prefix = prefix
        self.secret_name = secret_name
        self.database_image = database_image
        self.object_store_image = object_store_image
        self.pull_secrets = pull_secrets
        self.resources = resources
        self.database_host = database_host
        self.database_port = database_port
        self.database_certs_secret = database_certs_secret
        self.manager_name = manager_name
        self.manager_selector = manager_selector
        self.database_selector = database_selector
        self.service_account = service_account
        self.restore_enabled = restore_enabled
        self.restore_backup = restore_backup
        self.restore_run_id = restore_run_id
        self.restore_manager_nodes = restore_manager_nodes
        self.restore_job_name = restore_job_name
        self.restoring_configmap = restoring_configmap
        self.first_backup = first_backup
        self.first_backup_job_prefix = first_backup_job_prefix
        self.warnings = warnings
        self.backup_deadline_seconds = backup_deadline_seconds
        self.drill_deadline_seconds = drill_deadline_seconds
        self.restore_deadline_seconds = restore_deadline_seconds
        self.s3_call_timeout_seconds = s3_call_timeout_seconds
        self.alerts_enabled = alerts_enabled
        self.alert_labels = alert_labels
        self.alert_for = alert_for
        self.alert_cluster_labels = alert_cluster_labels
        self.run_gap_seconds = run_gap_seconds
        self.drill_enabled = drill_enabled
        self.drill_schedule = drill_schedule
        self.drill_cronjob_name = drill_cronjob_name
        self.drill_gap_seconds = drill_gap_seconds


def build(values: dict[str, Any], targets: Targets) -> Settings:
    """Settings from values that passed validation and had their defaults applied."""
    s3 = values["global"]["S3"]
    backup = values["enclaveos-chart"]["Backup"]
    restore = values["enclaveos-chart"]["Restore"]
    release = targets.release
    restore_backup = str(restore.get("Backup", ""))
    suffix = (restore.get("RunId") or _digest(restore_backup)) if restore["Enabled"] else ""
    settings = Settings(
        release=release,
        namespace=targets.namespace,
        cronjob_name=f"{release}-enclaveos-backup",
        backup_enabled=bool(backup.get("CronSchedule")),
        schedule=str(backup.get("CronSchedule", "")),
        time_zone=backup["TimeZone"],
        suspend=backup["Suspend"],
        starting_deadline_seconds=backup["StartingDeadlineSeconds"],
        backup_deadline_seconds=int(backup["ActiveDeadlineSeconds"]),  # a whole float (7.0) passes the schema
        drill_deadline_seconds=int(backup["Drill"]["ActiveDeadlineSeconds"]),
        restore_deadline_seconds=int(restore["ActiveDeadlineSeconds"]),
        s3_call_timeout_seconds=int(backup["S3CallTimeoutSeconds"]),
        retention=backup["Retention"],
        format=backup["Format"],
        endpoint=_endpoint(s3),
        region=_region(s3),
        bucket=s3["Bucket"],
        prefix=normal_prefix(backup["S3Prefix"]),
        secret_name=s3["HmacSecretName"],
        database_image=_image(backup["Images"]["Database"]),
        object_store_image=_image(backup["Images"]["ObjectStore"]),
        pull_secrets=list(backup["ImagePullSecrets"]),
        resources=backup["Resources"],
        database_host=_database_host(targets),
        database_port=_database_port(targets),
        database_certs_secret=backup["Database"]["CertsSecret"],
        manager_name=targets.manager.name,
        manager_selector=pod_selector(targets.manager.data),
        database_selector=pod_selector(targets.database.data),
        service_account=f"{release}-enclaveos-backup",
        restore_enabled=restore["Enabled"],
        restore_backup=restore_backup,
        restore_run_id=suffix,
        restore_manager_nodes=str(restore.get("ManagerNodes", "")),
        restore_job_name=f"{release}-enclaveos-restore-{suffix}",
        restoring_configmap=f"{release}-enclaveos-restoring",
        first_backup=bool(backup.get("CronSchedule")) and backup["FirstBackup"] and not restore["Enabled"],
        first_backup_job_prefix=f"{release}-enclaveos-backup-first-",
        warnings=tuple(str(w) for w in warnings(values)),
        drill_enabled=bool(backup.get("CronSchedule")) and backup["Drill"]["Enabled"],
        drill_schedule=str(backup["Drill"]["CronSchedule"]),
        drill_cronjob_name=f"{release}-enclaveos-drill",
        **_alerts(backup, targets),
    )
    _check_names(settings)
    return settings


def _alerts(backup: dict[str, Any], targets: Targets) -> dict[str, Any]:
    """The alert settings; the schedules' longest gaps are computed only when the rule is rendered."""
    alerts = backup["Alerts"]
    if not (alerts["Enabled"] and backup.get("CronSchedule")):
        return {}
    if not targets.namespace:
        # The rule must name the namespace: a release of the same name elsewhere must not silence it.
        raise InvalidValues([Problem(f"{ALERTS_PATH}.Enabled", "true",
                                     "the alerts must name the release's namespace, and the manifests name none: "
                                     "render the manager Deployment with metadata.namespace")])
    from renderer.values.schedule_gap import longest_gap_seconds

    drill = backup["Drill"]
    return {"alerts_enabled": True, "alert_labels": dict(alerts["Labels"]), "alert_for": alerts["For"],
            "alert_cluster_labels": tuple(alerts["ClusterLabels"]),
            "run_gap_seconds": longest_gap_seconds(str(backup["CronSchedule"]), backup["TimeZone"]),
            "drill_gap_seconds": longest_gap_seconds(str(drill["CronSchedule"]), backup["TimeZone"])
            if drill["Enabled"] else 0}


def _digest(text: str) -> str:
    """A short digest of `text` (hashlib costs milliseconds to import: only in restore mode)."""
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _endpoint(s3: dict[str, Any]) -> str:
    url = endpoint_url(s3["Endpoint"], s3["AllowHttp"])
    assert isinstance(url, str), "validated before"
    return url


def _region(s3: dict[str, Any]) -> str:
    region = signing_region(_endpoint(s3), s3.get("Region") or None)
    assert isinstance(region, str), "validated before"
    return region


def _image(value: dict[str, Any]) -> Image:
    return Image(value["Repository"], value["Tag"], value["PullPolicy"])


def _database_host(targets: Targets) -> str:
    """The first database pod, through the StatefulSet's governing (headless) service."""
    spec = lookup(targets.database.data, "spec") or {}
    service = spec.get("serviceName") or targets.database.name
    host = f"{targets.database.name}-0.{service}"
    return f"{host}.{targets.namespace}" if targets.namespace else host


def pod_selector(workload: Any) -> str:
    """The `matchLabels` of a parsed Deployment or StatefulSet as a label selector string
    (`app=x,tier=y`, keys sorted; "" when it has none), as `kubectl get pods -l` takes it."""
    labels = lookup(workload, "spec", "selector", "matchLabels") or {}
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def _database_port(targets: Targets) -> int:
    containers = lookup(targets.database.data, "spec", "template", "spec", "containers") or []
    for container in containers:
        for port in container.get("ports") or []:
            if port.get("name") in ("grpc", "sql", "cockroach") and isinstance(port.get("containerPort"), int):
                return int(port["containerPort"])
    return DEFAULT_DATABASE_PORT


def _check_names(settings: Settings) -> None:
    """The release name must leave every injected name within its Kubernetes limit; one problem, for
    the name that allows the shortest release name."""
    first_backup = f"{settings.first_backup_job_prefix}<hash>"  # the hash: FIRST_BACKUP_HASH_LENGTH characters
    too_long = []
    for name, length, limit, wanted, hint in (
            (settings.cronjob_name, len(settings.cronjob_name), CRONJOB_NAME_MAX, settings.backup_enabled, ""),
            (settings.restore_job_name, len(settings.restore_job_name), JOB_NAME_MAX, settings.restore_enabled, ""),
            (first_backup, len(settings.first_backup_job_prefix) + FIRST_BACKUP_HASH_LENGTH, JOB_NAME_MAX,
             settings.first_backup, " (or turn the first backup off: enclaveos-chart.Backup.FirstBackup=false)")):
        if wanted and length > limit:
            too_long.append((limit - (length - len(settings.release)), name, length, limit, hint))
    if too_long:
        longest, name, length, limit, hint = min(too_long)
        raise InvalidValues([Problem("release name", show(settings.release),
                                     f'makes "{name}" {length} characters long, Kubernetes allows {limit}: '
                                     f"use a release name of at most {longest} characters{hint}")])

"""The alerts of the opt-in PrometheusRule (`enclaveos-chart.Backup.Alerts.Enabled`): Prometheus
pages when this release's backups stop.

Built on kube-state-metrics' stable metrics (docs/metrics/workload/cronjob-metrics.md and
job-metrics.md), scoped to this release's CronJob by its `namespace` and `cronjob` labels and to
its Jobs through `kube_job_owner{owner_kind="CronJob", owner_name=...}`:

- BackupStale (critical): the CronJob's last success (`kube_cronjob_status_last_successful_time`,
  the completion time of its last successful Job) is older than the threshold below.
- BackupNeverSucceeded (critical): the CronJob exists (`kube_cronjob_created`) for longer than the
  threshold and has no last success: from creation, the first run comes within one longest gap.
- BackupFailed (warning): the newest Job of the CronJob has failed (`kube_job_failed{condition="true"}`:
  the Job gave up, not one failed try of its three).

Threshold, in seconds: the schedule's longest gap between two runs in its time zone
(renderer/values/schedule_gap.py) + `StartingDeadlineSeconds` (a run may start that late and
still run) + the Job's `activeDeadlineSeconds` (a run may take that long). While every run
succeeds, the last success is never older than that; each alert's `for:` comes on top.
A suspended CronJob (`Suspend`, or restore mode) raises neither the stale nor the never-succeeded
alert. The first backup Job made at install is not owned by the CronJob: the rules ignore it.
"""

from __future__ import annotations

from renderer.postrender.settings import Settings
from renderer.values.schedule_gap import duration_text, promised_seconds

STATUS_COMMAND = "helm datashield-restore {release} -n {namespace} --status"


class Alert:
    """One alerting rule of the PrometheusRule."""

    __slots__ = ("description", "expr", "name", "severity", "summary")

    def __init__(self, name: str, expr: str, severity: str, summary: str, description: str) -> None:
        self.name = name
        self.expr = expr
        self.severity = severity
        self.summary = summary
        self.description = description


def stale_after_seconds(settings: Settings) -> int:
    """Seconds without a successful backup after which backups are stale (see the module's docstring)."""
    return promised_seconds(settings.run_gap_seconds, settings.starting_deadline_seconds,
                            settings.backup_deadline_seconds)


def group_name(settings: Settings) -> str:
    """The rule group's name: one per release and namespace."""
    return f"{settings.cronjob_name}.{settings.namespace}"


def alerts(settings: Settings) -> tuple[Alert, ...]:
    """The three alerts for the release of `settings` (alerts enabled: its namespace is known)."""
    namespace, cronjob, release = settings.namespace, settings.cronjob_name, settings.release
    threshold = stale_after_seconds(settings)
    cron = f'namespace="{namespace}", cronjob="{cronjob}"'
    ran = f"kube_cronjob_status_last_successful_time{{{cron}}} > 0"
    suspended = f"unless on (namespace, cronjob) (kube_cronjob_spec_suspend{{{cron}}} == 1)"
    owned = (f'kube_job_created{{namespace="{namespace}"}} * on (namespace, job_name) group_left (owner_name) '
             f'kube_job_owner{{namespace="{namespace}", owner_kind="CronJob", owner_name="{cronjob}"}}')
    failed = f'kube_job_failed{{namespace="{namespace}", condition="true"}} == 1'
    where = f"release {release} in namespace {namespace}"
    first = STATUS_COMMAND.format(release=release, namespace=namespace)
    why = (f"{duration_text(threshold)}: the schedule \"{settings.schedule}\" ({settings.time_zone}) leaves at most "
           f"{duration_text(settings.run_gap_seconds)} between runs, a run may start "
           f"{duration_text(settings.starting_deadline_seconds)} late and take "
           f"{duration_text(settings.backup_deadline_seconds)}")
    return (
        Alert("BackupStale", f"time() - ({ran}) > {threshold} {suspended}", "critical",
              f"No recent backup of the enclave manager ({where})",
              f"No backup of the enclave manager database ({where}) succeeded for more than {why}. "
              f"First run: {first}"),
        Alert("BackupNeverSucceeded",
              f"time() - kube_cronjob_created{{{cron}}} > {threshold} unless on (namespace, cronjob) ({ran}) "
              f"{suspended}", "critical",
              f"The enclave manager was never backed up ({where})",
              f"The backup CronJob {cronjob} ({where}) has existed for more than {why}, and none of its backups "
              f"has succeeded. First run: {first}"),
        Alert("BackupFailed",
              f"max by (namespace, owner_name) ({owned} and on (namespace, job_name) ({failed})) "
              f">= on (namespace, owner_name) max by (namespace, owner_name) ({owned})", "warning",
              f"The newest backup of the enclave manager failed ({where})",
              f"The newest Job of the backup CronJob {cronjob} ({where}) failed; backups are not being made "
              f"until a run succeeds. First run: {first}"),
    )

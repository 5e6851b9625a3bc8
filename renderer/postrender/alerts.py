"""The alerts of the opt-in PrometheusRule (`enclaveos-chart.Backup.Alerts.Enabled`): Prometheus
pages when this release's backups stop, and when its restore drills stop or fail.

Built on kube-state-metrics' stable metrics (docs/metrics/workload/cronjob-metrics.md and
job-metrics.md), scoped to one of this release's CronJobs by its `namespace` and `cronjob` labels
and to its Jobs through `kube_job_owner{owner_kind="CronJob", owner_name=...}`. The same three
alerts watch each CronJob, the backup's `<release>-enclaveos-backup` and, when drills are on
(`Backup.Drill.Enabled`, the default), the restore drill's `<release>-enclaveos-drill`:

- <Name>Stale: the CronJob's last success (`kube_cronjob_status_last_successful_time`, the
  completion time of its last successful Job) is older than the threshold below.
  BackupStale is critical, RestoreDrillStale a warning.
- <Name>NeverSucceeded: the CronJob exists (`kube_cronjob_created`) for longer than the threshold
  and has no last success (from creation, the first run comes within one longest gap).
  BackupNeverSucceeded is critical, RestoreDrillNeverSucceeded a warning.
- <Name>Failed: the newest Job of the CronJob has failed (`kube_job_failed{condition="true"}`: the
  Job gave up, not one failed try). BackupFailed is a warning, RestoreDrillFailed critical.

A failed drill is critical: the newest backup did not restore (the older ones may not either). A
failed backup is a warning: the backups before it are still there, and BackupStale pages if no
run succeeds within the threshold. Stale or missing drills are warnings: the backups may be fine,
only their proof is missing.

Threshold, in seconds, per CronJob: its schedule's longest gap between two runs in its time zone
(renderer/values/schedule_gap.py) + `StartingDeadlineSeconds` (a run may start that late and
still run) + the Job's `activeDeadlineSeconds` (a run may take that long: `Backup.ActiveDeadlineSeconds`
for the backup, `Backup.Drill.ActiveDeadlineSeconds` for the drill). While every run
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


class Watched:
    """One CronJob the alerts watch, and how its alerts are named and worded."""

    __slots__ = ("cronjob", "deadline_seconds", "gap_seconds", "name", "runs", "schedule", "severities", "what")

    def __init__(self, *, name: str, cronjob: str, schedule: str, gap_seconds: int, deadline_seconds: int,
                 what: str, runs: str, severities: tuple[str, str, str]) -> None:
        self.name = name  # the alerts' name prefix: Backup, RestoreDrill
        self.cronjob = cronjob
        self.schedule = schedule
        self.gap_seconds = gap_seconds  # the schedule's longest gap between two runs
        self.deadline_seconds = deadline_seconds  # the Job's activeDeadlineSeconds
        self.what = what  # what one run does, as a noun: "backup", "restore drill"
        self.runs = runs  # what runs that keep succeeding keep up: "backups are not being made"...
        self.severities = severities  # of the stale, never-succeeded and failed alerts


def watched(settings: Settings) -> tuple[Watched, ...]:
    """The CronJobs of the release of `settings` that its alerts watch: the backup's, and the drill's
    when drills are on."""
    backup = Watched(name="Backup", cronjob=settings.cronjob_name, schedule=settings.schedule,
                     gap_seconds=settings.run_gap_seconds, deadline_seconds=settings.backup_deadline_seconds,
                     what="backup", runs="backups are not being made",
                     severities=("critical", "critical", "warning"))
    if not settings.drill_enabled:
        return (backup,)
    drill = Watched(name="RestoreDrill", cronjob=settings.drill_cronjob_name, schedule=settings.drill_schedule,
                    gap_seconds=settings.drill_gap_seconds, deadline_seconds=settings.drill_deadline_seconds,
                    what="restore drill", runs="the newest backup is not proven to restore (its drill record says why)",
                    severities=("warning", "warning", "critical"))
    return backup, drill


def stale_after_seconds(settings: Settings, cronjob: Watched) -> int:
    """Seconds without a success of `cronjob` after which it is stale (see the module's docstring)."""
    return promised_seconds(cronjob.gap_seconds, settings.starting_deadline_seconds, cronjob.deadline_seconds)


def group_name(settings: Settings) -> str:
    """The rule group's name: one per release and namespace."""
    return f"{settings.cronjob_name}.{settings.namespace}"


def alerts(settings: Settings) -> tuple[Alert, ...]:
    """Three alerts for each watched CronJob of the release of `settings` (alerts enabled: its namespace
    is known)."""
    return tuple(alert for cronjob in watched(settings) for alert in _alerts_of(settings, cronjob))


def _alerts_of(settings: Settings, watched_cronjob: Watched) -> tuple[Alert, Alert, Alert]:
    namespace, cronjob, release = settings.namespace, watched_cronjob.cronjob, settings.release
    what, name = watched_cronjob.what, watched_cronjob.name
    stale_severity, never_severity, failed_severity = watched_cronjob.severities
    threshold = stale_after_seconds(settings, watched_cronjob)
    cron = f'namespace="{namespace}", cronjob="{cronjob}"'
    ran = f"kube_cronjob_status_last_successful_time{{{cron}}} > 0"
    suspended = f"unless on (namespace, cronjob) (kube_cronjob_spec_suspend{{{cron}}} == 1)"
    owned = (f'kube_job_created{{namespace="{namespace}"}} * on (namespace, job_name) group_left (owner_name) '
             f'kube_job_owner{{namespace="{namespace}", owner_kind="CronJob", owner_name="{cronjob}"}}')
    failed = f'kube_job_failed{{namespace="{namespace}", condition="true"}} == 1'
    where = f"release {release} in namespace {namespace}"
    first = STATUS_COMMAND.format(release=release, namespace=namespace)
    why = (f"{duration_text(threshold)}: the schedule \"{watched_cronjob.schedule}\" ({settings.time_zone}) leaves "
           f"at most {duration_text(watched_cronjob.gap_seconds)} between runs, a run may start "
           f"{duration_text(settings.starting_deadline_seconds)} late and take "
           f"{duration_text(watched_cronjob.deadline_seconds)}")
    return (
        Alert(f"{name}Stale", f"time() - ({ran}) > {threshold} {suspended}", stale_severity,
              f"No recent {what} of the enclave manager ({where})",
              f"No {what} of the enclave manager database ({where}) succeeded for more than {why}. "
              f"First run: {first}"),
        Alert(f"{name}NeverSucceeded",
              f"time() - kube_cronjob_created{{{cron}}} > {threshold} unless on (namespace, cronjob) ({ran}) "
              f"{suspended}", never_severity,
              f"No {what} of the enclave manager ever succeeded ({where})",
              f"The {what} CronJob {cronjob} ({where}) has existed for more than {why}, and no {what} of it "
              f"has succeeded. First run: {first}"),
        Alert(f"{name}Failed",
              f"max by (namespace, owner_name) ({owned} and on (namespace, job_name) ({failed})) "
              f">= on (namespace, owner_name) max by (namespace, owner_name) ({owned})", failed_severity,
              f"The newest {what} of the enclave manager failed ({where})",
              f"The newest Job of the {what} CronJob {cronjob} ({where}) failed; {watched_cronjob.runs} "
              f"until a run succeeds. First run: {first}"),
    )

"""The alerts of the opt-in PrometheusRule (`enclaveos-chart.Backup.Alerts.Enabled`): Prometheus
pages when this release's backups stop, and when its restore drills stop or fail.

Built on kube-state-metrics' stable metrics (docs/metrics/workload/cronjob-metrics.md and
job-metrics.md), scoped to one of this release's CronJobs by its `namespace` and `cronjob` labels
and to its Jobs through `kube_job_owner{owner_kind="CronJob", owner_name=...}`; every alert carries
the labels `namespace` and `cronjob` (aggregated `by` them, so that two kube-state-metrics replicas,
or a restarted one with another `instance`, make one alert). The same alerts watch each CronJob, the
backup's `<release>-enclaveos-backup` and, when drills are on (`Backup.Drill.Enabled`, the default),
the restore drill's `<release>-enclaveos-drill`:

- <Name>Stale: the newest complete run is older than the threshold below, and the CronJob is not
  suspended. A complete run is the CronJob's last success (`kube_cronjob_status_last_successful_time`,
  the completion time of its last successful Job) and, for the backup, a Job that kept its complete
  backup and failed after it (below: BackupRetentionFailed), dated by its creation, and the first
  backup's Job (`<release>-enclaveos-backup-first-<hash>`, run at install and when the backup
  configuration changes; nothing owns it), successful (its completion time) or kept.
- <Name>NeverSucceeded: the CronJob exists (`kube_cronjob_created`) for longer than the threshold,
  has no complete run, and is not suspended (from creation, the first run comes within one longest gap).
- <Name>Suspended: the CronJob is suspended (`kube_cronjob_spec_suspend`: `Backup.Suspend`, restore
  mode, or by hand) and either of the two above holds. A suspension inside the promise is quiet: it
  may be meant (a restore, maintenance), but not for ever.
- <Name>CronJobAbsent: `absent(kube_cronjob_created{...})`: the CronJob is gone, or kube-state-metrics
  does not report it (down, not scraped, or not watching CronJobs): the others cannot watch it.
- <Name>Failed: the newest Job of the CronJob has failed (`kube_job_failed{condition="true"}`: the Job
  gave up, not one failed try); for the backup, only a Job that kept no backup.
- BackupRetentionFailed (backup only): the newest Job kept its complete backup, then failed after it
  (retention, or the clock check before it: renderer/postrender/templates/scripts/upload.sh). The
  upload container exits KEPT_EXIT (3) there, and the Job's podFailurePolicy
  (templates/backup-job-spec.yaml.j2) fails the Job at once, so its Failed condition has the reason
  `PodFailurePolicy` (kubernetes/api v0.31.0, batch/v1/types.go, `JobReasonPodFailurePolicy`); other
  failures end as `BackoffLimitExceeded` or `DeadlineExceeded`. kube-state-metrics (v2.9.0 to
  v2.20.0, internal/store/job.go, `kube_job_status_failed`) labels a failed Job's series with a
  `reason` from a fixed list, `BackoffLimitExceeded`, `DeadlineExceeded`, `Evicted`: each is 1 when it
  is the Failed condition's reason, else 0, and a reason outside the list gives one series
  `reason=""` holding `status.failed`. So "kept" is: Failed condition true, `reason=""` (or
  `PodFailurePolicy`, should a later kube-state-metrics list it) above 0, and no listed reason at 1.
  Since v2.14.0 `reason=""` is also reported for a running Job with failed tries
  (commit 20589ac3), hence the Failed condition and the listed reasons in the rule too.

The drill has no such case: its Job has backoffLimit 0, and a drill that ran writes its verdict (FAILED
too) before the pod ends. Its podFailurePolicy only ignores a pod whose drill failed on a backup deleted
while it was drilled (record.sh REDRILL_EXIT: no verdict, a new pod drills the newest backup; an ignored
pod neither fails the Job nor counts against backoffLimit). A drill Job that failed proved nothing, so
"no restore drill succeeded" is true. Its failure may have no drill record (stopped by its deadline,
or unable to read the bucket or write the record): RestoreDrillFailed says so.

Severities: the backup's Stale, NeverSucceeded, Suspended and CronJobAbsent are critical (no backup
newer than promised, or no way to know), its Failed and RetentionFailed warnings (the backups before
are still there, and BackupStale pages if no run completes in time). A failed drill is critical: the
newest backup did not restore (the older ones may not either); the drill's other alerts are warnings:
the backups may be fine, only their proof is missing.

Threshold, in seconds, per CronJob: its schedule's longest gap between two runs in its time zone
(renderer/values/schedule_gap.py) + `StartingDeadlineSeconds` (a run may start that late and
still run) + the Job's `activeDeadlineSeconds` (a run may take that long: `Backup.ActiveDeadlineSeconds`
for the backup, `Backup.Drill.ActiveDeadlineSeconds` for the drill). While every run
succeeds, the last success is never older than that; each alert's `for:` comes on top.

History: a CronJob re-created (an upgrade that replaces it) starts with a new `kube_cronjob_created`
and no last success, but keeps its labels, so Prometheus' series of the old one go on under the same
labels. The rules read the last success as `max_over_time(...[W])`, with the window W the
threshold, and the creation as `min_over_time(...[2W])`: the old object's last success counts until
it leaves the window (by then it is older than the threshold); from then on the
old creation, still in the longer window, makes NeverSucceeded hold at once (its own `for:` starts).
The kept backups are read the same way, from the Jobs seen within W (a Job is deleted after three
newer failed ones: failedJobsHistoryLimit). The windows reach back only as far as Prometheus keeps
samples (`--storage.tsdb.retention.time`, 15d by default): with a longer threshold (a monthly
schedule's, 31d 7h), the old object's samples may be deleted before its last success is older than
the threshold, and a re-created CronJob is then judged by the new object alone: NeverSucceeded fires
at the threshold after the re-creation. Each evaluation reads a window of samples: for a
monthly schedule, a month of each series.

Clusters (`Alerts.ClusterLabels`, default none): a central ruler (Thanos Ruler, Mimir or Cortex ruler, a
Prometheus federating clusters) holds several clusters' series, told apart by labels such as `cluster` (each
cluster's Prometheus' external labels). Aggregated by namespace and cronjob alone, one cluster's last success
would hide another's stale backups, and a Job of one cluster would be joined with the same-named Job of
another (Jobs of a CronJob are named after their scheduled time: the same in every cluster). With labels
named, every `by (...)` and `on (...)` of the rules lists them first, so each cluster is judged alone and its
alerts carry them; with none, the rules are what they were before that value, byte for byte. `absent()`
cannot tell which cluster lost a series (it fires only when no cluster has one), so CronJobAbsent also fires
for each cluster that reports the release's manager Deployment (`kube_deployment_created`), or reported the
CronJob within twice the threshold, and does not report the CronJob now: a CronJob deleted by hand is found
for as long as the release is installed; a cluster whose kube-state-metrics (or whose series' way to the
ruler) stopped, for twice the threshold (then nothing of that cluster remains to judge it by). The names
follow Prometheus' data model (prometheus.io/docs/concepts/data_model: `[a-zA-Z_][a-zA-Z0-9_]*`, names
starting with `__` reserved), checked by schemas/values.schema.json with the labels the rules use themselves.

kube-state-metrics v2.9.0 or later: before, its list spelled `DeadLineExceeded`, so a backup Job
stopped by its deadline reported `reason=""` and would count as kept (v2.8.2, internal/store/job.go).
The first backup's Job is not owned by the CronJob: the Failed alerts ignore it (a failed first
backup fails the helm command), but its backup counts as complete.
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

    __slots__ = ("cronjob", "deadline_seconds", "done", "failed_means", "gap_seconds", "keeps", "name", "schedule",
                 "severities", "what")

    def __init__(self, *, name: str, cronjob: str, schedule: str, gap_seconds: int, deadline_seconds: int,
                 what: str, done: str, failed_means: str, keeps: bool, severities: tuple[str, str]) -> None:
        self.name = name  # the alerts' name prefix: Backup, RestoreDrill
        self.cronjob = cronjob
        self.schedule = schedule
        self.gap_seconds = gap_seconds  # the schedule's longest gap between two runs
        self.deadline_seconds = deadline_seconds  # the Job's activeDeadlineSeconds
        self.what = what  # what one run does, as a noun: "backup", "restore drill"
        self.done = done  # what a complete run of it did, and what counts as one
        self.failed_means = failed_means  # what the newest Job's failure means
        self.keeps = keeps  # a failed Job may have kept its complete run (KEPT_EXIT): the backup's
        self.severities = severities  # of the promise's alerts (stale, never, suspended, absent), of the failures'


def watched(settings: Settings) -> tuple[Watched, ...]:
    """The CronJobs of the release of `settings` that its alerts watch: the backup's, and the drill's
    when drills are on."""
    backup = Watched(name="Backup", cronjob=settings.cronjob_name, schedule=settings.schedule,
                     gap_seconds=settings.run_gap_seconds, deadline_seconds=settings.backup_deadline_seconds,
                     what="backup", keeps=True, severities=("critical", "warning"),
                     done=("completed (a successful Job, of the CronJob or the first backup's, or one that kept "
                           "its complete backup before its retention failed)"),
                     failed_means=" before its backup was complete: that run kept no backup (the backups before it "
                                  "are still there)")
    if not settings.drill_enabled:
        return (backup,)
    drill = Watched(name="RestoreDrill", cronjob=settings.drill_cronjob_name, schedule=settings.drill_schedule,
                    gap_seconds=settings.drill_gap_seconds, deadline_seconds=settings.drill_deadline_seconds,
                    what="restore drill", keeps=False, severities=("warning", "critical"),
                    done="succeeded (restored the newest backup and recorded it)",
                    failed_means="; the newest backup is not proven to restore until a run succeeds: its drill record "
                                 "says why (--status and --list show it) or, if the drill wrote none (stopped by its "
                                 "deadline, unable to read the bucket or to write the record), the Job's log. A drill "
                                 "that found no complete backup fails too, such as a fresh install's first drill run "
                                 "before its first backup was complete: once --status shows one (the fact "
                                 "failedWithNothingToDrill), --drill-now drills it: its Job, the CronJob's own, is "
                                 "then the newest, and this alert holds again only if it fails")
    return backup, drill


def stale_after_seconds(settings: Settings, cronjob: Watched) -> int:
    """Seconds without a success of `cronjob` after which it is stale (see the module's docstring)."""
    return promised_seconds(cronjob.gap_seconds, settings.starting_deadline_seconds, cronjob.deadline_seconds)


def group_name(settings: Settings) -> str:
    """The rule group's name: one per release and namespace."""
    return f"{settings.cronjob_name}.{settings.namespace}"


def alerts(settings: Settings) -> tuple[Alert, ...]:
    """The alerts of each watched CronJob of the release of `settings` (alerts enabled: its namespace
    is known), in the order of the README's tables."""
    return tuple(alert for cronjob in watched(settings) for alert in _alerts_of(settings, cronjob))


# kube-state-metrics' reasons of a failed Job (v2.9.0 to v2.20.0, internal/store/job.go, jobFailureReasons):
# each is 1 when it is the Failed condition's reason; any other reason is reported as reason="".
LISTED_REASONS = "BackoffLimitExceeded|DeadlineExceeded|Evicted"
KEPT_REASONS = "|PodFailurePolicy"  # kubernetes/api v0.31.0 batch/v1/types.go JobReasonPodFailurePolicy


class Jobs:
    """PromQL of the Jobs a CronJob owns, now (`window` empty) or as seen at any time within `window`
    (every series read through max_over_time): their creation times, by namespace and job_name (and the
    `clusters` labels: Alerts.ClusterLabels). With `first`, the prefix of the first backup's Job (which
    nothing owns), that Job too."""

    __slots__ = ("cronjob", "first", "job", "namespace", "namespaced", "window")

    def __init__(self, namespace: str | None, cronjob: str, window: str = "", first: str = "",
                 clusters: tuple[str, ...] = ()) -> None:
        # None only in tests of the templates: alerts are on only with a namespace (settings._alerts)
        self.namespace, self.cronjob, self.window = namespace, cronjob, window
        self.job = keeping(clusters, "namespace", "job_name")  # one Job
        self.namespaced = keeping(clusters, "namespace")  # the Jobs of one namespace (of one cluster)
        # RE2, fully anchored by Prometheus; a release name may hold dots, and only dots
        self.first = f'job_name=~"{first.replace(".", "[.]")}[0-9a-f]+"' if first else ""

    def read(self, metric: str, matchers: str = "") -> str:
        selector = f'{metric}{{namespace="{self.namespace}"{matchers}}}'
        return f"max_over_time({selector}[{self.window}])" if self.window else selector

    def owned(self) -> str:
        owner = self.read("kube_job_owner", f', owner_kind="CronJob", owner_name="{self.cronjob}"')
        owned = f"{self.read('kube_job_created')} and on ({self.job}) {owner}"
        return f"({owned} or {self.read('kube_job_created', f', {self.first}')})" if self.first else owned

    def first_succeeded(self) -> str:
        """When the first backup's Job succeeded: kube_job_status_completion_time, which Kubernetes sets
        "when the job finishes successfully, and only then" (kubernetes/api v0.31.0, batch/v1/types.go,
        JobStatus.CompletionTime)."""
        return self.read("kube_job_status_completion_time", f", {self.first}")

    def failed(self) -> str:
        """Jobs that gave up: their Failed condition is true."""
        failed = self.read("kube_job_failed", ', condition="true"')
        return f"({self.owned()}) and on ({self.job}) ({failed} == 1)"

    def kept(self, kept: bool = True) -> str:
        """Failed Jobs whose reason is PodFailurePolicy: the backup pod exited KEPT_EXIT (module docstring);
        with `kept` false, the other failed Jobs."""
        unlisted = self.read("kube_job_status_failed", f', reason=~"{KEPT_REASONS}"')
        listed = self.read("kube_job_status_failed", f', reason=~"{LISTED_REASONS}"')
        reason = f"({unlisted} > 0 unless on ({self.job}) {listed} == 1)"
        return f"({self.failed()}) {'and' if kept else 'unless'} on ({self.job}) {reason}"

    def newest(self, jobs: str) -> str:
        """The newest owned Job when it is one of `jobs`, as the series {namespace, cronjob}."""
        by = self.namespaced
        newest = f"max by ({by}) ({jobs}) >= on ({by}) max by ({by}) ({self.owned()})"
        return _of_cronjob(newest, self.cronjob)


def keeping(clusters: tuple[str, ...], *labels: str) -> str:
    """The label list of a `by (...)` or `on (...)` that keeps `labels` and the labels `clusters`
    (Alerts.ClusterLabels, first): with none, `labels` alone, as the rules were before that value."""
    return ", ".join((*clusters, *labels))


def _of_cronjob(expr: str, cronjob: str) -> str:
    """`expr`, a vector by namespace, with the label cronjob="`cronjob`"."""
    return f'label_replace({expr}, "cronjob", "{cronjob}", "", "")'


def _absent(settings: Settings, cron: str, cronjob: str, window: str) -> str:
    """CronJobAbsent's expression for the CronJob `cronjob` (selected by the matchers `cron`): no series of it
    at all; with Alerts.ClusterLabels, also each cluster that reports the release's manager Deployment, or
    reported the CronJob within `window`, and does not report the CronJob now (module docstring)."""
    absent = f"absent(kube_cronjob_created{{{cron}}})"
    clusters = settings.alert_cluster_labels
    if not clusters:
        return absent
    each = keeping(clusters, "namespace", "cronjob")
    manager = f'kube_deployment_created{{namespace="{settings.namespace}", deployment="{settings.manager_name}"}}'
    installed = _of_cronjob(f"group by ({keeping(clusters, 'namespace')}) ({manager})", cronjob)
    reported = f"group by ({each}) (max_over_time(kube_cronjob_created{{{cron}}}[{window}]))"
    return f"{absent} or (({installed} or {reported}) unless on ({each}) kube_cronjob_created{{{cron}}})"


def _alerts_of(settings: Settings, watched_cronjob: Watched) -> tuple[Alert, ...]:
    namespace, cronjob, release = settings.namespace, watched_cronjob.cronjob, settings.release
    what, name, done = watched_cronjob.what, watched_cronjob.name, watched_cronjob.done
    promise_severity, failed_severity = watched_cronjob.severities
    threshold = stale_after_seconds(settings, watched_cronjob)
    window = f"{threshold}s"
    cron = f'namespace="{namespace}", cronjob="{cronjob}"'
    clusters = settings.alert_cluster_labels
    each = keeping(clusters, "namespace", "cronjob")  # one CronJob, of one cluster
    by = f"on ({each})"
    succeeded = f"max_over_time(kube_cronjob_status_last_successful_time{{{cron}}}[{window}])"
    if watched_cronjob.keeps:  # "run" keeps the two series apart in `or`; max by drops it
        backups = Jobs(namespace, cronjob, window, first=settings.first_backup_job_prefix, clusters=clusters)
        kept = _of_cronjob(f"max by ({backups.namespaced}) ({backups.kept()} or {backups.first_succeeded()})",
                           cronjob)
        succeeded = f'label_replace({succeeded}, "run", "succeeded", "", "") or {kept}'
    complete = f"max by ({each}) ({succeeded})"
    # Twice the window: the old object's creation outlasts its last success in the windows by a threshold, so
    # that NeverSucceeded holds as soon as Stale no longer does (module docstring).
    created = f"min by ({each}) (min_over_time(kube_cronjob_created{{{cron}}}[{2 * threshold}s]))"
    suspended = f"(max by ({each}) (kube_cronjob_spec_suspend{{{cron}}}) == 1)"
    stale = f"time() - {complete} > {threshold}"
    never = f"time() - {created} > {threshold} unless {by} {complete}"
    jobs = Jobs(namespace, cronjob, clusters=clusters)
    where = f"release {release} in namespace {namespace}"
    first = STATUS_COMMAND.format(release=release, namespace=namespace)
    why = (f"{duration_text(threshold)}: the schedule \"{watched_cronjob.schedule}\" ({settings.time_zone}) leaves "
           f"at most {duration_text(watched_cronjob.gap_seconds)} between runs, a run may start "
           f"{duration_text(settings.starting_deadline_seconds)} late and take "
           f"{duration_text(watched_cronjob.deadline_seconds)}")
    found = (Alert(f"{name}Stale", f"{stale} unless {by} {suspended}", promise_severity,
                   f"No recent {what} of the enclave manager ({where})",
                   f"No {what} of the enclave manager database ({where}) {done} for more than {why}. "
                   f"First run: {first}"),
             Alert(f"{name}NeverSucceeded", f"{never} unless {by} {suspended}", promise_severity,
                   f"No {what} of the enclave manager ever succeeded ({where})",
                   f"The {what} CronJob {cronjob} ({where}) has existed for more than {why}, and no {what} of it "
                   f"{done}. First run: {first}"),
             Alert(f"{name}Suspended", f"(({stale}) or ({never})) and {by} {suspended}", promise_severity,
                   f"The {what} CronJob of the enclave manager is suspended past its promise ({where})",
                   f"The {what} CronJob {cronjob} ({where}) is suspended (Backup.Suspend, restore mode, or by hand), "
                   f"and no {what} of it {done} for more than {why}. First run: {first}"),
             Alert(f"{name}CronJobAbsent", _absent(settings, cron, cronjob, f"{2 * threshold}s"), promise_severity,
                   f"The {what} CronJob of the enclave manager is not reported ({where})",
                   f"The {what} CronJob {cronjob} ({where}) is gone, or kube-state-metrics does not report it "
                   f"(down, not scraped, or not watching CronJobs): its other alerts cannot watch it. "
                   f"First run: {first}"),
             Alert(f"{name}Failed", jobs.newest(jobs.kept(kept=False)
                                                if watched_cronjob.keeps else jobs.failed()), failed_severity,
                   f"The newest {what} of the enclave manager failed ({where})",
                   f"The newest Job of the {what} CronJob {cronjob} ({where}) failed"
                   f"{watched_cronjob.failed_means}. First run: {first}"))
    if not watched_cronjob.keeps:
        return found
    return (*found, Alert(
        f"{name}RetentionFailed", jobs.newest(jobs.kept()), failed_severity,
        f"The newest {what} of the enclave manager is complete, its retention failed ({where})",
        f"The newest Job of the {what} CronJob {cronjob} ({where}) kept its complete backup, then failed after it "
        f"(retention, or the clock check before it: the Job's reason is PodFailurePolicy): backups are being "
        f"made, but older ones beyond Backup.Retention are not deleted. First run: {first}"))

"""`helm datashield-restore RELEASE --status`: is this release protected, right now?

Read-only; safe to run at any time, by an operator or a script. It reads, as the restore command
reads them: the release's values (`helm get values --all`) through the post-renderer's checks; the
Secret they name (both HMAC keys present; never shown); the bucket with those keys (this release's
backups listed, and one probe object `<prefix>/<namespace>/.datashield-probe-<release>-<random>`
written, read back and deleted: the only write, which no listing of backups ever counts); the
CronJob `<release>-enclaveos-backup` (schedule, time zone, suspended or not, last schedule, last
success, the next run computed from the schedule in its zone, the Jobs running now, the last failed
Job and the last FAILED line of its log); the newest complete backup (the rule of `latest`) and its
age against what the schedule promises: the longest gap between two runs of the schedule
(values/schedule_gap.py) plus the time a run may start late (startingDeadlineSeconds) and run
(the Job's activeDeadlineSeconds: the CronJob's own, else the values' `Backup.ActiveDeadlineSeconds`);
the API server's Kubernetes version (`kubectl version`), against renderer/restore/kubernetes_version.py.
The restore drills (issue 18), when the values leave them on (`enclaveos-chart.Backup.Drill.Enabled`):
the drill CronJob `<release>-enclaveos-drill`, the last drill over all the release's backups (its drill
record: backup, time, age, verdict, reason; renderer/restore/drills.py) and the newest successful one
against the drill schedule's promise, made the same way (`Drill.CronSchedule` in `Backup.TimeZone`,
StartingDeadlineSeconds, and the drill Job's deadline: the drill CronJob's own, else the values'
`Backup.Drill.ActiveDeadlineSeconds`). With no drill record or copy under the prefix, that promise starts at the
drill CronJob's creation or the first complete backup under the prefix, whichever is later (a fresh install, drills
just turned on, a new `Backup.S3Prefix`): until it has passed, and while the drill CronJob is younger than it or a
drill Job succeeded within it, no drill is due, and the facts say since when (promisedFrom) and when the next drill
runs (firstDrillDue). Drills turned off are a fact, not a finding.

The verdict, its last line, and the exit code:

  OK        0  nothing below
  WARNING   6  what the post-renderer warns of (plan.BackupConfig.warnings: values/validate.warnings); the
               release is in restore mode; the CronJob is suspended (by the values or by hand: the
               line says which), the drill CronJob too (drills on); a backup Job failed after
               the last successful one (or none ever succeeded); the newest complete backup is older
               than the promise (but not twice); the probe object could not be deleted; this machine's
               clock is more than CLOCK_SKEW off the object store's (the ages are then judged by the
               store's); the API server runs Kubernetes older than 1.27 (it drops, or may drop, the
               CronJobs' timeZone or the backup Jobs' podFailurePolicy: the backups run, not as
               configured), or its version cannot be read;
               drills on and: the last drill FAILED or its record is unreadable (a record, or a copy of
               the last drill's or last successful drill's record: drills.copy_keys, which outlive the
               backups retention deletes), a drill Job failed without writing a record, or after its
               record said OK, after the last successful drill Job (the CronJob's, or one --drill-now
               made), no drill succeeded within the drill schedule's promise (unless no drill is due yet:
               _no_drill_due; a re-created CronJob whose drills left a record or a copy is no new promise),
               the drill CronJob is missing
  FAILING   7  no such release; its values configure no backups or fail the post-renderer's checks;
               the Secret or one of its keys is missing; the bucket cannot be listed or written with
               those keys; the CronJob is missing or its schedule is invalid; no complete backup; the
               newest one is older than twice the promise, or DAMAGED (read back, its SHA-256 differs
               from its metadata's: `latest` would restore it, and the restore Job refuse it), or one
               the restore preflight refuses (plan.sgx_check: nodes not recorded, or the manager runs on
               others now, the line saying how a new backup records them; plan.format_reasons: a native
               backup where Backup.Format is sql); what the preflight refuses whatever the backup: the
               release not settled (plan.settled_reasons: pending-install, -upgrade, -rollback,
               uninstalling), the manager Deployment of its manifest missing from the namespace or at 0
               replicas (plan.replicas_to_restore), `latest` refused for backups of more than one database
               cluster; the last drill FAILED of the newest complete backup (what `latest` takes)

A helm, kubectl or bucket call that fails in another way means the answer is not known: exit 1 (an
error message, no verdict); `kubectl version` aside, whose failure is the WARNING above.
`--output json` prints one JSON object with the same facts.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

from renderer.edges.cluster import Cluster, CronJobState, JobRecord, Release
from renderer.edges.objectstore import ObjectStore
from renderer.errors import ClusterCallFailed, DatashieldError, ObjectStoreFailed, Refused
from renderer.restore import drills
from renderer.restore.backups import CLOCK_SKEW, LATEST, METADATA_SUFFIX, Backup, choose, probe_key, stamp_time
from renderer.restore.drills import DrillState, Record, records
from renderer.restore.kubernetes_version import may_drop_time_zone
from renderer.restore.kubernetes_version import problem as version_problem
from renderer.restore.plan import (
    BackupConfig,
    backup_config,
    format_reasons,
    replicas_to_restore,
    secret_reasons,
    settled_reasons,
    sgx_check,
)
from renderer.restore.progress import Progress
from renderer.restore.session import (
    StoreOpener,
    last_failure,
    list_release,
    manager_of,
    read_catalog,
    read_drill,
    read_server_version,
)
from renderer.values.cron import next_run, schedule_problems
from renderer.values.cronjob_spec import FIXED_SPEC
from renderer.values.schedule_gap import duration_text, longest_gap_seconds, promised_seconds

OK, WARNING, FAILING = "OK", "WARNING", "FAILING"
EXIT_CODES = {OK: 0, WARNING: 6, FAILING: 7}


@dataclass(frozen=True)
class Finding:
    severity: str  # WARNING or FAILING
    message: str


@dataclass
class Report:
    """What --status found: facts to show (JSON data, by section) and the findings that decide the verdict."""

    release: str
    namespace: str
    checked: datetime
    facts: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    time_zone_dropped: bool = False  # the API server may drop the CronJobs' timeZone (kubernetes_version)

    def warn(self, message: str) -> None:
        self.findings.append(Finding(WARNING, message))

    def fail(self, message: str) -> None:
        self.findings.append(Finding(FAILING, message))

    @property
    def verdict(self) -> str:
        severities = {finding.severity for finding in self.findings}
        return FAILING if FAILING in severities else WARNING if WARNING in severities else OK

    def verdict_line(self) -> str:
        """`OK`, or the verdict and every reason of that severity and below, worst first."""
        if not self.findings:
            return OK
        ordered = [f.message for f in self.findings if f.severity == FAILING] + [
            f.message for f in self.findings if f.severity == WARNING]
        return f"{self.verdict}: " + "; ".join(ordered)

    def as_json(self) -> dict[str, Any]:
        return {"release": self.release, "namespace": self.namespace, "checked": _iso(self.checked),
                "verdict": self.verdict, "exitCode": EXIT_CODES[self.verdict],
                "findings": [{"severity": f.severity, "message": f.message} for f in self.findings], **self.facts}

    def text(self) -> str:
        lines = [f"status of release {self.release} in namespace {self.namespace} at {_iso(self.checked)}"]
        for section, facts in self.facts.items():
            if facts is not None:
                shown = ", ".join(f"{key} {_shown(value)}" for key, value in facts.items()
                                  if not key.endswith("Seconds"))  # the text shows them as durations
                lines.append(f"  {section:13} {shown}")
        return "\n".join([*lines, self.verdict_line()])


@dataclass
class StatusCheck:
    """One --status run against a cluster and the release's bucket. `now`: the wall clock (aware);
    `token`: the random part of the probe object's key."""

    cluster: Cluster
    progress: Progress
    open_store: StoreOpener
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    token: Callable[[], str] = lambda: secrets.token_hex(8)
    # This machine's clock, compared with the object store's (_clocks). The same as `now` but in tests, whose `now`
    # sets the scene at the time of their fixtures while the store they run keeps today's.
    machine_clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)

    def run(self, release_name: str) -> int:
        """Prints the report (text, or one JSON object); returns the verdict's exit code."""
        report = self.check(release_name)
        self.progress.emit(report.as_json(), report.text())
        return EXIT_CODES[report.verdict]

    def check(self, release_name: str) -> Report:
        report = Report(release_name, self.cluster.namespace, self.now())
        release = self.cluster.release(release_name)
        if release is None:
            report.fail(f"no release {release_name} in namespace {self.cluster.namespace} (helm list; -n NAMESPACE)")
            return report
        report.facts["helmRelease"] = {"chart": release.chart, "revision": release.revision, "status": release.status}
        for reason in settled_reasons(release):  # the restore refuses a release that is not settled
            report.fail(f"restore would be refused: {reason}")
        config, why = backup_config(self.cluster.values(release.name, computed=True))
        for reason in why:
            report.fail(reason)
        if config is None:
            return report
        report.facts["configuration"] = {"bucket": config.where(), "endpoint": config.endpoint,
                                         "schedule": config.schedule, "timeZone": config.time_zone,
                                         "secret": config.secret_name}
        for warning in config.warnings:
            report.warn(warning)
        version = read_server_version(self.cluster)
        report.facts["kubernetes"] = {"server": None if isinstance(version, str) else str(version)}
        kubernetes = version_problem(version)
        report.time_zone_dropped = may_drop_time_zone(version)
        if kubernetes:  # a WARNING even when the server drops a field: the backups still run, not as configured
            report.warn(kubernetes)
        if config.in_restore_mode:
            report.warn("the release is in restore mode (enclaveos-chart.Restore.Enabled): its backups are suspended "
                        f"until the restore ends (run helm datashield-restore {release.name} --chart CHART --from "
                        "BACKUP again to finish it)")
        read = self._bucket(release, config, report)
        cronjob = self._cronjob(release, config, report)
        manager = self._manager(release, config.in_restore_mode, report)
        self._newest(release, read, config, cronjob, manager, report)
        self._drills(release, config, read, report)
        return report

    def _bucket(self, release: Release, config: BackupConfig, report: Report) -> _Read | None:
        """The Secret, then the bucket with its keys: listed (the release's backups) and written to;
        None when the Secret gives no keys."""
        secret = self.cluster.secret_keys(config.secret_name)
        why = secret_reasons(config.secret_name, secret)
        report.facts["secret"] = {"name": config.secret_name, "keys": "missing" if why else "both present"}
        for reason in why:
            report.fail(reason)
        if why or secret is None:
            return None
        self.progress.hidden = (secret["AWS_ACCESS_KEY_ID"], secret["AWS_SECRET_ACCESS_KEY"])
        store = self.open_store(config, secret)
        facts: dict[str, Any] = {"where": config.where()}
        report.facts["bucket"] = facts
        keys = f"the keys of Secret {config.secret_name}"
        # The probe first: the store's clock it gives is what the ages are judged by when this machine's is wrong.
        probe = probe_key(release.name, release.namespace, config.prefix, self.token())
        unwritable, left, store_time = store.probe(probe)
        facts["writable"] = unwritable is None
        if unwritable:
            report.fail(f"the bucket is not writable with {keys}: {unwritable}")
        if left:
            report.warn(f"the probe object could not be deleted ({left}): delete {store.where(probe)} yourself")
        if store_time:
            self._clocks(store_time, report)
        objects: dict[str, int] = {}
        found: list[Backup] | None = None
        try:
            objects = list_release(store, release, config)
            found = read_catalog(store, release, config, report.checked, objects)
            facts["readable"] = True
            facts["backups"] = len(found)
        except ObjectStoreFailed as error:
            facts["readable"] = False
            report.fail(f"the bucket cannot be read with {keys}: {error}")
        return _Read(store, objects, found)

    def _clocks(self, store_time: datetime, report: Report) -> None:
        """This machine's clock against the object store's (the Date of its answer to the probe): every age is
        judged by a clock, and one that is wrong makes a stopped release look on time (or a healthy one late).
        Beyond CLOCK_SKEW apart, as the backup pods judge theirs (s3.sh clock_checked), a WARNING, and the ages
        are judged by the store's clock, which dated the backups' objects."""
        skew = int((store_time - self.machine_clock()).total_seconds())
        report.facts["clocks"] = {"objectStore": _iso(store_time), "skewSeconds": skew}
        if abs(skew) <= CLOCK_SKEW.total_seconds():
            return
        report.checked += timedelta(seconds=skew)
        report.warn(f"this machine's clock is {duration_text(abs(skew))} {'behind' if skew > 0 else 'ahead of'} the "
                    f"object store's (more than {int(CLOCK_SKEW.total_seconds())} s): ages are judged by the store's "
                    f"clock, {_iso(store_time)}; set this machine's clock right")

    def _cronjob(self, release: Release, config: BackupConfig, report: Report) -> CronJobState | None:
        name = f"{release.name}-enclaveos-backup"
        cronjob = self.cluster.cronjob(name)
        if cronjob is None:
            report.fail(f"the CronJob {name} does not exist: no backup is scheduled (install or upgrade the release "
                        "with the post-renderer datashield-backup)")
            return None
        zone = cronjob.time_zone or "UTC"
        facts: dict[str, Any] = {
            "name": name, "schedule": cronjob.schedule, "timeZone": zone, "suspended": cronjob.suspended,
            "lastSchedule": cronjob.last_schedule, "lastSuccess": cronjob.last_success,
            "running": list(cronjob.active)}
        report.facts["cronjob"] = facts
        problems = schedule_problems(cronjob.schedule)
        if problems:
            report.fail(f"the CronJob {name} has the schedule {cronjob.schedule!r}, which cannot run: {problems[0]}")
        elif not cronjob.suspended:
            every_base = _time(cronjob.last_schedule) or _time(cronjob.created)
            upcoming = next_run(cronjob.schedule, zone, report.checked, every_base)
            facts["nextRun"] = _iso(upcoming) if upcoming else None
        suspended = _suspension(cronjob, name, "backup", config, release.namespace)
        if suspended:
            report.warn(suspended)
        drift = _drift(cronjob, name, config.schedule, config.starting_deadline, config.backup_deadline, config,
                       report)
        if drift:
            report.warn(drift)
        jobs = self._jobs(cronjob)
        last_failed = _failed_since(jobs, None)  # the failed Job that ended last, since whenever
        facts["lastFailedJob"] = last_failed.name if last_failed else None
        last_success = _last_success(cronjob, jobs)
        failed = _failed_since(jobs, last_success)
        if failed:
            report.warn(self._failure(failed, last_success, "backup"))
        for held in _held(jobs, "backup", release.namespace):
            report.warn(held)
        return cronjob

    def _failure(self, job: JobRecord, last_success: str | None, what: str, after: str = "",
                 reason: str | None = None) -> str:
        """The finding of a `what` (backup, drill) Job that failed after the last success (and `after`:
        what else it did not do), with the reason from its log (`reason`: _reason, read already)."""
        reason = self._reason(job) if reason is None else reason
        since = f"since the last success at {last_success}" if last_success else f"and no {what} Job has succeeded yet"
        return (f"the {what} Job {job.name} failed at {job.finished or job.started or 'an unknown time'} "
                f"({job.state.reason or 'no reason given'}){after} {since}: {reason}")

    def _reason(self, job: JobRecord) -> str:
        """The last FAILED line of a Job's log, or why there is none to show."""
        try:
            return (last_failure(self.cluster.job_log(job.name)) or "its log has no FAILED line").strip()
        except ClusterCallFailed as error:
            return f"its log cannot be read ({error})"

    def _jobs(self, cronjob: CronJobState) -> list[JobRecord]:
        """The Jobs that carry the labels of `cronjob`'s Jobs, oldest first: its own, the first backup's (which no
        CronJob owns), and those `--backup-now` and `--drill-now` make from it (session._cronjob_now)."""
        return self.cluster.jobs(cronjob.job_labels) if cronjob.job_labels else []

    def _drill_job_failure(self, jobs: list[JobRecord], last_success: str | None,
                           newest: tuple[Record, DrillState] | None, backups: list[Backup], report: Report) -> None:
        """A drill Job of `jobs` that failed after `last_success` (_last_success) without writing a drill record
        (out of memory, evicted, past its deadline, its record's upload refused): the records say nothing of it,
        and the last drill they show may be a success (issue 25). A Job wrote the newest record if that record is
        dated after the Job started: then that record says why it failed, unless it says OK (the Job failed after
        it: writing the record's copies). A Job whose pick step found no complete backup to drill (its log's
        FAILED line, NOTHING_TO_DRILL: a fresh install whose first drill ran before its first backup was complete)
        disproves nothing once there is one: the fact `failedWithNothingToDrill`, not a finding (the review of
        issue 25); the drill promise and the next drill speak for the backup there is now, and with none the
        backups' own check is FAILING. By its log, not by times: the oldest backup in the bucket moves on with
        retention, and a backup's name dates its dump's start, not its completion."""
        job = _failed_since(jobs, last_success)
        if job is None:
            return
        reason = self._reason(job)
        if reason.startswith(NOTHING_TO_DRILL) and any(b.complete and not b.safety_dump for b in backups):
            report.facts.setdefault("drills", {})["failedWithNothingToDrill"] = job.name
            return
        if not (newest and _wrote(job, *newest)):
            report.warn(self._failure(job, last_success, "drill", " without writing a drill record", reason))
        elif newest and newest[1].verdict == drills.OK:  # its record says OK: the Job failed after it (the copies)
            report.warn(self._failure(job, last_success, "drill", " after its drill record said OK", reason))

    def _manager(self, release: Release, resumed: bool, report: Report) -> tuple[str, str] | str:
        """The manager Deployment's name and pod selector (session.manager_of: the release's manifest), or why they
        cannot be read (a WARNING then, from the SGX rule that needs them). What the restore refuses of the manager
        Deployment (plan.replicas_to_restore; `resumed`: the release is in restore mode) is FAILING: missing from
        the namespace, at 0 replicas (the count to come back to is unknown without --replicas), or in restore mode
        without the count it recorded."""
        try:
            name, selector = manager_of(self.cluster, release)
            workload = self.cluster.deployment(name)
        except (ClusterCallFailed, DatashieldError) as error:
            return str(error)
        _, reasons = replicas_to_restore(name, workload, resumed, None)
        for reason in reasons:
            report.fail(f"restore would be refused: {reason}")
        return name, selector

    def _newest(self, release: Release, read: _Read | None, config: BackupConfig, cronjob: CronJobState | None,
                manager: tuple[str, str] | str, report: Report) -> None:
        """The newest complete backup (the rule of `latest`), read back against its SHA-256, and its age
        against the schedule's promise."""
        found = read.backups if read else None
        if read is None or found is None:
            return
        try:
            newest = choose(found, LATEST, config.where())
        except Refused as refused:
            complete = [b for b in found if b.complete and not b.safety_dump]
            if not complete:
                report.fail(refused.reasons[0])
                return
            # Backups of more than one database cluster: the preflight and the restore Job refuse `latest`.
            report.fail(f"restore --from latest would be refused: {refused.reasons[0]}")
            newest = complete[-1]
        taken = _time(newest.created)
        assert taken is not None, "a complete backup's name holds its time"
        age = int((report.checked - taken).total_seconds())
        facts: dict[str, Any] = {"name": newest.name, "created": newest.created, "age": duration_text(age),
                                 "ageSeconds": age}
        report.facts["newestBackup"] = facts
        self._verify(read.store, newest, found, facts, report, self.progress.clock)
        self._restorable(newest, config, cronjob, manager, report)
        # The promise is the release's values' (issue 25): a CronJob edited by hand to run yearly promised a year;
        # such an edit is a finding of its own (_drift).
        if schedule_problems(config.schedule):
            return
        promise = _Promise(config.schedule, config.time_zone, config.starting_deadline, config.backup_deadline)
        facts.update(promised=duration_text(promise.seconds), promisedSeconds=promise.seconds)
        if age > promise.seconds:
            report.findings.append(Finding(
                FAILING if age > 2 * promise.seconds else WARNING,
                f"the newest complete backup {newest.name} is {duration_text(age)} old, more than "
                f"{'twice ' if age > 2 * promise.seconds else ''}the {promise.text('schedule')}"))

    @staticmethod
    def _verify(store: ObjectStore, newest: Backup, found: list[Backup], facts: dict[str, Any],
                report: Report, clock: Callable[[], float]) -> None:
        """Reads the newest complete backup back, streamed, and compares its SHA-256 with its metadata's, as
        --list --verify and the restore Job (before its DROP) do: a backup whose bytes changed after it was
        written (same size) is what `restore --from latest` takes, and the Job then refuses it (issue 25).
        Its size is all that the listing checks. A read that differs is read again before DAMAGED, as the restore
        Job and the drill do (s3.sh verify_backup): a fault in transit does not come back on a second read, a
        damaged backup reads wrong again; the fact `transitFault` says that the first read differed."""
        keys = [newest.key + "/"] if newest.format == "native" else [newest.key]
        begin = clock()
        try:
            verified = store.digest(keys) == newest.sha256
            if not verified:
                verified = store.digest(keys) == newest.sha256
                facts["transitFault"] = verified
        except ObjectStoreFailed as error:
            facts["verified"] = None
            try:  # retention deletes the metadata last: gone, the backup was deleted as it was read
                gone = not store.keys(newest.key + METADATA_SUFFIX)
            except ObjectStoreFailed:
                gone = False
            report.warn(f"the newest complete backup {newest.name} cannot be read back to check it: "
                        + ("it was deleted while --status read it (a backup's retention: a newer backup is "
                           "complete); run --status again" if gone else str(error)))
            return
        # What the check cost (it reads the whole backup, each run): bytes and seconds.
        seconds = round(clock() - begin, 1)
        facts.update(verified=verified, verifiedBytes=newest.size, verifiedIn=f"{seconds} s", verifiedSeconds=seconds)
        if verified:
            return
        older = [b.name for b in found if b.complete and not b.safety_dump and b.name != newest.name]
        report.fail(f"the newest complete backup {newest.name} is DAMAGED (its SHA-256 differs from its metadata's): "
                    "restore --from latest takes it and the restore Job refuses it"
                    + (f"; the newest complete backup before it is {older[-1]}" if older else ""))

    def _restorable(self, newest: Backup, config: BackupConfig, cronjob: CronJobState | None,
                    manager: tuple[str, str] | str, report: Report) -> None:
        """The restore preflight's rules on the newest complete backup: its format (plan.format_reasons: a native
        backup where Backup.Format is sql) and the SGX rule (plan.sgx_check: a backup that does not say which
        nodes ran the manager, or whose nodes run it no more). `restore --from latest` refuses such a backup,
        and whatever makes the restore impossible leaves the release unprotected (issue 25)."""
        for reason in format_reasons(newest, config):
            report.fail(f"restore --from latest would be refused: {reason}")
        unchecked = f"the SGX rule cannot be checked for the newest complete backup {newest.name}"
        if isinstance(manager, str):  # why the manager's selector is not known
            report.warn(f"{unchecked}: {manager}")
            return
        try:
            running = self.cluster.pod_nodes(manager[1]) if manager[1] else ()
            reasons, _ = sgx_check(newest, running, None if running else self.cluster.node_names(), unsafe=False)
        except (ClusterCallFailed, DatashieldError) as error:
            report.warn(f"{unchecked}: {error}")
            return
        # A backup taken now records the nodes the manager runs on now (a reschedule onto other SGX nodes is routine).
        upcoming = (report.facts.get("cronjob") or {}).get("nextRun") if cronjob and not cronjob.suspended else None
        renew = ("; a new backup records the nodes the manager runs on now: helm datashield-restore "
                 f"{report.release} --namespace {report.namespace} --backup-now"
                 + (f", or the next run at {upcoming}" if upcoming else ""))
        for reason in reasons:
            report.fail(f"restore --from latest would be refused: {reason}{renew}")

    def _drills(self, release: Release, config: BackupConfig, read: _Read | None, report: Report) -> None:
        """The restore drills (issue 18): the drill CronJob, the last drill over all the release's
        backups, and the newest successful one against the drill schedule's promise. Reads records
        newest first, until a successful one or one older than the promise."""
        if not config.drill_enabled:
            report.facts["drills"] = {"enabled": False}
            return
        name = f"{release.name}-enclaveos-drill"
        cronjob = self.cluster.cronjob(name)
        facts: dict[str, Any] = {"enabled": True, "schedule": config.drill_schedule, "timeZone": config.time_zone,
                                 "cronjob": name, "cronjobCreated": cronjob.created if cronjob else None}
        report.facts["drills"] = facts
        if cronjob is not None:
            facts["suspended"] = cronjob.suspended
            suspended = _suspension(cronjob, name, "restore drill", config, release.namespace)
            if suspended:
                report.warn(suspended)
            drift = _drift(cronjob, name, config.drill_schedule, config.starting_deadline, config.drill_deadline,
                           config, report)
            if drift:
                report.warn(drift)
        if cronjob is None:
            report.warn(f"the drill CronJob {name} does not exist: no restore drill is scheduled (upgrade the release "
                        "with the post-renderer datashield-backup, or turn drills off: "
                        "enclaveos-chart.Backup.Drill.Enabled=false)")
        promise = None if schedule_problems(config.drill_schedule) else _Promise(
            config.drill_schedule, config.time_zone, config.starting_deadline, config.drill_deadline)
        if promise:
            facts.update(promised=duration_text(promise.seconds), promisedSeconds=promise.seconds)
        if read is None or read.backups is None:
            return
        names = {backup.key: backup.name for backup in read.backups if not backup.safety_dump}
        last, ok_age, recorded = self._read_drills(release, config, read, names, promise, report)
        jobs = self._jobs(cronjob) if cronjob is not None else []
        last_success = _last_success(cronjob, jobs) if cronjob is not None else None
        self._drill_job_failure(jobs, last_success, last, read.backups, report)
        for held in _held(jobs, "drill", release.namespace):
            report.warn(held)
        if last:
            record, drill = last
            newest = (report.facts.get("newestBackup") or {}).get("name")
            drilled = drills.name_of(record, config.prefix)
            if drill.verdict == drills.FAILED and drilled == newest:  # what `latest` takes did not restore
                report.fail(f"the last drill, of the newest complete backup {drilled} (which restore --from latest "
                            f"takes) at {drill.time}, FAILED: {drill.reason}")
            elif drill.verdict == drills.FAILED:
                report.warn(f"the last drill, of {drilled} at {drill.time}, FAILED: {drill.reason}")
            elif drill.verdict == drills.UNREADABLE:
                report.warn(f"the last drill record, {record.key}, is unreadable: {drill.reason}")
        if promise is None or (ok_age is not None and ok_age <= promise.seconds):
            return
        since = None if recorded or cronjob is None else _no_drill_due(cronjob, read.backups, last_success, promise,
                                                                      report)
        if cronjob is not None and since is not None:  # said as facts: what is awaited, and since when
            upcoming = next_run(config.drill_schedule, config.time_zone, report.checked, _time(cronjob.created))
            facts.update(promisedFrom=_iso(since), firstDrillDue=_iso(upcoming) if upcoming else None)
            return
        report.warn(f"no drill has succeeded within the {promise.text('drill schedule')}")

    @staticmethod
    def _read_drills(release: Release, config: BackupConfig, read: _Read, names: dict[str, str],
                     promise: _Promise | None,
                     report: Report) -> tuple[tuple[Record, DrillState] | None, int | None, bool]:
        """The last drill (its record and state; None when there is none, in the facts too), the age
        of the newest successful one (None: none within the promise), and whether any drill record or copy
        is under the prefix, readable or not (True too when the copies cannot be listed). Reads the records
        newest first, until a successful one or one older than the promise, then the copies of the last drill's
        and the last successful drill's records, which outlive the backups they drilled (drills.copy_keys)."""
        last: tuple[Record, DrillState] | None = None
        ok_age: int | None = None
        recorded = False
        for record in records(read.objects, names):
            recorded = True  # listed: even one deleted since (a backup's retention) shows drills under the prefix
            drill = read_drill(read.store, record, release, report.checked)
            if drill.verdict == drills.NONE:  # deleted since the listing, with its backup (a backup's retention)
                continue
            last = last or (record, drill)
            age = _drill_age(report, drill)
            if drill.verdict == drills.OK:
                ok_age = age
                break
            if promise and age is not None and age > promise.seconds:
                break
        last_copy, successful_copy, copied = _copies(release, config, read, report)
        recorded = recorded or copied
        if last_copy and (last is None or last_copy[0].stamp > last[0].stamp):
            last = last_copy
        if successful_copy:
            age = _drill_age(report, successful_copy[1])
            ok_age = age if ok_age is None or (age is not None and age < ok_age) else ok_age
        if last is None:
            report.facts["lastDrill"] = {"verdict": drills.NONE}
            return None, ok_age, recorded
        record, drill = last
        age = _drill_age(report, drill)
        report.facts["lastDrill"] = {"backup": drills.name_of(record, config.prefix), "time": drill.time,
                                     "age": None if age is None else duration_text(age), "ageSeconds": age,
                                     "verdict": drill.verdict, "reason": drill.reason}
        return last, ok_age, recorded


@dataclass(frozen=True)
class _Read:
    """What --status read of the bucket: the listing (key → size) and the release's backups (None:
    the listing failed)."""

    store: ObjectStore
    objects: dict[str, int]
    backups: list[Backup] | None


@dataclass(frozen=True)
class _Promise:
    """How old the newest successful run of a schedule may be (schedule_gap.promised_seconds)."""

    schedule: str
    zone: str
    starting: int  # seconds a run may start late
    running: int  # seconds it may run

    @cached_property
    def gap(self) -> int:
        return longest_gap_seconds(self.schedule, self.zone)

    @cached_property
    def seconds(self) -> int:
        return promised_seconds(self.gap, self.starting, self.running)

    def text(self, what: str) -> str:
        """`<promise> the <what> promises (...)`, for a finding."""
        return (f"{duration_text(self.seconds)} the {what} promises (the longest gap {duration_text(self.gap)} between "
                f"runs of {self.schedule!r} in {self.zone}, plus {duration_text(self.starting)} to start and "
                f"{duration_text(self.running)} to run)")


def _held(jobs: list[JobRecord], runs: str, namespace: str) -> list[str]:
    """A finding for each Job of `jobs` that is suspended and not finished (spec.suspend, by a `kubectl patch` or a
    queue such as Kueue that has not admitted it): it has no pod, its activeDeadlineSeconds does not run, and under
    concurrencyPolicy Forbid its CronJob starts no other run, so no `runs` (backup, drill) happens until it is
    resumed, and nothing but the promise running out would say so (Kubernetes "Suspending a Job"; the review of
    issue 25)."""
    return [f"the {runs} Job {job.name} is suspended (its spec.suspend: by hand, or a queue such as Kueue has not "
            f"admitted it): no {runs} runs until it is resumed (kubectl patch job {job.name} --namespace {namespace} "
            "-p '{\"spec\":{\"suspend\":false}}')" for job in jobs if job.suspended and not job.state.done]


def _suspension(cronjob: CronJobState, name: str, runs: str, config: BackupConfig, namespace: str) -> str | None:
    """Why the CronJob `name`, whose Jobs are `runs` (backup, restore drill), runs nothing, or None: suspended
    by the values (enclaveos-chart.Backup.Suspend), or by hand (a `kubectl patch`, an `edit`), which the
    release's values do not say and a helm upgrade undoes (issue 25). Restore mode suspends both: said apart."""
    if not cronjob.suspended or config.in_restore_mode:
        return None
    if config.suspend:
        return f"the CronJob {name} is suspended: no {runs} runs until it is resumed (enclaveos-chart.Backup.Suspend)"
    resume = f"kubectl patch cronjob {name} --namespace {namespace} -p '{{\"spec\":{{\"suspend\":false}}}}'"
    return (f"the CronJob {name} is suspended by hand (the release's values do not suspend it): no {runs} runs until "
            f"it is resumed ({resume})")


def _drift(cronjob: CronJobState, name: str, schedule: str, starting: int, running: int,
           config: BackupConfig, report: Report) -> str | None:
    """How the live CronJob `name` differs from what the release's values render (its schedule, time zone,
    startingDeadlineSeconds and its Jobs' activeDeadlineSeconds: renderer/postrender/templates/_pod.j2; and what
    the post-renderer fixes whatever the values, values/cronjob_spec.FIXED_SPEC: failedJobsHistoryLimit 0 hides
    every failed Job from --status and the alerts; and the Job template's fields it never sets, UNSET_JOB_SPEC:
    ttlSecondsAfterFinished does the same, suspend holds every run), or
    None: a hand edit (kubectl edit, patch) that the values do not say, and a helm upgrade undoes. The promise
    is the values', so an edit to a rarer schedule cannot make an old backup look on time (issue 25)."""
    dropped = cronjob.time_zone is None and report.time_zone_dropped
    live_zone = cronjob.time_zone or ("(none: the API server drops it, see its Kubernetes version)" if dropped
                                      else "(none: the controller's own)")
    pairs = [("schedule", f"'{cronjob.schedule}'", f"'{schedule}'"), ("timeZone", live_zone, config.time_zone),
             ("startingDeadlineSeconds", cronjob.starting_deadline, starting),
             ("activeDeadlineSeconds", cronjob.active_deadline, running),
             *((field, cronjob.fixed.get(field), wanted) for field, wanted in FIXED_SPEC)]
    differ = [f"{field} {_shown(live)}, the values' {_shown(wanted)}" for field, live, wanted in pairs
              if live != wanted]
    differ += [f"jobTemplate.spec.{field} {_shown(live)}, the values' -" for field, live in cronjob.job_set.items()]
    if not differ:
        return None
    if dropped and len(differ) == 1:  # the server's doing, not a hand's: said so by the version's finding too
        return (f"the CronJob {name} differs from what the release's values render ({differ[0]}): its runs follow "
                "kube-controller-manager's time zone; the promise is the values'")
    return (f"the CronJob {name} differs from what the release's values render ({'; '.join(differ)}): edited by "
            "hand? A helm upgrade puts the values' back; the promise is the values'")


def _last_success(cronjob: CronJobState, jobs: list[JobRecord]) -> str | None:
    """When a Job of `cronjob` last succeeded (RFC 3339 UTC; None: none yet), the backup's and the drill's alike: the
    CronJob's status.lastSuccessfulTime, or the end of the newest succeeded Job of `jobs` (its Jobs' labels:
    StatusCheck._jobs) when later. lastSuccessfulTime counts only the Jobs kube-controller-manager counts for the
    CronJob; the first backup's Job (owned by no CronJob) and the Jobs `--backup-now` and `--drill-now` make that
    succeeded after a failed scheduled one ran as well (issue 25)."""
    succeeded = [job.finished for job in jobs if job.state.done and not job.state.failed and job.finished]
    return max([cronjob.last_success or "", *succeeded]) or None


# The pick step's FAILED line when the bucket holds no complete backup of the release (s3.sh latest_backup).
NOTHING_TO_DRILL = "[pick] FAILED: no complete backup of "


def _failed_since(jobs: list[JobRecord], last_success: str | None) -> JobRecord | None:
    """The failed Job of `jobs` that ended last, when it ended after `last_success` (RFC 3339 UTC; None: no success
    yet), else None. By its end, not its start: a scheduled Job that hung until its deadline ends after a
    `--backup-now` Job that started later, failed, and was followed by a success (review of issue 25)."""
    failed = max((job for job in jobs if job.state.failed), key=lambda job: job.finished or "", default=None)
    if failed is None or (last_success and (failed.finished or "") <= last_success):
        return None
    return failed


# The Job controller names a Job's pods by generateName `<job>-`, which the API server cuts to 58 characters before
# its 5 random ones (k8s.io/apiserver pkg/storage/names SimpleNameGenerator: maxGeneratedNameLength = 63 - 5).
MAX_GENERATED_NAME_PREFIX = 58


def _wrote(job: JobRecord, record: Record, drill: DrillState) -> bool:
    """Whether the drill Job `job` wrote the drill record `record`: its pod (`<job>-<suffix>`, the prefix cut to
    MAX_GENERATED_NAME_PREFIX) is the record's `pod`;
    for a record that names none (written before records did), dated no earlier than the Job's start, less the
    skew a node's clock may have (backups.CLOCK_SKEW): a node clock behind the API server's dates a record early."""
    if drill.pod:
        return drill.pod.startswith(f"{job.name}-"[:MAX_GENERATED_NAME_PREFIX])
    recorded, started = stamp_time(record.stamp), _time(job.started)
    return bool(recorded and started and recorded >= started - CLOCK_SKEW)


def _copies(release: Release, config: BackupConfig, read: _Read, report: Report) -> tuple[
        tuple[Record, DrillState] | None, tuple[Record, DrillState] | None, bool]:
    """The copies of the last drill's and the last successful drill's records (drills.copy_keys), each with its
    state; None where there is no copy, or it cannot be trusted (a WARNING: a copy that cannot be read may hide
    the last drill), or the last successful one's records no successful drill. Last, whether either copy is
    there, trusted or not (True when they cannot be listed: then it is not known)."""
    keys = drills.copy_keys(release.name, release.namespace, config.prefix)
    try:
        present = read.store.keys(drills.copies_prefix(release.namespace, config.prefix))
    except ObjectStoreFailed as error:
        report.warn(f"the copies of the last drill records cannot be listed: {error}")
        return None, None, True
    found: list[tuple[Record, DrillState] | None] = []
    for key, what in zip(keys, ("last drill", "last successful drill"), strict=True):
        if key not in present:
            found.append(None)
            continue
        try:
            raw: bytes | str = read.store.read(key)
        except ObjectStoreFailed as error:
            raw = str(error)
        record, drill = drills.copy_state(key, raw, release.name, release.namespace, config.prefix, report.checked)
        if drill.verdict == drills.FAILED and what == "last successful drill":
            drill = DrillState(drills.UNREADABLE, drill.time, "it records a FAILED drill", key)
        if record is None or drill.verdict == drills.UNREADABLE:
            report.warn(f"the copy of the {what}'s record, {key}, is unreadable: {drill.reason}")
            found.append(None)
            continue
        found.append((record, drill))
    return found[0], found[1], any(key in present for key in keys)


def _no_drill_due(cronjob: CronJobState, backups: list[Backup], last_success: str | None, promise: _Promise,
                  report: Report) -> datetime | None:
    """For a release with no drill record or copy under its prefix (StatusCheck._read_drills): when the drill
    schedule's promise started, as long as no drill is due yet; None when one is (the usual WARNING).
    The promise starts at the later of the drill CronJob's creation and the first complete backup under the prefix
    (its time, from its name): no drill is due before drills are scheduled (a fresh install, drills just turned
    on), nor of backups that exist only since the prefix changed (`Backup.S3Prefix`: what the drills proved of the
    backups under the former prefix is there, not here; issue 25). It has passed when older than the promise.
    Until then the drill CronJob's Jobs speak for the drills, as they do for the alerts: a drill is due unless the
    drill CronJob is younger than the promise, or a drill Job succeeded within it (_last_success). So the oldest
    backup retention left, which moves on with every backup, never puts off a drill that is overdue by the Jobs,
    and a re-created drill CronJob is no new promise when drills ran before it (they left a record or a copy)."""
    created, succeeded = _time(cronjob.created), _time(last_success)
    taken = [when for backup in backups if backup.complete and not backup.safety_dump
             if (when := _time(backup.created))]
    since = max([when for when in (created, min(taken, default=None)) if when], default=None)

    def within(when: datetime | None) -> bool:
        return when is not None and _age(report, when) <= promise.seconds

    return since if within(since) and (within(created) or within(succeeded)) else None


def _drill_age(report: Report, drill: DrillState) -> int | None:
    started = _time(drill.time)
    return _age(report, started) if started else None


def _age(report: Report, when: datetime) -> int:
    return int((report.checked - when).total_seconds())


def _time(text: str | None) -> datetime | None:
    """An RFC 3339 UTC time as the Kubernetes API and backup names give it (`2026-11-23T00:00:00Z`)."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


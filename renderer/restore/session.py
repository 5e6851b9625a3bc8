"""One run of `helm datashield-restore` against a cluster and its bucket: the orchestration of
the restore (preflight, confirmation, restore mode, the Job, back out of restore mode, the
report), `--list`, `--backup-now` and `--drill-now`. Every cluster call goes through renderer/edges/.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from renderer.edges.cluster import Cluster, JobState, Release, ServerVersion, job_logs_argv, shown
from renderer.edges.objectstore import ObjectStore
from renderer.errors import (
    ClusterCallFailed,
    DatashieldError,
    Interrupted,
    ObjectStoreFailed,
    Refused,
    StepFailed,
    StillRunning,
)
from renderer.restore.backups import LATEST, METADATA_SUFFIX, Backup, catalog, choose, listing_prefixes, metadata_keys
from renderer.restore.drills import NOT_DRILLED, DrillState, Record, newest, preflight_warning
from renderer.restore.drills import state as drill_state
from renderer.restore.kubernetes_version import problem as version_problem
from renderer.restore.local_file import read_local
from renderer.restore.plan import (
    BUSY_COMPONENTS,
    JOB_END_MARGIN,
    MANAGER_READY_SECONDS,
    BackupConfig,
    Plan,
    Request,
    Upload,
    backup_config,
    busy_labels,
    busy_wait,
    chart_args,
    commands,
    describe,
    format_reasons,
    is_local,
    job_wait,
    local_backup,
    local_path,
    post_renderer,
    release_reasons,
    replicas_to_restore,
    restore_sets,
    secret_reasons,
    sgx_check,
)
from renderer.restore.progress import Progress
from renderer.restore.retry import Retry
from renderer.restore.safety import Saved, from_bucket, from_log, listing_prefix

PLUGIN_DIR = str(Path(__file__).resolve().parents[2])


POLL_SECONDS = 3.0
LIVENESS_SECONDS = 30.0  # at most this long between two lines of a wait that goes on


# The restore Job's log line before its DROP (renderer/postrender/templates/scripts/restore.sh).
DROPPED = "[restore] dropping "


def _again(request: Request) -> str:
    """The command that runs this restore again (or follows its Job), as the user can paste it."""
    return shown(request.again) if request.again else "run the same helm datashield-restore command again"


def last_failure(lines: list[str]) -> str | None:
    """The last `[step] FAILED: reason` line of a pod's log (renderer/postrender/templates/scripts/
    lib.sh `fail` writes it, the reason on the same line), or None when the log has none."""
    failures = [line for line in lines if "FAILED:" in line]
    return failures[-1] if failures else None


@contextmanager
def failing(what: str, advice: list[str] | Callable[[], list[str]],
             interrupts_only: bool = False) -> Iterator[None]:
    """An error of `what` (or an interruption) ends the run as a failure of it, told with
    `advice`: the state left and the commands to run. With `interrupts_only`, other errors
    pass as they are (preflight keeps its refusals and their exit code)."""
    told = advice if callable(advice) else lambda: advice
    try:
        yield
    except Interrupted as interrupted:
        raise interrupted.at(what, told()) from None
    except StepFailed:
        raise
    except DatashieldError as error:
        if interrupts_only:
            raise
        raise StepFailed(what, str(error), told()) from None


def list_release(store: ObjectStore, release: Release, config: BackupConfig) -> dict[str, int]:
    """Every object under the release's listing prefixes (key → size): its backups, their metadata
    and drill records; raises ObjectStoreFailed when the bucket cannot be listed."""
    objects: dict[str, int] = {}
    for listed in listing_prefixes(release.name, release.namespace, config.prefix):
        objects.update(store.keys(listed))
    return objects


def read_catalog(store: ObjectStore, release: Release, config: BackupConfig,
                 now: datetime | None = None, objects: dict[str, int] | None = None) -> list[Backup]:
    """The release's backups in its bucket, oldest first (backups.catalog: `now` judges future-dated
    names; this machine's clock when None), from `objects` (list_release's) when given; raises
    ObjectStoreFailed when the bucket cannot be read."""
    if objects is None:
        objects = list_release(store, release, config)
    keys = metadata_keys(release.name, release.namespace, config.prefix, objects)
    read = {key: store.read_present(key) for key in keys}
    # A metadata object listed, then gone: a backup's retention deleted that backup meanwhile (its metadata last,
    # upload.sh delete_pair). It is gone, not unreadable.
    metadata = {key: raw for key, raw in read.items() if raw is not None}
    listed = {key: size for key, size in objects.items() if read.get(key, b"") is not None}
    return catalog(release.name, release.namespace, config.prefix, listed, metadata, now)


def read_drill(store: ObjectStore, record: Record | None, release: Release, now: datetime | None = None) -> DrillState:
    """The drill state of `record` (drills.newest: a backup's newest record; None: it has none),
    read with one GET; a record that cannot be read is told as unreadable, not raised."""
    raw: bytes | str | None = None
    if record is not None:
        try:
            raw = store.read_present(record.key)
        except ObjectStoreFailed as error:
            raw = str(error)
        if raw is None:  # listed, then deleted with its backup by a backup's retention: no record
            return NOT_DRILLED
    return drill_state(record, raw, release.name, release.namespace, now)


def read_server_version(cluster: Cluster) -> ServerVersion | str:
    """The API server's Kubernetes version, or why it cannot be read: a version not known is a warning
    (renderer/restore/kubernetes_version.py), never a reason to stop, so the failure is not raised."""
    try:
        return cluster.server_version()
    except ClusterCallFailed as error:
        return str(error)


def manager_of(cluster: Cluster, release: Release) -> tuple[str, str]:
    """The manager Deployment's name and pod selector, from the release's own manifest."""
    from renderer.postrender.locate import Hints, find_targets
    from renderer.postrender.settings import pod_selector
    from renderer.postrender.stream import split

    targets = find_targets(split(cluster.manifest(release.name)), Hints(release=release.name), None)
    return targets.manager.name, pod_selector(targets.manager.data)


StoreOpener = Callable[[BackupConfig, dict[str, str]], ObjectStore]


@dataclass
class Session:
    """One run of the command against a cluster (and the bucket its release backs up to)."""

    cluster: Cluster
    progress: Progress
    open_store: StoreOpener
    confirm: Callable[[str], bool]
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.monotonic
    plugin_dir: str = PLUGIN_DIR
    store: ObjectStore | None = None  # the release's bucket, once preflight has opened it
    listed: dict[str, int] = field(default_factory=dict)  # what preflight listed in it (key → size)

    @property
    def retry(self) -> Retry:
        """Runs the read-only calls of a wait, retrying the API's passing failures (told in the progress)."""
        return Retry(sleep=self.sleep, now=self.now, tell=self.progress.info)

    # -- restore -------------------------------------------------------------------------
    def restore(self, request: Request, dry_run: bool, yes: bool) -> int:
        nothing = ["nothing was changed."]
        with self.progress.step(1, "preflight (read-only)"), failing("preflight", nothing, interrupts_only=True):
            plan = self.preflight(request)
            earlier = self._earlier_job(plan) if plan.resumed else None
            if earlier:
                plan = replace(plan, job=earlier)
            for line in describe(plan):
                self.progress.info(line)
            if earlier:
                self.progress.info(f"the restore Job {earlier} of an earlier run restores this backup: "
                                   "following it (no new restore)")
            if dry_run:
                self._check_rendering(plan, request)
        if dry_run:
            self.progress.emit({"event": "plan", "dryRun": True, **plan.as_json()},
                               "dry run: nothing was changed. The restore would run:\n" +
                               "\n".join(f"  {shown(argv)}" for argv in (plan.restore_mode, plan.back, plan.rollout)))
            return 0
        with self.progress.step(2, "confirmation"), failing("confirmation", nothing, interrupts_only=True):
            if not yes and not self.confirm(request.release):
                raise DatashieldError("not confirmed: nothing was changed")
        safety = self._restore_mode(plan, request, follow=bool(earlier))
        self._back(plan, safety)
        with self.progress.step(5, "report"), failing("the report", [
                f"the restore is done: {plan.manager} runs {plan.replicas} replicas again.", *safety.lines()],
                interrupts_only=True):
            self.progress.emit(
                {"event": "result", "restored": plan.backup.key, "bucket": plan.bucket, "release": plan.release.name,
                 "replicas": plan.replicas, "safetyDump": safety.location, "safetyDumpKnown": safety.known,
                 **({"safetyDumpUnknown": safety.why} if not safety.known else {})},
                f"restored {plan.release.name} from s3://{plan.bucket}/{plan.backup.key}; the manager runs "
                f"{plan.replicas} replicas; the data from before the restore: {safety.text()}")
        return 0

    def _earlier_job(self, plan: Plan) -> str | None:
        """In a run resumed from restore mode: the earlier run's restore Job when it still runs or
        completed, restoring the backup asked for now (it is followed, not replaced: a new upgrade
        would delete it midway); None when a new restore must start. Refused when that Job still
        runs but restores another backup."""
        from renderer.values.lookup import lookup

        values = self.cluster.values(plan.release.name, computed=False)
        run_id, restoring = (lookup(values, "enclaveos-chart", "Restore", key) for key in ("RunId", "Backup"))
        if not run_id:
            return None
        job = f"{plan.release.name}-enclaveos-restore-{run_id}"
        state: JobState | None = self.retry(lambda: self.cluster.job_state(job))
        if state is None or state.failed:
            return None
        if str(restoring) != plan.backup.name:
            if state.done:
                return None
            raise Refused([f"the restore Job {job} of an earlier run still runs, restoring {restoring}: wait for it "
                           f"to end ({shown(self.cluster.kubectl_argv('get', 'job', job))}), or run this command "
                           f"with --from backup:{restoring} to follow it"])
        return job

    def preflight(self, request: Request) -> Plan:
        """Reads everything the restore depends on; refuses with every reason found."""
        cluster = self.cluster
        helm_major = cluster.helm_major()
        release = cluster.release(request.release)
        if release is None:
            raise Refused([f"no release {request.release} in namespace {cluster.namespace} "
                           "(helm list; -n NAMESPACE)"])
        reasons = release_reasons(release, cluster.chart_identity(request.chart, request.chart_version))
        kubernetes = version_problem(read_server_version(cluster))
        if helm_major >= 4 and not cluster.has_helm_plugin("datashield-backup"):
            reasons.append("the post-renderer plugin datashield-backup is not installed "
                           "(helm plugin install <plugin dir>/plugins/datashield-backup)")
        config, store, found = self._bucket(release, reasons)
        manager_name, selector = manager_of(cluster, release)
        workload = cluster.deployment(manager_name)
        resumed = bool(config and config.in_restore_mode)
        replicas, why = replicas_to_restore(manager_name, workload, resumed, request.replicas)
        reasons += why
        backup: Backup | None = None
        upload: Upload | None = None
        notes: list[str] = []
        warnings: list[str] = []
        if kubernetes:  # a warning, never a refusal (kubernetes_version.py: the restore uses neither field)
            warnings.append(kubernetes)
        warnings += config.warnings if config else ()  # the post-renderer's, which it says only as an annotation
        try:
            if is_local(request.source):
                backup, upload = self._local(request, release, config)
            elif config is not None and store is not None:
                backup = choose(found, request.source, config.where())
        except Refused as refused:
            reasons += refused.reasons
        running = cluster.pod_nodes(selector) if selector else ()
        if backup is not None:
            sgx_reasons, notes = sgx_check(backup, running, cluster.node_names() if not running else None,
                                           request.unsafe_sgx)
            reasons += sgx_reasons + (format_reasons(backup, config) if config else [])
            if request.source == LATEST:  # what `latest` passed over, newest first, as the restore Job logs it
                notes = [f"skipped the newer {b.name}: {b.problem}" for b in reversed(found)
                         if b.problem and not b.safety_dump and b.created_stamp > backup.created_stamp] + notes
            # A backup never drilled, or whose last drill failed, may not restore: said, not refused (issue 18).
            # A local file and a safety dump are never drilled by design: nothing to say.
            drill = self._drill(backup, release) if upload is None else None
            warning = preflight_warning(backup.name, drill) if drill else None
            warnings += [warning] if warning else []
        if reasons or backup is None or replicas is None or config is None:
            raise Refused(reasons or ["nothing to restore"])
        busy = self._busy(release.name)
        wait, short = job_wait(request.timeout, config.restore_deadline)
        warnings += [short] if short else []
        post = post_renderer(helm_major, self.plugin_dir)
        manager_nodes = None if resumed else running
        restore_mode, back, rollout = commands(cluster, request, post, backup, replicas, manager_name, manager_nodes)
        return Plan(release=release, backup=backup, bucket=config.bucket, replicas=replicas, resumed=resumed,
                    manager=manager_name, job=f"{release.name}-enclaveos-restore-{request.run_id}",
                    restore_mode=restore_mode, back=back, rollout=rollout, post_renderer=post,
                    notes=tuple(notes), upload=upload, manager_nodes=manager_nodes, warnings=tuple(warnings),
                    job_wait=wait, busy=busy, busy_wait=busy_wait(request.timeout, config))

    def _busy(self, release: str) -> tuple[str, ...]:
        """The release's backup and drill Jobs that have not ended (a Job being deleted counts until it is
        gone), oldest first."""
        return tuple(job.name for component in BUSY_COMPONENTS
                     for job in self.cluster.jobs(busy_labels(release, component)) if not job.state.done)

    def _clear_of_running_jobs(self, plan: Plan, request: Request) -> None:
        """Before restore mode: waits until the release's backup and drill Jobs have ended, or deletes them
        with --stop-running (issue 24: one that runs while the restore imports dumps a half-restored
        database, complete and verified, and it becomes `latest`). Those that start later see restore mode
        and refuse (scripts/kube.sh in_restore_mode), and the restore Job itself drops nothing while such a
        pod runs (busy_pods): this wait is what keeps that refusal from being the common case. Raises
        StepFailed when they still run after plan.busy_wait seconds."""
        what = "the wait for running backup and drill Jobs"
        stop = shown(request.again if request.stop_running else (*request.again, "--stop-running")) \
            if request.again else "the same helm datashield-restore command with --stop-running"
        with failing(what, ["nothing was changed.", f"to stop them and restore: {stop}"]):
            deadline = self.now() + plan.busy_wait
            last_told: float | None = None
            while running := self.retry(lambda: self._busy(plan.release.name)):
                if self.now() > deadline:
                    raise StepFailed(what, f"{', '.join(running)} still running after {plan.busy_wait} s",
                                     ["nothing was changed.", f"to stop them and restore: {stop}"])
                if request.stop_running:
                    for job in running:
                        # Foreground: kubectl returns once the Job's pods are gone, not only the Job; within
                        # the wait's time (kubectl's own default is a week: a pod on a lost node never goes).
                        # A Job that ended and went meanwhile is no failure.
                        left = max(1, round(deadline - self.now()))
                        self.cluster.run_to_end(self.cluster.kubectl_argv(
                            "delete", "job", job, "--cascade=foreground", "--wait=true", f"--timeout={left}s",
                            "--ignore-not-found"))
                        self.progress.info(f"stopped {job} (--stop-running): deleted, with its pod")
                    continue
                if last_told is None or self.now() - last_told >= LIVENESS_SECONDS:
                    last_told = self.now()
                    self.progress.info(f"waiting for {', '.join(running)} to end before restore mode "
                                       f"(at most {max(0, round(deadline - self.now()))} s more)")
                self.sleep(POLL_SECONDS)

    @staticmethod
    def _local(request: Request, release: Release, config: BackupConfig | None) -> tuple[Backup, Upload]:
        """A local SQL file (and the metadata object beside it, if any) as the backup to restore."""
        path = local_path(request.source)
        size, sha256 = read_local(path, f"--from {request.source}")
        beside = None
        if os.path.isfile(path + ".json"):
            try:
                with open(path + ".json", encoding="utf-8") as handle:
                    beside = json.load(handle)
            except (OSError, ValueError) as exc:
                raise Refused([f"{request.source}.json: not a readable metadata object: {exc}"]) from None
            if not isinstance(beside, dict) or beside.get("sha256") != sha256:
                raise Refused([f"{request.source}.json records another SHA-256 than {request.source} has: "
                               "the file is not the backup that metadata describes"])
        return local_backup(path, size, sha256, beside, release.name, release.namespace,
                            config.prefix if config else "", request.run_id)

    def _bucket(self, release: Release, reasons: list[str]) -> tuple[BackupConfig | None, ObjectStore | None,
                                                                       list[Backup]]:
        config, why = backup_config(self.cluster.values(release.name, computed=True))
        reasons += why
        if config is None:
            return None, None, []
        secret = self.cluster.secret_keys(config.secret_name)
        why = secret_reasons(config.secret_name, secret)
        reasons += why
        if why or secret is None:
            return config, None, []
        self.progress.hidden = (secret["AWS_ACCESS_KEY_ID"], secret["AWS_SECRET_ACCESS_KEY"])
        store = self.store = self.open_store(config, secret)
        self.listed = list_release(store, release, config)
        return config, store, read_catalog(store, release, config, objects=self.listed)

    def _drill(self, backup: Backup, release: Release) -> DrillState | None:
        """A scheduled backup's drill state (one GET at most); None for a safety dump: never drilled by design."""
        if backup.safety_dump:
            return None
        assert self.store is not None, "_bucket opened the bucket"
        return read_drill(self.store, newest(self.listed, backup.key), release)

    @staticmethod
    def _catalog(store: ObjectStore, release: Release, config: BackupConfig) -> list[Backup]:
        return read_catalog(store, release, config)

    def _check_rendering(self, plan: Plan, request: Request) -> None:
        """Dry run: renders the restore-mode manifests with `helm template` from the release's
        recorded values and the post-renderer, so that values the post-renderer refuses show now."""
        import yaml

        user_values = self.cluster.values(plan.release.name, computed=False)
        with tempfile.TemporaryDirectory() as folder:
            values_file = Path(folder) / "values.json"
            values_file.write_text(json.dumps(user_values), encoding="utf-8")
            values_file.chmod(0o600)
            text = self.cluster.call(self.cluster.helm_argv(
                "template", plan.release.name, *chart_args(request), "--values", str(values_file),
                *restore_sets(plan.backup, request.run_id, plan.manager_nodes), *plan.post_renderer)) or ""
        kinds = [(d.get("kind"), (d.get("metadata") or {}).get("name"), d)
                 for d in yaml.safe_load_all(text) if isinstance(d, dict)]
        jobs = [name for kind, name, _ in kinds if kind == "Job"]
        manager = [d for kind, name, d in kinds if kind == "Deployment" and name == plan.manager]
        replicas = (manager[0].get("spec") or {}).get("replicas") if manager else None
        self.progress.info(f"restore mode renders: {len(kinds)} objects, {plan.manager} replicas {replicas}, "
                           f"Job {', '.join(str(j) for j in jobs) or 'none'}")

    def _restore_mode(self, plan: Plan, request: Request, follow: bool) -> Saved:
        advice = self._advice(plan, request)
        with self.progress.step(3, f"restore mode: {plan.manager} to 0 replicas (recorded: {plan.replicas}), "
                                   f"Job {plan.job}"):
            if plan.upload is not None and not follow:
                assert self.store is not None, "preflight opened the bucket"
                with failing(f"the upload of {plan.upload.path}", ["the cluster was not changed.", advice[0]],
                                   interrupts_only=True):
                    self.store.put_verified(plan.upload.path, plan.upload.key)
                    self.store.put_verified(plan.upload.metadata, plan.upload.key + METADATA_SUFFIX)
                self.progress.info(f"uploaded {plan.upload.path} as s3://{plan.bucket}/{plan.upload.key}, "
                                   "read back and verified")
            if not follow:
                self._clear_of_running_jobs(plan, request)
                with failing("helm upgrade into restore mode", ["THE MANAGER MAY BE AT 0 REPLICAS NOW.",
                                                                      *advice]):
                    self.cluster.run_to_end(plan.restore_mode)
            run_id = plan.job.rsplit("-enclaveos-restore-", 1)[-1]
            return self._wait_for_restore(plan, request, run_id, advice)

    def _wait_for_restore(self, plan: Plan, request: Request, run_id: str, advice: list[str]) -> Saved:
        """The restore Job followed to its end; where it saved the data from before."""
        job_state = shown(self.cluster.kubectl_argv("get", "job", plan.job))

        def left(lines: list[str], failed: bool) -> list[str]:
            saved = from_log(lines)
            dropped = self._after_drop(plan, request, lines, saved)
            if failed:
                state = ["THE MANAGER STAYS AT 0 REPLICAS: it must not start on a database that may be half "
                         "restored."]
            else:
                state = [f"the Job {plan.job} goes on in the cluster: THE MANAGER IS AT 0 REPLICAS until it has "
                         f"ended and the manager is brought back (its state: {job_state})."]
            # After the DROP, bringing the manager back without restoring would start it on an empty database.
            back = [] if dropped else [advice[1] + ("" if failed else " (only once the Job has ended)")]
            return [*(saved.lines() if saved else []), *(dropped or []), *state,
                    advice[0] if failed else f"to follow the Job and finish the restore: {_again(request)}", *back]

        lines, unread = self._wait_for_job(plan.job, plan.job_wait, "the restore Job", left)
        saved = from_log(lines)
        if saved is None or unread:
            saved = self._safety_in_bucket(plan, run_id, "the Job's log " + (
                f"could not be read ({unread})" if unread else "did not say"))
        return saved

    def _safety_in_bucket(self, plan: Plan, run_id: str, why: str) -> Saved:
        assert self.store is not None, "preflight opened the bucket"
        prefix = plan.backup.key[:len(plan.backup.key) - len(plan.backup.name)].strip("/")
        release, namespace = plan.release.name, plan.release.namespace
        try:
            objects = self.store.keys(listing_prefix(prefix, release, namespace))
            metadata = {key: self.store.read(key) for key in metadata_keys(release, namespace, prefix, objects)}
        except ObjectStoreFailed as error:
            return Saved(None, False, f"{why}, and the bucket could not be read: {error}")
        return from_bucket(plan.bucket, prefix, release, namespace, run_id, objects, metadata, why)

    def _back(self, plan: Plan, safety: Saved) -> None:
        with self.progress.step(4, f"back out of restore mode: {plan.manager} to {plan.replicas} replicas"):
            # The rollout only reads: retried like the Job's wait. The upgrade changes the release: not.
            for argv, what, retried in ((plan.back, "helm upgrade out of restore mode", False),
                                        (plan.rollout, f"waiting for {plan.manager} to be ready", True)):
                with failing(what, [
                        f"the database was restored from {plan.backup.key}, but {plan.manager} may still be at "
                        "0 replicas: THE MANAGER IS DOWN until this is fixed.", *safety.lines(),
                        f"to finish: {shown(plan.back)}"]):
                    call = partial(self.cluster.run_to_end, argv)
                    self.retry(call) if retried else call()

    @staticmethod
    def _advice(plan: Plan, request: Request) -> list[str]:
        return [f"to retry the restore: {_again(request)}",
                f"to bring the manager back WITHOUT restoring: {shown(plan.back)}"]

    def _after_drop(self, plan: Plan, request: Request, lines: list[str], saved: Saved | None) -> list[str] | None:
        """When the restore Job's log shows its DROP: what that leaves and the one command that
        puts the safety dump back (None before the DROP: the database is as it was)."""
        if not any(line.startswith(DROPPED) for line in lines):
            return None
        base = plan.backup.key[:len(plan.backup.key) - len(plan.backup.name)]
        location = saved.location if saved else None
        key = location.removeprefix(f"s3://{plan.bucket}/") if location else None
        if key is None or not key.startswith(base):
            put_back = ("the database was empty or missing before the restore: there is no data from before to put back"
                        if saved and saved.known else
                        "where the data from before was saved is unknown: see the Job's log and --list")
        else:
            put_back = f"to put the data from before back: {shown(self._put_back(request, key[len(base):]))}"
        return ["the database malbork was dropped: it no longer holds the data from before.", put_back]

    def _put_back(self, request: Request, name: str) -> list[str]:
        """This command, restoring the safety dump `name` (a name under the prefix)."""
        cluster = self.cluster
        return ["helm", "datashield-restore", request.release, "--namespace", cluster.namespace,
                *(["--kube-context", cluster.context] if cluster.context else []), "--chart", request.chart,
                *(["--version", request.chart_version] if request.chart_version else []), "--from", name,
                *(["--yes"] if request.typed_yes else [])]

    def _wait_for_job(self, job: str, timeout: int, what: str,
                      left: Callable[[list[str], bool], list[str]]) -> tuple[list[str], str]:
        """Streams the Job's containers' logs in run order until it completes; raises if it fails,
        if it cannot be followed (after retrying the API's passing failures) or on interruption,
        with `left(log lines so far, the Job failed)`: the state it leaves and what to run.
        Returns the log lines and why a log could not be read ("" when every log was read)."""
        deadline = self.now() + timeout
        followed: set[tuple[str, str]] = set()  # (pod, container): a Job may start another pod (Cluster.job_pods)
        lines: list[str] = []
        newest: list[str] = []  # the lines of the pod followed last: its failure is the Job's, not an earlier pod's
        unread: list[str] = []
        following = ""
        with failing(what, lambda: left(lines, False)):
            while True:
                state = self.retry(lambda: self.cluster.job_state(job))
                if state is None:
                    raise StepFailed(what, f"Job {job} does not exist", left(lines, False))
                pods = self.retry(lambda: self.cluster.job_pods(job))
                # Oldest pod first, each container in run order; of a pod that a newer one replaced, those that
                # never started never will.
                ready = [(name, container) for name, containers in pods for container, status in containers
                         if (name, container) not in followed and status != "waiting"]
                if ready:
                    name, container = ready[0]
                    followed.add((name, container))
                    if name != following:
                        if following:
                            self.progress.info(f"the Job started another pod, {name} (the one before, {following}, "
                                               "ended)")
                        following, newest = name, []
                    self._follow(name, container, [lines, newest], unread)
                if state.done and not ready:
                    break
                if self.now() > deadline:
                    raise StillRunning(what, f"the wait ended after {timeout} s and Job {job} has not finished",
                                       left(lines, False))
                if not ready:
                    self.sleep(POLL_SECONDS)
        if state.failed:
            raise StepFailed(what, last_failure(newest) or f"Job {job} failed ({state.reason})", left(lines, True))
        return lines, "; ".join(unread)

    def _follow(self, pod: str, container: str, into: list[list[str]], unread: list[str]) -> None:
        """One container's log to its end, into each list of `into` and the progress. A log that breaks off is
        read again (retrying passing failures) without showing twice what was shown; one that
        cannot be read is said so, in the progress and in `unread`: the Job's outcome does not
        depend on it (it is read from the Job), what the report says does."""
        count = 0  # lines of this container shown so far

        def read() -> None:
            index = 0

            def keep(line: str) -> None:
                nonlocal index, count
                index += 1
                if index > count:
                    count = index
                    for lines in into:
                        lines.append(line)
                    self.progress.log(container, line)

            self.cluster.follow_log(pod, container, keep)

        try:
            self.retry(read)
        except ClusterCallFailed as error:
            unread.append(f"{container}: {error}")
            self.progress.info(f"the log of {container} could not be read: {error}; the Job's outcome is read "
                               "from the Job itself")

    # -- list, backup now, drill now ---------------------------------------------------------------
    def list_backups(self, release_name: str, verify: bool) -> int:
        release = self.cluster.release(release_name)
        if release is None:
            raise Refused([f"no release {release_name} in namespace {self.cluster.namespace}"])
        reasons: list[str] = []
        config, store, found = self._bucket(release, reasons)
        if reasons or config is None or store is None:
            raise Refused(reasons)
        rows: list[dict[str, Any]] = []
        drills: list[str] = []  # each row's drill state as the text shows it
        for backup in reversed(found):
            state = "complete" if backup.complete else f"incomplete: {backup.problem}"
            if verify and backup.complete:
                keys = [backup.key + "/"] if backup.format == "native" else [backup.key]
                state = "verified" if store.digest(keys) == backup.sha256 else "DAMAGED: SHA-256 differs"
            drill = self._drill(backup, release)
            drills.append(f"; {drill.text()}" if drill else "")
            rows.append({"name": backup.name, "created": backup.created, "size": backup.size,
                         "format": backup.format, "state": state, "sha256": backup.sha256,
                         "managerNodes": backup.manager_nodes,
                         "kind": "safety-dump" if backup.safety_dump else "backup",
                         "drill": drill.as_json() if drill else None,
                         **({"restoring": backup.restoring} if backup.safety_dump else {})})
        lines = [f"backups of {release_name} in {config.where()} (newest first):"]
        for row, drill_shown in zip(rows, drills, strict=True):
            nodes = ",".join(row["managerNodes"] or ["(nodes not recorded)"])
            marked = (f"  SAFETY DUMP taken before restoring {row['restoring'] or '(not recorded)'}"
                      if row["kind"] == "safety-dump" else "")
            lines.append(f"  {row['name']}  {row['created']}  {row['size'] if row['size'] is not None else '-':>12}  "
                         f"{row['format']:6}  {nodes}  {row['state']}{drill_shown}{marked}")
        # Through the progress: what the bucket says (a drill's reason, from its pod) is shown with the keys redacted.
        self.progress.emit({"bucket": config.where(), "backups": rows}, "\n".join(lines if rows else
                                                                                   [*lines, "  (none)"]))
        return 0

    def backup_now(self, release_name: str, timeout: int | None) -> int:
        """A backup Job from the backup CronJob now, followed to its end (--backup-now)."""
        return self._cronjob_now(release_name, "backup", "the backup Job", timeout)

    def drill_now(self, release_name: str, timeout: int | None) -> int:
        """A restore drill Job from the drill CronJob now, followed to its end (--drill-now); a failed
        drill fails the run with its `[step] FAILED:` line."""
        return self._cronjob_now(release_name, "drill", "the drill Job", timeout)

    def _cronjob_now(self, release_name: str, component: str, what: str, timeout: int | None) -> int:
        """`kubectl create job <release>-enclaveos-<component>-<mmddHHMMSS> --from=cronjob/...`, then
        its log followed until it ends; raises StepFailed (exit 1) when it cannot start or fails, and
        Refused (exit 5, nothing started) when the CronJob is suspended: restore mode suspends both
        CronJobs, and a backup then would dump a database that may be half restored (a Job made by
        `kubectl create job --from` runs whatever the CronJob's `suspend` says). Without `timeout`, it
        waits the Job's activeDeadlineSeconds (the CronJob's) and plan.JOB_END_MARGIN, as the restore does."""
        cronjob = f"{release_name}-enclaveos-{component}"
        job = f"{cronjob}-{time.strftime('%m%d%H%M%S', time.gmtime())}"
        self.progress.total = 2
        logs = f"its whole log: {shown(self.cluster.kubectl_argv(*job_logs_argv(job)))}"
        state = shown(self.cluster.kubectl_argv("get", "job", job))
        goes_on = f"{what} goes on in the cluster (its state: {state})."
        with self.progress.step(1, f"start Job {job} from CronJob {cronjob}"), failing(
                f"the start of Job {job}", [goes_on.replace("goes on", "may have started")], interrupts_only=True):
            found = self.cluster.cronjob(cronjob)
            if found is not None and found.suspended:
                raise Refused([f"the CronJob {cronjob} is suspended (the release is in restore mode, or "
                               "enclaveos-chart.Backup.Suspend is true): finish the restore "
                               "first, or upgrade the release with Backup.Suspend=false"])
            self.cluster.run_to_end(self.cluster.kubectl_argv("create", "job", job, f"--from=cronjob/{cronjob}"))
        if timeout is None:
            deadline = found.active_deadline if found is not None else None
            timeout = deadline + JOB_END_MARGIN if deadline else MANAGER_READY_SECONDS
        with self.progress.step(2, f"wait for Job {job}"):
            self._wait_for_job(job, timeout, what, lambda lines, failed: [*([] if failed else [goes_on]), logs])
        return 0

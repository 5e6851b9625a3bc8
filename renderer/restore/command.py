"""`helm datashield-restore`: its command line (arguments, the confirmation prompt, the real
cluster and bucket); the run itself is renderer/restore/session.py, its output progress.py.
The restore procedure, as one command:

  1. Preflight, read-only: the release, its values, the Secret, the backup and its
     metadata, the SGX rule (the manager must run on the nodes that ran it when the
     backup was taken), the replica count to come back to.
  2. Confirmation (typing the release name; `--yes` in scripts).
  3. The release's running backup and drill Jobs waited for (or deleted, `--stop-running`), then
     `helm upgrade` into restore mode (manager at 0 replicas, restore Job added by the
     post-renderer), then the Job, its log streamed, until it succeeds or fails.
  4. `helm upgrade` out of restore mode with the recorded replica count, and the wait
     until the manager is ready.
  5. What was restored, from which backup, and where the data from before is saved.
Any failure stops the run with the step, the reason, the state left behind and the exact
commands to resume or go back. Also `--list` (the release's backups and their drill states),
`--backup-now`, `--drill-now` (a restore drill now: the newest backup restored into a throwaway
database inside the drill pod, never the production one) and `--status` (is the release protected?
renderer/restore/status.py).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from typing import Any

from renderer.edges.cluster import Cluster, KubeIdentity, ProcessRunner
from renderer.edges.objectstore import ObjectStore
from renderer.errors import (
    Interrupted,
    InvalidArguments,
)
from renderer.restore.plan import (
    JOB_END_MARGIN,
    MANAGER_READY_SECONDS,
    BackupConfig,
    Request,
    source_argument,
)
from renderer.restore.progress import Progress
from renderer.restore.session import Session, StoreOpener, failing

DESCRIPTION = """\
Restore the Data Shield enclave manager's database (malbork) from a backup, as one command:
preflight checks, confirmation, restore mode (manager at 0 replicas, restore Job), then
back to the manager's recorded replica count. Nothing changes before the confirmation.

  helm datashield-restore RELEASE --chart CHART --from latest           newest complete backup
  helm datashield-restore RELEASE --chart CHART --from <backup name>    a chosen backup (see --list)
  helm datashield-restore RELEASE --chart CHART --from ./backup.sql     a local SQL file (uploaded first;
                                                                        a path or file:NAME, never a bare name)
  helm datashield-restore RELEASE --chart CHART --from latest --dry-run the plan, nothing changed
  helm datashield-restore RELEASE --list [--verify]                     the release's backups, drilled or not
  helm datashield-restore RELEASE --backup-now                          run the backup CronJob now
  helm datashield-restore RELEASE --drill-now                           run the restore drill CronJob now
  helm datashield-restore RELEASE --status                              is the release protected? (read-only)

--chart is the chart the release runs (the same version): helm needs it to upgrade.
The manager must be restored onto the nodes that ran it before: its data is sealed to
their SGX hardware. Honours HELM_NAMESPACE (-n), HELM_KUBECONTEXT, KUBECONFIG, HELM_BIN
and KUBECTL_BIN.

A backup or drill Job of the release that runs when the restore begins is waited for before
anything changes (at most as long as Kubernetes lets it run and 600 s, or --timeout); with
--stop-running it is deleted instead. In restore mode, backups and drills refuse to run, and the
restore Job drops nothing while a backup or drill pod of the release has not ended.

Interrupted (Ctrl-C, SIGTERM, a closed terminal), it stops like a failed step: it says what
state it left and what to run. A restore Job already started goes on in the cluster; the
same command run again follows it.

--status checks the backup values, the Secret, the bucket (one probe object written, read back
and deleted; this machine's clock against the store's; then listed), the CronJobs and their Jobs,
the newest complete backup (read back whole; its age against the schedule; what the restore's
preflight would refuse), the manager Deployment, the API server's Kubernetes version (1.27 or
later), and the restore drills (the last one, and a successful one within the drill schedule);
its last line is the verdict: OK, WARNING: <reasons> or FAILING: <reasons> (README: "Is my
release protected?" lists each and the alert that covers it).

How long it waits: for a Job (the restore's, --backup-now's, --drill-now's), as long as Kubernetes
lets the Job run (its activeDeadlineSeconds: enclaveos-chart.Restore.ActiveDeadlineSeconds for the
restore) and 600 s more; for the manager to be ready, 3600 s. --timeout DURATION (90m, 2h, as Helm's;
a bare number is seconds) replaces both; a restore
whose --timeout is shorter than its Job may run says so before the confirmation: if the command
stops waiting, the Job goes on and the manager stays at 0 replicas until the same command, run
again, follows it.

--drill-now restores the newest complete backup into a throwaway database inside the drill
pod (never the production database) and compares its row counts with the backup's; the
verdict is recorded beside the backup (see --list). The restore's preflight warns when the
backup to restore was never drilled or failed its last drill.

Exit codes: 0 done (--status: OK), 1 a step failed (--drill-now: the drill failed) or a helm,
kubectl or bucket call failed (the message says what state it left; --status: the answer is
not known), 2 bad arguments,
5 refused by preflight, or --backup-now/--drill-now while the CronJob is suspended (nothing
changed), 6 warning (--status: WARNING), 7 failing (--status: FAILING), 8 the wait for a Job
ended (--timeout) while it still runs: nothing failed, it goes on, and the same command follows it,
70 a bug (traceback with HELM_DEBUG=true), 130 interrupted by SIGINT (Ctrl-C), 143 by
SIGTERM, 129 by SIGHUP (the terminal closed)."""


NO_TERMINAL = ("helm datashield-restore: no terminal to confirm on; pass --yes to restore without asking "
               "(nothing was changed)")


def run(args: list[str], make_parser: Callable[[str, str], Any]) -> int:
    """Parses the command line and runs the chosen mode with the real cluster and bucket."""
    options = _parser(make_parser).parse_args(args)
    identity = KubeIdentity.from_env(os.environ)
    with identity.kubectl_env(os.environ) as kubectl_env:
        cluster = Cluster(runner=ProcessRunner(), helm=os.environ.get("HELM_BIN") or "helm",
                          kubectl=os.environ.get("KUBECTL_BIN") or "kubectl",
                          namespace=os.environ.get("HELM_NAMESPACE") or "default",
                          context=os.environ.get("HELM_KUBECONTEXT") or None, identity=identity,
                          kubectl_env=kubectl_env)
        cluster.context = cluster.context or cluster.current_context()
        return _run(options, args, cluster)


def _run(options: Any, args: list[str], cluster: Cluster) -> int:
    """The chosen mode, against `cluster`."""
    session = Session(cluster=cluster, progress=Progress(json_mode=options.output == "json", out=sys.stdout),
                      open_store=_open_store(options.s3_endpoint), confirm=_ask)
    if options.list:
        with failing("--list", ["nothing was changed."], interrupts_only=True):
            return session.list_backups(options.release, options.verify)
    if options.backup_now:
        return session.backup_now(options.release, options.timeout)
    if options.drill_now:
        return session.drill_now(options.release, options.timeout)
    if options.status:
        from renderer.restore.status import StatusCheck

        return StatusCheck(cluster=cluster, progress=session.progress, open_store=session.open_store).run(
            options.release)
    if not options.source or not options.chart:
        raise InvalidArguments("helm datashield-restore: --from and --chart are needed to restore "
                               "(or --list, --backup-now, --drill-now, --status; see --help)")
    if not options.yes and not options.dry_run and not sys.stdin.isatty():
        raise InvalidArguments(NO_TERMINAL)
    request = Request(release=options.release, source=source_argument(options.source), chart=options.chart,
                      chart_version=options.version, unsafe_sgx=options.unsafe_ignore_sgx_nodes,
                      replicas=options.replicas, timeout=options.timeout,
                      run_id=time.strftime("%Y%m%d-%H%M%S", time.gmtime()), stop_running=options.stop_running,
                      typed_yes=options.yes,
                      again=again_argv(args, cluster, os.environ.get("KUBECONFIG", "")))
    return session.restore(request, dry_run=options.dry_run, yes=options.yes)


def again_argv(args: list[str], cluster: Cluster, kubeconfig: str = "") -> tuple[str, ...]:
    """The command line that runs this restore again (or follows its Job), to print: the arguments as typed
    (but --dry-run), and the namespace, kube context (the one given, else the kubeconfig's current one, pinned
    at the start), kubeconfig (KUBECONFIG: Helm sets it from --kubeconfig; one file, as --kubeconfig takes)
    and identity (KubeIdentity.helm_flags, no token) this run used, which Helm hands a plugin as variables,
    not as arguments: pasted into another shell it must reach the same release. It confirms as the typed
    command did: --yes only if the operator typed it (issue 24 §3)."""
    return ("helm", "datashield-restore", *(a for a in args if a != "--dry-run"), "--namespace", cluster.namespace,
            *(("--kube-context", cluster.context) if cluster.context else ()),
            *(("--kubeconfig", kubeconfig) if kubeconfig and os.pathsep not in kubeconfig else ()),
            *cluster.identity.helm_flags())


def _parser(make_parser: Callable[[str, str], Any]) -> Any:
    parser = make_parser("helm datashield-restore", DESCRIPTION)
    parser.add_argument("release", metavar="RELEASE", help="the Helm release of the enclave manager")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--from", dest="source", metavar="BACKUP",
                      help="`latest` (the newest complete backup), a backup's name from --list (backup:NAME "
                           "if a file of that name is here), or a local SQL file named as a path (./file.sql, "
                           "/x, ~/x) or file:NAME; its metadata, if any, beside it as ./file.sql.json")
    mode.add_argument("--list", action="store_true", help="list the release's backups and stop")
    mode.add_argument("--backup-now", action="store_true", help="run the backup CronJob now and wait for it")
    mode.add_argument("--drill-now", action="store_true",
                      help="run the restore drill CronJob now (the newest backup restored into a throwaway "
                           "database in the drill pod) and wait for it")
    mode.add_argument("--status", action="store_true",
                      help="is the release protected now? read-only checks and a verdict: OK (exit 0), "
                           "WARNING (6), FAILING (7)")
    parser.add_argument("--chart", metavar="CHART", help="the chart the release runs (path, repo/name or oci://)")
    parser.add_argument("--version", metavar="VERSION", help="the chart version (for a repository chart)")
    parser.add_argument("--dry-run", action="store_true", help="check everything and print the plan; change nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation (needed without a terminal)")
    parser.add_argument("--replicas", type=_positive, metavar="N",
                        help="the manager's replica count after the restore (default: the count it has now)")
    parser.add_argument("--timeout", type=duration_seconds, metavar="DURATION",
                        help="a duration as Helm's --timeout takes it (90s, 20m, 2h, 1h30m; a bare number is "
                             "seconds): the most to wait for the Job, and for the manager to be ready "
                             "(default: the Job's "
                             f"activeDeadlineSeconds and {JOB_END_MARGIN} s more, so that the command never gives "
                             f"up on a Job Kubernetes still runs; {MANAGER_READY_SECONDS} for the manager); a "
                             "restore warns when it is shorter than the restore Job may run")
    parser.add_argument("--stop-running", action="store_true",
                        help="delete the release's running backup and drill Jobs before restore mode, instead of "
                             "waiting for them to end")
    parser.add_argument("--verify", action="store_true", help="with --list: read every backup and check its SHA-256")
    parser.add_argument("--s3-endpoint", metavar="URL",
                        help="the object store as reachable from this machine, when the release's "
                             "global.S3.Endpoint is an in-cluster (direct) endpoint")
    parser.add_argument("--unsafe-ignore-sgx-nodes", action="store_true",
                        help="restore even when the manager will run on nodes that did not write the backup, "
                             "or this cannot be checked: the restored data may be unreadable (SGX sealing)")
    parser.add_argument("--output", choices=("text", "json"), default="text",
                        help="text, or JSON for automation: one event a line for a restore, one object for "
                             "--list and --status")
    return parser


# A Go duration (time.ParseDuration, which Helm's --timeout takes): one or more decimal numbers, each with a
# unit; here positive only.
_DURATION = re.compile(r"(?:(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+")
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(text: str) -> int:
    """`text`, a Go duration ("90m", "2h", "1h30m", "2.5h") or a bare number of seconds ("600"), in whole
    seconds (a fraction rounds up); raises argparse.ArgumentTypeError for anything else or less than 1 s."""
    import argparse
    import math

    if text.isdigit():
        seconds = float(text)
    elif _DURATION.fullmatch(text):
        seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(text))
    else:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 90s, 20m, 2h or 1h30m (or a whole "
                                         "number of seconds)")
    if seconds < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is shorter than a second")
    return math.ceil(seconds)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        import argparse

        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _open_store(endpoint_override: str | None) -> StoreOpener:
    def open_store(config: BackupConfig, secret: dict[str, str]) -> ObjectStore:
        return ObjectStore(endpoint=endpoint_override or config.endpoint, region=config.region, bucket=config.bucket,
                           access_key_id=secret["AWS_ACCESS_KEY_ID"], secret_access_key=secret["AWS_SECRET_ACCESS_KEY"])
    return open_store


def _ask(release: str) -> bool:
    if not sys.stdin.isatty():
        raise InvalidArguments(NO_TERMINAL)
    print(f"This replaces database malbork of release {release} (a safety dump is taken first).", file=sys.stderr)
    print(f"Type the release name ({release}) to go on: ", end="", file=sys.stderr, flush=True)
    try:
        return sys.stdin.readline().strip() == release
    except Interrupted:
        print(file=sys.stderr)  # the message of the interruption starts on a line of its own
        raise

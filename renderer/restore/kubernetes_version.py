"""Which Kubernetes the release's cluster must run (issue 24 §5): a rule on the version its API server
reports. The post-renderer renders two fields that an older API server drops without a word, and it
cannot know the server's version; `--status` and the restore's preflight can (they read it with
Cluster.server_version; nothing here reads anything).

The fields, and from which release an API server keeps them. Kubernetes feature gates,
https://kubernetes.io/docs/reference/command-line-tools-reference/feature-gates-removed/ (CronJobTimeZone)
and .../feature-gates/ (JobPodFailurePolicy), read in kubernetes/website
content/en/docs/reference/command-line-tools-reference/feature-gates/{CronJobTimeZone,JobPodFailurePolicy}.md:
- CronJob `spec.timeZone`, on the backup and the drill CronJobs (renderer/postrender/templates/_pod.j2):
  gate CronJobTimeZone, alpha and off by default in 1.24, beta and on by default in 1.25-1.26, GA from
  1.27 (locked on). Without it "the kube-controller-manager interprets schedules relative to its local
  time zone" (https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones), not in
  `Backup.TimeZone`.
- Job `spec.podFailurePolicy`, on the backup Jobs (the CronJob's jobTemplate and the first backup's Job,
  templates/backup-job-spec.yaml.j2): gate JobPodFailurePolicy, alpha and off by default in 1.25, beta
  and on by default in 1.26-1.30, GA from 1.31. Without it a backup kept after its retention failed (the
  `upload` container's exit 3, which the policy turns into a failed Job at once) is tried again,
  `backoffLimit` times, each try writing another backup.
The API server drops a field whose gate is off without an error (kind 1.24.1 and timeZone:
renovatebot/helm-charts#309). Before the gate exists the field is unknown: the server drops it too, and a
client that validates against the server's OpenAPI schema may refuse the object instead ("unknown field
\"timeZone\"", kubectl against 1.21: kubernetes/website#34876).

The rule (`problem`), on the version found, a WARNING of `--status` and a warning of the restore's
preflight, never a refusal: the restore's own objects use neither field (its Job has no podFailurePolicy
and backoffLimit 0), and what is lost without them is where the backups run and extra backups, never
one; refusing a restore over it would keep a broken database broken.
- older than 1.26: it drops at least one of them as it runs by default.
- 1.26: it keeps both while their beta gates are on, which is the default; a control plane that turns
  CronJobTimeZone off drops the time zone.
- 1.27 and later: nothing. The time zone's gate is locked on; podFailurePolicy stays beta up to 1.30 but
  on by default (docs/pods.md: on every supported version), and losing it costs extra backups, never one.
- not known (kubectl failed, or printed no version numbers): a warning too.
"""

from __future__ import annotations

from dataclasses import dataclass

from renderer.edges.cluster import ServerVersion


@dataclass(frozen=True)
class _Field:
    """A field the post-renderer renders that an older API server drops."""

    name: str  # as a message names it
    gate: str  # its feature gate
    kept: tuple[int, int]  # the first release whose gate is on by default
    locked: tuple[int, int]  # the first release whose gate is GA (locked on)
    lost: str  # what happens without it


TIME_ZONE = _Field("the CronJobs' timeZone", "CronJobTimeZone", (1, 25), (1, 27),
                   "backups and drills run in kube-controller-manager's time zone, not in Backup.TimeZone")
POD_FAILURE_POLICY = _Field("the backup Jobs' podFailurePolicy", "JobPodFailurePolicy", (1, 26), (1, 31),
                            "a backup kept after its retention failed is tried again, each try writing another "
                            "backup")
FIELDS = (TIME_ZONE, POD_FAILURE_POLICY)
MINIMUM = TIME_ZONE.locked  # the oldest release helm-datashield supports: every field kept, the time zone for sure


def problem(version: ServerVersion | str) -> str | None:
    """The problem of an API server of `version` (a str: why its version could not be read), as one line,
    None when there is none. Never raises."""
    need = f"helm-datashield needs Kubernetes {_release(MINIMUM)} or later"
    if isinstance(version, str):
        return (f"the Kubernetes version of the API server is not known ({version}): {need} (an older "
                f"server drops {' and '.join(f.name for f in FIELDS)} without a word)")
    dropped = [f for f in FIELDS if version.release < f.kept]
    if dropped:
        what = " and ".join(f"{f.name} (kept by default from {_release(f.kept)}; without it, {f.lost})"
                            for f in dropped)
        return f"Kubernetes {version} (the API server) drops {what}: {need}"
    if version.release < MINIMUM:
        return (f"Kubernetes {version} (the API server) keeps {TIME_ZONE.name} only while its beta "
                f"feature gate {TIME_ZONE.gate} is on (the default; locked on from "
                f"{_release(TIME_ZONE.locked)}) and drops it without a word otherwise (without it, "
                f"{TIME_ZONE.lost}): {need}")
    return None


def may_drop_time_zone(version: ServerVersion | str) -> bool:
    """Whether an API server of `version` (a str: not known) may have dropped the CronJobs' timeZone."""
    return isinstance(version, str) or version.release < TIME_ZONE.locked


def _release(release: tuple[int, int]) -> str:
    return f"{release[0]}.{release[1]}"

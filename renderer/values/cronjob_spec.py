"""What the post-renderer sets in both CronJobs' specs (backup, drill) whatever the values say
(renderer/postrender/templates/_pod.j2 renders these), and so what `--status` expects of the live
CronJobs beside what the values set (renderer/restore/status.py `_drift`): a hand edit of one changes what
the status and the alerts can see. `failedJobsHistoryLimit: 0` deletes every failed Job at once, and with
it the failure both `--status` and the Failed alerts read (batch/v1 CronJobSpec: the controller keeps at
most that many failed Jobs); `concurrencyPolicy: Allow` lets two backups or a backup and a drill of one
schedule overlap.
"""

from __future__ import annotations

# (field of CronJobSpec, value), in the order the template writes them.
FIXED_SPEC: tuple[tuple[str, str | int], ...] = (
    ("concurrencyPolicy", "Forbid"),
    ("successfulJobsHistoryLimit", 3),
    ("failedJobsHistoryLimit", 3),
)
# Fields of the CronJobs' Job template (jobTemplate.spec) that the post-renderer never sets, and whose hand edit
# hides failures or stops runs: ttlSecondsAfterFinished deletes a failed Job (and the failure --status and the
# Failed alerts read) that many seconds after it ends, as failedJobsHistoryLimit 0 does; suspend creates every
# Job suspended, with no pod, so nothing runs (batch/v1 JobSpec; the review of issue 25).
UNSET_JOB_SPEC: tuple[str, ...] = ("ttlSecondsAfterFinished", "suspend")

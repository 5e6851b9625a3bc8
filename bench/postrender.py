"""Prints what the post-renderer costs on top of `helm template` (Helm 3), against `cat`.

Interleaved runs, median wall time, and the post-renderer's peak memory. Figures only:
no pass or fail. Run after scripts/demo or scripts/test: .venv/bin/python bench/postrender.py
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELM = ROOT / ".tools" / "helm3" / "helm"
RUNS = 11
BACKUP = ["--set", "enclaveos-chart.Backup.CronSchedule=0 0 * * *",
          "--set", "global.S3.Endpoint=s3.example.com", "--set", "global.S3.Bucket=acme-backups",
          "--set", "global.S3.HmacSecretName=creds"]
CASES = {
    "cat, no backup values": (["--post-renderer", "cat"], []),
    "datashield-backup, no backup values": (["--post-renderer", str(ROOT / "bin" / "datashield-backup")], []),
    "datashield-backup, backup values": (["--post-renderer", str(ROOT / "bin" / "datashield-backup")], BACKUP),
}


def main() -> None:
    home = tempfile.mkdtemp()
    env = {**os.environ, "HELM_DATA_HOME": home, "HELM_CONFIG_HOME": home, "HELM_CACHE_HOME": home}
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(RUNS):
        for name, (post, values) in CASES.items():
            start = time.perf_counter()
            subprocess.run([str(HELM), "template", "ds", str(ROOT / "chart"), *values, *post],
                           env=env, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["cat, no backup values"])
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:40s} median {median * 1000:7.1f} ms   ratio to cat {median / base:5.2f}")
    stdin = subprocess.run([str(HELM), "template", "ds", str(ROOT / "chart"), *BACKUP], env=env,
                           check=True, capture_output=True).stdout
    subprocess.run([str(ROOT / "bin" / "datashield-backup")], input=stdin, check=True, capture_output=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"peak resident memory of the largest child process (helm or the post-renderer): {peak / 1024:.1f} MiB")


if __name__ == "__main__":
    main()

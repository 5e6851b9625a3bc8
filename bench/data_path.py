"""What the data path costs: the real pods against the raw pipelines, a benchmark that prints its figures
and checks its targets (issue 23).

    .venv/bin/python bench/data_path.py [--size-mb 44] [--reference-mb 16] [--runs 3] [--json FILE]

The default size is small, for a quick look; the issue's figures come from `--size-mb 1100` (a dump larger
than the containers' 1 GiB memory limit, docs/development.md "Data path").

It starts the runtime tests' servers (tests/services.py: SeaweedFS with the real AWS CLI, PostgreSQL 15,
and the Kubernetes API stand-in), fills the database `malbork` with generated rows (four tables, rows of
about 1 kB made by `INSERT ... SELECT generate_series`) until its SQL dump is about `--size-mb` MiB, and runs
the pods the post-renderer renders from the chart's release (tests/runtime/conftest.py Site,
tests/runtime/pods.py run_pod: the real scripts, the real AWS CLI, PostgreSQL standing in for
CockroachDB), in `--runs` rounds, each measured pod beside its raw pipeline, the pair's order
alternating from round to round:

1. **backup**: the backup CronJob's pod (the dump streaming into the upload beside it, the read-back,
   the metadata, retention), beside the raw pipeline `pg_dump malbork | aws s3 cp - s3://bucket/key`
   (same AWS CLI, server and database). The PostgreSQL stand-in counts the rows in the dump's own
   snapshot, as CockroachDB's seam counts AS OF SYSTEM TIME (tests/runtime/db-postgres.sh snapshot_dump,
   db-cockroach.sh db_dump): one `count(*)` per table, then the dump.
2. **restore**: the restore Job's pod (restore mode, `Restore.Backup` the round's backup) into a dropped
   `malbork` (so that it has nothing to save first), beside `aws s3 cp s3://bucket/key FILE` then
   `psql -f FILE` into a freshly created database.
3. **drill**: the restore drill CronJob's pod (a throwaway database of its own, loaded and counted);
   shown against the restore.

Each pod run starts from the same state: a fresh work folder, and for the restore a dropped database.
Figures: median wall time of each, the median of the per-round ratios (ours / raw), the time of each
container, and:
- **peak RSS**: every container's command runs under GNU time (`/usr/bin/time -f %M`): the largest
  resident set of any one process of that container (the shell and every process it waited for,
  `wait4`'s rusage); the pod's figure is its largest container's. The raw pipelines are measured the
  same way. Processes that leave the container's tree are not in it: the drill stand-in's PostgreSQL
  server (`pg_ctl` daemonises it; in production it is CockroachDB, whose memory its flags bound).
- **peak temporary disk**: a thread sums the sizes of the regular files under the pod's folders (its
  WORK_DIR and every emptyDir) every 0.2 s while it runs. The drill's throwaway database (as root the
  stand-in's server lives in /tmp/datashield-scratch.*, in production in the `scratch` emptyDir) is
  shown apart, and flagged when other drills on this machine ran at the same time.
- the same pods at `--reference-mb` (run once, before the rounds; they also warm up), to compare
  peak RSS across sizes.

Targets (issue 23): backup and restore each at most 1.5x their raw pipeline (median of the per-round
ratios); peak RSS of each pod independent of the size (main over reference at most 1.2); temporary
disk at most one dump (peak / dump size at most 1.05: besides the dump the work folder holds files of
a few kB, row counts, values, metadata and logs, so 5% is slack for those only; a second copy would
be 2.0). Figures only; the targets are checked here (PASS/MISS), never in the test suite. Exit 1 on
a MISS.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: `tests` and `renderer` are imported from the tree
    sys.path.insert(0, str(ROOT))

TIME = "/usr/bin/time"  # GNU time: -f %M is the peak RSS in KiB of the process and all it waited for
MIB = 1024 * 1024
TABLES = 4
ROW_BYTES = 1003  # one row's line in the dump: id (~7 digits), a tab, md5 (32), a tab, 30 md5s (960), newline
RAW_BUCKET = "datashield-bench-raw"
RAW_DATABASE = "malbork_raw"
SCRATCH_GLOB = "/tmp/datashield-scratch.*"  # db-postgres.sh db_start_scratch, as root
POLL_SECONDS = 0.2

TARGET_RATIO = 1.5
TARGET_RSS_GROWTH = 1.2
TARGET_DISK = 1.05

BACKUP, RAW_BACKUP = "backup pod", "raw backup"
RESTORE, RAW_RESTORE, DRILL = "restore pod", "raw restore", "drill pod"
KINDS = (BACKUP, RAW_BACKUP, RESTORE, RAW_RESTORE, DRILL)
PODS = (BACKUP, RESTORE, DRILL)
PAIRS = ((BACKUP, RAW_BACKUP), (RESTORE, RAW_RESTORE), (DRILL, RESTORE))
COMMANDS = {RAW_BACKUP: "pg_dump DB | aws s3 cp - s3://BUCKET/KEY",
            RAW_RESTORE: "aws s3 cp s3://BUCKET/KEY FILE; psql -f FILE (fresh database)"}


# --- measuring ----------------------------------------------------------------------------

def tree_bytes(path: Path) -> int:
    """The bytes of the regular files under `path` (0 when it is gone): files may vanish while we walk."""
    total = 0
    try:
        entries = list(os.scandir(path))
    except OSError:
        return 0
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                total += tree_bytes(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return total


class DiskPeak:
    """While in its `with`: the largest total size seen of `folders`, and apart, of the throwaway
    databases that appear under SCRATCH_GLOB meanwhile (`scratch_dirs`: how many did)."""

    def __init__(self, folders: list[Path]) -> None:
        self.folders = folders
        self.peak = 0
        self.scratch_peak = 0
        self.scratch_dirs: set[str] = set()
        self._before = set(glob.glob(SCRATCH_GLOB))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _sample(self) -> None:
        self.peak = max(self.peak, sum(tree_bytes(f) for f in self.folders))
        new = set(glob.glob(SCRATCH_GLOB)) - self._before
        self.scratch_dirs |= new
        self.scratch_peak = max(self.scratch_peak, sum(tree_bytes(Path(d)) for d in new))

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self._sample()

    def __enter__(self) -> DiskPeak:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def timed_command(command: list[str], output: Path) -> list[str]:
    """`command` under GNU time, which writes "<peak RSS KiB> <seconds>" as the last line of `output`."""
    return [TIME, "-o", str(output), "-f", "%M %e", *command]


def time_figures(output: Path) -> tuple[int, float]:
    """(peak RSS bytes, seconds) from GNU time's `output` (its last line; a failure's note comes before)."""
    rss, seconds = output.read_text(encoding="utf-8").split("\n")[-2].split()
    return int(rss) * 1024, float(seconds)


def measured_spec(spec: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The pod spec with each container's command (`/bin/sh -c`) under GNU time, its figures into
    folder/<container>. The shell is still the image's: `sh` is looked up on the container's PATH, which
    run_pod makes of the image's programs (tests/runtime/pods.py)."""
    def wrap(container: dict[str, Any]) -> dict[str, Any]:
        command = container["command"]
        assert command[0] == "/bin/sh", command
        return {**container, "command": timed_command(["sh", *command[1:]], folder / container["name"])}

    return {**spec, "initContainers": [wrap(c) for c in spec.get("initContainers", [])],
            "containers": [wrap(c) for c in spec["containers"]]}


# --- the bench ------------------------------------------------------------------------------

def rows_for(size_mb: float) -> int:
    """Rows (of all tables) for an SQL dump of about `size_mb` MiB."""
    return max(TABLES, int(size_mb * MIB / ROW_BYTES))


def generate_sql(rows: int) -> str:
    """Drops nothing: creates TABLES tables and fills them with `rows` rows in all, made by the server."""
    each = rows // TABLES
    return "".join(
        f"CREATE TABLE bench_{t} (id bigint PRIMARY KEY, tag text NOT NULL, body text NOT NULL);\n"
        f"INSERT INTO bench_{t} SELECT n, md5(n::text), repeat(md5((n * {t + 7})::text), 30) "
        f"FROM generate_series(1, {each}) AS n;\n" for t in range(TABLES))


class Bench:
    """The servers, a Site on them, and one method per measured run."""

    def __init__(self, stack: contextlib.ExitStack, folder: Path, size_mb: float) -> None:
        from tests.runtime.conftest import BUCKET, Site, release_pods
        from tests.runtime.kube_api import KubeApi
        from tests.services import PostgresServer, S3Server, ServiceError

        try:
            self.s3 = S3Server(volume_size_mb=1024)
            stack.callback(self.s3.stop)
            self.db = PostgresServer()
            stack.callback(self.db.stop)
        except ServiceError as error:
            raise SystemExit(f"bench: {error}") from None
        self.kube = KubeApi(release_pods())
        self.kube.start()
        stack.callback(self.kube.stop)
        for bucket in (BUCKET, RAW_BUCKET):
            self.s3.make_bucket(bucket)
        self.folder = folder
        self.values = folder / "values"  # Site.render writes its values files there
        self.values.mkdir()
        self.site = Site(self.s3, self.db, self.kube, BUCKET, self.values)
        self.site.timeout = 120 + 2 * size_mb  # seconds per container: a GB takes minutes on a busy machine
        self.env = {**self.s3.env(), "PGUSER": "postgres", "PGHOST": "127.0.0.1", "PGPORT": str(self.db.port)}
        self.env["PATH"] = f"{self.env['PATH']}{os.pathsep}{self.db.env()['PATH']}"
        self._serial = 0

    def _fresh(self, name: str) -> Path:
        self._serial += 1
        path = self.folder / f"{self._serial:03d}-{name.replace(' ', '-').replace(',', '')}"
        path.mkdir()
        return path

    def generate(self, size_mb: float) -> int:
        """`malbork` made anew with rows for a dump of about `size_mb` MiB; returns the rows."""
        from tests.runtime.conftest import DATABASE

        rows = rows_for(size_mb)
        self.db.psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        self.db.create_database(DATABASE)
        done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DATABASE, "-c",
                               generate_sql(rows), "-c", "VACUUM ANALYZE"],
                              env=self.env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"bench: generating the database failed: {done.stderr}")
        return rows

    def pod(self, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
        """One run of the pod `spec`, measured: a fresh work folder, removed afterwards."""
        work = self._fresh(kind)
        figures = self._fresh(f"{kind}-time")
        self.site.work = work  # the pod's folders: WORK_DIR (and HOME), every other emptyDir, the Secrets
        try:
            with DiskPeak([work]) as disk:
                start = time.perf_counter()
                run = self.site.run_spec(measured_spec(spec, figures))
                seconds = time.perf_counter() - start
        finally:
            self.site.work = self.values
        if run.returncode != 0:
            raise SystemExit(f"bench: the {kind} failed in container {run.failed_container}:\n{run.log[-3000:]}")
        steps = {}
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            rss, step_seconds = time_figures(figures / container["name"])
            steps[container["name"]] = {"peak_rss": rss, "seconds": step_seconds}
        shutil.rmtree(work)
        shutil.rmtree(figures)
        return {"seconds": seconds, "peak_rss": max(s["peak_rss"] for s in steps.values()), "steps": steps,
                "peak_disk": disk.peak, "scratch_disk": disk.scratch_peak, "scratch_dirs": len(disk.scratch_dirs)}

    def raw(self, kind: str, script: str) -> dict[str, Any]:
        """One run of a raw pipeline (bash, pipefail), measured as a pod is; its folder is $TMP_DIR."""
        work = self._fresh(kind)
        figures = work.parent / f"{work.name}.time"
        with DiskPeak([work]) as disk:
            start = time.perf_counter()
            done = subprocess.run(timed_command(["bash", "-o", "pipefail", "-c", script], figures),
                                  env={**self.env, "TMP_DIR": str(work)}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, check=False)
            seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"bench: the {kind} failed: {done.stderr[-3000:]}")
        rss, _ = time_figures(figures)
        shutil.rmtree(work)
        figures.unlink()
        return {"seconds": seconds, "peak_rss": rss, "steps": {}, "peak_disk": disk.peak, "scratch_disk": 0,
                "scratch_dirs": 0}

    def backup(self) -> tuple[dict[str, Any], str]:
        """A run of the backup pod, and the key of the backup it wrote."""
        from tests.runtime.pods import pod_spec

        before = set(self.site.objects())
        result = self.pod(BACKUP, pod_spec(self.site.render(), "CronJob", "backup"))
        [key] = [k for k in set(self.site.objects()) - before if k.endswith(".sql")]
        return result, key

    def raw_backup(self) -> dict[str, Any]:
        from tests.runtime.conftest import DATABASE

        return self.raw(RAW_BACKUP, f"pg_dump --no-owner --no-privileges {DATABASE} | "
                                    f"aws --endpoint-url {self.s3.endpoint} s3 cp - s3://{RAW_BUCKET}/raw.sql")

    def restore(self, key: str) -> dict[str, Any]:
        from tests.runtime.conftest import DATABASE
        from tests.runtime.pods import pod_spec

        spec = pod_spec(self.site.render(restore=key), "Job")
        self.db.psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        return self.pod(RESTORE, spec)

    def raw_restore(self, key: str) -> dict[str, Any]:
        self.db.psql(f"DROP DATABASE IF EXISTS {RAW_DATABASE} WITH (FORCE)")
        self.db.create_database(RAW_DATABASE)
        return self.raw(RAW_RESTORE, f'aws --endpoint-url {self.s3.endpoint} s3 cp --only-show-errors '
                                     f's3://{self.site.bucket}/{key} "$TMP_DIR/restore.sql" && '
                                     f'psql -X -q -v ON_ERROR_STOP=1 -d {RAW_DATABASE} -f "$TMP_DIR/restore.sql"')

    def drill(self) -> dict[str, Any]:
        from tests.runtime.pods import pod_spec

        return self.pod(DRILL, pod_spec(self.site.render(), "CronJob", "drill"))

    def size_of(self, key: str) -> int:
        size: int = self.site.client.head_object(Bucket=self.site.bucket, Key=key)["ContentLength"]
        return size

    def keep_only(self, key: str) -> None:
        """Deletes every object of the bucket but the backup pair `key` (untimed: disk for the next round)."""
        keep = {key, f"{key}.json"}
        self.site.delete(*[k for k in self.site.objects() if k not in keep])


def measure(options: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """The whole benchmark: the reference size once, then `options.runs` interleaved rounds."""
    with contextlib.ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="datashield-bench-"))
        stack.callback(shutil.rmtree, folder, True)
        log(f"starting the servers (work in {folder})")
        bench = Bench(stack, folder, options.size_mb)
        reference: dict[str, dict[str, Any]] = {}
        if options.reference_mb:
            log(f"reference: a database for a {options.reference_mb} MiB dump")
            bench.generate(options.reference_mb)
            reference[BACKUP], key = bench.backup()
            reference[RESTORE] = bench.restore(key)
            reference[DRILL] = bench.drill()
            reference["dump_bytes"] = {"bytes": bench.size_of(key)}
            bench.keep_only(key)
        log(f"generating a database for a {options.size_mb} MiB dump")
        start = time.perf_counter()
        rows = bench.generate(options.size_mb)
        generated = time.perf_counter() - start
        log(f"{rows:,} rows in {generated:.0f} s")
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        dump_bytes = 0
        for round_ in range(options.runs):
            ours_first = round_ % 2 == 0
            backups: list[tuple[str, Callable[[], dict[str, Any]]]] = [
                (BACKUP, lambda: bench.backup()[0]), (RAW_BACKUP, bench.raw_backup)]
            for kind, run in backups if ours_first else backups[::-1]:
                runs[kind].append(run())
            key = max(k for k in bench.site.objects() if k.endswith(".sql"))
            dump_bytes = bench.size_of(key)
            restores: list[tuple[str, Callable[[], dict[str, Any]]]] = [
                (RESTORE, functools.partial(bench.restore, key)),
                (RAW_RESTORE, functools.partial(bench.raw_restore, key))]
            for kind, run in restores if ours_first else restores[::-1]:
                runs[kind].append(run())
            runs[DRILL].append(bench.drill())
            bench.keep_only(key)
            log(f"round {round_ + 1}/{options.runs}: " + ", ".join(
                f"{kind} {runs[kind][-1]['seconds']:.1f} s" for kind in KINDS))
        return {"size_mb": options.size_mb, "reference_mb": options.reference_mb, "rows": rows,
                "tables": TABLES, "dump_bytes": dump_bytes, "generate_seconds": generated, "runs": runs,
                "reference": reference}


# --- reporting ----------------------------------------------------------------------------

def summary(runs: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per kind: median seconds, largest peak RSS and temporary disk, median seconds of each container."""
    out: dict[str, dict[str, Any]] = {}
    for kind, samples in runs.items():
        if not samples:
            continue
        steps = {name: statistics.median(s["steps"][name]["seconds"] for s in samples) for name in samples[0]["steps"]}
        step_rss = {name: max(s["steps"][name]["peak_rss"] for s in samples) for name in samples[0]["steps"]}
        out[kind] = {"seconds": statistics.median(s["seconds"] for s in samples),
                     "peak_rss": max(s["peak_rss"] for s in samples), "peak_disk": max(s["peak_disk"] for s in samples),
                     "scratch_disk": max(s["scratch_disk"] for s in samples),
                     "scratch_shared": any(s["scratch_dirs"] > 1 for s in samples),
                     "steps": steps, "step_rss": step_rss}
    return out


def pair_ratio(runs: dict[str, list[dict[str, Any]]], ours: str, raw: str) -> float | None:
    """The median of the per-round ratios ours / raw."""
    pairs = list(zip(runs.get(ours, []), runs.get(raw, []), strict=False))
    return statistics.median(a["seconds"] / b["seconds"] for a, b in pairs) if pairs else None


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured figure and PASS or MISS."""
    runs, reference = result["runs"], result["reference"]
    figures = summary(runs)
    out: list[dict[str, Any]] = []

    def check(name: str, value: float | None, limit: float, shown: str) -> None:
        out.append({"target": name, "value": value, "limit": limit, "shown": shown,
                    "result": "PASS" if value is not None and value <= limit else "MISS"})

    for ours, raw in PAIRS[:2]:
        ratio = pair_ratio(runs, ours, raw)
        check(f"{ours} / {raw}, seconds", ratio, TARGET_RATIO,
              f"{ratio:.2f} (<= {TARGET_RATIO})" if ratio is not None else "not measured")
    for kind in PODS:
        if kind in reference and kind in figures:
            growth = figures[kind]["peak_rss"] / reference[kind]["peak_rss"]
            check(f"{kind}, peak RSS {result['size_mb']} MiB / {result['reference_mb']} MiB", growth,
                  TARGET_RSS_GROWTH, f"{figures[kind]['peak_rss'] / MIB:.1f} / {reference[kind]['peak_rss'] / MIB:.1f}"
                  f" MiB = {growth:.2f} (<= {TARGET_RSS_GROWTH})")
    for kind in PODS:
        if kind in figures and result["dump_bytes"]:
            share = figures[kind]["peak_disk"] / result["dump_bytes"]
            check(f"{kind}, peak temporary disk / dump", share, TARGET_DISK,
                  f"{share:.3f} (<= {TARGET_DISK}; the throwaway database apart)")
    return out


def report(result: dict[str, Any], verdicts: list[dict[str, Any]]) -> str:
    """The figures as plain-text tables."""
    runs, dump = result["runs"], result["dump_bytes"]
    figures = summary(runs)
    rounds = len(runs[BACKUP]) if BACKUP in runs else 0
    lines = [f"data path: {rounds} interleaved rounds; SQL dump {dump:,} bytes ({dump / MIB:.1f} MiB), "
             f"{result['rows']:,} rows in {result['tables']} tables (generated in {result['generate_seconds']:.0f} s)",
             "",
             "| run         | median s | MiB/s | ratio | vs          | RSS MiB | temp MiB | disk / dump |",
             "|-------------|----------|-------|-------|-------------|---------|----------|-------------|"]
    versus = {ours: raw for ours, raw in PAIRS}
    for kind in KINDS:
        if kind not in figures:
            continue
        f = figures[kind]
        ratio = pair_ratio(runs, kind, versus[kind]) if kind in versus else None
        lines.append(f"| {kind:11s} | {f['seconds']:8.1f} | {dump / MIB / f['seconds']:5.1f} | "
                     f"{f'{ratio:.2f}' if ratio is not None else '':>5s} | {versus.get(kind, ''):11s} | "
                     f"{f['peak_rss'] / MIB:7.1f} | {f['peak_disk'] / MIB:8.1f} | "
                     f"{f['peak_disk'] / dump if dump else 0:11.3f} |")
    lines += ["", "ratio: median of the per-round ratios; raw commands: "
              + "; ".join(f"{k}: {v}" for k, v in COMMANDS.items()), "",
              "containers: median seconds, largest peak RSS (MiB)"]
    for kind in PODS:
        if kind in figures:
            f = figures[kind]
            lines.append(f"  {kind}: " + ", ".join(f"{name} {s:.1f} s {f['step_rss'][name] / MIB:.0f}"
                                                  for name, s in f["steps"].items()))
    if DRILL in figures:
        f = figures[DRILL]
        shared = " (UNRELIABLE: other drills on this machine ran at the same time)" if f["scratch_shared"] else ""
        lines.append(f"  drill's throwaway database (apart from the pod's folders): peak "
                     f"{f['scratch_disk'] / MIB:.1f} MiB{shared}")
    reference = result["reference"]
    if reference:
        lines += ["", f"reference, {result['reference_mb']} MiB (dump {reference['dump_bytes']['bytes']:,} bytes), "
                  "one run each: " + ", ".join(f"{kind} {reference[kind]['seconds']:.1f} s "
                                               f"{reference[kind]['peak_rss'] / MIB:.1f} MiB RSS"
                                               for kind in PODS if kind in reference)]
    lines += ["", "targets", ""]
    lines += [f"  {v['result']}  {v['target']}: {v['shown']}" for v in verdicts]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=float, default=44, help="the SQL dump's size to aim at, MiB (default 44)")
    parser.add_argument("--reference-mb", type=float, default=16,
                        help="the smaller size whose peak RSS the main size's is compared with (0: none)")
    parser.add_argument("--runs", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    options = parser.parse_args(argv)
    if not os.access(TIME, os.X_OK):
        raise SystemExit(f"bench: {TIME} (GNU time) is missing: it measures peak RSS (Debian: apt-get install time)")

    def log(line: str) -> None:
        print(f"[bench] {line}", file=sys.stderr, flush=True)

    result = measure(options, log)
    verdicts = targets(result)
    print(report(result, verdicts), flush=True)
    if options.json:
        Path(options.json).write_text(json.dumps({**result, "targets": verdicts}, indent=2) + "\n", encoding="utf-8")
    return 0 if all(v["result"] == "PASS" for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())

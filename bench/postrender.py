"""What the post-renderer costs, per Python: a benchmark that prints its figures and checks its targets.

    .venv/bin/python bench/postrender.py [PYTHON ...] [--json FILE] [--runs N] [--sizes 100,1000,10000] [--no-helm]

PYTHON is an interpreter (a path, or a version such as 3.12 or 3.12.1) among those
`scripts/install-env --list-pythons` prints; default: each of them that has a venv
(install-env's own choice: .venv; the others: .pythons/<version>/.venv, which scripts/test
builds). Each runs the whole benchmark below in its own tree, so that the post-renderer's
launcher starts that Python; the figures end with one row per Python.

1. Overhead in Helm 3: `helm template` of chart/ with backup values through our
   post-renderer, against `cat` and against `kubectl kustomize` doing the same
   kind of change (add one CronJob, patch one replica count). Interleaved runs,
   median wall time, ratio to `cat`. Every render is a first render: the
   post-renderer keeps nothing between runs.
2. Scale: synthetic streams of 100, 1,000 and 10,000 documents (Deployments,
   ConfigMaps with large data, Services, deeply nested CRDs, and the chart's own
   manager, database and values carrier, so that the CronJob really is injected),
   each run in a fresh process: wall time and peak resident memory.
3. Fidelity: every document the post-renderer does not change comes out byte for
   byte as it went in (checked on every size).

Targets (issue 16): ratio to `cat` at most 1.8 and below the kustomize peer of the same run;
10,000 documents in under 1 s with peak memory under 3x the input; linear cost.
Figures only; the targets are checked here (PASS/MISS), never in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HELM = ROOT / ".tools" / "helm3" / "helm"
KUBECTL = ROOT / ".tools" / "helm4" / "kubectl"  # has kustomize built in
POSTRENDERER = ROOT / "bin" / "datashield-backup"
CHART_STREAM = ROOT / "tests" / "golden" / "backup" / "in.yaml"  # what helm 3 renders from chart/
BACKUP = ["--set", "enclaveos-chart.Backup.CronSchedule=0 0 * * *",
          "--set", "global.S3.Endpoint=s3.example.com", "--set", "global.S3.Bucket=acme-backups",
          "--set", "global.S3.HmacSecretName=creds"]
SEPARATOR = re.compile(r"^---(?=[ \t]|\r?$)", re.MULTILINE)
INJECTED_KINDS = {"ServiceAccount", "Role", "RoleBinding", "CronJob", "Job"}  # Job: the first backup

TARGET_RATIO = 1.8
PEER = "kubectl kustomize (peer)"
OURS = "datashield-backup"
TARGET_SECONDS_10K = 1.0
TARGET_MEMORY_FACTOR = 3.0
TARGET_LINEARITY = 1.5  # the pipeline's time per document, 10k over 1k: 1.0 is perfectly linear

KUSTOMIZE_WRAPPER = """#!/bin/sh
# The peer: kustomize as a post-renderer, adding one CronJob and patching one replica count.
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/manifests.yaml"
cat > "$dir/cronjob.yaml" <<'EOF'
apiVersion: batch/v1
kind: CronJob
metadata:
  name: ds-enclaveos-backup
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: dump
              image: cockroachdb/cockroach:v20.1.17
              args: ["dump", "malbork"]
EOF
cat > "$dir/kustomization.yaml" <<'EOF'
resources: [manifests.yaml, cronjob.yaml]
replicas:
  - name: ds-enclaveos-manager
    count: 0
EOF
exec "{kubectl}" kustomize "$dir"
"""


# --- synthetic streams ------------------------------------------------------------------

def _deployment(i: int) -> str:
    env = "".join(f"            - name: SETTING_{k}\n              value: \"value-{i}-{k}\"\n" for k in range(12))
    return f"""---
# Source: bench/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  labels:
    app.kubernetes.io/name: app-{i}
    app.kubernetes.io/instance: bench
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: app-{i}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-{i}
    spec:
      containers:
        - name: app
          image: "registry.example.com/app:1.{i}"
          ports:
            - {{name: http, containerPort: 8080}}
          env:
{env}          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
"""


def _config_map(i: int) -> str:
    lines = "".join(f"    key.{k} = {'x' * 40}-{i}-{k}\n" for k in range(31))
    return f"""---
# Source: bench/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: config-{i}
data:
  application.properties: |
{lines}  small: "value-{i}"
"""


def _service(i: int) -> str:
    return f"""---
# Source: bench/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: svc-{i}
spec:
  selector:
    app.kubernetes.io/name: app-{i}
  ports:
    - name: http
      port: 80
      targetPort: http
"""


def _crd(i: int) -> str:
    depth = 10
    nested = ""
    for level in range(depth, 0, -1):
        pad = "  " * (8 + 2 * (depth - level))
        nested = (f"{pad}level{level}:\n{pad}  type: object\n{pad}  description: level {level} of {i}\n"
                  f"{pad}  properties:\n") + nested
    leaf = "  " * (8 + 2 * depth) + "value: {type: string}\n"
    return f"""---
# Source: bench/templates/crd.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets{i}.bench.example.com
spec:
  group: bench.example.com
  names: {{kind: Widget{i}, plural: widgets{i}}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
{nested}{leaf}"""


FILLERS = (_deployment, _config_map, _service, _crd)


def chart_documents() -> list[str]:
    """The documents helm 3 renders from chart/ with backup values (manager, database, carrier, ...)."""
    return split(CHART_STREAM.read_text(encoding="utf-8"))


def make_stream(count: int) -> str:
    """A stream of `count` documents: fillers around the chart's own documents, in the middle."""
    chart = chart_documents()
    fillers = [FILLERS[i % len(FILLERS)](i) for i in range(max(count - len(chart), 0))]
    middle = len(fillers) // 2
    return "".join([*fillers[:middle], *chart, *fillers[middle:]])


def split(text: str) -> list[str]:
    """The documents of a stream, each with its own `---` line (independent of renderer/postrender/stream.py)."""
    starts = [m.start() for m in SEPARATOR.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True) if text[a:b]]


def _kind(document: str) -> str:
    match = re.search(r"^kind:\s*(\S+)", document, re.MULTILINE)
    return match.group(1) if match else ""


def fidelity(stream: str, output: str) -> tuple[int, int, bool]:
    """(untouched documents, of which byte-identical, whether the backup objects were added).

    With backup values (not restore mode) only the carrier is removed; everything
    else must come back in order and unchanged, followed by the injected objects.
    """
    kept = [d for d in split(stream) if _kind(d) != "DatashieldBackupValues"]
    out = split(output)
    same = sum(a == b for a, b in zip(kept, out, strict=False))
    added = {_kind(d) for d in out[len(kept):]}
    return len(kept), same, "CronJob" in added and added <= INJECTED_KINDS


# --- measuring ----------------------------------------------------------------------------

# Runs the post-renderer in a fresh process of its own and reports its wall time and peak
# memory: ru_maxrss of a child forked straight from this (large) process would count our pages.
MEASURE = """import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stderr=subprocess.DEVNULL)
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, code, file=sys.stderr)
"""


def run_child(args: list[str], stdin: Path, env: dict[str, str]) -> tuple[float, int, bytes]:
    """Wall seconds, peak resident bytes and stdout of one fresh process reading `stdin`."""
    with stdin.open("rb") as source, tempfile.TemporaryFile() as sink:
        done = subprocess.run([sys.executable, "-I", "-c", MEASURE, *args], stdin=source, stdout=sink,
                              stderr=subprocess.PIPE, env=env, check=True)
        seconds, peak, code = done.stderr.decode().split()
        if code != "0":
            raise RuntimeError(f"{args[0]} failed with exit code {code}")
        sink.seek(0)
        return float(seconds), int(peak), sink.read()


def measure(stream: str, runs: int, env: dict[str, str]) -> tuple[float, int, str]:
    """Median seconds, peak bytes and output of the post-renderer on `stream`, `runs` times."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stream.yaml"
        path.write_text(stream, encoding="utf-8")
        samples = [run_child([str(POSTRENDERER)], path, env) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples), samples[0][2].decode("utf-8")


def pipeline_seconds(stream: str, runs: int) -> float:
    """The fastest of `runs` in-process runs of the pure pipeline (split, find, render, assemble),
    after one to warm up: the part of the cost that depends on the stream, without start-up."""
    from renderer.postrender.locate import Hints
    from renderer.postrender.pipeline import postrender
    from renderer.postrender.stream import assemble

    data = stream.encode("utf-8")
    samples = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        for _slice in assemble(postrender(data, [], Hints()).pieces):
            pass
        samples.append(time.perf_counter() - start)
    return min(samples[1:])


def scale(sizes: list[int], runs: int) -> Iterator[dict[str, Any]]:
    """One row per size (the first: the chart's own documents only): median time and peak memory
    of the post-renderer in a fresh process, the pipeline's own time, and fidelity."""
    env = dict(os.environ)
    for size in [0, *sizes]:
        stream = make_stream(size)
        seconds, peak, output = measure(stream, runs, env)
        untouched, identical, injected = fidelity(stream, output)
        yield {"documents": len(split(stream)), "bytes": len(stream.encode()), "seconds": seconds,
               "pipeline_seconds": pipeline_seconds(stream, runs), "peak_bytes": peak,
               "untouched": untouched, "identical": identical, "injected": injected}


def helm_overhead(runs: int) -> dict[str, dict[str, float]]:
    """Median wall time of `helm template` with each post-renderer, and its ratio to `cat`."""
    home = tempfile.mkdtemp()
    env = {**os.environ, "HELM_DATA_HOME": home, "HELM_CONFIG_HOME": home, "HELM_CACHE_HOME": home}
    wrapper = Path(home) / "kustomize-postrenderer"
    wrapper.write_text(KUSTOMIZE_WRAPPER.replace("{kubectl}", str(KUBECTL)), encoding="utf-8")
    wrapper.chmod(0o755)
    cases = {"cat": "cat", OURS: str(POSTRENDERER), PEER: str(wrapper)}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for run in range(runs + 1):
        for name, post in cases.items():
            start = time.perf_counter()
            subprocess.run([str(HELM), "template", "ds", str(ROOT / "chart"), *BACKUP, "--post-renderer", post],
                           env=env, check=True, capture_output=True)
            if run:  # the first round warms the disk cache
                times[name].append(time.perf_counter() - start)
    base = statistics.median(times["cat"])
    return {name: {"ms": statistics.median(t) * 1000, "ratio": statistics.median(t) / base}
            for name, t in times.items()}


# --- reporting ----------------------------------------------------------------------------

def per_document(row: dict[str, Any]) -> float:
    """The pipeline's seconds per document."""
    return float(row["pipeline_seconds"]) / int(row["documents"])


def linearity(rows: list[dict[str, Any]]) -> float | None:
    """The pipeline's cost per document on the largest stream over that on the next largest (1.0: linear)."""
    if len(rows) < 3:
        return None
    return per_document(rows[-1]) / per_document(rows[-2])


def targets(helm: dict[str, dict[str, float]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target with the measured figure and PASS or MISS."""
    out: list[dict[str, Any]] = []

    def check(name: str, value: float | None, limit: float, shown: str) -> None:
        out.append({"target": name, "value": value, "limit": limit, "shown": shown,
                    "result": "PASS" if value is not None and value <= limit else "MISS"})

    if helm:
        ours, peer = helm[OURS]["ratio"], helm[PEER]["ratio"]
        check(f"ratio to cat, {OURS}", ours, TARGET_RATIO, f"{ours:.2f} (<= {TARGET_RATIO})")
        check("ratio to cat, below the peer's", ours, peer, f"{ours:.2f} (< {peer:.2f})")
        if ours == peer:
            out[-1]["result"] = "MISS"
    largest = rows[-1] if rows else None
    if largest is not None and largest["documents"] >= 10_000:
        check(f"{largest['documents']:,} documents, seconds", largest["seconds"], TARGET_SECONDS_10K,
              f"{largest['seconds']:.2f} s (< {TARGET_SECONDS_10K} s)")
        factor = largest["peak_bytes"] / largest["bytes"]
        check(f"{largest['documents']:,} documents, peak memory / input", factor, TARGET_MEMORY_FACTOR,
              f"{factor:.2f}x (< {TARGET_MEMORY_FACTOR}x)")
    lin = linearity(rows)
    if lin is not None:
        check(f"linear cost (pipeline time per document, {rows[-1]['documents']:,} / {rows[-2]['documents']:,})",
              lin, TARGET_LINEARITY,
              f"{lin:.2f} (<= {TARGET_LINEARITY})")
    for row in rows:
        ok = row["identical"] == row["untouched"] and row["injected"]
        out.append({"target": f"fidelity, {row['documents']:,} documents", "value": row["identical"],
                    "limit": row["untouched"], "shown": f"{row['identical']}/{row['untouched']} byte-identical"
                    + ("" if row["injected"] else ", CronJob NOT injected"), "result": "PASS" if ok else "MISS"})
    return out


def report(helm: dict[str, dict[str, float]], rows: list[dict[str, Any]], verdicts: list[dict[str, Any]]) -> str:
    """The figures as plain-text tables."""
    lines = []
    if helm:
        lines += ["helm 3 `helm template chart/` with backup values, median of interleaved runs", "",
                  f"| {'post-renderer':44s} | {'ms':>7s} | {'ratio to cat':>12s} |",
                  f"|{'-' * 46}|{'-' * 9}|{'-' * 14}|"]
        lines += [f"| {name:44s} | {f['ms']:7.1f} | {f['ratio']:12.2f} |" for name, f in helm.items()]
        lines.append("")
    if rows:
        lines += ["post-renderer alone on synthetic streams: a fresh process each, and the pipeline "
                  "in-process (without start-up); the first row is the chart alone", "",
                  "| documents | input MB | process s | peak MB | peak / input | pipeline ms | us / doc | identical |",
                  "|-----------|----------|-----------|---------|--------------|-------------|----------|-----------|"]
        lines += [f"| {r['documents']:9,} | {r['bytes'] / 1e6:8.2f} | {r['seconds']:9.3f} | "
                  f"{r['peak_bytes'] / 1e6:7.1f} | {r['peak_bytes'] / r['bytes']:12.2f} | "
                  f"{r['pipeline_seconds'] * 1e3:11.1f} | {per_document(r) * 1e6:8.1f} | "
                  f"{r['identical']:>4}/{r['untouched']:<4} |" for r in rows]
        lines.append("")
    lines += ["targets", ""]
    lines += [f"  {v['result']}  {v['target']}: {v['shown']}" for v in verdicts]
    return "\n".join(lines)


def here(options: argparse.Namespace) -> dict[str, Any]:
    """The whole benchmark on the Python running this file, with the launcher of this file's tree."""
    helm = {} if options.no_helm else helm_overhead(options.runs)
    rows = list(scale([int(s) for s in options.sizes.split(",")], options.scale_runs))
    verdicts = targets(helm, rows)
    return {"python": sys.version.split()[0], "helm": helm, "scale": rows, "targets": verdicts,
            "report": report(helm, rows, verdicts)}


def pythons() -> list[tuple[str, str, Path]]:
    """(version, executable, tree) of each Python the install can pick, install-env's choice first:
    its tree is this one (.venv), the others' .pythons/<version> (maybe not built)."""
    listed = subprocess.run([str(ROOT / "scripts" / "install-env"), "--list-pythons"], capture_output=True,
                            text=True, check=True, timeout=300).stdout.splitlines()
    found = [line.split(" ", 1) for line in listed]
    return [(version, python, ROOT if i == 0 else ROOT / ".pythons" / version)
            for i, (version, python) in enumerate(found)]


def chosen(wanted: list[str]) -> list[tuple[str, Path]]:
    """(version, tree) of each Python asked for (all that have a venv when none is), each tree brought
    up to date with the working tree (scripts/python-tree). Raises SystemExit with one line for a
    Python that is not listed, has no venv, or whose tree cannot be refreshed."""
    known = pythons()
    if wanted:
        picked = []
        for name in wanted:
            match = [k for k in known if name in k[:2] or k[0].startswith(name + ".")
                     or os.path.realpath(name) == os.path.realpath(k[1])]
            if not match:
                raise SystemExit(f"bench: {name}: not among the Pythons `scripts/install-env --list-pythons` prints "
                                 f"({', '.join(v for v, _, _ in known)})")
            picked.append(match[0])
    else:
        picked = [k for k in known if (k[2] / ".venv" / "bin" / "python").exists()]
    for version, python, tree in picked:
        if not (tree / ".venv" / "bin" / "python").exists():
            raise SystemExit(f"bench: Python {version} has no venv in {tree}: run scripts/test, or "
                             f"scripts/python-tree {version} {python}")
        if tree != ROOT and subprocess.run([str(ROOT / "scripts" / "python-tree"), version, python],
                                           check=False, timeout=1200).returncode != 0:
            raise SystemExit(f"bench: Python {version}: scripts/python-tree {version} {python} failed")
    return [(version, tree) for version, _, tree in picked]


def table(results: list[dict[str, Any]]) -> str:
    """One row per Python: the ratios, the 10,000-document figures, linearity and the verdict."""
    lines = ["| Python | ratio to cat | peer (kustomize) | 10k docs s | peak / input | linearity | targets |",
             "|--------|--------------|------------------|------------|--------------|-----------|---------|"]
    for r in results:
        helm, big = r["helm"], (r["scale"][-1] if r["scale"] else None)
        figure = {v["target"].split(",")[0].split(" (")[0]: v for v in r["targets"]}
        misses = [v["target"] for v in r["targets"] if v["result"] != "PASS"]
        lines.append("| " + " | ".join([
            r["python"],
            f"{helm[OURS]['ratio']:.2f}" if helm else "-",
            f"{helm[PEER]['ratio']:.2f}" if helm else "-",
            f"{big['seconds']:.2f}" if big else "-",
            f"{big['peak_bytes'] / big['bytes']:.2f}x" if big else "-",
            f"{figure['linear cost']['value']:.2f}" if "linear cost" in figure else "-",
            "PASS" if not misses else f"MISS ({len(misses)}: {'; '.join(misses)})"]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pythons", nargs="*", metavar="PYTHON",
                        help="interpreters to measure (default: every one with a venv)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--runs", type=int, default=21, help="interleaved helm runs per post-renderer")
    parser.add_argument("--scale-runs", type=int, default=5, help="runs per stream size")
    parser.add_argument("--sizes", default="100,1000,10000", help="stream sizes, in documents")
    parser.add_argument("--no-helm", action="store_true", help="skip the helm part (scale and fidelity only)")
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)  # one Python: JSON on stdout
    options = parser.parse_args(argv)
    if options.here:
        print(json.dumps(here(options)))
        return 0
    passed = ["--runs", str(options.runs), "--scale-runs", str(options.scale_runs), "--sizes", options.sizes,
              *(["--no-helm"] if options.no_helm else [])]
    results = []
    for version, tree in chosen(options.pythons):
        print(f"== Python {version} ({tree / '.venv'})", flush=True)
        done = subprocess.run([str(tree / ".venv" / "bin" / "python"), str(tree / "bench" / "postrender.py"),
                               "--here", *passed], capture_output=True, text=True, check=False, cwd=tree)
        if done.returncode != 0:
            raise SystemExit(f"bench: Python {version} failed:\n{done.stderr}")
        result = json.loads(done.stdout)
        print(result.pop("report"), "", sep="\n", flush=True)
        results.append(result)
    print(table(results))
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if all(v["result"] == "PASS" for r in results for v in r["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())

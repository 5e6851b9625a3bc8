"""The benchmark cannot rot: its stream generator, fidelity check and report work on a small stream.

No timing is asserted here: the benchmark prints figures and checks its targets itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.postrender import OURS, PEER, fidelity, make_stream, report, scale, split, table, targets


def test_stream_has_the_documents_asked_for_and_the_chart_objects() -> None:
    stream = make_stream(20)
    documents = split(stream)
    assert len(documents) == 20 and "".join(documents) == stream
    for kind in ("Deployment", "StatefulSet", "DatashieldBackupValues", "ConfigMap", "CustomResourceDefinition"):
        assert any(f"\nkind: {kind}\n" in d for d in documents), kind


def test_scale_on_a_small_stream_injects_and_keeps_every_other_document() -> None:
    rows = list(scale([20], runs=1))
    assert [(r["documents"], r["untouched"], r["identical"], r["injected"]) for r in rows] == [
        (6, 5, 5, True), (20, 19, 19, True)]
    assert all(r["seconds"] > 0 and r["peak_bytes"] > r["bytes"] for r in rows)
    verdicts = targets({}, rows)
    assert [v["result"] for v in verdicts] == ["PASS", "PASS"]
    assert "19/19 byte-identical" in report({}, rows, verdicts)


def test_fidelity_notices_a_changed_document() -> None:
    stream = make_stream(20)
    output = "".join(d for d in split(stream) if "kind: DatashieldBackupValues" not in d) + "---\nkind: CronJob\n"
    assert fidelity(stream, output) == (19, 19, True)
    changed = output.replace("name: svc-2\n", "name: svc-two\n")
    assert changed != output
    assert fidelity(stream, changed) == (19, 18, True)


@pytest.mark.parametrize("ours,peer,results", [
    (1.50, 2.10, ["PASS", "PASS"]),
    (1.90, 2.10, ["MISS", "PASS"]),  # above 1.8, though below the peer
    (1.70, 1.60, ["PASS", "MISS"]),  # within 1.8, but the peer did better in the same run
    (1.70, 1.70, ["PASS", "MISS"]),  # a tie is not below
], ids=["both", "over-1.8", "above-peer", "tie-with-peer"])
def test_the_ratio_must_be_within_1_8_and_below_the_peer(ours: float, peer: float, results: list[str]) -> None:
    helm = {"cat": {"ms": 100.0, "ratio": 1.0}, OURS: {"ms": 100 * ours, "ratio": ours},
            PEER: {"ms": 100 * peer, "ratio": peer}}
    assert [v["result"] for v in targets(helm, [])] == results
    row = table([{"python": "3.12.1", "helm": helm, "scale": [], "targets": targets(helm, [])}]).splitlines()[-1]
    assert row.startswith(f"| 3.12.1 | {ours:.2f} | {peer:.2f} | - | - | - | ")
    assert row.endswith("| PASS |" if results == ["PASS", "PASS"] else ")" + " |")


# --- bench/data_path.py: its pure parts (no server is started here) ---

def _sample(seconds: float, rss_mib: float, disk: int, steps: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"seconds": seconds, "peak_rss": int(rss_mib * 1024 * 1024), "peak_disk": disk, "scratch_disk": 0,
            "scratch_dirs": 0, "steps": steps or {}}


def test_data_path_targets_use_the_median_of_per_round_ratios_and_compare_sizes() -> None:
    from bench import data_path as dp

    step = {"dump": {"peak_rss": 1, "seconds": 1.0}}
    runs = {dp.BACKUP: [_sample(3.0, 100, 1000, step), _sample(1.4, 100, 1000, step), _sample(1.2, 100, 1000, step)],
            dp.RAW_BACKUP: [_sample(1.0, 90, 0), _sample(1.0, 90, 0), _sample(1.0, 90, 0)]}
    reference = {dp.BACKUP: _sample(5.0, 90, 500, step), "dump_bytes": {"bytes": 500}}
    result = {"runs": runs, "reference": reference, "size_mb": 64, "reference_mb": 16, "dump_bytes": 1000,
              "rows": 10, "tables": 4, "generate_seconds": 1.0}
    verdicts = {v["target"]: (v["result"], v["shown"]) for v in dp.targets(result)}
    assert verdicts["backup pod / raw backup, seconds"] == ("PASS", "1.40 (<= 1.5)")
    assert verdicts["restore pod / raw restore, seconds"] == ("MISS", "not measured")
    assert verdicts["backup pod, peak RSS 64 MiB / 16 MiB"] == ("PASS", "100.0 / 90.0 MiB = 1.11 (<= 1.2)")
    assert verdicts["backup pod, peak temporary disk / dump"][0] == "PASS"
    assert "| backup pod  |      1.4 |" in dp.report(result, dp.targets(result))


def test_data_path_wraps_each_container_under_gnu_time_and_reads_its_figures(tmp_path: Path) -> None:
    from bench import data_path as dp

    spec = {"initContainers": [{"name": "dump", "command": ["/bin/sh", "-ec"], "args": ["x"]}],
            "containers": [{"name": "upload", "command": ["/bin/sh", "-ec"], "args": ["y"]}], "namespace": "prod"}
    wrapped = dp.measured_spec(spec, tmp_path)
    assert wrapped["containers"][0]["command"] == [dp.TIME, "-o", str(tmp_path / "upload"), "-f", "%M %e", "sh", "-ec"]
    assert wrapped["initContainers"][0]["args"] == ["x"]
    (tmp_path / "upload").write_text("Command exited with non-zero status 1\n2048 1.25\n", encoding="utf-8")
    assert dp.time_figures(tmp_path / "upload") == (2 * 1024 * 1024, 1.25)
    (tmp_path / "work" / "a").mkdir(parents=True)
    (tmp_path / "work" / "a" / "f").write_bytes(b"x" * 10)
    (tmp_path / "work" / "link").symlink_to(tmp_path / "work" / "a" / "f")
    assert dp.tree_bytes(tmp_path / "work") == 10

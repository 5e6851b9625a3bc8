"""The benchmark cannot rot: its stream generator, fidelity check and report work on a small stream.

No timing is asserted here: the benchmark prints figures and checks its targets itself.
"""

from __future__ import annotations

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

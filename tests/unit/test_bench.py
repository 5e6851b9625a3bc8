"""The benchmark cannot rot: its stream generator, fidelity check and report work on a small stream.

No timing is asserted here: the benchmark prints figures and checks its targets itself.
"""

from __future__ import annotations

from bench.postrender import fidelity, make_stream, report, scale, split, targets


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

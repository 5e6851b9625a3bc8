"""Golden files: one folder per case, `in.yaml` (what Helm hands the post-renderer),
optional `values.yaml` (passed with --values) and `args` (one argument a line), and
`out.yaml`, the exact expected output. `UPDATE_GOLDEN=1` rewrites `out.yaml`; read
the diff before committing it.

The inputs were captured from the real helm binaries: `helm template` (Helm 3), and
a tee post-renderer plugin (Helm 4, which re-serialises and annotates documents).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_postrenderer

CASES = sorted(p for p in Path(__file__).parent.iterdir() if (p / "in.yaml").exists())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path) -> None:
    args = (case / "args").read_text().split() if (case / "args").exists() else []
    if (case / "values.yaml").exists():
        args += ["--values", str(case / "values.yaml")]
    result = run_postrenderer((case / "in.yaml").read_text(encoding="utf-8"), *args)
    assert (result.returncode, result.stderr) == (0, "")
    expected = case / "out.yaml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == expected.read_text(encoding="utf-8")


def test_no_values_is_the_input_byte_for_byte() -> None:
    case = Path(__file__).parent / "no-values"
    assert (case / "out.yaml").read_bytes() == (case / "in.yaml").read_bytes()

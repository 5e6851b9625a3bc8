"""Generated files: each is what its generator makes now, and `tools/regenerate` finds and
rewrites a stale one (tools/regenerate.py, the one regeneration command)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tools.regenerate import GENERATED, stale


@pytest.mark.parametrize("path", sorted(GENERATED))
def test_the_generated_file_is_current(path: str) -> None:
    assert path not in stale(), f"{path} is stale: run tools/regenerate"


@pytest.mark.parametrize("path", sorted(GENERATED))
def test_a_changed_or_missing_generated_file_is_stale(tmp_path: Path, path: str) -> None:
    for name, make in GENERATED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(make(), encoding="utf-8")
    assert stale(tmp_path) == {}
    (tmp_path / path).write_text(GENERATED[path]() + "# edited by hand\n", encoding="utf-8")
    assert list(stale(tmp_path)) == [path]
    (tmp_path / path).unlink()
    assert list(stale(tmp_path)) == [path]


def test_the_command_checks_the_checkout() -> None:
    done = subprocess.run([str(ROOT / "tools" / "regenerate"), "--check"], capture_output=True, text=True,
                          check=False, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")

"""The shell scripts the injected pods run pass shellcheck as POSIX sh, both as shipped
(CockroachDB seam) and as the runtime tests run them (PostgreSQL seam)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from renderer.postrender.inject import BACKUP_STEPS, DRILL_STEPS, RESTORE_STEPS, Step
from tests.runtime.pods import POSTGRES_SEAM, SEAM

SHELLCHECK = Path(sys.executable).parent / "shellcheck"


@pytest.mark.parametrize("seam", ["cockroach", "postgres"])
@pytest.mark.parametrize("step", [*BACKUP_STEPS, *RESTORE_STEPS, *DRILL_STEPS], ids=lambda step: step.name)
def test_step_script_passes_shellcheck(step: Step, seam: str, tmp_path: Path) -> None:
    script = step.script if seam == "cockroach" else SEAM.sub(lambda _: POSTGRES_SEAM, step.script)
    if seam == "postgres" and not step.object_store:
        assert "pg_dump" in script and "cockroach dump" not in script
    path = tmp_path / f"{step.name}.sh"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run(check=False, args=[str(SHELLCHECK), "--shell=sh", "--format=gcc", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "")

"""Every file of ours that a docstring, a comment or a document names exists (issue 26: docstrings named
files that had been renamed or removed, `schema_tools.py`, `restore.py`, `restore_plan.py`). A name counts
when some tracked file's path is it or ends with "/" and it (`scripts/lib.sh` is
`renderer/postrender/templates/scripts/lib.sh`)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A name of one of our kinds of file, with or without folders before it, not inside a longer word or path.
REFERENCE = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w-]+\.(?:py|sh|j2))\b")
THIS = "tests/unit/test_references.py"
# Names that are not files of this repository, each for its reason.
NOT_OURS = {
    "helm.sh": "Helm's web site",
    "jinja2/filters.py": "Jinja2's source",
    "t.j2": "a template a test writes (tests/unit/test_templates.py)",
    "other.j2": "a template a test writes (tests/unit/test_templates.py)",
}


def tracked() -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()


def named(root: Path, paths: list[str]) -> list[tuple[str, int, str]]:
    """(file, line, name) of each name in the text files `paths` (under `root`) that none of `paths` has."""
    missing = []
    for path in paths:
        if not path.endswith((".py", ".sh", ".j2", ".md")) or "/golden/" in path or "compiled_" in path \
                or path == THIS:  # which names files that are gone, on purpose
            continue
        text = (root / path).read_text(encoding="utf-8")
        for match in REFERENCE.finditer(text):
            name = match.group(1)
            if name in NOT_OURS or any(p == name or p.endswith(f"/{name}") for p in paths):
                continue
            missing.append((path, text.count("\n", 0, match.start()) + 1, name))
    return missing


def test_every_file_named_in_code_and_docs_exists() -> None:
    assert named(ROOT, tracked()) == []


@pytest.mark.parametrize(("text", "found"), [
    pytest.param("read by schema_tools.py (gone)", [("x.md", 1, "schema_tools.py")], id="a-file-that-is-gone"),
    pytest.param("see\nrenderer/restore/plan.py", [], id="a-path-that-is-there"),
    pytest.param("see scripts/lib.sh", [], id="the-end-of-a-path-that-is-there"),
    pytest.param("see restore/lib.sh", [("x.md", 1, "restore/lib.sh")], id="a-name-in-the-wrong-folder"),
    pytest.param("https://helm.sh/docs", [], id="not-ours"),
])
def test_a_name_counts_only_when_a_tracked_file_has_it(tmp_path: Path, text: str,
                                                        found: list[tuple[str, int, str]]) -> None:
    (tmp_path / "x.md").write_text(text, encoding="utf-8")
    there = ["renderer/restore/plan.py", "renderer/postrender/templates/scripts/lib.sh"]
    for empty in there:
        (tmp_path / empty).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / empty).write_text("", encoding="utf-8")
    assert named(tmp_path, ["x.md", *there]) == found

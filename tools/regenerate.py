"""Every generated file of the repository, rewritten from its source by one command:

    tools/regenerate            # rewrites the generated files that are stale, names them
    tools/regenerate --check    # changes nothing; exit 1 naming each stale file

- renderer/postrender/compiled_templates.py, from renderer/postrender/templates/ (the Jinja2
  templates and scripts/), by tools/template_compiler.py;
- chart/values.schema.json, from schemas/values.schema.json, by tools/chart_schema.py.

The tests that check a generated file is current call `stale()` (tests/unit/test_generated.py).
Golden files are not generated from sources but from the post-renderer's output: they have their
own command (`UPDATE_GOLDEN=1`, docs/development.md).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from tools.chart_schema import chart_schema_text
from tools.template_compiler import generate

ROOT = Path(__file__).resolve().parent.parent
GENERATED: dict[str, Callable[[], str]] = {
    "renderer/postrender/compiled_templates.py": generate,
    "chart/values.schema.json": chart_schema_text,
}


def stale(root: Path = ROOT) -> dict[str, str]:
    """The generated files (paths relative to `root`) whose text differs from what their generator
    makes now, each with the text it should have."""
    wanted = {path: make() for path, make in GENERATED.items()}
    return {path: text for path, text in wanted.items()
            if not (root / path).exists() or (root / path).read_text(encoding="utf-8") != text}


def main(argv: list[str] | None = None) -> int:
    """Rewrites the stale generated files (or, with --check, only names them); 0 when all are
    current (or were rewritten), 1 when --check found a stale one."""
    parser = argparse.ArgumentParser(prog="tools/regenerate",
                                     description="Rewrites every generated file from its source.")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a generated file is stale")
    options = parser.parse_args(argv)
    outdated = stale()
    for path, text in outdated.items():
        if options.check:
            print(f"{path} is stale: run tools/regenerate", file=sys.stderr)
        else:
            (ROOT / path).write_text(text, encoding="utf-8")
            print(f"regenerated {path}", file=sys.stderr)
    return 1 if options.check and outdated else 0


if __name__ == "__main__":
    sys.exit(main())

"""The closing lines of scripts/test: one line per pytest run and the total of all runs.

    python -m tests.summary REPORT.xml...

Each REPORT is the JUnit XML file of one pytest run (`--junitxml`), named after the run
(`main.xml`, `3.12.1.xml`). A run that wrote no report (it never started, or pytest crashed)
counts as failed. Prints a line per run, then, last, the total as pytest words it
(`N passed, N failed, N errors, N skipped`), which is what CI reads. Exit status: 0 when every
run wrote a report with no failure and no error, 1 otherwise.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

FIELDS = ("passed", "failed", "errors", "skipped")


def counts(report: Path) -> Counter[str]:
    """The outcome counts of one JUnit XML report; {"missing": 1} when there is no readable report."""
    try:
        root = ET.parse(report).getroot()
    except (OSError, ET.ParseError):
        return Counter(missing=1)
    total: Counter[str] = Counter()
    for suite in root.iter("testsuite"):
        tests, failed, errors, skipped = (int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped"))
        total.update(passed=tests - failed - errors - skipped, failed=failed, errors=errors, skipped=skipped)
    return total


def line(figures: Counter[str]) -> str:
    """The counts as pytest words them, in a fixed order (zeros included)."""
    return ", ".join(f"{figures[field]} {field}" for field in FIELDS)


def summary(reports: list[Path]) -> tuple[list[str], bool]:
    """The lines to print and whether every run passed."""
    lines, total = [], Counter[str]()
    for report in reports:
        figures = counts(report)
        total.update(figures)
        lines.append(f"   {report.stem}: " + ("no report (the run did not finish)" if figures["missing"]
                                              else line(figures)))
    runs = f"{len(reports)} pytest run" + ("s" if len(reports) != 1 else "")
    lines.append(f"{line(total)} in {runs}" + (f", {total['missing']} without a report" if total["missing"] else ""))
    return lines, not (total["failed"] or total["errors"] or total["missing"])


def main(argv: list[str]) -> int:
    lines, ok = summary([Path(a) for a in argv])
    print("== all runs", *lines, sep="\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

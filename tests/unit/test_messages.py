"""Messages: every line one line, whatever the values hold (renderer/errors.py show, value_path,
one_line; renderer/cli.py _guarded, the one place that prints errors).

A value's control characters (a line break, ESC, the separators \\x1c-\\x1f, C1 controls, Unicode's
line separators) are escaped where a message quotes the value, and escaped again, as a safety
net, by `_guarded` in any line that still holds one. On Helm 4 those lines are printed as a YAML
block scalar: it must load as YAML, to exactly the lines stderr shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from renderer import cli
from renderer.errors import DatashieldError, InvalidValues, Problem, one_line, show, value_path
from renderer.values.validate import problems
from tests.unit.test_validate import BASE, BUCKET, ENDPOINT, RESTORE_LATEST, SCHEDULE, ZONE, with_value

cyclic: list[Any] = []
cyclic.append(cyclic)


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


@pytest.mark.parametrize("text,line", [
    pytest.param("plain text, µs and all", "plain text, µs and all", id="printable-kept"),
    pytest.param("a\nb", "a\\nb", id="line-break"),
    pytest.param("a\r\nb", "a\\r\\nb", id="crlf"),
    pytest.param("a\tb", "a\\tb", id="tab"),
    pytest.param("\x1b[31mred", "\\u001b[31mred", id="escape-sequence"),
    pytest.param("\x00\x1c\x7f", "\\u0000\\u001c\\u007f", id="nul-separator-delete"),
    pytest.param("\x85\x9b", "\\u0085\\u009b", id="c1-controls"),
    pytest.param("\u2028\u2029", "\\u2028\\u2029", id="unicode-line-separators"),
    pytest.param("\ufeff\u00a0", "\\ufeff\\u00a0", id="bom-and-no-break-space"),
    pytest.param("\udcff", "\\udcff", id="lone-surrogate"),
    pytest.param("\U000e0001", "\\udb40\\udc01", id="tag-character"),
])
def test_one_line(text: str, line: str) -> None:
    assert one_line(text) == line


@pytest.mark.parametrize("value,shown", [
    pytest.param("0 0 * * *", '"0 0 * * *"', id="string"),
    pytest.param('say "hi"\\', '"say \\"hi\\"\\\\"', id="quotes-and-backslash"),
    pytest.param("@every 6h\n", '"@every 6h\\n"', id="line-break"),
    pytest.param("\u017fun", '"\\u017fun"', id="non-ascii"),
    pytest.param(7, "7", id="integer"),
    pytest.param(None, "null", id="null"),
    pytest.param(["a", 1], '["a", 1]', id="list"),
    pytest.param(datetime.date(2001, 12, 14), '"2001-12-14"', id="date"),
    pytest.param(b"tag", '"b\'tag\'"', id="bytes"),
    pytest.param({("a", "b"): 1}, "\"{('a', 'b'): 1}\"", id="tuple-key"),
    pytest.param(cyclic, '"[[...]]"', id="list-holding-itself"),
    pytest.param(Unprintable(), "(Unprintable)", id="text-that-raises"),
])
def test_show_never_raises(value: Any, shown: str) -> None:
    assert show(value) == shown


@pytest.mark.parametrize("parts,path", [
    pytest.param(["global", "S3", "Bucket"], "global.S3.Bucket", id="keys"),
    pytest.param(["enclaveos-chart", "Backup", "ImagePullSecrets", 0], "enclaveos-chart.Backup.ImagePullSecrets[0]",
                 id="list-index"),
    pytest.param(["global", "S3\nx"], 'global."S3\\nx"', id="key-with-line-break"),
    pytest.param(["global", True, None, 1.5], "global.true.null.1.5", id="keys-of-other-types"),
    pytest.param([], "", id="nothing"),
])
def test_value_path(parts: list[Any], path: str) -> None:
    assert value_path(parts) == path


def guarded(raise_it: Callable[[], int], helm4: bool, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.guarded(raise_it, helm4)
    out, err = capsys.readouterr()
    return code, out, err


def fail(error: Exception) -> Callable[[], int]:
    def action() -> int:
        raise error
    return action


@pytest.mark.parametrize("error,code,lines", [
    pytest.param(InvalidValues([Problem("a.b", None, "x\ny"), Problem("c", '"\\u001b"', "z\x1b[2J")]), 3,
                 ["a.b: x\\ny", 'c: "\\u001b": z\\u001b[2J'], id="problems"),
    pytest.param(DatashieldError("kubectl said:\nline two\r\n"), 1, ["kubectl said:\\nline two\\r\\n"],
                 id="error-with-line-breaks"),
    pytest.param(ValueError("bad\x85value"), 70,
                 ["unexpected error (ValueError: bad\\u0085value); run with HELM_DEBUG=true for details and report it"],
                 id="a-bug"),
])
def test_guarded_prints_each_line_as_one_line(error: Exception, code: int, lines: list[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert guarded(fail(error), False, capsys) == (code, "", "".join(f"[helm-datashield] {line}\n" for line in lines))


# Characters that end a line, move the cursor, or are not printable, as values may hold them.
CONTROL = [*map(chr, range(0x20)), "\x7f", *map(chr, range(0x80, 0xa0)), "\u00a0", "\u2028", "\u2029", "\ufeff",
           "\ufffe", "\udcff", "\U000e0001"]
# (path, a valid value): each gets every control character at its end, at its start and inside.
VALUES = [(SCHEDULE, "0 0 * * 1"), (SCHEDULE, "@every 6h"), (SCHEDULE, "*/5 * * JAN MON"), (BUCKET, "acme-backups"),
          (ENDPOINT, "https://s3.example.com"), (ZONE, "Europe/Berlin"), ("enclaveos-chart.Restore.Backup", "latest"),
          ("enclaveos-chart.Backup.Images.Database.Tag", "v20.1.17"), ("global.S3.Bu\x1bcket", "x")]


def generated() -> list[dict[str, Any]]:
    cases = []
    for path, good in VALUES:
        for control in CONTROL:
            for bad in (good + control, control + good, good[:2] + control + good[2:]):
                cases.append(with_value(path, bad, RESTORE_LATEST if "Restore" in path else BASE))
    return cases


def test_every_problem_is_one_line_and_helm4_reads_the_lines_back(capsys: pytest.CaptureFixture[str]) -> None:
    """Helm 4 shows the post-renderer's stdout only if it is YAML: the block scalar of the lines,
    for every problem of every generated value, loads to exactly the lines on stderr."""
    checked = 0
    for values in generated():
        found = problems(values)
        if not found:
            continue  # white space that Kubernetes reads as such (a schedule's trailing "\n" is fine)
        code, out, err = guarded(fail(InvalidValues(found)), True, capsys)
        shown = err.splitlines()
        assert (code, len(shown)) == (0, len(found)), err
        assert all(line.isprintable() for line in shown), err
        assert yaml.safe_load(out) == "\n".join(shown)
        checked += 1
    assert checked > 1800

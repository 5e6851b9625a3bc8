"""block_yaml: one case per rule of the subset, what it must refuse, the documents of the
golden streams, and that reading the chart's documents imports none of the slow modules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from renderer.block_yaml import NotInSubset, load
from tests.conftest import ROOT

LOADS: list[tuple[str, Any]] = [
    ("", None),
    ("# only a comment\n", None),
    ("---\n", None),
    ("--- # c\na: 1\n", {"a": 1}),
    ("---  \n# Source: x/y.yaml\na: b\n", {"a": "b"}),
    ("a: b\nc: d", {"a": "b", "c": "d"}),  # no final newline
    ("  a: 1\n  b: 2\n", {"a": 1, "b": 2}),  # the top node may be indented
    ("a: b\na: c\n", {"a": "c"}),  # duplicate keys: the last wins, in the first place
    ("b: 1\na: 2\n", {"b": 1, "a": 2}),  # key order
    ("a :  b  \n", {"a": "b"}),
    ("a:\nb:   \nc: # comment\n", {"a": None, "b": None, "c": None}),
    ("a: yes\nb: No\nc: OFF\nd: true\ne: FALSE\nf: on\n", dict(a=True, b=False, c=False, d=True, e=False, f=True)),
    ("a: null\nb: Null\nc: NULL\nd: ~\n", dict(a=None, b=None, c=None, d=None)),
    ("a: yES\nb: y\nc: nil\n", {"a": "yES", "b": "y", "c": "nil"}),
    ("a: 0\nb: 26257\nc: -12\n", {"a": 0, "b": 26257, "c": -12}),
    ("a: 100m\nb: 512Mi\nc: 2Gi\n", {"a": "100m", "b": "512Mi", "c": "2Gi"}),
    ("a: -ec\nb: --insecure\nc: /health?ready=1\nd: $(hostname -f)\n",
     {"a": "-ec", "b": "--insecure", "c": "/health?ready=1", "d": "$(hostname -f)"}),
    ("a: b:c\nb: x#y\nc: x # y\nd: a  b\n", {"a": "b:c", "b": "x#y", "c": "x", "d": "a  b"}),
    ("a: 'it''s'\nb: '1'\nc: ''\n", {"a": "it's", "b": "1", "c": ""}),
    ('a: "1.0.0"\nb: "x: #y" # c\nc: ""\n', {"a": "1.0.0", "b": "x: #y", "c": ""}),
    ('a: "q\\"\\\\"\n', {"a": 'q"\\'}),
    ("a: {}\nb: []\nc: { }\n", {"a": {}, "b": [], "c": {}}),
    ('v: {"x":{"B":{"C":"0 0 * * *"},"R":{}},"g":[1,-2,true,null,"s"]} # c\n',
     {"v": {"x": {"B": {"C": "0 0 * * *"}, "R": {}}, "g": [1, -2, True, None, "s"]}}),
    ("a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", {"a": {"b": {"c": 1}, "d": 2}, "e": 3}),
    ("- a\n- 1\n-\n- ~\n", ["a", 1, None, None]),
    ("a:\n  - x\n  - y\n", {"a": ["x", "y"]}),
    ("a:\n- x\n- y\nb: 1\n", {"a": ["x", "y"], "b": 1}),  # indentless, as charts write it
    ("- name: a\n  port: 1\n-   name: b\n    port: 2\n", [{"name": "a", "port": 1}, {"name": "b", "port": 2}]),
    ("- a:\n  - x\n  b: 1\n", [{"a": ["x"], "b": 1}]),
    ("-\n  a: 1\n- - x\n  - y\n", [{"a": 1}, ["x", "y"]]),
    ("a: |\n  x\n   y\nb: 1\n", {"a": "x\n y\n", "b": 1}),
    ("a: |-\n  # kept\n  x\n", {"a": "# kept\nx"}),
    ("- >-\n  exec x\n  --y \n  --z\n", ["exec x --y  --z"]),
    ("a: >\n    x\n    y\n  # a comment after\nb: 1\n", {"a": "x y\n", "b": 1}),
    ("a: 1\n\n# c\n   # c\nb: 2\n", {"a": 1, "b": 2}),
]

REFUSED = [
    "a: 1\n---\nb: 2\n",  # two documents
    "--- a\n",
    "a: 1\n...\n",
    "a: 1\r\n",
    "a:\tb\n",
    "\ufeffa: 1\n",
    "a: é\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "? a\n: b\n",
    "<<: {}\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: b\n  c\n",  # a continuation line
    "a: 'b\n  c'\n",
    "a: b: c\n",
    "a: b:\n",
    "a: - b\n",
    "a: @b\n",
    "just a scalar\n",
    "a:\n  b\n",
    "on: 1\n",  # a key that is not a string: {True: 1}
    "1: a\n",
    '"a": 1\n',
    "a: 1.5\nb: 1e5\nc: .inf\n",
    "a: 010\n",  # octal
    "a: 1_000\n",
    "a: 1:30\n",  # sexagesimal
    "a: 2001-12-14\n",
    "a: 0x1f\n",
    "a: =\n",
    "a: <<\n",
    "a: +1\n",
    'a: "\\n"\n',
    'a: {"b": 1.5}\n',
    'a: {"b": NaN}\n',
    'a: {"b": "\\/"}\n',
    "a: {b: 1}\n",  # YAML flow, not JSON
    'a: {"b": 1} x\n',
    'a: "b"c\n',
    "a: |+\n  x\n",
    "a: |2\n  x\n",
    "a: >\n  x\n    y\n",  # a more indented line in a folded scalar
    "a: |\n  x\n\n  y\n",
    "a: |\n  x",
    "a: |\nb: 1\n",
    "a: 1\n b: 2\n",
    "- a\nb: 1\n",
    "a: [1,\n  2]\n",
    "k" * 1030 + ": v\n",
]


@pytest.mark.parametrize("text,expected", LOADS)
def test_loads_what_pyyaml_loads(text: str, expected: Any) -> None:
    assert repr(yaml.load(text, Loader=yaml.CSafeLoader)) == repr(expected)  # the table itself is right
    assert repr(load(text)) == repr(expected)  # repr: True is not 1, and key order counts


@pytest.mark.parametrize("text", REFUSED)
def test_refuses_outside_the_subset(text: str) -> None:
    with pytest.raises(NotInSubset):
        load(text)


def golden_documents() -> list[tuple[str, str]]:
    return [(f"{path.parent.name}#{n}", doc) for path in sorted((ROOT / "tests" / "golden").glob("*/in.yaml"))
            for n, doc in enumerate(re.split(r"(?m)^(?=---)", path.read_text(encoding="utf-8"))) if doc.strip()]


@pytest.mark.parametrize("name,text", golden_documents())
def test_golden_documents_load_as_pyyaml_or_are_refused(name: str, text: str) -> None:
    expected = yaml.load(text, Loader=yaml.CSafeLoader)
    try:
        got = load(text)
    except NotInSubset:
        return
    assert repr(got) == repr(expected)


def chart_documents() -> list[str]:
    """The documents the post-renderer reads: the values carrier, the manager and the database."""
    docs = re.split(r"(?m)^(?=---)", (ROOT / "tests" / "golden" / "backup" / "in.yaml").read_text(encoding="utf-8"))
    wanted = ("kind: DatashieldBackupValues\n", "kind: Deployment\n", "kind: StatefulSet\n")
    found = [next(d for d in docs if kind in d) for kind in wanted]
    assert "name: ds-enclaveos-manager\n" in found[1] and "name: ds-enclaveos-cockroachdb\n" in found[2]
    return found


@pytest.mark.parametrize("text", chart_documents(), ids=["carrier", "manager", "cockroachdb"])
def test_chart_documents_load(text: str) -> None:
    assert repr(load(text)) == repr(yaml.load(text, Loader=yaml.CSafeLoader))


def test_reading_the_chart_documents_imports_no_slow_module(tmp_path: Path) -> None:
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from renderer.block_yaml import load\n"
            "for path in sys.argv[2:]: load(open(path).read())\n"
            "print(' '.join(m for m in ('yaml', 'typing', 'dataclasses')"
            " if m in sys.modules))")
    paths = []
    for n, text in enumerate(chart_documents()):
        (tmp_path / f"{n}.yaml").write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / f"{n}.yaml"))
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code, str(ROOT), *paths],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""

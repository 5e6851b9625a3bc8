"""Property-based tests of renderer.block_yaml (Hypothesis): for every generated text,
`load` gives exactly what PyYAML's CSafeLoader gives (same types, values and key order),
or raises NotInSubset; and it raises NotInSubset whenever PyYAML fails.

Texts come from a grammar of block YAML that walks the edges (indentation changes,
indentless sequences, `- key: value`, comments, quotes, scalars that look like numbers,
bools, dates, octal or sexagesimal, `: ` and ` #` inside values, JSON flow values with
floats and escapes, block scalars), then some are broken on purpose (tabs, CRLF, anchors,
continuation lines, non-ASCII, markers). A share of the grammar's texts must actually load,
so that refusing everything cannot pass. Deterministic (derandomized); each test prints
how many texts it tried and loaded (pytest -s).
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renderer.block_yaml import NotInSubset, load

EXAMPLES = 600
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

SCALARS = [
    "abc", "a b", "yes", "No", "ON", "off", "y", "n", "True", "FALSE", "tRUE", "null", "Null", "NULL", "~",
    "0", "00", "07", "08", "0o7", "0x1F", "0b101", "1_000", "-1", "+1", "-0", "12", "-12", "1.5", ".5", "1.",
    "1e5", "1.0e+5", ".inf", "-.inf", ".NaN", "1:30", "-1:30", "190:20:30", "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2002-12-14 21:59:43", "2001-02-30", "100m", "512Mi", "1Gi", "1d", "1e", "1x", "9" * 120, "=", "<<", "<a", "a: b",
    "a:b", "a #b", "a#b", "a:", "-", "- a", "-a", "--x", "-.5", "-e", "http://x:80/y", "$(hostname -f)", "10%",
    "@a", "`a`", "!tag a", "&a b", "*a", "%x", "? x", ": x", "[a]", "{a}", "a,b", "a]", "'", '"', "é", "a\tb",
    "/a", "_a", "(a)", "^a", ";a", "\\a", "~a", "=a", "|", ">", "|-", ".a", "+a", "a  b", "x" * 1030,
]
# Most scalars and keys are ones the subset reads, so that a text often survives whole.
NICE = ["abc", "a b", "12", "0", "-3", "true", "No", "null", "~", "100m", "512Mi", "v1.2", "/tmp", "-ec", "x  y",
        "$(x)", "a:b", "a#b", "http://a/b", "-"]
KEYS = ["name", "a", "b", "kind", "on", "Yes", "null", "1", "0x1", "1.5", "a b", "a:b", "-a", "a#b", "app.io/name",
        "<<", "=", "~", "'q'", '"q"', "? k", "&a k", "k" * 1030, "*a", "[k]", "{k}", "", "1Gi", "_k", "/k"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=True)
    | st.text(st.sampled_from("ab /#:,{}[]") | st.sampled_from("\\\"'é\u2028\t"), max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("ab:# ", max_size=3), inner, max_size=3),
    max_leaves=6)
# Lines that break the subset (or YAML) when inserted anywhere.
WEIRD_LINES = ["  continued", "\tkey: v", "&a", "*a", "---", "...", "%YAML 1.1", "? k", ": v", "- x", "k: v",
               "  - x", "# a comment", "", "   ", "  # indented comment", "k: |", "a: &x 1", "b: *x", "<<: {a: 1}",
               "k: !!str 1", "k: [1,", "é: v", "  k:", "    k: v"]
WEIRD_CHARS = ["\t", "\r", "é", "\u2028", "&", "*", "!", "#", " #", ":", ": ", " ", "\"", "'", "\\", "|", ">", "-",
               "- ", "[", "{", "}", "%", "@", "`", ",", "?", "\n", "\n  ", "\x00", "\x7f", "\ufeff"]


def rarely(draw: st.DrawFn, n: int) -> bool:
    """True about once in n draws: Hypothesis favours the bounds of a range, so not the bound 0."""
    return draw(st.integers(0, n - 1)) == n // 2


def flow_text(value: Any, compact: bool, ascii_only: bool) -> str:
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(value, separators=separators, ensure_ascii=ascii_only)


@st.composite
def scalar(draw: st.DrawFn) -> str:
    """A scalar as it may appear after `key: ` or `- `."""
    s = draw(st.sampled_from(NICE) if draw(st.integers(0, 3)) else st.sampled_from(SCALARS)
             | st.text(st.sampled_from("ab01_.:-+ #'\"yYnN~eE"), min_size=1, max_size=6))
    form = draw(st.sampled_from(["plain"] * 12 + ["single", "double", "double", "escape", "flow", "flow",
                                                   "flow-container"]))
    if form == "single":
        s = "'" + s.replace("'", "''") + "'"
    elif form == "double":
        s = '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif form == "escape":
        s = '"' + draw(st.sampled_from(["\\n", "\\t", "\\/", "\\x41", "\\u00e9", "\\ ", "\\", "\\'"])) + s + '"'
    elif form == "flow":
        s = flow_text(draw(JSON), draw(st.booleans()), draw(st.booleans()))
    elif form == "flow-container":
        s = draw(st.sampled_from(["{}", "[]", "{ }", "[ ]", '{"a":{}}', '[[]]', '{"a": [1, {"b": null}]}', "[a, b]",
                                  "{a: 1}", '{"a":1}x', '{"a":1} #c', '["a",]', "[1.5]", '{"a":"b"}:']))
    if rarely(draw, 6):
        s += draw(st.sampled_from([" # comment", "#no-comment", "   ", " #", "  # a: b"]))
    return s


@st.composite
def block_scalar(draw: st.DrawFn, step: int) -> list[str]:
    """A block scalar's header (without the key) and its lines, relative to the parent's column."""
    header = draw(st.sampled_from(["|", "|-", ">", ">-"] * 3 + ["|+", ">2", "| # c", "|x", "|  ", "|#"]))
    body = draw(st.lists(st.sampled_from(["text", "a b", "k: v", "- i", "# not a comment"] * 3
                                         + ["  indented", "", "   ", "x  "]), min_size=1, max_size=4))
    return [header] + [(" " * step + line) if line else line for line in body]


@st.composite
def node(draw: st.DrawFn, depth: int) -> list[str]:
    """A block mapping or sequence, as lines relative to its own column."""
    lines: list[str] = []
    if draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            key = draw(st.sampled_from(KEYS[:4]) if draw(st.integers(0, 9)) else st.sampled_from(KEYS))
            key += draw(st.sampled_from([":"] * 6 + [" :", ":  "]))
            lines += item(draw, key, depth, indentless=True)
    else:
        for _ in range(draw(st.integers(1, 3))):
            lines += item(draw, "-", depth, indentless=False)
    return lines


def item(draw: st.DrawFn, head: str, depth: int, indentless: bool) -> list[str]:
    """A mapping entry (`head` is `key:`) or a sequence entry (`head` is `-`) and what follows it."""
    kind = draw(st.sampled_from(["scalar"] * 3 + ["empty", "block", "nested", "nested", "inline"]))
    if depth > 2 and kind in ("nested", "inline"):
        kind = "scalar"
    step = draw(st.sampled_from([2, 2, 2, 1, 3, 4]))
    if kind == "scalar":
        return [head + " " + draw(scalar())]
    if kind == "empty":
        return [head + draw(st.sampled_from(["", " ", " # c"]))]
    if kind == "block":
        header, *body = draw(block_scalar(step))
        return [head + " " + header, *body]
    child = draw(node(depth + 1))
    if kind == "inline" and head == "-":  # `- key: value`, the mapping going on at the column after `- `
        pad = " " * draw(st.sampled_from([1, 1, 2]))
        return [head + pad + child[0]] + [" " * (1 + len(pad)) + line for line in child[1:]]
    if indentless and child[0].startswith("-") and draw(st.booleans()):
        step = 0  # `key:` then `- item` at the key's column
    return [head] + [" " * step + line for line in child]


def mutate(draw: st.DrawFn, lines: list[str]) -> str:
    """Sometimes break the text on purpose."""
    for _ in range(draw(st.sampled_from([0] * 6 + [1, 2]))):
        at = draw(st.integers(0, len(lines)))
        how = draw(st.sampled_from(["line", "char", "shift", "dup"]))
        if how == "line":
            lines.insert(at, draw(st.sampled_from(WEIRD_LINES)))
        elif at < len(lines):
            line = lines[at]
            if how == "char":
                cut = draw(st.integers(0, len(line)))
                lines[at] = line[:cut] + draw(st.sampled_from(WEIRD_CHARS)) + line[cut:]
            elif how == "shift":
                lines[at] = line[1:] if line.startswith(" ") and draw(st.booleans()) else " " + line
            else:
                lines.insert(at, line)
    text = "\n".join(lines)
    if rarely(draw, 30):
        text = text.replace("\n", "\r\n")
    return text


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = draw(node(0))
    indent = " " * draw(st.sampled_from([0, 0, 0, 0, 1]))
    lines = [indent + line if line else line for line in lines]
    prefix = draw(st.sampled_from([[], [], ["---"], ["---", "# Source: x/y.yaml"], ["# c", "--- "], ["--- # c"],
                                   ["--- a"]]))
    lines = prefix + lines
    text = mutate(draw, lines)
    return text + draw(st.sampled_from(["\n"] * 8 + ["", "\n\n", "\n# end\n", "\n...\n", "\n---\n"]))


def pyyaml(text: str) -> tuple[bool, Any]:
    try:
        return True, yaml.load(text, Loader=yaml.CSafeLoader)
    except Exception:  # any failure: a YAMLError, or a constructor's ValueError (a bad date)
        return False, None


def check(text: str) -> bool:
    """The property; whether the text was loaded."""
    ok, expected = pyyaml(text)
    try:
        got = load(text)
    except NotInSubset:
        return False
    assert ok, f"PyYAML rejects {text!r}, block_yaml gave {got!r}"
    assert repr(got) == repr(expected), f"{text!r}: {got!r} != {expected!r}"  # repr: True is not 1
    return True


def test_grammar_texts_load_as_pyyaml_or_are_refused() -> None:
    loaded: list[bool] = []

    @SETTINGS
    @given(documents())
    def prop(text: str) -> None:
        loaded.append(check(text))

    prop()
    print(f"block_yaml fuzz: {len(loaded)} texts from the grammar tried, {sum(loaded)} loaded")
    assert len(loaded) >= EXAMPLES // 2
    assert sum(loaded) >= 0.3 * len(loaded), f"only {sum(loaded)} of {len(loaded)} loaded"


def test_short_texts_of_yaml_characters_load_as_pyyaml_or_are_refused() -> None:
    loaded: list[bool] = []

    @SETTINGS
    @given(st.text(st.sampled_from(" \n-:#'\"ab01yn~|>{}[],&*!?%\t\r\\."), max_size=24))
    def prop(text: str) -> None:
        loaded.append(check(text))

    prop()
    print(f"block_yaml fuzz: {len(loaded)} short texts tried, {sum(loaded)} loaded")
    assert len(loaded) >= EXAMPLES // 2

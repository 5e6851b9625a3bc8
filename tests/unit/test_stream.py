"""renderer/postrender/stream.py splits documents exactly as the regular expressions it replaced (and
that read the YAML spec's document markers) did, and classifies every document by `kind` as
PyYAML reads it (JSON, flow style, indentation, quoting, escapes): checked on generated streams."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from renderer.postrender.manifest_yaml import manifest_loader
from renderer.postrender.stream import split

# The definitions the hand-written search replaced: the reference.
SEPARATOR = re.compile(rb"\n---(?=[ \t]|\r?$)", re.MULTILINE)
PIECES = [b"\n", b"---", b"-", b" ", b"\t", b"\r", b"kind:", b"Kind", b"'", b'"', b"x", b"a1", b"\n---\n", b"\xc3\xa9"]
STREAMS = st.lists(st.sampled_from(PIECES), max_size=16).map(b"".join)


def reference_bounds(source: bytes) -> list[tuple[int, int]]:
    starts = [0, *(match.start() + 1 for match in SEPARATOR.finditer(source))]
    return [(a, b) for a, b in pairwise([*starts, len(source)]) if b > a]


@settings(max_examples=2000, derandomize=True)
@given(STREAMS)
def test_split_and_kind_match_the_reference(source: bytes) -> None:
    documents = split(source)
    assert [(d.start, d.end) for d in documents] == reference_bounds(source)
    assert b"".join(source[d.start:d.end] for d in documents) == source


# Whole documents, as a chart or a generator may write them (JSON is YAML): {k} is the kind,
# {x} and {u} the kind spelt with a \\x or \\u escape in its first letter.
DOCUMENTS = [
    "apiVersion: v1\nkind: {k}\n", "kind: '{k}'\n", 'kind: "{k}"\n', "kind:    {k}   # comment\n",
    "  apiVersion: v1\n  kind: {k}\n", "    kind: {k}\n    metadata:\n      name: x\n",
    '{{"kind": "{k}"}}\n', '{{\n  "apiVersion": "v1",\n  "kind": "{k}"\n}}\n', "{{kind: {k}, a: [1, 2]}}\n",
    '"kind": "{k}"\n', 'kind: "{x}"\n', 'kind: "{u}"\n', '{{"kind": "{u}"}}\n', "? kind\n: {k}\n",
    "kind: !!str {k}\n", "kind: &a {k}\n", "kind: {k}\nkind: Other\n", "kind: Other\nkind: {k}\n",
    # not of that kind
    "spec:\n  kind: {k}\n", "data:\n  x: |\n    kind: {k}\n", "# kind: {k}\n", "kind: [{k}]\n",
    "- kind: {k}\n", "kind: {k}x\n", "kind: x{k}\n", "kind: {k}\n  more\n", 'kind: "\\x00{k}"\n',
    # not YAML
    "kind: {k}\nmetadata: {{name: [unclosed\n", 'kind: "{k}\n', 'kind: "{x}\n',
    "kind: {k}\nx: !!python/name:os.system\n",
    # YAML that Kubernetes reads and PyYAML's safe loader alone would refuse
    "kind: {k}\ndata: {{op: =}}\n", "kind: {k}\nv: !vault secret/x\n", "kind: !custom {k}\n",
]
KINDS = ["Deployment", "StatefulSet", "DatashieldBackupValues"]


def parsed_kind_is(text: str, kind: str) -> bool | None:
    """The reference: PyYAML's answer (with the values Kubernetes reads and PyYAML's safe loader
    refuses read as strings), None when the document is not valid YAML."""
    try:
        data = yaml.load(text, Loader=manifest_loader())
    except yaml.YAMLError:
        return None
    return isinstance(data, dict) and data.get("kind") == kind


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_document_is_of_a_kind_exactly_when_a_yaml_parser_says_so(document: str, kind: str) -> None:
    text = document.format(k=kind, x=f"\\x{ord(kind[0]):02x}{kind[1:]}", u=f"\\u{ord(kind[0]):04x}{kind[1:]}")
    for stream in (text, "---\n# Source: c/t.yaml\n" + text):
        [parsed] = split(stream)
        expected = parsed_kind_is(stream, kind)
        if expected is None:  # not YAML: of no kind, and the reason is kept for the messages
            assert parsed.is_kind(kind) is False
            assert re.match(r"document 1 on stdin is not valid YAML: line \d+", parsed.unreadable() or "")
        else:
            assert parsed.is_kind(kind) is expected, stream

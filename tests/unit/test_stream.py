"""renderer/stream.py splits and classifies documents exactly as the regular expressions it
replaced (and that read the YAML spec's document markers) did: checked on generated streams."""

from __future__ import annotations

import re
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from renderer.stream import Document, split

# The definitions the hand-written search replaced: the reference.
SEPARATOR = re.compile(rb"\n---(?=[ \t]|\r?$)", re.MULTILINE)
TOP_LEVEL_KIND = re.compile(rb"^kind:[ \t]*['\"]?([A-Za-z0-9]+)", re.MULTILINE)
PIECES = [b"\n", b"---", b"-", b" ", b"\t", b"\r", b"kind:", b"Kind", b"'", b'"', b"x", b"a1", b"\n---\n", b"\xc3\xa9"]
STREAMS = st.lists(st.sampled_from(PIECES), max_size=16).map(b"".join)


def reference_bounds(source: bytes) -> list[tuple[int, int]]:
    starts = [0, *(match.start() + 1 for match in SEPARATOR.finditer(source))]
    return [(a, b) for a, b in pairwise([*starts, len(source)]) if b > a]


def reference_kind(document: Document) -> str | None:
    match = TOP_LEVEL_KIND.search(document.source, document.start, document.end)
    return match.group(1).decode("ascii") if match else None


@settings(max_examples=2000, derandomize=True)
@given(STREAMS)
def test_split_and_kind_match_the_reference(source: bytes) -> None:
    documents = split(source)
    assert [(d.start, d.end) for d in documents] == reference_bounds(source)
    assert [d.kind for d in documents] == [reference_kind(d) for d in documents]
    assert b"".join(source[d.start:d.end] for d in documents) == source

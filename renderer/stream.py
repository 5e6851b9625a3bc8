"""Splitting the rendered manifest stream into documents and joining it back, byte for byte.

A document keeps its own `---` line and any `# Source:` comment, so joining the
untouched documents gives back exactly the input. Documents are parsed only when
someone asks (`Document.data`): a post-renderer pays for every document it reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from .errors import InvalidManifests

# Bytes, not text: a large stream is never decoded as a whole, only the documents that are read.
# A separator is a line `---` (maybe followed by blanks or more); searched with its newline
# in front, since a leading literal lets the regex engine skip ahead (`^` makes it try every byte).
SEPARATOR = re.compile(rb"\n---(?=[ \t]|\r?$)", re.MULTILINE)
UNKNOWN: Any = object()
TOP_LEVEL_KIND = re.compile(rb"^kind:[ \t]*['\"]?([A-Za-z0-9]+)", re.MULTILINE)
HELM4_FILENAME = "postrenderer.helm.sh/postrender-filename"


@dataclass(eq=False, slots=True)
class Document:
    """One document of the stream: where its exact bytes are in the stream, and its position for messages."""

    source: bytes = field(repr=False)
    start: int
    end: int
    index: int
    _data: Any = field(default=None, repr=False)
    _kind: Any = field(default=UNKNOWN, repr=False)

    @property
    def text(self) -> str:
        """The document's exact text (the stream is known to be UTF-8)."""
        return self.source[self.start:self.end].decode("utf-8")

    @property
    def kind(self) -> str | None:
        """The top-level `kind`, read without parsing the document."""
        if self._kind is UNKNOWN:
            match = TOP_LEVEL_KIND.search(self.source, self.start, self.end)
            self._kind = match.group(1).decode("ascii") if match else None
        kind: str | None = self._kind
        return kind

    def mentions(self, word: str) -> bool:
        """Whether `word` occurs in the document's text, or an escape (backslash) that might spell it."""
        return any(self.source.find(needle, self.start, self.end) >= 0 for needle in (word.encode(), b"\\"))

    @property
    def data(self) -> Any:
        """The parsed document (parsed once, on first use)."""
        if self._data is None:
            import yaml  # only the documents that are read pay for the parser

            try:
                self._data = yaml.load(self.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            except yaml.YAMLError as exc:
                raise InvalidManifests(f"document {self.index + 1} on stdin is not valid YAML: "
                                       f"{describe_yaml_error(exc)}") from None
        return self._data

    def metadata(self) -> dict[str, Any]:
        """The document's `metadata` mapping (empty when it has none)."""
        data = self.data
        meta = data.get("metadata") if isinstance(data, dict) else None
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata().get("name", ""))


def describe_yaml_error(exc: Exception) -> str:
    """A YAML parser error as `line L, column C: what is wrong`, on one line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())


def split(stream: bytes | str) -> list[Document]:
    """The documents of `stream`, each starting at its `---` line (the first may have none)."""
    source = stream.encode("utf-8") if isinstance(stream, str) else stream
    starts = [0, *(m.start() + 1 for m in SEPARATOR.finditer(source))]
    bounds = [*starts, len(source)]
    return [Document(source, a, b, i) for i, (a, b) in enumerate((a, b) for a, b in pairwise(bounds) if b > a)]


def assemble(pieces: Iterable[Document | str]) -> Iterator[tuple[bytes, int, int]]:
    """The output stream as slices `(bytes, start, end)`: documents as they came (neighbours in
    one slice of the input), new texts encoded.

    Each piece starts on a line of its own. Untouched documents are never copied:
    a large stream costs little more memory than the input itself.
    """
    segments: list[list[Any]] = []  # [bytes, start, end]
    for piece in pieces:
        if isinstance(piece, str):
            data = piece.encode("utf-8")
            segments.append([data, 0, len(data)])
        elif segments and segments[-1][0] is piece.source and segments[-1][2] == piece.start:
            segments[-1][2] = piece.end
        else:
            segments.append([piece.source, piece.start, piece.end])
    ends_line = True
    for data, start, end in segments:
        if not ends_line:
            yield b"\n", 0, 1
        yield data, start, end
        ends_line = data[end - 1:end] == b"\n"


def uses_helm4_filenames(stream: bytes) -> bool:
    """True when Helm 4 annotated the documents with the file they came from."""
    return HELM4_FILENAME.encode() in stream

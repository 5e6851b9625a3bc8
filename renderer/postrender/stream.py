"""Splitting the rendered manifest stream into documents and joining it back, byte for byte.

A document keeps its own `---` line and any `# Source:` comment, so joining the
untouched documents gives back exactly the input. Documents are parsed only when
someone asks (`Document.data`): a post-renderer pays for every document it reads.
"""

from __future__ import annotations

from renderer.errors import InvalidManifests

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any

# Bytes, not text: a large stream is never decoded as a whole, only the documents that are read.
# Searched with bytes.find: a separator is a line `---`, maybe followed by blanks or more.
SEPARATOR = b"\n---"
SEPARATOR_ENDS = frozenset(b" \t\r\n")  # and a \r only before \n or the end
CR, LF = ord("\r"), ord("\n")
ESCAPE = b"\\"  # a YAML double-quoted scalar can spell any word with escapes
HELM4_FILENAME = "postrenderer.helm.sh/postrender-filename"


class Document:
    """One document of the stream: where its exact bytes are in the stream, and its position for messages."""

    __slots__ = ("_data", "_error", "end", "index", "source", "start")

    def __init__(self, source: bytes, start: int, end: int, index: int) -> None:
        self.source, self.start, self.end, self.index = source, start, end, index
        self._data: Any = None
        self._error: str | None = None  # why the parser cannot read it, once known

    def __repr__(self) -> str:
        return f"Document(start={self.start}, end={self.end}, index={self.index})"

    @property
    def text(self) -> str:
        """The document's exact text (the stream is known to be UTF-8)."""
        return self.source[self.start:self.end].decode("utf-8")

    @property
    def kind(self) -> str | None:
        """The top-level `kind` as a YAML parser reads it (the document is parsed), or None."""
        data = self.data
        kind = data.get("kind") if isinstance(data, dict) else None
        return kind if isinstance(kind, str) else None

    def is_kind(self, kind: str) -> bool:
        """Whether the document's top-level `kind` is `kind`, as a YAML parser reads it.

        JSON, flow style, indentation, quoting, escapes: whatever YAML allows is read by the
        parser. Only a document that cannot spell `kind` at all (neither the word nor an escape)
        is answered without parsing, which is most documents of a large stream. A document the
        parser cannot read is of no kind (`unreadable` says why, for the messages that list
        what was found): Helm and Kubernetes refuse a stream that really is not YAML.
        """
        if self.source.find(kind.encode(), self.start, self.end) < 0 and \
                self.source.find(ESCAPE, self.start, self.end) < 0:
            return False
        return self.unreadable() is None and self.kind == kind

    def unreadable(self) -> str | None:
        """Why the parser cannot read the document, or None when it can."""
        try:
            self.data  # noqa: B018 (parsed for its error)
        except InvalidManifests as error:
            return str(error)
        return None

    def mentions(self, word: str) -> bool:
        """Whether `word` occurs in the document's text, or an escape (backslash) that might spell it."""
        return any(self.source.find(needle, self.start, self.end) >= 0 for needle in (word.encode(), ESCAPE))

    @property
    def data(self) -> Any:
        """The parsed document (parsed once, on first use; a document that cannot be read raises
        InvalidManifests each time it is asked for, without being parsed again)."""
        if self._error is not None:
            raise InvalidManifests(self._error)
        if self._data is None:
            from renderer.postrender.manifest_yaml import parse  # only the documents that are read pay for it

            try:
                self._data = parse(self.text)
            except ValueError as exc:
                self._error = f"document {self.index + 1} on stdin is not valid YAML: {exc}"
                raise InvalidManifests(self._error) from None
        return self._data

    def metadata(self) -> dict[str, Any]:
        """The document's `metadata` mapping (empty when it has none)."""
        data = self.data
        meta = data.get("metadata") if isinstance(data, dict) else None
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata().get("name", ""))


def split(stream: bytes | str) -> list[Document]:
    """The documents of `stream`, each starting at its `---` line (the first may have none)."""
    source = stream.encode("utf-8") if isinstance(stream, str) else stream
    documents: list[Document] = []
    start, size = 0, len(source)
    found = source.find(SEPARATOR)
    while found >= 0:
        after = found + len(SEPARATOR)
        if after == size or (source[after] in SEPARATOR_ENDS and (
                source[after] != CR or after + 1 == size or source[after + 1] == LF)):
            if found + 1 > start:
                documents.append(Document(source, start, found + 1, len(documents)))
            start = found + 1
        found = source.find(SEPARATOR, after)
    if size > start:
        documents.append(Document(source, start, size, len(documents)))
    return documents


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

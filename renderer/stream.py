"""Splitting the rendered manifest stream into documents and joining it back, byte for byte.

A document keeps its own `---` line and any `# Source:` comment, so joining the
untouched documents gives back exactly the input. Documents are parsed only when
someone asks (`Document.data`): a post-renderer pays for every document it reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from .errors import InvalidManifests

SEPARATOR = re.compile(r"^---(?=[ \t]|\r?$)", re.MULTILINE)
TOP_LEVEL_KIND = re.compile(r"^kind:[ \t]*['\"]?([A-Za-z0-9]+)", re.MULTILINE)
HELM4_FILENAME = "postrenderer.helm.sh/postrender-filename"


@dataclass
class Document:
    """One document of the stream: its exact text, and its position for messages."""

    text: str
    index: int
    _data: Any = field(default=None, repr=False)

    @property
    def kind(self) -> str | None:
        """The top-level `kind`, read without parsing the document."""
        match = TOP_LEVEL_KIND.search(self.text)
        return match.group(1) if match else None

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


def split(text: str) -> list[Document]:
    """The documents of `text`, each starting at its `---` line (the first may have none)."""
    starts = [m.start() for m in SEPARATOR.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(text)]
    chunks = [text[a:b] for a, b in pairwise(bounds)]
    return [Document(chunk, i) for i, chunk in enumerate(chunks) if chunk]


def join(texts: list[str]) -> str:
    """The stream of `texts`; each starts on a line of its own."""
    out = ""
    for text in texts:
        if out and not out.endswith("\n"):
            out += "\n"
        out += text
    return out


def uses_helm4_filenames(text: str) -> bool:
    """True when Helm 4 annotated the documents with the file they came from."""
    return HELM4_FILENAME in text

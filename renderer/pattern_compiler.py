"""Compiling the regular expressions of `schemas/values.schema.json` (and `EXTRA_PATTERNS`)
ahead of time to the code of Python's regex engine (`_sre`), written to
`renderer/compiled_patterns.py` (generated and checked in), so that checking a value
against a pattern needs neither `re` nor `enum`: importing them cost about 6 ms on every
helm call. `renderer/patterns.py` builds the pattern objects from that code.

The code is what `re.compile` itself hands to `_sre.compile` (CPython's
`re._compiler.compile`), so it is valid only for the engine it came from: the generated
module records `_sre.MAGIC`, `_sre.CODESIZE`, the Python version and the byte order, and
any other Python compiles with `re` instead. After changing a pattern of the schema or
`EXTRA_PATTERNS`, or the Python version (a test checks that the module is current),
regenerate it with:

    .venv/bin/python -m renderer.pattern_compiler > renderer/compiled_patterns.py
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # typeshed has no stub for the engine
import sys
import textwrap
from collections.abc import Iterator
from re import _compiler, _parser  # type: ignore[attr-defined]  # private, but what re.compile runs
from typing import Any

from . import cron, validate
from .schema_tools import load_schema

# Regexes that code (not the schema) matches with `renderer.patterns.compiled`: add one here
# and regenerate, or it is still compiled correctly, only with `re` and its import time.
EXTRA_PATTERNS: tuple[str, ...] = (cron.SPACE, cron.DIGITS, cron.SMALL_NUMERIC, validate.HOST_LABEL)

# Keys of a schema node whose value is a mapping of names to schemas: the names are not keywords.
NAMED_SCHEMAS = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
# Keys of a schema node whose value is data, not a schema: `x-messages` maps keywords (such as
# "pattern") to the sentence shown to the user, `default` and the others hold values.
DATA = ("x-messages", "default", "examples", "const", "enum", "title", "description", "$comment")

# pattern -> (flags, code, groups - 1, groupindex, indexgroup): the arguments of `_sre.compile` after the pattern.
Compiled = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]

HEADER = '''\
"""Generated from schemas/values.schema.json and EXTRA_PATTERNS by renderer/pattern_compiler.py:
do not edit. The code is valid only for the `_sre` engine recorded here (renderer/patterns.py
checks it and otherwise uses `re`).

    .venv/bin/python -m renderer.pattern_compiler > renderer/compiled_patterns.py
"""

from __future__ import annotations

MAGIC = {magic}
PYTHON = {python}
CODESIZE = {codesize}
BYTEORDER = {byteorder!r}  # big character sets are stored in native byte order

# pattern -> (flags, code, groups - 1, groupindex, indexgroup): _sre.compile's arguments after the pattern.
PATTERNS: dict[str, tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]] = {{
{entries}}}
'''
LINE_LENGTH = 120  # ruff's, from pyproject.toml


def schema_patterns(node: Any) -> Iterator[str]:
    """The regexes of a schema, in order: each `pattern` keyword of a schema node (not the
    "pattern" key of an `x-messages` object, which is a message) and each `patternProperties` name."""
    if isinstance(node, list):
        for item in node:
            yield from schema_patterns(item)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("pattern"), str):
        yield node["pattern"]
    for key, value in node.items():
        if key in DATA:
            continue
        if key in NAMED_SCHEMAS and isinstance(value, dict):
            if key == "patternProperties":
                yield from value
            for schema in value.values():
                yield from schema_patterns(schema)
        else:
            yield from schema_patterns(value)


def all_patterns() -> list[str]:
    """The regexes to compile: the schema's, then `EXTRA_PATTERNS`, each once."""
    schema = load_schema()
    return list(dict.fromkeys([*schema_patterns(schema), *EXTRA_PATTERNS]))


def compile_pattern(pattern: str) -> Compiled:
    """What `re.compile(pattern)` passes to `_sre.compile` (CPython 3.11 `re._compiler.compile`)."""
    parsed = _parser.parse(pattern, 0)
    code: list[int] = _compiler._code(parsed, 0)
    groupindex: dict[str, int] = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return parsed.state.flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup)


def entry(pattern: str) -> str:
    """One item of `PATTERNS`: the pattern, its arguments, its code wrapped to lines."""
    flags, code, groups, groupindex, indexgroup = compile_pattern(pattern)
    # The opcodes are named int constants: written as plain ints, which is what _sre reads.
    lines = textwrap.wrap(", ".join(str(int(c)) for c in code), 100, break_long_words=False)
    body = "".join(f"\n        {line}" for line in lines)
    return f"    {pattern!r}: (\n        {flags}, [{body}\n        ], {groups}, {groupindex!r}, {indexgroup!r}),\n"


def generate(patterns: list[str] | None = None) -> str:
    """The source of renderer/compiled_patterns.py for `patterns` (default: `all_patterns()`)."""
    entries = "".join(entry(p) for p in (all_patterns() if patterns is None else patterns))
    source = HEADER.format(magic=_sre.MAGIC, python=tuple(sys.version_info[:2]), codesize=_sre.CODESIZE,
                           byteorder=sys.byteorder, entries=entries)
    if any(len(line) > LINE_LENGTH for line in source.splitlines()):  # a long pattern; a noqa unused is an error too
        source = source.replace("\n\nfrom __future__", "\n# ruff: noqa: E501\n\nfrom __future__", 1)
    return source


def main() -> int:
    sys.stdout.write(generate())
    return 0


if __name__ == "__main__":
    sys.exit(main())

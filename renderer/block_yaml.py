"""A tiny reader for the plain block YAML that charts write, without importing PyYAML.

`load(text)` returns exactly what `yaml.load(text, Loader=yaml.CSafeLoader)` returns, or
raises `NotInSubset`, and then the caller parses the text with PyYAML. Importing PyYAML
costs more than a whole post-renderer run, and the post-renderer reads only a few documents.

The subset: one document (an optional first `---` line, `#` comment lines anywhere);
printable ASCII only (no tabs, no `\\r`); block mappings with plain keys that are strings,
block sequences (also `- key: value`, `-` alone, and `key:` followed by `- item` at the
key's indent); values on one line: plain scalars (resolved only where YAML 1.1's implicit
types are unambiguous: the bool and null words, decimal ints, strings starting with a letter,
and strings such as `512Mi` with a letter no number or date can hold), single- and
double-quoted scalars (escapes `\\"` and `\\\\` only), flow values `{...}` and `[...]` that
are JSON without floats or backslashes; and the block scalars `|`, `|-`, `>`, `>-` whose lines
are all non-blank (and, for `>`, equally indented). Anything else, anchors, tags, aliases,
`?` keys, merge keys, continuation lines or other documents, is refused.
"""

from __future__ import annotations

from . import json_text

TYPE_CHECKING = False  # typing costs milliseconds to import, which every render would pay
if TYPE_CHECKING:
    from typing import Any


class NotInSubset(Exception):
    """The text is outside the subset this reader is sure about: parse it with PyYAML."""


WORDS: dict[str, Any] = {}
for _words, _value in (("yes true on", True), ("no false off", False), ("null", None)):
    for _word in _words.split():
        WORDS.update(dict.fromkeys((_word, _word.capitalize(), _word.upper()), _value))
# Every character of YAML 1.1's int, float and timestamp forms that start with a digit:
# a string starting with a digit and holding any other character is a string.
NOT_NUMERIC = str.maketrans("", "", "0123456789_.:+-eEbxXoabcdefABCDEFTtZz ")


def _no_float(text: str) -> Any:
    raise NotInSubset("a float")  # floats and NaN mean something else in YAML 1.1


def _short_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if any(len(key) > 1000 for key, _ in pairs):  # YAML limits a key to 1024 characters
        raise NotInSubset("a long key")
    return dict(pairs)


_scan_json = json_text.scanner(parse_float=_no_float, parse_constant=_no_float, object_pairs_hook=_short_keys)


def key_end(t: str) -> int:
    """The position of the `:` that ends the plain key `t` starts with, else 0."""
    k = t.find(": ")
    if k < 0 and t[-1] == ":":
        k = len(t) - 1
    return k if 0 < k <= 1000 and t.find(" #", 0, k) < 0 else 0


def plain(s: str) -> Any:
    """The value of a one-line plain scalar `s` (stripped, not empty), where it is unambiguous."""
    c = s[0]
    if c.isalpha():  # only the bool and null words resolve to something else
        return WORDS.get(s, s)
    body = s[1:] if c == "-" else s
    if body[:1].isdigit():
        if body.isdigit() and len(body) < 100 and (body[0] != "0" or s == "0"):
            return int(s)
        if body.translate(NOT_NUMERIC):
            return s
        raise NotInSubset(f"{s!r} may be a number or a date")
    if c == "-" and body[:1] not in (".", ""):
        return s
    if c in "/$()^_;\\<=~" and s not in ("~", "=", "<<"):
        return s
    if s == "~":
        return None
    raise NotInSubset(f"plain scalar {s!r}")


def comment_or_end(tail: str) -> None:
    """Refuse anything but blanks and a comment after a quoted or flow value."""
    rest = tail.lstrip(" ")
    if rest and (rest[0] != "#" or rest == tail):
        raise NotInSubset(f"{tail!r} after a value")


def quoted(r: str) -> str:
    """The value of the one-line quoted scalar that `r` is."""
    chunks = []
    j = 1
    if r[0] == "'":
        while True:
            q = r.find("'", j)
            if q < 0:
                raise NotInSubset("a multi-line quoted scalar")
            if r[q + 1:q + 2] != "'":
                break
            chunks.append(r[j:q + 1])
            j = q + 2
    else:
        while True:
            q = r.find('"', j)
            if q < 0:
                raise NotInSubset("a multi-line quoted scalar")
            b = r.find("\\", j, q)
            if b < 0:
                break
            if r[b + 1] not in '"\\':  # b < q: the escaped character exists
                raise NotInSubset("an escape")
            chunks.append(r[j:b] + r[b + 1])
            j = b + 2
    chunks.append(r[j:q])
    comment_or_end(r[q + 1:])
    return "".join(chunks)


def load(text: str) -> Any:  # noqa: PLR0915 - closures over the line lists: the fastest form found
    """`yaml.load(text, Loader=yaml.CSafeLoader)` for a text in the subset, else `NotInSubset`."""
    if not text.isascii() or not text.replace("\n", "").isprintable():
        raise NotInSubset("not printable ASCII")
    lines = text.split("\n")
    final_newline = lines[-1] == ""
    if final_newline:
        lines.pop()
    txt = [s.lstrip(" ") for s in lines]
    ind = [len(s) - len(t) for s, t in zip(lines, txt, strict=True)]
    n = len(lines)

    def skip(i: int) -> int:
        while i < n and (not txt[i] or txt[i][0] == "#"):
            i += 1
        return i

    def node(i: int, col: int, t: str) -> tuple[Any, int]:
        return seq(i, col, t) if t[:2] in ("-", "- ") else mapping(i, col, t)

    def seq(i: int, col: int, t: str) -> tuple[Any, int]:
        items = []
        while True:
            r = t[1:].lstrip(" ")
            if not r or r[0] == "#":
                i = skip(i + 1)
                v, i = node(i, ind[i], txt[i]) if i < n and ind[i] > col else (None, i)
            elif r[:2] in ("-", "- ") or ((": " in r or r[-1] == ":") and key_end(r)):
                v, i = node(i, col + len(t) - len(r), r)
            else:
                v, i = value(r, i, col)
            items.append(v)
            i = skip(i)
            if i < n and ind[i] == col and txt[i][:2] in ("-", "- "):
                t = txt[i]
            else:
                return items, i

    def mapping(i: int, col: int, t: str) -> tuple[Any, int]:
        d = {}
        while True:
            # key_end, inlined: most lines are `key: value` or `key:`
            k = t.find(": ")
            comment = " #" in t
            if k > 0:
                r = t[k + 2:]
                if r[:1] == " ":
                    r = r.lstrip(" ")
            else:
                k = len(t) - 1 if t[-1] == ":" else 0
                r = ""
            if not 0 < k <= 1000 or (comment and t.find(" #", 0, k) >= 0):
                raise NotInSubset(f"line {i + 1}: not a key")
            key = t[:k]
            if key[-1] == " ":
                key = key.rstrip(" ")
            if not key[0].isalpha() or key in WORDS:  # the common keys need no more checks
                key = plain(key)
                if type(key) is not str:
                    raise NotInSubset(f"line {i + 1}: a key that is not a string")
            if not r or r[0] == "#":
                i = skip(i + 1)
                if i < n and ind[i] > col:
                    t = txt[i]
                    v, i = (seq if t[0] == "-" and t[:2] in ("-", "- ") else mapping)(i, ind[i], t)
                elif i < n and ind[i] == col and txt[i][:2] in ("-", "- "):
                    v, i = seq(i, col, txt[i])  # the indentless sequence charts write
                else:
                    v = None
            elif not comment and r[0].isalpha() and r[-1] not in " :" and ": " not in r:
                v = WORDS.get(r, r)  # the common values: `plain` without a call
                i += 1
            elif r[0] == '"' and r.find('"', 1) == len(r) - 1 and "\\" not in r:
                v = r[1:-1]
                i += 1
            else:
                v, i = value(r, i, col)
            d[key] = v
            while i < n:
                t = txt[i]
                if t and t[0] != "#":
                    break
                i += 1
            else:
                return d, i
            if ind[i] != col or (t[0] == "-" and t[:2] in ("-", "- ")):
                return d, i

    def value(r: str, i: int, col: int) -> tuple[Any, int]:
        """The value `r` (not empty, no comment) on line i of a collection at column col, and the next line."""
        c = r[0]
        if c in "'\"":
            return quoted(r), i + 1
        if c in "{[":
            if "\\" in r:
                raise NotInSubset("an escape in a flow value")
            try:
                v, end = _scan_json(r, 0)
            except Exception:  # StopIteration, JSONDecodeError, NotInSubset, RecursionError
                raise NotInSubset("a flow value that is not JSON") from None
            comment_or_end(r[end:])
            return v, i + 1
        if c in "|>":
            return block_scalar(r, i, col)
        h = r.find(" #")
        if h >= 0:
            r = r[:h]
        r = r.rstrip(" ")
        if ": " in r or r[-1] == ":" or r[:2] in ("-", "- "):
            raise NotInSubset(f"line {i + 1}: a plain value with ': ' or a nested entry")
        return plain(r), i + 1

    def block_scalar(r: str, i: int, col: int) -> tuple[str, int]:
        strip = r[1:2] == "-"
        header = r[1 + strip:]
        if header and (header[0] != " " or header.lstrip(" ")[:1] not in ("", "#")):
            raise NotInSubset(f"line {i + 1}: block scalar header {r!r}")
        k = i + 1
        indent = ind[k] if k < n else 0
        if indent <= col:
            raise NotInSubset(f"line {i + 1}: an empty block scalar")
        parts = []
        while k < n and ind[k] >= indent:
            if not txt[k] or (ind[k] > indent and r[0] == ">"):
                raise NotInSubset(f"line {k + 1}: a blank or more indented line in a block scalar")
            parts.append(lines[k][indent:])
            k += 1
        if (k < n and not txt[k]) or (k == n and not final_newline):
            raise NotInSubset(f"line {k + 1}: a block scalar's end")
        return ("\n" if r[0] == "|" else " ").join(parts) + ("" if strip else "\n"), k

    i = skip(0)
    start = i < n and lines[i][:3] == "---" and lines[i][3:4] in ("", " ") and lines[i][3:].lstrip(" ")[:1] in ("", "#")
    markers = text.startswith(("---", "...")) + text.count("\n---") + text.count("\n...")
    if markers > start:
        raise NotInSubset("a document marker")
    i = skip(i + start)
    if i == n:
        return None
    try:
        data, i = node(i, ind[i], txt[i])
    except RecursionError:
        raise NotInSubset("nested too deeply") from None
    if skip(i) < n:
        raise NotInSubset(f"line {skip(i) + 1}: unexpected indentation")
    return data

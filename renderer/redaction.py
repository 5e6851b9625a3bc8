"""Redaction of the HMAC keys from any text the restore command shows, by their exact values.

Not by the shape of the text around them (a URL parameter, a header): a key may hold any
character (`&`, `'`, space, `%`, `+`, `/`, `=`, a newline, non-ASCII text), and libraries quote
it in their own ways. So every form a library may print is looked for: the value as it is and
with surrounding white space trimmed (a Secret written with a trailing newline), percent-encoded
(every byte in lower or upper case hex, or RFC 3986 style with "/" kept or not and a space as
%20 or "+"), and escaped as Python's repr of str and bytes, JSON and Go's %q do (botocore shows
a header holding a key with a newline as `b'...AKID\\n/...'`). The pods' shell library does the
same (`redacted` in renderer/postrender/templates/scripts/lib.sh); tests/unit/test_redaction.py runs one
table of keys and forms against both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "(redacted)"


def secret_forms(secret: str) -> list[str]:
    """Every form of `secret` to look for, longest first (a form may contain a shorter one)."""
    found: set[str] = set()
    for value in {secret, secret.strip()}:
        if not value:
            continue
        raw = value.encode("utf-8", "surrogatepass")
        escaped = value.encode("unicode_escape").decode("ascii")
        byte_escaped = repr(raw)[2:-1]
        found |= {value, escaped, escaped.replace("'", "\\'"), escaped.replace('"', '\\"'), byte_escaped,
                  byte_escaped.replace("\\'", "'").replace('"', '\\"'), repr(value)[1:-1],
                  json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
                  "".join(f"%{b:02x}" for b in raw), "".join(f"%{b:02X}" for b in raw)}
        for safe in ("", "/"):
            found |= {quote(raw, safe=safe), quote_plus(raw, safe=safe)}
    return sorted(found, key=len, reverse=True)


def redacted(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every non-empty secret replaced by "(redacted)"."""
    forms = sorted({form for secret in secrets if secret for form in secret_forms(secret)}, key=len, reverse=True)
    for form in forms:
        text = text.replace(form, REDACTED)
    return text

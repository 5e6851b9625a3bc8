"""Redaction by the exact values of the HMAC keys, in every form a program may quote them: the
restore command's (renderer/redaction.py) and the pods' (`redacted` in scripts/lib.sh, run by
the real /bin/sh), against one table of keys and forms.

The keys hold every character HMAC secrets and the fuzzers produce: "&", "'", '"', space, "%",
"+", "/", "=", "\\", a newline (a Secret written with a trailing one too), tabs, non-ASCII text."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest

from renderer.redaction import redacted
from tools.template_compiler import TEMPLATES

LIB = (TEMPLATES / "scripts" / "lib.sh").read_text(encoding="utf-8")
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRETS = {
    "aws-example": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "ampersand-quote-space": "a&b'c d=e",
    "percent-plus-slash": "50%+/x=y%2F",
    "double-quote-backslash": 'q"u\\o\\te',
    "trailing-newline": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n",
    "inner-newline-tab": "line1\nline2\tend",
    "unicode": "clé-секрет-鍵 ✓",
    "everything": "&' \"%+/=\\\n\té€🔑",
}
FORMS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "trimmed": str.strip,
    "quote": lambda s: quote(s, safe=""),
    "quote-keep-slash": quote,
    "quote-plus": lambda s: quote_plus(s, safe=""),
    "every-byte-lower": lambda s: "".join(f"%{b:02x}" for b in s.encode()),
    "every-byte-upper": lambda s: "".join(f"%{b:02X}" for b in s.encode()),
    "repr": lambda s: repr(s)[1:-1],
    "bytes-repr": lambda s: repr(s.encode())[2:-1],
    "json": lambda s: json.dumps(s)[1:-1],
    "json-unicode": lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
}


def shell_redacted(text: str, secret: str, key_id: str = KEY_ID) -> str:
    done = subprocess.run(["/bin/sh", "-ec", f'{LIB}\nredacted "$TEXT"'], capture_output=True, check=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin", "TEXT": text, "AWS_SECRET_ACCESS_KEY": secret,
                               "AWS_ACCESS_KEY_ID": key_id})
    return done.stdout.decode()


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("secret", SECRETS)
def test_every_form_of_every_key_is_redacted(secret: str, form: str) -> None:
    shown = FORMS[form](SECRETS[secret])
    text = f"error: <{shown}> and the key id {KEY_ID}."
    expected = "error: <(redacted)> and the key id (redacted)."
    assert redacted(text, [SECRETS[secret], KEY_ID]) == expected
    assert shell_redacted(text, SECRETS[secret]) == expected


@pytest.mark.parametrize("key_id", ["AKIAIOSFODNN7EXAMPLE\n", " AKIA&IOS'FOD NN7 "])
def test_a_key_id_written_with_white_space_is_redacted_as_botocore_shows_it(key_id: str) -> None:
    text = (f"Invalid header value b'AWS4-HMAC-SHA256 Credential={repr(key_id.encode())[2:-1]}/20261124/us-east-1/s3/"
            "aws4_request'")
    expected = "Invalid header value b'AWS4-HMAC-SHA256 Credential=(redacted)/20261124/us-east-1/s3/aws4_request'"
    assert redacted(text, ["secret", key_id]) == expected
    assert shell_redacted(text, "secret", key_id) == expected


def test_text_without_a_key_is_unchanged() -> None:
    text = "connection refused: s3://bucket/it's a key & more %20"
    assert redacted(text, ["", "other"]) == text
    assert shell_redacted(text, "other") == text

"""The shell library of the pods (renderer/templates/scripts/lib.sh), run by the real /bin/sh."""

from __future__ import annotations

import subprocess
import urllib.parse

import pytest

from renderer.template_compiler import TEMPLATES

LIB = (TEMPLATES / "scripts" / "lib.sh").read_text(encoding="utf-8")
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ENV = {"STEP": "test", "S3_BUCKET": "acme-backups", "S3_PREFIX": "prod", "S3_ENDPOINT": "https://s3.example.com",
       "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": SECRET, "PATH": "/usr/bin:/bin"}


def sh(command: str) -> str:
    """The output of `command` run after the library, by /bin/sh (dash here, like the images' sh)."""
    done = subprocess.run(["/bin/sh", "-ec", f"{LIB}\n{command}"], env=ENV, capture_output=True, text=True,
                          check=True, timeout=30)
    return done.stdout


def test_backup_url_carries_every_key_exactly() -> None:
    url = sh('backup_url "$(key_of ds-20261124T000000Z.native)"')
    parts = urllib.parse.urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("s3", "acme-backups", "/prod/ds-20261124T000000Z.native")
    assert dict(urllib.parse.parse_qsl(parts.query)) == {
        "AWS_ENDPOINT": "https://s3.example.com", "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": SECRET}


@pytest.mark.parametrize("message,expected", [
    pytest.param("ERROR: cannot write to s3://b/k?AWS_ENDPOINT=x&AWS_ACCESS_KEY_ID=AKIA1"
                 "&AWS_SECRET_ACCESS_KEY=%41%42 now",
                 "ERROR: cannot write to s3://b/k?AWS_ENDPOINT=x&AWS_ACCESS_KEY_ID=redacted"
                 "&AWS_SECRET_ACCESS_KEY=redacted now", id="url-parameters"),
    pytest.param(f"ERROR: 'AWS_SECRET_ACCESS_KEY={SECRET}'", "ERROR: 'AWS_SECRET_ACCESS_KEY=redacted'",
                 id="quoted"),
    pytest.param(f"signature computed with {SECRET}", "(the message quoted the secret key: withheld)",
                 id="bare-secret"),
    pytest.param("connection refused", "connection refused", id="nothing-to-hide"),
])
def test_redacted(message: str, expected: str) -> None:
    assert sh(f"redacted {_quote(message)}") == expected


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"

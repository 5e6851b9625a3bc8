"""Reading the bucket from the operator's machine (boto3), with the HMAC keys of the
release's Secret. Path-style addressing and checksums only when required (IBM COS).
No message of this module ever holds a key: errors are redacted (renderer/redaction.py, by the
keys' exact values in every form) before they leave.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from renderer.errors import ObjectStoreFailed
from renderer.redaction import redacted


@dataclass
class ObjectStore:
    endpoint: str
    region: str  # what requests are signed for (renderer/values/endpoint.py signing_region)
    bucket: str
    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)
    _client: Any = field(default=None, repr=False)

    def _s3(self) -> Any:
        if self._client is None:
            import boto3
            import botocore.session
            from botocore.config import Config

            config = Config(s3={"addressing_style": "path"}, connect_timeout=10, read_timeout=60,
                            retries={"max_attempts": 3, "mode": "standard"},
                            request_checksum_calculation="when_required",
                            response_checksum_validation="when_required")
            # The release's keys and endpoint, nothing of the operator's shell: a profile named there (AWS_PROFILE,
            # AWS_DEFAULT_PROFILE) that their AWS config lacks would stop every call with ProfileNotFound, though
            # nothing of it is used (issue 24 §5). `session_vars` is botocore.session.Session's override of what a
            # session reads from the environment: the profile from nowhere.
            session = boto3.session.Session(
                botocore_session=botocore.session.Session(session_vars={"profile": (None, None, None, None)}))
            self._client = session.client("s3", endpoint_url=self.endpoint, region_name=self.region, config=config,
                                          aws_access_key_id=self.access_key_id,
                                          aws_secret_access_key=self.secret_access_key)
        return self._client

    def where(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key}"

    def keys(self, prefix: str) -> dict[str, int]:
        """Every key under `prefix` with its size."""
        out: dict[str, int] = {}
        with self._failing(f"cannot list {self.where(prefix)}"):
            for page in self._s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    out[str(item["Key"])] = int(item["Size"])
        return out

    def read(self, key: str) -> bytes:
        with self._failing(f"cannot read {self.where(key)}"):
            body: bytes = self._s3().get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def read_present(self, key: str) -> bytes | None:
        """The object `key`, or None when there is none (NoSuchKey: deleted since it was listed, by a backup's
        retention, say); raises ObjectStoreFailed when it cannot be read otherwise."""
        from botocore.exceptions import ClientError

        with self._failing(f"cannot read {self.where(key)}"):
            try:
                body: bytes = self._s3().get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
        return body

    def put_verified(self, source: str | bytes, key: str) -> None:
        """Uploads a local file (a path) or bytes, reads it back and compares SHA-256, as the backup Job does."""
        self._verify(key, self._put(source, key))

    def probe(self, key: str) -> tuple[str | None, str | None, datetime | None]:
        """Whether these keys may write: a small object put at `key`, read back and compared, then
        deleted. Returns (why the bucket is not writable, why the probe object could not be
        deleted, the store's clock: the `Date` of its answer to the write, RFC 9110 section 6.6.1),
        None each when that went well (or the store sent no date); the object is deleted whenever it
        was written."""
        body = b"helm-datashield status probe: safe to delete\n"
        try:
            with self._failing(f"cannot write {self.where(key)}"):
                answer = self._s3().put_object(Bucket=self.bucket, Key=key, Body=body)
        except ObjectStoreFailed as error:
            return str(error), None, None
        expected, store_time = hashlib.sha256(body).hexdigest(), _date(answer)
        try:
            self._verify(key, expected)
            unwritable = None
        except ObjectStoreFailed as error:
            unwritable = str(error)
        try:
            with self._failing(f"cannot delete {self.where(key)}"):
                self._s3().delete_object(Bucket=self.bucket, Key=key)
        except ObjectStoreFailed as error:
            return unwritable, str(error), store_time
        return unwritable, None, store_time

    def _put(self, source: str | bytes, key: str) -> str:
        """Uploads a local file (a path) or bytes; returns the SHA-256 it must read back with."""
        if isinstance(source, bytes):
            with self._failing(f"cannot write {self.where(key)}"):
                self._s3().put_object(Bucket=self.bucket, Key=key, Body=source)
            return hashlib.sha256(source).hexdigest()
        with self._failing(f"cannot write {self.where(key)}"):
            self._s3().upload_file(source, self.bucket, key)
        return file_sha256(source)

    def _verify(self, key: str, expected: str) -> None:
        if self._sha256(key) != expected:
            raise ObjectStoreFailed(f"{self.where(key)} does not match what was uploaded (SHA-256 differs)")

    def digest(self, keys: list[str]) -> str:
        """SHA-256 as the backup Job records it: of the one object, or for a native backup (a
        folder) of the sorted `<sha256>  ./<path>` lines of its files."""
        if len(keys) == 1 and not keys[0].endswith("/"):
            return self._sha256(keys[0])
        folder = keys[0]
        names = sorted((k for k in self.keys(folder) if not k.endswith("/")), key=lambda k: k.encode())
        lines = "".join(f"{self._sha256(k)}  ./{k[len(folder):]}\n" for k in names)
        return hashlib.sha256(lines.encode()).hexdigest()

    def _sha256(self, key: str) -> str:
        sha = hashlib.sha256()
        with self._failing(f"cannot read {self.where(key)}"):
            body = self._s3().get_object(Bucket=self.bucket, Key=key)["Body"]
            for chunk in iter(lambda: body.read(1 << 20), b""):
                sha.update(chunk)
        return sha.hexdigest()

    @contextmanager
    def _failing(self, what: str) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise ObjectStoreFailed(self._redacted(f"{what}: {error.get('Code', '?')}: "
                                                   f"{error.get('Message') or 'no message'}")) from None
        except BotoCoreError as exc:
            raise ObjectStoreFailed(self._redacted(f"{what}: {exc}")) from None

    def _redacted(self, text: str) -> str:
        return redacted(text, (self.secret_access_key, self.access_key_id))


def _date(answer: dict[str, Any]) -> datetime | None:
    """The `Date` header of a botocore answer (aware, UTC), None when it has none or it cannot be read."""
    header = (answer.get("ResponseMetadata") or {}).get("HTTPHeaders", {}).get("date")
    try:
        when = parsedate_to_datetime(header) if isinstance(header, str) else None
    except (TypeError, ValueError):
        return None
    return when.astimezone(timezone.utc) if when and when.tzinfo else None


def file_sha256(path: str) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()

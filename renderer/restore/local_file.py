"""A local backup file given to `helm datashield-restore --from`: read once, to know its size
and SHA-256 before it is uploaded.

Only a regular file is read: a device (/dev/zero, /dev/urandom), a FIFO, a socket or a
directory is refused before a byte is read, since hashing one never ends or means nothing.
It is opened without blocking (a FIFO swapped in after the check cannot hang the open) and
checked again on the open file. The size is checked before hashing: empty is refused, and so
is more than MAX_BYTES, the largest object S3 stores. Hashing a large file shows its progress
on stderr when stderr is a terminal.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import time
from typing import BinaryIO, TextIO

from renderer.errors import Refused

MAX_BYTES = 5 * 1024**4  # 5 TiB: the largest object Amazon S3 (and IBM COS) stores
CHUNK = 1 << 20
PROGRESS_FROM = 64 * CHUNK  # smaller files hash in well under a second
PROGRESS_EVERY = 0.5  # seconds between two progress lines
KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
         (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))


def read_local(path: str, shown: str, progress: TextIO | None = None) -> tuple[int, str]:
    """(size in bytes, SHA-256 in hex) of the regular file at `path`; `shown` names it in
    messages. Refused when it cannot be read, is not a regular file, is empty or too large.
    Progress goes to `progress` (default: stderr, when it is a terminal)."""
    try:
        kind = _kind(os.stat(path).st_mode)
        if kind:
            raise Refused([f"{shown}: {kind}, not a regular file: give a backup file"])
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise Refused([f"{shown}: cannot read it: {exc.strerror}"]) from None
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        kind = _kind(opened.st_mode)
        if kind:
            raise Refused([f"{shown}: {kind}, not a regular file: give a backup file"])
        size = opened.st_size
        if size == 0:
            raise Refused([f"{shown}: the file is empty"])
        if size > MAX_BYTES:
            raise Refused([f"{shown}: {size} bytes, more than the {MAX_BYTES} bytes an S3 object can hold"])
        if progress is None and size >= PROGRESS_FROM and sys.stderr.isatty():
            progress = sys.stderr
        try:
            return size, _sha256(handle, size, shown, progress)
        except OSError as exc:
            raise Refused([f"{shown}: cannot read it: {exc.strerror}"]) from None


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is; None for a regular file."""
    return next((name for test, name in KINDS if test(mode)), None if stat.S_ISREG(mode) else "not a file")


def _sha256(handle: BinaryIO, size: int, shown: str, progress: TextIO | None) -> str:
    sha = hashlib.sha256()
    done, last = 0, time.monotonic()
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        sha.update(chunk)
        done += len(chunk)
        if progress is not None and (time.monotonic() - last >= PROGRESS_EVERY or done >= size):
            last = time.monotonic()
            print(f"\rhashing {shown}: {done >> 20} of {size >> 20} MiB ({100 * done // size}%)",
                  end="\n" if done >= size else "", file=progress, flush=True)
    return sha.hexdigest()

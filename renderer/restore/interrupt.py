"""Signals that stop `helm datashield-restore`: Ctrl-C (SIGINT), SIGTERM, and SIGHUP when its
terminal closes. Each becomes an `Interrupted` error where the command is, so that the step it
stopped says what state it left and what to run, as any failed step does; the exit code is
128 + the signal's number (130, 143, 129), as a shell reports a command killed by it.

While a helm or kubectl command runs, the signal is passed on to it and the command ends its
own way (`helm upgrade` cancels and records the release as failed instead of leaving it
pending; `kubectl logs --follow` stops); after GRACE_SECONDS it is killed. Only then is
`Interrupted` raised. Signals after the first are ignored, so that the message about the
state left is printed whole: a second Ctrl-C never ends in a traceback nor changes the exit code.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from renderer.errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 30.0  # for a helm or kubectl command to end after the signal was passed on
POLL_SECONDS = 0.5


class Interrupts:
    """The first signal received, and the command running when it came."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.since = 0.0  # time.monotonic() of the first signal
        self._child: subprocess.Popen[Any] | None = None

    def install(self) -> None:
        """Handles SIGINT, SIGTERM and SIGHUP from now on (the main thread only)."""
        for number in SIGNALS:
            signal.signal(number, self._handle)

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.received is not None:
            return
        self.received, self.since = number, time.monotonic()
        # Ignored from now on, by the kernel: unlike a Python handler, that also holds while the
        # interpreter shuts down after printing the message (it puts back the default handlers).
        for each in SIGNALS:
            signal.signal(each, signal.SIG_IGN)
        child = self._child
        if child is None:
            raise self.error()
        if child.poll() is None:
            child.send_signal(number)

    def error(self) -> Interrupted:
        assert self.received is not None, "only after a signal"
        return Interrupted(signal.Signals(self.received).name, self.received)

    def check(self) -> None:
        """Raises `Interrupted` if a signal came while a command ran."""
        if self.received is not None:
            raise self.error()

    @contextmanager
    def child(self, process: subprocess.Popen[Any]) -> Iterator[None]:
        """While `process` runs, a signal is passed on to it; it is raised once the process ended.
        A process left behind by any other error is killed (nothing waits for it any more)."""
        self._child = process
        try:
            yield
        except BaseException:
            if process.poll() is None:
                process.kill()
            raise
        finally:
            self._child = None
        self.check()

    def communicate(self, process: subprocess.Popen[str]) -> tuple[str, str]:
        """`process.communicate()`, killing the process when it outlives a signal by GRACE_SECONDS."""
        while True:
            try:
                stdout, stderr = process.communicate(timeout=POLL_SECONDS)
                return stdout, stderr
            except subprocess.TimeoutExpired:
                if self.received is not None and time.monotonic() - self.since > GRACE_SECONDS:
                    process.kill()


INTERRUPTS = Interrupts()

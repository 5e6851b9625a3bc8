"""The restore command's output: numbered steps with elapsed time, as text or as JSON lines
(`--output json`, one event a line), with the HMAC keys redacted from everything shown."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TextIO

from renderer.errors import (
    DatashieldError,
    Interrupted,
)
from renderer.redaction import redacted

STEPS = 5


def _scrubbed(value: Any, hidden: tuple[str, ...]) -> Any:
    """`value` (JSON data) with the keys redacted from every string in it, before JSON escapes them."""
    if isinstance(value, str):
        return redacted(value, hidden)
    if isinstance(value, list):
        return [_scrubbed(item, hidden) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, hidden) for key, item in value.items()}
    return value


@dataclass
class Progress:
    """Numbered steps with elapsed time, as text or as JSON lines."""

    json_mode: bool
    out: TextIO
    total: int = STEPS
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)
    hidden: tuple[str, ...] = ()  # the HMAC keys, once read: never printed, in any form (the Job's log too)

    def emit(self, event: dict[str, Any], text: str) -> None:
        shown_text = json.dumps(_scrubbed(event, self.hidden), sort_keys=True) if self.json_mode else text
        # A closed terminal or pipe must not stop the run midway: it still ends in a state it can report.
        with suppress(OSError):
            print(redacted(shown_text, self.hidden), file=self.out, flush=True)

    @contextmanager
    def step(self, number: int, title: str) -> Iterator[None]:
        if not self.started:
            self.started = self.clock()
        begin = self.clock()
        self.emit({"event": "step", "step": number, "of": self.total, "title": title, "status": "started"},
                  f"[{number}/{self.total}] {title} ...")
        try:
            yield
        except Interrupted as error:
            self._stopped(number, title, begin, error, f"INTERRUPTED by {error.signal_name}",
                          {"status": "interrupted", "signal": error.signal_name, "exitCode": error.exit_code})
            raise
        except DatashieldError as error:
            self._stopped(number, title, begin, error, "FAILED", {"status": "failed"})
            raise
        self.emit({"event": "step", "step": number, "of": self.total, "title": title, "status": "done",
                   "seconds": self._since(begin)},
                  f"[{number}/{self.total}] {title}: done in {self._since(begin)} s "
                  f"(total {self._since(self.started)} s)")

    def _stopped(self, number: int, title: str, begin: float, error: DatashieldError, shown_status: str,
                 event: dict[str, Any]) -> None:
        self.emit({"event": "step", "step": number, "of": self.total, "title": title, "seconds": self._since(begin),
                   "message": error.lines(), **event},
                  f"[{number}/{self.total}] {title}: {shown_status} after {self._since(begin)} s")

    def info(self, line: str, **data: Any) -> None:
        self.emit({"event": "info", "message": line, **data}, f"    {line}")

    def log(self, container: str, line: str) -> None:
        self.emit({"event": "log", "container": container, "line": line}, f"    | {line}")

    def _since(self, start: float) -> float:
        return round(self.clock() - start, 1)

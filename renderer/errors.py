"""The few errors this plugin raises; `cli.main` alone turns them into a message and an exit code."""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


def show(value: Any) -> str:
    """A value as a message quotes it: JSON, so strings are quoted, and everything that is not printable
    ASCII is escaped (`"\\n"`, `"\\u001b"`): the value cannot break the message's line, whatever it holds.
    Never raises: a value JSON cannot hold (a date, bytes, a list that holds itself) is shown as the
    JSON string of its text, or by its type's name."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        pass
    try:
        return json.dumps(str(value))
    except Exception:  # an object's own __str__ may raise anything; a message must still be made
        return f"({type(value).__name__})"


def value_path(parts: Iterable[Any]) -> str:
    """Where a value is, as messages name it: `enclaveos-chart.Backup.ImagePullSecrets[0]` (mapping keys
    joined by dots, list indexes in brackets). A key that is not printable ASCII text is shown
    quoted (`show`), so that the path stays one line. Never raises."""
    out = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            key = part if isinstance(part, str) and part.isascii() and part.isprintable() else show(part)
            out += f".{key}" if out else key
    return out


def one_line(text: str) -> str:
    """`text` with every character that is not printable escaped as JSON escapes it (a line break
    as `\\n`, ESC as `\\u001b`): a message line cannot become two, nor drive the terminal, and is
    always valid inside a YAML block scalar (Python's printable characters are a subset of YAML's)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)


class DatashieldError(Exception):
    """Anything the user must fix or know about; never shown as a traceback."""

    exit_code = 1

    def lines(self) -> list[str]:
        """The message, one entry a line."""
        return [str(self)]


class InvalidArguments(DatashieldError):
    """Command-line arguments that cannot be used (argparse's own exit code)."""

    exit_code = 2


class Problem:
    """One bad value: where it is, what it was (already quoted or redacted) and what is wrong."""

    __slots__ = ("path", "reason", "shown_value")

    def __init__(self, path: str, shown_value: str | None, reason: str) -> None:
        self.path = path
        self.shown_value = shown_value
        self.reason = reason

    def __str__(self) -> str:
        if self.shown_value is None:
            return f"{self.path}: {self.reason}"
        return f"{self.path}: {self.shown_value}: {self.reason}"


class InvalidValues(DatashieldError):
    """Every problem found in the values, reported together."""

    exit_code = 3

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class InvalidManifests(DatashieldError):
    """The rendered manifests on stdin cannot be read, or lack what the post-renderer needs."""

    exit_code = 4


class Refused(DatashieldError):
    """The restore's preflight found reasons not to go on; nothing was changed."""

    exit_code = 5

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons

    def lines(self) -> list[str]:
        return ["refused, nothing was changed:", *(f"  - {reason}" for reason in self.reasons)]


class ClusterCallFailed(DatashieldError):
    """A helm or kubectl call failed; the message carries the command and its stderr."""


class ObjectStoreFailed(DatashieldError):
    """The bucket could not be read or written; the message never holds the keys."""


class StepFailed(DatashieldError):
    """A step of the restore failed after changes began: what failed, the state it left, what to run."""

    def __init__(self, step: str, reason: str, advice: list[str]) -> None:
        super().__init__(f"{step} failed: {reason}")
        self.advice = advice

    def lines(self) -> list[str]:
        return [str(self), *self.advice]


class StillRunning(StepFailed):
    """The wait for a Job ended (--timeout, or the Job's own deadline and margin) while the Job still runs:
    nothing failed, the Job goes on in the cluster and the same command follows it. Its own exit code, so
    that a script tells "not yet" from "failed" (issue 24 §4)."""

    exit_code = 8

    def __init__(self, step: str, reason: str, advice: list[str]) -> None:
        DatashieldError.__init__(self, f"{step} still runs: {reason}")
        self.advice = advice


class Interrupted(DatashieldError):
    """The command was stopped by a signal (Ctrl-C, SIGTERM, a closed terminal): handled like a
    failure of the step it stopped, with the state left and what to run. The exit code is the
    shell's for that signal, 128 + its number (130 SIGINT, 143 SIGTERM, 129 SIGHUP)."""

    def __init__(self, signal_name: str, signal_number: int, during: str = "", advice: tuple[str, ...] = ()) -> None:
        super().__init__(f"interrupted by {signal_name}" + (f" during {during}" if during else ""))
        self.signal_name = signal_name
        self.signal_number = signal_number
        self.during = during
        self.advice = list(advice)
        self.exit_code = 128 + signal_number

    def at(self, during: str, advice: list[str]) -> Interrupted:
        """The same interruption, told with the step it stopped and the state it left (the
        innermost step that knows it wins: an interruption already told is kept)."""
        if self.during:
            return self
        return Interrupted(self.signal_name, self.signal_number, during, tuple(advice))

    def lines(self) -> list[str]:
        return [str(self), *self.advice]

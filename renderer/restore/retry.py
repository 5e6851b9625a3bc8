"""Retrying the read-only cluster calls of a wait (the Job's state, its pod, its logs, the
manager's rollout) when the Kubernetes API fails for a moment: an API server restarting or
failing over, a load balancer dropping connections, etcd electing a leader. Such a call is
tried again with a doubling pause (1 s up to 15 s) for RETRY_SECONDS in all; then it fails
with what it said and for how long it was tried.

Credentials that the cluster refuses (an expired token: `Unauthorized`, `You must be logged
in`; missing rights: `Forbidden`) do not pass by waiting: never retried, and said so.
The texts are those of kubectl and client-go (net/http, crypto/tls, apimachinery's status
reasons and etcd's errors as the API server passes them on).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from renderer.errors import ClusterCallFailed

RETRY_SECONDS = 300.0
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 15.0
CREDENTIALS = re.compile(r"Unauthorized|You must be logged in|Forbidden|token (?:has |is )?expired|"
                         r"certificate has expired|provide credentials", re.IGNORECASE)
PASSING = re.compile("|".join((
    r"connection refused", r"connection to the server \S+ was refused", r"connection reset", r"broken pipe",
    r"no route to host", r"network is unreachable",
    r"i/o timeout", r"TLS handshake timeout", r"Client\.Timeout exceeded", r"context deadline exceeded",
    r"request timed out", r"etcdserver: (?:leader changed|too many requests|request timed out)",
    r"the server is currently unable to handle the request", r"the server was unable to return a response",
    r"Service ?Unavailable", r"Internal error occurred", r"InternalError", r"Bad Gateway", r"Gateway Timeout",
    r"Too ?Many ?Requests", r"the server has received too many requests", r"unexpected EOF", r"\bEOF$",
    r"http2: server sent GOAWAY", r"stream error", r"\b(?:500|502|503|504|429)\b",
)), re.IGNORECASE)
NOT_RETRIED = ("the cluster refused the credentials, which waiting does not mend, so it was not retried: "
               "log in again (renew the token), then run the command again")

T = TypeVar("T")


def passing(message: str) -> bool:
    """Whether a failed call's message is a passing failure of the API (worth retrying)."""
    return not CREDENTIALS.search(message) and bool(PASSING.search(message))


@dataclass
class Retry:
    """Runs read-only cluster calls, retrying passing failures; `tell` shows each retry."""

    sleep: Callable[[float], None]
    now: Callable[[], float]
    tell: Callable[[str], None]
    seconds: float = RETRY_SECONDS

    def __call__(self, call: Callable[[], T]) -> T:
        """`call()`'s result; raises ClusterCallFailed when it fails for good (credentials
        refused, a failure that is not passing, or still failing after `seconds`)."""
        start, pause = self.now(), FIRST_PAUSE
        while True:
            try:
                return call()
            except ClusterCallFailed as error:
                message = str(error)
                if CREDENTIALS.search(message):
                    raise ClusterCallFailed(f"{message} ({NOT_RETRIED})") from None
                if not passing(message):
                    raise
                waited = self.now() - start
                if waited + pause > self.seconds:
                    raise ClusterCallFailed(f"{message} (still failing after retrying for {round(waited)} s: "
                                            "the cluster's API does not answer)") from None
                self.tell(f"{message}: a passing failure of the cluster's API, retrying in {pause:g} s")
                self.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)

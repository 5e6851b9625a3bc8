"""A loopback HTTP proxy in front of the real S3 server that causes one chosen fault: what a
network, a full or failing store, or a server going away causes, which a healthy server on
loopback never shows.

Requests pass through unchanged (the Host header too, so SigV4 signatures still verify),
except those whose path ends with one of `suffixes`, which get the fault:
- "corrupt": a GET answer has its first body byte flipped;
- "stop": a PUT is cut off halfway through its body, and the server is gone from then on (every
  later connection is closed unanswered);
- "refuse": a PUT is answered 403 with the S3 error `code`, as a full quota or a refused write is;
- "slow": any request is passed on, but answered only after `delay` seconds;
- "unavailable": a request (of one of `methods`, any by default) is answered 503 ServiceUnavailable,
  as an overloaded store answers; the path of a listing is the bucket's own (`/<bucket>`).
- "unavailable-after": a request (of one of `methods`, any by default) is passed on (the server does
  it) but answered 503 ServiceUnavailable, as a gateway whose backend answered too late: to the client
  a deleted object may or may not be gone.
With `times`, only the first `times` requests that match get the fault (a fault that does not come
back); by default, every one. With `skip`, the first `skip` requests that match pass unharmed (a fault
that comes later in a step: the restore's second listing, not its first).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import time
from typing import Literal
from urllib.parse import urlsplit

from tests.runtime.loopback import Handler, LoopbackServer

Fault = Literal["corrupt", "stop", "refuse", "slow", "unavailable", "unavailable-after"]


class FaultyProxy(LoopbackServer):
    def __init__(self, upstream: str, fault: Fault, suffixes: tuple[str, ...], *, code: str = "AccessDenied",
                 delay: float = 0, methods: tuple[str, ...] = (), times: int = 0, skip: int = 0) -> None:
        target = urlsplit(upstream)
        proxy = self
        self.hits: list[str] = []  # the paths that got the fault
        self.down = False
        self.matched = 0  # requests that matched so far, skipped or not
        self.regions: set[str] = set()  # the regions the requests were signed for (their SigV4 credential scope)

        class ProxyHandler(Handler):
            def _forward(self) -> None:
                path = urlsplit(self.path).path
                # "AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/s3/aws4_request, ..." (the AWS SigV4 docs)
                scope = self.headers.get("Authorization", "").partition("Credential=")[2].split(",")[0].split("/")
                if len(scope) == 5:
                    proxy.regions.add(scope[2])
                if fault in ("unavailable", "unavailable-after"):
                    hit = path.endswith(suffixes) and (not methods or self.command in methods)
                else:
                    hit = path.endswith(suffixes) and (fault == "slow" or self.command == ("GET" if fault == "corrupt"
                                                                                           else "PUT"))
                if hit:
                    proxy.matched += 1
                hit = hit and proxy.matched > skip and not (times and len(proxy.hits) >= times)
                length = int(self.headers.get("Content-Length") or 0)
                if proxy.down or (hit and fault == "stop"):
                    self.rfile.read(length // 2)
                    proxy.down = True
                    proxy.hits.append(path)
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                body = self.rfile.read(length) if length else None
                if hit and fault in ("refuse", "unavailable"):
                    proxy.hits.append(path)
                    error_code, status = (code, 403) if fault == "refuse" else ("ServiceUnavailable", 503)
                    error = (f"<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>{error_code}</Code>"
                             f"<Message>refused by the faulty proxy</Message><Resource>{path}</Resource></Error>")
                    self.answer(status, error.encode(), [("Content-Type", "application/xml")])
                    return
                connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=60)
                connection.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                answer = connection.getresponse()
                data = answer.read()
                connection.close()
                if hit and fault == "corrupt" and answer.status in (200, 206) and data:
                    data = bytes([data[0] ^ 1]) + data[1:]
                    proxy.hits.append(path)
                elif hit and fault == "slow":
                    proxy.hits.append(path)
                    time.sleep(delay)
                elif hit and fault == "unavailable-after":
                    proxy.hits.append(path)
                    error = ("<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>ServiceUnavailable</Code><Message>"
                             f"answered 503 by the faulty proxy</Message><Resource>{path}</Resource></Error>")
                    self.answer(503, error.encode(), [("Content-Type", "application/xml")])
                    return
                headers = [(name, value) for name, value in answer.getheaders()
                           if name.lower() not in ("transfer-encoding", "connection", "content-length")]
                head_length = int(answer.getheader("Content-Length") or 0) if self.command == "HEAD" else None
                with contextlib.suppress(OSError):  # the client may have given up waiting
                    self.answer(answer.status, data, headers, head_length)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward  # noqa: N815 - the http.server API

        super().__init__(ProxyHandler)

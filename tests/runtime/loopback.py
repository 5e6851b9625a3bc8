"""The HTTP plumbing shared by the loopback stand-ins (kube_api.py, faulty_proxy.py): a
threaded server on 127.0.0.1 and a free port, a handler that answers with a body and its
length and logs nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, code: int, body: bytes, headers: Iterable[tuple[str, str]] = (),
               length: int | None = None) -> None:
        """Answers `code` with `body`; `length`: the Content-Length of an answer to HEAD, which has no body."""
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class LoopbackServer:
    """Serves `handler` on 127.0.0.1 from a thread of its own until stop()."""

    def __init__(self, handler: type[Handler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

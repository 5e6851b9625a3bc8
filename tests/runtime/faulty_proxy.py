"""A loopback HTTP proxy in front of the real S3 server that damages chosen responses: the
fault a network or a broken store could cause, which a healthy server never shows.

Requests pass through unchanged (the Host header too, so SigV4 signatures still verify);
a GET whose path ends with one of `corrupt_suffixes` gets its first body byte flipped.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class FaultyProxy:
    def __init__(self, upstream: str, corrupt_suffixes: tuple[str, ...]) -> None:
        target = urlsplit(upstream)
        proxy = self
        self.corrupted: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=60)
                connection.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                answer = connection.getresponse()
                data = answer.read()
                path = urlsplit(self.path).path
                if self.command == "GET" and answer.status in (200, 206) and data and path.endswith(corrupt_suffixes):
                    data = bytes([data[0] ^ 1]) + data[1:]
                    proxy.corrupted.append(path)
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                connection.close()

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward  # noqa: N815 - the http.server API

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

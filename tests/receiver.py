"""A real local HTTP endpoint for Apprise's ``json://127.0.0.1:PORT/`` targets.

It records every message it accepts and can be told to be down (answer 500, or refuse
connections by closing its socket) or to stall before reading a request.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Start with ``with Receiver() as receiver:``; ``receiver.url`` is the Apprise URL."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.mode = "up"  # up | error (HTTP 500) | stall (hang before reading the request)
        # Stall on this request (1-based) only; the stalled request is never recorded.
        self.stall_on: int | None = None
        self.requests = 0
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/"

    def titles(self) -> list[str]:
        with self._lock:
            return [message["title"] for message in self.messages]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                with receiver._lock:
                    receiver.requests += 1
                    stall = receiver.mode == "stall" or receiver.requests == receiver.stall_on
                if stall:
                    receiver.stalled.set()
                    receiver._release.wait(30)
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                with receiver._lock:
                    receiver.messages.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


"""The local stack's control port: `POST /drain` delivers the stream now and answers when counts are up to date."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from infra.local.pump import EventPump


class _Handler(BaseHTTPRequestHandler):
    server: ControlServer

    def do_POST(self) -> None:
        if self.path == "/drain":
            self._answer(200, {"delivered": self.server.pump.drain()})
        else:
            self._answer(404, {"Code": "NotFoundError", "Message": "POST /drain is the only action here"})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        pass


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, pump: EventPump) -> None:
        super().__init__((host, port), _Handler)
        self.pump = pump

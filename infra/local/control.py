"""The local stack's control port.

`POST /drain` delivers the stream now and answers once counts are up to date; `POST /schedule/<name>` runs a
schedule now (`POST /schedule/publish_demand_reports`: every product's demand report); `GET /stats` tells how
the pump keeps up (records delivered and given up, and the lag of those delivered since the last ask) and the
most memory moto's server has held; `GET /mailbox` shows the mail SES sent, newest last, as moto's server keeps it
(the local stand-in for a customer's inbox: nothing leaves the machine).
"""

from __future__ import annotations

import email
import email.policy
import json
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from infra.local.pump import EventPump


class _Handler(BaseHTTPRequestHandler):
    server: ControlServer

    def do_GET(self) -> None:
        if self.path == "/stats":
            self._answer(200, {**self.server.pump.stats(), "moto_peak_mb": self.server.moto_peak_mb()})
        elif self.path == "/mailbox":
            self._answer(200, {"mail": self.server.mailbox.read()})
        else:
            self._answer(404, {"Code": "NotFoundError", "Message": "the things to GET here are /stats and /mailbox"})

    def do_POST(self) -> None:
        pump = self.server.pump
        name = self.path.removeprefix("/schedule/")
        if self.path == "/drain":
            self._answer(200, {"delivered": pump.drain()})
        elif name in pump.schedules:
            try:
                result = pump.fire(name)
            except Exception as error:  # the function failed: say so, as Lambda's console would
                self._answer(500, {"Code": type(error).__name__, "Message": str(error)})
            else:
                self._answer(200, {"fired": name, "result": result})
        else:
            actions = ", ".join(["POST /drain", *(f"POST /schedule/{s}" for s in pump.schedules)])
            self._answer(404, {"Code": "NotFoundError", "Message": f"the actions here are: {actions}"})

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

    def __init__(
        self, host: str, port: int, pump: EventPump, moto_peak_mb: Callable[[], float | None], mailbox: Mailbox
    ) -> None:
        super().__init__((host, port), _Handler)
        self.pump = pump
        self.moto_peak_mb = moto_peak_mb
        self.mailbox = mailbox


class Mailbox:
    """The mail SES sent, read from moto's server: who it went to, its subject, its text and its unsubscribe link."""

    def __init__(self, moto_url: str) -> None:
        self.moto_url = moto_url

    def read(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.moto_url}/moto-api/data.json", timeout=10) as answer:
            state = json.load(answer)
        sent = state.get("ses", {}).get("RawMessage", [])
        return [_mail(message["raw_data"]) for message in sent]


def _mail(raw: str) -> dict[str, Any]:
    # As bytes: a text part sent 8-bit, parsed from a str, would come back with its non-ASCII characters escaped.
    message = email.message_from_bytes(raw.encode(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return {
        "to": message["To"],
        "subject": message["Subject"],
        "text": body.get_content() if body is not None else "",
        "unsubscribe": str(message["List-Unsubscribe"] or "").strip("<>"),
    }

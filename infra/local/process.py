"""The local stack as a child process, started as `make run` starts it, on free ports: for tests and benches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import requests

from infra.local.moto_server import free_port
from infra.local.stage import ROOT

READY = "Ctrl-C stops everything."


@dataclass
class LocalStack:
    process: subprocess.Popen[str]
    api_port: int
    moto_port: int
    pump_port: int
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def control(self) -> str:
        return f"http://127.0.0.1:{self.pump_port}"

    def drain(self) -> int:
        """Wait until every vote so far is counted; how many stream records that took."""
        answer = requests.post(f"{self.control}/drain", timeout=60)
        answer.raise_for_status()
        return int(answer.json()["delivered"])

    def fire(self, schedule: str) -> None:
        requests.post(f"{self.control}/schedule/{schedule}", timeout=120).raise_for_status()

    def mailbox(self) -> list[dict[str, Any]]:
        """The mail SES has sent (`GET /mailbox` on the control port), oldest first."""
        answer = requests.get(f"{self.control}/mailbox", timeout=10)
        answer.raise_for_status()
        mail: list[dict[str, Any]] = answer.json()["mail"]
        return mail

    def stats(self) -> dict[str, Any]:
        """The event pump's figures and the moto server's memory (`GET /stats` on the control port)."""
        answer = requests.get(f"{self.control}/stats", timeout=10)
        answer.raise_for_status()
        stats: dict[str, Any] = answer.json()
        return stats

    def aws(self, service: str) -> Any:
        """A client of the stack's moto server, for looking behind the API."""
        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{self.moto_port}",
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def stop(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout)


def start(environment: Mapping[str, str] | None = None, timeout: float = 120) -> LocalStack:
    """`python -m infra.local` on free ports, once it says it is ready; `environment` adds stage variables."""
    api_port, moto_port, pump_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "COCREATE_API_PORT": str(api_port),
        "COCREATE_MOTO_PORT": str(moto_port),
        "COCREATE_PUMP_PORT": str(pump_port),
        "PYTHONUNBUFFERED": "1",
        **(environment or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack = LocalStack(process, api_port, moto_port, pump_port)
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            stack.output.append(line)
            if READY in line:
                ready.set()
        ready.set()  # the process ended: stop waiting

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(timeout) or process.poll() is not None:
        process.kill()
        raise RuntimeError("the local stack did not start:\n" + "".join(stack.output))
    return stack

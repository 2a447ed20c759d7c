"""moto's server (made faithful to DynamoDB: see faithful_moto) in a child process, which dies with its parent and
is stopped cleanly on exit."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from infra.local.stage import ROOT

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # If the local stack is killed outright, the kernel stops moto too: no server left behind.
    if sys.platform == "linux":
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class MotoServer(NamedTuple):
    url: str
    pid: int

    def peak_memory_mb(self) -> float | None:
        """The most memory the server has held at once (its peak resident set), where Linux tells."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        kilobytes = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)
        return round(kilobytes / 1024, 1) if kilobytes is not None else None


@contextlib.contextmanager
def moto_server(host: str, port: int, timeout: float = 30.0) -> Iterator[MotoServer]:
    """Run moto's server on host:port until the block ends; yields it once it answers."""
    url = f"http://{host}:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local.faithful_moto", "-H", host, "-p", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - only sets the parent-death signal
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto's server exited with status {process.returncode} before answering")
            try:
                with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto's server did not answer on {url} within {timeout:.0f}s") from None
                time.sleep(0.1)
        yield MotoServer(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

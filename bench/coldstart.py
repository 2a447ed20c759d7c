"""What a cold start costs: importing the app beside a bare Chalice + boto3 + pydantic + Powertools import, both
from the deployment zip as Lambda runs it, and the zip's size.

The zip `make package` builds is unpacked as Lambda unpacks it to /var/task, beside the runtime's boto3 (linked
from .venv, bytecode and all, as the runtime ships it). Each import runs in a fresh isolated interpreter that
may not write a bytecode cache, as on Lambda. Two measures: instructions counted by valgrind's callgrind (the
same count run after run, whatever else the machine does; skipped without valgrind) and wall time (the median
of several runs, the kinds taking turns so a busy machine slows them alike).
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from infra.local.stage import ROOT
from infra.package import unpack_as_lambda

RUNS = 15
GOAL_RATIO = 1.25
GOAL_ZIP_MB = 25.0

APP = "import app"
BARE = (
    "import boto3; from chalice import Chalice; from pydantic import BaseModel; "
    "from aws_lambda_powertools import Logger, Metrics, Tracer"
)


@dataclass(frozen=True)
class Lambda:
    """A function's code as Lambda lays it out."""

    path: list[Path]

    def command(self, statement: str, timed: bool = False) -> list[str]:
        # -I: nothing from the environment or the user's site; -S: no site-packages; -B: no bytecode written.
        path = f"import sys; sys.path[:0] = {[str(p) for p in self.path]!r}"
        if timed:
            statement = f"import time; t = time.perf_counter(); {statement}; print((time.perf_counter() - t) * 1e3)"
        return [sys.executable, "-I", "-S", "-B", "-c", f"{path}; {statement}"]

    def milliseconds(self, statement: str) -> float:
        out = subprocess.run(self.command(statement, timed=True), check=True, capture_output=True, text=True)
        return float(out.stdout.split()[-1])

    def instructions(self, statement: str) -> int:
        valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        out = subprocess.run(valgrind + self.command(statement), check=True, capture_output=True, text=True)
        collected = re.search(r"Collected : (\d+)", out.stderr)
        assert collected, out.stderr
        return int(collected.group(1))


def package(out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "infra.package", "--stage", "prod", str(out)], cwd=ROOT, check=True)
    return out / "deployment.zip"


def measure() -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as out:
        archive = package(Path(out))
        figures["zip_mb"] = archive.stat().st_size / 1e6
        with zipfile.ZipFile(archive) as zipped:
            figures["unzipped_mb"] = sum(entry.file_size for entry in zipped.infolist()) / 1e6
        with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as other:
            compiled = Lambda(unpack_as_lambda(archive, Path(one)))
            source_only = Lambda(unpack_as_lambda(archive, Path(other), bytecode=False))
            kinds = {"app": (compiled, APP), "bare": (compiled, BARE), "app_source_only": (source_only, APP)}
            baseline = compiled.instructions("pass") if shutil.which("valgrind") else None
            for kind, (function, statement) in kinds.items():
                if baseline is not None:
                    figures[f"{kind}_instructions"] = function.instructions(statement) - baseline
            times: dict[str, list[float]] = {kind: [] for kind in kinds}
            for _ in range(RUNS):
                for kind, (function, statement) in kinds.items():
                    times[kind].append(function.milliseconds(statement))
            figures.update({f"{kind}_ms": statistics.median(runs) for kind, runs in times.items()})
    return figures

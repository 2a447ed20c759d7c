"""What a cold start costs, to the first answer: importing a function's code and handling its first event (the
first clients, the tracer, the first validators), beside the bare libraries handling the same event, both from
the deployment zip as Lambda runs it; and the zip's size.

The zip `make package` builds is unpacked as Lambda unpacks it to /var/task, beside the runtime's boto3 (linked
from .venv, bytecode and all, as the runtime ships it). Each run is a fresh isolated interpreter that may not
write a bytecode cache, as on Lambda, with Lambda's environment: tracing on (a sampled trace header, as for a
cold start's first request), the stage's settings, and AWS calls sent to a moto server.

- the API function: `GET /ideas/{id}` for one idea, through app.py; the bare one, a one-route Chalice app with
  Powertools' logger, metrics and tracer that reads the same item with boto3 and answers it through pydantic;
- the stream function: one ballot record, through app.py; the bare one, a Powertools-traced handler beside a
  Chalice app that reads the records with boto3's deserializer, reads the idea into a pydantic model and writes
  one transaction.

Both bare functions import the stack's four libraries (boto3, Chalice, pydantic, Powertools), as the app's do.

Two measures: instructions counted by valgrind's callgrind (the same count run after run, whatever else the
machine does; skipped without valgrind) and wall time (the median of several runs, the kinds taking turns so a
busy machine slows them alike). moto's own work is in neither count: it runs in its own process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from infra.local import stage
from infra.local.moto_server import free_port, moto_server
from infra.local.provision import provision
from infra.package import unpack_as_lambda

RUNS = 9
GOAL_RATIO = 1.25
GOAL_ZIP_MB = 25.0

IDEA_ID = "s" + "b" * 16
FIRST_CALLS = Path(__file__).parent / "first_call"
API_EVENT = {
    "resource": "/ideas/{idea_id}",
    "path": f"/ideas/{IDEA_ID}",
    "httpMethod": "GET",
    "headers": {"Host": "api.example"},
    "multiValueHeaders": {},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": {"idea_id": IDEA_ID},
    "stageVariables": None,
    "requestContext": {"resourcePath": "/ideas/{idea_id}", "httpMethod": "GET", "requestId": "r", "path": "/api"},
    "body": None,
    "isBase64Encoded": False,
}
# Each measured program: the import of a module of bench/first_call, which handles its function's first event.
PROGRAMS = {kind: f"import {kind}" for kind in ("api", "bare_api", "stream", "bare_stream")}


@dataclass(frozen=True)
class Lambda:
    """A function's code as Lambda lays it out, run where its inputs are, with Lambda's environment."""

    path: list[Path]
    workdir: Path
    environment: Mapping[str, str]

    def command(self, program: str, timed: bool = False) -> list[str]:
        # -I: nothing from the environment or the user's site; -S: no site-packages; -B: no bytecode written.
        lines = [f"import sys; sys.path[:0] = {[str(p) for p in [*self.path, self.workdir]]!r}"]
        if timed:
            lines.append("import time; started = time.perf_counter()")
        lines.append(program)
        if timed:
            lines.append("print('elapsed', (time.perf_counter() - started) * 1e3)")
        script = self.workdir / f"program-{abs(hash(program))}-{timed}.py"
        script.write_text("\n".join(lines))
        return [sys.executable, "-I", "-S", "-B", str(script)]

    def run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        # -I ignores PYTHON* variables only: the function's environment still reaches it, as on Lambda.
        return subprocess.run(
            command, check=True, capture_output=True, text=True, cwd=self.workdir, env=dict(self.environment)
        )

    def milliseconds(self, program: str) -> float:
        out = self.run(self.command(program, timed=True)).stdout
        return float(out.split("elapsed")[-1].split()[0])

    def instructions(self, program: str) -> int:
        valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        out = self.run(valgrind + self.command(program))
        collected = re.search(r"Collected : (\d+)", out.stderr)
        assert collected, out.stderr
        return int(collected.group(1))


def package(out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "infra.package", "--stage", "prod", str(out)], cwd=stage.ROOT, check=True)
    return out / "deployment.zip"


def lambda_environment(moto_url: str) -> dict[str, str]:
    """The functions' settings (the local stage's names), tracing on, AWS at moto."""
    return {
        **stage.environment(),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_LAMBDA_FUNCTION_NAME": "cocreate-cold-start",
        "POWERTOOLS_TRACE_DISABLED": "false",
        "POWERTOOLS_METRICS_DISABLED": "false",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",  # nobody listens: segments go nowhere, as they cost the same
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    }


@contextmanager
def aws(workdir: Path) -> Iterator[str]:
    """moto's server with the stage's resources, one idea to read, and a ballot record as the stream sent it."""
    with moto_server("127.0.0.1", free_port()) as moto:
        env = stage.environment()
        session = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
        )
        client = session.client("dynamodb", endpoint_url=moto.url)
        for variable in ("AWS_ACCOUNT_ID_ENDPOINT_MODE",):
            os.environ[variable] = env[variable]
        provision(_EndpointSession(session, moto.url), stage.resource_names(env))
        table = env["COCREATE_TABLE"]
        idea = {
            "PK": {"S": f"IDEA#{IDEA_ID}"},
            "SK": {"S": "META"},
            "idea_id": {"S": IDEA_ID},
            "product_id": {"S": "roadster"},
            "kind": {"S": "suggestion"},
            "title": {"S": "A roof rack"},
            "description": {"S": "For two surfboards."},
            "status": {"S": "open"},
            "created_at": {"S": "2026-11-20T09:30:00.000Z"},
            "updated_at": {"S": "2026-11-20T09:30:00.000Z"},
            "up": {"N": "3"},
            "down": {"N": "0"},
            "vote_budget": {"N": "10"},
        }
        client.put_item(TableName=table, Item=idea)
        ballot_keys = {"PK": {"S": "CUSTOMER#cold"}, "SK": {"S": "BALLOT#roadster"}}
        record = {
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "dynamodb": {
                "Keys": ballot_keys,
                "NewImage": {
                    **ballot_keys,
                    "product_id": {"S": "roadster"},
                    "budget": {"N": "10"},
                    f"vote:{IDEA_ID}": {"N": "1"},
                },
                "SequenceNumber": "100000000000000000001",
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        }
        event = {"Records": [record], "shardId": "shardId-cold-start", "state": {}}
        (workdir / "stream_event.json").write_text(json.dumps(event))
        (workdir / "api_event.json").write_text(json.dumps(API_EVENT))
        for program in FIRST_CALLS.glob("*.py"):
            shutil.copy(program, workdir / program.name)
        yield moto.url


class _EndpointSession:
    """A boto3 session whose clients all go to one endpoint."""

    def __init__(self, session: Any, url: str) -> None:
        self.session, self.url = session, url

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.url)


def measure() -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as work:
        archive = package(Path(out))
        figures["zip_mb"] = archive.stat().st_size / 1e6
        with zipfile.ZipFile(archive) as zipped:
            figures["unzipped_mb"] = sum(entry.file_size for entry in zipped.infolist()) / 1e6
        with tempfile.TemporaryDirectory() as unpacked, aws(Path(work)) as moto_url:
            function = Lambda(unpack_as_lambda(archive, Path(unpacked)), Path(work), lambda_environment(moto_url))
            counting = shutil.which("valgrind") is not None
            baseline = function.instructions("pass") if counting else 0
            for kind, program in PROGRAMS.items():
                if counting:
                    figures[f"{kind}_instructions"] = function.instructions(program) - baseline
            times: dict[str, list[float]] = {kind: [] for kind in PROGRAMS}
            for _ in range(RUNS):
                for kind, program in PROGRAMS.items():
                    times[kind].append(function.milliseconds(program))
            figures.update({f"{kind}_ms": statistics.median(runs) for kind, runs in times.items()})
    unit = "instructions" if "api_instructions" in figures else "ms"
    for function_kind in ("api", "stream"):
        figures[f"{function_kind}_ratio"] = figures[f"{function_kind}_{unit}"] / figures[f"bare_{function_kind}_{unit}"]
    return figures

"""A typed client generated from /openapi.json (openapi-python-client) type-checks with mypy --strict, and the
README's walk-through works through it against the local stack (tests/e2e/generated/walkthrough.py)."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from infra.local.tokens import token

pytestmark = pytest.mark.e2e

WALKTHROUGH = Path(__file__).parent / "generated" / "walkthrough.py"
TOOLS = Path(sys.executable).parent  # the generator and mypy, beside this interpreter in .venv


def run(*command: str, cwd: Path) -> str:
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"}  # the generator runs ruff
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def client_package(local_stack, tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("generated")
    (where / "openapi.json").write_text(json.dumps(requests.get(f"{local_stack.url}/openapi.json", timeout=10).json()))
    said = run(
        str(TOOLS / "openapi-python-client"),
        "generate",
        "--path",
        "openapi.json",
        "--output-path",
        "cocreate_client",
        "--meta",
        "none",
        cwd=where,
    )
    assert "Warning" not in said, said
    shutil.copy(WALKTHROUGH, where / "walkthrough.py")
    return where


# The generator's fixed scaffolding (client.py, the same for every document) passes `*args` to `__exit__`, which
# this mypy refuses; everything the document shapes (models, operations) is checked strictly.
MYPY_CONFIG = """
[mypy]
strict = True
[mypy-cocreate_client.client]
disable_error_code = arg-type
"""


def test_the_generated_client_and_the_walkthrough_type_check_strictly(client_package):
    (client_package / "mypy.ini").write_text(MYPY_CONFIG)
    run(
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        "mypy.ini",
        "--no-incremental",
        "walkthrough.py",
        cwd=client_package,
    )


def test_the_walkthrough_works_through_the_generated_client(client_package, local_stack, monkeypatch):
    monkeypatch.syspath_prepend(str(client_package))
    walkthrough = importlib.import_module("walkthrough")
    walkthrough.walk(
        local_stack.url,
        token("e2e-client-ada"),
        token("e2e-client-pat", "product-team"),
        local_stack.drain,
        local_stack.fire,
    )

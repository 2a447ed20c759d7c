"""The real local stack, started as `make run` starts it, on free ports, and driven over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from infra.local import process
from infra.local.process import LocalStack


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    stack = process.start()
    yield stack
    stack.stop()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))  # room for 40 at once
        yield session

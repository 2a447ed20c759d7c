"""pytest hooks for make mutate (mutmut 3), loaded by tests/conftest.py; they do nothing in a plain test run.

mutmut runs every test once with no bug planted ("stats"), then, for each planted bug, the tests that reach the
function it is in, stopping at the first that fails. These hooks time each test whole on that first run (mutmut's
own timing leaves out the set-up, and a new moto world is most of an integration test), then run each bug's tests
quickest first, and only as many as fit in MUTANT_SECONDS of those times (always one): a bug that only slower
tests would catch counts as surviving, so the score is a lower bound. MUTANT_SECONDS=inf runs them all. A bug
that makes them loop is stopped at four times their time, and counts as caught (timed out).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

MUTANT_SECONDS = float(os.environ.get("MUTANT_SECONDS", "5"))
_TIMINGS = Path("test-timings.json")  # in mutants/, where mutmut runs the tests
_timings: Counter[str] = Counter()


def _timing() -> bool:  # mutmut's first run, unmutated, which records what each test reaches
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


def _planted() -> bool:  # a run of the tests of one planted bug
    return "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", "")


def pytest_sessionstart() -> None:
    # Powertools' log handler keeps the stdout it was made with, which pytest's capture had replaced: a second
    # session in one process (mutmut runs several) would find it closed: point it at this session's.
    if observability := sys.modules.get("chalicelib.observability"):
        for handler in observability.logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream.closed:
                handler.stream = sys.stdout  # (setStream would flush the closed one first)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _timing():
        _timings[report.nodeid] += report.duration


def pytest_sessionfinish() -> None:
    if _timing():  # mutmut may time some tests again (new ones): keep the others' times
        timings = json.loads(_TIMINGS.read_text()) if _TIMINGS.exists() else {}
        _TIMINGS.write_text(json.dumps(timings | _timings))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not (_planted() and _TIMINGS.exists()):
        return
    timings = json.loads(_TIMINGS.read_text())
    items.sort(key=lambda item: timings.get(item.nodeid, float("inf")))
    spent = 0.0
    for n, item in enumerate(items):
        cost = timings.get(item.nodeid, float("inf"))
        if n and spent + cost > MUTANT_SECONDS:
            config.hook.pytest_deselected(items=items[n:])
            del items[n:]
            break
        spent += cost
    # A bug that makes the tests loop is caught: end them at four times their time, not at mutmut's limit, which
    # allows fifteen times that of every test that reaches the function (minutes). 36 is mutmut's "timeout".
    if spent < float("inf"):
        signal.signal(signal.SIGALRM, lambda *_: os._exit(36))
        signal.setitimer(signal.ITIMER_REAL, 4 * spent + 10)

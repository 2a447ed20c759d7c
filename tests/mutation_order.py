"""pytest hooks for make mutate (mutmut 3), loaded by tests/conftest.py; they do nothing in a plain test run.

mutmut runs every test once with no bug planted ("stats"), recording which functions each reaches, then, for each
planted bug, the tests that reach the function it is in, stopping at the first that fails. These hooks:
- time each test whole on that first run (mutmut's own timing leaves out the set-up, and a new moto world is most
  of an integration test), and skip mutmut's second run of them all unmutated, which can only pass again;
- warm up mutmut's fork server, from which a process is forked per bug, so that no bug pays for imports;
- run each bug's tests most likely to catch it first: those that caught another bug in its function, then the most
  aimed, those that reach the fewest functions (a unit test of the function before an API test that passes
  through it), quickest first among equals, half a second of each parametrised test's cases before more of any;
  and only as many as fit in MUTANT_SECONDS of their times (always one). A bug that only the tests left out would
  catch counts as surviving, so the score is a lower bound. MUTANT_SECONDS=inf runs them all. A bug that makes
  them loop is stopped at four times their time, and counts as caught (timed out).
"""

from __future__ import annotations

import gc
import json
import logging
import math
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

MUTANT_SECONDS = float(os.environ.get("MUTANT_SECONDS", "5"))
# In mutants/, where mutmut runs the tests:
_STATS = Path("mutmut-stats.json")  # mutmut's: the tests that reach each function
_TIMINGS = Path("test-timings.json")  # each test's whole time, from the first run
_PASSED = Path("stats-passed")  # the first run passed every test
_CAUGHT = Path("caught-by.jsonl")  # which test failed for a bug, and the function it was planted in
_timings: Counter[str] = Counter()
_plan: dict[str, tuple[int, float]] = {}  # test: (how many functions it reaches, its time)
_TURN = 0.5  # seconds of one test's cases before the others have their turn


def _timing() -> bool:  # mutmut's first run, unmutated, which records what each test reaches
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


def _clean(config: pytest.Config) -> bool:  # mutmut's second run of them, unmutated
    return os.environ.get("MUTANT_UNDER_TEST") == "" and not config.option.collectonly


def _forking(config: pytest.Config) -> bool:  # mutmut's fork server, collecting the tests before the first bug
    return os.environ.get("MUTANT_UNDER_TEST") == "" and config.option.collectonly


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
    elif _planted() and report.failed:
        with _CAUGHT.open("a") as caught:  # one short line per write: whole, beside the other worker's
            caught.write(json.dumps({"function": _function(), "test": report.nodeid}) + "\n")


def _function() -> str:  # the one the bug under test is planted in
    return os.environ["MUTANT_UNDER_TEST"].rpartition("__mutmut_")[0]


def _caught_before() -> set[str]:
    """The tests that caught another bug in the same function: most likely to catch this one."""
    if not _CAUGHT.exists():
        return set()
    function = _function()
    return {
        caught["test"] for caught in map(json.loads, _CAUGHT.read_text().splitlines()) if caught["function"] == function
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _timing():  # mutmut may time some tests again (new ones): keep the others' times
        timings = json.loads(_TIMINGS.read_text()) if _TIMINGS.exists() else {}
        _TIMINGS.write_text(json.dumps(timings | _timings))
        if exitstatus == 0 and not any("::" in arg for arg in session.config.args):  # all of them, not new ones
            _PASSED.touch()
    elif _forking(session.config):
        _load_plan()
        _warm_up()


def _load_plan() -> dict[str, tuple[int, float]]:
    if not _plan and _TIMINGS.exists():
        reached = json.loads(_STATS.read_text())["tests_by_mangled_function_name"]
        breadth = Counter(test for tests in reached.values() for test in tests)
        _plan.update((test, (breadth[test], time)) for test, time in json.loads(_TIMINGS.read_text()).items())
    return _plan


def _warm_up() -> None:
    """Pay once, in the fork server, what the first integration test in a process pays: the app's import, AWS's
    service models, Chalice's routes and pydantic's validators (half a second), then put all of it out of the
    garbage collector's sight: each process forked from here would otherwise scan it (a quarter of a second at
    pytest's end alone)."""
    from app import app, on_table_change
    from chalicelib import wiring
    from infra.local import stage
    from infra.local.gateway import test_client
    from infra.local.pump import EventPump
    from infra.local.seed import seed
    from tests.conftest import Api, local_stage, moto_world
    from tests.tokens import CUSTOMER

    with local_stage() as env, moto_world(env) as session:
        seed(wiring.services())
        EventPump(session, env["COCREATE_TABLE"], on_table_change).drain()
        api = Api(test_client(app, str(stage.ROOT), stage.STAGE))
        idea_id = api.get("/products/roadster/ideas").json_body["items"][0]["idea_id"]
        api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=CUSTOMER)
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _clean(config) and _PASSED.exists():
        # The first run, a moment ago in this process's parent, passed them all: a second would take four minutes.
        _PASSED.unlink()
        for item in items:
            item.add_marker(pytest.mark.skip(reason="passed unmutated on mutmut's first run"))
    elif _planted() and (plan := _load_plan()):
        unknown = (math.inf, math.inf)
        items.sort(key=lambda item: plan.get(item.nodeid, unknown))
        # Each test runs half a second of its cases in a turn, and the next turn waits for every test to have had
        # one: a dozen cases of one slow test, which differ less than two tests do, would fill the budget.
        spent_on: Counter[str] = Counter()
        turn = {}
        for item in items:
            test = item.nodeid.partition("[")[0]
            turn[item.nodeid] = spent_on[test] // _TURN if spent_on[test] < math.inf else math.inf  # never timed
            spent_on[test] += plan.get(item.nodeid, unknown)[1]
        items.sort(key=lambda item: turn[item.nodeid])  # stable: within a turn, most aimed first still
        caught = _caught_before()
        items.sort(key=lambda item: item.nodeid not in caught)
        spent = 0.0
        for n, item in enumerate(items):
            time = plan.get(item.nodeid, unknown)[1]
            if n and spent + time > MUTANT_SECONDS:
                config.hook.pytest_deselected(items=items[n:])
                del items[n:]
                break
            spent += time
        # A bug that makes the tests loop is caught: end them at four times their time, not at mutmut's limit,
        # fifteen times that of every test that reaches the function (minutes). 36 is mutmut's "timeout".
        if spent < math.inf:
            signal.signal(signal.SIGALRM, lambda *_: os._exit(36))
            signal.setitimer(signal.ITIMER_REAL, 4 * spent + 10)

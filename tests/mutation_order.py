"""pytest hooks for make mutate (mutmut 3), loaded by tests/conftest.py; they do nothing in a plain test run.

mutmut runs every test once with no bug planted ("stats"), in its own process, recording which functions each
reaches; then, for each planted bug, in a process forked from its own, the tests that reach the function the bug
is in, stopping at the first that fails. These hooks:
- time each test whole on that first run (mutmut's own timing leaves out the set-up, and a new moto world is most
  of an integration test), and skip mutmut's second run of them all unmutated, which can only pass again;
- record, on that first run, which lines of chalicelib/ each test runs (coverage.py), and give each bug only the
  tests that ran the statement it is planted in: the others run the function as it was, and pass as they did (a
  bug in a function's signature, a default, meets every test of the function; one whose statement no test runs
  meets none, and mutmut reports "no tests");
- run each bug's tests most likely to catch it first: those that caught another bug in its function (half the budget
  of them at most); then every unit test that ran its statement (they take milliseconds); then, half a second of
  each test's cases a turn (a dozen cases of one slow test differ less than two tests do), those named after what
  the bug's statement names, then after its function (`test_inbox.py`, or a test name with "inbox", for
  `Inbox.page`), those that caught the most bugs a second so far, the most aimed (those that reach the fewest
  functions: a unit test of the function before an API test through it), the quickest; and only as many as fit in
  MUTANT_SECONDS of their times (always one). A bug that only the tests left out would catch counts as surviving, so
  the score is a lower bound. MUTANT_SECONDS=inf runs them all. A bug that makes them loop is stopped at four times
  their time, and counts as caught (timed out).
What these choices read is read once, before the first fork, so that no bug pays for it.
"""

from __future__ import annotations

import ast
import difflib
import json
import logging
import math
import os
import re
import signal
import sys
import textwrap
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, NamedTuple

import pytest

MUTANT_SECONDS = float(os.environ.get("MUTANT_SECONDS", "5"))
# In mutants/, where mutmut runs the tests:
_STATS = Path("mutmut-stats.json")  # mutmut's: the tests that reach each function
_TIMINGS = Path("test-timings.json")  # each test's whole time, from the first run
_PASSED = Path("stats-passed")  # the first run passed every test
_CAUGHT = Path("caught-by.jsonl")  # which test failed for a bug, and the function it was planted in
_LINES = Path("lines-run")  # coverage.py's data from the first run: the lines of chalicelib/ each test ran
_timings: Counter[str] = Counter()
_plan: dict[str, tuple[int, float]] = {}  # test: (how many functions it reaches, its time)
_ran: defaultdict[str, defaultdict[int, set[str]]] = defaultdict(lambda: defaultdict(set))  # file: line: tests
_COVERAGE = pytest.StashKey[Any]()  # the first run's coverage.Coverage
_TURN = 0.5  # seconds of one test's cases before the others have their turn
_CHEAP = 0.05  # seconds: a test quicker is a unit test, and hundreds of those take half a second together
_COMMON = {  # words that say nothing of what a test or a line is about
    *("chalicelib", "domain", "service", "store", "tests", "test", "unit", "integration", "the", "and", "its"),
    *("self", "none", "true", "false", "return", "not", "for", "else", "item", "key", "value", "name", "len"),
    *("int", "str", "get", "expression", "update", "with", "idea"),  # (nearly every test names ideas)
}


def _timing() -> bool:  # mutmut's first run, unmutated, which records what each test reaches
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


def _clean(config: pytest.Config) -> bool:  # mutmut's second run of them, unmutated
    return os.environ.get("MUTANT_UNDER_TEST") == "" and not config.option.collectonly


def _planted() -> bool:  # a run of the tests of one planted bug
    return "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", "")


def pytest_sessionstart(session: pytest.Session) -> None:
    if _timing():
        _record_lines(session)
    # Powertools' log handler keeps the stdout it was made with, which pytest's capture had replaced: a second
    # session in one process (mutmut runs several) would find it closed: point it at this session's.
    if observability := sys.modules.get("chalicelib.observability"):
        for handler in observability.logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream.closed:
                handler.stream = sys.stdout  # (setStream would flush the closed one first)


def _record_lines(session: pytest.Session) -> None:
    """Record which lines of chalicelib/ each test runs (coverage.py, one context per test): a bug can only be
    caught by a test that runs the statement it is planted in."""
    import coverage

    if not _partial(session):  # mutmut times new tests on their own: keep the others' lines
        for old in Path().glob(f"{_LINES}.*"):
            old.unlink()
    lines = coverage.Coverage(
        data_file=str(_LINES), data_suffix=True, include=[str(Path("chalicelib").resolve() / "*")], config_file=False
    )
    lines.start()
    session.config.stash[_COVERAGE] = lines


def _partial(session: pytest.Session) -> bool:
    return any("::" in arg for arg in session.config.args)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    if lines := item.config.stash.get(_COVERAGE, None):
        lines.switch_context(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _timing():
        _timings[report.nodeid] += report.duration
    elif _planted() and report.failed:
        with _CAUGHT.open("a") as caught:  # one short line per write: whole, beside the other worker's
            caught.write(json.dumps({"function": _function(), "test": report.nodeid}) + "\n")


def _function() -> str:  # the one the bug under test is planted in
    return os.environ["MUTANT_UNDER_TEST"].rpartition("__mutmut_")[0]


def _caught_before() -> tuple[set[str], Counter[str]]:
    """The tests that caught another bug in the same function, most likely to catch this one; and how many bugs
    each test caught, anywhere."""
    caught = [json.loads(line) for line in _CAUGHT.read_text().splitlines()] if _CAUGHT.exists() else []
    function = _function()
    return {c["test"] for c in caught if c["function"] == function}, Counter(c["test"] for c in caught)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _timing():  # mutmut may time some tests again (new ones): keep the others' times
        lines = session.config.stash[_COVERAGE]
        lines.stop()
        lines.save()
        timings = json.loads(_TIMINGS.read_text()) if _TIMINGS.exists() else {}
        _TIMINGS.write_text(json.dumps(timings | _timings))
        if exitstatus == 0 and not _partial(session):
            _PASSED.touch()
    elif _clean(session.config):
        _load_plan()  # the last run before mutmut forks, in the process it forks from


def _load_plan() -> dict[str, tuple[int, float]]:
    if not _plan and _TIMINGS.exists():
        reached = json.loads(_STATS.read_text())["tests_by_mangled_function_name"]
        breadth = Counter(test for tests in reached.values() for test in tests)
        _plan.update((test, (breadth[test], time)) for test, time in json.loads(_TIMINGS.read_text()).items())
        from coverage import CoverageData

        for path in Path().glob(f"{_LINES}.*"):
            data = CoverageData(str(path))
            data.read()
            for file in data.measured_files():
                ran = _ran["chalicelib/" + file.rpartition(f"{os.sep}chalicelib{os.sep}")[2]]  # mutants/ may move
                for line, tests in data.contexts_by_lineno(file).items():
                    ran[line].update(tests)
    return _plan


class _Bug(NamedTuple):
    """Where the bug under test is planted."""

    file: str
    statement: range | None  # the file's lines of its statement; None in the function's signature (a default)
    text: str  # the lines it changed, as they were


def _the_bug() -> _Bug:
    module, _, mutant = os.environ["MUTANT_UNDER_TEST"].rpartition(".")
    file = Path(*module.split(".")).with_suffix(".py")
    if not file.exists():
        file = file.with_suffix("") / "__init__.py"
    source = file.read_text().splitlines()
    original = mutant.rpartition("__mutmut_")[0] + "__mutmut_orig"
    start, unmutated = _lines_of(source, original)
    _, planted = _lines_of(source, mutant)
    planted[0] = planted[0].replace(mutant, original)
    changed = [
        line
        for tag, first, last, _, _ in difflib.SequenceMatcher(None, unmutated, planted).get_opcodes()
        if tag != "equal"
        for line in range(first, max(last, first + 1))
    ]
    tree = ast.parse(textwrap.dedent("\n".join(unmutated))).body[0]
    statement = _innermost(tree, min(changed) + 1, max(changed) + 1)
    return _Bug(
        str(file),
        None if statement is None else range(start + statement.start - 1, start + statement.stop - 1),
        "\n".join(unmutated[line] for line in changed),
    )


def _lines_of(source: list[str], function: str) -> tuple[int, list[str]]:
    """A function's first line in the file (counting from 1), and its lines."""
    first = next(n for n, line in enumerate(source) if line.lstrip().startswith(f"def {function}("))
    indent = len(source[first]) - len(source[first].lstrip())
    last = first + 1
    while last < len(source) and (
        not source[last].strip()
        or len(source[last]) - len(source[last].lstrip()) > indent
        or source[last].lstrip().startswith(")")  # a signature's end
    ):
        last += 1
    while not source[last - 1].strip():
        last -= 1
    return first + 1, source[first:last]


def _innermost(node: ast.AST, first: int, last: int) -> range | None:
    """The lines of the innermost statement (or except clause) holding lines first to last: a compound one's
    own, before its body. None if that is the function itself."""
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.stmt | ast.excepthandler):
            continue
        if child.lineno <= first and last <= (child.end_lineno or child.lineno):
            if inner := _innermost(child, first, last):
                return inner
            body = getattr(child, "body", None)
            if isinstance(body, list) and body and last < body[0].lineno:
                return range(child.lineno, max(body[0].lineno, child.lineno + 1))
            return range(child.lineno, (child.end_lineno or child.lineno) + 1)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _clean(config) and _PASSED.exists():
        # The first run, a moment ago in this process's parent, passed them all: a second would take four minutes.
        _PASSED.unlink()
        for item in items:
            item.add_marker(pytest.mark.skip(reason="passed unmutated on mutmut's first run"))
    elif _planted() and (plan := _load_plan()):
        try:
            _aim(config, items, plan)
        except Exception:  # pytest would call it an internal error, which mutmut counts as caught
            traceback.print_exc()
            os._exit(35)  # mutmut's "suspicious"


def _words(name: str) -> set[str]:
    """The words of a function's or a test's name that say what it is about, singular."""
    words = (word.lower() for word in re.findall("[A-Z]?[a-z]{3,}", name))
    return {re.sub("ies$", "y", word).removesuffix("s") for word in words} - _COMMON


def _named_after(words: set[str], test: str) -> int:
    """How many of these words the test's name has, or words alike ("erase" and "erasure", not "comment" and
    "commitment")."""
    said = _words(test)
    return sum(any(_alike(word, other) for other in said) for word in words)


def _alike(a: str, b: str) -> bool:
    shorter = min(len(a), len(b))
    shared = next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), shorter)
    return shared == shorter or shared >= max(4, 0.75 * shorter)


def _aim(config: pytest.Config, items: list[pytest.Item], plan: dict[str, tuple[int, float]]) -> None:
    """Keep the tests that may catch the bug under test, those most likely to first, as many as fit the budget."""
    bug = _the_bug()
    if bug.statement is not None:  # the tests that ran it; the others run the function as it was and pass again
        running = {test for line in bug.statement for test in _ran[bug.file].get(line, ())}
        config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in running])
        items[:] = [item for item in items if item.nodeid in running]
        if not items:
            return  # none runs it: pytest's "no tests ran", and mutmut's "no tests"
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
    here, anywhere = _caught_before()
    function, statement = _words(_function()), _words(bug.text)

    def likely(item: pytest.Item) -> tuple[float, ...]:
        test, time = item.nodeid.partition("[")[0], plan.get(item.nodeid, unknown)[1]
        named = _named_after(statement, test), _named_after(function, test)
        return (time >= _CHEAP, turn[item.nodeid], -named[0], -named[1], -anywhere[item.nodeid] / max(time, 0.01))

    # The unit tests that ran the statement first: all of them cost less than a slow test. Then, within a turn,
    # tests named after what the statement names ("merged" for a line that sets `merged_into`), then after the
    # function (test_inbox.py for `Inbox.page`), then those that have caught the most bugs a second, then the
    # most aimed.
    items.sort(key=likely)
    # Before all, those that caught another bug in this function; but only half the budget of them, so that a
    # function whose bugs many slow tests caught still meets the tests aimed at this bug's statement.
    first, spent = [], 0.0
    for item in items:
        if item.nodeid in here and spent < MUTANT_SECONDS / 2:
            first.append(item)
            spent += plan.get(item.nodeid, unknown)[1]
    items[:] = first + [item for item in items if item not in first]
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

"""make mutate's choice of tests for a planted bug (tests/mutation_order.py): a wrong choice would leave out the
tests that catch it, and the score would fall for no fault of the tests."""

import ast
import textwrap

import pytest

from tests.mutation_order import _alike, _innermost, _lines_of, _named_after, _words

FUNCTION = '''\
def x_f__mutmut_orig(
    a: int, b: int = 2
) -> int:
    """Docs."""
    if a > b:
        total = sum(
            [a, b],
        )
    try:
        return total // b
    except ZeroDivisionError:
        return 0
'''


@pytest.mark.parametrize(
    ("changed", "statement"),
    [
        (5, range(5, 6)),  # an if's test: its own line, not its body
        (7, range(6, 9)),  # a line within a call: the whole statement
        (10, range(10, 11)),  # within a try's body
        (11, range(11, 12)),  # an except clause: the line that matches the exception
        (2, None),  # a default: the signature, which every test of the function runs
    ],
)
def test_a_bug_is_run_by_the_tests_that_ran_the_statement_it_is_in(changed, statement):
    tree = ast.parse(FUNCTION).body[0]
    assert _innermost(tree, changed, changed) == statement


def test_a_function_ends_at_the_next_line_as_indented_as_its_def_not_at_its_signatures_end():
    source = [*textwrap.indent(FUNCTION, "    ").splitlines(), "", "    def x_f__mutmut_1(", "        a: int"]
    start, lines = _lines_of(source, "x_f__mutmut_orig")
    assert (start, len(lines)) == (1, len(FUNCTION.splitlines()))


def test_tests_are_named_after_a_function_by_its_words_singular_or_alike():
    assert _words("chalicelib.store.tallies.xǁTallyStoreǁ_count") == {"tally", "count"}
    assert _named_after({"comment", "erase"}, "tests/integration/test_customer_data.py::test_erasure_of_comments") == 2
    assert _alike("follow", "following") and _alike("erase", "erasure")
    assert not _alike("comment", "commitment") and not _alike("notice", "notification")

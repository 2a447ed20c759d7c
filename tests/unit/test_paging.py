import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.errors import InvalidInput
from chalicelib.store.paging import decode, encode

FIXED = {"LISTING": "PRODUCT#p#STATUS#open", "SK": "META"}
FREE = frozenset({"PK", "NEW_SK"})
KEY = {**FIXED, "PK": "IDEA#s1", "NEW_SK": "2026-11-22T10:00:00.000Z#s1"}


def test_a_cursor_leads_back_to_its_key():
    assert decode("new:p", encode("new:p", KEY), FIXED, FREE) == KEY


def test_a_cursor_of_another_list_is_refused():
    with pytest.raises(InvalidInput, match="cursor"):
        decode("new:q", encode("new:p", KEY), FIXED, FREE)


@pytest.mark.parametrize("position", [0, 5, 12, 30, -1])
def test_an_edited_cursor_is_refused(position):
    cursor = encode("new:p", KEY)
    edited = cursor[:position] + ("A" if cursor[position] != "A" else "B") + cursor[position + 1 :][: len(cursor)]
    with pytest.raises(InvalidInput, match="cursor"):
        decode("new:p", edited, FIXED, FREE)


def test_a_cursor_naming_another_partition_is_refused_even_with_a_good_checksum():
    forged = encode("new:p", {**KEY, "LISTING": "PRODUCT#other#STATUS#open"})
    with pytest.raises(InvalidInput):
        decode("new:p", forged, FIXED, FREE)


@given(st.text(max_size=300))
def test_any_text_is_a_cursor_or_a_clear_refusal(text):
    with contextlib.suppress(InvalidInput):
        decode("new:p", text, FIXED, FREE)

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


@pytest.mark.parametrize(
    "forged",
    [
        {**KEY, "PK": 7},  # a number where the table keeps text: boto3 would send it, DynamoDB would refuse it
        {**KEY, "NEW_SK": ["2026"]},
        {**KEY, "NEW_SK": ""},
        {**KEY, "NEW_SK": "x" * 1025},  # past DynamoDB's 1 KB sort key
        {**KEY, "EXTRA": "x"},
        {k: v for k, v in KEY.items() if k != "NEW_SK"},
    ],
)
def test_a_cursor_with_a_good_checksum_but_a_key_dynamodb_would_refuse_is_refused(forged):
    # The checksum keeps no secret (anyone can make one): it is the key's shape that keeps a forged cursor a 400.
    with pytest.raises(InvalidInput, match="cursor"):
        decode("new:p", encode("new:p", forged), FIXED, FREE)


@pytest.mark.parametrize("sort_key", ["x", "é", "x" * 1024])
def test_key_values_from_one_character_to_1_kb_make_cursors(sort_key):
    key = {**KEY, "NEW_SK": sort_key}
    assert decode("new:p", encode("new:p", key), FIXED, FREE) == key


@given(st.text(min_size=1, max_size=200).filter(lambda t: len(t.encode()) <= 1024))
def test_every_key_leads_back_to_itself_whatever_its_length(sort_key):
    # Every length of cursor, so every length of base64 padding left off and put back.
    key = {**KEY, "NEW_SK": sort_key}
    assert decode("new:p", encode("new:p", key), FIXED, FREE) == key


@given(st.text(max_size=300))
def test_any_text_is_a_cursor_or_a_clear_refusal(text):
    with contextlib.suppress(InvalidInput):
        key = decode("new:p", text, FIXED, FREE)
        assert set(key) == set(KEY)
        assert all(key[name] == value for name, value in FIXED.items())

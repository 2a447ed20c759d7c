"""Text hygiene, for every text field: what a reader sees is what is stored, and there is something to see."""

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from chalicelib.domain.text import Description, Label, Title

one_line = TypeAdapter(Title)
labels = TypeAdapter(Label)
paragraphs = TypeAdapter(Description)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("\u200b\u200b\u200b", "visible text"),  # zero-width spaces only
        ("\u2060\ufeff\u200d", "visible text"),  # word joiner, BOM, zero-width joiner
        ("\u3164\u3164", "visible text"),  # Hangul filler: renders blank
        ("\u2800", "visible text"),  # braille blank
        ("Cork\u202eesrever", "U+202E"),  # right-to-left override: shows "Corkreverse"
        ("a\u2066b\u2069", "U+2066"),  # left-to-right isolate
        ("a\u202ab", "U+202A"),
        ("price\u0085list", "U+0085"),  # C1: next line
        ("a\u009bb", "U+009B"),  # C1: control sequence introducer
        ("two\u2028lines", "U+2028"),
        ("two\u2029paragraphs", "U+2029"),
        ("tab\there", "U+0009"),
        ("a\x00b", "U+0000"),
        ("lone \ud800 surrogate", "unicode string"),  # not text at all
    ],
)
def test_one_line_text_that_deceives_or_shows_nothing_is_refused_saying_why(text, says):
    for field in (one_line, labels):
        with pytest.raises(ValidationError, match=re.escape(says)):
            field.validate_python(text)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("\u200b\n\u200b", "visible text"),
        ("See \u202edetails", "U+202E"),
        ("a\u0085b", "U+0085"),
        ("a\x07b", "U+0007"),
    ],
)
def test_paragraphs_that_deceive_or_show_nothing_are_refused_saying_why(text, says):
    with pytest.raises(ValidationError, match=re.escape(says)):
        paragraphs.validate_python(text)


@pytest.mark.parametrize(
    "text",
    [
        "Matte green, cork interior",
        "زیتونی",  # Persian
        "می\u200cخواهم",  # a zero-width non-joiner inside a Persian word is spelling, not deception
        "👩\u200d🔧 mechanic",  # a zero-width joiner inside an emoji sequence
        "שלום עולם",  # right-to-left script, without direction controls
    ],
)
def test_real_text_in_any_script_passes(text):
    assert one_line.validate_python(text) == text
    assert paragraphs.validate_python(f"{text}\nSecond line.\tTabbed.") == f"{text}\nSecond line.\tTabbed."


def test_text_is_stored_in_one_normal_form():
    decomposed = "Cafe\u0301 au lait"  # e + combining acute
    assert one_line.validate_python(decomposed) == "Café au lait"
    assert paragraphs.validate_python(f"  {decomposed}  ") == "Café au lait"

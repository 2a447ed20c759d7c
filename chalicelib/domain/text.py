"""Text as customers and product teams type it: trimmed, NFC-normalised, visible, nothing that deceives a
reader; and time. Every text field of the API is one of these types."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, StringConstraints

# Characters no customer means to type and that deceive a reader: C0 and C1 controls (tabs and line breaks are
# layout in multi-line text), bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069:
# they reorder what is shown, so that a title reads otherwise than it is stored). One-line text also refuses
# the line and paragraph separators U+2028 and U+2029. (pydantic refuses lone surrogates: they are not text.)
_DECEIVING = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_IN_PARAGRAPHS = re.compile(f"[{_DECEIVING}]")
_IN_ONE_LINE = re.compile(f"[{_DECEIVING}\t\n\r\u2028\u2029]")
# What shows nothing: spaces, zero-width and other format characters, and the fillers that render blank.
_BLANK_CATEGORIES = ("Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me")
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _nfc(value: object) -> object:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _visible(value: str) -> str:
    if all(c in _BLANK_LETTERS or unicodedata.category(c) in _BLANK_CATEGORIES for c in value):
        raise ValueError("must contain visible text, not only spaces or invisible characters")
    return value


def _one_line(value: str) -> str:
    if found := _IN_ONE_LINE.search(value):
        raise ValueError(f"must be one line of text, without control or direction characters (found {_name(found)})")
    return _visible(value)


def _paragraphs(value: str) -> str:
    if found := _IN_PARAGRAPHS.search(value):
        raise ValueError(f"must be text without control or direction characters (found {_name(found)})")
    return _visible(value)


def _name(found: re.Match[str]) -> str:
    return f"U+{ord(found.group()):04X}"


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    BeforeValidator(_nfc),  # wraps what precedes it, so it runs first
    AfterValidator(_one_line),
]
Label = Annotated[  # an option dimension or value, e.g. "colour" or "matte green"
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
    BeforeValidator(_nfc),  # wraps what precedes it, so it runs first
    AfterValidator(_one_line),
]
Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
    BeforeValidator(_nfc),  # wraps what precedes it, so it runs first
    AfterValidator(_paragraphs),
]
SearchText = Annotated[  # what a customer would write, searched for among ideas
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=500),
    BeforeValidator(_nfc),  # wraps what precedes it, so it runs first
    AfterValidator(_paragraphs),
]
CommentText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    BeforeValidator(_nfc),  # wraps what precedes it, so it runs first
    AfterValidator(_paragraphs),
]


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds: the API's one time format."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[datetime, PlainSerializer(iso, return_type=str)]


def utc_now() -> datetime:
    """Now, to the millisecond: what is stored is what was computed with."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)

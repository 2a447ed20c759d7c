"""Text as customers and product teams type it: trimmed, NFC-normalised, no control characters; and time."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, StringConstraints

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and line breaks are layout


def _nfc(value: object) -> object:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _one_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must be one line of text without control characters")
    return value


def _paragraphs(value: str) -> str:
    if _CONTROL_BUT_LAYOUT.search(value):
        raise ValueError("must be text without control characters")
    return value


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


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds: the API's one time format."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[datetime, PlainSerializer(iso, return_type=str)]


def utc_now() -> datetime:
    """Now, to the millisecond: what is stored is what was computed with."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)

"""Stream records as the domain sees them: what each one does to idea tallies, which events it announces, and
which public answers it gives.

A record is read whole, as soon as it arrives: every value it carries is checked here, so that a record that
cannot be read is known before anything is committed, and set aside on its own (`Unreadable`) instead of
failing the records around it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from boto3.dynamodb.types import TypeDeserializer

from chalicelib.domain.events import DomainEvent, comment_events, idea_events
from chalicelib.domain.voting import Tally, comment_change, commitment_change, tally_change
from chalicelib.store.ballots import commitments, counted_votes
from chalicelib.store.comments import visible_feeling
from chalicelib.store.keys import BALLOT_PREFIX, COMMENT_PREFIX
from chalicelib.store.quarantine import Unreadable
from chalicelib.store.schema import PARTITION_KEY, SORT_KEY

_deserializer = TypeDeserializer()


class ItemKind(StrEnum):
    BALLOT = "ballot"
    IDEA = "idea"
    COMMENT = "comment"
    OTHER = "other"  # products, checkpoints, limits: nothing to do


class Answer(NamedTuple):
    """The product team answered an idea in public at a moment: its customers' negative comments before it
    stop waiting."""

    idea_id: str
    at: datetime


class Change(NamedTuple):
    sequence_number: int
    kind: ItemKind
    tallies: Mapping[str, Tally]
    events: tuple[DomainEvent, ...] = ()
    unreadable: Unreadable | None = None
    answer: Answer | None = None

    @property
    def does_anything(self) -> bool:
        return bool(self.tallies or self.events or self.unreadable or self.answer)


def _image(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in (attributes or {}).items()}


def _kind(key: Mapping[str, Any]) -> ItemKind:
    if str(key[SORT_KEY]).startswith(BALLOT_PREFIX):
        return ItemKind.BALLOT
    if key[SORT_KEY] == "META":
        if str(key[PARTITION_KEY]).startswith("IDEA#"):
            return ItemKind.IDEA
        if str(key[PARTITION_KEY]).startswith(COMMENT_PREFIX):
            return ItemKind.COMMENT
    return ItemKind.OTHER


def _votes(image: Mapping[str, Any]) -> dict[str, int]:
    votes = counted_votes(image)
    wrong = {idea: value for idea, value in votes.items() if value not in (1, -1)}
    if wrong:
        raise ValueError(f"{len(wrong)} votes are not 1 or -1")
    return votes


def _written(stream: Mapping[str, Any]) -> datetime:
    """When the record was written (the same on every delivery)."""
    created = stream["ApproximateCreationDateTime"]  # seconds from Lambda; a datetime when read back by boto3
    seconds = created.timestamp() if isinstance(created, datetime) else float(created)
    return datetime.fromtimestamp(seconds, UTC)


def _day(stream: Mapping[str, Any]) -> str:
    """The UTC date the record was written: the day its votes count as gained."""
    return _written(stream).date().isoformat()


def ballot_change(stream: Mapping[str, Any], old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Tally]:
    """What a ballot's record changes of each idea's counts: its votes and its commitments."""
    votes = tally_change(_votes(old), _votes(new), _day(stream))
    committed = commitment_change(commitments(old), commitments(new))
    return {idea_id: votes.get(idea_id, Tally()) + committed.get(idea_id, Tally()) for idea_id in votes | committed}


def _answer(old: Mapping[str, Any], new: Mapping[str, Any]) -> Answer | None:
    at = new.get("answered_at")
    if not at or at == old.get("answered_at"):
        return None
    return Answer(new["idea_id"], datetime.fromisoformat(at))


def read(record: Mapping[str, Any]) -> Change:
    """The change a DynamoDB Streams record (as Lambda delivers it) makes; Unreadable when it cannot be read."""
    sequence_number = int(record["dynamodb"]["SequenceNumber"])  # without one, Lambda would not have sent it
    try:
        stream = record["dynamodb"]
        kind = _kind(_image(stream["Keys"]))
        old, new = _image(stream.get("OldImage")), _image(stream.get("NewImage"))
        if kind is ItemKind.BALLOT:
            return Change(sequence_number, kind, ballot_change(stream, old, new))
        if kind is ItemKind.IDEA:
            return Change(
                sequence_number, kind, {}, tuple(idea_events(old, new, _written(stream))), answer=_answer(old, new)
            )
        if kind is ItemKind.COMMENT:
            counted = comment_change(visible_feeling(old), visible_feeling(new))
            tallies = {(new or old)["idea_id"]: counted} if counted else {}
            return Change(sequence_number, kind, tallies, tuple(comment_events(old, new)))
        return Change(sequence_number, kind, {})
    except Exception as error:
        reason = f"{type(error).__name__}: {str(error)[:500]}"
        kept = json.dumps(record, default=str)  # whatever it holds: it is kept to be read
        return Change(sequence_number, ItemKind.OTHER, {}, unreadable=Unreadable(kept, reason))

"""Stream records as the domain sees them: which item changed, from what, to what."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from chalicelib.domain.events import DomainEvent, idea_events
from chalicelib.domain.voting import Tally, tally_change
from chalicelib.store.ballots import counted_votes
from chalicelib.store.schema import PARTITION_KEY, SORT_KEY


class ItemKind(StrEnum):
    BALLOT = "ballot"
    IDEA = "idea"
    OTHER = "other"  # products, checkpoints: nothing to do


class StreamRecord(Protocol):
    """What we read of Powertools' DynamoDBRecord."""

    @property
    def dynamodb(self) -> Any: ...


class Change(NamedTuple):
    sequence_number: int
    kind: ItemKind
    old: Mapping[str, Any]
    new: Mapping[str, Any]

    @classmethod
    def from_record(cls, record: StreamRecord) -> Change:
        stream = record.dynamodb
        key = stream.keys
        if key[SORT_KEY].startswith("BALLOT#"):
            kind = ItemKind.BALLOT
        elif key[PARTITION_KEY].startswith("IDEA#") and key[SORT_KEY] == "META":
            kind = ItemKind.IDEA
        else:
            kind = ItemKind.OTHER
        return cls(int(stream.sequence_number), kind, stream.old_image or {}, stream.new_image or {})

    def events(self) -> list[DomainEvent]:
        """What this change announces: only ideas announce."""
        return idea_events(self.old, self.new) if self.kind is ItemKind.IDEA else []

    def tallies(self) -> dict[str, Tally]:
        """How this change moves idea tallies: only ballots move them."""
        if self.kind is not ItemKind.BALLOT:
            return {}
        # Cast and released votes both count: releasing a vote moves it between them and changes no tally.
        return tally_change(counted_votes(self.old), counted_votes(self.new))

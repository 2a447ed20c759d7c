"""Stream records that could not be read, set aside in the table for an operator to read and replay
(`python -m infra.ops quarantine`); the consumer puts them here in the commit that moves past them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from chalicelib.domain.text import iso, utc_now
from chalicelib.observability import traced
from chalicelib.store import keys
from chalicelib.store.schema import PARTITION_KEY
from chalicelib.store.table import Expression, Item, Put, Table


class Unreadable(NamedTuple):
    """A record that could not be read, as Lambda delivered it, and why."""

    record: str  # JSON
    reason: str


class SetAside(NamedTuple):
    shard_id: str
    sequence_number: int
    unreadable: Unreadable
    quarantined_at: str


def set_aside(shard_id: str, sequence_number: int, unreadable: Unreadable) -> Put:
    """The write that keeps a record in the quarantine, for the commit's transaction."""
    return Put(
        {
            **keys.quarantined(shard_id, sequence_number),
            "shard_id": shard_id,
            "sequence_number": str(sequence_number),
            "record": unreadable.record,
            "reason": unreadable.reason,
            "quarantined_at": iso(utc_now()),
        }
    )


def _set_aside(item: Item) -> SetAside:
    return SetAside(
        item["shard_id"],
        int(item["sequence_number"]),
        Unreadable(item["record"], item["reason"]),
        item["quarantined_at"],
    )


@traced
class Quarantine:
    def __init__(self, table: Table) -> None:
        self.table = table

    def all(self) -> Iterator[SetAside]:
        """Every record set aside, by shard and then in stream order."""
        partition = Expression("#pk = :q", {"#pk": PARTITION_KEY}, {":q": keys.QUARANTINE_PARTITION})
        for item in self.table.query_all(partition):
            yield _set_aside(item)

    def remove(self, record: SetAside) -> None:
        self.table.delete(keys.quarantined(record.shard_id, record.sequence_number))

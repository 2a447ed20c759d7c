"""Events waiting for the bus: written in the same transaction as the commit that makes them true, sent after
it, and removed once sent. Whatever could not be sent then is sent by `send_pending`, on a schedule."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from chalicelib.domain.events import DomainEvent, Envelope
from chalicelib.observability import count, logger, traced
from chalicelib.publish.events import EventPublisher
from chalicelib.store import keys
from chalicelib.store.schema import PARTITION_KEY
from chalicelib.store.table import Expression, Item, Put, Table, key_of


class Pending(NamedTuple):
    """A commit's events, in the outbox."""

    key: keys.Key
    events: tuple[Envelope, ...]


def _pending(item: Item) -> Pending:
    return Pending(key_of(item), tuple(Envelope(*entry) for entry in json.loads(item["events"])))


@traced
class Outbox:
    def __init__(self, table: Table) -> None:
        self.table = table

    def entry(self, shard_id: str, upto: int, events: Sequence[DomainEvent]) -> tuple[Put, Pending]:
        """The write that puts a commit's events in the outbox, for its transaction, and what it holds."""
        pending = Pending(keys.outbox(shard_id, upto), tuple(event.envelope() for event in events))
        return Put({**pending.key, "events": json.dumps(pending.events)}), pending

    def send(self, pending: Pending, bus: EventPublisher) -> bool:
        """Send a commit's events and take them out of the outbox; False (and they stay) when the bus failed."""
        try:
            bus.publish(pending.events)
        except Exception:
            count("EventsDeferred")
            logger.warning("events could not be sent: they wait in the outbox", extra={"events": len(pending.events)})
            return False
        self.table.delete(pending.key)
        return True

    def send_pending(self, bus: EventPublisher) -> int:
        """Send every commit's events still in the outbox, oldest first; how many commits' events went."""
        partition = Expression("#pk = :outbox", {"#pk": PARTITION_KEY}, {":outbox": keys.OUTBOX_PARTITION})
        return sum(self.send(_pending(item), bus) for item in list(self.table.query_all(partition)))

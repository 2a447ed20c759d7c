"""Everything a customer owns, found by key or index, never by a Scan: their partition (ballots, follows,
notifications, preferences), what they wrote (the authored index), and their write windows. And the customers
who asked to be forgotten, until they are."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain.text import iso
from chalicelib.observability import traced
from chalicelib.store import keys
from chalicelib.store.schema import AUTHORED, PARTITION_KEY, SORT_KEY
from chalicelib.store.table import Expression, Item, Table, key_of


def _partition(value: str) -> Expression:
    return Expression("#pk = :pk", {"#pk": PARTITION_KEY}, {":pk": value})


@traced
class CustomerRecords:
    def __init__(self, table: Table) -> None:
        self.table = table

    def owned(self, customer_id: str) -> list[Item]:
        """Every item of the customer's partition, read consistently."""
        return list(self.table.query_all(_partition(keys.customer(customer_id)), consistent=True))

    def authored(self, customer_id: str) -> list[Item]:
        """The ideas and comments the customer wrote, as stored."""
        partition = Expression("#a = :a", {"#a": AUTHORED.partition_key}, {":a": keys.author(customer_id)})
        found = [key_of(item) for item in self.table.query_all(partition, index=AUTHORED.name)]
        return self.table.batch_get(found, consistent=True)

    def write_windows(self, customer_id: str) -> list[keys.Key]:
        return [key_of(i) for i in self.table.query_all(_partition(keys.write_windows(customer_id)))]

    def delete(self, item_keys: Sequence[keys.Key]) -> None:
        self.table.batch_write(deletes=item_keys)

    def request_erasure(self, customer_id: str, at: datetime) -> None:
        self.table.put({**keys.erasure(customer_id), "requested_at": iso(at)})

    def erasures(self) -> list[str]:
        """The customers waiting to be forgotten, read consistently."""
        items = self.table.query_all(_partition(keys.ERASURES_PARTITION), consistent=True)
        return [item[SORT_KEY] for item in items]

    def erased(self, customer_id: str) -> None:
        self.table.delete(keys.erasure(customer_id))

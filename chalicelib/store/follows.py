"""Who follows which idea: one item per customer and idea, in the customer's partition, following or not. A
follower is also listed in the idea's followers (the timeline index), which is what a notice is delivered to; an
unfollow takes them off that list and stays, so that no later vote makes them follow again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from chalicelib.domain.text import iso
from chalicelib.observability import traced
from chalicelib.store import keys
from chalicelib.store.schema import PARTITION_KEY, TIMELINE
from chalicelib.store.table import ConditionFailed, Expression, Item, Table

_NEW = Expression("attribute_not_exists(PK)")


def _follow(customer_id: str, idea_id: str, following: bool, at: datetime) -> Item:
    item: Item = {**keys.follow(customer_id, idea_id), "idea_id": idea_id, "following": following, "since": iso(at)}
    if following:
        item |= {TIMELINE.partition_key: keys.followers(idea_id), TIMELINE.sort_key: customer_id}
    return item


@traced
class FollowStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def follow(self, customer_id: str, idea_id: str, at: datetime) -> None:
        self.table.put(_follow(customer_id, idea_id, True, at))

    def unfollow(self, customer_id: str, idea_id: str, at: datetime) -> None:
        self.table.put(_follow(customer_id, idea_id, False, at))

    def follow_unless_decided(self, customer_id: str, idea_id: str, at: datetime) -> bool:
        """Follow, unless the customer follows already or unfollowed: whether they follow now for the first time."""
        try:
            self.table.put(_follow(customer_id, idea_id, True, at), condition=_NEW)
        except ConditionFailed:
            return False
        return True

    def following(self, customer_id: str, idea_id: str) -> bool:
        item = self.table.get(keys.follow(customer_id, idea_id))
        return bool(item and item.get("following"))

    def followers(self, idea_id: str, start: Mapping[str, str] | None, limit: int) -> tuple[list[str], Item | None]:
        """One page of the idea's followers, by customer id, and where the next starts (None after the last)."""
        partition = Expression("#p = :p", {"#p": TIMELINE.partition_key}, {":p": keys.followers(idea_id)})
        found, last = self.table.query(partition, index=TIMELINE.name, start=start, limit=limit)
        return [item[PARTITION_KEY].removeprefix(keys.CUSTOMER_PREFIX) for item in found], last

"""Each customer's notifications, in their partition, newest last by id; an unread one is listed in the timeline
index too, which is what the unread filter and count read. Delivery is a conditional put of an id made from the
event, so that a notice delivered twice gives nobody a second notification; DynamoDB's TTL removes notifications
`NOTIFICATION_DAYS` after they were made."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from chalicelib.domain.notifications import NOTIFICATION_DAYS, Notification
from chalicelib.observability import traced
from chalicelib.store import keys, paging
from chalicelib.store.schema import PARTITION_KEY, SORT_KEY, TABLE, TIMELINE, TTL_ATTRIBUTE
from chalicelib.store.table import ConditionFailed, Expression, Item, Table

_NEW = Expression("attribute_not_exists(PK)")
_FIELDS = tuple(Notification.model_fields)


def stored_notification(item: Item) -> Notification:
    return Notification.model_validate({name: item.get(name) for name in _FIELDS})


@traced
class Inbox:
    def __init__(self, table: Table) -> None:
        self.table = table

    def deliver(self, customer_id: str, notification: Notification) -> bool:
        """Put the notification (unread) in the customer's inbox, unless it is there already: whether it is new."""
        item: Item = {
            **keys.notification(customer_id, notification.notification_id),
            **notification.model_dump(mode="json"),
            TIMELINE.partition_key: keys.unread(customer_id),
            TIMELINE.sort_key: notification.notification_id,
            TTL_ATTRIBUTE: _expires(notification.created_at),
        }
        try:
            self.table.put(item, condition=_NEW)
        except ConditionFailed:
            return False
        return True

    def page(
        self, customer_id: str, *, unread: bool, limit: int, cursor: str | None
    ) -> tuple[list[Notification], str | None]:
        """A page of the customer's notifications, newest first: all of them, or only the unread ones."""
        mine = keys.customer(customer_id)
        if unread:
            index, partition, prefix = TIMELINE, keys.unread(customer_id), None
            fixed = {TIMELINE.partition_key: partition, PARTITION_KEY: mine}
        else:
            index, partition, prefix = TABLE, mine, keys.NOTIFICATION_PREFIX
            fixed = {PARTITION_KEY: mine}
        items, next_cursor = paging.page(
            self.table,
            index,
            partition,
            fixed=fixed,
            limit=limit,
            cursor=cursor,
            descending=True,
            sort_prefix=prefix,
        )
        return [stored_notification(item) for item in items], next_cursor

    def unread(self, customer_id: str) -> int:
        partition = Expression("#p = :p", {"#p": TIMELINE.partition_key}, {":p": keys.unread(customer_id)})
        return self.table.count(partition, index=TIMELINE.name)

    def mark_read(self, customer_id: str, notification_ids: Iterable[str]) -> int:
        """Mark the customer's notifications read (ids that are not theirs, or gone, change nothing): how many
        were unread."""
        marked = 0
        for notification_id in notification_ids:
            try:
                self.table.update(
                    keys.notification(customer_id, notification_id),
                    Expression(
                        "SET #read = :read REMOVE #list, #position",
                        {"#read": "read", "#list": TIMELINE.partition_key, "#position": TIMELINE.sort_key},
                        {":read": True},
                    ),
                    condition=Expression("#read = :unread", values={":unread": False}),  # the request's names
                )
            except ConditionFailed:
                continue
            marked += 1
        return marked

    def unread_ids(self, customer_id: str) -> list[str]:
        partition = Expression("#p = :p", {"#p": TIMELINE.partition_key}, {":p": keys.unread(customer_id)})
        return [
            item[SORT_KEY].removeprefix(keys.NOTIFICATION_PREFIX)
            for item in self.table.query_all(partition, index=TIMELINE.name, attributes=(PARTITION_KEY, SORT_KEY))
        ]


def _expires(created_at: datetime) -> int:
    return int((created_at + timedelta(days=NOTIFICATION_DAYS)).timestamp())

"""Per-customer write limits: a counter per customer and minute, one conditional write per request."""

from __future__ import annotations

from datetime import datetime

from chalicelib.errors import RateLimited
from chalicelib.observability import traced
from chalicelib.services import Clock
from chalicelib.store import keys
from chalicelib.store.schema import TTL_ATTRIBUTE
from chalicelib.store.table import ConditionFailed, Expression, Table

WINDOW_SECONDS = 60


@traced
class WriteLimiter:
    """At most `per_minute` writes per customer in each clock minute; the counters expire by TTL."""

    def __init__(self, table: Table, per_minute: int, clock: Clock) -> None:
        self.table = table
        self.per_minute = per_minute
        self.clock = clock

    def admit(self, customer_id: str) -> None:
        """Count one write, or raise RateLimited, saying when the customer may write again."""
        now: datetime = self.clock()
        second = int(now.timestamp())
        window = second // WINDOW_SECONDS
        try:
            self.table.update(
                keys.write_window(customer_id, window),
                Expression(
                    "ADD hits :one SET #expires = :expires",
                    {"#expires": TTL_ATTRIBUTE},
                    {":one": 1, ":expires": (window + 2) * WINDOW_SECONDS},
                ),
                condition=Expression("attribute_not_exists(hits) OR hits < :limit", values={":limit": self.per_minute}),
            )
        except ConditionFailed:
            wait = (window + 1) * WINDOW_SECONDS - second
            raise RateLimited(
                f"more than {self.per_minute} writes in a minute: try again in {wait} seconds", retry_after_seconds=wait
            ) from None

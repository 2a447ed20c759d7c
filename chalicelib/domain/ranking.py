"""The orders a product's ideas are listed in."""

from __future__ import annotations

import math
from datetime import UTC, datetime

Z_95 = 1.96  # two-sided 95% normal quantile
HOT_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
HOT_SECONDS_PER_DECADE = 45_000  # a tenfold lead in net votes is worth 12.5 hours of recency (Reddit's choice)


def confidence(up: int, down: int) -> float:
    """Lower bound of the Wilson score interval for the share of up-votes: sure of few votes, fair to many.

    Counts below zero (a fault a recount mends) rank as none, rather than stop the ranking."""
    up, down = max(up, 0), max(down, 0)
    n = up + down
    if n == 0:
        return 0.0
    p = up / n
    z2 = Z_95 * Z_95
    centre = p + z2 / (2 * n)
    margin = Z_95 * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)
    return round((centre - margin) / (1 + z2 / n), 9)


def hot(net: int, created_at: datetime) -> float:
    """Reddit's hot score: rises with the log of net votes and with recency, and never decays by itself.

    Unlike Reddit's log10(max(|net|, 1)), log10(|net| + 1) tells one vote from none.
    """
    order = math.copysign(math.log10(abs(net) + 1), net)
    return round(order + (created_at - HOT_EPOCH).total_seconds() / HOT_SECONDS_PER_DECADE, 7)

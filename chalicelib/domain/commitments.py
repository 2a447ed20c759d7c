"""Committed demand: "I would buy this many, at up to this price", beside a customer's up-vote.

A commitment is a fact on the customer's ballot, beside the vote it needs: the one write that withdraws a vote or
turns it down removes its commitment too, and "only with an up-vote" is a condition on the item being written.
Each idea's units, committers and the prices they named are derived from the stream, like tallies.
"""

import bisect
import itertools
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from chalicelib.domain.catalogue import MAX_UNITS
from chalicelib.domain.model import Model

MAX_UNIT_PRICE = 1_000_000
CENT = Decimal("0.01")
QUANTITY = "quantity"
PRICE = "max_unit_price"


class CommitmentBody(Model):
    """The body of `PUT /ideas/{idea_id}/commitment`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    quantity: int = Field(
        ge=1, le=MAX_UNITS, description="units the caller would buy: at most the product's max_units_per_customer"
    )
    max_unit_price: float | None = Field(
        None,
        gt=0,
        le=MAX_UNIT_PRICE,
        description="the most the caller would pay for one unit, in the product's currency, to the cent",
    )

    @field_validator("quantity", mode="before")
    @classmethod
    def _an_integer(cls, value: object) -> object:
        if type(value) is not int:  # JSON's true and 2.0 are not quantities
            raise ValueError("must be a whole number of units")
        return value

    @field_validator("max_unit_price", mode="before")
    @classmethod
    def _to_the_cent(cls, value: object) -> object:
        if value is None:
            return value
        if type(value) not in (int, float) or not math.isfinite(value):  # type: ignore[arg-type]
            raise ValueError("must be a number")
        if not 0 < value <= MAX_UNIT_PRICE:  # type: ignore[operator]
            raise ValueError(f"must be more than 0 and at most {MAX_UNIT_PRICE:,}")
        exact = Decimal(str(value))  # as written: 19.99, not the float nearest to it
        if exact != exact.quantize(CENT):
            raise ValueError("must be a price to the cent, such as 24999.90")
        return value

    def stored(self) -> dict[str, Any]:
        """As the ballot holds it."""
        if self.max_unit_price is None:
            return {QUANTITY: self.quantity}
        return {QUANTITY: self.quantity, PRICE: Decimal(str(self.max_unit_price))}


class CommitmentView(Model):
    idea_id: str
    quantity: int
    max_unit_price: float | None = Field(description="null when the caller named no price")


def read_commitment(value: Any) -> tuple[int, int | None]:
    """A stored commitment's units and price in cents. Raises ValueError when it is not one."""
    quantity = value[QUANTITY]
    if int(quantity) != quantity or not 1 <= quantity <= MAX_UNITS:
        raise ValueError(f"{quantity!r} is not a quantity")
    price = value.get(PRICE)
    if price is None:
        return int(quantity), None
    cents = Decimal(price) * 100
    if cents != cents.to_integral_value() or not 0 < cents <= MAX_UNIT_PRICE * 100:
        raise ValueError(f"{price!r} is not a price to the cent")
    return int(quantity), int(cents)


def median_price(prices: Mapping[int, int]) -> float | None:
    """The exact median of the prices named (in cents, each with how many committers named it), in currency units:
    the mean of the two middle prices when their number is even. None when nobody named one."""
    named = sorted((cents, n) for cents, n in prices.items() if n)
    if not named:
        return None
    at_or_below = list(itertools.accumulate(n for _, n in named))  # how many named each price or a lower one
    total = at_or_below[-1]

    def nth(k: int) -> int:  # the kth price named, counting from 0 in price order
        return named[bisect.bisect_right(at_or_below, k)][0]

    return float(Decimal(nth((total - 1) // 2) + nth(total // 2)) / 200)  # the same one twice when total is odd

"""Votes are facts, counts are derived.

A customer's votes on one product's ideas live on one ballot: casting, changing or retracting a vote is one
write to it, which also enforces one vote per idea and the product's vote budget. Idea counts follow from how
ballots change (`tally_change`), summed by the stream consumer.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import ConfigDict, Field, field_validator

from chalicelib.domain.catalogue import ProductId
from chalicelib.domain.comments import Feeling
from chalicelib.domain.ideas import VoteValue
from chalicelib.domain.listing import PageQuery
from chalicelib.domain.model import Model

K = TypeVar("K")


class VoteBody(Model):
    """The body of `PUT /ideas/{idea_id}/vote`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    value: VoteValue = Field(description="1 to support the idea, -1 to oppose it")

    @field_validator("value", mode="before")
    @classmethod
    def _an_integer(cls, value: object) -> object:
        # Literal compares by equality, and True == 1 == 1.0 in Python; JSON's true and 1.0 are not votes.
        if type(value) is not int:
            raise ValueError("must be 1 or -1")
        return value


class VoteView(Model):
    idea_id: str
    value: VoteValue


class Ballot(Model):
    """One customer's votes on one product's ideas.

    `votes` hold budget. `released` are votes on ideas that have closed since: they still count in those ideas'
    tallies, but no longer against the budget.
    """

    model_config = ConfigDict(frozen=True)

    product_id: str
    budget: int
    votes: dict[str, VoteValue] = Field(default_factory=dict)
    released: dict[str, VoteValue] = Field(default_factory=dict)

    def vote_on(self, idea_id: str) -> VoteValue | None:
        return self.votes.get(idea_id, self.released.get(idea_id))

    @property
    def counted(self) -> dict[str, VoteValue]:
        """Every vote that counts in some idea's tally."""
        return {**self.released, **self.votes}


@dataclass(frozen=True)
class Tally:
    """One idea's counts, or a change to them: up- and down-votes, the supporters gained each day (UTC date ->
    supporters), committed units, committers, the prices they named (cents -> committers), and its visible
    comments with how they feel."""

    up: int = 0
    down: int = 0
    gained: Mapping[str, int] = field(default_factory=dict)
    units: int = 0
    committers: int = 0
    prices: Mapping[int, int] = field(default_factory=dict)
    comments: int = 0  # visible ones
    feelings: Mapping[Feeling, int] = field(default_factory=dict)  # visible comments feeling each way

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(
            up=self.up + other.up,
            down=self.down + other.down,
            gained=_sum(self.gained, other.gained),
            units=self.units + other.units,
            committers=self.committers + other.committers,
            prices=_sum(self.prices, other.prices),
            comments=self.comments + other.comments,
            feelings=_sum(self.feelings, other.feelings),
        )

    def __bool__(self) -> bool:
        return bool(
            self.up
            or self.down
            or self.gained
            or self.units
            or self.committers
            or self.prices
            or self.comments
            or self.feelings
        )

    @property
    def priced(self) -> int:
        """The change in how many commitments name a price."""
        return sum(self.prices.values())


def _sum(a: Mapping[K, int], b: Mapping[K, int]) -> dict[K, int]:
    summed = Counter(a)
    summed.update(b)
    return {key: n for key, n in summed.items() if n}


def tally_change(before: Mapping[str, int], after: Mapping[str, int], day: str) -> dict[str, Tally]:
    """How a ballot going from `before` to `after` (idea id -> ±1), on `day`, changes each idea's tally."""
    changes = {}
    for idea_id in before.keys() | after.keys():
        old, new = before.get(idea_id), after.get(idea_id)  # None: no vote
        if old != new:
            up = (new == 1) - (old == 1)
            changes[idea_id] = Tally(up=up, down=(new == -1) - (old == -1), gained={day: up} if up else {})
    return changes


Commitments = Mapping[str, tuple[int, int | None]]  # idea id -> units, and the price named in cents, if any


def commitment_change(before: Commitments, after: Commitments) -> dict[str, Tally]:
    """How a ballot's commitments going from `before` to `after` change each idea's committed demand."""
    changes = {}
    for idea_id in sorted(before.keys() | after.keys()):
        old, new = before.get(idea_id), after.get(idea_id)
        if old == new:
            continue
        prices: Counter[int] = Counter()
        if old is not None and old[1] is not None:
            prices[old[1]] -= 1
        if new is not None and new[1] is not None:
            prices[new[1]] += 1
        changes[idea_id] = Tally(
            units=(new[0] if new else 0) - (old[0] if old else 0),
            committers=(new is not None) - (old is not None),
            prices={cents: n for cents, n in prices.items() if n},
        )
    return changes


def comment_change(before: Feeling | None, after: Feeling | None) -> Tally:
    """How a comment going from counting as `before` to `after` (None: not visible) changes its idea's counts."""
    if before == after:
        return Tally()
    feelings = Counter({after: 1}) if after else Counter()
    if before:
        feelings[before] -= 1
    return Tally(comments=(after is not None) - (before is not None), feelings=dict(feelings))


class MyVote(Model):
    idea_id: str
    product_id: str
    value: VoteValue


class Budget(Model):
    used: int = Field(description="votes on open ideas of the product")
    limit: int


class MyVotesQuery(PageQuery):
    product_id: ProductId | None = Field(None, description="only this product's votes")


class MyVotes(Model):
    items: list[MyVote]
    budgets: dict[str, Budget] = Field(description="by product id")
    next_cursor: str | None = Field(description="a page holds the votes of up to `limit` products")

"""Votes are facts, counts are derived.

A customer's votes on one product's ideas live on one ballot: casting, changing or retracting a vote is one
write to it, which also enforces one vote per idea and the product's vote budget. Idea counts follow from how
ballots change (`tally_change`), summed by the stream consumer.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ConfigDict, Field, field_validator

from chalicelib.domain.catalogue import ProductId
from chalicelib.domain.ideas import VoteValue
from chalicelib.domain.listing import PageQuery
from chalicelib.domain.model import Model


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
    """Up- and down-votes, or a change to them."""

    up: int = 0
    down: int = 0

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(self.up + other.up, self.down + other.down)

    def __bool__(self) -> bool:
        return bool(self.up or self.down)


def tally_change(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, Tally]:
    """How a ballot going from `before` to `after` (idea id -> ±1) changes each idea's tally."""
    changes = {}
    for idea_id in before.keys() | after.keys():
        old, new = before.get(idea_id, 0), after.get(idea_id, 0)
        if old != new:
            changes[idea_id] = Tally(up=(new == 1) - (old == 1), down=(new == -1) - (old == -1))
    return changes


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

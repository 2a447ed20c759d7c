"""Ballots: each customer's votes on one product's ideas, one item per customer and product.

A vote is an attribute of its own, `vote:<idea id>` = ±1, beside a `used` count of them: so a customer's new
vote, their first on a product included, is one UpdateItem that creates the ballot if need be and checks the
budget and the one-vote rule in the same write. Votes on ideas that closed since move to `released:<idea id>`:
still counted in their ideas' tallies, no longer in `used`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.ideas import VoteValue
from chalicelib.domain.voting import Ballot
from chalicelib.observability import traced
from chalicelib.store import keys, paging
from chalicelib.store.schema import PARTITION_KEY, TABLE
from chalicelib.store.table import ConditionFailed, Expression, Item, Table

VOTE = "vote:"
RELEASED = "released:"


class BallotFull(Exception):
    """The vote would go over the product's budget."""

    def __init__(self, ballot: Ballot) -> None:
        super().__init__("ballot full")
        self.ballot = ballot


def _votes(item: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {name.removeprefix(prefix): int(value) for name, value in item.items() if name.startswith(prefix)}


def counted_votes(item: Mapping[str, Any]) -> dict[str, int]:
    """Every vote of a ballot item (or stream image) that counts in some idea's tally: cast and released."""
    return {**_votes(item, RELEASED), **_votes(item, VOTE)}


def _ballot(item: Item) -> Ballot:
    return Ballot(
        product_id=item["product_id"],
        budget=int(item["budget"]),
        votes=_votes(item, VOTE),
        released=_votes(item, RELEASED),
    )


@traced
class BallotStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, customer_id: str, product_id: str) -> Ballot | None:
        item = self.table.get(keys.ballot(customer_id, product_id))
        return _ballot(item) if item else None

    def cast(self, customer_id: str, product_id: str, idea_id: str, value: VoteValue, budget: int) -> bool:
        """Record a new vote in one write, the ballot's first included; a change of vote in a second one. Whether
        the ballot changed: the same vote again changes nothing.

        Raises BallotFull, with the ballot as it is, when a new vote does not fit the budget.
        """
        key = keys.ballot(customer_id, product_id)
        names = {"#vote": VOTE + idea_id}
        try:
            self.table.update(
                key,
                Expression(
                    "SET #vote = :value, product_id = :product, budget = :budget ADD used :one",
                    names,
                    {":value": value, ":product": product_id, ":budget": budget, ":one": 1},
                ),
                condition=Expression("attribute_not_exists(#vote) AND (attribute_not_exists(used) OR used < :budget)"),
            )
            return True
        except ConditionFailed as refused:
            ballot = _ballot(refused.item) if refused.item else None
        if ballot is None or ballot.votes.get(idea_id) is None:
            raise BallotFull(ballot or Ballot(product_id=product_id, budget=budget))
        if ballot.votes[idea_id] == value:
            return False
        try:
            self.table.update(
                key,
                Expression("SET #vote = :value", names, {":value": value}),
                condition=Expression("attribute_exists(#vote)"),
            )
        except ConditionFailed:  # retracted meanwhile: the retraction was the later word
            return False
        return True

    def retract(self, customer_id: str, product_id: str, idea_id: str) -> None:
        with contextlib.suppress(ConditionFailed):  # there was no vote to retract
            self.table.update(
                keys.ballot(customer_id, product_id),
                Expression("REMOVE #vote ADD used :less", {"#vote": VOTE + idea_id}, {":less": -1}),
                condition=Expression("attribute_exists(#vote)"),
            )

    def release(self, customer_id: str, product_id: str, votes: Mapping[str, VoteValue]) -> bool:
        """Move votes on closed ideas out of the budget, unchanged, so that no tally moves.

        False when the ballot changed meanwhile and nothing moved.
        """
        names, values, removals, assignments, unchanged = {}, {":less": -len(votes)}, [], [], []
        for n, (idea_id, value) in enumerate(votes.items()):
            names[f"#v{n}"], names[f"#r{n}"], values[f":x{n}"] = VOTE + idea_id, RELEASED + idea_id, value
            removals.append(f"#v{n}")
            assignments.append(f"#r{n} = :x{n}")
            unchanged.append(f"#v{n} = :x{n}")
        update = f"REMOVE {', '.join(removals)} SET {', '.join(assignments)} ADD used :less"
        try:
            self.table.update(
                keys.ballot(customer_id, product_id),
                Expression(update, names, values),
                condition=Expression(" AND ".join(unchanged)),
            )
        except ConditionFailed:
            return False
        return True

    def page(self, customer_id: str, limit: int, cursor: str | None) -> tuple[list[Ballot], str | None]:
        """A customer's ballots, a product each, in product id order."""
        partition = keys.customer(customer_id)
        items, next_cursor = paging.page(
            self.table,
            TABLE,
            partition,
            fixed={PARTITION_KEY: partition},
            limit=limit,
            cursor=cursor,
            sort_prefix=keys.BALLOT_PREFIX,
        )
        return [_ballot(i) for i in items], next_cursor

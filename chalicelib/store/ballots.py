"""Ballots: each customer's votes on one product's ideas, one item per customer and product."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.voting import Ballot, VoteValue
from chalicelib.store import keys, paging
from chalicelib.store.schema import PARTITION_KEY, TABLE
from chalicelib.store.table import ConditionFailed, Expression, Item, Table

_NEW = Expression("attribute_not_exists(PK)")


class BallotFull(Exception):
    """The vote would go over the product's budget."""

    def __init__(self, ballot: Ballot) -> None:
        super().__init__("ballot full")
        self.ballot = ballot


def _ballot(item: Item) -> Ballot:
    def votes(name: str) -> dict[str, Any]:
        return {idea_id: int(value) for idea_id, value in item.get(name, {}).items()}

    return Ballot(
        product_id=item["product_id"], budget=int(item["budget"]), votes=votes("votes"), released=votes("released")
    )


class BallotStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, customer_id: str, product_id: str) -> Ballot | None:
        item = self.table.get(keys.ballot(customer_id, product_id))
        return _ballot(item) if item else None

    def cast(self, customer_id: str, product_id: str, idea_id: str, value: VoteValue, budget: int) -> None:
        """Record the vote in one conditional write: a new vote needs room in the budget, a change does not.

        Raises BallotFull, with the ballot as it is, when the budget is used up.
        """
        key = keys.ballot(customer_id, product_id)
        names = {"#idea": idea_id}
        update = Expression("SET votes.#idea = :value", names, {":value": value})
        # `attribute_exists(votes)` before `size(votes)`: moto fails on size() of a missing attribute.
        room = Expression(
            "attribute_exists(votes.#idea) OR (attribute_exists(votes) AND size(votes) < :budget)",
            names,
            {":budget": budget},
        )
        for _attempt in range(3):
            try:
                self.table.update(key, update, condition=room)
                return
            except ConditionFailed as refused:
                if refused.item is not None:
                    raise BallotFull(_ballot(refused.item)) from None
            # The customer's first vote on this product: the ballot does not exist yet.
            first = {**key, "product_id": product_id, "budget": budget, "votes": {idea_id: value}, "released": {}}
            try:
                self.table.put(first, condition=_NEW)
                return
            except ConditionFailed:
                continue  # their vote on another idea created it just now: update that one
        raise RuntimeError("a ballot kept appearing and disappearing")

    def retract(self, customer_id: str, product_id: str, idea_id: str) -> None:
        names = {"#idea": idea_id}
        with contextlib.suppress(ConditionFailed):  # there was no vote to retract
            self.table.update(
                keys.ballot(customer_id, product_id),
                Expression("REMOVE votes.#idea", names),
                condition=Expression("attribute_exists(votes.#idea)", names),
            )

    def release(self, customer_id: str, product_id: str, votes: Mapping[str, VoteValue]) -> bool:
        """Move votes on closed ideas out of the budget, unchanged, so that no tally moves.

        False when the ballot changed meanwhile and nothing moved.
        """
        names = {f"#i{n}": idea_id for n, idea_id in enumerate(votes)}
        values = {f":v{n}": value for n, value in enumerate(votes.values())}
        moves = [(f"#i{n}", f":v{n}") for n in range(len(votes))]
        update = Expression(
            "REMOVE "
            + ", ".join(f"votes.{i}" for i, _ in moves)
            + " SET "
            + ", ".join(f"released.{i} = {v}" for i, v in moves),
            names,
            values,
        )
        unchanged = Expression(" AND ".join(f"votes.{i} = {v}" for i, v in moves), names, values)
        try:
            self.table.update(keys.ballot(customer_id, product_id), update, condition=unchanged)
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

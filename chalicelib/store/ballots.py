"""Ballots: each customer's votes on one product's ideas, one item per customer and product.

A vote is an attribute of its own, `vote:<idea id>` = ±1, beside a `used` count of them: so a customer's new
vote, their first on a product included, is one write that creates the ballot if need be and checks the budget
and the one-vote rule. The write goes in one transaction with a check that the idea is still open, so that no
vote lands on an idea that has closed since it was read: a closed idea's tally is final. Votes on ideas that
closed since move to `released:<idea id>`: still counted in their ideas' tallies, no longer in `used`.

Every write adds one to the ballot's `version`, which lets a recount line a ballot up with the stream records
that made it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from chalicelib.domain.ideas import IdeaStatus, VoteValue
from chalicelib.domain.voting import Ballot
from chalicelib.observability import traced
from chalicelib.store import keys, paging
from chalicelib.store.schema import BALLOTS, PARTITION_KEY, TABLE
from chalicelib.store.table import (
    Check,
    ConditionFailed,
    Expression,
    Item,
    Table,
    TransactionCancelled,
    Update,
    key_of,
)

VOTE = "vote:"
RELEASED = "released:"
VERSION = "version"

_CLOSED = {f":{status.value}": status.value for status in IdeaStatus if status.closed}


class BallotFull(Exception):
    """The vote would go over the product's budget."""

    def __init__(self, ballot: Ballot) -> None:
        super().__init__("ballot full")
        self.ballot = ballot


class IdeaNoLongerOpen(Exception):
    """The idea closed after it was read, before the vote could land."""


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


def _still_open(idea_id: str) -> Check:
    names = {"#status": "status"}
    return Check(
        keys.idea(idea_id),
        Expression(f"attribute_exists(PK) AND NOT #status IN ({', '.join(_CLOSED)})", names, _CLOSED),
    )


@traced
class BallotStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, customer_id: str, product_id: str) -> Ballot | None:
        item = self.table.get(keys.ballot(customer_id, product_id))
        return _ballot(item) if item else None

    def cast(self, customer_id: str, product_id: str, idea_id: str, value: VoteValue, budget: int) -> bool:
        """Record a new vote in one write, the ballot's first included; a change of vote in a second one, each
        provided the idea is still open. Whether the ballot changed: the same vote again changes nothing.

        Raises BallotFull, with the ballot as it is, when a new vote does not fit the budget, and
        IdeaNoLongerOpen when the idea closed since it was read.
        """
        key = keys.ballot(customer_id, product_id)
        names = {"#vote": VOTE + idea_id, "#version": VERSION, "#product": BALLOTS.partition_key}
        new_vote = Update(
            key,
            Expression(
                "SET #vote = :value, product_id = :product, budget = :budget,"
                " #product = if_not_exists(#product, :ballots) ADD used :one, #version :one",
                names,
                {
                    ":value": value,
                    ":product": product_id,
                    ":budget": budget,
                    ":ballots": keys.product_ballots(product_id),
                    ":one": 1,
                },
            ),
            condition=Expression("attribute_not_exists(#vote) AND (attribute_not_exists(used) OR used < :budget)"),
        )
        refused = self._on_open_idea(new_vote, idea_id)
        if refused is None:
            return True
        ballot = _ballot(refused) if refused else None
        if ballot is None or ballot.votes.get(idea_id) is None:
            raise BallotFull(ballot or Ballot(product_id=product_id, budget=budget))
        if ballot.votes[idea_id] == value:
            return False
        change = Update(
            key,
            Expression(
                "SET #vote = :value ADD #version :one",
                {"#vote": VOTE + idea_id, "#version": VERSION},
                {":value": value, ":one": 1},
            ),
            condition=Expression("attribute_exists(#vote)"),
        )
        # Refused: retracted meanwhile, and the retraction was the later word.
        return self._on_open_idea(change, idea_id) is None

    def retract(self, customer_id: str, product_id: str, idea_id: str) -> None:
        """Withdraw the vote, if there is one, provided the idea is still open (IdeaNoLongerOpen otherwise)."""
        withdrawal = Update(
            keys.ballot(customer_id, product_id),
            Expression(
                "REMOVE #vote ADD used :less, #version :one",
                {"#vote": VOTE + idea_id, "#version": VERSION},
                {":less": -1, ":one": 1},
            ),
            condition=Expression("attribute_exists(#vote)"),
        )
        self._on_open_idea(withdrawal, idea_id)  # refused: there was no vote to withdraw

    def release(self, customer_id: str, product_id: str, votes: Mapping[str, VoteValue]) -> bool:
        """Move votes on closed ideas out of the budget, unchanged, so that no tally moves.

        False when the ballot changed meanwhile and nothing moved.
        """
        names = {"#version": VERSION}
        values: dict[str, Any] = {":less": -len(votes), ":one": 1}
        removals, assignments, unchanged = [], [], []
        for n, (idea_id, value) in enumerate(votes.items()):
            names[f"#v{n}"], names[f"#r{n}"], values[f":x{n}"] = VOTE + idea_id, RELEASED + idea_id, value
            removals.append(f"#v{n}")
            assignments.append(f"#r{n} = :x{n}")
            unchanged.append(f"#v{n} = :x{n}")
        update = f"REMOVE {', '.join(removals)} SET {', '.join(assignments)} ADD used :less, #version :one"
        try:
            self.table.update(
                keys.ballot(customer_id, product_id),
                Expression(update, names, values),
                condition=Expression(" AND ".join(unchanged)),
            )
        except ConditionFailed:
            return False
        return True

    def of_product(self, product_id: str) -> Iterator[Item]:
        """Every ballot of a product, as stored, read consistently: through the keys-only ballots index, never a
        Scan."""
        partition = Expression("#p = :p", {"#p": BALLOTS.partition_key}, {":p": keys.product_ballots(product_id)})
        found = [key_of(item) for item in self.table.query_all(partition, index=BALLOTS.name)]
        yield from self.table.batch_get(found, consistent=True)

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

    def _on_open_idea(self, write: Update, idea_id: str) -> Item | None:
        """`write` to a ballot, in one transaction with a check that the idea is open. None once written;
        otherwise the ballot as it was when the write's own condition failed ({} when there was none).

        Raises IdeaNoLongerOpen when the idea has closed.
        """
        try:
            self.table.transact([write, _still_open(idea_id)])
        except TransactionCancelled as cancelled:
            if cancelled.failed(1):
                raise IdeaNoLongerOpen(idea_id) from None
            if not cancelled.failed(0):
                raise
            return cancelled.items[0] or {}
        return None

"""Ballots: each customer's votes on one product's ideas, one item per customer and product.

A vote is an attribute of its own, `vote:<idea id>` = ±1, beside a `used` count of them: so a customer's new
vote, their first on a product included, is one write that creates the ballot if need be and checks the budget
and the one-vote rule. The write goes in one transaction with a check that the idea is still open, so that no
vote lands on an idea that has closed since it was read: a closed idea's tally is final. Votes on ideas that
closed since move to `released:<idea id>`: still counted in their ideas' tallies, no longer in `used`.

A commitment, `commit:<idea id>`, sits beside the up-vote it needs: written on condition that the vote is +1,
and removed by the same write that withdraws the vote or turns it down.

When an idea merges into another, its up-votes move: each becomes an up-vote on the target in the same place in
the budget (`used` unchanged), with its commitment copied, and the merged idea keeps it as released, so that its
final tally stands; a customer who votes on the target already, or whose vote is down, has it released instead.

Every write adds one to the ballot's `version`, which lets a recount line a ballot up with the stream records
that made it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import suppress
from enum import Enum
from types import MappingProxyType
from typing import Any, NamedTuple

from chalicelib.domain.commitments import read_commitment
from chalicelib.domain.ideas import IdeaStatus, VoteValue
from chalicelib.domain.voting import Ballot, Commitments
from chalicelib.errors import RateLimited
from chalicelib.observability import traced
from chalicelib.services import Clock
from chalicelib.store import keys, paging
from chalicelib.store.schema import BALLOTS, PARTITION_KEY, TABLE, VERSION
from chalicelib.store.table import (
    Action,
    Check,
    ConditionFailed,
    Delete,
    Expression,
    Item,
    Put,
    Table,
    TransactionCancelled,
    Update,
    key_of,
    update_text,
)

VOTE = "vote:"
RELEASED = "released:"
COMMIT = "commit:"
WINDOW = "window"  # the minute whose writes `writes` counts
WRITES = "writes"

_ATTEMPTS = 8
_CLOSED = {f":{status.value}": status.value for status in IdeaStatus if status.closed}


class BallotFull(Exception):
    """The vote would go over the product's budget."""

    def __init__(self, ballot: Ballot) -> None:
        super().__init__("ballot full")
        self.ballot = ballot


class BallotChanging(Exception):
    """The ballot kept changing between its reading and the write: other requests of the same customer."""


class IdeaNoLongerOpen(Exception):
    """The idea closed after it was read, before the vote could land."""


class NoUpVote(Exception):
    """A commitment needs the customer's up-vote on the idea, and there is none."""


class TargetClosed(Exception):
    """The idea a vote was moving to closed after it was read."""


class Cast(Enum):
    """What a vote was to the customer's ballot."""

    NEW = "new"  # their first on the idea (since they last withdrew one)
    CHANGED = "changed"  # it turned their vote the other way
    SAME = "same"  # the vote they had: nothing written


class Moved(Enum):
    """What became of a customer's vote on a merged idea."""

    MOVED = "moved"  # an up-vote, now on the target
    RELEASED = "released"  # out of the budget, still in the merged idea's tally
    NONE = "none"  # there was no vote to move, or none any more


def _votes(item: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {name.removeprefix(prefix): int(value) for name, value in item.items() if name.startswith(prefix)}


def counted_votes(item: Mapping[str, Any]) -> dict[str, int]:
    """Every vote of a ballot item (or stream image) that counts in some idea's tally: cast and released."""
    return {**_votes(item, RELEASED), **_votes(item, VOTE)}


def commitments(item: Mapping[str, Any]) -> Commitments:
    """Every commitment of a ballot item (or stream image), by idea id: its units and price in cents. Raises
    ValueError when one is not a commitment."""
    return {
        name.removeprefix(COMMIT): read_commitment(value) for name, value in item.items() if name.startswith(COMMIT)
    }


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


class Clauses(NamedTuple):
    """A ballot write, as the clauses of its update and its condition."""

    sets: tuple[str, ...] = ()
    adds: tuple[str, ...] = ()
    removes: tuple[str, ...] = ()
    condition: str = ""
    names: Mapping[str, str] = MappingProxyType({})
    values: Mapping[str, Any] = MappingProxyType({})

    def counting(self, minute: int, limit: int, *, fresh: bool) -> Clauses:
        """The write, counting itself in the ballot's write window: the minute the ballot counts already, or a
        new one."""
        names = {**self.names, "#window": WINDOW, "#writes": WRITES}
        values = {**self.values, ":minute": minute, ":one": 1}
        if fresh:
            return self._replace(
                sets=(*self.sets, "#window = :minute", "#writes = :one"),
                condition=f"({self.condition}) AND (attribute_not_exists(#window) OR #window <> :minute)",
                names=names,
                values=values,
            )
        return self._replace(
            adds=(*self.adds, "#writes :one"),
            condition=f"({self.condition}) AND #window = :minute AND #writes < :limit",
            names=names,
            values={**values, ":limit": limit},
        )

    def update(self, key: Mapping[str, str]) -> Update:
        text = update_text(self.sets, (*self.adds, "#version :one"), self.removes)
        names, values = {**self.names, "#version": VERSION}, {**self.values, ":one": 1}
        return Update(key, Expression(text, names, values), Expression(self.condition))


@traced
class BallotStore:
    def __init__(self, table: Table, writes_per_minute: int, clock: Clock) -> None:
        """`writes_per_minute`: how many votes, changes and withdrawals a customer may make on one product's
        ballot in a minute; counted on the ballot, in the vote's own write."""
        self.table = table
        self.writes_per_minute = writes_per_minute
        self.clock = clock

    def get(self, customer_id: str, product_id: str) -> Ballot | None:
        item = self.table.get(keys.ballot(customer_id, product_id))
        return _ballot(item) if item else None

    def stored(self, customer_id: str, product_id: str) -> Item | None:
        """The ballot as stored, read consistently."""
        return self.table.get(keys.ballot(customer_id, product_id), consistent=True)

    def cast(self, customer_id: str, product_id: str, idea_id: str, value: VoteValue, budget: int) -> Cast:
        """Record the vote: a new one (the ballot's first included) or a change, in one write, provided the idea
        is still open. The ballot is read first, so that the write is the right one: the same vote again writes
        nothing, and a full budget is known without a refused write. What the vote was to the ballot.

        Raises BallotFull, with the ballot as it is, when a new vote does not fit the budget, IdeaNoLongerOpen
        when the idea closed since it was read, and RateLimited past the customer's writes a minute.
        """
        key = keys.ballot(customer_id, product_id)
        vote = {"#vote": VOTE + idea_id}
        item = self.table.get(key)
        for _attempt in range(_ATTEMPTS):
            ballot = _ballot(item) if item else Ballot(product_id=product_id, budget=budget)
            current = ballot.votes.get(idea_id)
            if current == value:
                return Cast.SAME
            if current is not None:
                write = Clauses(sets=("#vote = :value",), condition="#vote = :was", names=vote)
                write = write._replace(values={":value": value, ":was": current})
                if value == -1:  # a commitment needs an up-vote: turning it down withdraws the commitment
                    write = write._replace(removes=("#commit",), names={**vote, "#commit": COMMIT + idea_id})
            elif len(ballot.votes) >= budget:
                raise BallotFull(ballot)
            else:
                write = Clauses(
                    sets=(
                        "#vote = :value",
                        "product_id = :product",
                        "budget = :budget",
                        "#in = if_not_exists(#in, :ballots)",
                    ),
                    adds=("used :one",),
                    condition="attribute_not_exists(#vote) AND (attribute_not_exists(used) OR used < :budget)",
                    names={**vote, "#in": BALLOTS.partition_key},
                    values={
                        ":value": value,
                        ":product": product_id,
                        ":budget": budget,
                        ":ballots": keys.product_ballots(product_id),
                    },
                )
            item = self._write(key, item, write, idea_id)
            if item is None:
                return Cast.NEW if current is None else Cast.CHANGED
        raise BallotChanging(f"the ballot kept changing under {_ATTEMPTS} attempts")

    def retract(self, customer_id: str, product_id: str, idea_id: str) -> None:
        """Withdraw the vote, if there is one, provided the idea is still open (IdeaNoLongerOpen otherwise).

        Raises RateLimited past the customer's writes a minute."""
        key = keys.ballot(customer_id, product_id)
        item = self.table.get(key)
        for _attempt in range(_ATTEMPTS):
            current = (item or {}).get(VOTE + idea_id)
            if current is None:
                return  # there is no vote to withdraw
            withdrawal = Clauses(
                adds=("used :less",),
                removes=("#vote", "#commit"),  # with its commitment, if any
                condition="#vote = :was",
                names={"#vote": VOTE + idea_id, "#commit": COMMIT + idea_id},
                values={":less": -1, ":was": current},
            )
            item = self._write(key, item, withdrawal, idea_id)
            if item is None:
                return
        raise BallotChanging(f"the ballot kept changing under {_ATTEMPTS} attempts")

    def commit(self, customer_id: str, product_id: str, idea_id: str, commitment: Mapping[str, Any]) -> bool:
        """Set the customer's commitment to the idea, provided they up-vote it and the idea is still open; the
        same commitment again writes nothing. Whether the ballot changed.

        Raises NoUpVote, IdeaNoLongerOpen, BallotChanging, and RateLimited past the writes a minute.
        """
        key = keys.ballot(customer_id, product_id)
        names = {"#vote": VOTE + idea_id, "#commit": COMMIT + idea_id}
        item = self.table.get(key)
        for _attempt in range(_ATTEMPTS):
            if (item or {}).get(VOTE + idea_id) != 1:
                raise NoUpVote(idea_id)
            if (item or {}).get(COMMIT + idea_id) == commitment:
                return False
            write = Clauses(
                sets=("#commit = :commitment",),
                condition="#vote = :up",
                names=names,
                values={":commitment": dict(commitment), ":up": 1},
            )
            item = self._write(key, item, write, idea_id)
            if item is None:
                return True
        raise BallotChanging(f"the ballot kept changing under {_ATTEMPTS} attempts")

    def withdraw_commitment(self, customer_id: str, product_id: str, idea_id: str) -> None:
        """Withdraw the customer's commitment to the idea, if there is one, provided the idea is still open.

        Raises IdeaNoLongerOpen, BallotChanging, and RateLimited past the writes a minute."""
        key = keys.ballot(customer_id, product_id)
        item = self.table.get(key)
        for _attempt in range(_ATTEMPTS):
            if COMMIT + idea_id not in (item or {}):
                return  # none, or none any more: withdrawn (the write answers None) or by another request
            withdrawal = Clauses(
                removes=("#commit",), condition="attribute_exists(#commit)", names={"#commit": COMMIT + idea_id}
            )
            item = self._write(key, item, withdrawal, idea_id)
        raise BallotChanging(f"the ballot kept changing under {_ATTEMPTS} attempts")

    def release(self, customer_id: str, product_id: str, votes: Mapping[str, VoteValue]) -> None:
        """Move votes on closed ideas out of the budget, unchanged, so that no tally moves; none of them if the
        ballot changed meanwhile (the caller reads it again)."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {":less": -len(votes)}
        for n, (idea_id, value) in enumerate(votes.items()):
            names[f"#v{n}"], names[f"#r{n}"], values[f":x{n}"] = VOTE + idea_id, RELEASED + idea_id, value
        release = Clauses(
            sets=tuple(f"#r{n} = :x{n}" for n in range(len(votes))),
            adds=("used :less",),
            removes=tuple(f"#v{n}" for n in range(len(votes))),
            condition=" AND ".join(f"#v{n} = :x{n}" for n in range(len(votes))),  # still the votes read
            names=names,
            values=values,
        ).update(keys.ballot(customer_id, product_id))
        with suppress(ConditionFailed):
            self.table.update(release.key, release.update, condition=release.condition)

    def move(
        self, customer_id: str, product_id: str, idea_id: str, target_id: str | None, read: Item | None = None
    ) -> Moved:
        """Move the customer's vote on `idea_id`, which merged into the open idea `target_id` (None: into one that
        closed since): an up-vote becomes theirs on the target, in its place in the budget and with its
        commitment, unless they vote on the target already; any other vote is released. `read`: the ballot, if
        it was just read consistently. Not counted against the customer's writes a minute: they did not make it.

        Raises TargetClosed when the target closed after it was read, BallotChanging.
        """
        key = keys.ballot(customer_id, product_id)
        item = read if read is not None else self.table.get(key, consistent=True)
        for _attempt in range(_ATTEMPTS):
            value = (item or {}).get(VOTE + idea_id)
            if item is None or value is None:
                return Moved.NONE
            names = {"#vote": VOTE + idea_id, "#released": RELEASED + idea_id}
            values: dict[str, Any] = {":was": value}
            if target_id is not None and value == 1 and target_id not in counted_votes(item):
                sets = ["#released = :was", "#target = :was"]
                names |= {"#target": VOTE + target_id, "#target_released": RELEASED + target_id}
                if COMMIT + idea_id in item:
                    sets.append("#target_commit = :commitment")
                    names["#target_commit"] = COMMIT + target_id
                    values[":commitment"] = item[COMMIT + idea_id]
                move = Clauses(
                    sets=tuple(sets),
                    removes=("#vote",),
                    condition=(
                        "#vote = :was AND attribute_not_exists(#target) AND attribute_not_exists(#target_released)"
                    ),
                    names=names,
                    values=values,
                )
                try:
                    self.table.transact([move.update(key), _still_open(target_id)])
                except TransactionCancelled as cancelled:
                    if cancelled.failed(1):
                        raise TargetClosed(target_id) from None
                    if not cancelled.failed(0):
                        raise
                    item = cancelled.items[0]
                    continue
                return Moved.MOVED
            release = Clauses(
                sets=("#released = :was",),
                adds=("used :less",),
                removes=("#vote",),
                condition="#vote = :was",
                names=names,
                values={**values, ":less": -1},
            ).update(key)
            try:
                self.table.update(release.key, release.update, condition=release.condition)
            except ConditionFailed as failed:
                item = failed.item
                continue
            return Moved.RELEASED
        raise BallotChanging(f"the ballot kept changing under {_ATTEMPTS} attempts")

    def forget(self, read: Item, open_ideas: Collection[str]) -> None:
        """Erase a customer's ballot `read`: their votes and commitments on `open_ideas` are withdrawn, and those
        on closed ideas stay in those ideas' final tallies, released, in a ballot under a key that names nobody. One
        transaction, on condition that the ballot is still as read and the withdrawn votes' ideas still open.

        Raises BallotChanging when the ballot changed since it was read, or one of `open_ideas` closed: read both
        again."""
        product_id = read["product_id"]
        votes, promised = counted_votes(read), commitments(read)
        withdrawn = sorted(idea for idea in {*votes, *promised} if idea in open_ideas)
        kept: dict[str, Any] = {RELEASED + idea: value for idea, value in votes.items() if idea not in open_ideas}
        kept |= {COMMIT + idea: read[COMMIT + idea] for idea in promised if idea not in open_ideas}
        actions: list[Action] = [
            Delete(key_of(read), Expression("#version = :version", {"#version": VERSION}, {":version": read[VERSION]}))
        ]
        if kept:
            # Only the recount reads it, through the product's ballots: it has no budget, and is nobody's page.
            anonymous = {
                **keys.anonymous_ballot(product_id),
                BALLOTS.partition_key: keys.product_ballots(product_id),
                VERSION: 1,
                **kept,
            }
            actions.append(Put(anonymous))
        actions += [_still_open(idea) for idea in withdrawn]
        try:
            self.table.transact(actions)
        except TransactionCancelled as cancelled:
            if any(map(cancelled.failed, range(len(actions)))):  # the ballot's condition, or an idea's
                raise BallotChanging(f"a ballot on {product_id}, or an idea it votes on, changed since read") from None
            raise

    def voters(
        self, product_id: str, idea_id: str, start: Mapping[str, str] | None, limit: int
    ) -> tuple[list[tuple[str, Item]], Item | None]:
        """One page of `limit` of the product's ballots, and of them those that vote on the idea, read
        consistently: (customer id, ballot) each, and where the next page starts (None after the last)."""
        partition = Expression("#p = :p", {"#p": BALLOTS.partition_key}, {":p": keys.product_ballots(product_id)})
        found, last = self.table.query(partition, index=BALLOTS.name, start=start, limit=limit)
        ballots = self.table.batch_get([key_of(item) for item in found], consistent=True)
        voting = [
            (item[PARTITION_KEY].removeprefix(keys.CUSTOMER_PREFIX), item) for item in ballots if VOTE + idea_id in item
        ]
        return voting, last

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

    def _write(self, key: Mapping[str, str], read: Item | None, write: Clauses, idea_id: str) -> Item | None:
        """`write` to the ballot `read`, counted in its write window, in one transaction with a check that the idea
        is open. None once written; otherwise the ballot as it is now, whose change refused the write.

        Raises IdeaNoLongerOpen when the idea has closed, and RateLimited past the writes a minute.
        """
        now = self.clock().timestamp()
        minute = int(now) // 60
        counting = (read or {}).get(WINDOW) == minute
        if counting and int((read or {}).get(WRITES, 0)) >= self.writes_per_minute:
            wait = (minute + 1) * 60 - int(now)
            raise RateLimited(
                f"more than {self.writes_per_minute} votes a minute on this product: try again in {wait} seconds",
                retry_after_seconds=wait,
            )
        try:
            written = write.counting(minute, self.writes_per_minute, fresh=not counting)
            self.table.transact([written.update(key), _still_open(idea_id)])
        except TransactionCancelled as cancelled:
            if cancelled.failed(1):
                raise IdeaNoLongerOpen(idea_id) from None
            if not cancelled.failed(0):
                raise
            return cancelled.items[0] or {}
        return None

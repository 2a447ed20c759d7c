"""Idea tallies: applying summed vote and comment changes to ideas exactly once per stream shard.

Votes are set (they move the idea's sort keys, so they are read and written back on condition nobody changed
them); committed units, committers, comments and the supporters gained each day are added, and the prices
committers named are added to the idea's price book, an item beside it: an idea whose prices changed takes two
actions.

A shard's checkpoint says how far its records are applied. A commit moves it from where it was read to the last
record of a run, together with the new counts and sort keys of every idea those records touched, the records
that could not be read (into the quarantine) and the events to send (into the outbox). A redelivered or retried
batch finds the checkpoint past it.

A run whose ideas fit one transaction (100 actions) is one transaction: all of it or nothing. A larger one (a
batch of votes spread over many ideas, each idea written once however many votes it got) is applied in parts:
the checkpoint first notes the run it is applying, each part of its ideas (in the ideas' order) marks itself
applied on the checkpoint in the same transaction as its ideas' counts, and the last step moves the checkpoint
and forgets the run. A crash between parts leaves the note: the next invocation reads the run again from the
stream and applies the parts not marked yet (`Position.applying`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import NamedTuple

from chalicelib.domain.comments import Feeling
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.ideas import Idea
from chalicelib.domain.listing import IdeaOrder
from chalicelib.domain.notifications import notices
from chalicelib.domain.text import utc_now
from chalicelib.domain.voting import Tally
from chalicelib.observability import traced
from chalicelib.store import keys
from chalicelib.store.ideas import GAINED, PRICE, VELOCITY_DAYS, price_book, ranking_attributes
from chalicelib.store.notices import NoticeJobs
from chalicelib.store.outbox import Outbox, Pending
from chalicelib.store.quarantine import Unreadable, set_aside
from chalicelib.store.schema import RANKINGS, TTL_ATTRIBUTE
from chalicelib.store.table import (
    Action,
    Expression,
    Item,
    Table,
    TransactionCancelled,
    Update,
    update_text,
)

# One transaction holds up to 100 actions: the checkpoint and 99 others (ideas, set-aside records, the outbox).
MAX_ACTIONS_PER_COMMIT = 99
# Stream records live 24 hours; a checkpoint is kept a while longer, then DynamoDB's TTL removes it.
CHECKPOINT_LIFETIME = timedelta(days=2)
_ATTEMPTS = 8
# Votes move an idea in every order but the newest-first one.
_MOVING_SORT_KEYS = [index.sort_key for order, index in RANKINGS.items() if order is not IdeaOrder.NEW]
# The checkpoint's attributes.
_APPLIED = "sequence_number"
_APPLYING = "applying_upto"  # the last record of a run applied in parts
_PARTS = "applying_parts"
_DONE = "applied_parts"  # a number set


class CheckpointMoved(Exception):
    """Another invocation moved the shard's checkpoint: this batch must be read again from it."""


class TalliesBusy(Exception):
    """Other shards kept updating the same ideas; the batch is retried later."""


class Applying(NamedTuple):
    """A run being applied in parts: its last record, how many parts, and which are applied."""

    upto: int
    parts: int
    done: frozenset[int]


class Position(NamedTuple):
    """How far a shard is applied, and the run it is in the middle of applying, if any."""

    applied: int | None
    applying: Applying | None


def _position(item: Item | None) -> Position:
    if not item:
        return Position(None, None)
    applied = int(item[_APPLIED]) if _APPLIED in item else None
    if _APPLYING not in item:
        return Position(applied, None)
    done = frozenset(int(n) for n in item.get(_DONE, set()))
    return Position(applied, Applying(int(item[_APPLYING]), int(item[_PARTS]), done))


def actions(tally: Tally) -> int:
    """The writes a change to one idea takes: its counts, and its price book when prices changed."""
    return 1 + bool(tally.prices)


def parts(changes: Mapping[str, Tally], size: int) -> list[list[str]]:
    """The ideas of a run, in parts of at most `size` actions: the same parts whenever the same run is read."""
    cut: list[list[str]] = []
    used = size  # as if a part were full: the first idea begins one
    for idea_id in sorted(changes):
        needs = actions(changes[idea_id])
        if used + needs > size:
            cut.append([])
            used = 0
        cut[-1].append(idea_id)
        used += needs
    return cut


def _expires() -> int:
    return int((utc_now() + CHECKPOINT_LIFETIME).timestamp())


@traced
class TallyStore:
    def __init__(self, table: Table, outbox: Outbox, max_actions_per_commit: int = MAX_ACTIONS_PER_COMMIT) -> None:
        self.table = table
        self.outbox = outbox
        self.max_actions = max_actions_per_commit

    def checkpoint(self, shard_id: str) -> int | None:
        """The sequence number of the last record applied from the shard, if any."""
        return self.position(shard_id).applied

    def position(self, shard_id: str) -> Position:
        return _position(self.table.get(keys.checkpoint(shard_id), consistent=True))

    def checkpoints(self, shard_ids: Sequence[str]) -> list[int | None]:
        """How far each shard has been applied, in the order asked."""
        found = {
            item["PK"]: _position(item).applied
            for item in self.table.batch_get([keys.checkpoint(s) for s in shard_ids], consistent=True)
        }
        return [found.get(keys.checkpoint(s)["PK"]) for s in shard_ids]

    def commit(
        self,
        shard_id: str,
        since: int | None,
        upto: int,
        changes: Mapping[str, Tally],
        *,
        events: Sequence[DomainEvent] = (),
        unreadable: Mapping[int, Unreadable] | None = None,
    ) -> Pending | None:
        """Add `changes` to the ideas' tallies, set `unreadable` records aside, put `events` in the outbox (and
        what they tell ideas' followers in line for them) and move the checkpoint from `since` to `upto`, exactly
        once. The events to send, if any.

        Counts are read consistently and written back on condition that nobody changed them meanwhile
        (the consumers of other shards update the same ideas); a conflict is read and tried again.
        """
        if since is not None and upto <= since:
            raise ValueError(f"a checkpoint only moves forward: from {since}, not to {upto}")
        changes = {idea_id: tally for idea_id, tally in changes.items() if tally}
        others: list[Action] = [set_aside(shard_id, n, record) for n, record in (unreadable or {}).items()]
        pending = None
        if events:
            entry, pending = self.outbox.entry(shard_id, upto, events)
            others.append(entry)
            told = notices(events)
            if told:
                others.append(NoticeJobs.entry(shard_id, upto, told))
        if sum(map(actions, changes.values())) + len(others) <= self.max_actions:
            self._counted(list(changes), changes, [self._move(shard_id, since, upto), *others], shard_id, since)
            return pending
        # Too many ideas for one transaction: note the run on the checkpoint, then apply it in parts.
        begin = Update(
            keys.checkpoint(shard_id),
            Expression(
                f"SET #applying = :upto, #parts = :parts, {TTL_ATTRIBUTE} = :expires",
                {"#applying": _APPLYING, "#parts": _PARTS},
                {":upto": upto, ":parts": len(parts(changes, self.max_actions)), ":expires": _expires()},
            ),
            condition=self._at(since, "attribute_not_exists(#applying)"),
        )
        try:
            self.table.transact([begin, *others])
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise CheckpointMoved(f"shard {shard_id} moved past {since}") from None
            raise
        self.finish(shard_id, Applying(upto, len(parts(changes, self.max_actions)), frozenset()), changes)
        return pending

    def finish(self, shard_id: str, applying: Applying, changes: Mapping[str, Tally]) -> None:
        """Apply the parts of a run not applied yet, then move the checkpoint past it and forget it."""
        checkpoint = keys.checkpoint(shard_id)
        changes = {idea_id: tally for idea_id, tally in changes.items() if tally}
        for n, part in enumerate(parts(changes, self.max_actions)):
            if n in applying.done:
                continue
            mark = Update(
                checkpoint,
                Expression("ADD #done :part", {"#done": _DONE}, {":part": {n}}),
                condition=Expression(
                    "#applying = :upto AND NOT contains(#done, :n)",
                    {"#applying": _APPLYING, "#done": _DONE},
                    {":upto": applying.upto, ":n": n},
                ),
            )
            self._counted(part, changes, [mark], shard_id, None)
        done = Update(
            checkpoint,
            Expression(
                f"SET #applied = :upto, {TTL_ATTRIBUTE} = :expires REMOVE #applying, #parts, #done",
                {"#applied": _APPLIED, "#applying": _APPLYING, "#parts": _PARTS, "#done": _DONE},
                {":upto": str(applying.upto), ":expires": _expires()},
            ),
            condition=Expression("#applying = :applying", {"#applying": _APPLYING}, {":applying": applying.upto}),
        )
        try:
            self.table.transact([done])
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise CheckpointMoved(f"shard {shard_id} finished {applying.upto} elsewhere") from None
            raise

    def _counted(
        self, idea_ids: Sequence[str], changes: Mapping[str, Tally], with_: list[Action], shard_id: str, since: object
    ) -> None:
        """The ideas' counts, with the checkpoint's write (the first of `with_`) and the others, in one
        transaction; ideas changed meanwhile by other shards' consumers are read again."""
        for attempt in range(_ATTEMPTS):
            items = self.table.batch_get([keys.idea(i) for i in idea_ids], consistent=True)
            writes: list[Action] = []
            for item in items:
                idea = Idea.model_validate(item)
                change = changes[idea.idea_id]
                count = self._count(idea, change, stale=[d for d in item if d.startswith(GAINED)])
                if count is not None:
                    writes.append(count)
                if change.prices:
                    writes.append(_priced(idea.idea_id, change.prices))
            try:
                self.table.transact([*with_, *writes])
                return
            except TransactionCancelled as cancelled:
                if cancelled.failed(0):
                    raise CheckpointMoved(f"shard {shard_id} moved past {since}") from None
            time.sleep(random.uniform(0, 0.02 * 2**attempt))  # other shards' consumers: let them finish
        raise TalliesBusy(f"{len(idea_ids)} ideas kept changing under {_ATTEMPTS} attempts")

    @staticmethod
    def _at(since: int | None, also: str) -> Expression:
        """The checkpoint's condition: still where it was read (`since`), and `also`."""
        names = {"#applied": _APPLIED, "#applying": _APPLYING}
        if since is None:
            return Expression(f"attribute_not_exists(#applied) AND {also}", names)
        return Expression(f"#applied = :since AND {also}", names, {":since": str(since)})

    def _move(self, shard_id: str, since: int | None, upto: int) -> Update:
        return Update(
            keys.checkpoint(shard_id),
            Expression(
                f"SET #applied = :upto, {TTL_ATTRIBUTE} = :expires",
                {"#applied": _APPLIED},
                {":upto": str(upto), ":expires": _expires()},
            ),
            condition=self._at(since, "attribute_not_exists(#applying)"),
        )

    def snapshot(
        self, shard_ids: Sequence[str], idea_ids: Sequence[str]
    ) -> Iterator[tuple[dict[str, int | None], bool, list[Idea], dict[str, dict[int, int]]]]:
        """The ideas' counts and price books with the shards' checkpoints, read as of one moment (a commit moves
        them together), in chunks: each chunk's checkpoints, ideas and price books are of one moment, and whether a
        shard was in the middle of a run applied in parts then (its counts are then neither before nor after it)."""
        per_chunk = (100 - len(shard_ids)) // 2
        if per_chunk < 1:
            raise ValueError(f"{len(shard_ids)} shards leave no room in a snapshot")
        for offset in range(0, len(idea_ids), per_chunk):
            chunk = idea_ids[offset : offset + per_chunk]
            items = self.table.transact_get(
                [keys.checkpoint(s) for s in shard_ids]
                + [keys.idea(i) for i in chunk]
                + [keys.prices(i) for i in chunk]
            )
            positions = [_position(item) for item in items[: len(shard_ids)]]
            checkpoints = {shard: p.applied for shard, p in zip(shard_ids, positions, strict=True)}
            midway = any(p.applying is not None for p in positions)
            ideas = [Idea.model_validate(item) for item in items[len(shard_ids) : len(shard_ids) + len(chunk)] if item]
            books = items[len(shard_ids) + len(chunk) :]
            yield checkpoints, midway, ideas, {i: price_book(b) for i, b in zip(chunk, books, strict=True) if b}

    def repair(self, idea: Idea, book: Mapping[int, int], counts: Tally) -> bool:
        """Set the idea's counts and price book to `counts`, provided they are still what `idea` and `book` say;
        whether they were."""
        sets = _voted(idea, counts.up, counts.down)
        sets |= {"units": counts.units, "committers": counts.committers, "priced": counts.priced}
        sets |= {"comments": counts.comments, **{f.value: counts.feelings.get(f, 0) for f in Feeling}}
        was = {"up": idea.up, "down": idea.down, "units": idea.units, "committers": idea.committers}
        was |= {"comments": idea.comments, **{f.value: getattr(idea, f.value) for f in Feeling}}
        writes = [_set(keys.idea(idea.idea_id), sets, was | {"priced": idea.priced})]
        differing = {
            cents for cents in book.keys() | counts.prices.keys() if book.get(cents) != counts.prices.get(cents)
        }
        if differing:
            prices = {f"{PRICE}{cents}": counts.prices.get(cents, 0) for cents in differing}
            writes.append(_set(keys.prices(idea.idea_id), prices, {f"{PRICE}{c}": book.get(c, 0) for c in differing}))
        try:
            self.table.transact(writes)
        except TransactionCancelled:
            return False
        return True

    @staticmethod
    def _count(idea: Idea, change: Tally, stale: Sequence[str] = ()) -> Update | None:
        """The write of `change` to the idea's counts, on condition that its votes are still those of `idea`; None
        when it changes none of them (a committer naming another price changes only the price book).

        Votes are set, with the sort keys they move. Committed demand, comments and the supporters gained each
        day are added (they move no sort key), and days older than a week, among the `stale` ones read, are dropped."""
        sets = _voted(idea, idea.up + change.up, idea.down + change.down) if change.up or change.down else {}
        adds = {"units": change.units, "committers": change.committers, "priced": change.priced}
        adds |= {"comments": change.comments, **{feeling.value: n for feeling, n in change.feelings.items()}}
        adds = {name: n for name, n in adds.items() if n}
        days = {f"{GAINED}{day}": n for day, n in change.gained.items()}
        week_ago = f"{GAINED}{(date.fromisoformat(max(change.gained)) - VELOCITY_DAYS).isoformat()}" if days else ""
        dropped = [name for name in stale if name < week_ago and name not in days]
        names = {f"#{name}": name for name in [*sets, *adds]}
        names |= {f"#g{n}": name for n, name in enumerate([*days, *dropped])}
        values = {f":{name}": value for name, value in [*sets.items(), *adds.items()]}
        values |= {f":g{n}": value for n, value in enumerate(days.values())}
        if not (sets or adds or days):
            return None
        text = update_text(
            sets=[f"#{name} = :{name}" for name in sets],
            adds=[f"#{name} :{name}" for name in adds] + [f"#g{n} :g{n}" for n in range(len(days))],
            removes=[f"#g{n}" for n in range(len(days), len(days) + len(dropped))],
        )
        return Update(
            keys.idea(idea.idea_id),
            Expression(text, names, values),
            condition=Expression(
                "up = :was_up AND down = :was_down", values={":was_up": idea.up, ":was_down": idea.down}
            ),
        )


def _voted(idea: Idea, up: int, down: int) -> dict[str, object]:
    """The idea's votes set to `up` and `down`, with the sort keys they move and the thresholds reached first."""
    counted = idea.counted(up, down)
    sets: dict[str, object] = {"up": up, "down": down}
    sets |= {name: value for name, value in ranking_attributes(counted).items() if name in _MOVING_SORT_KEYS}
    if counted.thresholds_reached != idea.thresholds_reached:
        sets["thresholds_reached"] = counted.thresholds_reached  # announced once, from the stream
    return sets


def _set(key: Mapping[str, str], values: Mapping[str, object], was: Mapping[str, int]) -> Update:
    """Set `values`, on condition that the counts `was` names are still as read (absent reads as 0)."""
    names = {f"#s{n}": name for n, name in enumerate(values)} | {f"#w{n}": name for n, name in enumerate(was)}
    bound = {f":s{n}": value for n, value in enumerate(values.values())}
    bound |= {f":w{n}": value for n, value in enumerate(was.values())}
    condition = " AND ".join(
        f"#w{n} = :w{n}" if value else f"(attribute_not_exists(#w{n}) OR #w{n} = :w{n})"
        for n, value in enumerate(was.values())
    )
    text = "SET " + ", ".join(f"#s{n} = :s{n}" for n in range(len(values)))
    return Update(key, Expression(text, names, bound), condition=Expression(condition))


def _priced(idea_id: str, prices: Mapping[int, int]) -> Update:
    """Add to the idea's price book: how many committers named each price (in cents)."""
    names = {f"#p{n}": f"{PRICE}{cents}" for n, cents in enumerate(prices)}
    values = {f":p{n}": count for n, count in enumerate(prices.values())}
    return Update(
        keys.prices(idea_id), Expression("ADD " + ", ".join(f"#p{n} :p{n}" for n in range(len(prices))), names, values)
    )

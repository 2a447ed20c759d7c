"""Idea tallies: applying summed vote changes to ideas exactly once per stream shard.

Each commit is one transaction: the shard's checkpoint moves from where it was read to the last record
applied, together with the new counts and sort keys of every idea those records touched, the records that could
not be read (into the quarantine) and the events to send (into the outbox). A redelivered or retried batch finds
the checkpoint past it; a crash leaves either all of a commit or none of it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta

from chalicelib.domain.events import DomainEvent
from chalicelib.domain.ideas import Idea
from chalicelib.domain.listing import IdeaOrder
from chalicelib.domain.text import utc_now
from chalicelib.domain.voting import Tally
from chalicelib.observability import traced
from chalicelib.store import keys
from chalicelib.store.ideas import ranking_attributes
from chalicelib.store.outbox import Outbox, Pending
from chalicelib.store.quarantine import Unreadable, set_aside
from chalicelib.store.schema import RANKINGS, TTL_ATTRIBUTE
from chalicelib.store.table import Action, ConditionFailed, Expression, Put, Table, TransactionCancelled, Update

# One transaction holds up to 100 actions: the checkpoint and 99 others (ideas, set-aside records, the outbox).
MAX_ACTIONS_PER_COMMIT = 99
# Stream records live 24 hours; a checkpoint is kept a while longer, then DynamoDB's TTL removes it.
CHECKPOINT_LIFETIME = timedelta(days=2)
_ATTEMPTS = 8
# Votes move an idea in every order but the newest-first one.
_MOVING_SORT_KEYS = [index.sort_key for order, index in RANKINGS.items() if order is not IdeaOrder.NEW]


class CheckpointMoved(Exception):
    """Another invocation moved the shard's checkpoint: this batch must be read again from it."""


class TalliesBusy(Exception):
    """Other shards kept updating the same ideas; the batch is retried later."""


@traced
class TallyStore:
    def __init__(self, table: Table, outbox: Outbox) -> None:
        self.table = table
        self.outbox = outbox

    def checkpoint(self, shard_id: str) -> int | None:
        """The sequence number of the last record applied from the shard, if any."""
        item = self.table.get(keys.checkpoint(shard_id), consistent=True)
        return int(item["sequence_number"]) if item else None

    def checkpoints(self, shard_ids: Sequence[str]) -> list[int | None]:
        """How far each shard has been applied, in the order asked."""
        found = {
            item["PK"]: int(item["sequence_number"])
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
        """Add `changes` to the ideas' tallies, set `unreadable` records aside, put `events` in the outbox and
        move the checkpoint from `since` to `upto`, all or nothing. The events to send, if any.

        Counts are read consistently and written back on condition that nobody changed them meanwhile
        (the consumers of other shards update the same ideas); a conflict is read and tried again.
        """
        if since is not None and upto <= since:
            raise ValueError(f"a checkpoint only moves forward: from {since}, not to {upto}")
        others: list[Action] = [set_aside(shard_id, n, record) for n, record in (unreadable or {}).items()]
        pending = None
        if events:
            entry, pending = self.outbox.entry(shard_id, upto, events)
            others.append(entry)
        for attempt in range(_ATTEMPTS):
            items = self.table.batch_get([keys.idea(i) for i in changes], consistent=True)
            ideas = [Idea.model_validate(item) for item in items]
            try:
                self.table.transact(
                    [self._move_checkpoint(shard_id, since, upto), *others]
                    + [self._count(idea, changes[idea.idea_id]) for idea in ideas]
                )
                return pending
            except TransactionCancelled as cancelled:
                if cancelled.failed(0):
                    raise CheckpointMoved(f"shard {shard_id} moved past {since}") from None
            time.sleep(random.uniform(0, 0.02 * 2**attempt))  # other shards' consumers: let them finish
        raise TalliesBusy(f"{len(changes)} ideas kept changing under {_ATTEMPTS} attempts")

    def snapshot(
        self, shard_ids: Sequence[str], idea_ids: Sequence[str]
    ) -> Iterator[tuple[dict[str, int | None], list[Idea]]]:
        """The ideas' counts with the shards' checkpoints, read as of one moment (a commit moves both together),
        in chunks: each chunk's checkpoints and ideas are of one moment."""
        per_chunk = 100 - len(shard_ids)
        if per_chunk < 1:
            raise ValueError(f"{len(shard_ids)} shards leave no room in a snapshot")
        for offset in range(0, len(idea_ids), per_chunk):
            chunk = idea_ids[offset : offset + per_chunk]
            items = self.table.transact_get([keys.checkpoint(s) for s in shard_ids] + [keys.idea(i) for i in chunk])
            checkpoints = {
                shard: int(item["sequence_number"]) if item else None
                for shard, item in zip(shard_ids, items, strict=False)
            }
            ideas = [Idea.model_validate(item) for item in items[len(shard_ids) :] if item]
            yield checkpoints, ideas

    def repair(self, idea: Idea, up: int, down: int) -> bool:
        """Set the idea's counts to `up` and `down`, provided they are still what `idea` says; whether they were."""
        update = self._count(idea, Tally(up - idea.up, down - idea.down))
        try:
            self.table.update(update.key, update.update, condition=update.condition)
        except ConditionFailed:
            return False
        return True

    @staticmethod
    def _move_checkpoint(shard_id: str, since: int | None, upto: int) -> Put:
        expires = int((utc_now() + CHECKPOINT_LIFETIME).timestamp())
        item = {**keys.checkpoint(shard_id), "sequence_number": str(upto), TTL_ATTRIBUTE: expires}
        if since is None:
            return Put(item, Expression("attribute_not_exists(PK)"))
        return Put(item, Expression("sequence_number = :since", values={":since": str(since)}))

    @staticmethod
    def _count(idea: Idea, change: Tally) -> Update:
        counted = idea.counted(idea.up + change.up, idea.down + change.down)
        changes = {
            "up": counted.up,
            "down": counted.down,
            **{name: value for name, value in ranking_attributes(counted).items() if name in _MOVING_SORT_KEYS},
        }
        if counted.thresholds_reached != idea.thresholds_reached:
            changes["thresholds_reached"] = counted.thresholds_reached  # announced once, from the stream
        assignments = ", ".join(f"#{name} = :{name}" for name in changes)
        return Update(
            keys.idea(idea.idea_id),
            Expression(
                f"SET {assignments}",
                {f"#{name}": name for name in changes},
                {f":{name}": value for name, value in changes.items()},
            ),
            condition=Expression(
                "up = :was_up AND down = :was_down", values={":was_up": idea.up, ":was_down": idea.down}
            ),
        )

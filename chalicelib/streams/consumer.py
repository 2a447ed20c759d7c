"""The table's stream, consumed one shard at a time, exactly once: ballot and comment changes become idea
tallies, ideas' and comments' changes become events on the bus, public answers take the comments they answer out
of the attention queue, and records that cannot be read are set aside.

Each commit is one transaction: the shard's checkpoint moves from where it was read to the last record of the
run, with the run's tallies, its unreadable records (into the quarantine) and its events (into the outbox). So a
redelivered or retried batch finds the checkpoint past what it already did, and a crash leaves all of a commit
or none of it. Events are sent once their commit holds, and leave the outbox once sent: a send that fails is
made again later (`send_pending`), so delivery to the bus is at least once, each event with a stable id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from chalicelib.domain.events import DomainEvent
from chalicelib.domain.voting import Tally
from chalicelib.observability import count, logger
from chalicelib.publish.events import EventPublisher
from chalicelib.store.comments import CommentStore
from chalicelib.store.history import StreamHistory
from chalicelib.store.outbox import Outbox
from chalicelib.store.quarantine import Unreadable
from chalicelib.store.tallies import MAX_ACTIONS_PER_COMMIT, Applying, CheckpointMoved, TalliesBusy, TallyStore
from chalicelib.streams.changes import Answer, Change, read


@dataclass
class Commit:
    """A run of consecutive changes, and what they add up to."""

    changes: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)
    unreadable: dict[int, Unreadable] = field(default_factory=dict)  # by sequence number
    answers: list[Answer] = field(default_factory=list)

    def add(self, change: Change) -> None:
        for idea_id, tally in change.tallies.items():
            self.tallies[idea_id] = self.tallies.get(idea_id, Tally()) + tally
        self.events += change.events
        if change.answer is not None:
            self.answers.append(change.answer)
        if change.unreadable is not None:
            self.unreadable[change.sequence_number] = change.unreadable
        self.changes += 1


# A commit's events take two writes whatever their number: the outbox's, and their notices to followers.
EVENT_ACTIONS = 2


def commits(changes: Sequence[Change], max_actions: int = MAX_ACTIONS_PER_COMMIT) -> Iterator[Commit]:
    """Consecutive runs of `changes`, summed: as long as their set-aside records and outbox fit one transaction
    (their ideas, however many, are the tally store's to apply)."""
    run = Commit()
    for change in changes:
        grows_by = (change.unreadable is not None) + EVENT_ACTIONS * bool(change.events and not run.events)
        if run.changes and len(run.unreadable) + EVENT_ACTIONS * bool(run.events) + grows_by > max_actions:
            yield run
            run = Commit()
        run.add(change)
    if run.changes:
        yield run


def summed(changes: Iterable[Change]) -> Commit:
    run = Commit()
    for change in changes:
        run.add(change)
    return run


class StreamConsumer:
    def __init__(
        self,
        tallies: TallyStore,
        outbox: Outbox,
        events: EventPublisher,
        history: StreamHistory,
        comments: CommentStore,
    ) -> None:
        self.tallies = tallies
        self.outbox = outbox
        self.events = events
        self.history = history
        self.comments = comments

    def apply(self, shard_id: str, changes: Sequence[Change]) -> int | None:
        """Apply `changes`, a run of one shard in stream order: the index of the first one not applied, which
        must come again with all after it; None when all are done.

        Changes at or before the shard's checkpoint were applied before and are skipped, wherever they are in
        the run, so that nothing counts or is announced twice when a batch comes again.
        """
        if not any(c.does_anything for c in changes):
            return None  # nothing to count, announce or set aside: no checkpoint to read
        position = self.tallies.position(shard_id)
        since = position.applied
        try:
            if position.applying is not None:
                since = self._finish(shard_id, since, position.applying)
        except (CheckpointMoved, TalliesBusy):
            return 0
        pending = [n for n, c in enumerate(changes) if since is None or c.sequence_number > since]
        done = 0
        for run in commits([changes[n] for n in pending], self.tallies.max_actions):
            upto = changes[pending[done + run.changes - 1]].sequence_number
            # Answers are done first, and again if the commit fails: taking a comment out of the queue twice is
            # harmless, and the checkpoint moves past an answer only once it is done.
            for answer in run.answers:
                self.comments.answer(answer.idea_id, answer.at)
            # Even when votes cancel out (a vote and its retraction), the checkpoint moves past them: a replay
            # from between the two must not apply the retraction alone.
            try:
                sent = self.tallies.commit(
                    shard_id, since, upto, run.tallies, events=run.events, unreadable=run.unreadable
                )
            except (CheckpointMoved, TalliesBusy):
                return pending[done]
            for sequence_number, unreadable in run.unreadable.items():
                count("StreamRecordsQuarantined")
                logger.error(
                    "a stream record that cannot be read is set aside",
                    extra={"shard_id": shard_id, "sequence_number": str(sequence_number), "reason": unreadable.reason},
                )
            if sent is not None:
                self.outbox.send(sent, self.events)
            since = upto
            done += run.changes
        return None

    def _finish(self, shard_id: str, since: int | None, applying: Applying) -> int:
        """Finish a run an earlier invocation began to apply in parts and did not finish: read it again from the
        stream (its records are the same, so are its parts). Where the checkpoint is then."""
        records = [
            r for r in self.history.after(shard_id, since) if int(r["dynamodb"]["SequenceNumber"]) <= applying.upto
        ]
        self.tallies.finish(shard_id, applying, summed(read(r) for r in records).tallies)
        logger.warning("a run applied in parts was finished", extra={"shard_id": shard_id, "upto": str(applying.upto)})
        self.outbox.send_pending(self.events)  # its events, if the outbox still holds them
        return applying.upto

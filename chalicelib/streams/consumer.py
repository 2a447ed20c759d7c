"""The table's stream, consumed one shard at a time, exactly once: ballot changes become idea tallies, and
ideas' changes become events on the bus."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from chalicelib.domain.events import DomainEvent
from chalicelib.domain.voting import Tally
from chalicelib.publish.events import EventPublisher
from chalicelib.store.tallies import MAX_IDEAS_PER_COMMIT, CheckpointMoved, TalliesBusy, TallyStore
from chalicelib.streams.changes import Change


@dataclass
class Commit:
    """A run of consecutive changes, and what they add up to."""

    changes: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)


def commits(changes: Sequence[Change], max_ideas: int = MAX_IDEAS_PER_COMMIT) -> Iterator[Commit]:
    """Consecutive runs of `changes` that touch at most `max_ideas` ideas' tallies, summed."""
    run = Commit()
    for change in changes:
        tallies = change.tallies()
        if len(run.tallies.keys() | tallies.keys()) > max_ideas:
            yield run
            run = Commit()
        for idea_id, tally in tallies.items():
            run.tallies[idea_id] = run.tallies.get(idea_id, Tally()) + tally
        run.events += change.events()
        run.changes += 1
    if run.changes:
        yield run


class StreamConsumer:
    def __init__(
        self, tallies: TallyStore, events: EventPublisher, max_ideas_per_commit: int = MAX_IDEAS_PER_COMMIT
    ) -> None:
        self.tallies = tallies
        self.events = events
        self.max_ideas_per_commit = max_ideas_per_commit

    def apply(self, shard_id: str, changes: Sequence[Change]) -> int:
        """Apply `changes`, a run of one shard in stream order: add their votes to idea tallies and announce
        their events.

        Returns how many of them are done, counting from the first; the rest must come again. Changes at or
        before the shard's checkpoint were applied before and are skipped, so nothing counts or is announced
        twice when a batch comes again. Events go out before their commit: if the commit fails they go out
        again with the retried batch (at least once), never not at all.
        """
        if not any(c.tallies() or c.events() for c in changes):
            return len(changes)  # nothing to count or announce: no checkpoint to read
        since = self.tallies.checkpoint(shard_id)
        done = sum(1 for c in changes if since is not None and c.sequence_number <= since)
        for run in commits(changes[done:], self.max_ideas_per_commit):
            upto = changes[done + run.changes - 1].sequence_number
            if run.tallies or run.events:
                # Even when votes cancel out (a vote and its retraction), the checkpoint moves past them:
                # a replay from between the two must not apply the retraction alone.
                try:
                    if run.events:
                        self.events.publish(run.events)
                    self.tallies.commit(shard_id, since, upto, {i: t for i, t in run.tallies.items() if t})
                except (CheckpointMoved, TalliesBusy):
                    return done
                since = upto
            done += run.changes
        return done

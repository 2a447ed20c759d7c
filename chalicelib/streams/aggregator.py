"""Vote aggregation: a shard's ballot changes, summed per idea, applied exactly once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from chalicelib.domain.voting import Tally
from chalicelib.store.tallies import MAX_IDEAS_PER_COMMIT, CheckpointMoved, TalliesBusy, TallyStore
from chalicelib.streams.changes import Change


def commits(changes: Sequence[Change], max_ideas: int = MAX_IDEAS_PER_COMMIT) -> Iterator[tuple[int, dict[str, Tally]]]:
    """Consecutive runs of `changes` that touch at most `max_ideas` ideas, as (how many changes, their sum)."""
    taken, summed = 0, dict[str, Tally]()
    for change in changes:
        tallies = change.tallies()
        if len(summed.keys() | tallies.keys()) > max_ideas:
            yield taken, summed
            taken, summed = 0, {}
        for idea_id, tally in tallies.items():
            summed[idea_id] = summed.get(idea_id, Tally()) + tally
        taken += 1
    if taken:
        yield taken, summed


class VoteAggregator:
    def __init__(self, tallies: TallyStore, max_ideas_per_commit: int = MAX_IDEAS_PER_COMMIT) -> None:
        self.tallies = tallies
        self.max_ideas_per_commit = max_ideas_per_commit

    def apply(self, shard_id: str, changes: Sequence[Change]) -> int:
        """Apply `changes`, a run of one shard in stream order, to idea tallies.

        Returns how many of them are done, counting from the first; the rest must come again.
        Changes at or before the shard's checkpoint were applied before and are skipped.
        """
        if not any(c.tallies() for c in changes):
            return len(changes)  # no ballot changed a vote: nothing to commit, no checkpoint to read
        since = self.tallies.checkpoint(shard_id)
        done = sum(1 for c in changes if since is not None and c.sequence_number <= since)
        for taken, summed in commits(changes[done:], self.max_ideas_per_commit):
            upto = changes[done + taken - 1].sequence_number
            if summed:
                # Even when votes cancel out (a vote and its retraction), the checkpoint moves past them:
                # a replay from between the two must not apply the retraction alone.
                try:
                    self.tallies.commit(shard_id, since, upto, {i: tally for i, tally in summed.items() if tally})
                except (CheckpointMoved, TalliesBusy):
                    return done
                since = upto
            done += taken
        return done

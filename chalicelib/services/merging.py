"""Merging moves support: the up-votes on a merged idea go to the idea it merged into, asynchronously and exactly
once, however many supporters it has.

The merge itself writes a job (chalicelib/store/merges.py) in the transaction that merges the idea. A scheduled
run reads the product's ballots page by page, moves each vote on the merged idea (chalicelib/store/ballots.py),
records after each page how far it went, and stops before its time is up; the next run goes on from there. Each
move is one conditional write, so a page seen twice moves nothing twice. The counts follow from the stream, as for
any vote. A customer who needs the budget before the run reaches their ballot has their vote moved there and then
(VotingService), by the same write.

A merge into an idea that has merged on since (A into B, then B into C) moves to the end of the chain; one into an
idea that closed otherwise releases the votes instead: a closed idea's tally is final.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.domain.events import SupportMoved
from chalicelib.domain.ideas import Idea, IdeaStatus
from chalicelib.errors import NotFound
from chalicelib.observability import count, logger, traced
from chalicelib.publish.events import EventPublisher
from chalicelib.services import Clock
from chalicelib.store.ballots import BallotChanging, BallotStore, Moved, TargetClosed
from chalicelib.store.ideas import IdeaStore
from chalicelib.store.merges import MergeJob, MergeJobs
from chalicelib.store.table import Item

# Ballots a page: a run records its progress after each.
PAGE = 500
# Tries at one vote while its target keeps closing under it (each time, one more merge down the chain).
_ATTEMPTS = 8
# A chain of merges longer than this is a loop, which the lifecycle does not allow.
_LONGEST_CHAIN = 100


@traced
class MergingService:
    def __init__(
        self,
        ideas: IdeaStore,
        ballots: BallotStore,
        jobs: MergeJobs,
        events: EventPublisher,
        clock: Clock,
        *,
        page: int = PAGE,
    ) -> None:
        self.ideas = ideas
        self.ballots = ballots
        self.jobs = jobs
        self.events = events
        self.clock = clock
        self.page = page

    def run(self, seconds_left: Callable[[], float] = lambda: float("inf"), margin: float = 20.0) -> list[str]:
        """Move the supporters of every merge that has not finished, oldest id first, until fewer than `margin`
        seconds are left: the ideas whose move finished."""
        finished = []
        for job in self.jobs.pending():
            if not self._carry(job, lambda: seconds_left() > margin):
                break
            finished.append(job.idea_id)
        return finished

    def move(self, customer_id: str, idea_id: str) -> None:
        """Move the customer's vote on `idea_id`, if it merged, to the end of its chain of merges."""
        merged = self._get(idea_id)
        if merged.status is IdeaStatus.MERGED:
            self._move(customer_id, merged, self._end_of_chain(merged), None)

    def _move(
        self, customer_id: str, merged: Idea, target: Idea | None, read: Item | None
    ) -> tuple[Moved, Idea | None]:
        """Move the vote to `target`, or to the end of the chain when `target` has closed since: what became of
        the vote, and the target it went to."""
        for _attempt in range(_ATTEMPTS):
            target_id = target.idea_id if target else None
            try:
                return self.ballots.move(customer_id, merged.product_id, merged.idea_id, target_id, read), target
            except TargetClosed:
                target, read = self._end_of_chain(merged), None  # the ballot may have changed meanwhile too
        raise BallotChanging(f"idea {merged.idea_id!r}'s target kept closing under {_ATTEMPTS} attempts")

    def _end_of_chain(self, merged: Idea) -> Idea | None:
        """The open idea that `merged` merged into, following merges on (read consistently); None when the
        chain ends in an idea closed otherwise."""
        idea = merged
        for _hop in range(_LONGEST_CHAIN):
            if idea.status is not IdeaStatus.MERGED or idea.merged_into is None:
                return None if idea.status.closed else idea
            idea = self._get(idea.merged_into)
        raise RuntimeError(f"idea {merged.idea_id!r} merges on through more than {_LONGEST_CHAIN} ideas")

    def _get(self, idea_id: str) -> Idea:
        idea = self.ideas.get(idea_id, consistent=True)
        if idea is None:
            raise NotFound(f"there is no idea {idea_id!r}")
        return idea

    def _carry(self, job: MergeJob, going_on: Callable[[], bool]) -> bool:
        """Carry the job on from where it stopped, until every ballot is seen (True) or time is short."""
        merged = self._get(job.idea_id)
        if merged.status is not IdeaStatus.MERGED:  # never written so; were it, moving would release open votes
            logger.error("a merge job for an idea that is not merged: dropped", extra={"idea_id": job.idea_id})
            self.jobs.finish(job)
            return True
        target = self._end_of_chain(merged)
        start = job.start
        while going_on():
            voters, start = self.ballots.voters(job.product_id, job.idea_id, start, self.page)
            outcomes = []
            for customer_id, ballot in voters:
                outcome, target = self._move(customer_id, merged, target, ballot)
                outcomes.append(outcome)
            moved, released = outcomes.count(Moved.MOVED), outcomes.count(Moved.RELEASED)
            count("VotesMoved", moved)
            count("VotesReleased", released)
            advanced = self.jobs.advance(job, start, moved, released)
            if advanced is None:  # another run finished it meanwhile (the local stack's pump, say)
                return True
            job = advanced
            if start is None:
                self._finish(job, target)
                return True
        logger.info("a merge's move stopped for lack of time: the next run goes on", extra={"idea_id": job.idea_id})
        return False

    def _finish(self, job: MergeJob, target: Idea | None) -> None:
        moved = SupportMoved(
            event_id=f"{job.idea_id}:support-moved",
            idea_id=job.idea_id,
            product_id=job.product_id,
            moved_to=target.idea_id if target else None,
            moved=job.moved,
            released=job.released,
            finished_at=self.clock(),
        )
        self.events.publish([moved.envelope()])  # before the job goes: should it fail, the next run sends it
        self.jobs.finish(job)
        count("MergesFinished")
        logger.info("a merge's supporters moved", extra={"idea_id": job.idea_id, "moved": job.moved})

"""The product team moves ideas through their lifecycle and answers them in public."""

from __future__ import annotations

from chalicelib.domain import lifecycle
from chalicelib.domain.ideas import IdeaStatus, IdeaView
from chalicelib.domain.lifecycle import StatusChange
from chalicelib.errors import NotFound, TransitionNotAllowed
from chalicelib.observability import traced
from chalicelib.services import Clock
from chalicelib.store.ideas import IdeaStore
from chalicelib.store.merges import MergeJobs
from chalicelib.store.table import ConditionFailed


@traced
class LifecycleService:
    def __init__(self, ideas: IdeaStore, merges: MergeJobs, clock: Clock) -> None:
        self.ideas = ideas
        self.merges = merges
        self.clock = clock

    def change(self, idea_id: str, change: StatusChange) -> IdeaView:
        """Apply `change` if the lifecycle allows it. Customers hear of it through IdeaStatusChanged, which the
        stream consumer announces; votes on an idea that closes stop holding budget the next time it matters. A merge
        writes the job of moving the idea's supporters to its target (chalicelib/services/merging.py)."""
        idea = self.ideas.get(idea_id)
        if idea is None:
            raise NotFound(f"there is no idea {idea_id!r}")
        target = self.ideas.get(change.merged_into) if change.merged_into else None
        moved = lifecycle.move(idea, change, self.clock(), target)
        if moved != idea:
            try:
                merging = [self.merges.entry(moved)] if moved.status is IdeaStatus.MERGED else []
                self.ideas.change_status(idea, moved, also=merging)
            except ConditionFailed:
                raise TransitionNotAllowed(
                    f"idea {idea_id!r} changed status while this request was made; read it again and retry"
                ) from None
        return moved.view()

"""Following ideas: explicitly, or automatically by writing one, voting on it or commenting on it. An unfollow is
the customer's word: no later vote undoes it."""

from __future__ import annotations

from chalicelib.domain.ideas import Idea
from chalicelib.errors import NotFound
from chalicelib.observability import count, logger, traced
from chalicelib.services import Clock
from chalicelib.store.follows import FollowStore
from chalicelib.store.ideas import IdeaStore


@traced
class FollowingService:
    def __init__(self, ideas: IdeaStore, follows: FollowStore, clock: Clock) -> None:
        self.ideas = ideas
        self.follows = follows
        self.clock = clock

    def follow(self, customer_id: str, idea_id: str) -> None:
        self.follows.follow(customer_id, self._idea(idea_id).idea_id, self.clock())

    def unfollow(self, customer_id: str, idea_id: str) -> None:
        self.follows.unfollow(customer_id, self._idea(idea_id).idea_id, self.clock())

    def following(self, customer_id: str, idea: Idea) -> bool:
        return self.follows.following(customer_id, idea.idea_id)

    def automatically(self, customer_id: str, idea: Idea) -> None:
        """The author, a voter or a commenter follows the idea, unless they follow it already or unfollowed it. A
        failure here fails nothing the customer did: it is logged and counted."""
        try:
            if self.follows.follow_unless_decided(customer_id, idea.idea_id, self.clock()):
                count("FollowsStarted")
        except Exception:
            count("FollowsFailed")
            logger.exception("an automatic follow failed", extra={"idea_id": idea.idea_id})

    def _idea(self, idea_id: str) -> Idea:
        idea = self.ideas.get(idea_id)
        if idea is None:
            raise NotFound(f"there is no idea {idea_id!r}")
        return idea

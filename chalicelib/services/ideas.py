"""Submitting ideas, and showing them."""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.domain.ideas import CustomisationDraft, Idea, IdeaView, SuggestionDraft
from chalicelib.domain.listing import IdeaListQuery, IdeaPage
from chalicelib.domain.similar import SimilarIdea, SubmittedIdea
from chalicelib.errors import NotFound
from chalicelib.identity import Caller
from chalicelib.observability import count, logger, traced
from chalicelib.services import Clock
from chalicelib.services.catalogue import CatalogueService
from chalicelib.services.following import FollowingService
from chalicelib.services.similar import WORTH_OFFERING, SimilarService
from chalicelib.services.voting import VotingService
from chalicelib.store.ideas import IdeaStore


class Submission(NamedTuple):
    view: SubmittedIdea
    created: bool  # False when an identical customisation request already existed


@traced
class IdeaService:
    def __init__(
        self,
        catalogue: CatalogueService,
        ideas: IdeaStore,
        voting: VotingService,
        following: FollowingService,
        similar: SimilarService,
        *,
        clock: Clock,
    ) -> None:
        self.catalogue = catalogue
        self.ideas = ideas
        self.voting = voting
        self.following = following
        self.similar = similar
        self.clock = clock

    def submit(self, customer_id: str, product_id: str, draft: CustomisationDraft | SuggestionDraft) -> Submission:
        """Create the idea, or find the identical customisation; either way, record the submitter's up-vote
        when the budget allows. A suggestion comes back with up to three ideas like it."""
        product = self.catalogue.get(product_id)
        if isinstance(draft, CustomisationDraft):
            idea = Idea.customisation(product, draft, self.clock(), author_id=customer_id)
        else:
            idea = Idea.suggestion(product, draft, self.clock(), author_id=customer_id)
        stored, created = self.ideas.create(idea)
        if created:
            count("IdeasSubmitted")
        my_vote = self.voting.support(customer_id, stored)
        if my_vote != 1:  # with their up-vote they follow it already; without one (a full budget), they follow it now
            self.following.automatically(customer_id, stored)
        view = stored.view().for_caller(my_vote)
        similar = self._like(stored) if isinstance(draft, SuggestionDraft) else []
        return Submission(view=SubmittedIdea(**dict(view), similar=similar), created=created)

    def _like(self, idea: Idea) -> list[SimilarIdea]:
        """Up to three ideas like a new suggestion, worth supporting instead; none when the search fails: the
        idea is stored, and that is what the customer asked for."""
        try:
            text = f"{idea.title}\n{idea.description or ''}"
            return self.similar.like(idea.product_id, text, 3, exclude=[idea.idea_id], least=WORTH_OFFERING)
        except Exception:
            count("SimilarFailed")
            logger.exception("similar ideas could not be found for a new suggestion", extra={"idea_id": idea.idea_id})
            return []

    def get(self, idea_id: str) -> Idea:
        idea = self.ideas.get(idea_id)
        if idea is None:
            raise NotFound(f"there is no idea {idea_id!r}")
        return idea

    def view(self, idea_id: str, caller: Caller | None) -> IdeaView:
        idea = self.get(idea_id)
        if caller is None:
            return idea.view()
        my_vote = self.voting.vote_of(caller.customer_id, idea)
        return idea.view().for_caller(my_vote, following=self.following.following(caller.customer_id, idea))

    def page(self, product_id: str, query: IdeaListQuery) -> IdeaPage:
        ideas, next_cursor = self.ideas.page(product_id, query.status, query.sort, query.limit, query.cursor)
        if not ideas and query.cursor is None:
            self.catalogue.get(product_id)  # an empty first page: an unknown product, or no ideas yet?
        return IdeaPage(items=[i.view() for i in ideas], next_cursor=next_cursor)

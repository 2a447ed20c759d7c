"""Submitting ideas, and showing them."""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.domain.ideas import CustomisationDraft, Idea, IdeaView, SuggestionDraft
from chalicelib.domain.listing import IdeaListQuery, IdeaPage
from chalicelib.errors import NotFound
from chalicelib.identity import Caller
from chalicelib.observability import count, traced
from chalicelib.services import Clock
from chalicelib.services.catalogue import CatalogueService
from chalicelib.services.voting import VotingService
from chalicelib.store.ideas import IdeaStore


class Submission(NamedTuple):
    view: IdeaView
    created: bool  # False when an identical customisation request already existed


@traced
class IdeaService:
    def __init__(self, catalogue: CatalogueService, ideas: IdeaStore, voting: VotingService, clock: Clock) -> None:
        self.catalogue = catalogue
        self.ideas = ideas
        self.voting = voting
        self.clock = clock

    def submit(self, customer_id: str, product_id: str, draft: CustomisationDraft | SuggestionDraft) -> Submission:
        """Create the idea, or find the identical customisation; either way, record the submitter's up-vote
        when the budget allows."""
        product = self.catalogue.get(product_id)
        if isinstance(draft, CustomisationDraft):
            idea = Idea.customisation(product, draft, self.clock())
        else:
            idea = Idea.suggestion(product, draft, self.clock())
        stored, created = self.ideas.create(idea)
        if created:
            count("IdeasSubmitted")
        my_vote = self.voting.support(customer_id, stored)
        return Submission(view=stored.view().for_caller(my_vote), created=created)

    def get(self, idea_id: str) -> Idea:
        idea = self.ideas.get(idea_id)
        if idea is None:
            raise NotFound(f"there is no idea {idea_id!r}")
        return idea

    def view(self, idea_id: str, caller: Caller | None) -> IdeaView:
        idea = self.get(idea_id)
        if caller is None:
            return idea.view()
        return idea.view().for_caller(self.voting.vote_of(caller.customer_id, idea))

    def page(self, product_id: str, query: IdeaListQuery) -> IdeaPage:
        ideas, next_cursor = self.ideas.page(product_id, query.status, query.sort, query.limit, query.cursor)
        if not ideas and query.cursor is None:
            self.catalogue.get(product_id)  # an empty first page: an unknown product, or no ideas yet?
        return IdeaPage(items=[i.view() for i in ideas], next_cursor=next_cursor)

"""Submitting ideas, and showing them."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.ideas import CustomisationDraft, Idea, IdeaView, SuggestionDraft
from chalicelib.domain.listing import IdeaListQuery, IdeaPage
from chalicelib.errors import NotFound
from chalicelib.identity import Caller
from chalicelib.services import Clock
from chalicelib.services.catalogue import CatalogueService
from chalicelib.store.ideas import IdeaStore


@dataclass(frozen=True)
class Submission:
    view: IdeaView
    created: bool  # False when an identical customisation request already existed


class IdeaService:
    def __init__(self, catalogue: CatalogueService, ideas: IdeaStore, clock: Clock) -> None:
        self.catalogue = catalogue
        self.ideas = ideas
        self.clock = clock

    def submit(self, customer_id: str, product_id: str, draft: CustomisationDraft | SuggestionDraft) -> Submission:
        product = self.catalogue.get(product_id)
        if isinstance(draft, CustomisationDraft):
            idea = Idea.customisation(product, draft, self.clock())
        else:
            idea = Idea.suggestion(product, draft, self.clock())
        stored, created = self.ideas.create(idea)
        return Submission(view=stored.view().for_caller(None), created=created)

    def get(self, idea_id: str) -> Idea:
        idea = self.ideas.get(idea_id)
        if idea is None:
            raise NotFound(f"there is no idea {idea_id!r}")
        return idea

    def view(self, idea_id: str, caller: Caller | None) -> IdeaView:
        view = self.get(idea_id).view()
        return view if caller is None else view.for_caller(None)

    def page(self, product_id: str, query: IdeaListQuery) -> IdeaPage:
        ideas, next_cursor = self.ideas.page(product_id, query.status, query.sort, query.limit, query.cursor)
        if not ideas and query.cursor is None:
            self.catalogue.get(product_id)  # an empty first page: an unknown product, or no ideas yet?
        return IdeaPage(items=[i.view() for i in ideas], next_cursor=next_cursor)

"""How lists are asked for and answered: pages, orders and filters."""

from enum import StrEnum

from pydantic import ConfigDict, Field

from chalicelib.domain.catalogue import Product
from chalicelib.domain.ideas import IdeaStatus, IdeaView
from chalicelib.domain.model import Model


class IdeaOrder(StrEnum):
    TOP = "top"  # net votes
    HOT = "hot"  # net votes and recency
    CONFIDENCE = "confidence"  # Wilson lower bound of the up-vote share
    NEW = "new"  # newest first


class PageQuery(Model):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=100, description="items per page")
    cursor: str | None = Field(None, min_length=1, max_length=2048, description="next_cursor of the previous page")


class IdeaListQuery(PageQuery):
    sort: IdeaOrder = IdeaOrder.TOP
    status: IdeaStatus = IdeaStatus.OPEN


class ProductPage(Model):
    items: list[Product]
    next_cursor: str | None = Field(description="null on the last page")


class IdeaPage(Model):
    items: list[IdeaView]
    next_cursor: str | None = Field(description="null on the last page")

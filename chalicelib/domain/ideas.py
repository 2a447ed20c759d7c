"""Ideas: customisation requests and free-form suggestions, their identity and how they are shown."""

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, NamedTuple

from pydantic import MISSING, ConfigDict, Field, RootModel
from typing_extensions import TypeAliasType

from chalicelib.domain import ranking
from chalicelib.domain.catalogue import DEFAULT_MAX_UNITS, MAX_DIMENSIONS, Product
from chalicelib.domain.comments import SentimentCounts
from chalicelib.domain.model import Model
from chalicelib.domain.text import Description, Label, Timestamp, Title

IDEA_ID = re.compile(r"^[cs][a-z2-7]{16}$")

# A customer's vote on an idea: for (1) or against (-1). Named, so that the API's document describes it once.
VoteValue = TypeAliasType("VoteValue", Literal[1, -1])


class IdeaKind(StrEnum):
    CUSTOMISATION = "customisation"
    SUGGESTION = "suggestion"


class IdeaStatus(StrEnum):
    OPEN = "open"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PRODUCTION = "in_production"
    AVAILABLE = "available"
    DECLINED = "declined"
    MERGED = "merged"

    @property
    def closed(self) -> bool:
        """Closed ideas take no more votes, and votes on them no longer count against budgets."""
        return self in (IdeaStatus.AVAILABLE, IdeaStatus.DECLINED, IdeaStatus.MERGED)


class CustomisationDraft(Model):
    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Literal["customisation"]
    options: dict[Label, Label] = Field(
        min_length=1, max_length=MAX_DIMENSIONS, description="a value for each chosen dimension"
    )
    title: Title | None = None
    description: Description | None = None


class SuggestionDraft(Model):
    model_config = ConfigDict(extra="forbid", strict=True)

    kind: Literal["suggestion"]
    title: Title
    description: Description


class IdeaDraft(RootModel[Annotated[CustomisationDraft | SuggestionDraft, Field(discriminator="kind")]]):
    """The body of `POST /products/{product_id}/ideas`."""

    model_config = ConfigDict(defer_build=True)  # a RootModel, so not a Model: deferred here


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").lower()


def customisation_id(product_id: str, options: Mapping[str, str]) -> str:
    """The same product with the same options is the same idea, whatever the order or letter case."""
    canonical = json.dumps(sorted((k.casefold(), v.casefold()) for k, v in options.items()), ensure_ascii=False)
    return "c" + _b32(hashlib.sha256(f"{product_id}\n{canonical}".encode()).digest()[:10])


def new_suggestion_id() -> str:
    return "s" + _b32(secrets.token_bytes(10))


def describe(options: Mapping[str, str]) -> str:
    """A title for a customisation request that has none: "colour: matte green, interior: cork"."""
    return ", ".join(f"{dimension}: {value}" for dimension, value in options.items())[:120]


class VoteCounts(Model):
    up: int
    down: int
    net: int


class Scores(Model):
    confidence: float = Field(description="lower bound of the 95% Wilson interval for the share of up-votes")
    hot: float = Field(description="rises with net votes and with recency")


class IdeaView(Model):
    """An idea as the API shows it."""

    # Every field is sent but `my_vote` and `following`, which only a signed-in caller gets: the fields with a default.
    model_config = ConfigDict(json_schema_serialization_defaults_required=False)

    idea_id: str
    product_id: str
    kind: IdeaKind
    title: str
    description: str | None
    options: dict[str, str] | None
    status: IdeaStatus
    response: str | None = Field(description="the product team's official answer")
    merged_into: str | None
    created_at: Timestamp
    updated_at: Timestamp
    votes: VoteCounts
    scores: Scores
    comments: int = Field(description="visible comments")
    sentiment: SentimentCounts = Field(description="how many visible comments feel each way")
    my_vote: VoteValue | MISSING | None = Field(  # MISSING: not sent at all
        MISSING,
        description="the caller's vote, null when they have none: present only when a signed-in caller asks for one"
        " idea (GET /ideas/{idea_id}) or submits one, never in lists",
    )

    following: bool | MISSING = Field(  # MISSING: not sent at all
        MISSING,
        description="whether the caller follows the idea: present only when a signed-in caller asks for one idea",
    )

    def for_caller(self, my_vote: VoteValue | None, following: bool | MISSING = MISSING) -> "IdeaView":
        """The view for a signed-in caller: `my_vote` is shown, null when they have not voted."""
        return self.model_copy(update={"my_vote": my_vote, "following": following})


class IdeaSummary(NamedTuple):
    """What a report or a recount reads of an idea, with no more validation than its store's."""

    idea_id: str
    kind: IdeaKind
    title: str
    options: dict[str, str] | None
    status: IdeaStatus
    up: int
    down: int
    created_at: datetime
    units: int = 0
    committers: int = 0
    priced: int = 0  # commitments that name a price
    gained_7d: int = 0  # supporters gained over the last 7 days

    @property
    def net(self) -> int:
        return self.up - self.down

    @property
    def confidence(self) -> float:
        return ranking.confidence(self.up, self.down)

    @property
    def hot(self) -> float:
        return ranking.hot(self.net, self.created_at)


class Idea(Model):
    model_config = ConfigDict(frozen=True)

    idea_id: str
    product_id: str
    kind: IdeaKind
    title: str
    description: str | None = None
    options: dict[str, str] | None = None
    status: IdeaStatus = IdeaStatus.OPEN
    response: str | None = None
    merged_into: str | None = None
    created_at: datetime
    updated_at: datetime
    up: int = 0
    down: int = 0
    # The product's, copied: a vote needs to read only the idea, and its aggregation only the idea too.
    vote_budget: int
    max_units_per_customer: int = DEFAULT_MAX_UNITS
    thresholds: list[int] = Field(default_factory=list)
    thresholds_reached: list[int] = Field(default_factory=list)
    # Committed demand, derived from the stream: units, committers, and how many of them named a price.
    units: int = 0
    committers: int = 0
    priced: int = 0
    # Visible comments, and how many feel each way: derived from the stream too.
    comments: int = 0
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    # When the product team last answered in public (an official comment, a status change with a response): the
    # customers' negative comments before it are answered.
    answered_at: datetime | None = None
    # Who wrote it (never shown): what their export lists, and their erasure forgets.
    author_id: str | None = None

    @classmethod
    def customisation(
        cls, product: Product, draft: CustomisationDraft, now: datetime, author_id: str | None = None
    ) -> "Idea":
        options = product.choose(draft.options)
        return cls(
            idea_id=customisation_id(product.product_id, options),
            product_id=product.product_id,
            kind=IdeaKind.CUSTOMISATION,
            title=draft.title or describe(options),
            description=draft.description,
            options=options,
            created_at=now,
            updated_at=now,
            vote_budget=product.vote_budget,
            max_units_per_customer=product.max_units_per_customer,
            thresholds=product.thresholds,
            author_id=author_id,
        )

    @classmethod
    def suggestion(
        cls, product: Product, draft: SuggestionDraft, now: datetime, author_id: str | None = None
    ) -> "Idea":
        return cls(
            idea_id=new_suggestion_id(),
            product_id=product.product_id,
            kind=IdeaKind.SUGGESTION,
            title=draft.title,
            description=draft.description,
            options=None,
            created_at=now,
            updated_at=now,
            vote_budget=product.vote_budget,
            max_units_per_customer=product.max_units_per_customer,
            thresholds=product.thresholds,
            author_id=author_id,
        )

    def counted(self, up: int, down: int) -> "Idea":
        """The idea with new counts, and the supporter thresholds they reach for the first time."""
        reached = sorted({*self.thresholds_reached, *(t for t in self.thresholds if up >= t)})
        return self.model_copy(update={"up": up, "down": down, "thresholds_reached": reached})

    @property
    def net(self) -> int:
        return self.up - self.down

    @property
    def confidence(self) -> float:
        return ranking.confidence(self.up, self.down)

    @property
    def hot(self) -> float:
        return ranking.hot(self.net, self.created_at)

    def summary(self, gained_7d: int = 0) -> IdeaSummary:
        return IdeaSummary(
            idea_id=self.idea_id,
            kind=self.kind,
            title=self.title,
            options=self.options,
            status=self.status,
            up=self.up,
            down=self.down,
            created_at=self.created_at,
            units=self.units,
            committers=self.committers,
            priced=self.priced,
            gained_7d=gained_7d,
        )

    def view(self) -> IdeaView:
        return IdeaView(
            idea_id=self.idea_id,
            product_id=self.product_id,
            kind=self.kind,
            title=self.title,
            description=self.description,
            options=self.options,
            status=self.status,
            response=self.response,
            merged_into=self.merged_into,
            created_at=self.created_at,
            updated_at=self.updated_at,
            votes=VoteCounts(up=self.up, down=self.down, net=self.net),
            scores=Scores(confidence=self.confidence, hot=self.hot),
            comments=self.comments,
            sentiment=SentimentCounts(positive=self.positive, neutral=self.neutral, negative=self.negative),
        )

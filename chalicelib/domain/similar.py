"""Similar ideas: what a customer finds before writing an idea that exists already."""

from pydantic import ConfigDict, Field

from chalicelib.domain.ideas import IdeaView
from chalicelib.domain.model import Model
from chalicelib.domain.text import SearchText


class SimilarQuery(Model):
    """The query of `GET /products/{product_id}/ideas/similar`."""

    model_config = ConfigDict(extra="forbid")

    q: SearchText = Field(description="what the customer would write: 3 to 500 characters")
    limit: int = Field(5, ge=1, le=20, description="ideas at most")


class SimilarIdea(Model):
    idea: IdeaView
    score: float = Field(ge=0, le=1, description="1: every word of the query is in its title")


class SimilarIdeas(Model):
    items: list[SimilarIdea] = Field(description="best first")


class SubmittedIdea(IdeaView):
    """A submitted idea, and for a suggestion, up to three open ideas like it: one might be worth supporting
    instead."""

    similar: list[SimilarIdea]

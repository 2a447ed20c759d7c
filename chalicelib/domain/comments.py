"""Comments on ideas, how each one feels, and the product team's attention queue.

A comment is a fact, written by its request with its sentiment already scored. Each idea's `comments` and
`sentiment` counts are derived from the stream like its votes. A customer's negative comment waits in its
product's attention queue until the team answers it: an official comment on the same idea after it, or a
status change with a response after it.
"""

import base64
import re
import secrets
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from chalicelib.domain.model import Model
from chalicelib.domain.text import CommentText, Timestamp

COMMENT_ID = re.compile(r"^m[a-z2-7]{16}$")
# VADER's compound score: at least this much either way is a feeling, anything between is neutral.
SENTIMENT_THRESHOLD = 0.05


class Feeling(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


def feeling(score: float) -> Feeling:
    """The label of a score from -1 (most negative) to 1 (most positive)."""
    if score >= SENTIMENT_THRESHOLD:
        return Feeling.POSITIVE
    if score <= -SENTIMENT_THRESHOLD:
        return Feeling.NEGATIVE
    return Feeling.NEUTRAL


class Sentiment(Model):
    model_config = ConfigDict(frozen=True)

    label: Feeling
    score: float = Field(ge=-1, le=1, description="from -1 (most negative) to 1 (most positive)")


class SentimentCounts(Model):
    """How many of an idea's visible comments feel each way."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0


class CommentBody(Model):
    """The body of `POST /ideas/{idea_id}/comments`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    body: CommentText


class Moderation(Model):
    """The body of `PATCH /comments/{comment_id}`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    hidden: bool = Field(description="true hides the comment from public lists (and the attention queue)")


class Author(Model):
    id: str | None = Field(description="the `sub` of whoever wrote it; null once they have left (DELETE /me)")
    official: bool = Field(description="written by the product team")


class CommentView(Model):
    comment_id: str
    idea_id: str
    author: Author
    body: str
    sentiment: Sentiment
    hidden: bool
    created_at: Timestamp


def new_comment_id() -> str:
    return "m" + base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


class Comment(Model):
    model_config = ConfigDict(frozen=True)

    comment_id: str
    idea_id: str
    product_id: str
    author_id: str | None = None  # None once the author has left
    official: bool
    body: str
    sentiment: Sentiment
    hidden: bool = False
    created_at: datetime

    @property
    def waits_for_answer(self) -> bool:
        """A customer's negative comment waits for the team's answer (unless hidden)."""
        return self.sentiment.label is Feeling.NEGATIVE and not self.official and not self.hidden

    def view(self) -> CommentView:
        return CommentView(
            comment_id=self.comment_id,
            idea_id=self.idea_id,
            author=Author(id=self.author_id, official=self.official),
            body=self.body,
            sentiment=self.sentiment,
            hidden=self.hidden,
            created_at=self.created_at,
        )


class CommentPage(Model):
    items: list[CommentView]
    next_cursor: str | None = Field(description="null on the last page")


class Waiting(Model):
    comment: CommentView
    idea_id: str
    waiting_seconds: int = Field(description="since the comment was written")


class AttentionPage(Model):
    items: list[Waiting] = Field(description="unanswered negative comments by customers, oldest first")
    next_cursor: str | None = Field(description="null on the last page")

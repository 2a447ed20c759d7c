"""The events cocreate puts on its bus (source `cocreate`), and how ideas' changes announce them.

Idea events are read off the table's stream, from each idea's image before and after a change, so that
whatever changes an idea (a submission, the lifecycle, vote counting) the announcement follows, and
the stream consumer's checkpoint makes a redelivered batch announce nothing twice. Delivery to the bus is at
least once: each event carries an `event_id` that names what happened, by which a consumer drops a duplicate.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from pydantic import ConfigDict

from chalicelib.domain.comments import Comment, Feeling
from chalicelib.domain.ideas import Idea, IdeaKind, IdeaStatus
from chalicelib.domain.model import Model
from chalicelib.domain.text import Timestamp, iso


class Envelope(NamedTuple):
    """An event as the bus carries it: its type, and its detail as JSON."""

    detail_type: str
    detail: str


class DomainEvent(Model):
    model_config = ConfigDict(frozen=True)

    detail_type: ClassVar[str]
    event_id: str

    def envelope(self) -> Envelope:
        return Envelope(self.detail_type, self.model_dump_json())


class IdeaSubmitted(DomainEvent):
    detail_type: ClassVar[str] = "IdeaSubmitted"
    idea_id: str
    product_id: str
    kind: IdeaKind
    title: str
    options: dict[str, str] | None
    submitted_at: Timestamp


class IdeaStatusChanged(DomainEvent):
    detail_type: ClassVar[str] = "IdeaStatusChanged"
    idea_id: str
    product_id: str
    title: str
    old_status: IdeaStatus
    new_status: IdeaStatus
    response: str | None
    merged_into: str | None
    changed_at: Timestamp


class IdeaThresholdReached(DomainEvent):
    detail_type: ClassVar[str] = "IdeaThresholdReached"
    idea_id: str
    product_id: str
    title: str
    threshold: int
    supporters: int
    reached_at: Timestamp  # when the count that reached it was written


class CommentPosted(DomainEvent):
    """A comment was written: never its body, nor who wrote it."""

    detail_type: ClassVar[str] = "CommentPosted"
    comment_id: str
    idea_id: str
    product_id: str
    sentiment: Feeling
    official: bool
    posted_at: Timestamp


class SupportMoved(DomainEvent):
    """A merged idea's votes have all moved: its up-votes to `moved_to` (None when that closed), and the rest
    released."""

    detail_type: ClassVar[str] = "SupportMoved"
    idea_id: str
    product_id: str
    moved_to: str | None
    moved: int
    released: int
    finished_at: Timestamp


class FollowersNotified(DomainEvent):
    """Every follower of an idea has been told of something that happened to it (`about`: that event's id), in
    their inbox: how many were told (those told by an earlier, interrupted run included). Never who."""

    detail_type: ClassVar[str] = "FollowersNotified"
    idea_id: str
    kind: str  # the notification's kind
    about: str
    notified: int
    finished_at: Timestamp


class CustomerErased(DomainEvent):
    """A customer's personal data was erased: what was done, never who they were."""

    detail_type: ClassVar[str] = "CustomerErased"
    ballots: int  # erased (their votes on closed ideas kept, by nobody)
    ideas: int  # that lost their author
    comments: int  # that lost their body and author
    deleted: int  # follows, notifications, preferences, write windows
    erased_at: Timestamp


class ReportKeys(Model):
    latest: str
    json_copy: str
    csv_copy: str


class DemandSummary(Model):
    ideas: int
    supporters: int
    top: list[dict[str, Any]]


class DemandRankingPublished(DomainEvent):
    detail_type: ClassVar[str] = "DemandRankingPublished"
    product_id: str
    generated_at: Timestamp
    keys: ReportKeys
    summary: DemandSummary


class RepairedCount(Model):
    idea_id: str
    up: tuple[int, int]  # before, after
    down: tuple[int, int]
    units: tuple[int, int]  # committed
    committers: tuple[int, int]
    comments: tuple[int, int]  # visible


class CountsRecounted(DomainEvent):
    """A recount found counts that differed from the ballots, and repaired them."""

    detail_type: ClassVar[str] = "CountsRecounted"
    product_id: str
    recounted_at: Timestamp
    repaired: list[RepairedCount]


def idea_events(old_image: Mapping[str, Any], new_image: Mapping[str, Any], at: datetime) -> list[DomainEvent]:
    """What an idea's change, written `at`, announces, from its stored images (either may be empty)."""
    if not new_image:
        return []
    new = Idea.model_validate(new_image)
    if not old_image:
        return [
            IdeaSubmitted(
                event_id=f"{new.idea_id}:submitted",
                idea_id=new.idea_id,
                product_id=new.product_id,
                kind=new.kind,
                title=new.title,
                options=new.options,
                submitted_at=new.created_at,
            )
        ]
    old = Idea.model_validate(old_image)
    events: list[DomainEvent] = []
    if new.status is not old.status:
        events.append(
            IdeaStatusChanged(
                event_id=f"{new.idea_id}:status:{new.status.value}:{iso(new.updated_at)}",
                idea_id=new.idea_id,
                product_id=new.product_id,
                title=new.title,
                old_status=old.status,
                new_status=new.status,
                response=new.response,
                merged_into=new.merged_into,
                changed_at=new.updated_at,
            )
        )
    for threshold in sorted(set(new.thresholds_reached) - set(old.thresholds_reached)):
        events.append(
            IdeaThresholdReached(
                event_id=f"{new.idea_id}:threshold:{threshold}",
                idea_id=new.idea_id,
                product_id=new.product_id,
                title=new.title,
                threshold=threshold,
                supporters=new.up,
                reached_at=at,
            )
        )
    return events


def comment_events(old_image: Mapping[str, Any], new_image: Mapping[str, Any]) -> list[DomainEvent]:
    """What a comment's change announces: that it was posted, once."""
    if old_image or not new_image:
        return []
    comment = Comment.model_validate(new_image)
    return [
        CommentPosted(
            event_id=f"{comment.comment_id}:posted",
            comment_id=comment.comment_id,
            idea_id=comment.idea_id,
            product_id=comment.product_id,
            sentiment=comment.sentiment.label,
            official=comment.official,
            posted_at=comment.created_at,
        )
    ]

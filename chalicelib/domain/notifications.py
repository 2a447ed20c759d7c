"""Following and notifications: what an idea's followers are told when something happens to it, and what a customer
wants by email.

An event that concerns followers (a status change, a merge, a threshold reached, an official comment) becomes a
`Notice`; each follower gets one notification of it, whose id is made from the event, so that delivering a notice
twice gives nobody a second notification.
"""

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, Self

from pydantic import ConfigDict, Field, model_validator

from chalicelib.domain.events import CommentPosted, DomainEvent, IdeaStatusChanged, IdeaThresholdReached
from chalicelib.domain.ideas import IdeaStatus
from chalicelib.domain.listing import PageQuery
from chalicelib.domain.model import Model
from chalicelib.domain.text import Timestamp

# How long a notification stays in the inbox, read or not (then DynamoDB's TTL removes it).
NOTIFICATION_DAYS = 90
NOTIFICATION_ID = r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{16}$"
# How much of an official comment a notification quotes.
QUOTE = 280


class NotificationKind(StrEnum):
    STATUS_CHANGED = "status_changed"
    THRESHOLD_REACHED = "threshold_reached"
    MERGED = "merged"
    OFFICIAL_COMMENT = "official_comment"


class Notice(Model):
    """One event, as the followers of its idea are to be told of it."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    kind: NotificationKind
    idea_id: str
    at: datetime
    status: IdeaStatus | None = None
    response: str | None = None
    merged_into: str | None = None  # only on a merge's notice
    threshold: int | None = None
    supporters: int | None = None
    comment_id: str | None = None

    @property
    def notification_id(self) -> str:
        """The same whenever the event is delivered; in time order, and never another event's."""
        digest = hashlib.sha256(self.event_id.encode()).hexdigest()[:16]
        return f"{self.at.astimezone(UTC):%Y%m%dT%H%M%S%f}-{digest}"


def notices(events: Iterable[DomainEvent]) -> list[Notice]:
    """What `events` tell followers."""
    told: list[Notice] = []
    for event in events:
        if isinstance(event, IdeaStatusChanged):
            merged = event.new_status is IdeaStatus.MERGED
            told.append(
                Notice(
                    event_id=event.event_id,
                    kind=NotificationKind.MERGED if merged else NotificationKind.STATUS_CHANGED,
                    idea_id=event.idea_id,
                    at=event.changed_at,
                    status=event.new_status,
                    response=event.response,
                    merged_into=event.merged_into if merged else None,
                )
            )
        elif isinstance(event, IdeaThresholdReached):
            told.append(
                Notice(
                    event_id=event.event_id,
                    kind=NotificationKind.THRESHOLD_REACHED,
                    idea_id=event.idea_id,
                    at=event.reached_at,
                    threshold=event.threshold,
                    supporters=event.supporters,
                )
            )
        elif isinstance(event, CommentPosted) and event.official:
            told.append(
                Notice(
                    event_id=event.event_id,
                    kind=NotificationKind.OFFICIAL_COMMENT,
                    idea_id=event.idea_id,
                    at=event.posted_at,
                    comment_id=event.comment_id,
                )
            )
    return told


def _quoted(text: str) -> str:
    return f"“{text if len(text) <= QUOTE else text[: QUOTE - 1].rstrip() + '…'}”"


def message(notice: Notice, *, target_title: str | None = None, comment: str | None = None) -> str:
    """What a notification says: `target_title` of the idea a merge went into, `comment` the official one's body."""
    answer = f" The product team: {_quoted(notice.response)}" if notice.response else ""
    if notice.kind is NotificationKind.MERGED:
        into = _quoted(target_title) if target_title else "another idea"
        return f"Merged into {into}: your vote and your follow moved with it.{answer}"
    if notice.kind is NotificationKind.STATUS_CHANGED:
        status = notice.status.value.replace("_", " ") if notice.status else "changed"
        return f"Now {status}.{answer}"
    if notice.kind is NotificationKind.THRESHOLD_REACHED:
        return f"{notice.supporters} supporters: past {notice.threshold}."
    return f"The product team answered: {_quoted(comment or '')}"


class Notification(Model):
    notification_id: str
    kind: NotificationKind
    idea_id: str
    title: str = Field(description="the idea's title")
    message: str
    merged_into: str | None = Field(description="the idea it merged into (kind `merged` only)")
    created_at: Timestamp
    read: bool


class NotificationQuery(PageQuery):
    unread: bool = Field(False, description="only the unread ones")


class NotificationPage(Model):
    items: list[Notification] = Field(description="newest first")
    next_cursor: str | None = Field(description="null on the last page")
    unread: int = Field(description="how many of the caller's notifications are unread")


class ReadNotifications(Model):
    """Which notifications to mark read: some, by id, or all."""

    model_config = ConfigDict(extra="forbid")

    notification_ids: list[str] | None = Field(None, min_length=1, max_length=100)
    all: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_of_them(self) -> Self:
        if (self.notification_ids is None) == (self.all is None):
            raise ValueError("name notification_ids, or all: true, not both")
        return self


class EmailWish(Model):
    """Where to send mail, and of which kinds of notification."""

    model_config = ConfigDict(extra="forbid")

    address: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
    events: list[NotificationKind] = Field(min_length=1, max_length=len(NotificationKind))

    @model_validator(mode="after")
    def _each_once(self) -> Self:
        if len(set(self.events)) != len(self.events):
            raise ValueError("events names a kind twice")
        return self


class PreferencesBody(Model):
    model_config = ConfigDict(extra="forbid")

    email: EmailWish | None = Field(description="null: no email (the default)")


class Consent(Model):
    given_at: Timestamp | None = Field(description="when the caller last turned email on")
    withdrawn_at: Timestamp | None = Field(description="when they last turned it off, or unsubscribed")


class Preferences(Model):
    email: EmailWish | None
    consent: Consent

    def mail_to(self, kind: NotificationKind) -> str | None:
        """The address to mail a notification of `kind` to; None when the customer did not ask for it."""
        return self.email.address if self.email is not None and kind in self.email.events else None


NO_PREFERENCES = Preferences(email=None, consent=Consent(given_at=None, withdrawn_at=None))


class Unsubscribe(Model):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=1024, description="from the link in a mail")


UNSUBSCRIBED_PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Unsubscribed</title>
<p>You will get no more email from cocreate. Your notifications still wait for you in the app, and you can turn
email on again in your preferences.</p></html>
"""

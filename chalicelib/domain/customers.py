"""What cocreate holds about a customer, as they take it out (`GET /me/export`)."""

from pydantic import Field

from chalicelib.domain.comments import CommentView
from chalicelib.domain.ideas import IdeaView, VoteValue
from chalicelib.domain.model import Model
from chalicelib.domain.notifications import Notification, Preferences
from chalicelib.domain.text import Timestamp


class ExportedVote(Model):
    idea_id: str
    product_id: str
    value: VoteValue


class ExportedCommitment(Model):
    idea_id: str
    product_id: str
    quantity: int
    max_unit_price: float | None


class ExportedFollow(Model):
    idea_id: str
    following: bool = Field(description="false: unfollowed, which no later vote undoes")
    since: Timestamp


class CustomerData(Model):
    customer_id: str
    exported_at: Timestamp
    ideas: list[IdeaView] = Field(description="the ideas they wrote")
    votes: list[ExportedVote]
    commitments: list[ExportedCommitment]
    comments: list[CommentView]
    follows: list[ExportedFollow]
    notifications: list[Notification] = Field(description="newest first")
    preferences: Preferences = Field(description="email preferences, and the record of consent")

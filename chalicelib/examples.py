"""An example of every body the API takes and answers, for its OpenAPI document. Each is built from the domain's
own models and rules, so that an example cannot say what the API would not."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from chalicelib.domain.catalogue import Product, ProductDraft
from chalicelib.domain.comments import (
    AttentionPage,
    Comment,
    CommentBody,
    CommentPage,
    CommentView,
    Feeling,
    Moderation,
    Sentiment,
    Waiting,
)
from chalicelib.domain.commitments import CommitmentBody, CommitmentView
from chalicelib.domain.customers import CustomerData, ExportedCommitment, ExportedFollow, ExportedVote
from chalicelib.domain.demand import DemandReport
from chalicelib.domain.events import idea_events
from chalicelib.domain.ideas import CustomisationDraft, Idea, IdeaDraft, IdeaStatus, IdeaView, SuggestionDraft
from chalicelib.domain.lifecycle import StatusChange, move
from chalicelib.domain.listing import IdeaPage, ProductPage
from chalicelib.domain.notifications import (
    Consent,
    EmailWish,
    Notification,
    NotificationKind,
    NotificationPage,
    Preferences,
    PreferencesBody,
    ReadNotifications,
    message,
    notices,
)
from chalicelib.domain.similar import SimilarIdea, SimilarIdeas, SubmittedIdea
from chalicelib.domain.voting import Budget, MyVote, MyVotes, VoteBody, VoteView
from chalicelib.http import Health

SUBMITTED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
REVIEWED = datetime(2026, 11, 24, 16, 5, tzinfo=UTC)
NEXT_PAGE = "q2Rk8XJ0YW5kb20ta2V5LWZvci10aGUtbmV4dC1wYWdl"

PRODUCT_DRAFT = ProductDraft(
    product_id="roadster",
    name="Roadster EV",
    description="A two-seat electric roadster.",
    options={"colour": ["matte green", "sand"], "interior": ["cork", "wool"]},
    vote_budget=10,
)
# Not an idea of the local stack's demo data: a client trying the examples there must not touch the demo's ideas.
CUSTOMISATION = CustomisationDraft(kind="customisation", options={"colour": "sand", "interior": "cork"})
SUGGESTION = SuggestionDraft(
    kind="suggestion", title="A hardtop for the winter", description="The soft top is cold from November to March."
)
COMMITMENT = CommitmentBody(quantity=2, max_unit_price=48500)
COMMENT = CommentBody(body="Three months and still no news on the cork interior. Disappointing.")
REVIEW = StatusChange(status=IdeaStatus.UNDER_REVIEW, response="We are sourcing cork from two suppliers.")


@functools.cache
def bodies() -> dict[type[BaseModel], dict[str, Any]]:
    """Named examples of each model, as JSON."""
    product = Product.from_draft(PRODUCT_DRAFT, SUBMITTED)
    idea = Idea.customisation(product, CUSTOMISATION, SUBMITTED).counted(up=42, down=3)
    idea = idea.model_copy(
        update={"units": 57, "committers": 31, "priced": 2, "comments": 9, "positive": 6, "neutral": 2, "negative": 1}
    )
    reviewed = move(idea, REVIEW, REVIEWED)
    shown = reviewed.view().for_caller(1, following=True)
    suggestion = Idea.suggestion(product, SUGGESTION, SUBMITTED).counted(up=17, down=1)
    suggestion = suggestion.model_copy(update={"idea_id": "sb7kq2mzx4d6yhp3a"})  # the same in every document
    prices = {idea.idea_id: {4850000: 1, 5200000: 1}}
    unhappy = Comment(
        comment_id="mq4zl7c2v5n8w3k6j",
        idea_id=idea.idea_id,
        product_id=product.product_id,
        author_id="b7e1c2d4-5f60-4a8b-9c0d-1e2f3a4b5c6d",
        official=False,
        body=COMMENT.body,
        sentiment=Sentiment(label=Feeling.NEGATIVE, score=-0.6597),
        created_at=REVIEWED - timedelta(hours=2),
    )
    answer = unhappy.model_copy(
        update={
            "comment_id": "mr6tx2p8k4d7c3b5h",
            "author_id": "0a9b8c7d-6e5f-4a3b-8c1d-2e3f4a5b6c7d",
            "official": True,
            "body": "Thanks for your patience: the cork samples arrive this week, and we will post photos here.",
            "sentiment": Sentiment(label=Feeling.POSITIVE, score=0.4404),
            "created_at": REVIEWED,
        }
    )
    # What the idea's followers are told of its review: the stream reads it off the idea's change, as here.
    told = notices(idea_events(idea.model_dump(), reviewed.model_dump(), REVIEWED))[0]
    notification = Notification(
        notification_id=told.notification_id,
        kind=told.kind,
        idea_id=idea.idea_id,
        title=idea.title,
        message=message(told),
        merged_into=None,
        created_at=REVIEWED,
        read=False,
    )
    wish = EmailWish(address="ada@example.com", events=[NotificationKind.STATUS_CHANGED, NotificationKind.MERGED])
    preferences = Preferences(email=wish, consent=Consent(given_at=SUBMITTED, withdrawn_at=None))
    report = DemandReport.build(product, [reviewed.summary(gained_7d=12), suggestion], REVIEWED, prices)
    examples: dict[type[BaseModel], dict[str, BaseModel]] = {
        Health: {"up": Health()},
        ProductDraft: {"product": PRODUCT_DRAFT},
        Product: {"product": product},
        ProductPage: {"page": ProductPage(items=[product], next_cursor=NEXT_PAGE)},
        IdeaDraft: {"customisation": IdeaDraft(CUSTOMISATION), "suggestion": IdeaDraft(SUGGESTION)},
        IdeaView: {"idea, as its voter sees it": shown},
        SubmittedIdea: {
            "a suggestion, and an idea like it": SubmittedIdea(
                **dict(suggestion.view().for_caller(1)),
                similar=[SimilarIdea(idea=reviewed.view(), score=0.62)],
            )
        },
        SimilarIdeas: {"found": SimilarIdeas(items=[SimilarIdea(idea=suggestion.view(), score=0.81)])},
        IdeaPage: {"page": IdeaPage(items=[reviewed.view(), suggestion.view()], next_cursor=None)},
        StatusChange: {"under review, with an answer": REVIEW},
        VoteBody: {"for": VoteBody(value=1), "against": VoteBody(value=-1)},
        VoteView: {"for": VoteView(idea_id=idea.idea_id, value=1)},
        MyVotes: {
            "votes": MyVotes(
                items=[MyVote(idea_id=idea.idea_id, product_id="roadster", value=1)],
                budgets={"roadster": Budget(used=1, limit=10)},
                next_cursor=None,
            )
        },
        CommitmentBody: {
            "units at up to a price": COMMITMENT,
            "units, at any price": CommitmentBody(quantity=1),
        },
        CommitmentView: {"units at up to a price": CommitmentView(idea_id=idea.idea_id, **COMMITMENT.model_dump())},
        DemandReport: {"report": report},
        CommentBody: {"a customer's comment": COMMENT},
        CommentView: {"a customer's comment": unhappy.view(), "the team's answer": answer.view()},
        CommentPage: {"page": CommentPage(items=[unhappy.view(), answer.view()], next_cursor=None)},
        Moderation: {"hide": Moderation(hidden=True)},
        NotificationPage: {"inbox": NotificationPage(items=[notification], next_cursor=None, unread=1)},
        ReadNotifications: {
            "some": ReadNotifications(notification_ids=[notification.notification_id]),
            "all": ReadNotifications(all=True),
        },
        PreferencesBody: {"email on": PreferencesBody(email=wish), "email off": PreferencesBody(email=None)},
        Preferences: {"email on": preferences},
        CustomerData: {
            "export": CustomerData(
                customer_id=unhappy.author_id or "",
                exported_at=REVIEWED,
                ideas=[reviewed.view()],
                votes=[ExportedVote(idea_id=idea.idea_id, product_id="roadster", value=1)],
                commitments=[
                    ExportedCommitment(idea_id=idea.idea_id, product_id="roadster", **COMMITMENT.model_dump())
                ],
                comments=[unhappy.view()],
                follows=[ExportedFollow(idea_id=idea.idea_id, following=True, since=SUBMITTED)],
                notifications=[notification],
                preferences=preferences,
            )
        },
        AttentionPage: {
            "waiting": AttentionPage(
                items=[Waiting(comment=unhappy.view(), idea_id=idea.idea_id, waiting_seconds=5400)], next_cursor=None
            )
        },
    }
    return {model: {name: m.model_dump(mode="json") for name, m in named.items()} for model, named in examples.items()}

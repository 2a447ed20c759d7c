"""Customers in control of their data: everything cocreate holds about them in one document, and erasure.

Erasure is asked for (`DELETE /me`) and done by a scheduled run within minutes, completely, by key and index:
- votes and commitments on open ideas are withdrawn (the stream moves the counts, as for any withdrawal);
- those on closed ideas stay in those final tallies, in a ballot under a key that names nobody;
- the ideas they wrote stay, without their author; their comments stay, without body or author;
- follows, notifications, preferences and write windows are deleted.
Every step can be done again: a run that stops halfway is finished by the next.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import NamedTuple

from chalicelib.domain.comments import Comment
from chalicelib.domain.customers import CustomerData, ExportedCommitment, ExportedFollow, ExportedVote
from chalicelib.domain.events import CustomerErased
from chalicelib.domain.ideas import Idea
from chalicelib.observability import count, logger, traced
from chalicelib.publish.events import EventPublisher
from chalicelib.services import Clock
from chalicelib.store import keys
from chalicelib.store.ballots import (
    BallotChanging,
    BallotStore,
    commitments,
    counted_votes,
)
from chalicelib.store.comments import CommentStore
from chalicelib.store.customers import CustomerRecords
from chalicelib.store.ideas import IdeaStore
from chalicelib.store.inbox import stored_notification
from chalicelib.store.preferences import stored_preferences
from chalicelib.store.schema import PARTITION_KEY, SORT_KEY
from chalicelib.store.table import Item, key_of

# Tries at one ballot while the customer's own requests, or ideas closing, keep changing what it should become.
_ATTEMPTS = 8


class Erased(NamedTuple):
    ballots: int
    ideas: int
    comments: int
    deleted: int  # follows, notifications, preferences, write windows


@traced
class CustomerDataService:
    def __init__(
        self,
        *,
        records: CustomerRecords,
        ideas: IdeaStore,
        comments: CommentStore,
        ballots: BallotStore,
        events: EventPublisher,
        clock: Clock,
    ) -> None:
        self.records = records
        self.ideas = ideas
        self.comments = comments
        self.ballots = ballots
        self.events = events
        self.clock = clock

    def export(self, customer_id: str) -> CustomerData:
        owned = self.records.owned(customer_id)
        authored = self.records.authored(customer_id)
        ballots = [i for i in owned if i[SORT_KEY].startswith(keys.BALLOT_PREFIX)]
        votes, promised = [], []
        for ballot in ballots:
            product_id = ballot["product_id"]
            for idea_id, value in sorted(counted_votes(ballot).items()):
                votes.append(ExportedVote(idea_id=idea_id, product_id=product_id, value=value))
            for idea_id, (quantity, cents) in sorted(commitments(ballot).items()):
                price = cents / 100 if cents is not None else None
                promised.append(
                    ExportedCommitment(idea_id=idea_id, product_id=product_id, quantity=quantity, max_unit_price=price)
                )
        follows = [
            ExportedFollow(idea_id=i["idea_id"], following=i["following"], since=i["since"])
            for i in owned
            if i[SORT_KEY].startswith(keys.FOLLOW_PREFIX)
        ]
        notes = [stored_notification(i) for i in reversed(owned) if i[SORT_KEY].startswith(keys.NOTIFICATION_PREFIX)]
        count("DataExported")
        return CustomerData(
            customer_id=customer_id,
            exported_at=self.clock(),
            ideas=[Idea.model_validate(i).view() for i in authored if not _comment(i)],
            votes=votes,
            commitments=promised,
            comments=[Comment.model_validate(i).view() for i in authored if _comment(i)],
            follows=follows,
            notifications=notes,
            preferences=stored_preferences(next((i for i in owned if i[SORT_KEY] == keys.PREFERENCES), None)),
        )

    def request_erasure(self, customer_id: str) -> None:
        self.records.request_erasure(customer_id, self.clock())
        count("ErasuresRequested")

    def erase_requested(self, seconds_left: Callable[[], float] = lambda: float("inf"), margin: float = 20.0) -> int:
        """Erase the customers who asked, until fewer than `margin` seconds are left: how many were erased."""
        erased = 0
        for customer_id in self.records.erasures():
            if seconds_left() <= margin:
                logger.info("erasures stopped for lack of time: the next run goes on")
                break
            done = self.erase(customer_id)
            told = CustomerErased(event_id=f"erasure:{uuid.uuid4()}", **done._asdict(), erased_at=self.clock())
            self.events.publish([told.envelope()])  # before the request goes: if it fails, the next run erases again
            self.records.erased(customer_id)
            count("CustomersErased")
            logger.info("a customer's data was erased", extra=done._asdict())  # counts only: nothing about them
            erased += 1
        return erased

    def erase(self, customer_id: str) -> Erased:
        owned = self.records.owned(customer_id)
        ballots = [i for i in owned if i[SORT_KEY].startswith(keys.BALLOT_PREFIX)]
        for ballot in ballots:
            self._forget(customer_id, ballot)
        ideas = comments = 0
        for item in self.records.authored(customer_id):
            if _comment(item):
                self.comments.erase(Comment.model_validate(item))
                comments += 1
            else:
                self.ideas.forget_author(item["idea_id"])
                ideas += 1
        rest = [key_of(i) for i in owned if not i[SORT_KEY].startswith(keys.BALLOT_PREFIX)]
        rest += self.records.write_windows(customer_id)
        self.records.delete(rest)
        return Erased(ballots=len(ballots), ideas=ideas, comments=comments, deleted=len(rest))

    def _forget(self, customer_id: str, ballot: Item | None) -> None:
        for _attempt in range(_ATTEMPTS):
            if ballot is None:
                return
            ideas = {*counted_votes(ballot), *commitments(ballot)}
            closed = self.ideas.closed(sorted(ideas), consistent=True)
            try:
                self.ballots.forget(ballot, ideas - closed.keys())
                return
            except BallotChanging:
                ballot = self.ballots.stored(customer_id, ballot["product_id"])
        raise BallotChanging(f"a ballot kept changing under {_ATTEMPTS} attempts")


def _comment(authored: Item) -> bool:
    """Whether an item the customer wrote is a comment (else, an idea)."""
    return str(authored[PARTITION_KEY]).startswith(keys.COMMENT_PREFIX)

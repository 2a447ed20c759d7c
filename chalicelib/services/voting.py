"""Voting: one vote per customer per idea, within the product's vote budget, and the commitments beside up-votes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from chalicelib.domain.commitments import CommitmentBody, CommitmentView
from chalicelib.domain.ideas import Idea, IdeaStatus, VoteValue
from chalicelib.domain.voting import Ballot, Budget, MyVote, MyVotes, MyVotesQuery, VoteView
from chalicelib.errors import (
    BallotBusy,
    IdeaClosed,
    InvalidInput,
    NotFound,
    RateLimited,
    VoteBudgetExhausted,
    VoteRequired,
)
from chalicelib.observability import count, traced
from chalicelib.services.catalogue import CatalogueService
from chalicelib.services.following import FollowingService
from chalicelib.services.merging import MergingService
from chalicelib.store.ballots import BallotChanging, BallotFull, BallotStore, Cast, IdeaNoLongerOpen, NoUpVote
from chalicelib.store.ideas import IdeaStore

# Tries at a vote while the customer's own other requests change their ballot: each try that fails made room.
_ATTEMPTS = 8


@traced
class VotingService:
    def __init__(
        self,
        catalogue: CatalogueService,
        ideas: IdeaStore,
        ballots: BallotStore,
        merging: MergingService,
        following: FollowingService,
    ) -> None:
        self.catalogue = catalogue
        self.ideas = ideas
        self.ballots = ballots
        self.merging = merging
        self.following = following

    def cast(self, customer_id: str, idea_id: str, value: VoteValue) -> VoteView:
        """Cast or change the customer's vote; casting the same vote again changes nothing."""
        try:
            self.record(customer_id, self._open_idea(idea_id), value)
        except (IdeaClosed, VoteBudgetExhausted):
            count("VotesRejected")
            raise
        return VoteView(idea_id=idea_id, value=value)

    def retract(self, customer_id: str, idea_id: str) -> None:
        idea = self._open_idea(idea_id)
        with self._ballot_write(idea_id, "this one was withdrawn"):
            self.ballots.retract(customer_id, idea.product_id, idea_id)

    def commit(self, customer_id: str, idea_id: str, body: CommitmentBody) -> CommitmentView:
        """Set the customer's commitment to an open idea they up-vote."""
        idea = self._open_idea(idea_id)
        if body.quantity > idea.max_units_per_customer:
            raise InvalidInput.of(
                "quantity", f"is more than {idea.max_units_per_customer}, the most one customer may commit to"
            )
        with self._ballot_write(idea_id, "this was written"):
            try:
                if self.ballots.commit(customer_id, idea.product_id, idea_id, body.stored()):
                    count("CommitmentsSet")
            except NoUpVote:
                raise VoteRequired(f"a commitment needs your up-vote on idea {idea_id!r}: vote for it first") from None
        return CommitmentView(idea_id=idea_id, quantity=body.quantity, max_unit_price=body.max_unit_price)

    def withdraw_commitment(self, customer_id: str, idea_id: str) -> None:
        idea = self._open_idea(idea_id)
        with self._ballot_write(idea_id, "this was withdrawn"):
            self.ballots.withdraw_commitment(customer_id, idea.product_id, idea_id)

    def record(self, customer_id: str, idea: Idea, value: VoteValue) -> None:
        """Write the vote to the customer's ballot for the idea's product, provided the idea is still open.

        When the budget is used up, votes on ideas that have closed since are released (or moved, for merged
        ideas whose move has not reached this ballot yet: the moved vote keeps its place) and the vote is tried
        again, as long as the ballot keeps changing under it (another request of the same customer releasing or
        voting): VoteBudgetExhausted only once the budget is full of votes on open ideas.
        """
        for _attempt in range(_ATTEMPTS):
            try:
                cast = self.ballots.cast(customer_id, idea.product_id, idea.idea_id, value, idea.vote_budget)
            except IdeaNoLongerOpen:
                raise self._closed(idea.idea_id, "closed") from None
            except BallotChanging:
                break
            except BallotFull as full:
                if not self._release_closed(customer_id, full.ballot):
                    raise self._exhausted(idea) from None
                continue
            if cast is not Cast.SAME:
                count("VotesCast")
            if cast is Cast.NEW:
                self.following.automatically(customer_id, idea)  # a voter follows, either way
            return
        raise BallotBusy("your votes on this product kept changing while this one was cast; send it again")

    def support(self, customer_id: str, idea: Idea) -> VoteValue | None:
        """Record a submitter's up-vote when the idea is open and the budget allows; their vote afterwards."""
        if not idea.status.closed:
            try:
                self.record(customer_id, idea, 1)
            except (VoteBudgetExhausted, IdeaClosed, BallotBusy, RateLimited):
                pass  # the idea stands without its author's vote
            else:
                return 1
        return self.vote_of(customer_id, idea)

    def vote_of(self, customer_id: str, idea: Idea) -> VoteValue | None:
        ballot = self.ballots.get(customer_id, idea.product_id)
        return ballot.vote_on(idea.idea_id) if ballot else None

    def mine(self, customer_id: str, query: MyVotesQuery) -> MyVotes:
        """The customer's votes, and for each product how much of its budget they hold."""
        if query.product_id is not None:
            ballot = self.ballots.get(customer_id, query.product_id)
            if ballot is None:
                product = self.catalogue.get(query.product_id)
                ballot = Ballot(product_id=product.product_id, budget=product.vote_budget)
            ballots, next_cursor = [ballot], None
        else:
            ballots, next_cursor = self.ballots.page(customer_id, query.limit, query.cursor)
        closed = self.ideas.closed([i for b in ballots for i in b.votes])
        return MyVotes(
            items=[
                MyVote(idea_id=idea_id, product_id=b.product_id, value=value)
                for b in ballots
                for idea_id, value in sorted(b.counted.items())
            ],
            budgets={b.product_id: Budget(used=_holding(b, closed), limit=b.budget) for b in ballots},
            next_cursor=next_cursor,
        )

    def _open_idea(self, idea_id: str) -> Idea:
        idea = self.ideas.get(idea_id)
        if idea is None:
            raise NotFound(f"there is no idea {idea_id!r}")
        if idea.status.closed:
            raise self._closed(idea_id, idea.status.value)
        return idea

    @contextmanager
    def _ballot_write(self, idea_id: str, what: str) -> Iterator[None]:
        """A write to the ballot, its refusals said as the API says them."""
        try:
            yield
        except IdeaNoLongerOpen:
            raise self._closed(idea_id, "closed") from None
        except BallotChanging:
            raise BallotBusy(f"your votes on this product kept changing while {what}; send it again") from None

    @staticmethod
    def _closed(idea_id: str, status: str) -> IdeaClosed:
        return IdeaClosed(f"idea {idea_id!r} is {status}: its tally is final and takes no more votes")

    def _release_closed(self, customer_id: str, ballot: Ballot) -> bool:
        """Release the ballot's votes on closed ideas, moving those on merged ones; False when it holds none,
        True when it did, or when the ballot changed meanwhile (worth another try)."""
        closed = self.ideas.closed(list(ballot.votes), consistent=True)
        merged = sorted(idea_id for idea_id, status in closed.items() if status is IdeaStatus.MERGED)
        releasing = {i: value for i, value in ballot.votes.items() if i in closed and i not in merged}
        if not (releasing or merged):
            return False
        for idea_id in merged:  # in id order, as the merges' runs go
            self.merging.move(customer_id, idea_id)
        if releasing:
            self.ballots.release(customer_id, ballot.product_id, releasing)
        return True

    @staticmethod
    def _exhausted(idea: Idea) -> VoteBudgetExhausted:
        return VoteBudgetExhausted(
            f"you already vote on {idea.vote_budget} open ideas of product {idea.product_id!r}, its vote budget;"
            " withdraw one of those votes to vote on this idea"
        )


def _holding(ballot: Ballot, closed: Mapping[str, IdeaStatus | None]) -> int:
    """How much of its budget the ballot holds: its votes on open ideas, and on merged ones, whose votes keep their
    place when they move."""
    return sum(1 for i in ballot.votes if i not in closed or closed[i] is IdeaStatus.MERGED)

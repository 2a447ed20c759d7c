"""The conversation on ideas: comments, their moderation, and the product team's attention queue."""

from __future__ import annotations

from chalicelib.domain.comments import (
    AttentionPage,
    Comment,
    CommentPage,
    CommentView,
    Waiting,
    new_comment_id,
)
from chalicelib.domain.ideas import Idea, IdeaStatus
from chalicelib.domain.listing import PageQuery
from chalicelib.errors import Forbidden, IdeaMerged, NotFound
from chalicelib.identity import Caller
from chalicelib.observability import count, traced
from chalicelib.sentiment import Scorer
from chalicelib.services import Clock
from chalicelib.services.catalogue import CatalogueService
from chalicelib.services.following import FollowingService
from chalicelib.store.comments import CommentStore, IdeaRefused
from chalicelib.store.ideas import IdeaStore


@traced
class CommentService:
    def __init__(
        self,
        catalogue: CatalogueService,
        ideas: IdeaStore,
        comments: CommentStore,
        following: FollowingService,
        score: Scorer,
        *,
        clock: Clock,
    ) -> None:
        self.catalogue = catalogue
        self.ideas = ideas
        self.comments = comments
        self.following = following
        self.score = score
        self.clock = clock

    def post(self, caller: Caller, idea_id: str, body: str) -> CommentView:
        """Write a comment, scored as it is written. A product team member's is official, and answers the
        customers' negative comments before it; a customer's negative one waits for that answer."""
        idea = self._commentable(self.ideas.get(idea_id), idea_id)
        comment = Comment(
            comment_id=new_comment_id(),
            idea_id=idea.idea_id,
            product_id=idea.product_id,
            author_id=caller.customer_id,
            official=caller.is_product_team,
            body=body,
            sentiment=self.score(body),
            created_at=self.clock(),
        )
        try:
            self.comments.post(comment)
        except IdeaRefused:
            # Merged, or answered since the comment was stamped (then it neither waits nor answers): read again.
            self._commentable(self.ideas.get(idea_id, consistent=True), idea_id)
            self.comments.post(comment, answered_since=True)
        count("CommentsPosted")
        self.following.automatically(caller.customer_id, idea)
        return comment.view()

    def thread(self, idea_id: str, query: PageQuery) -> CommentPage:
        comments, next_cursor = self.comments.thread(idea_id, query.limit, query.cursor)
        if not comments and query.cursor is None and self.ideas.get(idea_id) is None:
            raise NotFound(f"there is no idea {idea_id!r}")
        return CommentPage(items=[c.view() for c in comments], next_cursor=next_cursor)

    def delete(self, caller: Caller, comment_id: str) -> None:
        comment = self._get(comment_id)
        if comment.author_id != caller.customer_id and not caller.is_product_team:
            raise Forbidden("only its author or the product team may delete a comment")
        self.comments.delete(comment)
        count("CommentsDeleted")

    def moderate(self, comment_id: str, hidden: bool) -> CommentView:
        comment = self._get(comment_id)
        if comment.hidden == hidden:
            return comment.view()
        moderated = self.comments.moderate(comment, hidden)
        if moderated is None:
            raise NotFound(f"comment {comment_id!r} was deleted")
        count("CommentsHidden" if hidden else "CommentsShown")
        return moderated.view()

    def attention(self, product_id: str, query: PageQuery) -> AttentionPage:
        """The customers' negative comments the team has not answered, the longest waiting first."""
        waiting, next_cursor = self.comments.attention(product_id, query.limit, query.cursor)
        if not waiting and query.cursor is None:
            self.catalogue.get(product_id)  # an empty queue: an unknown product, or nothing to answer?
        now = self.clock()
        items = [
            Waiting(
                comment=c.view(), idea_id=c.idea_id, waiting_seconds=max(0, int((now - c.created_at).total_seconds()))
            )
            for c in waiting
        ]
        return AttentionPage(items=items, next_cursor=next_cursor)

    def _get(self, comment_id: str) -> Comment:
        comment = self.comments.get(comment_id)
        if comment is None:
            raise NotFound(f"there is no comment {comment_id!r}")
        return comment

    @staticmethod
    def _commentable(idea: Idea | None, idea_id: str) -> Idea:
        if idea is None:
            raise NotFound(f"there is no idea {idea_id!r}")
        if idea.status is IdeaStatus.MERGED:
            raise IdeaMerged(f"idea {idea_id!r} was merged into {idea.merged_into!r}: comment there")
        return idea

"""Comments, one item each, and what waits for an answer: one item per customer's negative comment the product
team has not answered, in its idea's partition (what an answer reads, consistently) and, through the timeline
index, in its product's attention queue (what the team reads: only the queue, however many comments there are).

A comment is written in one transaction with what it changes besides: its waiting item (a customer's negative
comment), or the idea's `answered_at` (an official comment). The transaction checks the idea too: it exists, is
not merged, and, for a comment that would wait, was not answered after the comment was stamped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.comments import COMMENT_ID, Comment, Feeling
from chalicelib.domain.ideas import IdeaStatus
from chalicelib.domain.text import iso
from chalicelib.observability import traced
from chalicelib.store import keys, paging
from chalicelib.store.schema import AUTHORED, PARTITION_KEY, SORT_KEY, TIMELINE, VERSION
from chalicelib.store.table import (
    Action,
    Check,
    Delete,
    Expression,
    Item,
    Put,
    Table,
    TransactionCancelled,
    Update,
    key_of,
)

_COMMENTABLE = "attribute_exists(PK) AND #status <> :merged"
_NOT_ANSWERED_SINCE = "(attribute_not_exists(answered_at) OR answered_at < :at)"


class IdeaRefused(Exception):
    """The idea is missing or merged, or was answered after the comment was stamped: read it again."""


def position(comment: Comment) -> str:
    """Where a comment sits in its idea's thread and its product's queue: by time, then id."""
    return f"{iso(comment.created_at)}#{comment.comment_id}"


def visible_feeling(image: Mapping[str, Any]) -> Feeling | None:
    """How a stored comment counts in its idea's sentiment: its label, or None when it does not count (hidden,
    or no comment at all)."""
    if not image or image.get("hidden"):
        return None
    return Feeling(image["sentiment"]["label"])


def _listed(partition: str, comment: Comment) -> Item:
    return {TIMELINE.partition_key: partition, TIMELINE.sort_key: position(comment)}


def _stored(comment: Comment) -> Item:
    attributes = comment.model_dump(mode="json")
    attributes["sentiment"]["score"] = Decimal(str(comment.sentiment.score))  # DynamoDB takes no float
    return attributes


def comment_item(comment: Comment) -> Item:
    """A comment as the table holds it; a visible one carries its place in its idea's thread. Its version counts
    its writes: how the recount lines it up with the stream."""
    item: Item = {**keys.comment(comment.comment_id), **_stored(comment), VERSION: 1}
    if comment.author_id is not None:
        item[AUTHORED.partition_key] = keys.author(comment.author_id)
    return item if comment.hidden else item | _listed(keys.thread(comment.idea_id), comment)


def _waiting(comment: Comment) -> Item:
    return {
        **keys.waiting(comment.idea_id, position(comment)),
        **_stored(comment),
        **_listed(keys.attention(comment.product_id), comment),
    }


@traced
class CommentStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def post(self, comment: Comment, *, answered_since: bool = False) -> None:
        """Store a new comment, its waiting item or the idea's answer, on condition the idea takes comments.

        Raises IdeaRefused when the idea is missing or merged, or was answered after `comment` was stamped (a
        customer's comment would then wait for nothing; an official one would move the answer back). Such a
        comment is posted again `answered_since`: it neither waits nor answers."""
        idea = keys.idea(comment.idea_id)
        names, merged = {"#status": "status"}, {":merged": IdeaStatus.MERGED.value}
        commentable = Expression(_COMMENTABLE, names, merged)
        unanswered = Expression(
            f"{_COMMENTABLE} AND {_NOT_ANSWERED_SINCE}", names, merged | {":at": iso(comment.created_at)}
        )
        actions: list[Action] = [Put(comment_item(comment))]  # a new id: 80 random bits
        if comment.official and not answered_since:
            actions.append(Update(idea, Expression("SET answered_at = :at"), condition=unanswered))
        elif comment.waits_for_answer and not answered_since:
            actions += [Put(_waiting(comment)), Check(idea, unanswered)]
        else:
            actions.append(Check(idea, commentable))
        try:
            self.table.transact(actions)
        except TransactionCancelled as cancelled:
            if cancelled.failed(len(actions) - 1):
                raise IdeaRefused(comment.idea_id) from None
            raise

    def get(self, comment_id: str) -> Comment | None:
        if not COMMENT_ID.match(comment_id):
            return None  # it cannot exist, and would not make a valid key
        item = self.table.get(keys.comment(comment_id))
        return Comment.model_validate(item) if item else None

    def moderate(self, comment: Comment, hidden: bool) -> Comment | None:
        """Hide the comment from its idea's thread and the queue, or show it in the thread again (it does not
        wait again: the team has read it). None when it was deleted meanwhile."""
        names = {
            "#hidden": "hidden",
            "#version": VERSION,
            "#list": TIMELINE.partition_key,
            "#position": TIMELINE.sort_key,
        }
        if hidden:
            show = Expression(
                "SET #hidden = :hidden ADD #version :one REMOVE #list, #position", names, {":hidden": True, ":one": 1}
            )
        else:
            listed = {
                ":hidden": False,
                ":one": 1,
                ":list": keys.thread(comment.idea_id),
                ":position": position(comment),
            }
            show = Expression(
                "SET #hidden = :hidden, #list = :list, #position = :position ADD #version :one", names, listed
            )
        try:
            self.table.transact(
                [
                    Update(keys.comment(comment.comment_id), show, condition=Expression("attribute_exists(PK)")),
                    Delete(keys.waiting(comment.idea_id, position(comment))),
                ]
            )
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                return None
            raise
        return comment.model_copy(update={"hidden": hidden})

    def erase(self, comment: Comment) -> None:
        """The comment stays in its thread, counted as it was, without its body or its author; it no longer waits
        for an answer."""
        erased = Expression(
            "SET body = :erased ADD #version :one REMOVE author_id, #author",
            {"#version": VERSION, "#author": AUTHORED.partition_key},
            {":erased": "", ":one": 1},
        )
        try:
            self.table.transact(
                [
                    Update(keys.comment(comment.comment_id), erased, condition=Expression("attribute_exists(PK)")),
                    Delete(keys.waiting(comment.idea_id, position(comment))),
                ]
            )
        except TransactionCancelled as cancelled:
            if not cancelled.failed(0):  # deleted meanwhile: nothing left to erase
                raise

    def delete(self, comment: Comment) -> None:
        """The comment gone, and its waiting item if it has one."""
        self.table.transact(
            [Delete(keys.comment(comment.comment_id)), Delete(keys.waiting(comment.idea_id, position(comment)))]
        )

    def thread(self, idea_id: str, limit: int, cursor: str | None) -> tuple[list[Comment], str | None]:
        """One page of an idea's visible comments, oldest first."""
        return self._page(keys.thread(idea_id), limit, cursor, fixed={SORT_KEY: "META"})

    def attention(self, product_id: str, limit: int, cursor: str | None) -> tuple[list[Comment], str | None]:
        """One page of a product's customers' negative comments the team has not answered, oldest first."""
        return self._page(keys.attention(product_id), limit, cursor, fixed={})

    def _page(
        self, partition: str, limit: int, cursor: str | None, fixed: Mapping[str, str]
    ) -> tuple[list[Comment], str | None]:
        items, next_cursor = paging.page(
            self.table,
            TIMELINE,
            partition,
            fixed={TIMELINE.partition_key: partition, **fixed},
            limit=limit,
            cursor=cursor,
        )
        return [Comment.model_validate(i) for i in items], next_cursor

    def of_ideas(self, idea_ids: Iterable[str]) -> Iterator[Item]:
        """Every visible comment of the ideas, as stored, read consistently: through each idea's thread."""
        for idea_id in idea_ids:
            thread = Expression("#list = :thread", {"#list": TIMELINE.partition_key}, {":thread": keys.thread(idea_id)})
            found = [
                key_of(item) for item in self.table.query_all(thread, index=TIMELINE.name, attributes=("PK", "SK"))
            ]
            yield from self.table.batch_get(found, consistent=True)

    def read(self, comment_keys: Iterable[tuple[str, str]]) -> list[Item]:
        """The comments of these keys that exist, as stored, read consistently."""
        return self.table.batch_get([{PARTITION_KEY: pk, SORT_KEY: sk} for pk, sk in comment_keys], consistent=True)

    def answer(self, idea_id: str, at: datetime) -> int:
        """The idea's customers' negative comments written up to `at` stop waiting: how many. Reads only the
        idea's waiting comments, consistently (so none written just before is missed); harmless to repeat."""
        before = Expression(
            "#pk = :waiting AND #sk < :at",
            {"#pk": PARTITION_KEY, "#sk": SORT_KEY},
            # Up to the answer's millisecond, included: a comment stamped with it is posted answered (`post`).
            {":waiting": f"{keys.WAITING_PREFIX}{idea_id}", ":at": f"{iso(at)}$"},
        )
        answered = [keys.waiting(idea_id, item[SORT_KEY]) for item in self.table.query_all(before, consistent=True)]
        for key in answered:
            self.table.delete(key)
        return len(answered)

"""How a comment's feeling is labelled, and what its changes do to its idea's counts."""

from datetime import UTC, datetime

import pytest

from chalicelib.domain.comments import Comment, Feeling, Sentiment, feeling
from chalicelib.domain.voting import Tally, comment_change
from chalicelib.store.comments import comment_item, visible_feeling
from chalicelib.streams.changes import ItemKind, read
from tests.records import record

P, N, Z = Feeling.POSITIVE, Feeling.NEGATIVE, Feeling.NEUTRAL  # Z: zero, neither way


@pytest.mark.parametrize(
    ("score", "label"),
    [(1, P), (0.05, P), (0.0499, Z), (0, Z), (-0.0499, Z), (-0.05, N), (-1, N)],
)
def test_vaders_thresholds_label_a_score(score, label):
    assert feeling(score) is label


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        (None, N, Tally(comments=1, feelings={N: 1})),  # posted, or shown again
        (N, None, Tally(comments=-1, feelings={N: -1})),  # hidden or deleted
        (P, P, Tally()),  # nothing that counts changed
        (None, None, Tally()),  # a hidden comment deleted
        (P, N, Tally(feelings={P: -1, N: 1})),
    ],
)
def test_a_comment_counts_while_it_is_visible(before, after, change):
    assert comment_change(before, after) == change


def comment(**changes) -> Comment:
    fields = {
        "comment_id": "maaaaaaaaaaaaaaaa",
        "idea_id": "saaaaaaaaaaaaaaaa",
        "product_id": "p",
        "author_id": "ada",
        "official": False,
        "body": "Awful.",
        "sentiment": Sentiment(label=N, score=-0.46),
        "created_at": datetime(2026, 11, 26, 12, tzinfo=UTC),
    }
    return Comment(**(fields | changes))


def test_a_hidden_comment_does_not_count_nor_wait_and_leaves_its_thread():
    hidden = comment(hidden=True)
    assert visible_feeling(comment_item(hidden)) is None
    assert not hidden.waits_for_answer
    assert "TIMELINE_PK" not in comment_item(hidden)
    assert visible_feeling(comment_item(comment())) is N
    assert comment().waits_for_answer
    assert not comment(official=True).waits_for_answer
    assert not comment(sentiment=Sentiment(label=Z, score=0)).waits_for_answer


def test_the_stream_reads_a_comments_change_as_its_ideas_counts_and_announces_it_once():
    item = comment_item(comment())
    keys = {"PK": item["PK"], "SK": item["SK"]}
    posted = read(record(1, keys, None, item))
    assert posted.kind is ItemKind.COMMENT
    assert posted.tallies == {"saaaaaaaaaaaaaaaa": Tally(comments=1, feelings={N: 1})}
    assert [e.detail_type for e in posted.events] == ["CommentPosted"]
    hidden = read(record(2, keys, item, comment_item(comment(hidden=True))))
    assert hidden.tallies == {"saaaaaaaaaaaaaaaa": Tally(comments=-1, feelings={N: -1})}
    assert hidden.events == ()
    deleted_while_hidden = read(record(3, keys, comment_item(comment(hidden=True)), None))
    assert not deleted_while_hidden.does_anything

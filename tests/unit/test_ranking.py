from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.ranking import HOT_EPOCH, confidence, hot


@pytest.mark.parametrize(
    ("up", "down", "expected"),
    [
        (0, 0, 0.0),
        (1, 0, 0.2065),  # one vote proves little
        (5, 0, 0.5655),
        (100, 0, 0.9630),
        (60, 40, 0.5020),
        (0, 10, 0.0),
    ],
)
def test_confidence_is_the_wilson_lower_bound_at_95_percent(up, down, expected):
    assert confidence(up, down) == pytest.approx(expected, abs=5e-4)


def test_many_votes_at_a_high_share_beat_few_votes_at_a_perfect_share():
    assert confidence(90, 10) > confidence(3, 0)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_confidence_lies_below_the_observed_share(up, down):
    score = confidence(up, down)
    assert 0.0 <= score <= 1.0
    if up + down:
        assert score <= up / (up + down) + 1e-9


def test_a_newer_idea_with_the_same_net_votes_is_hotter():
    created = HOT_EPOCH + timedelta(days=300)
    assert hot(10, created + timedelta(hours=1)) > hot(10, created)


def test_hot_rises_with_net_votes_at_the_same_age():
    created = HOT_EPOCH + timedelta(days=300)
    assert hot(-3, created) < hot(0, created) < hot(1, created) < hot(10, created) < hot(1000, created)


def test_a_tenfold_lead_in_votes_is_worth_half_a_day_of_recency():
    created = HOT_EPOCH + timedelta(days=300)
    assert hot(99, created) == pytest.approx(hot(9, created + timedelta(hours=12.5)), abs=1e-6)


# (up, down, hours since the epoch of hot) of a few ideas
ideas_counts = st.tuples(st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 3000))


@given(st.lists(ideas_counts, min_size=2, max_size=12, unique=True))
def test_the_index_keys_sort_ideas_as_their_scores_do_negative_nets_too(counts):
    """DynamoDB orders a ranked list by its sort key's text: that text must order ideas as their scores do."""
    assert_keys_sort_as_scores([(up, down, timedelta(hours=hours)) for up, down, hours in counts])


def test_the_index_keys_tell_apart_scores_a_thousandth_or_a_second_apart():
    """1001 votes against 1000 is a little more confidence; an idea one second newer, a little hotter."""
    # The newer idea's id sorts first: a tie of the keys' scores would rank it below.
    assert_keys_sort_as_scores([(500, 500, timedelta(seconds=1)), (500, 500, timedelta(0)), (501, 500, timedelta(0))])


def assert_keys_sort_as_scores(counts: list[tuple[int, int, timedelta]]) -> None:
    from chalicelib.domain.ideas import Idea, IdeaKind, IdeaStatus
    from chalicelib.store.ideas import ranking_attributes
    from chalicelib.store.schema import RANKINGS

    ideas = [
        Idea(
            idea_id=f"s{n:016d}",
            product_id="p",
            kind=IdeaKind.SUGGESTION,
            title="t",
            status=IdeaStatus.OPEN,
            created_at=HOT_EPOCH + timedelta(days=300) + age,
            updated_at=HOT_EPOCH,
            up=up,
            down=down,
            vote_budget=10,
        )
        for n, (up, down, age) in enumerate(counts)
    ]
    for order, score in {
        "top": lambda i: i.net,
        "hot": lambda i: i.hot,
        "confidence": lambda i: i.confidence,
        "new": lambda i: i.created_at,
    }.items():
        key = RANKINGS[order].sort_key
        by_key = sorted(ideas, key=lambda i, key=key: ranking_attributes(i)[key])
        assert [score(i) for i in by_key] == sorted(score(i) for i in ideas), order


@pytest.mark.parametrize(
    ("net", "score"),
    [(0, 1333.4865778), (1, 1333.7876078), (-1, 1333.1855478), (99, 1335.4865778), (-99, 1331.4865778)],
)
def test_hot_is_the_signed_log_of_net_votes_plus_the_decades_since_its_epoch(net, score):
    """Stored as a sort key: a release that scored otherwise would rank new ideas apart from the old."""
    assert hot(net, datetime(2026, 11, 26, 12, 34, 56, tzinfo=UTC)) == score

"""Stream records read whole: what each does to idea tallies, and runs of them summed into commits."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chalicelib.domain.comments import Feeling
from chalicelib.domain.commitments import read_commitment
from chalicelib.domain.voting import Ballot, Tally, commitment_change, tally_change
from chalicelib.store.tallies import parts
from chalicelib.streams.changes import ItemKind, read
from chalicelib.streams.consumer import commits, summed
from tests.records import ballot, ballot_record, record

DAY = "2026-11-26"  # when tests.records' records were written


def test_a_new_vote_a_change_and_a_retraction_each_gained_or_lost_on_its_day():
    assert tally_change({}, {"a": 1}, DAY) == {"a": Tally(up=1, gained={DAY: 1})}
    assert tally_change({"a": 1}, {"a": -1}, DAY) == {"a": Tally(up=-1, down=1, gained={DAY: -1})}
    assert tally_change({"a": -1}, {}, DAY) == {"a": Tally(down=-1)}
    assert tally_change({"a": 1}, {"a": 1}, DAY) == {}


def test_supporters_gained_count_on_the_day_their_record_was_written():
    change = read(ballot_record(1, {}, {"a": 1}))
    assert change.tallies["a"].gained == {DAY: 1}
    late = ballot_record(2, {}, {"a": 1})
    late["dynamodb"]["ApproximateCreationDateTime"] = 1_795_737_599.9  # 23:59:59.9 the same day
    nextday = ballot_record(3, {"a": 1}, {})
    nextday["dynamodb"]["ApproximateCreationDateTime"] = 1_795_737_600.0
    assert summed([read(late), read(nextday)]).tallies == {"a": Tally(gained={DAY: 1, "2026-11-27": -1})}


def test_a_commitment_set_changed_and_withdrawn():
    assert commitment_change({}, {"a": (3, 1999)}) == {"a": Tally(units=3, committers=1, prices={1999: 1})}
    assert commitment_change({"a": (3, 1999)}, {"a": (5, None)}) == {"a": Tally(units=2, prices={1999: -1})}
    assert commitment_change({"a": (5, None)}, {}) == {"a": Tally(units=-5, committers=-1)}
    assert commitment_change({"a": (5, 1999)}, {"a": (5, 1999)}) == {}
    assert commitment_change({"a": (5, 1999)}, {"a": (7, 1999)}) == {"a": Tally(units=2)}  # the same price


def test_every_idea_of_a_ballots_commitments_is_looked_at():
    before = {"a": (1, None), "b": (2, None)}
    assert commitment_change(before, {**before, "b": (3, None)}) == {"b": Tally(units=1)}


def test_turning_a_vote_down_takes_its_commitment_with_it():
    before = ballot(votes={"a": 1}) | {"commit:a": {"quantity": 4, "max_unit_price": Decimal("25.50")}}
    keys = {"PK": "CUSTOMER#c", "SK": "BALLOT#p"}
    change = read(record(1, keys, before, ballot(votes={"a": -1})))
    assert change.tallies == {"a": Tally(up=-1, down=1, gained={DAY: -1}, units=-4, committers=-1, prices={2550: -1})}


@pytest.mark.parametrize(
    ("commitment", "read"),
    [
        ({"quantity": Decimal(1000)}, (1000, None)),
        ({"quantity": 1, "max_unit_price": Decimal("0.01")}, (1, 1)),
        ({"quantity": 1, "max_unit_price": Decimal(1_000_000)}, (1, 100_000_000)),
    ],
)
def test_a_commitment_at_its_bounds_is_read(commitment, read):
    assert read_commitment(commitment) == read


@pytest.mark.parametrize(
    "commitment",
    [
        {"quantity": 0},
        {"quantity": 1001},
        {"quantity": Decimal("1.5")},
        {"quantity": 2, "max_unit_price": Decimal("1.001")},
        {"quantity": 2, "max_unit_price": Decimal(0)},
        {"quantity": 2, "max_unit_price": Decimal("1000000.01")},
        {"units": 2},
    ],
)
def test_a_commitment_that_is_not_one_sets_its_record_aside(commitment):
    keys = {"PK": "CUSTOMER#c", "SK": "BALLOT#p"}
    change = read(record(1, keys, None, ballot(votes={"a": 1}) | {"commit:a": commitment}))
    assert change.unreadable is not None and change.tallies == {}


def test_releasing_a_vote_moves_no_tally():
    assert read(ballot_record(1, {"a": 1, "b": -1}, {"b": -1}, released_after={"a": 1})).tallies == {}


def test_a_ballot_removed_whole_takes_back_every_vote_it_held():
    change = read(ballot_record(1, {"a": 1, "b": -1}, None))
    assert change.tallies == {"a": Tally(up=-1, gained={DAY: -1}), "b": Tally(down=-1)}


def test_only_ballots_move_tallies():
    idea = record(1, {"PK": "IDEA#cabcdefghijklmnop", "SK": "META"}, {"up": 4}, {"up": 5})
    assert read(idea).tallies == {}
    product = record(2, {"PK": "PRODUCT#p", "SK": "META"}, None, {"name": "P"})
    assert (read(product).kind, read(product).does_anything) == (ItemKind.OTHER, False)


def test_a_record_that_cannot_be_read_is_set_aside_with_its_content_and_why():
    for bad in (
        ballot_record(7, {}, {"a": 2}),  # not a vote
        ballot_record(7, {}, {"a": "yes"}),
        record(7, {"PK": "IDEA#cabcdefghijklmnop", "SK": "META"}, None, {"title": "no kind, no status"}),
        {"dynamodb": {"SequenceNumber": "7", "Keys": {"PK": {"X": "?"}}}},
    ):
        change = read(bad)
        assert change.sequence_number == 7
        assert (change.tallies, change.events) == ({}, ())
        assert change.unreadable is not None
        assert change.unreadable.reason
        assert '"SequenceNumber": "7"' in change.unreadable.record
    # As the local event pump reads it, through boto3, a record's time is a datetime: kept as text.
    timed = ballot_record(7, {}, {"a": 2})
    timed["dynamodb"]["ApproximateCreationDateTime"] = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert "2026-11-27 12:00:00+00:00" in read(timed).unreadable.record


def test_a_run_sums_each_ideas_changes_however_many_ideas_and_splits_only_for_what_it_sets_aside():
    changes = [
        read(ballot_record(1, {}, {"a": 1})),
        read(ballot_record(2, {}, {"a": 1, "b": -1})),
        read(ballot_record(3, {}, {"c": 1})),
        read(ballot_record(4, {"c": 1}, {})),
        read(ballot_record(5, {}, {"a": -1})),
        read(ballot_record(6, {}, {"x": 5})),  # unreadable: set aside, an action of its own
        read(ballot_record(7, {}, {"d": 1})),
        read(ballot_record(8, {}, {"y": 5})),
    ]
    assert [(run.changes, run.tallies, list(run.unreadable)) for run in commits(changes, max_actions=1)] == [
        (7, {"a": Tally(2, 1, {DAY: 2}), "b": Tally(down=1), "c": Tally(), "d": Tally(up=1, gained={DAY: 1})}, [6]),
        (1, {}, [8]),
    ]


def test_a_runs_ideas_are_cut_into_the_same_parts_whenever_it_is_read():
    changes = {idea: Tally(up=1) for idea in ("d", "a", "c", "b", "e")}
    assert parts(changes, 2) == [["a", "b"], ["c", "d"], ["e"]]


def test_an_idea_whose_prices_change_takes_two_actions_of_a_part():
    changes = {idea: Tally(up=1) for idea in ("a", "c", "d")} | {"b": Tally(units=1, committers=1, prices={100: 1})}
    assert parts(changes, 3) == [["a", "b"], ["c", "d"]]


def test_a_released_vote_is_still_the_customers_vote_on_its_closed_idea():
    ballot = Ballot(product_id="roadster", budget=2, votes={"a": 1}, released={"b": -1})
    assert (ballot.vote_on("a"), ballot.vote_on("b"), ballot.vote_on("c")) == (1, -1, None)


@pytest.mark.parametrize(
    "change",
    [
        {"up": 1},
        {"down": -1},
        {"gained": {DAY: 1}},
        {"units": 2},
        {"committers": 1},
        {"prices": {1999: -1}},
        {"comments": 1},
        {"feelings": {Feeling.NEUTRAL: 1}},
    ],
)
def test_a_tally_that_moves_any_count_is_a_change_to_commit(change):
    assert Tally(**change)
    assert not Tally()

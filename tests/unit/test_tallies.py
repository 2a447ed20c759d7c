"""Stream records read whole: what each does to idea tallies, and runs of them summed into commits."""

from chalicelib.domain.voting import Tally, tally_change
from chalicelib.store.tallies import parts
from chalicelib.streams.changes import ItemKind, read
from chalicelib.streams.consumer import commits
from tests.records import ballot_record, record


def test_a_new_vote_a_change_and_a_retraction():
    assert tally_change({}, {"a": 1}) == {"a": Tally(up=1)}
    assert tally_change({"a": 1}, {"a": -1}) == {"a": Tally(up=-1, down=1)}
    assert tally_change({"a": -1}, {}) == {"a": Tally(down=-1)}
    assert tally_change({"a": 1}, {"a": 1}) == {}


def test_releasing_a_vote_moves_no_tally():
    assert read(ballot_record(1, {"a": 1, "b": -1}, {"b": -1}, released_after={"a": 1})).tallies == {}


def test_a_ballot_removed_whole_takes_back_every_vote_it_held():
    change = read(ballot_record(1, {"a": 1, "b": -1}, None))
    assert change.tallies == {"a": Tally(up=-1), "b": Tally(down=-1)}


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
        (7, {"a": Tally(up=2, down=1), "b": Tally(down=1), "c": Tally(), "d": Tally(up=1)}, [6]),
        (1, {}, [8]),
    ]


def test_a_runs_ideas_are_cut_into_the_same_parts_whenever_it_is_read():
    changes = {idea: Tally(up=1) for idea in ("d", "a", "c", "b", "e")}
    assert parts(changes, 2) == [["a", "b"], ["c", "d"], ["e"]]

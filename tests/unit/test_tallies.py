from chalicelib.domain.voting import Tally, tally_change
from chalicelib.streams.changes import Change, ItemKind
from chalicelib.streams.consumer import Commit, commits


def test_a_new_vote_a_change_and_a_retraction():
    assert tally_change({}, {"a": 1}) == {"a": Tally(up=1)}
    assert tally_change({"a": 1}, {"a": -1}) == {"a": Tally(up=-1, down=1)}
    assert tally_change({"a": -1}, {}) == {"a": Tally(down=-1)}
    assert tally_change({"a": 1}, {"a": 1}) == {}


def ballot(votes: dict, released: dict | None = None) -> dict:
    """A ballot item as the stream shows it."""
    return {
        "product_id": "p",
        **{f"vote:{idea}": value for idea, value in votes.items()},
        **{f"released:{idea}": value for idea, value in (released or {}).items()},
    }


def ballot_change(sequence: int, before: dict, after: dict, released_after: dict | None = None) -> Change:
    return Change(sequence, ItemKind.BALLOT, ballot(before), ballot(after, released_after))


def test_releasing_a_vote_moves_no_tally():
    assert ballot_change(1, {"a": 1, "b": -1}, {"b": -1}, released_after={"a": 1}).tallies() == {}


def test_only_ballots_move_tallies():
    assert Change(1, ItemKind.IDEA, {}, {"up": 5}).tallies() == {}


def test_commits_sum_changes_per_idea_and_stay_within_the_idea_limit():
    changes = [
        ballot_change(1, {}, {"a": 1}),
        ballot_change(2, {}, {"a": 1, "b": -1}),
        ballot_change(3, {}, {"c": 1}),
        ballot_change(4, {"c": 1}, {}),
        ballot_change(5, {}, {"a": -1}),
        ballot_change(6, {}, {"d": 1}),
    ]
    assert list(commits(changes, max_ideas=2)) == [
        Commit(2, {"a": Tally(up=2), "b": Tally(down=1)}),
        Commit(3, {"c": Tally(), "a": Tally(down=1)}),
        Commit(1, {"d": Tally(up=1)}),
    ]

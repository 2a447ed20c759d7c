"""What a commit of the stream's changes writes to an idea's counts, read back from the table: the counts its lists
are ranked by, what it adds, and the days of supporters gained it keeps."""

import pytest

from chalicelib.domain.comments import Feeling
from chalicelib.domain.listing import IdeaOrder
from chalicelib.domain.voting import Tally
from chalicelib.store import keys
from chalicelib.store.ideas import GAINED
from chalicelib.store.table import TransactionCancelled
from chalicelib.store.tallies import CheckpointMoved, TallyStore


@pytest.fixture
def ideas(suggestion) -> list[str]:
    return [suggestion("Roof box"), suggestion("Tow bar")]


def days_gained(services, idea_id: str) -> dict[str, int]:
    item = services.ideas.ideas.table.get(keys.idea(idea_id))
    return {name.removeprefix(GAINED): int(n) for name, n in item.items() if name.startswith(GAINED)}


def test_a_count_sets_the_votes_adds_the_rest_and_keeps_a_week_of_days_gained(services, ideas):
    roof, tow = ideas
    tallies, store = services.recount.tallies, services.ideas.ideas
    feelings = {Feeling.POSITIVE: 2, Feeling.NEUTRAL: 1, Feeling.NEGATIVE: 1}
    gained = {"2026-11-18": 1, "2026-11-19": 2}
    change = Tally(3, 1, gained, units=5, committers=2, prices={1500: 2}, comments=4, feelings=feelings)
    tallies.commit("shard-1", None, 10, {roof: change, tow: Tally(up=1, down=3)})
    idea = store.get(roof)
    assert (idea.up, idea.down, idea.units, idea.committers, idea.priced) == (3, 1, 5, 2, 2)
    assert (idea.comments, idea.positive, idea.neutral, idea.negative) == (4, 2, 1, 1)
    assert store.price_books([roof]) == {roof: {1500: 2}}
    assert days_gained(services, roof) == {"2026-11-18": 1, "2026-11-19": 2}
    status = idea.status
    top = [i.idea_id for i in store.page("roadster", status, IdeaOrder.TOP, 10, None)[0]]
    assert top == [roof, tow]  # net 2 before net -2

    # Counts are added to what is stored; a day more than a week before the latest gained is dropped.
    tallies.commit(
        "shard-1", 10, 20, {tow: Tally(up=4, gained={"2026-11-26": 4}), roof: Tally(gained={"2026-11-26": 1})}
    )
    assert days_gained(services, roof) == {"2026-11-19": 2, "2026-11-26": 1}
    assert (store.get(tow).up, store.get(tow).down) == (5, 3)
    assert [i.idea_id for i in store.page("roadster", status, IdeaOrder.TOP, 10, None)[0]] == [tow, roof]
    assert store.get(roof).units == 5


def test_a_count_is_written_only_over_the_votes_it_was_read_with(services, ideas):
    roof, _ = ideas
    read = services.ideas.ideas.get(roof)
    services.recount.tallies.commit("shard-1", None, 10, {roof: Tally(up=1)})
    with pytest.raises(TransactionCancelled):
        services.ideas.ideas.table.transact([TallyStore._count(read, Tally(up=1))])
    assert services.ideas.ideas.get(roof).up == 1
    assert TallyStore._count(read, Tally(prices={1500: -1, 2000: 1})) is None  # another price: the book alone


def test_a_commit_moves_the_checkpoint_only_forward(services, ideas):
    tallies = services.recount.tallies
    tallies.commit("shard-1", None, 10, {ideas[0]: Tally(up=1)})
    for upto in (10, 9):
        with pytest.raises(ValueError, match="only moves forward"):
            tallies.commit("shard-1", 10, upto, {ideas[0]: Tally(up=1)})
    assert services.ideas.ideas.get(ideas[0]).up == 1


def test_a_commit_from_a_checkpoint_that_moved_meanwhile_is_refused_and_counts_nothing(services, ideas):

    tallies = services.recount.tallies
    tallies.commit("shard-1", None, 10, {})  # another invocation applied the batch up to 10
    for max_actions in (100, 1):  # in one transaction, or begun to be applied in parts
        tallies.max_actions = max_actions
        with pytest.raises(CheckpointMoved):
            tallies.commit("shard-1", None, 12, {ideas[0]: Tally(up=1), ideas[1]: Tally(up=1)})
    assert [services.ideas.ideas.get(i).up for i in ideas] == [0, 0]

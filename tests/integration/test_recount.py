"""The recount: ballots are the facts, counts are derived. After any fault, a recount restores exact counts; run
during live voting, it neither loses a concurrent update nor counts a vote twice."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from chalicelib import wiring
from chalicelib.domain.comments import Feeling
from chalicelib.domain.voting import Tally
from chalicelib.store import keys
from chalicelib.store.table import Expression
from chalicelib.store.tallies import TallyStore
from infra.local.tokens import bearer
from tests.integration.test_stream_faults import begun_in_parts, poison
from tests.tokens import PRODUCT_TEAM


@pytest.fixture
def roadster(api):
    assert api.post("/products", {"product_id": "roadster", "name": "R"}, headers=PRODUCT_TEAM).status_code == 201
    return "roadster"


def suggest(api, title: str) -> str:
    body = {"kind": "suggestion", "title": title, "description": "d"}
    author = bearer("author-" + title.replace(" ", "-"))
    return api.post("/products/roadster/ideas", body, headers=author).json_body["idea_id"]


def counts(api, idea_id: str) -> tuple[int, int]:
    shown = api.get(f"/ideas/{idea_id}").json_body["votes"]
    return shown["up"], shown["down"]


def vote(api, idea_id: str, customer: str, value: int) -> None:
    assert api.put(f"/ideas/{idea_id}/vote", {"value": value}, headers=bearer(customer)).status_code == 200


def recount():
    return wiring.services().recount.recount("roadster")


def test_a_recount_restores_votes_the_stream_lost(api, pump, roadster):
    idea_id = suggest(api, "Roof box")
    pump.drain()
    for n in range(5):
        vote(api, idea_id, f"fan-{n}", 1)
    vote(api, idea_id, "critic", -1)
    pump.read()  # read and never delivered: as when Lambda gives up on a batch...
    vote(api, suggest(api, "Later"), "later", 1)
    pump.drain()  # ...and its next batch moves the checkpoint past them
    assert counts(api, idea_id) == (1, 0)
    result = recount()
    assert counts(api, idea_id) == (6, 1)
    assert [(r.idea_id, r.up, r.down) for r in result.repaired] == [(idea_id, (1, 6), (0, 1))]
    assert recount().repaired == []  # and the next recount finds nothing to do


def miscount(api, pump) -> str:
    """An idea whose stored counts nothing in the ballots says: 40 up and 3 down, where one up-vote was cast."""
    idea_id = suggest(api, "Roof box")
    pump.drain()
    idea = wiring.services().ideas.get(idea_id)
    wiring.services().recount.tallies.repair(idea, {}, Tally(up=40, down=3))
    assert counts(api, idea_id) == (40, 3)
    return idea_id


def test_a_recount_repairs_a_count_that_was_simply_wrong_and_says_so(api, pump, bus, roadster, capsys):
    idea_id = miscount(api, pump)
    bus.received()
    recount()
    assert counts(api, idea_id) == (1, 0)
    (event,) = bus.received("CountsRecounted")
    assert event["product_id"] == "roadster"
    assert event["repaired"] == [
        {"idea_id": idea_id, "up": [40, 1], "down": [3, 0], "units": [0, 0], "committers": [0, 0], "comments": [0, 0]}
    ]
    assert '"CountsRepaired":[1.0]' in capsys.readouterr().out


def test_a_repair_is_logged(api, pump, roadster, caplog):
    miscount(api, pump)
    recount()
    assert "a count differed from its ballots and was repaired" in caplog.messages


def test_a_recount_heals_the_votes_of_a_record_set_aside(api, pump, roadster):
    idea_id = suggest(api, "Roof box")
    poison(idea_id)  # a ballot with a vote of 2: unreadable, set aside
    wiring.services().ideas.ideas.table.update(
        {"PK": "CUSTOMER#mallory", "SK": "BALLOT#roadster"},
        Expression("SET #v = :one, BALLOTS_PK = :p", {"#v": f"vote:{idea_id}"}, {":one": 1, ":p": "BALLOTS#roadster"}),
    )  # mended by hand afterwards: a readable vote of 1
    pump.drain()
    recount()
    assert counts(api, idea_id) == (2, 0)


def test_votes_the_stream_has_not_delivered_yet_are_not_counted_twice(api, pump, roadster):
    """Some votes are counted, others wait in the stream as the recount reads: it must count neither twice."""
    ideas = [suggest(api, f"Idea {n}") for n in range(3)]
    pump.drain()
    for n in range(4):
        vote(api, ideas[n % 3], f"early-{n}", 1)
    pump.drain()
    waiting = []
    for n in range(5):
        vote(api, ideas[n % 3], f"late-{n}", -1 if n % 2 else 1)
        vote(api, ideas[(n + 1) % 3], f"early-{n % 4}", -1)  # changes of counted votes, not counted yet
        waiting += [record for _, records in pump.read() for record in records]
    assert recount().repaired == []
    shard = pump.shards[0]
    pump.deliver(shard, waiting)  # and now they arrive
    pump.drain()
    truth = wiring.services().recount
    assert truth.recount("roadster").repaired == []  # nothing was counted twice, or lost


def test_a_recount_restores_commitments_the_stream_lost_and_their_price_book(api, pump, roadster):
    idea_id = suggest(api, "Roof box")  # the author's up-vote
    vote(api, idea_id, "fan", 1)
    pump.drain()
    commit = f"/ideas/{idea_id}/commitment"
    api.put(commit, {"quantity": 3, "max_unit_price": 250}, headers=bearer("author-Roof-box"))
    api.put(commit, {"quantity": 2, "max_unit_price": 199.99}, headers=bearer("fan"))
    pump.read()  # lost...
    vote(api, suggest(api, "Later"), "later", 1)
    pump.drain()  # ...for good, once the checkpoint moves past them
    (repaired,) = recount().repaired
    assert (repaired.idea_id, repaired.units, repaired.committers, repaired.up) == (idea_id, (0, 5), (0, 2), (2, 2))
    idea = wiring.services().ideas.get(idea_id)
    assert (idea.units, idea.committers, idea.priced) == (5, 2, 2)
    assert wiring.services().ideas.ideas.price_books([idea_id]) == {idea_id: {25000: 1, 19999: 1}}
    # A change after the repair is counted from the repaired counts, and the next recount finds nothing to do.
    api.put(commit, {"quantity": 1, "max_unit_price": 250}, headers=bearer("fan"))
    pump.drain()
    assert wiring.services().ideas.ideas.price_books([idea_id]) == {idea_id: {25000: 2}}
    assert recount().repaired == []


def test_a_commit_between_the_recounts_read_and_its_repair_is_not_lost(api, pump, roadster, monkeypatch):
    idea_id = suggest(api, "Roof box")
    pump.drain()
    vote(api, idea_id, "fan", 1)
    pump.read()  # lost...
    vote(api, suggest(api, "Later"), "later", 1)
    pump.drain()  # ...for good, once the checkpoint moves past it: the recount will find it
    vote(api, idea_id, "another", 1)  # waiting: counted between the recount's read and its repair
    repair = TallyStore.repair
    rival = []

    def counted_meanwhile(self, idea, book, counts):
        if not rival:
            rival.append(pump.drain())
        return repair(self, idea, book, counts)

    monkeypatch.setattr(TallyStore, "repair", counted_meanwhile)
    result = recount()
    assert rival and rival[0] > 0
    assert result.unsettled == 0
    assert counts(api, idea_id) == (3, 0)  # the author, the lost vote, the vote counted meanwhile


def test_an_operator_lists_the_records_set_aside_and_replays_them_once_the_code_reads_them(
    api, pump, bus, roadster, monkeypatch
):
    from infra import ops

    def cannot_read(old, new, at):
        raise ValueError("a field this version does not know")

    with monkeypatch.context() as broken:
        broken.setattr("chalicelib.streams.changes.idea_events", cannot_read)
        idea_id = suggest(api, "Roof box")
        pump.drain()
    assert bus.received() == []  # its announcement was set aside with the record
    listed = ops.quarantine(replay=False)["records"]  # the idea's insert, and the update that counted its vote
    assert [r["reason"] for r in listed] == ["ValueError: a field this version does not know"] * 2
    assert all(r["quarantined_at"].startswith(str(datetime.now(UTC).year)) for r in listed)  # when, for the operator
    replayed = ops.quarantine(replay=True)["records"]
    assert [r["replayed"] for r in replayed] == ["sent 1 events", "sent 0 events"]
    assert [e["idea_id"] for e in bus.received("IdeaSubmitted")] == [idea_id]
    assert ops.quarantine(replay=False)["records"] == []


def test_a_replayed_status_change_tells_the_ideas_followers_once(api, pump, roadster, monkeypatch):
    from infra import ops

    idea_id = suggest(api, "Roof box")  # its author follows it
    pump.drain()

    def cannot_read(old, new, at):
        raise ValueError("a field this version does not know")

    with monkeypatch.context() as broken:
        broken.setattr("chalicelib.streams.changes.idea_events", cannot_read)
        api.patch(f"/ideas/{idea_id}", {"status": "under_review", "response": "Soon."}, headers=PRODUCT_TEAM)
        pump.drain()
    notifications = wiring.services().notifications
    assert notifications.run() == 0  # set aside with its record: nobody told yet
    ops.quarantine(replay=True)
    assert notifications.run() == 1
    assert notifications.run() == 0


def test_a_recount_restores_comments_the_stream_lost_and_how_they_feel(api, pump, roadster):
    idea_id = suggest(api, "Roof box")
    kept = api.post(f"/ideas/{idea_id}/comments", {"body": "Love it!"}, headers=bearer("fan")).json_body
    pump.drain()
    angry = api.post(f"/ideas/{idea_id}/comments", {"body": "Awful idea."}, headers=bearer("critic")).json_body
    api.post(f"/ideas/{idea_id}/comments", {"body": "It has a lid."}, headers=bearer("fan"))
    api.patch(f"/comments/{kept['comment_id']}", {"hidden": True}, headers=PRODUCT_TEAM)
    pump.read()  # lost...
    vote(api, suggest(api, "Later"), "later", 1)
    pump.drain()  # ...for good, once the checkpoint moves past them
    (repaired,) = recount().repaired
    assert (repaired.idea_id, repaired.comments) == (idea_id, (1, 2))
    shown = api.get(f"/ideas/{idea_id}").json_body
    assert (shown["comments"], shown["sentiment"]) == (2, {"positive": 0, "neutral": 1, "negative": 1})
    # A change after the repair counts from the repaired counts, and the next recount finds nothing to do.
    api.delete(f"/comments/{angry['comment_id']}", headers=bearer("critic"))
    pump.drain()
    assert api.get(f"/ideas/{idea_id}").json_body["sentiment"] == {"positive": 0, "neutral": 1, "negative": 0}
    assert recount().repaired == []


def test_the_nightly_recount_goes_on_past_a_product_that_fails_and_counts_the_failure(
    api, pump, roadster, metrics, monkeypatch
):
    api.post("/products", {"product_id": "bike", "name": "B"}, headers=PRODUCT_TEAM)
    idea_id = miscount(api, pump)  # on the roadster
    service = wiring.services().recount
    summaries, tried = service.ideas.summaries, []

    def failing_for_the_bike(product_id, statuses):
        tried.append(product_id)
        if product_id == "bike":
            raise ConnectionError("DynamoDB is having a moment")
        return summaries(product_id, statuses)

    monkeypatch.setattr(service.ideas, "summaries", failing_for_the_bike)
    metrics()
    (done,) = service.recount_all()
    assert tried == ["bike", "roadster"]  # the bike first: the roadster's recount came after its failure
    assert (done.product_id, [r.idea_id for r in done.repaired]) == ("roadster", [idea_id])
    assert counts(api, idea_id) == (1, 0)
    assert metrics()["RecountsFailed"] == 1


COUNTED = Tally(
    up=3,
    down=2,
    units=5,
    committers=2,
    prices={1500: 1},
    comments=4,
    feelings={Feeling.POSITIVE: 1, Feeling.NEUTRAL: 1, Feeling.NEGATIVE: 2},
)


@pytest.fixture
def counted_idea(services, suggestion) -> str:
    """An idea whose stored counts are COUNTED, every one of them other than zero."""
    idea_id = suggestion("Roof box", author="ada")
    assert services.recount.tallies.repair(services.ideas.get(idea_id), {}, COUNTED)
    return idea_id


def test_a_repair_sets_every_count_and_the_price_book(counted_idea):
    services = wiring.services()
    idea = services.ideas.get(counted_idea)
    assert (idea.up, idea.down, idea.units, idea.committers, idea.priced) == (3, 2, 5, 2, 1)
    assert (idea.comments, idea.positive, idea.neutral, idea.negative) == (4, 1, 1, 2)
    assert services.ideas.ideas.price_books([counted_idea]) == {counted_idea: {1500: 1}}
    # and again, from what it wrote: nothing moved since it was read, so the repair is made
    again = Tally(up=4, down=1, units=6, committers=3, prices={1500: 1, 2000: 1}, comments=5)
    assert services.recount.tallies.repair(idea, {1500: 1}, again)
    assert services.ideas.get(counted_idea).comments == 5
    # and a price no committer names any more leaves the book
    none_named = dataclasses.replace(again, prices={})
    assert services.recount.tallies.repair(services.ideas.get(counted_idea), {1500: 1, 2000: 1}, none_named)
    assert services.ideas.ideas.price_books([counted_idea]) == {counted_idea: {}}


@pytest.mark.parametrize("count", ["up", "down", "units", "committers", "priced", "comments", "negative"])
def test_a_repair_writes_nothing_when_a_count_moved_after_it_was_read(counted_idea, count):
    services = wiring.services()
    read = services.ideas.get(counted_idea)
    table = services.ideas.ideas.table
    # The stream counts a vote, a commitment or a comment meanwhile:
    table.update(keys.idea(counted_idea), Expression("ADD #c :one", {"#c": count}, {":one": 1}))
    moved = services.ideas.get(counted_idea)
    assert not services.recount.tallies.repair(read, {1500: 1}, Tally(up=9))
    assert services.ideas.get(counted_idea) == moved


def test_a_snapshot_reads_every_idea_once_with_its_price_book_in_chunks_each_of_one_moment(services, suggestion):
    """A snapshot of 120 ideas and one shard: 49 ideas and their price books a transaction (99 items with the
    checkpoint, of DynamoDB's 100 at most)."""
    from chalicelib.domain.ideas import new_suggestion_id
    from chalicelib.store.ideas import PRICE

    made = suggestion("Tow bar", author="ada")
    table, tallies = services.ideas.ideas.table, services.recount.tallies
    stored = table.get(keys.idea(made))
    idea_ids = sorted([made, *(new_suggestion_id() for _ in range(119))])
    for n, idea_id in enumerate(idea_ids):
        table.put({**stored, **keys.idea(idea_id), "idea_id": idea_id, "up": n})
    books = {idea_id: {1500 + n: 1} for n, idea_id in enumerate(idea_ids) if n % 10 == 0}
    for idea_id, book in books.items():
        table.put({**keys.prices(idea_id), **{f"{PRICE}{cents}": k for cents, k in book.items()}})
    tallies.commit("shard-a", None, 5, {})  # the shard's checkpoint at 5
    chunks = list(tallies.snapshot(["shard-a"], idea_ids))
    assert [len(ideas) for _, _, ideas, _ in chunks] == [49, 49, 22]
    assert [(i.idea_id, i.up) for *_, ideas, _ in chunks for i in ideas] == [(i, n) for n, i in enumerate(idea_ids)]
    assert {i: book for *_, read in chunks for i, book in read.items()} == books
    assert [(checkpoints, midway) for checkpoints, midway, _, _ in chunks] == [({"shard-a": 5}, False)] * 3


def test_a_recount_whose_repairs_are_all_overtaken_says_how_many_ideas_it_left_unsettled(
    counted_idea, services, suggestion, monkeypatch
):
    other = suggestion("Tow bar", author="bo")
    assert services.recount.tallies.repair(services.ideas.get(other), {}, COUNTED)
    monkeypatch.setattr(TallyStore, "repair", lambda *_: False)  # a count moves after every read, pass after pass
    result = recount()
    assert (result.repaired, result.unsettled) == ([], 2)  # both ideas: the next recount sees them again


def test_a_recount_repairs_each_idea_that_is_wrong_among_those_that_are_right(services, suggestion):
    """The author's support is on their ballot, and the stream has not counted it yet: 0 is right."""
    first, wrong, last = suggestion("Roof box"), suggestion("Tow bar"), suggestion("Cup holder")
    assert services.recount.tallies.repair(services.ideas.get(wrong), {}, Tally(up=1))
    result = recount()
    assert [(r.idea_id, r.up) for r in result.repaired] == [(wrong, (1, 0))]
    assert [services.ideas.get(i).up for i in (first, wrong, last)] == [0, 0, 0]


def test_a_recount_leaves_unsettled_every_idea_of_a_snapshot_taken_between_the_parts_of_a_run(services, suggestion):
    """A shard's run applied in parts, caught between them: its counts are neither before nor after the run."""
    idea_ids = [suggestion("Roof box"), suggestion("Tow bar")]
    services.recount.tallies.repair(services.ideas.get(idea_ids[0]), {}, Tally(up=1))  # wrong: no vote was cast
    begun_in_parts()
    result = recount()
    assert (result.repaired, result.unsettled) == ([], 2)
    assert services.ideas.get(idea_ids[0]).up == 1  # nothing repaired from counts caught mid-run

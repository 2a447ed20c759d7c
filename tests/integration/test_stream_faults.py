"""The stream consumer under faults: unreadable records, failed commits and sends, out-of-order replays. Nothing
a customer did is lost, counted twice, or announced for a commit that did not happen."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from chalicelib import wiring
from chalicelib.domain import ranking
from chalicelib.publish.events import EventBridgePublisher
from chalicelib.store import keys
from chalicelib.store.quarantine import Quarantine
from chalicelib.store.table import Expression
from chalicelib.store.tallies import CheckpointMoved, TallyStore
from chalicelib.streams.changes import read
from chalicelib.streams.consumer import StreamConsumer
from infra.local.tokens import bearer
from tests.records import ballot_record
from tests.tokens import CUSTOMER, PRODUCT_TEAM


@pytest.fixture
def roadster(api):
    body = {"product_id": "roadster", "name": "R", "thresholds": [2]}
    assert api.post("/products", body, headers=PRODUCT_TEAM).status_code == 201
    return "roadster"


def suggest(api, title: str) -> str:
    body = {"kind": "suggestion", "title": title, "description": "d"}
    return api.post("/products/roadster/ideas", body, headers=CUSTOMER).json_body["idea_id"]


def up(api, idea_id: str) -> int:
    return api.get(f"/ideas/{idea_id}").json_body["votes"]["up"]


def poison(idea_id: str) -> None:
    """A ballot no request would write: a vote of 2. Its stream record cannot be read."""
    table = wiring.services().ideas.ideas.table
    table.put({**keys.ballot("mallory", "roadster"), "product_id": "roadster", "budget": 10, f"vote:{idea_id}": 2})


def begun_in_parts() -> str:
    """The table's stream's shard, whose checkpoint says a run up to record 9 is being applied in two parts (as an
    invocation that died between them leaves it)."""
    services = wiring.services()
    (shard,) = services.recount.history.shards()
    begun = Expression("SET applying_upto = :upto, applying_parts = :parts", values={":upto": 9, ":parts": 2})
    services.ideas.ideas.table.update(keys.checkpoint(shard), begun)
    return shard


def test_an_unreadable_record_is_set_aside_and_every_vote_around_it_counts_once(api, pump, roadster, capsys):
    idea_id = suggest(api, "Roof box")
    for n in range(3):
        api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=bearer(f"before-{n}"))
    poison(idea_id)
    for n in range(4):
        api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=bearer(f"after-{n}"))
    pump.drain()
    assert up(api, idea_id) == 1 + 3 + 4  # the author's, and every readable vote, once
    assert pump.given_up == 0
    (kept,) = Quarantine(wiring.services().ideas.ideas.table).all()
    record = json.loads(kept.unreadable.record)
    assert record["dynamodb"]["NewImage"][f"vote:{idea_id}"] == {"N": "2"}  # the whole record, readable
    assert "not 1 or -1" in kept.unreadable.reason
    assert '"StreamRecordsQuarantined":[1.0]' in capsys.readouterr().out  # and counted as a metric
    pump.drain()  # delivered again: nothing more counted, nothing set aside twice
    assert up(api, idea_id) == 8
    assert len(list(Quarantine(wiring.services().ideas.ideas.table).all())) == 1


def test_events_go_out_only_once_their_commit_holds(api, pump, bus, roadster, monkeypatch):
    idea_id = suggest(api, "Roof box")
    api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=bearer("fan"))  # the second supporter: threshold 2
    transact = wiring.services().ideas.ideas.table.transact
    failing = {"left": 1}

    def fails_once(actions):
        if failing["left"]:
            failing["left"] -= 1
            raise ConnectionError("the commit never reached DynamoDB")
        return transact(actions)

    monkeypatch.setattr(wiring.services().ideas.ideas.table, "transact", fails_once)
    pump.drain()
    announced = sorted(e["event_id"] for e in bus.received())
    assert announced == [f"{idea_id}:submitted", f"{idea_id}:threshold:2"]  # once: none for the failed commit


def test_events_the_bus_refused_wait_in_the_outbox_and_go_out_once_later(api, pump, bus, roadster, monkeypatch):
    def refused(self, events):
        raise ClientError({"Error": {"Code": "InternalException", "Message": "bus down"}}, "PutEvents")

    with monkeypatch.context() as down:
        down.setattr(EventBridgePublisher, "publish", refused)
        idea_id = suggest(api, "Roof box")
        pump.drain()
    assert bus.received() == []
    assert up(api, idea_id) == 1  # counted all the same
    services = wiring.services()
    assert services.outbox.send_pending(services.events) == 1
    assert services.outbox.send_pending(services.events) == 0  # sent once, and gone from the outbox
    assert [e["idea_id"] for e in bus.received("IdeaSubmitted")] == [idea_id]


def test_records_already_applied_are_skipped_wherever_they_are_and_the_checkpoint_never_goes_back(aws):
    services = wiring.services()
    tallies = TallyStore(services.ideas.ideas.table, services.outbox)
    consumer = StreamConsumer(
        tallies, services.outbox, services.events, services.stream_consumer.history, services.stream_consumer.comments
    )
    tallies.commit("shard", None, 10, {})
    replayed = [read(ballot_record(n, {}, {"x": 1}, customer=f"c{n}")) for n in (11, 5, 12)]  # 5: applied before
    assert consumer.apply("shard", replayed) is None
    assert tallies.checkpoint("shard") == 12
    with pytest.raises(ValueError, match="only moves forward"):
        tallies.commit("shard", 12, 11, {})


def test_a_cancelled_commit_without_reasons_is_tried_again(api, pump, roadster, monkeypatch):
    idea_id = suggest(api, "Roof box")
    client = wiring.services().ideas.ideas.table.client
    transact_write_items = client.transact_write_items
    left = {"n": 1}

    def cancelled_once(**arguments):
        if left["n"]:
            left["n"] -= 1
            error = {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled, no reasons"}}
            raise ClientError(error, "TransactWriteItems")
        return transact_write_items(**arguments)

    monkeypatch.setattr(client, "transact_write_items", cancelled_once)
    pump.drain()
    assert up(api, idea_id) == 1
    assert pump.given_up == 0


def test_counts_below_zero_rank_as_none_instead_of_stopping_the_ranking():
    assert ranking.confidence(-2, -2) == 0.0
    assert ranking.confidence(-1, 3) == ranking.confidence(0, 3)


def test_a_run_that_died_between_its_parts_is_finished_and_announced_by_the_next_invocation(
    api, pump, bus, roadster, monkeypatch
):
    ideas = [suggest(api, f"Idea {n}") for n in range(3)]  # three submissions: three events, three votes
    pump.drain()
    for idea_id in ideas:  # one run: three ideas' votes, in three parts of one idea
        api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=bearer("bo"))
    table = wiring.services().ideas.ideas.table
    monkeypatch.setattr(wiring.services().stream_consumer.tallies, "max_actions", 1)
    transact, calls = table.transact, []

    def dies_in_the_second_part(actions):
        calls.append(actions)
        if len(calls) == 3:  # the run noted, its first part applied: the function dies
            raise ConnectionError("the function timed out between two parts of a run")
        return transact(actions)

    monkeypatch.setattr(table, "transact", dies_in_the_second_part)
    pump.drain()  # Lambda sends the batch again: the next invocation finishes the run it finds noted
    assert len(calls) > 3
    assert [up(api, i) for i in ideas] == [2, 2, 2]
    assert sorted(e["idea_id"] for e in bus.received("IdeaSubmitted")) == sorted(ideas)  # its events, once
    assert wiring.services().outbox.send_pending(wiring.services().events) == 0


def test_a_stream_consumer_applies_a_batch_in_runs_and_a_replay_only_what_follows_its_checkpoint(services, suggestion):
    """Records set aside fill a run's transaction (here three a run), so a batch of eight is applied in three
    runs, each from the checkpoint the one before moved."""
    ideas = [suggestion(t) for t in ("Roof box", "Tow bar", "Cup holder", "Rear camera")]
    consumer = services.stream_consumer
    consumer.tallies.max_actions = 3
    records = []
    for n in range(8):
        records.append(ballot_record(10 + 2 * n, {}, {ideas[n % 4]: 1}, customer=f"fan-{n}"))
        records.append(ballot_record(11 + 2 * n, {}, {ideas[n % 4]: 2}, customer=f"bad-{n}"))  # unreadable

    def ups() -> list[int]:
        return [services.ideas.get(i).up for i in ideas]

    changes = [read(record) for record in records]
    assert consumer.apply("shard-1", changes) is None
    assert ups() == [2, 2, 2, 2]
    assert len(list(Quarantine(services.ideas.ideas.table).all())) == 8
    assert consumer.apply("shard-1", changes[-3:]) is None  # the batch's end again: nothing counts twice
    assert ups() == [2, 2, 2, 2]
    late = read(ballot_record(40, {}, {ideas[0]: 1}, customer="late"))
    assert consumer.apply("shard-1", [*changes[-2:], late]) is None
    assert ups() == [3, 2, 2, 2]


def test_a_batch_meeting_a_run_finished_elsewhere_meanwhile_comes_again_whole(services, monkeypatch):
    """Another invocation finished the run in parts this one found begun: nothing of the batch is applied, and
    the whole batch, from its first record, comes again."""
    shard = begun_in_parts()

    def finished_elsewhere(*_):
        raise CheckpointMoved(f"{shard} finished 9 elsewhere")

    monkeypatch.setattr(services.stream_consumer.tallies, "finish", finished_elsewhere)
    batch = [read(ballot_record(10, {}, {"i1": 1})), read(ballot_record(11, {}, {"i2": 1}, customer="d"))]
    assert services.stream_consumer.apply(shard, batch) == 0

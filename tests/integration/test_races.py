"""Requests that race each other, interleaved deterministically: a hook runs the rival request at the worst moment
(between a read and the write that relies on it), no sleeps."""

from __future__ import annotations

import pytest

from chalicelib import wiring
from chalicelib.domain.ideas import IdeaStatus
from chalicelib.domain.voting import Tally
from chalicelib.store import keys
from chalicelib.store.ballots import BallotStore
from chalicelib.store.ideas import IdeaStore
from chalicelib.store.table import Table
from chalicelib.store.tallies import CheckpointMoved
from infra.local.tokens import bearer
from tests.tokens import CUSTOMER, PRODUCT_TEAM


@pytest.fixture
def roadster(api):
    product = {"product_id": "roadster", "name": "Roadster", "vote_budget": 2}
    assert api.post("/products", product, headers=PRODUCT_TEAM).status_code == 201
    return "roadster"


def suggest(api, title: str, author=PRODUCT_TEAM) -> str:
    body = {"kind": "suggestion", "title": title, "description": "d"}
    return api.post("/products/roadster/ideas", body, headers=author).json_body["idea_id"]


def votes(api, idea_id: str) -> dict:
    return api.get(f"/ideas/{idea_id}").json_body["votes"]


def once_after(monkeypatch, cls, method: str, rival, when=lambda *args, **kwargs: True) -> None:
    """Run `rival` once, right after the first call of `cls.method` (with arguments `when` accepts) returns: the
    read a request relies on."""
    original = getattr(cls, method)
    done = []

    def hooked(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if not done and when(*args, **kwargs):
            done.append(True)
            rival()
        return result

    monkeypatch.setattr(cls, method, hooked)


@pytest.mark.parametrize("closing", [IdeaStatus.DECLINED, IdeaStatus.AVAILABLE, IdeaStatus.MERGED])
def test_a_vote_cannot_land_on_an_idea_that_closed_after_it_was_read(api, pump, roadster, monkeypatch, closing):
    idea_id = suggest(api, "Heated seats")
    target = suggest(api, "Seat heating")
    for n in range(3):
        api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=bearer(f"early-{n}"))
    pump.drain()
    final = votes(api, idea_id)

    def close() -> None:
        ideas = wiring.services().ideas.ideas
        idea = ideas.get(idea_id)
        merged_into = target if closing is IdeaStatus.MERGED else None
        ideas.change_status(idea, idea.model_copy(update={"status": closing, "merged_into": merged_into}))

    once_after(monkeypatch, IdeaStore, "get", close)  # the vote reads the idea open, then it closes
    late = api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=bearer("late"))
    assert late.status_code == 409
    assert late.json_body["Code"] == "IdeaClosed"
    pump.drain()
    assert votes(api, idea_id) == final
    assert api.get(f"/ideas/{idea_id}", headers=bearer("late")).json_body["my_vote"] is None


def test_withdrawing_a_vote_cannot_change_an_idea_that_closed_after_it_was_read(api, pump, roadster, monkeypatch):
    idea_id = suggest(api, "Heated seats")
    api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=CUSTOMER)
    pump.drain()
    final = votes(api, idea_id)

    def decline() -> None:
        ideas = wiring.services().ideas.ideas
        idea = ideas.get(idea_id)
        ideas.change_status(idea, idea.model_copy(update={"status": IdeaStatus.DECLINED}))

    once_after(monkeypatch, IdeaStore, "get", decline)
    assert api.delete(f"/ideas/{idea_id}/vote", headers=CUSTOMER).status_code == 409
    pump.drain()
    assert votes(api, idea_id) == final


def test_two_requests_releasing_the_same_closed_votes_both_vote(api, pump, roadster, monkeypatch):
    """Budget 2, both votes on ideas that have since closed: two new votes at once each release them; the one
    whose release finds the ballot changed tries again, and is not refused a budget that is free."""
    closed = [suggest(api, f"Old {n}", author=bearer(f"author-old-{n}")) for n in range(2)]
    fresh = [suggest(api, f"New {n}", author=bearer(f"author-new-{n}")) for n in range(2)]
    for idea_id in closed:
        assert api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=CUSTOMER).status_code == 200
    ideas = wiring.services().ideas.ideas
    for idea_id in closed:
        idea = ideas.get(idea_id)
        ideas.change_status(idea, idea.model_copy(update={"status": IdeaStatus.DECLINED}))

    rival: list[int] = []
    once_after(
        monkeypatch,
        IdeaStore,
        "closed",  # the first request has found the closed votes; the second one now releases them first
        lambda: rival.append(api.put(f"/ideas/{fresh[1]}/vote", {"value": 1}, headers=CUSTOMER).status_code),
    )
    first = api.put(f"/ideas/{fresh[0]}/vote", {"value": 1}, headers=CUSTOMER)
    assert (first.status_code, rival) == (200, [200])
    mine = api.get("/me/votes?product_id=roadster", headers=CUSTOMER).json_body
    assert mine["budgets"]["roadster"] == {"used": 2, "limit": 2}
    pump.drain()
    assert [votes(api, i)["up"] for i in closed + fresh] == [2, 2, 2, 2]  # each author's, and the customer's
    # The closed votes were released once: the ballot's count of its votes, which holds the budget against
    # simultaneous votes that read it before, is still right, and the budget is full of the two new ones.
    ballot = wiring.services().ideas.ideas.table.get(keys.ballot("customer-ada", "roadster"))  # CUSTOMER's
    assert ballot["used"] == 2
    third = api.put(f"/ideas/{suggest(api, 'Newest')}/vote", {"value": 1}, headers=CUSTOMER)
    assert third.json_body["Code"] == "VoteBudgetExhausted"


def test_a_ballot_that_keeps_changing_is_never_a_false_budget_refusal(api, roadster, monkeypatch):
    idea_id = suggest(api, "Roof box")
    monkeypatch.setattr(BallotStore, "release", lambda self, *args: False)  # always lost to a rival
    monkeypatch.setattr(IdeaStore, "closed", lambda self, ids, **_: dict.fromkeys(ids, IdeaStatus.DECLINED))  # closed
    for n in range(2):
        api.put(f"/ideas/{suggest(api, f'Filler {n}')}/vote", {"value": 1}, headers=CUSTOMER)
    answer = api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=CUSTOMER)
    assert answer.status_code == 409
    assert answer.json_body["Code"] == "BallotBusy"  # try again: not "your budget is used up"


def test_a_status_change_made_meanwhile_is_not_overwritten(api, roadster, monkeypatch):
    idea_id = suggest(api, "Roof box")
    rival: list[int] = []
    once_after(
        monkeypatch,
        IdeaStore,
        "get",  # the first team member read the idea open; a second one answers it first
        lambda: rival.append(
            api.patch(f"/ideas/{idea_id}", {"status": "under_review", "response": "Measuring."}, headers=PRODUCT_TEAM)
        ),
    )
    late = api.patch(f"/ideas/{idea_id}", {"status": "declined", "response": "No."}, headers=PRODUCT_TEAM)
    assert (rival[0].status_code, late.status_code) == (200, 409)
    shown = api.get(f"/ideas/{idea_id}").json_body
    assert (shown["status"], shown["response"]) == ("under_review", "Measuring.")


def test_a_merge_decided_after_another_status_change_is_refused_and_writes_no_merge_job(api, roadster, monkeypatch):
    """A merge writes its job in the same transaction as the status: both or neither."""
    idea_id, target = suggest(api, "Roof box"), suggest(api, "Roof rack")
    rival: list[int] = []
    once_after(
        monkeypatch,
        IdeaStore,
        "get",
        lambda: rival.append(
            api.patch(f"/ideas/{idea_id}", {"status": "declined", "response": "No."}, headers=PRODUCT_TEAM)
        ),
    )
    late = api.patch(f"/ideas/{idea_id}", {"status": "merged", "merged_into": target}, headers=PRODUCT_TEAM)
    assert (rival[0].status_code, late.status_code) == (200, 409)
    assert api.get(f"/ideas/{idea_id}").json_body["status"] == "declined"
    assert wiring.services().merging.jobs.pending() == []


def test_two_shards_counting_one_idea_at_once_both_count(api, roadster, monkeypatch):
    """Votes on one idea arrive through two shards: the second shard's consumer commits between the first
    one's read of the counts and its write, and the first reads again instead of overwriting."""
    idea_id = suggest(api, "Roof box")
    tallies = wiring.services().stream_consumer.tallies
    once_after(monkeypatch, Table, "batch_get", lambda: tallies.commit("shard-b", None, 1, {idea_id: Tally(up=1)}))
    tallies.commit("shard-a", None, 1, {idea_id: Tally(up=1, down=1)})
    assert votes(api, idea_id) == {"up": 2, "down": 1, "net": 1}  # both shards' (the author's waits in the stream)


def test_a_batch_applied_twice_at_once_counts_once(api, roadster, monkeypatch):
    """A timed-out invocation still runs while Lambda retries its batch: the retry commits between the first
    one's read and its write, and the first finds the checkpoint moved and counts nothing."""
    idea_id = suggest(api, "Roof box")
    tallies = wiring.services().stream_consumer.tallies
    once_after(monkeypatch, Table, "batch_get", lambda: tallies.commit("shard-a", None, 7, {idea_id: Tally(up=1)}))
    with pytest.raises(CheckpointMoved):
        tallies.commit("shard-a", None, 7, {idea_id: Tally(up=1)})
    assert votes(api, idea_id)["up"] == 1  # the batch's, once (the author's vote waits in the stream)
    assert tallies.checkpoint("shard-a") == 7


def test_a_run_finished_by_two_invocations_at_once_is_applied_once_and_the_checkpoint_never_goes_back(
    api, roadster, monkeypatch
):
    """A run applied in parts: a retry finishes it, and goes on to the next run, while the invocation that began it
    is about to finish it too. That one finds the run finished and leaves the checkpoint where the retry put it."""
    ideas = [suggest(api, f"Idea {n}") for n in range(3)]
    tallies = wiring.services().stream_consumer.tallies
    monkeypatch.setattr(tallies, "max_actions", 1)  # an idea a part
    run = {idea_id: Tally(up=1) for idea_id in ideas}
    transact, retried = Table.transact, []

    def retry_first(self, actions):
        last_step = "REMOVE #applying" in actions[0].update.text
        if last_step and not retried:
            retried.append(True)
            tallies.finish("shard-a", tallies.position("shard-a").applying, run)  # the retry finishes the run...
            tallies.commit("shard-a", 7, 9, {ideas[0]: Tally(down=1)})  # ...and applies the next one
        return transact(self, actions)

    monkeypatch.setattr(Table, "transact", retry_first)
    with pytest.raises(CheckpointMoved):
        tallies.commit("shard-a", None, 7, run)
    assert tallies.checkpoint("shard-a") == 9
    assert [votes(api, i) for i in ideas] == [{"up": 1, "down": 1, "net": 0}] + [{"up": 1, "down": 0, "net": 1}] * 2


def test_a_vote_changed_by_another_request_after_it_was_read_is_read_again_not_overwritten(
    services, suggestion, monkeypatch
):
    idea_id = suggestion("Roof box")
    services.voting.cast("bo", idea_id, -1)
    # Bo's second request reads the down-vote; their first changes it to an up-vote before the second writes.
    once_after(
        monkeypatch,
        Table,
        "get",
        lambda: services.voting.cast("bo", idea_id, 1),
        when=lambda key, **_: key == keys.ballot("bo", "roadster"),
    )
    assert services.voting.cast("bo", idea_id, 1).value == 1  # read again: the same vote, nothing to write
    ballot = services.voting.ballots.stored("bo", "roadster")
    assert (ballot[f"vote:{idea_id}"], ballot["used"], ballot["writes"]) == (1, 1, 2)

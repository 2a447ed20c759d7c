"""Merging moves support: a merged idea's up-voters come to support the idea it merged into, exactly once, in
their budget's same place, with their commitments; the merged idea keeps its final tally."""

from __future__ import annotations

import pytest

from chalicelib import wiring
from chalicelib.domain.ideas import IdeaStatus
from chalicelib.domain.lifecycle import StatusChange
from chalicelib.store import keys
from chalicelib.store.ballots import Moved
from infra.local.tokens import bearer
from tests.tokens import PRODUCT_TEAM

ADA, BO, CY, DEE = (bearer(name) for name in ("ada", "bo", "cy", "dee"))


@pytest.fixture
def product(api) -> str:
    body = {"product_id": "roadster", "name": "Roadster", "vote_budget": 2, "max_units_per_customer": 5}
    assert api.post("/products", body, headers=PRODUCT_TEAM).status_code == 201
    return "roadster"


def suggest(api, title: str, author=ADA) -> str:
    body = {"kind": "suggestion", "title": title, "description": f"{title}, please."}
    return api.post("/products/roadster/ideas", body, headers=author).json_body["idea_id"]


def vote(api, idea_id: str, value: int, who) -> int:
    return api.put(f"/ideas/{idea_id}/vote", {"value": value}, headers=who).status_code


def merge(api, idea_id: str, into: str):
    return api.patch(f"/ideas/{idea_id}", {"status": "merged", "merged_into": into}, headers=PRODUCT_TEAM)


def move(pump) -> list[str]:
    """A run of the scheduled move, and the counts it makes."""
    finished = wiring.services().merging.run()
    pump.drain()
    return finished


def tally(api, idea_id: str) -> tuple[int, int]:
    votes = api.get(f"/ideas/{idea_id}").json_body["votes"]
    return votes["up"], votes["down"]


def votes_of(api, who) -> tuple[dict[str, int], int]:
    mine = api.get("/me/votes?product_id=roadster", headers=who).json_body
    return {v["idea_id"]: v["value"] for v in mine["items"]}, mine["budgets"]["roadster"]["used"]


def test_the_up_voters_of_a_merged_idea_support_its_target_once_and_the_merged_idea_keeps_its_tally(
    api, pump, bus, product
):
    box, rack = suggest(api, "Roof box"), suggest(api, "Roof rack", author=DEE)  # each up-voted by its author
    assert vote(api, box, 1, BO) == vote(api, box, -1, CY) == vote(api, box, 1, DEE) == 200
    pump.drain()
    assert tally(api, box) == (3, 1)
    assert merge(api, box, rack).status_code == 200

    assert move(pump) == [box]

    assert tally(api, box) == (3, 1)  # its final tally stands
    assert tally(api, rack) == (3, 0)  # Dee, its author, already voted on it: counted once
    assert votes_of(api, ADA) == ({box: 1, rack: 1}, 1)  # the moved vote holds the place of the old one
    assert votes_of(api, BO) == ({box: 1, rack: 1}, 1)
    assert votes_of(api, CY) == ({box: -1}, 0)  # a down-vote does not move: it is released
    assert votes_of(api, DEE) == ({box: 1, rack: 1}, 1)  # her vote on the box is released
    (moved,) = bus.received("SupportMoved")
    assert (moved["idea_id"], moved["moved_to"], moved["moved"], moved["released"]) == (box, rack, 2, 2)
    report = api.post("/products/roadster/demand", headers=PRODUCT_TEAM).json_body
    assert [(i["idea_id"], i["supporters"]) for i in report["items"]] == [(rack, 3)]  # each customer once


def test_a_move_runs_once_however_often_its_run_or_its_records_come(api, pump, bus, product):
    box, rack = suggest(api, "Roof box"), suggest(api, "Roof rack", author=DEE)
    vote(api, box, 1, BO)
    merge(api, box, rack)
    wiring.services().merging.run()
    (shard_id, records), *_ = pump.read()
    pump.deliver(shard_id, records)
    pump.deliver(shard_id, records)  # delivered again, as after a timeout
    assert move(pump) == []  # nothing left to move
    assert tally(api, rack) == (3, 0)
    assert len(bus.received("SupportMoved")) == 1


def test_a_commitment_moves_with_its_vote_and_the_merged_idea_keeps_its_own(api, pump, product):
    box, rack = suggest(api, "Roof box"), suggest(api, "Roof rack", author=DEE)
    api.put(f"/ideas/{box}/commitment", {"quantity": 2, "max_unit_price": 300}, headers=ADA)
    api.put(f"/ideas/{rack}/commitment", {"quantity": 1}, headers=DEE)
    vote(api, box, 1, DEE)
    api.put(f"/ideas/{box}/commitment", {"quantity": 5}, headers=DEE)  # she has her own on the rack
    merge(api, box, rack)
    move(pump)
    report = api.post("/products/roadster/demand", headers=PRODUCT_TEAM).json_body
    committed = {i["idea_id"]: i for i in report["items"]}
    assert (committed[rack]["committed_units"], committed[rack]["committers"]) == (3, 2)
    assert committed[rack]["median_max_unit_price"] == 300.0
    assert api.get(f"/ideas/{box}").json_body["votes"]["up"] == 2


def test_a_full_budget_takes_the_moved_vote_in_place_of_the_old_one(api, pump, product):
    box, rack, light = suggest(api, "Roof box", author=BO), suggest(api, "Roof rack", author=BO), suggest(api, "Light")
    assert vote(api, box, 1, ADA) == 200  # Ada's budget of 2: the light and the box
    merge(api, box, rack)
    move(pump)
    assert votes_of(api, ADA) == ({light: 1, box: 1, rack: 1}, 2)
    assert api.put(f"/ideas/{suggest(api, 'Horn', author=BO)}/vote", {"value": 1}, headers=ADA).json_body["Code"] == (
        "VoteBudgetExhausted"
    )


def test_a_vote_that_needs_the_budget_before_the_run_moves_there_and_then(api, pump, bus, product):
    box, rack, light = suggest(api, "Roof box", author=CY), suggest(api, "Roof rack", author=DEE), suggest(api, "Light")
    vote(api, box, 1, ADA)
    merge(api, box, rack)
    horn = suggest(api, "Horn", author=BO)
    assert api.put(f"/ideas/{horn}/vote", {"value": 1}, headers=ADA).json_body["Code"] == "VoteBudgetExhausted"
    assert votes_of(api, ADA) == ({light: 1, box: 1, rack: 1}, 2)  # moved by the vote's need of room
    move(pump)
    assert tally(api, rack) == (3, 0)
    (moved,) = bus.received("SupportMoved")
    assert (moved["moved"], moved["released"]) == (1, 0)  # Cy's: Ada's had moved already


def test_a_supporter_who_votes_on_the_target_before_the_move_is_counted_once(api, pump, product):
    box, rack = suggest(api, "Roof box", author=BO), suggest(api, "Roof rack", author=CY)
    vote(api, box, 1, ADA)
    merge(api, box, rack)
    assert vote(api, rack, -1, ADA) == 200  # her own, before the run
    move(pump)
    assert tally(api, rack) == (2, 1)
    assert votes_of(api, ADA) == ({box: 1, rack: -1}, 1)


def test_a_vote_on_the_target_between_the_moves_read_and_its_write_is_kept(api, pump, product):
    box, rack = suggest(api, "Roof box", author=BO), suggest(api, "Roof rack", author=CY)
    vote(api, box, 1, ADA)
    merge(api, box, rack)
    ballots = wiring.services().voting.ballots
    (read,) = [ballot for customer, ballot in ballots.voters("roadster", box, None, 10)[0] if customer == "ada"]
    vote(api, rack, -1, ADA)
    assert ballots.move("ada", "roadster", box, rack, read) is Moved.RELEASED  # read again, and decided again
    move(pump)
    assert tally(api, rack) == (2, 1)
    assert votes_of(api, ADA) == ({box: 1, rack: -1}, 1)


def test_merges_in_a_chain_move_support_to_its_end(api, pump, product):
    box, rack, carrier = suggest(api, "Roof box"), suggest(api, "Roof rack", author=BO), suggest(api, "Carrier", CY)
    vote(api, rack, 1, DEE)
    merge(api, box, rack)
    merge(api, rack, carrier)  # before the box's supporters moved
    assert sorted(move(pump)) == sorted([box, rack])
    assert tally(api, carrier) == (4, 0)  # Cy, and Ada, Bo and Dee moved
    assert tally(api, rack) == (2, 0)
    assert votes_of(api, ADA) == ({box: 1, carrier: 1}, 1)


def test_a_target_that_merges_on_while_a_vote_moves_takes_it_to_the_chains_end(api, pump, product, monkeypatch):
    box, rack, carrier = suggest(api, "Roof box"), suggest(api, "Roof rack", author=BO), suggest(api, "Carrier", CY)
    merging = wiring.services().merging
    chain = merging._end_of_chain

    def and_then_the_rack_merges(merged):
        target = chain(merged)
        if target is not None and target.idea_id == rack:
            monkeypatch.setattr(merging, "_end_of_chain", chain)
            assert merge(api, rack, carrier).status_code == 200
        return target

    merge(api, box, rack)
    monkeypatch.setattr(merging, "_end_of_chain", and_then_the_rack_merges)
    move(pump)
    move(pump)
    assert votes_of(api, ADA) == ({box: 1, carrier: 1}, 1)
    assert tally(api, carrier) == (3, 0)


def test_a_merge_into_an_idea_closed_since_releases_the_votes(api, pump, product):
    box, rack = suggest(api, "Roof box"), suggest(api, "Roof rack", author=BO)
    merge(api, box, rack)
    api.patch(f"/ideas/{rack}", {"status": "declined", "response": "Not this year."}, headers=PRODUCT_TEAM)
    move(pump)
    assert votes_of(api, ADA) == ({box: 1}, 0)
    assert tally(api, rack) == (1, 0)


def test_a_run_short_of_time_stops_and_the_next_goes_on_where_it_stopped(api, pump, bus, product):
    box, rack = suggest(api, "Roof box"), suggest(api, "Roof rack", author=DEE)
    for name in ("bo", "cy", "eve", "fay", "gus"):
        vote(api, box, 1, bearer(name))
    merging = wiring.services().merging
    merging.page = 2
    merge(api, box, rack)
    clock = iter([30.0, 10.0])  # time for one page, then too little
    assert merging.run(lambda: next(clock)) == []
    (job,) = merging.jobs.pending()
    assert (job.moved, job.start is not None) == (2, True)
    assert move(pump) == [box]
    assert tally(api, rack) == (7, 0)
    (moved,) = bus.received("SupportMoved")
    assert (moved["moved"], moved["released"]) == (6, 0)


def test_a_job_for_an_idea_that_is_not_merged_moves_nothing(api, pump, product):
    box = suggest(api, "Roof box")
    vote(api, box, 1, BO)
    table = wiring.services().merging.jobs.table
    table.put({**keys.merge(box), "product_id": "roadster"})
    assert move(pump) == [box]
    assert wiring.services().merging.jobs.pending() == []
    assert votes_of(api, BO) == ({box: 1}, 1)


def test_a_run_with_twenty_seconds_or_fewer_left_moves_nothing(api, pump, product):
    box, rack = suggest(api, "Roof box"), suggest(api, "Roof rack", author=DEE)
    merge(api, box, rack)
    merging = wiring.services().merging
    assert merging.run(lambda: 20.0) == []
    (job,) = merging.jobs.pending()
    assert (job.moved, job.released, job.start) == (0, 0, None)
    assert merging.run(lambda: 20.5) == [box]


def test_a_job_another_run_finished_meanwhile_is_left_finished_and_the_next_is_moved(api, pump, product, monkeypatch):
    box, light, rack = suggest(api, "Roof box"), suggest(api, "Light", author=BO), suggest(api, "Rack", author=DEE)
    merge(api, box, rack)
    merge(api, light, rack)
    jobs = wiring.services().merging.jobs
    advance = jobs.advance

    def after_another_run(job, *args):
        jobs.finish(job)  # the other run got there first
        monkeypatch.setattr(jobs, "advance", advance)
        return advance(job, *args)

    monkeypatch.setattr(jobs, "advance", after_another_run)
    first, second = sorted([box, light])
    assert move(pump) == [first, second]
    assert jobs.pending() == []  # not made again by the late run's progress
    assert tally(api, rack) == (3, 0)


def test_a_run_counts_the_votes_it_moved_and_released_and_the_merges_it_finished(api, pump, product, metrics):
    box, rack = suggest(api, "Roof box"), suggest(api, "Roof rack", author=DEE)
    vote(api, box, 1, BO)
    vote(api, box, -1, CY)
    merge(api, box, rack)
    metrics()
    wiring.services().merging.run()
    assert metrics() == {"VotesMoved": 2, "VotesReleased": 1, "MergesFinished": 1}  # Ada and Bo; Cy's down-vote


def test_a_merge_job_keeps_where_its_move_stopped_and_what_it_moved_and_released_so_far(services, suggestion):
    merged = services.ideas.get(suggestion("Roof box"))
    jobs = services.merging.jobs
    jobs.table.transact([jobs.entry(merged)])
    (job,) = jobs.pending()
    assert (job.idea_id, job.product_id, job.start, job.moved, job.released) == (merged.idea_id, "roadster", None, 0, 0)
    stopped_at = {"PK": "CUSTOMER#bo", "SK": "BALLOT#roadster", "BALLOTS_PK": "BALLOTS#roadster"}
    job = jobs.advance(job, stopped_at, 2, 1)
    assert (job.start, job.moved, job.released) == (stopped_at, 2, 1)
    assert jobs.pending() == [job]  # as a later run reads it
    job = jobs.advance(job, None, 1, 0)  # every ballot seen
    assert (job.start, job.moved, job.released) == (stopped_at, 3, 1)
    jobs.finish(job)
    assert jobs.pending() == []
    assert jobs.advance(job, None, 1, 0) is None  # another run finished it


def test_a_ballot_moves_an_up_vote_to_the_target_and_releases_any_other_as_it_is_now(services, suggestion):
    a, b, target = suggestion("Roof box"), suggestion("Roof rack"), suggestion("Roof storage")
    ballots = services.voting.ballots
    services.voting.cast("bo", a, 1)
    services.voting.cast("bo", b, -1)
    read = ballots.stored("bo", "roadster")
    assert ballots.move("bo", "roadster", a, target, read) is Moved.MOVED  # in a's place in the budget
    services.voting.cast("bo", b, 1)  # changed after the move read the ballot
    assert ballots.move("bo", "roadster", b, None, read) is Moved.RELEASED  # b merged into a closed idea
    ballot = ballots.stored("bo", "roadster")
    assert {n: v for n, v in ballot.items() if n.startswith(("vote:", "released:"))} == {
        f"vote:{target}": 1,
        f"released:{a}": 1,
        f"released:{b}": 1,  # the vote as it is now, not as read
    }
    assert ballot["used"] == 1  # the released vote left the budget
    assert ballots.move("bo", "roadster", b, None) is Moved.NONE  # nothing left to move


def test_a_merge_moves_its_supporters_a_page_at_a_time_over_runs_and_says_what_it_moved(
    services, suggestion, bus, metrics
):

    merged, target = suggestion("Roof box"), suggestion("Roof storage")
    for customer, value in (("bo", 1), ("cy", -1), ("dee", -1)):
        services.voting.cast(customer, merged, value)
    services.lifecycle.change(merged, StatusChange(status=IdeaStatus.MERGED, merged_into=target))
    merging = services.merging
    merging.page = 2  # of the product's four ballots: two runs of a page each
    left = iter([100.0, 0.0])
    metrics()
    assert merging.run(seconds_left=lambda: next(left, 0.0)) == []  # time for one page only
    assert merging.run() == [merged]  # goes on where it stopped
    counted = metrics()
    # Bo's up-vote moves; the author votes on the target already, and down-votes never move: released.
    assert (counted["VotesMoved"], counted["VotesReleased"], counted["MergesFinished"]) == (1, 3, 1)
    (moved,) = bus.received("SupportMoved")
    assert (moved["idea_id"], moved["moved_to"], moved["moved"], moved["released"]) == (merged, target, 1, 3)
    assert services.voting.ballots.stored("bo", "roadster")[f"vote:{target}"] == 1

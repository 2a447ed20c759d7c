"""Customers in control of their data: everything about them in one document, and erasure that leaves every count
exactly what the remaining ballots say."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib import wiring
from chalicelib.domain.commitments import CommitmentBody
from chalicelib.domain.ideas import IdeaStatus
from chalicelib.domain.notifications import PreferencesBody
from chalicelib.identity import Caller
from chalicelib.store import keys
from chalicelib.store.table import Expression
from infra.local.tokens import bearer
from tests.tokens import PRODUCT_TEAM

ADA, BO = bearer("ada"), bearer("bo")

EMPTY = {
    "ideas": [],
    "votes": [],
    "commitments": [],
    "comments": [],
    "follows": [],
    "notifications": [],
    "preferences": {"email": None, "consent": {"given_at": None, "withdrawn_at": None}},
}


@pytest.fixture
def product(api) -> str:
    assert (
        api.post("/products", {"product_id": "roadster", "name": "Roadster"}, headers=PRODUCT_TEAM).status_code == 201
    )
    return "roadster"


def suggest(api, title: str, author) -> str:
    body = {"kind": "suggestion", "title": title, "description": f"{title}, please."}
    return api.post("/products/roadster/ideas", body, headers=author).json_body["idea_id"]


def export(api, who) -> dict:
    answer = api.get("/me/export", headers=who)
    assert answer.status_code == 200
    return answer.json_body


def counts(idea_id: str) -> tuple[int, int, int]:
    """An idea's supporters, opponents and committed units, as counted."""
    idea = wiring.services().ideas.get(idea_id)
    return idea.up, idea.down, idea.units


@pytest.fixture
def ada_everywhere(api, pump, product) -> dict[str, str]:
    """Ada writes an idea, votes on an open idea and one that closes, commits to both, comments unhappily, follows,
    is notified and asked for email."""
    mine = suggest(api, "Cork interior", ADA)
    open_idea, closing = suggest(api, "Roof rack", BO), suggest(api, "Tow bar", BO)
    for idea in (open_idea, closing):
        assert api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=ADA).status_code == 200
        assert (
            api.put(f"/ideas/{idea}/commitment", {"quantity": 2, "max_unit_price": 300}, headers=ADA).status_code == 200
        )
    comment = api.post(f"/ideas/{open_idea}/comments", {"body": "This is taking forever. Awful."}, headers=ADA)
    api.post(f"/ideas/{mine}/comments", {"body": "Cork, not leather."}, headers=ADA)
    api.put(f"/ideas/{mine}/commitment", {"quantity": 1}, headers=ADA)  # at any price
    api.put("/me/preferences", {"email": {"address": "ada@example.com", "events": ["status_changed"]}}, headers=ADA)
    api.put(f"/ideas/{open_idea}/subscription", headers=ADA)
    api.delete(f"/ideas/{open_idea}/subscription", headers=ADA)  # she would rather not hear of it
    pump.drain()
    api.patch(f"/ideas/{closing}", {"status": "declined", "response": "Not this year."}, headers=PRODUCT_TEAM)
    pump.drain()
    wiring.services().notifications.run()
    return {"mine": mine, "open": open_idea, "closed": closing, "comment": comment.json_body["comment_id"]}


def test_the_export_holds_everything_about_the_caller_and_nothing_of_anyone_elses(api, ada_everywhere):
    ideas = ada_everywhere
    data = export(api, ADA)
    assert data["customer_id"] == "ada"
    assert [i["idea_id"] for i in data["ideas"]] == [ideas["mine"]]
    assert sorted((v["idea_id"], v["value"]) for v in data["votes"]) == sorted(
        (i, 1) for i in (ideas["mine"], ideas["open"], ideas["closed"])
    )
    assert sorted((c["idea_id"], c["quantity"], c["max_unit_price"]) for c in data["commitments"]) == sorted(
        [(ideas["open"], 2, 300), (ideas["closed"], 2, 300), (ideas["mine"], 1, None)]
    )
    assert sorted(c["body"] for c in data["comments"]) == ["Cork, not leather.", "This is taking forever. Awful."]
    assert ideas["comment"] in [c["comment_id"] for c in data["comments"]]
    assert sorted((f["idea_id"], f["following"]) for f in data["follows"]) == sorted(
        [(ideas["mine"], True), (ideas["open"], False), (ideas["closed"], True)]
    )
    assert [(n["kind"], n["idea_id"]) for n in data["notifications"]] == [("status_changed", ideas["closed"])]
    assert data["preferences"]["email"]["address"] == "ada@example.com"
    assert data["preferences"]["consent"]["given_at"]
    others = export(api, BO)
    assert sorted(i["idea_id"] for i in others["ideas"]) == sorted([ideas["open"], ideas["closed"]])
    assert others["comments"] == [] and others["preferences"]["email"] is None


def test_a_customisation_request_is_its_authors_as_a_suggestion_is(api):
    lamp = {"product_id": "lamp", "name": "Lamp", "options": {"finish": ["brass", "oak"]}}
    assert api.post("/products", lamp, headers=PRODUCT_TEAM).status_code == 201
    asked = api.post("/products/lamp/ideas", {"kind": "customisation", "options": {"finish": "oak"}}, headers=ADA)
    assert [i["idea_id"] for i in export(api, ADA)["ideas"]] == [asked.json_body["idea_id"]]


def test_erasure_withdraws_open_support_keeps_closed_tallies_unlinked_and_leaves_an_empty_export(
    api, pump, bus, ada_everywhere
):
    ideas = ada_everywhere
    before_closed = counts(ideas["closed"])
    assert counts(ideas["open"]) == (2, 0, 2)  # Bo (its author) and Ada; Ada's 2 units

    assert api.delete("/me", headers=ADA).status_code == 202
    assert wiring.services().customers.erase_requested() == 1
    pump.drain()

    assert {k: v for k, v in export(api, ADA).items() if k in EMPTY} == EMPTY
    assert api.get("/me/votes", headers=ADA).json_body["items"] == []
    assert counts(ideas["open"]) == (1, 0, 0)  # her vote and commitment withdrawn
    assert counts(ideas["closed"]) == before_closed == (2, 0, 2)  # a closed idea's tally is final
    assert counts(ideas["mine"])[:2] == (0, 0)  # her idea stays, without her vote or her name
    assert api.get(f"/ideas/{ideas['mine']}").json_body["title"] == "Cork interior"
    (comment,) = api.get(f"/ideas/{ideas['open']}/comments").json_body["items"]
    assert comment["body"] == "" and comment["author"] == {"id": None, "official": False}
    assert api.get("/products/roadster/attention", headers=PRODUCT_TEAM).json_body["items"] == []
    # Every count is what the remaining ballots say: a recount finds nothing to repair.
    assert wiring.services().recount.recount("roadster").repaired == []
    assert wiring.services().customers.records.erasures() == []
    (erased,) = bus.received("CustomerErased")  # what was done, never who
    assert (erased["ballots"], erased["ideas"], erased["comments"]) == (1, 1, 2)
    table = wiring.services().ideas.ideas.table  # and her write windows are gone
    assert list(table.query_all(Expression("PK = :pk", values={":pk": keys.write_windows("ada")}))) == []
    assert set(erased) == {"event_id", "ballots", "ideas", "comments", "deleted", "erased_at"}


def test_erasure_done_twice_or_of_someone_with_nothing_changes_nothing_more(api, pump, ada_everywhere):
    api.delete("/me", headers=ADA)
    customers = wiring.services().customers
    customers.erase_requested()
    pump.drain()
    open_counts = counts(ada_everywhere["open"])
    customers.erase("ada")  # again, as a run that died before it could say so would
    customers.erase("nobody")
    pump.drain()
    assert counts(ada_everywhere["open"]) == open_counts
    assert {k: v for k, v in export(api, ADA).items() if k in EMPTY} == EMPTY
    assert wiring.services().recount.recount("roadster").repaired == []


def test_a_vote_on_an_idea_that_closes_while_its_ballot_is_erased_stays_in_its_final_tally(
    api, pump, ada_everywhere, monkeypatch
):
    ideas = ada_everywhere
    customers = wiring.services().customers
    read_statuses = customers.ideas.closed

    def closing_meanwhile(idea_ids, **kwargs):
        statuses = read_statuses(idea_ids, **kwargs)
        if ideas["open"] in idea_ids:  # the team declines it between the erasure's read and its write
            monkeypatch.setattr(customers.ideas, "closed", read_statuses)
            api.patch(f"/ideas/{ideas['open']}", {"status": "declined"}, headers=PRODUCT_TEAM)
        return statuses

    monkeypatch.setattr(customers.ideas, "closed", closing_meanwhile)
    customers.erase("ada")
    pump.drain()
    assert export(api, ADA)["votes"] == []  # her ballot, read again, erased all the same
    assert counts(ideas["open"])[:2] == (2, 0)  # it closed with her vote: final
    assert wiring.services().recount.recount("roadster").repaired == []


def test_an_old_unsubscribe_link_of_someone_who_left_writes_nothing_about_them(api, pump, ada_everywhere):
    link = wiring.services().notifications.links.token("ada")
    api.delete("/me", headers=ADA)
    wiring.services().customers.erase_requested()
    assert api.get(f"/unsubscribe?token={link}").status_code == 200
    assert export(api, ADA)["preferences"] == EMPTY["preferences"]  # no consent withdrawn: nothing at all


def test_erasures_stop_before_the_run_is_out_of_time_and_the_next_run_goes_on(api, product):
    for who in (ADA, BO):
        suggest(api, "Idea", who)
        assert api.delete("/me", headers=who).status_code == 202
    customers = wiring.services().customers
    left = iter([20.5, 20.0])  # seconds: the run stops with 20 left, time for the erasure under way to finish
    assert customers.erase_requested(lambda: next(left)) == 1
    assert customers.records.erasures() == ["bo"]  # in id order: Ada's done
    assert customers.erase_requested() == 1
    assert customers.records.erasures() == []


def test_exports_and_erasures_are_counted(api, ada_everywhere, metrics):
    metrics()
    export(api, ADA)
    api.delete("/me", headers=ADA)
    api.delete("/me", headers=BO)
    assert wiring.services().customers.erase_requested() == 2
    assert metrics() == {"DataExported": 1, "ErasuresRequested": 2, "CustomersErased": 2}


def test_an_erasure_counts_what_it_unlinked_and_deleted_and_leaves_an_empty_export(services, suggestion):
    for title in ("Cork interior", "Roof box"):
        suggestion(title, author="ada")
    theirs = suggestion("Tow bar", author="bo")
    for text in ("Yes.", "Please."):
        services.comments.post(Caller("ada", frozenset()), theirs, text)
    services.notifications.set_preferences("ada", PreferencesBody(email=None))
    erased = services.customers.erase("ada")
    assert (erased.ballots, erased.ideas, erased.comments) == (1, 2, 2)
    # What was theirs alone is gone: their follows of three ideas and their preferences.
    assert erased.deleted == 3 + 1
    left = services.customers.export("ada")
    assert (left.ideas, left.votes, left.comments, left.follows, left.preferences.email) == ([], [], [], [], None)


def test_the_votes_an_erasure_keeps_on_a_closed_idea_stay_counted_and_a_recount_agrees(services, suggestion, pump):
    idea_id = suggestion("Tow bar", author="bo")
    services.voting.cast("ada", idea_id, 1)
    services.voting.commit("ada", idea_id, CommitmentBody(quantity=2))
    pump.drain()
    idea = services.ideas.get(idea_id)
    services.ideas.ideas.change_status(idea, idea.model_copy(update={"status": IdeaStatus.DECLINED}))
    services.customers.erase("ada")
    pump.drain()
    assert services.recount.recount("roadster").repaired == []  # the ballots, Bo's and one that names nobody
    kept = services.ideas.get(idea_id)
    assert (kept.up, kept.units) == (2, 2)


def test_an_export_holds_each_follow_and_unfollow_with_when_it_was_decided(services, suggestion):
    at = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    services.following.clock = lambda: at
    box, bars = suggestion("Roof box"), suggestion("Roof bars")
    services.following.follow("bo", box)
    services.following.unfollow("bo", bars)
    follows = {(f.idea_id, f.following, f.since) for f in services.customers.export("bo").follows}
    assert follows == {(box, True, at), (bars, False, at)}

"""Voting over the API: one vote per customer per idea, within budgets, counted by the stream aggregator."""

from __future__ import annotations

import pytest

from chalicelib import wiring
from chalicelib.domain.ideas import IdeaStatus
from chalicelib.errors import BallotBusy
from chalicelib.store.ballots import BallotChanging
from infra.local.tokens import bearer
from tests.tokens import CUSTOMER, OTHER_CUSTOMER, PRODUCT_TEAM

ADA, BO, CY = CUSTOMER, OTHER_CUSTOMER, bearer("customer-cy")


@pytest.fixture
def roadster(api):
    product = {"product_id": "roadster", "name": "Roadster", "options": {"colour": ["green", "red", "blue", "white"]}}
    assert api.post("/products", {**product, "vote_budget": 2}, headers=PRODUCT_TEAM).status_code == 201
    return "roadster"


def suggest(api, title: str, headers) -> str:
    body = {"kind": "suggestion", "title": title, "description": "d"}
    answer = api.post("/products/roadster/ideas", body, headers=headers)
    assert answer.status_code == 201, answer.json_body
    return answer.json_body["idea_id"]


def votes(api, idea_id: str) -> dict:
    return api.get(f"/ideas/{idea_id}").json_body["votes"]


def vote(api, idea_id: str, value, headers):
    return api.put(f"/ideas/{idea_id}/vote", {"value": value}, headers=headers)


def close(idea_id: str, status: IdeaStatus = IdeaStatus.DECLINED) -> None:
    """Close an idea as the lifecycle will: through the store."""
    ideas = wiring.services().ideas
    idea = ideas.get(idea_id)
    ideas.ideas.change_status(idea, idea.model_copy(update={"status": status}))


def test_the_author_supports_their_idea_and_counts_follow_the_stream(api, pump, roadster):
    idea_id = suggest(api, "Cup holders", ADA)
    assert votes(api, idea_id) == {"up": 0, "down": 0, "net": 0}  # not yet aggregated
    pump.drain()
    assert votes(api, idea_id) == {"up": 1, "down": 0, "net": 1}
    assert api.get(f"/ideas/{idea_id}", headers=ADA).json_body["my_vote"] == 1


def test_vote_change_and_retract(api, pump, roadster):
    idea_id = suggest(api, "Cup holders", ADA)
    answer = vote(api, idea_id, -1, BO)
    assert answer.status_code == 200
    assert answer.json_body == {"idea_id": idea_id, "value": -1}
    pump.drain()
    assert votes(api, idea_id) == {"up": 1, "down": 1, "net": 0}

    assert vote(api, idea_id, -1, BO).status_code == 200  # the same vote again: nothing changes
    pump.drain()
    assert votes(api, idea_id) == {"up": 1, "down": 1, "net": 0}

    assert vote(api, idea_id, 1, BO).status_code == 200  # changed
    pump.drain()
    assert votes(api, idea_id) == {"up": 2, "down": 0, "net": 2}
    assert api.get(f"/ideas/{idea_id}", headers=BO).json_body["my_vote"] == 1

    assert api.delete(f"/ideas/{idea_id}/vote", headers=BO).status_code == 204
    assert api.delete(f"/ideas/{idea_id}/vote", headers=BO).status_code == 204  # no vote left: still 204
    assert api.delete(f"/ideas/{idea_id}/vote", headers=CY).status_code == 204  # never voted
    pump.drain()
    assert votes(api, idea_id) == {"up": 1, "down": 0, "net": 1}
    assert api.get(f"/ideas/{idea_id}", headers=BO).json_body["my_vote"] is None


def test_the_budget_limits_open_ideas_voted_on_not_changes_of_vote(api, pump, roadster):
    first, second, third = (suggest(api, f"Idea {n}", ADA) for n in range(3))  # budget 2: the third is unsupported
    refused = vote(api, third, 1, ADA)
    assert refused.status_code == 409
    assert refused.json_body["Code"] == "VoteBudgetExhausted"
    assert "vote budget" in refused.json_body["Message"]
    assert vote(api, first, -1, ADA).status_code == 200  # changing a vote needs no budget
    assert api.delete(f"/ideas/{second}/vote", headers=ADA).status_code == 204
    assert vote(api, third, 1, ADA).status_code == 200  # room again
    pump.drain()
    assert [votes(api, i)["net"] for i in (first, second, third)] == [-1, 0, 1]


def test_an_idea_submitted_without_budget_left_is_created_without_the_authors_vote(api, roadster):
    suggest(api, "One", ADA)
    suggest(api, "Two", ADA)
    answer = api.post("/products/roadster/ideas", {"kind": "suggestion", "title": "3", "description": "d"}, headers=ADA)
    assert answer.status_code == 201
    assert answer.json_body["my_vote"] is None


def test_resubmitting_a_customisation_records_support(api, pump, roadster):
    body = {"kind": "customisation", "options": {"colour": "green"}}
    idea_id = api.post("/products/roadster/ideas", body, headers=ADA).json_body["idea_id"]
    vote(api, idea_id, -1, BO)
    again = api.post("/products/roadster/ideas", body, headers=BO)
    assert again.status_code == 200
    assert again.json_body["my_vote"] == 1
    pump.drain()
    assert votes(api, idea_id) == {"up": 2, "down": 0, "net": 2}


def test_resubmitting_a_closed_customisation_records_no_support(api, pump, roadster):
    body = {"kind": "customisation", "options": {"colour": "green"}}
    idea_id = api.post("/products/roadster/ideas", body, headers=ADA).json_body["idea_id"]
    close(idea_id)
    again = api.post("/products/roadster/ideas", body, headers=BO)
    assert again.status_code == 200
    assert again.json_body["my_vote"] is None
    assert api.get("/me/votes", headers=BO).json_body["items"] == []
    pump.drain()
    assert votes(api, idea_id) == {"up": 1, "down": 0, "net": 1}


def test_closed_ideas_refuse_votes_and_keep_their_final_tally(api, pump, roadster):
    idea_id = suggest(api, "Cup holders", ADA)
    close(idea_id)
    for answer in (vote(api, idea_id, 1, BO), api.delete(f"/ideas/{idea_id}/vote", headers=ADA)):
        assert answer.status_code == 409
        assert answer.json_body["Code"] == "IdeaClosed"
    pump.drain()
    assert votes(api, idea_id) == {"up": 1, "down": 0, "net": 1}


def test_votes_on_closed_ideas_release_budget_but_still_count(api, pump, roadster):
    kept, closing, waiting = (suggest(api, f"Idea {n}", BO) for n in range(3))
    vote(api, kept, 1, ADA)
    vote(api, closing, -1, ADA)
    assert vote(api, waiting, 1, ADA).status_code == 409
    close(closing)
    assert vote(api, waiting, 1, ADA).status_code == 200  # the closed idea's vote made room
    pump.drain()
    assert votes(api, closing) == {"up": 1, "down": 1, "net": 0}  # released, still counted
    assert api.get(f"/ideas/{closing}", headers=ADA).json_body["my_vote"] == -1  # and still hers
    mine = api.get("/me/votes", headers=ADA).json_body
    assert sorted((v["idea_id"], v["value"]) for v in mine["items"]) == sorted([(kept, 1), (closing, -1), (waiting, 1)])
    assert mine["budgets"] == {"roadster": {"used": 2, "limit": 2}}


def test_my_votes_budget_leaves_out_votes_on_closed_ideas_before_they_are_released(api, roadster):
    kept, closing = (suggest(api, f"Idea {n}", BO) for n in range(2))
    vote(api, kept, 1, ADA)
    vote(api, closing, 1, ADA)
    close(closing)  # nothing has released the vote yet: the ballot still holds it
    mine = api.get("/me/votes", headers=ADA).json_body
    assert mine["budgets"] == {"roadster": {"used": 1, "limit": 2}}
    assert {v["idea_id"] for v in mine["items"]} == {kept, closing}


def test_my_votes_shows_budgets_per_product(api, roadster):
    idea_id = suggest(api, "Cup holders", ADA)
    api.post("/products", {"product_id": "lamp", "name": "Lamp", "vote_budget": 5}, headers=PRODUCT_TEAM)
    assert api.get("/me/votes", headers=BO).json_body == {"items": [], "budgets": {}, "next_cursor": None}
    vote(api, idea_id, 1, BO)
    assert api.get("/me/votes", headers=BO).json_body == {
        "items": [{"idea_id": idea_id, "product_id": "roadster", "value": 1}],
        "budgets": {"roadster": {"used": 1, "limit": 2}},
        "next_cursor": None,
    }
    assert api.get("/me/votes?product_id=lamp", headers=BO).json_body["budgets"] == {"lamp": {"used": 0, "limit": 5}}
    assert api.get("/me/votes?product_id=no-such", headers=BO).status_code == 404
    assert api.get("/me/votes?product_id=Bad Id", headers=BO).status_code == 400
    assert api.get("/me/votes").status_code == 401


def test_my_votes_pages_by_product(api):
    for n in range(3):
        product_id = f"p{n}"
        api.post("/products", {"product_id": product_id, "name": "P"}, headers=PRODUCT_TEAM)
        api.post(f"/products/{product_id}/ideas", {"kind": "suggestion", "title": "t", "description": "d"}, headers=ADA)
    first = api.get("/me/votes?limit=2", headers=ADA).json_body
    assert sorted(first["budgets"]) == ["p0", "p1"]
    second = api.get(f"/me/votes?limit=2&cursor={first['next_cursor']}", headers=ADA).json_body
    assert sorted(second["budgets"]) == ["p2"]
    assert second["next_cursor"] is None
    assert api.get(f"/me/votes?limit=2&cursor={first['next_cursor']}", headers=BO).status_code == 400


@pytest.mark.parametrize("value", [0, 2, "1", True, None, 1.0])
def test_a_vote_is_1_or_minus_1(api, roadster, value):
    idea_id = suggest(api, "Cup holders", ADA)
    answer = vote(api, idea_id, value, BO)
    assert answer.status_code == 400
    assert answer.json_body["Message"].startswith("value")


def test_voting_needs_a_signed_in_customer_and_a_known_idea(api, roadster):
    idea_id = suggest(api, "Cup holders", ADA)
    assert vote(api, idea_id, 1, {}).status_code == 401
    assert api.delete(f"/ideas/{idea_id}/vote").status_code == 401
    assert vote(api, "cxxxxxxxxxxxxxxxx", 1, BO).status_code == 404
    assert api.delete("/ideas/nope/vote", headers=BO).status_code == 404


@pytest.fixture
def suggested(suggestion) -> str:
    return suggestion("Roof box")


def test_votes_cast_counts_what_changed_a_ballot_and_a_new_voter_follows(services, suggested, metrics):
    voting, following = services.voting, services.following
    idea = services.ideas.get(suggested)
    metrics()
    voting.cast("bo", suggested, 1)
    assert metrics() == {"VotesCast": 1, "FollowsStarted": 1}
    assert following.following("bo", idea)
    voting.cast("bo", suggested, 1)  # the same vote: nothing changed
    assert metrics() == {}
    following.unfollow("bo", suggested)
    voting.cast("bo", suggested, -1)  # a change: not a new voter, who chose not to follow
    assert metrics() == {"VotesCast": 1}
    assert not following.following("bo", idea)


def test_a_vote_whose_ballot_keeps_changing_is_refused_as_busy(services, suggested, monkeypatch):

    def changing(*_, **__):
        raise BallotChanging("another request of the same customer")

    monkeypatch.setattr(services.voting.ballots, "cast", changing)
    with pytest.raises(BallotBusy):
        services.voting.cast("bo", suggested, 1)

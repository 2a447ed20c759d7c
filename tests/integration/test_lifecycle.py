"""The product team moves ideas through their lifecycle, in public."""

import pytest

from tests.tokens import CUSTOMER, OTHER_CUSTOMER, PRODUCT_TEAM


@pytest.fixture
def idea(api) -> str:
    api.post("/products", {"product_id": "roadster", "name": "R", "vote_budget": 1}, headers=PRODUCT_TEAM)
    body = {"kind": "suggestion", "title": "Roof rack", "description": "For two boards."}
    return api.post("/products/roadster/ideas", body, headers=CUSTOMER).json_body["idea_id"]


def patch(api, idea_id: str, body: dict, headers=PRODUCT_TEAM):
    return api.patch(f"/ideas/{idea_id}", body, headers=headers)


def listed(api, status: str) -> list[str]:
    return [i["idea_id"] for i in api.get(f"/products/roadster/ideas?status={status}").json_body["items"]]


def test_the_team_answers_publicly_and_the_idea_moves_lists(api, idea):
    answer = patch(api, idea, {"status": "under_review", "response": "We are measuring the roof."})
    assert answer.status_code == 200
    assert (answer.json_body["status"], answer.json_body["response"]) == ("under_review", "We are measuring the roof.")
    shown = api.get(f"/ideas/{idea}").json_body
    assert (shown["status"], shown["response"]) == ("under_review", "We are measuring the roof.")
    assert shown["updated_at"] > shown["created_at"]
    assert listed(api, "under_review") == [idea]
    assert listed(api, "open") == []


def test_a_forbidden_transition_is_409_and_changes_nothing(api, idea):
    answer = patch(api, idea, {"status": "available"})
    assert answer.status_code == 409
    assert answer.json_body["Code"] == "TransitionNotAllowed"
    assert "open cannot become available" in answer.json_body["Message"]
    assert api.get(f"/ideas/{idea}").json_body["status"] == "open"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "shipped"}, "status"),
        ({}, "status"),
        ({"status": "planned", "response": "x" * 5001}, "response"),
        ({"status": "declined", "merged_into": "cabcdefghijklmnop"}, "merged_into"),
        ({"status": "merged"}, "merged_into"),
        ({"status": "open", "reason": "x"}, "reason"),
    ],
)
def test_malformed_changes_are_400_naming_the_field(api, idea, body, field):
    answer = patch(api, idea, body)
    assert answer.status_code == 400
    assert answer.json_body["Message"].startswith(field)


def test_only_the_product_team_changes_status(api, idea):
    assert patch(api, idea, {"status": "planned"}, headers={}).status_code == 401
    assert patch(api, idea, {"status": "planned"}, headers=CUSTOMER).status_code == 403
    assert patch(api, "cabcdefghijklmnop", {"status": "planned"}).status_code == 404


def test_a_merged_idea_points_to_the_idea_it_joined(api, idea):
    other = api.post(
        "/products/roadster/ideas", {"kind": "suggestion", "title": "Racks", "description": "d"}, headers=OTHER_CUSTOMER
    ).json_body["idea_id"]
    answer = patch(api, idea, {"status": "merged", "merged_into": other, "response": "Joined with the racks idea."})
    assert answer.status_code == 200
    assert answer.json_body["merged_into"] == other
    assert patch(api, other, {"status": "merged", "merged_into": idea}).status_code == 409  # into a closed idea
    third = api.post(
        "/products/roadster/ideas", {"kind": "suggestion", "title": "Box", "description": "d"}, headers=OTHER_CUSTOMER
    ).json_body["idea_id"]
    again = patch(api, idea, {"status": "merged", "merged_into": third})
    assert (again.status_code, again.json_body["Code"]) == (409, "TransitionNotAllowed")
    assert f"merged into {other!r} already" in again.json_body["Message"]
    assert patch(api, idea, {"status": "merged", "merged_into": other}).status_code == 200  # the same: nothing new
    assert api.get(f"/ideas/{idea}").json_body["merged_into"] == other


def test_a_closed_idea_refuses_votes_and_frees_its_voters_budget(api, pump, idea):
    other = api.post(
        "/products/roadster/ideas", {"kind": "suggestion", "title": "Racks", "description": "d"}, headers=OTHER_CUSTOMER
    ).json_body["idea_id"]
    assert api.put(f"/ideas/{other}/vote", {"value": 1}, headers=CUSTOMER).json_body["Code"] == "VoteBudgetExhausted"
    patch(api, idea, {"status": "declined", "response": "Not for this model."})
    assert api.put(f"/ideas/{idea}/vote", {"value": -1}, headers=OTHER_CUSTOMER).json_body["Code"] == "IdeaClosed"
    assert api.put(f"/ideas/{other}/vote", {"value": 1}, headers=CUSTOMER).status_code == 200
    pump.drain()
    assert api.get(f"/ideas/{idea}").json_body["votes"]["up"] == 1  # the author's vote still counts


def test_status_changes_are_announced_once_with_the_response_however_often_their_records_come(api, pump, bus, idea):
    patch(api, idea, {"status": "under_review", "response": "Measuring."})
    patch(api, idea, {"status": "planned", "response": "Spring."})
    batches = pump.read()
    assert batches
    for shard_id, records in batches * 2:  # Lambda delivers a batch again when its function timed out
        pump.deliver(shard_id, records)
    changes = bus.received("IdeaStatusChanged")
    assert [(c["old_status"], c["new_status"], c["response"]) for c in changes] == [
        ("open", "under_review", "Measuring."),
        ("under_review", "planned", "Spring."),
    ]
    assert all(c["idea_id"] == idea for c in changes)

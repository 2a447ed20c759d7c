"""The conversation on `make run`: comments, their counts and moderation, and the attention queue, over HTTP."""

from __future__ import annotations

import uuid

import pytest

from infra.local.tokens import bearer

pytestmark = pytest.mark.e2e

TEAM = bearer("e2e-pat", "product-team")
ADA, BO = bearer("e2e-ada"), bearer("e2e-bo")
ANGRY = "The seats are terrible and the dealer was rude. Very disappointed."


@pytest.fixture
def product(local_stack, http) -> str:
    product_id = f"talk-{uuid.uuid4().hex[:8]}"
    assert http.post(f"{local_stack.url}/products", json={"product_id": product_id, "name": "T"}, headers=TEAM).ok
    return product_id


def suggest(local_stack, http, product: str, title: str) -> str:
    body = {"kind": "suggestion", "title": title, "description": "As the title says."}
    return http.post(f"{local_stack.url}/products/{product}/ideas", json=body, headers=ADA).json()["idea_id"]


def waiting(local_stack, http, product: str) -> list[str]:
    local_stack.drain()
    answer = http.get(f"{local_stack.url}/products/{product}/attention", headers=TEAM)
    assert answer.status_code == 200
    return [w["comment"]["body"] for w in answer.json()["items"]]


def test_a_negative_comment_reaches_the_queue_and_leaves_it_when_the_team_answers(local_stack, http, product):
    url = local_stack.url
    idea_id = suggest(local_stack, http, product, "Softer seats")
    posted = http.post(f"{url}/ideas/{idea_id}/comments", json={"body": ANGRY}, headers=ADA)
    assert posted.status_code == 201
    assert posted.json()["sentiment"]["label"] == "negative"
    assert posted.json()["author"] == {"id": "e2e-ada", "official": False}
    assert http.post(f"{url}/ideas/{idea_id}/comments", json={"body": "Great idea, love it!"}, headers=BO).ok
    assert waiting(local_stack, http, product) == [ANGRY]
    (queued,) = http.get(f"{url}/products/{product}/attention", headers=TEAM).json()["items"]
    assert queued["idea_id"] == idea_id and queued["waiting_seconds"] >= 0
    assert http.get(f"{url}/products/{product}/attention", headers=ADA).status_code == 403

    answer = http.post(f"{url}/ideas/{idea_id}/comments", json={"body": "New seats arrive in May."}, headers=TEAM)
    assert answer.json()["author"]["official"] is True
    assert answer.json()["sentiment"]["label"] == "neutral"
    assert waiting(local_stack, http, product) == []

    shown = http.get(f"{url}/ideas/{idea_id}").json()
    assert (shown["comments"], shown["sentiment"]) == (3, {"positive": 1, "neutral": 1, "negative": 1})
    thread = http.get(f"{url}/ideas/{idea_id}/comments?limit=2").json()
    rest = http.get(f"{url}/ideas/{idea_id}/comments", params={"cursor": thread["next_cursor"]}).json()
    assert [c["body"] for c in thread["items"] + rest["items"]] == [
        ANGRY,
        "Great idea, love it!",
        "New seats arrive in May.",
    ]


def test_a_status_change_with_a_response_answers_the_queue(local_stack, http, product):
    url = local_stack.url
    idea_id = suggest(local_stack, http, product, "A quieter cabin")
    http.post(f"{url}/ideas/{idea_id}/comments", json={"body": ANGRY}, headers=BO)
    assert waiting(local_stack, http, product) == [ANGRY]
    change = {"status": "under_review", "response": "We are measuring cabin noise."}
    assert http.patch(f"{url}/ideas/{idea_id}", json=change, headers=TEAM).ok
    assert waiting(local_stack, http, product) == []


def test_moderation_and_deletion_leave_the_thread_the_counts_and_the_queue(local_stack, http, product):
    url = local_stack.url
    idea_id = suggest(local_stack, http, product, "Cup holders")
    spam = http.post(f"{url}/ideas/{idea_id}/comments", json={"body": "Awful! Buy at spam.example"}, headers=BO)
    mine = http.post(f"{url}/ideas/{idea_id}/comments", json={"body": "Two, please."}, headers=ADA)
    spam_id, mine_id = spam.json()["comment_id"], mine.json()["comment_id"]
    assert waiting(local_stack, http, product) == ["Awful! Buy at spam.example"]

    assert http.patch(f"{url}/comments/{spam_id}", json={"hidden": True}, headers=ADA).status_code == 403
    hidden = http.patch(f"{url}/comments/{spam_id}", json={"hidden": True}, headers=TEAM)
    assert (hidden.status_code, hidden.json()["hidden"]) == (200, True)
    assert http.delete(f"{url}/comments/{mine_id}", headers=BO).status_code == 403
    assert http.delete(f"{url}/comments/{mine_id}", headers=ADA).status_code == 204

    assert http.get(f"{url}/ideas/{idea_id}/comments").json()["items"] == []
    assert waiting(local_stack, http, product) == []
    shown = http.get(f"{url}/ideas/{idea_id}").json()
    assert (shown["comments"], shown["sentiment"]) == (0, {"positive": 0, "neutral": 0, "negative": 0})


def test_a_merged_idea_takes_no_comments_and_says_where_to_go(local_stack, http, product):
    url = local_stack.url
    duplicate, original = (suggest(local_stack, http, product, title) for title in ("Roof box", "A roof box"))
    merge = {"status": "merged", "merged_into": original}
    assert http.patch(f"{url}/ideas/{duplicate}", json=merge, headers=TEAM).ok
    refused = http.post(f"{url}/ideas/{duplicate}/comments", json={"body": "Me too"}, headers=ADA)
    assert (refused.status_code, refused.json()["Code"]) == (409, "IdeaMerged")
    assert original in refused.json()["Message"]
    assert http.post(f"{url}/ideas/{duplicate}/comments", json={"body": ""}, headers=ADA).status_code == 400
    assert http.post(f"{url}/ideas/{original}/comments", json={"body": "Me too"}).status_code == 401

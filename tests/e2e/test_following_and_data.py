"""Following, notifications, email by consent, export and erasure on `make run`, over HTTP: every route of API.md's
"Following and notifications" and "Customer control of their data"."""

from __future__ import annotations

import uuid

import pytest

from infra.local.tokens import bearer

pytestmark = pytest.mark.e2e

TEAM = bearer("e2e-pat", "product-team")


@pytest.fixture
def people() -> tuple[dict[str, str], dict[str, str]]:
    """Two customers of this test's own: the local stack lives for the whole session."""
    tag = uuid.uuid4().hex[:8]
    return bearer(f"e2e-ada-{tag}"), bearer(f"e2e-bo-{tag}")


@pytest.fixture
def product(local_stack, http) -> str:
    product_id = f"loop-{uuid.uuid4().hex[:8]}"
    assert http.post(f"{local_stack.url}/products", json={"product_id": product_id, "name": "L"}, headers=TEAM).ok
    return product_id


def test_a_follower_is_told_in_the_inbox_and_by_the_mail_they_asked_for_and_one_click_stops_it(
    local_stack, http, product, people
):
    url, (ada, bo) = local_stack.url, people
    body = {"kind": "suggestion", "title": "Heated seats", "description": "For winter."}
    idea = http.post(f"{url}/products/{product}/ideas", json=body, headers=ada).json()["idea_id"]
    assert http.put(f"{url}/ideas/{idea}/subscription", headers=bo).status_code == 204
    assert http.get(f"{url}/ideas/{idea}", headers=bo).json()["following"] is True
    address = f"bo-{uuid.uuid4().hex[:6]}@example.com"
    wish = {"email": {"address": address, "events": ["status_changed"]}}
    assert http.put(f"{url}/me/preferences", json=wish, headers=bo).json()["consent"]["given_at"]

    answer = {"status": "under_review", "response": "We are pricing it."}
    assert http.patch(f"{url}/ideas/{idea}", json=answer, headers=TEAM).ok
    local_stack.drain()
    local_stack.fire("notify_followers")

    inbox = http.get(f"{url}/me/notifications", params={"unread": "true"}, headers=bo).json()
    (told,) = inbox["items"]
    assert inbox["unread"] == 1 and told["message"] == "Now under review. The product team: “We are pricing it.”"
    assert http.get(f"{url}/me/notifications", headers=ada).json()["unread"] == 1  # its author follows it
    assert http.post(f"{url}/me/notifications/read", json={"all": True}, headers=bo).status_code == 204
    assert http.get(f"{url}/me/notifications", headers=bo).json()["unread"] == 0

    (mail,) = [m for m in local_stack.mailbox() if m["to"] == address]
    assert mail["subject"] == "Heated seats: news" and "“We are pricing it.”" in mail["text"]
    assert mail["unsubscribe"].startswith(f"{url}/unsubscribe?token=")
    clicked = http.get(mail["unsubscribe"])
    assert clicked.status_code == 200 and clicked.headers["Content-Type"].startswith("text/html")
    assert http.get(f"{url}/me/preferences", headers=bo).json()["email"] is None

    assert http.delete(f"{url}/ideas/{idea}/subscription", headers=bo).status_code == 204
    assert http.get(f"{url}/ideas/{idea}", headers=bo).json()["following"] is False


def test_a_customer_takes_out_everything_and_then_leaves_with_counts_kept_right(local_stack, http, product, people):
    url, (ada, bo) = local_stack.url, people
    body = {"kind": "suggestion", "title": "Cork mats", "description": "Lighter."}
    idea = http.post(f"{url}/products/{product}/ideas", json=body, headers=bo).json()["idea_id"]
    assert http.put(f"{url}/ideas/{idea}/vote", json={"value": 1}, headers=ada).ok
    assert http.put(f"{url}/ideas/{idea}/commitment", json={"quantity": 3}, headers=ada).ok
    assert http.post(f"{url}/ideas/{idea}/comments", json={"body": "Yes please."}, headers=ada).status_code == 201
    local_stack.drain()
    assert http.get(f"{url}/ideas/{idea}").json()["votes"]["up"] == 2

    mine = http.get(f"{url}/me/export", headers=ada).json()
    assert [v["idea_id"] for v in mine["votes"]] == [idea]
    assert [c["quantity"] for c in mine["commitments"]] == [3]
    assert [c["body"] for c in mine["comments"]] == ["Yes please."]
    assert [f["idea_id"] for f in mine["follows"]] == [idea]

    assert http.delete(f"{url}/me", headers=ada).status_code == 202
    local_stack.fire("erase_customers")
    local_stack.drain()

    gone = http.get(f"{url}/me/export", headers=ada).json()
    assert [gone[k] for k in ("ideas", "votes", "commitments", "comments", "follows", "notifications")] == [[]] * 6
    assert http.get(f"{url}/ideas/{idea}").json()["votes"]["up"] == 1  # Bo's own vote only
    (comment,) = http.get(f"{url}/ideas/{idea}/comments").json()["items"]
    assert comment["body"] == "" and comment["author"]["id"] is None
    assert http.get(f"{url}/me/export", headers=bo).json()["ideas"][0]["idea_id"] == idea  # Bo keeps his

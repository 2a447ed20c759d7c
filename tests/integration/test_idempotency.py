"""A retried submission with the same Idempotency-Key gets the first answer and writes nothing new."""

import json

import pytest

from infra.local.tokens import bearer
from tests.tokens import CUSTOMER, OTHER_CUSTOMER, PRODUCT_TEAM

SUGGESTION = {"kind": "suggestion", "title": "Cup holders", "description": "Two, please."}


@pytest.fixture
def ideas_url(api) -> str:
    api.post("/products", {"product_id": "roadster", "name": "R"}, headers=PRODUCT_TEAM)
    return "/products/roadster/ideas"


def submitted(api, url) -> list[str]:
    return [i["idea_id"] for i in api.get(url + "?sort=new").json_body["items"]]


def test_a_retry_gets_the_first_answer_and_writes_nothing(api, ideas_url):
    key = {"Idempotency-Key": "retry-1"}
    first = api.post(ideas_url, SUGGESTION, headers={**CUSTOMER, **key})
    again = api.post(ideas_url, SUGGESTION, headers={**CUSTOMER, **key})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json_body == first.json_body
    assert submitted(api, ideas_url) == [first.json_body["idea_id"]]


def test_without_a_key_each_suggestion_is_new(api, ideas_url):
    api.post(ideas_url, SUGGESTION, headers=CUSTOMER)
    api.post(ideas_url, SUGGESTION, headers=CUSTOMER)
    assert len(submitted(api, ideas_url)) == 2


def test_a_key_is_the_customers_own(api, ideas_url):
    key = {"Idempotency-Key": "shared-key"}
    mine = api.post(ideas_url, SUGGESTION, headers={**CUSTOMER, **key}).json_body["idea_id"]
    theirs = api.post(ideas_url, SUGGESTION, headers={**OTHER_CUSTOMER, **key}).json_body["idea_id"]
    assert mine != theirs


def test_a_key_reused_for_another_request_is_refused(api, ideas_url):
    key = {"Idempotency-Key": "once-only"}
    api.post(ideas_url, SUGGESTION, headers={**CUSTOMER, **key})
    other = api.post(ideas_url, {**SUGGESTION, "title": "Something else"}, headers={**CUSTOMER, **key})
    assert other.status_code == 409
    assert other.json_body["Code"] == "IdempotencyKeyReused"
    assert len(submitted(api, ideas_url)) == 1


@pytest.mark.parametrize("key", ["", "has spaces", "x" * 129, "naïve"])
def test_a_malformed_key_is_400(api, ideas_url, key):
    answer = api.post(ideas_url, SUGGESTION, headers={**CUSTOMER, "Idempotency-Key": key})
    assert answer.status_code == 400
    assert answer.json_body["Message"].startswith("Idempotency-Key")
    assert submitted(api, ideas_url) == []


def test_a_failed_request_is_not_remembered(api, ideas_url):
    key = {"Idempotency-Key": "after-a-failure"}
    assert api.post("/products/nope/ideas", SUGGESTION, headers={**CUSTOMER, **key}).status_code == 404
    assert api.post(ideas_url, SUGGESTION, headers={**CUSTOMER, **key}).status_code == 201


def test_the_same_key_and_body_to_another_product_is_another_request(api, ideas_url):
    api.post("/products", {"product_id": "desk-lamp", "name": "L"}, headers=PRODUCT_TEAM)
    key = {"Idempotency-Key": "retry-1"}
    api.post(ideas_url, SUGGESTION, headers={**CUSTOMER, **key})
    lamp = api.post("/products/desk-lamp/ideas", SUGGESTION, headers={**CUSTOMER, **key})
    assert lamp.status_code == 409  # refused as a reuse, never answered with the roadster's idea
    assert lamp.json_body["Code"] == "IdempotencyKeyReused"
    assert submitted(api, "/products/desk-lamp/ideas") == []


def test_one_customers_key_never_reads_as_anothers(api, ideas_url):
    mallory, mallory_alice = bearer("mallory"), bearer("mallory:alice")
    first = api.post(ideas_url, SUGGESTION, headers={**mallory_alice, "Idempotency-Key": "retry-1"})
    second = api.post(ideas_url, SUGGESTION, headers={**mallory, "Idempotency-Key": "alice:retry-1"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json_body["idea_id"] != second.json_body["idea_id"]


def test_a_retry_with_other_whitespace_or_key_order_is_the_same_request(api, ideas_url):
    key = {"Idempotency-Key": "retry-2", "Content-Type": "application/json"}
    first = api.request("POST", ideas_url, body=json.dumps(SUGGESTION).encode(), headers={**CUSTOMER, **key})
    reordered = json.dumps(dict(reversed(SUGGESTION.items())), indent=4).encode()
    again = api.request("POST", ideas_url, body=reordered, headers={**CUSTOMER, **key})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json_body == first.json_body
    assert submitted(api, ideas_url) == [first.json_body["idea_id"]]


def test_a_route_that_takes_no_key_ignores_one(api, ideas_url):
    """Preferences are set whole, so a retry is harmless: the key is not remembered, and another body under it is
    no reuse."""
    key = {"Idempotency-Key": "prefs-1"}
    for address in ("ada@example.com", "ada@example.org"):
        body = {"email": {"address": address, "events": ["status_changed"]}}
        assert api.put("/me/preferences", body, headers={**CUSTOMER, **key}).status_code == 200
    assert api.get("/me/preferences", headers=CUSTOMER).json_body["email"]["address"] == "ada@example.org"

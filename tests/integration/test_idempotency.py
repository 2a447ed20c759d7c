"""A retried submission with the same Idempotency-Key gets the first answer and writes nothing new."""

import pytest

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

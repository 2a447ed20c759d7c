"""Bad input is a clear 4xx naming what is wrong, never a 500, and writes nothing."""

import pytest

from tests.tokens import CUSTOMER, PRODUCT_TEAM


@pytest.fixture
def catalogue(api):
    api.post(
        "/products", {"product_id": "roadster", "name": "Roadster", "options": {"c": ["red"]}}, headers=PRODUCT_TEAM
    )
    return api


def nothing_written(api):
    products = api.get("/products").json_body["items"]
    ideas = api.get("/products/roadster/ideas?sort=new").json_body["items"]
    return [p["product_id"] for p in products] == ["roadster"] and ideas == []


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"", "a JSON object is required"),
        (b"   ", "a JSON object is required"),
        (b"{", "is not valid JSON"),
        (b"{'kind': 'suggestion'}", "is not valid JSON"),
        (b'{"kind": "suggestion", "title": NaN}', "NaN is not a JSON number"),
        (b'{"kind": "suggestion", "title": Infinity}', "Infinity is not a JSON number"),
        (b'{"kind": "suggestion", "kind": "customisation"}', "names a field twice"),
        (b"[" * 20000 + b"]" * 20000, None),  # 40 KB: too large before it is too deep
        (b"[" * 10000 + b"]" * 10000, "nested too deeply"),
        (b'["a", "list"]', "must be a JSON object"),
        (b'"text"', "must be a JSON object"),
        (b"\xff\xfe{}", "is not UTF-8"),
        (b'{"kind": "suggestion", "title": "a\\u0000b", "description": "d"}', "title"),
        (b'{"kind": "suggestion", "title": null, "description": "d"}', "title"),
        (b'{"kind": "suggestion", "title": "\\u200b\\u200b", "description": "d"}', "title: must contain visible text"),
        (b'{"kind": "suggestion", "title": "a\\u202eb", "description": "d"}', "title: must be one line of text"),
        (b'{"kind": "suggestion", "title": "t", "description": "a\\u0085b"}', "description: must be text without"),
        (b'{"kind": "suggestion", "title": "a\\ud800b", "description": "d"}', "hex escape"),  # half a character
        (b'{"kind": "poem", "title": "t"}', "kind: must be one of: 'customisation', 'suggestion'"),
        (b'{"title": "t"}', "kind: is required"),
    ],
)
def test_a_malformed_body_is_refused_and_writes_nothing(catalogue, raw, says):
    answer = catalogue.request("POST", "/products/roadster/ideas", body=raw, headers=CUSTOMER)
    assert answer.status_code == (413 if len(raw) > 32 * 1024 else 400)
    assert set(answer.json_body) == {"Code", "Message"}
    if says:
        assert says in answer.json_body["Message"]
    assert nothing_written(catalogue)


def test_a_body_over_32_kib_is_413(catalogue):
    big = {"kind": "suggestion", "title": "Big", "description": "x" * (33 * 1024)}
    answer = catalogue.post("/products/roadster/ideas", big, headers=CUSTOMER)
    assert answer.status_code == 413
    assert answer.json_body["Code"] == "RequestEntityTooLargeError"
    assert nothing_written(catalogue)


def test_the_body_limit_is_32_kib_to_the_byte(catalogue):
    body = b'{"kind": "suggestion", "title": "Padded", "description": "d"}'
    exactly = body.ljust(32 * 1024)  # JSON may end in whitespace
    assert catalogue.request("POST", "/products/roadster/ideas", body=exactly, headers=CUSTOMER).status_code == 201
    over = catalogue.request("POST", "/products/roadster/ideas", body=exactly + b" ", headers=CUSTOMER)
    assert over.status_code == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_refused_by_media_type(catalogue, content_type):
    suggestion = b'{"kind": "suggestion", "title": "t", "description": "d"}'
    headers = {**CUSTOMER, "Content-Type": content_type}
    answer = catalogue.request("POST", "/products/roadster/ideas", body=suggestion, headers=headers)
    assert answer.status_code == 415
    assert "Content-Type: application/json" in answer.json_body["Message"]
    assert nothing_written(catalogue)


def test_identity_is_checked_before_the_media_type(catalogue):
    # As API Gateway's authorizer runs first in the cloud.
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert catalogue.request("POST", "/products/roadster/ideas", body=b"a=b", headers=headers).status_code == 401


def test_a_json_media_type_with_parameters_is_json(catalogue):
    suggestion = b'{"kind": "suggestion", "title": "t", "description": "d"}'
    headers = {**CUSTOMER, "Content-Type": "application/json; charset=utf-8"}
    assert catalogue.request("POST", "/products/roadster/ideas", body=suggestion, headers=headers).status_code == 201


def test_a_request_without_a_body_may_name_any_media_type(catalogue):
    assert catalogue.request("GET", "/products/roadster", headers={"Content-Type": "text/plain"}).status_code == 200


def test_nothing_in_the_body_chooses_who_submits(catalogue):
    body = {"kind": "suggestion", "title": "t", "description": "d", "customer_id": "someone-else"}
    answer = catalogue.post("/products/roadster/ideas", body, headers=CUSTOMER)
    assert answer.status_code == 400
    assert "customer_id: is not part of this request" in answer.json_body["Message"]

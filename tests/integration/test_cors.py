"""A browser front end on another origin can read the API's answers, errors too. (Preflights: tests/e2e.)"""

import pytest

from tests.tokens import CUSTOMER, PRODUCT_TEAM


@pytest.fixture
def roadster(api):
    api.post("/products", {"product_id": "roadster", "name": "R"}, headers=PRODUCT_TEAM)


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("GET", "/products/roadster", None, {}, 200),
        ("POST", "/products/roadster/ideas", {"kind": "nope"}, CUSTOMER, 400),
        ("POST", "/products/roadster/ideas", {"kind": "nope"}, {}, 401),
        ("POST", "/products/roadster/ideas", {"kind": "nope"}, {"Authorization": "garbage"}, 401),
        ("POST", "/products", {"product_id": "x"}, CUSTOMER, 403),
        ("GET", "/ideas/cabcdefghijklmnop", None, {}, 404),
        ("POST", "/products", {"product_id": "roadster", "name": "R"}, PRODUCT_TEAM, 409),
        ("POST", "/products/roadster/ideas", {"kind": "suggestion", "title": "x" * 40_000}, CUSTOMER, 413),
    ],
)
def test_every_answer_carries_the_allowed_origin(api, roadster, method, path, body, headers, status):
    answer = api.request(method, path, json_body=body, headers={"Origin": "https://shop.example", **headers})
    assert answer.status_code == status
    assert answer.headers["Access-Control-Allow-Origin"] == "*"

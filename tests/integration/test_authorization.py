"""Who may call what: every route, as every kind of caller. A route without a row here fails the first test."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.wiring import services
from infra.local.tokens import bearer

ANONYMOUS: dict[str, str] = {}
GARBAGE = {"Authorization": "Bearer garbage"}
CUSTOMER = bearer("matrix-ada")
OTHER_CUSTOMER = bearer("matrix-bo")
OTHER_GROUP = bearer("matrix-gus", "beta-testers")  # in a Cognito group, but not the product team's
PRODUCT_TEAM = bearer("matrix-pat", "product-team")
CALLERS = {
    "anonymous": ANONYMOUS,
    "garbage token": GARBAGE,
    "customer": CUSTOMER,
    "another customer": OTHER_CUSTOMER,
    "another group": OTHER_GROUP,
    "product team": PRODUCT_TEAM,
}

_unique = itertools.count()


def new_product() -> dict[str, Any]:
    return {"product_id": f"matrix-{next(_unique)}", "name": "M"}


def new_suggestion() -> dict[str, Any]:
    return {"kind": "suggestion", "title": f"Idea {next(_unique)}", "description": "d"}


# (method, route) -> (path to call, body to send, expected status for each caller, in CALLERS' order)
Body = Callable[[], dict[str, Any]] | None
MATRIX: dict[tuple[str, str], tuple[str, Body, tuple[int, ...]]] = {
    ("GET", "/health"): ("/health", None, (200, 200, 200, 200, 200, 200)),
    ("HEAD", "/health"): ("/health", None, (200, 200, 200, 200, 200, 200)),
    ("GET", "/openapi.json"): ("/openapi.json", None, (200, 200, 200, 200, 200, 200)),
    ("POST", "/products"): ("/products", new_product, (401, 401, 403, 403, 403, 201)),
    ("GET", "/products"): ("/products", None, (200, 200, 200, 200, 200, 200)),
    ("GET", "/products/{product_id}"): ("/products/roadster", None, (200, 200, 200, 200, 200, 200)),
    ("POST", "/products/{product_id}/ideas"): (
        "/products/roadster/ideas",
        new_suggestion,
        (401, 401, 201, 201, 201, 201),
    ),
    ("GET", "/products/{product_id}/ideas"): ("/products/roadster/ideas", None, (200, 200, 200, 200, 200, 200)),
    ("GET", "/products/{product_id}/ideas/similar"): (
        "/products/roadster/ideas/similar?q=roof",
        None,
        (200, 200, 200, 200, 200, 200),
    ),
    ("GET", "/ideas/{idea_id}"): ("/ideas/{idea}", None, (200, 200, 200, 200, 200, 200)),
    ("PATCH", "/ideas/{idea_id}"): ("/ideas/{idea}", lambda: {"status": "open"}, (401, 401, 403, 403, 403, 200)),
    ("PUT", "/ideas/{idea_id}/vote"): ("/ideas/{idea}/vote", lambda: {"value": 1}, (401, 401, 200, 200, 200, 200)),
    ("DELETE", "/ideas/{idea_id}/vote"): ("/ideas/{idea}/vote", None, (401, 401, 204, 204, 204, 204)),
    ("PUT", "/ideas/{idea_id}/commitment"): (  # the idea's author up-votes it; the others need to: VoteRequired
        "/ideas/{idea}/commitment",
        lambda: {"quantity": 1},
        (401, 401, 200, 409, 409, 409),
    ),
    ("DELETE", "/ideas/{idea_id}/commitment"): ("/ideas/{idea}/commitment", None, (401, 401, 204, 204, 204, 204)),
    ("GET", "/me/votes"): ("/me/votes", None, (401, 401, 200, 200, 200, 200)),
    ("POST", "/ideas/{idea_id}/comments"): (
        "/ideas/{idea}/comments",
        lambda: {"body": "Lovely."},
        (401, 401, 201, 201, 201, 201),
    ),
    ("GET", "/ideas/{idea_id}/comments"): ("/ideas/{idea}/comments", None, (200, 200, 200, 200, 200, 200)),
    # The comment is the product team's: no customer may delete it, not even another one's own.
    ("DELETE", "/comments/{comment_id}"): ("/comments/{comment}", None, (401, 401, 403, 403, 403, 204)),
    ("PATCH", "/comments/{comment_id}"): (
        "/comments/{comment}",
        lambda: {"hidden": True},
        (401, 401, 403, 403, 403, 200),
    ),
    ("GET", "/products/{product_id}/attention"): (
        "/products/roadster/attention",
        None,
        (401, 401, 403, 403, 403, 200),
    ),
    ("POST", "/products/{product_id}/demand"): ("/products/roadster/demand", None, (401, 401, 403, 403, 403, 200)),
    ("GET", "/products/{product_id}/demand"): ("/products/roadster/demand", None, (401, 401, 403, 403, 403, 200)),
    ("GET", "/products/{product_id}/demand.csv"): (
        "/products/roadster/demand.csv",
        None,
        (401, 401, 403, 403, 403, 200),
    ),
    ("PUT", "/ideas/{idea_id}/subscription"): ("/ideas/{idea}/subscription", None, (401, 401, 204, 204, 204, 204)),
    ("DELETE", "/ideas/{idea_id}/subscription"): (
        "/ideas/{idea}/subscription",
        None,
        (401, 401, 204, 204, 204, 204),
    ),
    ("GET", "/me/notifications"): ("/me/notifications", None, (401, 401, 200, 200, 200, 200)),
    ("POST", "/me/notifications/read"): (
        "/me/notifications/read",
        lambda: {"all": True},
        (401, 401, 204, 204, 204, 204),
    ),
    ("GET", "/me/preferences"): ("/me/preferences", None, (401, 401, 200, 200, 200, 200)),
    ("PUT", "/me/preferences"): ("/me/preferences", lambda: {"email": None}, (401, 401, 200, 200, 200, 200)),
    # Signed links: whoever holds one may use it, whoever they are signed in as.
    ("GET", "/unsubscribe"): ("/unsubscribe?token={token}", None, (200, 200, 200, 200, 200, 200)),
    ("GET", "/me/export"): ("/me/export", None, (401, 401, 200, 200, 200, 200)),
    ("DELETE", "/me"): ("/me", None, (401, 401, 202, 202, 202, 202)),
}


def test_every_route_has_a_row_in_the_matrix():
    from app import app

    routes = {(method, path) for path, methods in app.routes.items() for method in methods}
    assert routes == set(MATRIX)


@pytest.fixture
def world(api) -> dict[str, str]:
    api.post("/products", {"product_id": "roadster", "name": "Roadster"}, headers=PRODUCT_TEAM)
    idea = api.post("/products/roadster/ideas", new_suggestion(), headers=CUSTOMER).json_body["idea_id"]
    api.post("/products/roadster/demand", headers=PRODUCT_TEAM)
    comment = api.post(f"/ideas/{idea}/comments", {"body": "Thanks!"}, headers=PRODUCT_TEAM).json_body["comment_id"]
    token = services().notifications.links.token("matrix-ada")
    return {"idea": idea, "comment": comment, "token": token}


@pytest.mark.parametrize(("method", "route"), sorted(MATRIX))
def test_each_caller_gets_the_status_the_matrix_says(api, world, method, route):
    path, body, expected = MATRIX[(method, route)]
    got = []
    for headers in CALLERS.values():
        answer = api.request(method, path.format(**world), json_body=body() if body else None, headers=headers)
        got.append(answer.status_code)
        if answer.status_code == 401:
            assert answer.json_body["Code"] == "UnauthorizedError"
    assert dict(zip(CALLERS, got, strict=True)) == dict(zip(CALLERS, expected, strict=True))


def test_nothing_in_the_body_or_query_chooses_whose_vote_it_is(api, world):
    idea = world["idea"]
    sneaky = api.put(
        f"/ideas/{idea}/vote?customer_id=matrix-bo", {"value": -1, "customer_id": "matrix-bo"}, headers=CUSTOMER
    )
    assert sneaky.status_code == 400  # neither the query nor the body may name a customer
    assert "customer_id: is not part of this request" in sneaky.json_body["Message"]
    assert api.put(f"/ideas/{idea}/vote", {"value": -1}, headers=CUSTOMER).status_code == 200
    assert api.get(f"/ideas/{idea}", headers=CUSTOMER).json_body["my_vote"] == -1
    assert api.get("/me/votes", headers=OTHER_CUSTOMER).json_body["items"] == []

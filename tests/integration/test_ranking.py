"""The four orders of a product's ideas, after votes are counted."""

import pytest

from infra.local.tokens import bearer
from tests.tokens import PRODUCT_TEAM


@pytest.fixture
def ranked(api, pump):
    """Four ideas, oldest first, with (up, down) including each author's own up-vote:
    A (6, 0), B (3, 0), C (10, 5), D (3, 0) -- D is B's twin, newer."""
    api.post("/products", {"product_id": "roadster", "name": "R", "vote_budget": 50}, headers=PRODUCT_TEAM)
    plan = {"A": (6, 0), "B": (3, 0), "C": (10, 5), "D": (3, 0)}
    ids = {}
    for name, (up, down) in plan.items():
        body = {"kind": "suggestion", "title": name, "description": "d"}
        ids[name] = api.post("/products/roadster/ideas", body, headers=bearer(f"author-{name}")).json_body["idea_id"]
        voters = [1] * (up - 1) + [-1] * down
        for n, value in enumerate(voters):
            api.put(f"/ideas/{ids[name]}/vote", {"value": value}, headers=bearer(f"voter-{n}"))
    pump.drain()
    return {idea_id: name for name, idea_id in ids.items()}


def order(api, ranked, sort: str) -> list[str]:
    items = api.get(f"/products/roadster/ideas?sort={sort}").json_body["items"]
    return [ranked[i["idea_id"]] for i in items]


def test_top_ranks_by_net_votes_newer_first_on_ties(api, ranked):
    assert order(api, ranked, "top") == ["A", "C", "D", "B"]


def test_confidence_ranks_by_the_wilson_lower_bound(api, ranked):
    # C has the most votes but the smallest sure share: (10, 5) -> 0.417, below (3, 0) -> 0.439.
    assert order(api, ranked, "confidence") == ["A", "D", "B", "C"]


def test_hot_ranks_by_net_votes_and_then_recency(api, ranked):
    assert order(api, ranked, "hot") == ["A", "C", "D", "B"]


def test_new_ranks_by_submission(api, ranked):
    assert order(api, ranked, "new") == ["D", "C", "B", "A"]


def test_the_default_order_is_top(api, ranked):
    assert order(api, ranked, "top") == [
        ranked[i["idea_id"]] for i in api.get("/products/roadster/ideas").json_body["items"]
    ]


@pytest.mark.parametrize("sort", ["top", "hot", "confidence", "new"])
def test_every_order_pages_through_every_idea_once(api, ranked, sort):
    seen, cursor = [], None
    while True:
        page = api.get(
            f"/products/roadster/ideas?sort={sort}&limit=3" + (f"&cursor={cursor}" if cursor else "")
        ).json_body
        seen += [ranked[i["idea_id"]] for i in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == order(api, ranked, sort)


def test_scores_are_shown_with_the_counts(api, ranked):
    a = next(i for i in api.get("/products/roadster/ideas").json_body["items"] if ranked[i["idea_id"]] == "A")
    assert a["votes"] == {"up": 6, "down": 0, "net": 6}
    assert a["scores"]["confidence"] == pytest.approx(0.6097, abs=1e-4)

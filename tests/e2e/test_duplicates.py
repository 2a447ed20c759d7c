"""Duplicates on `make run`: a merge carries its supporters to the idea it merged into, over HTTP."""

from __future__ import annotations

import uuid

import pytest

from infra.local.tokens import bearer

pytestmark = pytest.mark.e2e

TEAM = bearer("e2e-pat", "product-team")
ADA, BO, CY = bearer("e2e-ada"), bearer("e2e-bo"), bearer("e2e-cy")


@pytest.fixture
def product(local_stack, http) -> str:
    product_id = f"dup-{uuid.uuid4().hex[:8]}"
    body = {"product_id": product_id, "name": "D", "vote_budget": 2}
    assert http.post(f"{local_stack.url}/products", json=body, headers=TEAM).ok
    return product_id


def suggest(local_stack, http, product: str, title: str, author) -> str:
    body = {"kind": "suggestion", "title": title, "description": "As the title says."}
    answer = http.post(f"{local_stack.url}/products/{product}/ideas", json=body, headers=author)
    assert answer.status_code == 201
    return answer.json()["idea_id"]


def test_a_merge_carries_its_supporters_to_the_idea_it_merged_into(local_stack, http, product):
    url = local_stack.url
    box = suggest(local_stack, http, product, "A roof box", ADA)
    rack = suggest(local_stack, http, product, "Roof rack with a box", CY)
    assert http.put(f"{url}/ideas/{box}/vote", json={"value": 1}, headers=BO).ok
    assert http.put(f"{url}/ideas/{box}/commitment", json={"quantity": 2}, headers=BO).ok
    merged = http.patch(f"{url}/ideas/{box}", json={"status": "merged", "merged_into": rack}, headers=TEAM)
    assert (merged.status_code, merged.json()["merged_into"]) == (200, rack)

    local_stack.fire("move_merged_support")
    local_stack.drain()

    shown = http.get(f"{url}/ideas/{rack}").json()
    assert shown["votes"]["up"] == 3  # Cy, and Ada and Bo moved
    assert http.get(f"{url}/ideas/{box}").json()["votes"]["up"] == 2  # its final tally
    mine = http.get(f"{url}/me/votes", params={"product_id": product}, headers=BO).json()
    assert {v["idea_id"]: v["value"] for v in mine["items"]} == {box: 1, rack: 1}
    assert mine["budgets"][product]["used"] == 1
    report = http.post(f"{url}/products/{product}/demand", headers=TEAM).json()
    assert [(i["idea_id"], i["supporters"], i["committed_units"]) for i in report["items"]] == [(rack, 3, 2)]

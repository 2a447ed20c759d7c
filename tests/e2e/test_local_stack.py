"""`make run` as a newcomer meets it: demo data, the Products and Ideas routes, exact status codes."""

from __future__ import annotations

import socket
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from infra.local import process
from infra.local.tokens import bearer

pytestmark = pytest.mark.e2e

TEAM = bearer("e2e-pat", "product-team")
ADA = bearer("e2e-ada")


def new_product(local_stack, http) -> str:
    product_id = f"e2e-{uuid.uuid4().hex[:8]}"
    body = {"product_id": product_id, "name": "Bike", "options": {"frame": ["steel", "carbon"], "bell": ["yes", "no"]}}
    assert http.post(f"{local_stack.url}/products", json=body, headers=TEAM).status_code == 201
    return product_id


def test_the_demo_catalogue_and_ideas_are_there(local_stack, http):
    products = http.get(f"{local_stack.url}/products").json()["items"]
    assert {"roadster", "trail-shoe", "desk-lamp"} <= {p["product_id"] for p in products}
    ideas = http.get(f"{local_stack.url}/products/roadster/ideas?sort=new").json()["items"]
    assert len(ideas) >= 4


def test_products_over_http(local_stack, http):
    product_id = new_product(local_stack, http)
    url = f"{local_stack.url}/products"
    assert http.post(url, json={"product_id": product_id, "name": "Again"}, headers=TEAM).status_code == 409
    assert http.post(url, json={"product_id": "x1", "name": "X"}, headers=ADA).status_code == 403
    assert http.post(url, json={"product_id": "x1", "name": "X"}).status_code == 401
    assert http.post(url, json={"product_id": "x1", "name": "X"}, headers={"Authorization": "junk"}).status_code == 401
    assert http.get(f"{url}/{product_id}").json()["name"] == "Bike"
    assert http.get(f"{url}/no-such-product").status_code == 404
    assert http.get(f"{url}?limit=0").status_code == 400


def test_ideas_over_http(local_stack, http):
    product_id = new_product(local_stack, http)
    url = f"{local_stack.url}/products/{product_id}/ideas"
    first = http.post(url, json={"kind": "customisation", "options": {"frame": "steel", "bell": "yes"}}, headers=ADA)
    assert first.status_code == 201
    same = http.post(url, json={"kind": "customisation", "options": {"BELL": "Yes", "Frame": "Steel"}}, headers=ADA)
    assert same.status_code == 200
    assert same.json()["idea_id"] == first.json()["idea_id"]
    assert http.post(url, json={"kind": "customisation", "options": {"frame": "gold"}}, headers=ADA).status_code == 400
    assert http.post(url, data=b"{not json", headers={**ADA, "Content-Type": "application/json"}).status_code == 400
    idea_id = first.json()["idea_id"]
    assert http.get(f"{local_stack.url}/ideas/{idea_id}").json()["status"] == "open"
    assert [i["idea_id"] for i in http.get(f"{url}?sort=new").json()["items"]] == [idea_id]


def test_simultaneous_identical_customisations_make_one_idea(local_stack, http):
    product_id = new_product(local_stack, http)
    url = f"{local_stack.url}/products/{product_id}/ideas"
    body = {"kind": "customisation", "options": {"frame": "carbon", "bell": "no"}}

    def submit(n: int):
        return http.post(url, json=body, headers=bearer(f"e2e-racer-{n}"))

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(submit, range(20)))
    assert sorted(a.status_code for a in answers) == [200] * 19 + [201]
    assert len({a.json()["idea_id"] for a in answers}) == 1


def test_demo_votes_are_counted_from_the_start(local_stack, http):
    ideas = http.get(f"{local_stack.url}/products/roadster/ideas?sort=top").json()["items"]
    green = next(i for i in ideas if i["options"] == {"colour": "matte green", "interior": "cork"})
    assert green["votes"] == {"up": 4, "down": 1, "net": 3}  # the author and three others for, one against


def test_forty_customers_voting_at_once_are_all_counted(local_stack, http):
    product_id = new_product(local_stack, http)
    idea = {"kind": "suggestion", "title": "Mudguards", "description": "For rainy commutes."}
    idea_id = http.post(f"{local_stack.url}/products/{product_id}/ideas", json=idea, headers=ADA).json()["idea_id"]

    def vote(n: int):
        value = 1 if n % 4 else -1
        answer = http.put(
            f"{local_stack.url}/ideas/{idea_id}/vote", json={"value": value}, headers=bearer(f"e2e-voter-{n}")
        )
        return answer.status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        assert set(pool.map(vote, range(40))) == {200}
    local_stack.drain()
    shown = http.get(f"{local_stack.url}/ideas/{idea_id}", headers=ADA).json()
    assert shown["votes"] == {"up": 31, "down": 10, "net": 21}  # 30 voters and the author for, 10 against
    assert shown["my_vote"] == 1


def test_votes_rank_ideas_over_http(local_stack, http):
    product_id = new_product(local_stack, http)
    url = f"{local_stack.url}/products/{product_id}/ideas"
    older = http.post(url, json={"kind": "suggestion", "title": "Older", "description": "d"}, headers=ADA).json()
    http.post(url, json={"kind": "suggestion", "title": "Newer", "description": "d"}, headers=ADA)
    for n in range(3):
        http.put(f"{local_stack.url}/ideas/{older['idea_id']}/vote", json={"value": 1}, headers=bearer(f"e2e-fan-{n}"))
    local_stack.drain()
    assert [i["title"] for i in http.get(f"{url}?sort=top").json()["items"]] == ["Older", "Newer"]
    assert [i["title"] for i in http.get(f"{url}?sort=new").json()["items"]] == ["Newer", "Older"]


def test_a_browser_preflight_allows_the_methods_and_headers_a_front_end_sends(local_stack, http):
    answer = http.options(
        f"{local_stack.url}/ideas/cabcdefghijklmnop/vote",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "PUT"},
    )
    assert answer.status_code == 200
    assert set(answer.headers["Access-Control-Allow-Methods"].split(",")) == {"PUT", "DELETE", "OPTIONS"}
    allowed = {h.strip().lower() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_a_flood_from_one_customer_meets_429_while_another_is_served(local_stack, http):
    product_id = new_product(local_stack, http)
    body = {"kind": "suggestion", "title": "Panniers", "description": "d"}
    idea_id = http.post(f"{local_stack.url}/products/{product_id}/ideas", json=body, headers=ADA).json()["idea_id"]
    flooder = bearer(f"e2e-flooder-{uuid.uuid4().hex[:6]}")
    url = f"{local_stack.url}/ideas/{idea_id}/vote"
    # Every request changes the vote, or would: the same vote again writes nothing and is never limited.
    statuses, held = [], None
    for _ in range(120):
        value = -1 if held == 1 else 1
        status = http.put(url, json={"value": value}, headers=flooder).status_code
        statuses.append(status)
        held = value if status == 200 else held
    assert statuses.count(200) <= 60  # 30 a minute: at most two minutes' worth if the flood spans a boundary
    assert statuses.count(429) >= 60
    assert http.put(url, json={"value": -1}, headers=ADA).status_code == 200


def test_ctrl_c_stops_the_api_the_pump_and_moto_and_frees_their_ports():
    stack = process.start()
    assert stack.stop() == 0
    for port in (stack.api_port, stack.moto_port, stack.pump_port):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))  # would raise if anything still listened


@pytest.mark.parametrize("headers", [{}, ADA])
def test_an_unknown_route_is_404_in_the_apis_error_shape(local_stack, http, headers):
    answer = http.get(f"{local_stack.url}/no/such/route", headers=headers)
    assert answer.status_code == 404
    assert answer.json() == {"Code": "NotFoundError", "Message": "no such route; GET /openapi.json lists every route"}


def test_head_health_answers_without_a_body_and_the_connection_goes_on(local_stack, http):
    head = http.head(f"{local_stack.url}/health")
    assert head.status_code == 200
    assert head.content == b""
    assert http.get(f"{local_stack.url}/health").json() == {"status": "ok"}  # on the same connection

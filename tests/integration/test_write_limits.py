"""Per-customer write limits: one customer's flood meets 429, everyone else is served."""

from datetime import UTC, datetime

import pytest

from chalicelib import wiring
from tests.tokens import CUSTOMER, OTHER_CUSTOMER, PRODUCT_TEAM

NOON = datetime(2026, 11, 22, 12, 0, 15, tzinfo=UTC)


@pytest.fixture
def idea(api) -> str:
    api.post("/products", {"product_id": "roadster", "name": "R"}, headers=PRODUCT_TEAM)
    wiring.services().write_limiter.clock = lambda: NOON  # the flood falls in one minute, however slow the machine
    body = {"kind": "suggestion", "title": "Cup holders", "description": "d"}
    return api.post("/products/roadster/ideas", body, headers=OTHER_CUSTOMER).json_body["idea_id"]


def test_a_flood_of_120_writes_meets_429_while_another_customer_is_served(api, idea):
    answers = [api.put(f"/ideas/{idea}/vote", {"value": 1 if n % 2 else -1}, headers=CUSTOMER) for n in range(120)]
    statuses = [a.status_code for a in answers]
    assert statuses == [200] * 30 + [429] * 90
    refused = answers[-1]
    assert refused.json_body["Code"] == "TooManyRequestsError"
    assert refused.headers["Retry-After"] == "45"  # the minute ends 45 seconds after 12:00:15
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    assert api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=OTHER_CUSTOMER).status_code == 200
    assert api.get(f"/ideas/{idea}").status_code == 200  # reads are never limited


def test_the_next_minute_brings_a_fresh_allowance(api, idea):
    for _ in range(30):
        api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CUSTOMER)
    assert api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CUSTOMER).status_code == 429
    wiring.services().write_limiter.clock = lambda: NOON.replace(minute=1)
    assert api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CUSTOMER).status_code == 200


def test_counters_expire_by_ttl(api, aws, idea, local_environment):
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CUSTOMER)
    table = aws.client("dynamodb")
    window = int(NOON.timestamp()) // 60
    item = table.get_item(
        TableName=local_environment["COCREATE_TABLE"],
        Key={"PK": {"S": "LIMIT#customer-ada"}, "SK": {"S": f"WINDOW#{window}"}},
    )["Item"]
    assert int(item["hits"]["N"]) == 1
    assert int(item["expires_at"]["N"]) == (window + 2) * 60

"""Per-customer write limits: one customer's flood meets 429, everyone else is served. Votes, changes and
withdrawals count on the product's ballot, in the vote's own write; every other write counts on a counter of its
own."""

from datetime import UTC, datetime

import pytest

from chalicelib import wiring
from tests.tokens import CUSTOMER, OTHER_CUSTOMER, PRODUCT_TEAM

NOON = datetime(2026, 11, 22, 12, 0, 15, tzinfo=UTC)


def at(moment: datetime) -> None:
    """The flood falls in one minute, however slow the machine."""
    services = wiring.services()
    services.write_limiter.clock = lambda: moment
    services.voting.ballots.clock = lambda: moment


@pytest.fixture
def idea(api) -> str:
    for product_id in ("roadster", "lamp"):
        api.post("/products", {"product_id": product_id, "name": "P"}, headers=PRODUCT_TEAM)
    at(NOON)
    body = {"kind": "suggestion", "title": "Cup holders", "description": "d"}
    return api.post("/products/roadster/ideas", body, headers=OTHER_CUSTOMER).json_body["idea_id"]


def test_a_flood_of_120_votes_meets_429_while_another_customer_is_served(api, idea):
    answers = [api.put(f"/ideas/{idea}/vote", {"value": 1 if n % 2 else -1}, headers=CUSTOMER) for n in range(120)]
    statuses = [a.status_code for a in answers]
    assert statuses[:30] == [200] * 30
    # Past the limit every change is refused; the vote it already holds, sent again, writes nothing and is 200.
    assert statuses[30:] == [429, 200] * 45
    assert api.get(f"/ideas/{idea}", headers=CUSTOMER).json_body["my_vote"] == 1  # the 30th vote's
    refused = answers[-2]
    assert refused.json_body["Code"] == "TooManyRequestsError"
    assert refused.headers["Retry-After"] == "45"  # the minute ends 45 seconds after 12:00:15
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    assert api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=OTHER_CUSTOMER).status_code == 200
    assert api.get(f"/ideas/{idea}").status_code == 200  # reads are never limited


def test_withdrawals_count_too_and_the_next_minute_brings_a_fresh_allowance(api, idea):
    for _ in range(14):  # 28 writes
        api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CUSTOMER)
        api.delete(f"/ideas/{idea}/vote", headers=CUSTOMER)
    assert api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CUSTOMER).status_code == 200  # 29
    assert api.put(f"/ideas/{idea}/vote", {"value": -1}, headers=CUSTOMER).status_code == 200  # 30
    assert api.delete(f"/ideas/{idea}/vote", headers=CUSTOMER).status_code == 429
    assert api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CUSTOMER).status_code == 429
    at(NOON.replace(minute=1))
    assert api.delete(f"/ideas/{idea}/vote", headers=CUSTOMER).status_code == 204


def test_votes_count_per_product(api, idea):
    for _ in range(30):
        api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CUSTOMER)
    body = {"kind": "suggestion", "title": "Dimmer", "description": "d"}
    lamp = api.post("/products/lamp/ideas", body, headers=OTHER_CUSTOMER).json_body["idea_id"]
    assert api.put(f"/ideas/{lamp}/vote", {"value": 1}, headers=CUSTOMER).status_code == 200


def test_other_writes_meet_their_own_limit_with_counters_that_expire(api, aws, idea, local_environment):
    body = {"kind": "suggestion", "title": "Spare key", "description": "d"}
    answers = [api.post("/products/lamp/ideas", body, headers=CUSTOMER) for _ in range(31)]
    assert [a.status_code for a in answers] == [201] * 30 + [429]
    assert answers[-1].headers["Retry-After"] == "45"  # the minute ends 45 seconds after 12:00:15
    assert api.get("/me/notifications", headers=CUSTOMER).status_code == 200  # their reads are not limited
    window = int(NOON.timestamp()) // 60
    item = aws.client("dynamodb").get_item(
        TableName=local_environment["COCREATE_TABLE"],
        Key={"PK": {"S": "LIMIT#customer-ada"}, "SK": {"S": f"WINDOW#{window}"}},
    )["Item"]
    assert int(item["hits"]["N"]) == 30
    assert int(item["expires_at"]["N"]) == (window + 2) * 60


def test_commitments_count_with_the_votes_and_the_same_one_again_counts_nothing(api, idea, capsys):
    assert api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CUSTOMER).status_code == 200  # 1 write
    commitment = f"/ideas/{idea}/commitment"
    first = api.put(commitment, {"quantity": 2, "max_unit_price": 10}, headers=CUSTOMER)  # 2
    assert first.status_code == 200
    assert '"CommitmentsSet":[1.0]' in capsys.readouterr().out
    again = [api.put(commitment, {"quantity": 2, "max_unit_price": 10}, headers=CUSTOMER) for _ in range(40)]
    assert {a.status_code for a in again} == {200}  # the same commitment writes nothing: never limited
    assert "CommitmentsSet" not in capsys.readouterr().out
    for n in range(14):  # 28 writes more: 30
        api.put(commitment, {"quantity": 3 + n % 2}, headers=CUSTOMER)
        api.delete(commitment, headers=CUSTOMER)
    assert api.put(commitment, {"quantity": 1}, headers=CUSTOMER).status_code == 429
    assert api.delete(f"/ideas/{idea}/vote", headers=CUSTOMER).status_code == 429  # the same count as votes

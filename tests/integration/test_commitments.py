"""Committed demand over the API: units beside up-votes, summed from the stream into the demand report."""

import csv
import io

import pytest

from infra.local.tokens import bearer
from tests.tokens import PRODUCT_TEAM

PRODUCT = {
    "product_id": "roadster",
    "name": "Roadster",
    "options": {"colour": ["green", "red"], "interior": ["cork", "wool"]},
    "max_units_per_customer": 5,
}
ADA, BO, CY = bearer("ada"), bearer("bo"), bearer("cy")


@pytest.fixture
def idea(api) -> str:
    """A green roadster with cork, submitted (and so up-voted) by Ada."""
    api.post("/products", PRODUCT, headers=PRODUCT_TEAM)
    body = {"kind": "customisation", "options": {"colour": "green", "interior": "cork"}}
    return api.post("/products/roadster/ideas", body, headers=ADA).json_body["idea_id"]


def reported(api, pump, idea_id: str) -> dict:
    pump.drain()
    report = api.post("/products/roadster/demand", headers=PRODUCT_TEAM).json_body
    return next(i for i in report["items"] if i["idea_id"] == idea_id)


def demand(item: dict) -> tuple:
    return item["committed_units"], item["committers"], item["median_max_unit_price"]


def test_a_supporter_commits_to_units_and_the_report_counts_them(api, pump, idea):
    answer = api.put(f"/ideas/{idea}/commitment", {"quantity": 2, "max_unit_price": 48500.5}, headers=ADA)
    assert (answer.status_code, answer.json_body) == (
        200,
        {"idea_id": idea, "quantity": 2, "max_unit_price": 48500.5},
    )
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=BO)
    api.put(f"/ideas/{idea}/commitment", {"quantity": 5}, headers=BO)  # no price named
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CY)
    api.put(f"/ideas/{idea}/commitment", {"quantity": 1, "max_unit_price": 40000}, headers=CY)
    item = reported(api, pump, idea)
    assert demand(item) == (8, 3, 44250.25)  # the median of the two prices named
    assert item["velocity_7d"] == 3  # its supporters, all gained today


def test_changing_a_commitment_replaces_it_and_the_same_again_changes_nothing(api, pump, idea):
    api.put(f"/ideas/{idea}/commitment", {"quantity": 2, "max_unit_price": 100}, headers=ADA)
    api.put(f"/ideas/{idea}/commitment", {"quantity": 4, "max_unit_price": 90}, headers=ADA)
    again = api.put(f"/ideas/{idea}/commitment", {"quantity": 4, "max_unit_price": 90}, headers=ADA)
    assert again.status_code == 200
    assert demand(reported(api, pump, idea)) == (4, 1, 90.0)


@pytest.mark.parametrize(
    "undo",
    [
        lambda api, idea: api.delete(f"/ideas/{idea}/commitment", headers=ADA),
        lambda api, idea: api.delete(f"/ideas/{idea}/vote", headers=ADA),
        lambda api, idea: api.put(f"/ideas/{idea}/vote", {"value": -1}, headers=ADA),
    ],
    ids=["withdrawn", "vote withdrawn", "vote turned down"],
)
def test_a_commitment_goes_when_it_or_its_up_vote_goes(api, pump, idea, undo):
    api.put(f"/ideas/{idea}/commitment", {"quantity": 3, "max_unit_price": 10}, headers=ADA)
    assert demand(reported(api, pump, idea)) == (3, 1, 10.0)
    assert undo(api, idea).status_code in (200, 204)
    assert demand(reported(api, pump, idea)) == (0, 0, None)
    # An up-vote again does not bring the commitment back.
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=ADA)
    assert demand(reported(api, pump, idea)) == (0, 0, None)


def test_a_price_named_or_changed_alone_moves_the_median(api, pump, idea):
    api.put(f"/ideas/{idea}/commitment", {"quantity": 2}, headers=ADA)
    assert demand(reported(api, pump, idea)) == (2, 1, None)
    api.put(f"/ideas/{idea}/commitment", {"quantity": 2, "max_unit_price": 100}, headers=ADA)
    assert demand(reported(api, pump, idea)) == (2, 1, 100.0)
    api.put(f"/ideas/{idea}/commitment", {"quantity": 2, "max_unit_price": 90}, headers=ADA)
    assert demand(reported(api, pump, idea)) == (2, 1, 90.0)


def test_more_units_alone_are_counted(api, pump, idea):
    api.put(f"/ideas/{idea}/commitment", {"quantity": 2}, headers=ADA)
    assert demand(reported(api, pump, idea)) == (2, 1, None)
    api.put(f"/ideas/{idea}/commitment", {"quantity": 5}, headers=ADA)
    assert demand(reported(api, pump, idea)) == (5, 1, None)


def test_a_committer_who_leaves_is_counted_even_when_the_units_cancel_out(api, pump, idea):
    api.put(f"/ideas/{idea}/commitment", {"quantity": 2}, headers=ADA)
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=BO)
    api.put(f"/ideas/{idea}/commitment", {"quantity": 1}, headers=BO)
    assert demand(reported(api, pump, idea)) == (3, 2, None)
    # One batch of the stream: Ada's two units go, Bo's two more come.
    api.delete(f"/ideas/{idea}/commitment", headers=ADA)
    api.put(f"/ideas/{idea}/commitment", {"quantity": 3}, headers=BO)
    assert demand(reported(api, pump, idea)) == (3, 1, None)


def test_a_price_is_kept_as_written_to_the_cent(api, pump, idea):
    answer = api.put(f"/ideas/{idea}/commitment", {"quantity": 1, "max_unit_price": 19.99}, headers=ADA)
    assert answer.json_body["max_unit_price"] == 19.99
    assert demand(reported(api, pump, idea)) == (1, 1, 19.99)


def test_withdrawing_a_commitment_that_is_not_there_is_a_204(api, idea):
    assert api.delete(f"/ideas/{idea}/commitment", headers=BO).status_code == 204


def test_a_commitment_needs_the_callers_up_vote(api, pump, idea):
    refused = api.put(f"/ideas/{idea}/commitment", {"quantity": 1}, headers=BO)
    assert refused.status_code == 409
    assert refused.json_body["Code"] == "VoteRequired"
    api.put(f"/ideas/{idea}/vote", {"value": -1}, headers=BO)
    assert api.put(f"/ideas/{idea}/commitment", {"quantity": 1}, headers=BO).json_body["Code"] == "VoteRequired"
    assert demand(reported(api, pump, idea)) == (0, 0, None)


def test_a_closed_idea_takes_no_commitment_and_keeps_the_ones_it_had(api, pump, idea):
    api.put(f"/ideas/{idea}/commitment", {"quantity": 2}, headers=ADA)
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=BO)
    api.patch(f"/ideas/{idea}", {"status": "under_review"}, headers=PRODUCT_TEAM)
    api.patch(f"/ideas/{idea}", {"status": "planned"}, headers=PRODUCT_TEAM)
    api.patch(f"/ideas/{idea}", {"status": "in_production"}, headers=PRODUCT_TEAM)
    api.patch(f"/ideas/{idea}", {"status": "available"}, headers=PRODUCT_TEAM)
    for refused in (
        api.put(f"/ideas/{idea}/commitment", {"quantity": 1}, headers=BO),
        api.put(f"/ideas/{idea}/commitment", {"quantity": 5}, headers=ADA),
        api.delete(f"/ideas/{idea}/commitment", headers=ADA),
    ):
        assert (refused.status_code, refused.json_body["Code"]) == (409, "IdeaClosed")
    assert demand(reported(api, pump, idea)) == (2, 1, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 6}, "quantity"),  # over the product's max_units_per_customer (5)
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1001}, "quantity"),
        ({"quantity": 2.0}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": "2"}, "quantity"),
        ({}, "quantity"),
        ({"quantity": 1, "max_unit_price": 0}, "max_unit_price"),
        ({"quantity": 1, "max_unit_price": -5}, "max_unit_price"),
        ({"quantity": 1, "max_unit_price": 10.001}, "max_unit_price"),
        ({"quantity": 1, "max_unit_price": 1_000_000.01}, "max_unit_price"),
        ({"quantity": 1, "max_unit_price": "10"}, "max_unit_price"),
        ({"quantity": 1, "max_unit_price": 1e308}, "max_unit_price"),
        ({"quantity": 1, "max_unit_price": float("inf")}, ""),  # not even JSON
        ({"quantity": 1, "max_unit_price": float("nan")}, ""),
        ({"quantity": 1, "currency": "EUR"}, "currency"),
    ],
)
def test_a_commitment_out_of_bounds_is_a_400_that_names_the_field(api, pump, idea, body, field):
    answer = api.put(f"/ideas/{idea}/commitment", body, headers=ADA)
    assert answer.status_code == 400
    assert field in answer.json_body["Message"]
    assert demand(reported(api, pump, idea)) == (0, 0, None)


def test_a_products_units_limit_defaults_to_10_and_goes_up_to_1000(api):
    plain = api.post("/products", {"product_id": "plain", "name": "Plain"}, headers=PRODUCT_TEAM).json_body
    assert plain["max_units_per_customer"] == 10
    big = {"product_id": "fleet", "name": "Fleet", "max_units_per_customer": 1000}
    assert api.post("/products", big, headers=PRODUCT_TEAM).status_code == 201
    over = api.post("/products", {**big, "product_id": "over", "max_units_per_customer": 1001}, headers=PRODUCT_TEAM)
    assert over.status_code == 400
    assert "max_units_per_customer" in over.json_body["Message"]


def test_units_are_summed_per_option_value_and_reach_the_csv_and_the_bus(api, pump, bus, idea):
    red = api.post(
        "/products/roadster/ideas", {"kind": "customisation", "options": {"colour": "red"}}, headers=BO
    ).json_body["idea_id"]
    api.put(f"/ideas/{idea}/commitment", {"quantity": 3, "max_unit_price": 20}, headers=ADA)
    api.put(f"/ideas/{red}/commitment", {"quantity": 4}, headers=BO)
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=BO)
    api.put(f"/ideas/{idea}/commitment", {"quantity": 1}, headers=BO)
    pump.drain()
    bus.received()
    report = api.post("/products/roadster/demand", headers=PRODUCT_TEAM).json_body
    assert report["dimension_units"] == {"colour": {"green": 4, "red": 4}, "interior": {"cork": 4, "wool": 0}}
    assert report["dimensions"] == {"colour": {"green": 2, "red": 1}, "interior": {"cork": 2, "wool": 0}}
    text = api.get("/products/roadster/demand.csv", headers=PRODUCT_TEAM).body.decode()
    rows = {r["idea_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert {k: rows[idea][k] for k in ("committed_units", "committers", "median_max_unit_price", "velocity_7d")} == {
        "committed_units": "4",
        "committers": "2",
        "median_max_unit_price": "20.0",
        "velocity_7d": "2",
    }
    (published,) = bus.received("DemandRankingPublished")
    assert [(t["idea_id"], t["committed_units"]) for t in published["summary"]["top"]] == [(idea, 4), (red, 4)]

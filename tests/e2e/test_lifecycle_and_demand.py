"""The product team's side of `make run`: answering ideas, publishing and fetching demand reports."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from infra.local.tokens import bearer

pytestmark = pytest.mark.e2e

TEAM = bearer("e2e-pat", "product-team")
ADA = bearer("e2e-ada")


def test_the_team_answers_an_idea_and_customers_see_it(local_stack, http):
    url = local_stack.url
    body = {"kind": "suggestion", "title": "Bike rack", "description": "On the boot lid."}
    idea_id = http.post(f"{url}/products/roadster/ideas", json=body, headers=ADA).json()["idea_id"]
    answer = http.patch(
        f"{url}/ideas/{idea_id}", json={"status": "under_review", "response": "Measuring."}, headers=TEAM
    )
    assert answer.status_code == 200
    assert http.patch(f"{url}/ideas/{idea_id}", json={"status": "available"}, headers=TEAM).status_code == 409
    assert http.patch(f"{url}/ideas/{idea_id}", json={"status": "planned"}, headers=ADA).status_code == 403
    reviewed = http.get(f"{url}/products/roadster/ideas?status=under_review").json()["items"]
    assert [(i["idea_id"], i["response"]) for i in reviewed if i["idea_id"] == idea_id] == [(idea_id, "Measuring.")]


def test_a_demand_report_is_published_and_fetched_as_json_and_csv(local_stack, http):
    url = f"{local_stack.url}/products/roadster/demand"
    local_stack.drain()
    published = http.post(url, headers=TEAM)
    assert published.status_code == 200
    report = published.json()
    assert [i["rank"] for i in report["items"]] == list(range(1, len(report["items"]) + 1))
    assert report["dimensions"]["colour"]["matte green"] >= 4
    assert report["dimension_units"]["colour"]["matte green"] >= 4  # the demo's commitments
    assert http.get(url, headers=TEAM).json() == report
    as_csv = http.get(f"{url}?format=csv", headers=TEAM)
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["idea_id"] for r in rows] == [i["idea_id"] for i in report["items"]]


def test_committed_units_reach_the_report_over_http(local_stack, http):
    url = local_stack.url
    product_id = f"e2e-{uuid.uuid4().hex[:8]}"
    product = {"product_id": product_id, "name": "Bike", "options": {"frame": ["steel", "carbon"]}}
    http.post(f"{url}/products", json={**product, "max_units_per_customer": 3}, headers=TEAM)
    body = {"kind": "customisation", "options": {"frame": "carbon"}}
    idea_id = http.post(f"{url}/products/{product_id}/ideas", json=body, headers=ADA).json()["idea_id"]
    commitment = f"{url}/ideas/{idea_id}/commitment"
    assert http.put(commitment, json={"quantity": 2, "max_unit_price": 1999}, headers=ADA).json() == {
        "idea_id": idea_id,
        "quantity": 2,
        "max_unit_price": 1999,
    }
    bo = bearer("e2e-bo")
    assert http.put(commitment, json={"quantity": 1}, headers=bo).json()["Code"] == "VoteRequired"
    http.put(f"{url}/ideas/{idea_id}/vote", json={"value": 1}, headers=bo)
    assert http.put(commitment, json={"quantity": 4}, headers=bo).status_code == 400  # over the product's 3
    assert http.put(commitment, json={"quantity": 3, "max_unit_price": 2500}, headers=bo).status_code == 200
    cy = bearer("e2e-cy")
    http.put(f"{url}/ideas/{idea_id}/vote", json={"value": 1}, headers=cy)
    http.put(commitment, json={"quantity": 1, "max_unit_price": 999}, headers=cy)
    assert http.delete(f"{url}/ideas/{idea_id}/vote", headers=cy).status_code == 204  # and its commitment
    local_stack.drain()
    report = http.post(f"{url}/products/{product_id}/demand", headers=TEAM).json()
    (item,) = report["items"]
    assert (item["committed_units"], item["committers"], item["median_max_unit_price"], item["velocity_7d"]) == (
        5,
        2,
        2249.5,
        2,
    )
    assert report["dimension_units"] == {"frame": {"steel": 0, "carbon": 5}}
    rows = list(csv.DictReader(io.StringIO(http.get(f"{url}/products/{product_id}/demand.csv", headers=TEAM).text)))
    assert (rows[0]["committed_units"], rows[0]["median_max_unit_price"]) == ("5", "2249.5")


def test_the_schedule_publishes_every_report(local_stack, http):
    local_stack.fire("publish_demand_reports")
    for product_id in ("trail-shoe", "desk-lamp"):
        assert http.get(f"{local_stack.url}/products/{product_id}/demand", headers=TEAM).status_code == 200


def test_events_reach_the_bus(local_stack, http):
    sqs, events = local_stack.aws("sqs"), local_stack.aws("events")
    queue = sqs.create_queue(QueueName=f"tap-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="e2e-tap", EventBusName="cocreate-local", EventPattern=json.dumps({"source": ["cocreate"]}))
    events.put_targets(Rule="e2e-tap", EventBusName="cocreate-local", Targets=[{"Id": "q", "Arn": arn}])

    body = {"kind": "suggestion", "title": "Tow hook", "description": "For a small trailer."}
    idea_id = http.post(f"{local_stack.url}/products/roadster/ideas", json=body, headers=ADA).json()["idea_id"]
    http.patch(
        f"{local_stack.url}/ideas/{idea_id}", json={"status": "declined", "response": "Too heavy."}, headers=TEAM
    )
    local_stack.drain()
    received = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages"):
        received += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)],
        )
    mine = [
        (e["detail-type"], e["detail"].get("new_status")) for e in received if e["detail"].get("idea_id") == idea_id
    ]
    assert mine == [("IdeaSubmitted", None), ("IdeaStatusChanged", "declined")]

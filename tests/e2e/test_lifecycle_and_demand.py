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
    assert http.get(url, headers=TEAM).json() == report
    as_csv = http.get(f"{url}?format=csv", headers=TEAM)
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["idea_id"] for r in rows] == [i["idea_id"] for i in report["items"]]


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

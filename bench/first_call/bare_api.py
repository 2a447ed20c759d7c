"""The same request, to a one-route Chalice app on the bare libraries: Powertools' logger, metrics and tracer,
the item read with boto3, answered through pydantic."""

import os

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from chalice import Chalice
from lambda_context import Context, event
from pydantic import BaseModel

app, logger, metrics, tracer = Chalice("bare"), Logger(), Metrics(namespace="Bare"), Tracer()


class Idea(BaseModel):
    idea_id: str
    title: str


@app.route("/ideas/{idea_id}")
@tracer.capture_method
def idea(idea_id: str) -> dict[str, str]:
    key = {"PK": {"S": f"IDEA#{idea_id}"}, "SK": {"S": "META"}}
    item = boto3.client("dynamodb").get_item(TableName=os.environ["COCREATE_TABLE"], Key=key)["Item"]
    logger.info("request")
    metrics.add_metric(name="Requests", unit="Count", value=1)
    metrics.flush_metrics()
    return Idea(idea_id=idea_id, title=item["title"]["S"]).model_dump(mode="json")


answer = app(event("api_event"), Context())
assert answer["statusCode"] == 200, answer

"""The same batch, to a Powertools-traced handler on the bare libraries, beside a Chalice app: the records read
with boto3's deserializer, the idea read into a pydantic model, one transaction written."""

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from boto3.dynamodb.types import TypeDeserializer
from chalice import Chalice
from lambda_context import Context, event
from pydantic import BaseModel

app, logger, metrics, tracer = Chalice("bare"), Logger(), Metrics(namespace="Bare"), Tracer()


class Idea(BaseModel):
    idea_id: str
    up: int


@tracer.capture_lambda_handler
def handler(batch: dict[str, Any], context: Any) -> dict[str, Any]:
    deserializer, dynamodb, table = TypeDeserializer(), boto3.client("dynamodb"), os.environ["COCREATE_TABLE"]
    images = [
        {name: deserializer.deserialize(value) for name, value in record["dynamodb"]["NewImage"].items()}
        for record in batch["Records"]
    ]
    idea_id = next(name.removeprefix("vote:") for name in images[0] if name.startswith("vote:"))
    key = {"PK": {"S": f"IDEA#{idea_id}"}, "SK": {"S": "META"}}
    item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    idea = Idea(idea_id=item["idea_id"]["S"], up=int(item["up"]["N"]))
    checkpoint = {"PK": {"S": "STREAM#bare"}, "SK": {"S": "CHECKPOINT"}, "n": {"N": str(idea.up + len(images))}}
    dynamodb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": checkpoint}}])
    logger.info("batch")
    metrics.add_metric(name="Batches", unit="Count", value=1)
    metrics.flush_metrics()
    return {"batchItemFailures": []}


handler(event("stream_event"), Context())

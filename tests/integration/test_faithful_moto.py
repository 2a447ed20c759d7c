"""The local stack's moto keeps the promises of DynamoDB that cocreate relies on (infra/local/faithful_moto.py)."""

from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models import DynamoDBBackend

from infra.local.pump import EventPump


def key(name: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": name}, "SK": {"S": "META"}}


@pytest.fixture
def dynamodb(aws):
    return aws.client("dynamodb")


@pytest.fixture
def table(local_environment):
    return local_environment["COCREATE_TABLE"]


def put(name: str, table: str, **condition: str) -> dict:
    return {"Put": {"TableName": table, "Item": {**key(name), "n": {"N": "1"}}, **condition}}


def test_a_cancelled_transaction_writes_nothing_and_says_which_action_failed(dynamodb, table):
    dynamodb.put_item(TableName=table, Item={**key("taken"), "n": {"N": "0"}})
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                put("fresh", table),
                put("taken", table, ConditionExpression="attribute_not_exists(PK)"),
            ]
        )
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert "Item" not in dynamodb.get_item(TableName=table, Key=key("fresh"))


def test_the_stream_goes_on_after_a_cancelled_transaction(aws, dynamodb, table):
    pump = EventPump(aws, table, handler=lambda event, context: None)
    dynamodb.put_item(TableName=table, Item={**key("taken"), "n": {"N": "0"}})
    assert len(pump.read()[0][1]) == 1  # the reader now holds an iterator on the stream
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[put("taken", table, ConditionExpression="attribute_not_exists(PK)")]
        )
    dynamodb.put_item(TableName=table, Item={**key("later"), "n": {"N": "0"}})
    (_shard, records), *_ = pump.read()
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in records] == ["later"]


def test_a_transaction_whose_write_fails_undoes_the_writes_before_it(aws, dynamodb, table):
    pump = EventPump(aws, table, handler=lambda event, context: None)
    dynamodb.put_item(TableName=table, Item={**key("text"), "n": {"S": "not a number"}})
    pump.read()
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(
            TransactItems=[
                put("fresh", table),
                {
                    "Update": {
                        "TableName": table,
                        "Key": key("text"),
                        "UpdateExpression": "ADD n :one",  # a number added to a string: refused as it is applied
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ]
        )
    assert "Item" not in dynamodb.get_item(TableName=table, Key=key("fresh"))
    assert dynamodb.get_item(TableName=table, Key=key("text"))["Item"]["n"] == {"S": "not a number"}
    assert pump.read() == []  # and the stream shows nothing of it


def test_a_write_waits_for_the_write_before_it_on_the_same_item(aws, dynamodb, table, monkeypatch):
    """A conditional write is checked and applied in one step: a second write to the item cannot slip in between."""
    inside, release = threading.Event(), threading.Event()
    update_item = DynamoDBBackend.update_item

    def slow_update(self, *args, **kwargs):
        if threading.current_thread().name == "first":
            inside.set()
            release.wait(5)  # held here, between reading the item and writing it
        return update_item(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "update_item", slow_update)
    increment = {
        "TableName": table,
        "Key": key("counter"),
        "UpdateExpression": "ADD n :one",
        "ConditionExpression": "attribute_not_exists(n) OR n < :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
    }
    outcomes: dict[str, str] = {}

    def write(name: str) -> None:
        try:
            aws.client("dynamodb").update_item(**increment)
            outcomes[name] = "written"
        except ClientError as error:
            outcomes[name] = error.response["Error"]["Code"]

    first = threading.Thread(target=write, args=("first",), name="first")
    first.start()
    assert inside.wait(5)
    second = threading.Thread(target=write, args=("second",), name="second")
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second write went ahead while the first was between its check and its write"
    release.set()
    first.join(5)
    second.join(5)
    assert outcomes == {"first": "written", "second": "ConditionalCheckFailedException"}

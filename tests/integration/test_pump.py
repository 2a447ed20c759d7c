"""The local stack's event pump: Lambda's stream event source, locally; a drain is how tests wait for counts."""

from __future__ import annotations

from infra.local.pump import EventPump


def test_a_drain_delivers_a_backlog_longer_than_a_batch(aws, local_environment):
    table = local_environment["COCREATE_TABLE"]
    delivered: list[int] = []
    pump = EventPump(aws, table, lambda event, context: delivered.append(len(event["Records"])), batch_size=3)
    dynamodb = aws.client("dynamodb")
    for n in range(10):
        dynamodb.put_item(TableName=table, Item={"PK": {"S": f"ITEM#{n}"}, "SK": {"S": "META"}})
    assert pump.drain() == 10
    assert delivered == [3, 3, 3, 1]
    assert pump.stats()["delivered"] == 10


def test_a_drain_ends_while_writes_go_on(aws, local_environment):
    """Each delivery writes another record, as a steady stream of votes would: the drain still answers."""
    table = local_environment["COCREATE_TABLE"]
    dynamodb = aws.client("dynamodb")
    written = iter(range(1_000_000))

    def write_another(event, context):
        dynamodb.put_item(TableName=table, Item={"PK": {"S": f"ITEM#{next(written)}"}, "SK": {"S": "META"}})

    pump = EventPump(aws, table, write_another)
    write_another(None, None)
    assert pump.drain(rounds=5) == 5
    assert pump.drain(rounds=5) == 5  # and the next drain picks up where it stopped

"""The table's stream, as Lambda delivers it, through Powertools' batch processor.

Lambda resumes a shard from the first record reported failed. Records are applied in order, so every record
from the first one not applied is reported: a record that cannot be read, and the rest of a run whose commit
failed.

Lambda names the shard only to functions with a tumbling window, so the event source has one (infra/): the
window's state is not used, only the shard id the consumer keys its checkpoint by.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from chalicelib.streams.changes import Change
from chalicelib.streams.consumer import StreamConsumer


class NotApplied(Exception):
    """An earlier record of the batch was not applied, so neither was this one."""


class NoShardId(RuntimeError):
    pass


def handle_stream_batch(event: Mapping[str, Any], consumer: StreamConsumer) -> dict[str, Any]:
    """A DynamoDB Streams event in; the partial batch response (with the tumbling window's state) out."""
    # Imported here, not at module level: 70 ms the API function never needs.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

    records = event.get("Records") or []
    if not records:
        return {"batchItemFailures": [], "state": {}}  # a window closing: nothing to do
    shard_id = event.get("shardId")
    if not shard_id:
        raise NoShardId("the stream's event source needs a tumbling window, which makes Lambda name the shard")

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    with processor(records=list(records), handler=Change.from_record):
        outcomes = processor.process()
        readable = []
        for status, change, _ in outcomes:
            if status != "success":
                break
            readable.append(change)
        applied = consumer.apply(shard_id, readable)
        for _, _, record in outcomes[applied : len(readable)]:
            try:
                raise NotApplied(f"an earlier record of shard {shard_id} was not applied")
            except NotApplied:
                processor.failure_handler(DynamoDBRecord(record), sys.exc_info())
    return {**processor.response(), "state": {}}

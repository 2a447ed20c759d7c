"""The table's stream, as Lambda delivers it: read every record, apply them in order, report where to resume.

Lambda resumes a shard from the lowest sequence number a function reports failed, so the answer names only the
first record not applied. A record that cannot be read is not a failure: it is set aside and the shard moves
on (see streams/consumer.py).

Lambda names the shard only to functions with a tumbling window, so the event source has one (infra/): the
window's state is not used, only the shard id the consumer keys its checkpoint by.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.streams.changes import read
from chalicelib.streams.consumer import StreamConsumer


class NoShardId(RuntimeError):
    pass


def handle_stream_batch(event: Mapping[str, Any], consumer: StreamConsumer) -> dict[str, Any]:
    """A DynamoDB Streams event in; the partial batch response (with the tumbling window's state) out."""
    records = event.get("Records") or []
    if not records:
        return {"batchItemFailures": [], "state": {}}  # a window closing: nothing to do
    shard_id = event.get("shardId")
    if not shard_id:
        raise NoShardId("the stream's event source needs a tumbling window, which makes Lambda name the shard")
    first_not_applied = consumer.apply(shard_id, [read(record) for record in records])
    if first_not_applied is None:
        return {"batchItemFailures": [], "state": {}}
    resume = records[first_not_applied]["dynamodb"]["SequenceNumber"]
    return {"batchItemFailures": [{"itemIdentifier": resume}], "state": {}}

"""The table's stream, read back: the records written after a point of each shard. A recount reads them to line
the ballots it read up with the counts it compares them with (services/recount.py)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from chalicelib.observability import traced

_MOST_READS_PER_SHARD = 1000  # of up to 1,000 records each: a day of a busy shard


@traced
class StreamHistory:
    def __init__(self, dynamodb: Any, streams: Any, table_name: str) -> None:
        self.dynamodb = dynamodb
        self.streams = streams
        self.table_name = table_name

    @functools.cached_property
    def stream_arn(self) -> str:
        arn: str = self.dynamodb.describe_table(TableName=self.table_name)["Table"]["LatestStreamArn"]
        return arn

    def shards(self) -> list[str]:
        """Every shard the stream still holds records of, parents before their children."""
        shards, start = [], None
        while True:
            arguments = {"StreamArn": self.stream_arn, **({"ExclusiveStartShardId": start} if start else {})}
            described = self.streams.describe_stream(**arguments)["StreamDescription"]
            shards += [shard["ShardId"] for shard in described["Shards"]]
            start = described.get("LastEvaluatedShardId")
            if not start:
                return shards

    def after(self, shard_id: str, sequence_number: int | None) -> Iterator[dict[str, Any]]:
        """The shard's records after `sequence_number` (all it holds, when None), in order, as far as written."""
        position = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": str(sequence_number)}
            if sequence_number is not None
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator = self.streams.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard_id, **position)[
            "ShardIterator"
        ]
        for _read in range(_MOST_READS_PER_SHARD):
            page = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            yield from page["Records"]
            iterator = page.get("NextShardIterator")
            if not page["Records"] or not iterator:
                return

"""The event pump: what Lambda's event sources do in the cloud, done locally.

It reads the table's stream from moto and calls the stream handler with the event Lambda would send (with the
shard id a tumbling window brings), honouring partial batch responses: a batch is delivered again from its
first failed record, up to `max_retries` times, then given up as Lambda gives up to its on-failure queue.
It also fires the app's schedules at their rates. `chalice local` serves HTTP only, so the local stack runs a
pump beside it; tests call `drain()` instead of sleeping.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from chalice.app import Chalice, Rate, ScheduledEventConfig
from chalice.local import LambdaContext

Handler = Callable[[dict[str, Any], Any], Any]

log = logging.getLogger(__name__)


def lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A record as DynamoDB Streams' API returns it, shaped as Lambda delivers it."""
    stream = dict(record["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        stream["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": stream, "eventSourceARN": stream_arn}


def lambda_event(shard_id: str, records: Sequence[Mapping[str, Any]], stream_arn: str) -> dict[str, Any]:
    return {
        "Records": [lambda_record(r, stream_arn) for r in records],
        "shardId": shard_id,
        "eventSourceARN": stream_arn,
        "state": {},
        "isFinalInvokeForWindow": False,
        "isWindowTerminatedEarly": False,
    }


@dataclass
class Schedule:
    name: str
    every_seconds: float
    handler: Handler
    due: float = 0.0  # when it fires next, on the monotonic clock


_SECONDS = {Rate.MINUTES: 60, Rate.HOURS: 3600, Rate.DAYS: 86400}


def schedules_of(app: Chalice, functions: ModuleType, every_seconds: float | None = None) -> Iterator[Schedule]:
    """The app's rate schedules, each at its own rate unless `every_seconds` says otherwise."""
    for source in app.event_sources:
        if isinstance(source, ScheduledEventConfig) and isinstance(source.schedule_expression, Rate):
            rate = source.schedule_expression
            seconds = every_seconds or rate.value * _SECONDS[rate.unit]
            yield Schedule(source.name, seconds, getattr(functions, source.name), time.monotonic() + seconds)


def scheduled_event(name: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:000000000000:rule/{name}"],
        "detail": {},
    }


class EventPump:
    def __init__(
        self,
        session: Any,
        table_name: str,
        handler: Handler,
        *,
        batch_size: int = 1000,
        max_retries: int = 3,
        schedules: Sequence[Schedule] = (),
    ) -> None:
        self.dynamodb = session.client("dynamodb")
        self.streams = session.client("dynamodbstreams")
        self.table_name = table_name
        self.handler = handler
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.delivered = 0
        self.given_up = 0  # records dropped after their retries, as Lambda would send them to its on-failure queue
        # How long each record waited between its write and the end of its delivery, since `stats` was asked.
        self.lags: deque[float] = deque(maxlen=100_000)
        self.schedules = {s.name: s for s in schedules}
        self._stream_arn: str | None = None
        self._iterators: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def stream_arn(self) -> str:
        if self._stream_arn is None:
            self._stream_arn = self.dynamodb.describe_table(TableName=self.table_name)["Table"]["LatestStreamArn"]
        return self._stream_arn

    def drain(self, rounds: int = 20) -> int:
        """Deliver every record written so far, and those its delivery writes (an idea's counts, which announce
        a threshold): how many were delivered. However long the backlog, but at most `rounds` reads of less than
        a full batch, so that a drain ends under steady load."""
        with self._lock:
            total = 0
            while rounds > 0 and (batches := self.read()):
                for shard_id, records in batches:
                    self.deliver(shard_id, records)
                    total += len(records)
                if all(len(records) < self.batch_size for _, records in batches):
                    rounds -= 1
            return total

    def stats(self) -> dict[str, Any]:
        """Records delivered and given up so far, and the lag in milliseconds of those delivered since the last
        time it was asked."""
        lags = sorted(self.lags)
        self.lags.clear()

        def percentile(p: float) -> float | None:
            return round(lags[min(len(lags) - 1, int(p * len(lags)))] * 1000, 1) if lags else None

        return {
            "delivered": self.delivered,
            "given_up": self.given_up,
            "lag_ms": {"p50": percentile(0.5), "p99": percentile(0.99), "max": percentile(1.0)},
        }

    def run(self, stop: threading.Event, interval: float = 0.2) -> None:
        """Drain and fire what is due until `stop` is set: counts follow votes within a fraction of a second."""
        while not stop.wait(interval):
            try:
                self.drain()
                for schedule in self.schedules.values():
                    if time.monotonic() >= schedule.due:
                        self.fire(schedule.name)
            except Exception:  # keep pumping, as Lambda keeps polling and firing
                log.exception("the event pump failed")

    def fire(self, name: str) -> Any:
        """Run a schedule now, as EventBridge would at its next tick; what the function answered."""
        schedule = self.schedules[name]
        schedule.due = time.monotonic() + schedule.every_seconds
        return schedule.handler(scheduled_event(name), LambdaContext(name, memory_size=512, max_runtime_ms=900_000))

    @functools.cached_property
    def shards(self) -> list[str]:
        """The stream's shards: moto's stream has one, and never splits it."""
        described = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        return [shard["ShardId"] for shard in described["Shards"]]

    def read(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """The records written since the last read, at most `batch_size` of each shard, by shard.

        One GetRecords a shard, as Lambda polls: a reader that kept reading while records kept coming would
        deliver none of them until the writing paused.
        """
        batches = []
        for shard_id in self.shards:
            iterator = (
                self._iterators.get(shard_id)
                or self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            response = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            self._iterators[shard_id] = response["NextShardIterator"]
            if response["Records"]:
                batches.append((shard_id, response["Records"]))
        return batches

    def rewind(self) -> None:
        """Read every shard again from its start on the next read: a whole stream delivered twice."""
        self._iterators.clear()

    def deliver(self, shard_id: str, records: Sequence[Mapping[str, Any]]) -> None:
        """Call the handler as Lambda would, again from the first failed record while it reports failures."""
        pending = list(records)
        for _attempt in range(1 + self.max_retries):
            context = LambdaContext("on_table_change", memory_size=512, max_runtime_ms=60_000)
            try:
                response = self.handler(lambda_event(shard_id, pending, self.stream_arn), context) or {}
            except Exception:
                log.exception("the stream handler failed; its batch comes again")
                continue
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            first = min((n for n, r in enumerate(pending) if r["dynamodb"]["SequenceNumber"] in failed), default=None)
            self._delivered(pending[:first])
            if first is None:
                return
            pending = pending[first:]
        self.given_up += len(pending)
        log.error("gave up on %d records of shard %s after %d retries", len(pending), shard_id, self.max_retries)

    def _delivered(self, records: Sequence[Mapping[str, Any]]) -> None:
        now = datetime.now(UTC)
        self.delivered += len(records)
        for record in records:
            written = record["dynamodb"].get("ApproximateCreationDateTime")
            if isinstance(written, datetime):
                self.lags.append((now - written).total_seconds())

"""Lambda's event source mapping for a DynamoDB stream, as AWS documents it, for tests that need its bad days.

- A batch the function answers with `batchItemFailures` is delivered again from the lowest sequence number it
  names; the records before it are done.
- A batch whose invocation fails (an exception) is split in two (BisectBatchOnFunctionError), and each half is
  tried on its own, in order; a single record that keeps failing is tried again, up to the retry limit.
- Any batch may be delivered twice: delivery is at least once.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from infra.local.pump import lambda_event

Handler = Callable[[dict[str, Any], Any], Any]


class LambdaShard:
    def __init__(
        self,
        handler: Handler,
        shard_id: str,
        rng: random.Random,
        *,
        duplicate_rate: float = 0.1,
        crash_rate: float = 0.0,
        max_retries: int = 10,
    ) -> None:
        self.handler = handler
        self.shard_id = shard_id
        self.rng = rng
        self.duplicate_rate = duplicate_rate
        self.crash_rate = crash_rate  # invocations that fail outright, before or after the function's work
        self.max_retries = max_retries
        self.invocations = 0
        self.given_up: list[Mapping[str, Any]] = []

    def deliver(self, records: Sequence[Mapping[str, Any]]) -> None:
        self._process(list(records), retries=0)
        if records and self.rng.random() < self.duplicate_rate:
            self._process(list(records), retries=0)  # the same batch again

    def _process(self, records: list[Mapping[str, Any]], retries: int) -> None:
        while records:
            try:
                failures = self._invoke(records)
            except Exception:
                if retries >= self.max_retries:
                    self.given_up += records
                    return
                if len(records) > 1:  # bisect, and each half on its own
                    half = len(records) // 2
                    self._process(records[:half], retries + 1)
                    self._process(records[half:], retries + 1)
                    return
                retries += 1
                continue
            if not failures:
                return
            first = min(n for n, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] in failures)
            records = records[first:]
            retries += 1
            if retries > self.max_retries:
                self.given_up += records
                return

    def _invoke(self, records: list[Mapping[str, Any]]) -> set[str]:
        self.invocations += 1
        event = lambda_event(self.shard_id, records, "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/probe")
        crash = self.rng.random() < self.crash_rate
        if crash and self.rng.random() < 0.5:
            raise ConnectionError("the function died before doing anything")
        answer = self.handler(event, None) or {}
        if crash:
            raise ConnectionError("the function died after its work, before it could answer")
        return {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}

"""A capacity meter: watches a DynamoDB client's calls and prices them by DynamoDB's documented rules.

moto does not charge capacity, so the meter models it from the items themselves. For every write it reads the
item before and after through a second, unwatched client, and charges:

- the table write: ceil(max(size before, size after) / 1 KB) write units, twice that inside a transaction,
  also when a condition fails (a failed conditional write still costs its units);
- each global secondary index: nothing if the item is in neither image; one write when it enters or leaves; two
  (delete and put) when its index key changes; when it changes without moving, one write if the index projects
  all attributes, none if it projects only keys.

Reads cost ceil(size / 4 KB) read units per item, half that when eventually consistent; a Query rounds the
total of the items it read up to the next 4 KB.
"""

from __future__ import annotations

import contextlib
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

KB = 1024


def attribute_size(value: dict[str, Any]) -> int:  # noqa: PLR0911 - one answer per DynamoDB type
    """The size DynamoDB bills for one attribute value, in bytes."""
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        digits = str(Decimal(content).normalize()).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + attribute_size(v) + 1 for k, v in content.items())
    if kind == "L":
        return 3 + sum(attribute_size(v) + 1 for v in content)
    if kind == "SS":
        return sum(len(s.encode()) for s in content)
    if kind == "NS":
        return sum(attribute_size({"N": n}) for n in content)
    raise ValueError(kind)


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in (item or {}).items())


WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


def write_units(size: int) -> int:
    return max(1, math.ceil(size / KB))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / (4 * KB)))
    return units if consistent else units / 2


@dataclass
class Usage:
    calls: Counter[str] = field(default_factory=Counter)
    write_units: float = 0.0
    index_write_units: float = 0.0
    read_units: float = 0.0
    items_read: int = 0

    @property
    def all_write_units(self) -> float:
        return self.write_units + self.index_write_units

    @property
    def write_calls(self) -> int:
        """Write requests to DynamoDB (a transaction is one)."""
        return sum(n for call, n in self.calls.items() if call in WRITES)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.calls + other.calls,
            self.write_units + other.write_units,
            self.index_write_units + other.index_write_units,
            self.read_units + other.read_units,
            self.items_read + other.items_read,
        )


class CapacityMeter:
    def __init__(self, client: Any, peek_client: Any, indexes: dict[str, tuple[str, str, bool]]) -> None:
        """`indexes`: each GSI's name, its (partition, sort) key attributes and whether it projects only keys."""
        self.client = client
        self.peek = peek_client
        self.indexes = indexes
        self.usage = Usage()
        self.enabled = True
        self._params: dict[str, Any] = {}
        self._before: list[tuple[str, dict[str, Any], dict[str, Any] | None, bool]] = []
        # The API's parameters arrive before they are serialised; the parsed answer (or error) after the call.
        client.meta.events.register("before-parameter-build.dynamodb", self._before_call)
        client.meta.events.register("after-call.dynamodb", self._after_call)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Calls made meanwhile are neither watched nor priced: for setting the scene."""
        self.enabled = False
        try:
            yield
        finally:
            self.enabled = True

    def take(self) -> Usage:
        """What was used since the last take."""
        usage, self.usage = self.usage, Usage()
        return usage

    # -- writes: images before and after -------------------------------------------------------------------------

    def _get(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.peek.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return item

    def _key_of(self, table: str, item: dict[str, Any]) -> dict[str, Any]:
        return {name: item[name] for name in ("PK", "SK")}

    def _writes(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
        if operation == "PutItem":
            return [(params["TableName"], self._key_of(params["TableName"], params["Item"]), False)]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(params["TableName"], params["Key"], False)]
        if operation == "TransactWriteItems":
            writes = []
            for action in params["TransactItems"]:
                ((_, spec),) = action.items()
                key = spec["Key"] if "Key" in spec else self._key_of(spec["TableName"], spec["Item"])
                writes.append((spec["TableName"], key, True))
            return writes
        if operation == "BatchWriteItem":
            writes = []
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        writes.append((table, self._key_of(table, request["PutRequest"]["Item"]), False))
                    else:
                        writes.append((table, request["DeleteRequest"]["Key"], False))
            return writes
        return []

    def _before_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if not self.enabled:
            self._params, self._before = {}, []
            return
        self.usage.calls[model.name] += 1
        self._params = params
        self._before = [
            (t, k, self._get(t, k), transactional) for t, k, transactional in self._writes(model.name, params)
        ]

    def _after_call(self, model: Any, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        if not self.enabled:
            return
        for table, key, old, transactional in self._before:
            new = self._get(table, key)
            factor = 2 if transactional else 1
            self.usage.write_units += factor * write_units(max(item_size(old), item_size(new)))
            if old != new:
                self.usage.index_write_units += self._index_writes(old, new)
        self._before = []
        self._reads(model.name, self._params, parsed or {})

    def _index_writes(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> int:
        def entry(item: dict[str, Any] | None, keys: tuple[str, str]) -> tuple[Any, ...] | None:
            return None if item is None or any(k not in item for k in keys) else tuple(item[k] for k in keys)

        units = 0
        for partition, sort, keys_only in self.indexes.values():
            before, after = entry(old, (partition, sort)), entry(new, (partition, sort))
            # What the index holds of each image: the item, or (keys only) less than a write unit.
            was, now = (1, 1) if keys_only else (write_units(item_size(old)), write_units(item_size(new)))
            if before is None and after is None:
                continue
            if before is None:
                units += now
            elif after is None:
                units += was
            elif before != after:
                units += was + now
            elif not keys_only:
                units += max(was, now)
        return units

    # -- reads ----------------------------------------------------------------------------------------------------

    def _reads(self, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        if operation == "GetItem":
            self.usage.read_units += read_units(item_size(parsed.get("Item")), params.get("ConsistentRead", False))
            self.usage.items_read += 1 if parsed.get("Item") else 0
        elif operation == "BatchGetItem":
            for table, items in parsed.get("Responses", {}).items():
                consistent = params["RequestItems"][table].get("ConsistentRead", False)
                self.usage.read_units += sum(read_units(item_size(i), consistent) for i in items)
                self.usage.items_read += len(items)
        elif operation == "Query":
            items = parsed.get("Items", [])
            if "ProjectionExpression" in params:  # DynamoDB charges for the items, not for what is projected of them
                items = self._whole(params)
            self.usage.read_units += read_units(sum(item_size(i) for i in items), params.get("ConsistentRead", False))
            self.usage.items_read += int(parsed.get("ScannedCount", len(items)))

    def _whole(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """The items a projected Query read, whole: the same Query, unwatched and without its projection."""
        projected = params["ProjectionExpression"]
        names = {k: v for k, v in params.get("ExpressionAttributeNames", {}).items() if k not in projected.split(", ")}
        again = {k: v for k, v in params.items() if k not in ("ProjectionExpression", "ExpressionAttributeNames")}
        items: list[dict[str, Any]] = self.peek.query(
            **again, **({"ExpressionAttributeNames": names} if names else {})
        )["Items"]
        return items

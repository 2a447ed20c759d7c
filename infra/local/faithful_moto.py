"""moto, made to keep the promises of DynamoDB that cocreate relies on. Used by moto's server in the local stack
(`python -m infra.local.faithful_moto`) and by the tests' in-process moto alike.

moto 5.2's DynamoDB differs from DynamoDB in three ways that matter under concurrent requests:
- its server runs each request in a thread of its own and checks a write's condition, then applies the write,
  with no lock: two conditional writes to one item can both pass (a vote budget exceeded, a counter drifting);
- it makes a transaction all-or-nothing by deep-copying every table it names before it starts and putting the
  copies in place when it is cancelled: each transaction costs a copy of the whole table (gigabytes under
  load), and a stream reader goes on reading the replaced table's stream, which receives nothing more;
- it keeps every shard iterator it ever handed out, so a poller's memory grows for as long as it polls.
So: every DynamoDB and DynamoDB Streams request runs under one lock (serial requests are atomic ones); a
transaction checks every condition before it writes anything, and undoes its writes in place if a write fails;
a shard iterator is forgotten once used (the event pump never reuses one).

And one older limit: moto reads at most 25 items in a transaction (TransactGetItems), DynamoDB 100 since 2022 (a
recount's snapshot reads up to 100 at once).

And one difference of speed: moto writes every answer by walking botocore's model of it, attribute by
attribute (seconds for a page of a thousand ideas). DynamoDB's answers are JSON already: they are written so.
"""

from __future__ import annotations

import copy
import functools
import json
import sys
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from moto.core.responses import BaseResponse
from moto.dynamodb import responses
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

_LOCK = threading.Lock()
_patched = False


def _serialised(call_action: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @functools.wraps(call_action)
    def locked(handler: Any) -> Any:
        with _LOCK:
            return call_action(handler)

    return locked


def _key(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
    return {name: op["Item"][name] for name in names}


class _Action(NamedTuple):
    kind: str  # ConditionCheck, Put, Delete or Update
    spec: dict[str, Any]
    key: dict[str, Any]
    current: Any  # the item as it was, or None


def _checked(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Action]:
    """The transaction's actions, once every condition holds; otherwise TransactionCanceledException."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    actions, seen, reasons = [], set(), []
    for entry in transact_items:
        (kind, spec), *others = entry.items()
        if others or kind not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise MultipleTransactionsException()
        key = _key(backend, kind, spec)
        identity = (spec["TableName"], str(sorted(key.items())))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        current = backend.get_item(spec["TableName"], key)
        condition = spec.get("ConditionExpression")
        names, values = spec.get("ExpressionAttributeNames"), spec.get("ExpressionAttributeValues")
        if condition and not get_filter_expression(condition, names, values).expr(current):
            returned = (
                current.to_json()["Attributes"] if current and spec.get("ReturnValuesOnConditionCheckFailure") else None
            )
            reasons.append(("ConditionalCheckFailed", "The conditional request failed", returned))
        else:
            reasons.append((None, None, None))
        actions.append(_Action(kind, spec, key, current))
    if any(code for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    return actions


def _undo(backend: DynamoDBBackend, tables: dict[str, Any], before: list[tuple[str, dict[str, Any], Any]]) -> None:
    for table_name, key, item in before:
        table = tables[table_name]
        hash_value, range_value = backend.get_keys_value(table, key)
        home = table.items[hash_value] if table.range_key_attr else table.items
        slot = range_value if table.range_key_attr else hash_value
        if item is None:
            home.pop(slot, None)
        else:
            home[slot] = item


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """All of the actions or none, as DynamoDB does them: every condition first, then every write."""
    actions = _checked(self, transact_items)
    tables = {a.spec["TableName"]: self.get_table(a.spec["TableName"]) for a in actions}
    stream_lengths = {name: len(t.stream_shard.items) for name, t in tables.items() if t.stream_shard is not None}
    before = [(a.spec["TableName"], a.key, copy.deepcopy(a.current)) for a in actions]
    try:
        for action in actions:
            table_name, spec = action.spec["TableName"], action.spec
            if action.kind == "Put":
                self.put_item(table_name, spec["Item"])
            elif action.kind == "Delete":
                self.delete_item(table_name, action.key)
            elif action.kind == "Update":
                names, values = spec.get("ExpressionAttributeNames") or {}, spec.get("ExpressionAttributeValues") or {}
                self.update_item(table_name, action.key, spec["UpdateExpression"], names, values)
    except Exception:  # a write failed (a malformed update, say): undo the others, and what the stream saw of them
        _undo(self, tables, before)
        for table_name, length in stream_lengths.items():
            del tables[table_name].stream_shard.items[length:]
        raise


def _as_json(serialized: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    @functools.wraps(serialized)
    def as_json(handler: Any, action_result: Any) -> Any:
        result = action_result.result
        if isinstance(result, dict):
            try:
                body = json.dumps(result)
            except TypeError:  # a date or a number kept as one: the model knows how to write it
                return serialized(handler, action_result)
            return 200, {"Content-Type": "application/x-amz-json-1.0", **handler.response_headers}, body
        return serialized(handler, action_result)

    return as_json


def get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
    records: dict[str, Any] = self.shard_iterators.pop(iterator_arn).get(limit)
    return records


def patch() -> None:
    """Make this process's moto faithful to DynamoDB, as the module's docstring says; once is enough."""
    global _patched  # noqa: PLW0603 - patching is once per process
    if _patched:
        return
    DynamoHandler.call_action = _serialised(DynamoHandler.call_action)  # type: ignore[method-assign]
    DynamoHandler.serialized = _as_json(BaseResponse.serialized)  # type: ignore[method-assign]
    DynamoDBStreamsHandler.call_action = _serialised(BaseResponse.call_action)  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    DynamoDBStreamsBackend.get_records = get_records  # type: ignore[method-assign]
    responses.TRANSACTION_MAX_ITEMS = 100  # read by TransactGetItems alone: writes are checked in _checked
    _patched = True


if __name__ == "__main__":
    from moto.server import main

    patch()
    main(sys.argv[1:])

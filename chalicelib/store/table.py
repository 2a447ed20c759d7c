"""The single table through boto3's low-level client: Python values in and out, failures by name."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.store.schema import PARTITION_KEY, SORT_KEY

Item = dict[str, Any]

_TRANSACTION_ATTEMPTS = 5

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}


def from_attributes(attributes: Mapping[str, Any]) -> Item:
    return {name: _deserializer.deserialize(value) for name, value in attributes.items()}


class ConditionFailed(Exception):
    """A write's condition did not hold; `item` is the item as it was, when DynamoDB returned it."""

    def __init__(self, item: Item | None) -> None:
        super().__init__("conditional check failed")
        self.item = item


class TransactionCancelled(Exception):
    """A transaction wrote nothing. `reasons` holds one code per action ("None" for the innocent ones, and for
    every action when DynamoDB gave no reasons); `items`, for an action whose condition failed, the item as it
    was."""

    def __init__(self, reasons: Sequence[str], items: Sequence[Item | None]) -> None:
        super().__init__(f"transaction cancelled: {', '.join(reasons)}")
        self.reasons = tuple(reasons)
        self.items = tuple(items)

    def failed(self, action: int) -> bool:
        """Whether the condition of the `action`th action did not hold."""
        return self.reasons[action] == "ConditionalCheckFailed"


class Expression(NamedTuple):
    """An expression with its placeholders: `#name` for attribute names, `:value` for values."""

    text: str
    names: Mapping[str, str] = MappingProxyType({})
    values: Mapping[str, Any] = MappingProxyType({})


def update_text(sets: Iterable[str] = (), adds: Iterable[str] = (), removes: Iterable[str] = ()) -> str:
    """An UpdateExpression's text of these clauses ("#a = :a", "#b :b", "#c"), leaving out the empty kinds."""
    clauses = {"SET": list(sets), "ADD": list(adds), "REMOVE": list(removes)}
    return " ".join(f"{verb} {', '.join(each)}" for verb, each in clauses.items() if each)


class Update(NamedTuple):
    """One action of a transaction."""

    key: Mapping[str, str]
    update: Expression
    condition: Expression | None = None


class Put(NamedTuple):
    """One action of a transaction."""

    item: Mapping[str, Any]
    condition: Expression | None = None


class Delete(NamedTuple):
    """One action of a transaction."""

    key: Mapping[str, str]
    condition: Expression | None = None


class Check(NamedTuple):
    """One action of a transaction: a condition on another item, which it does not write."""

    key: Mapping[str, str]
    condition: Expression


Action = Update | Put | Delete | Check


def _expression_arguments(*expressions: Expression | None) -> dict[str, Any]:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for expression in expressions:
        if expression is not None:
            names.update(expression.names)
            values.update(expression.values)
    arguments: dict[str, Any] = {}
    if names:
        arguments["ExpressionAttributeNames"] = names
    if values:
        arguments["ExpressionAttributeValues"] = to_attributes(values)
    return arguments


class Table:
    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def get(self, key: Mapping[str, str], *, consistent: bool = False) -> Item | None:
        response = self.client.get_item(TableName=self.name, Key=to_attributes(key), ConsistentRead=consistent)
        return from_attributes(response["Item"]) if "Item" in response else None

    def put(self, item: Mapping[str, Any], *, condition: Expression | None = None) -> None:
        arguments: dict[str, Any] = {"TableName": self.name, "Item": to_attributes(item)}
        if condition is not None:
            arguments |= {"ConditionExpression": condition.text, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
        self._write(self.client.put_item, arguments | _expression_arguments(condition))

    def update(
        self,
        key: Mapping[str, str],
        update: Expression,
        *,
        condition: Expression | None = None,
        returns: str = "NONE",
    ) -> Item:
        arguments: dict[str, Any] = {
            "TableName": self.name,
            "Key": to_attributes(key),
            "UpdateExpression": update.text,
            "ReturnValues": returns,
        }
        if condition is not None:
            arguments |= {"ConditionExpression": condition.text, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
        response = self._write(self.client.update_item, arguments | _expression_arguments(update, condition))
        return from_attributes(response.get("Attributes", {}))

    def delete(self, key: Mapping[str, str]) -> None:
        self.client.delete_item(TableName=self.name, Key=to_attributes(key))

    def query(
        self,
        key_condition: Expression,
        *,
        index: str | None = None,
        limit: int | None = None,
        start: Mapping[str, str] | None = None,
        descending: bool = False,
        consistent: bool = False,
        attributes: Sequence[str] = (),
    ) -> tuple[list[Item], Item | None]:
        """One Query call: its items (only `attributes` of them, when named) and the key to continue from, if
        DynamoDB stopped early."""
        arguments: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key_condition.text,
            "ScanIndexForward": not descending,
            **_expression_arguments(key_condition),
        }
        if attributes:
            projected = {f"#a{n}": name for n, name in enumerate(attributes)}
            arguments["ProjectionExpression"] = ", ".join(projected)
            arguments.setdefault("ExpressionAttributeNames", {}).update(projected)
        if index is not None:
            arguments["IndexName"] = index
        else:
            arguments["ConsistentRead"] = consistent
        if limit is not None:
            arguments["Limit"] = limit
        if start:
            arguments["ExclusiveStartKey"] = to_attributes(start)
        response = self.client.query(**arguments)
        last = response.get("LastEvaluatedKey")
        return [from_attributes(i) for i in response.get("Items", [])], (from_attributes(last) if last else None)

    def query_all(
        self,
        key_condition: Expression,
        *,
        index: str | None = None,
        attributes: Sequence[str] = (),
        consistent: bool = False,
    ) -> Iterable[Item]:
        start: Item | None = None
        while True:
            items, start = self.query(
                key_condition, index=index, start=start, attributes=attributes, consistent=consistent
            )
            yield from items
            if start is None:
                return

    def count(self, key_condition: Expression, *, index: str | None = None) -> int:
        """How many items the key condition finds (each page of a Query reads up to 1 MB of them)."""
        arguments: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key_condition.text,
            "Select": "COUNT",
            **_expression_arguments(key_condition),
        }
        if index is not None:
            arguments["IndexName"] = index
        total = 0
        while True:
            response = self.client.query(**arguments)
            total += int(response["Count"])
            if "LastEvaluatedKey" not in response:
                return total
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def batch_write(self, puts: Sequence[Mapping[str, Any]] = (), deletes: Sequence[Mapping[str, str]] = ()) -> None:
        """Put and delete items, 25 a call, unprocessed ones retried: no conditions, each write on its own."""
        requests = [{"PutRequest": {"Item": to_attributes(item)}} for item in puts]
        requests += [{"DeleteRequest": {"Key": to_attributes(key)}} for key in deletes]
        for offset in range(0, len(requests), 25):
            pending: dict[str, Any] = {self.name: requests[offset : offset + 25]}
            for attempt in range(8):
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
            else:
                raise RuntimeError("DynamoDB left writes unprocessed after 8 attempts")

    def batch_get(
        self, keys: Sequence[Mapping[str, str]], *, consistent: bool = False, attributes: Sequence[str] = ()
    ) -> list[Item]:
        """Every item of `keys` that exists, in no particular order; 100 keys a call, unprocessed ones retried."""
        found: list[Item] = []
        for offset in range(0, len(keys), 100):
            request: dict[str, Any] = {"Keys": [to_attributes(k) for k in keys[offset : offset + 100]]}
            request["ConsistentRead"] = consistent
            if attributes:
                request["ProjectionExpression"] = ", ".join(f"#a{i}" for i in range(len(attributes)))
                request["ExpressionAttributeNames"] = {f"#a{i}": a for i, a in enumerate(attributes)}
            pending: dict[str, Any] = {self.name: request}
            for _attempt in range(8):
                response = self.client.batch_get_item(RequestItems=pending)
                found += [from_attributes(i) for i in response["Responses"].get(self.name, [])]
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
            else:
                raise RuntimeError("DynamoDB left keys unprocessed after 8 attempts")
        return found

    def transact_get(self, keys: Sequence[Mapping[str, str]]) -> list[Item | None]:
        """The items of `keys` (None for each that does not exist), all as of one moment: at most 100."""
        response = self.client.transact_get_items(
            TransactItems=[{"Get": {"TableName": self.name, "Key": to_attributes(key)}} for key in keys]
        )
        return [from_attributes(r["Item"]) if r.get("Item") else None for r in response["Responses"]]

    def transact(self, actions: Sequence[Action]) -> None:
        """All of `actions` or none of them; TransactionCancelled says which conditions failed."""
        items: list[dict[str, Any]] = []
        for action in actions:
            spec: dict[str, Any] = {"TableName": self.name}
            if isinstance(action, Update):
                spec |= {"Key": to_attributes(action.key), "UpdateExpression": action.update.text}
                spec |= _expression_arguments(action.update, action.condition)
            elif isinstance(action, Put):
                spec |= {"Item": to_attributes(action.item), **_expression_arguments(action.condition)}
            else:
                spec |= {"Key": to_attributes(action.key), **_expression_arguments(action.condition)}
            if action.condition is not None:
                spec["ConditionExpression"] = action.condition.text
                spec["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            kind = "ConditionCheck" if isinstance(action, Check) else type(action).__name__
            items.append({kind: spec})
        for attempt in range(_TRANSACTION_ATTEMPTS):
            try:
                self.client.transact_write_items(TransactItems=items)
                return
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = error.response.get("CancellationReasons") or [{}] * len(actions)
                cancelled = TransactionCancelled(
                    [r.get("Code", "None") for r in reasons],
                    [from_attributes(r["Item"]) if r.get("Item") else None for r in reasons],
                )
                # Another transaction held one of the items: nothing was wrong with this one, so again.
                if "TransactionConflict" not in cancelled.reasons or attempt == _TRANSACTION_ATTEMPTS - 1:
                    raise cancelled from error
            time.sleep(random.uniform(0, 0.01 * 2**attempt))

    def _write(self, call: Any, arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            response: dict[str, Any] = call(**arguments)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = error.response.get("Item")
            raise ConditionFailed(from_attributes(old) if old else None) from error
        return response


def key_of(item: Mapping[str, Any], *attributes: str) -> dict[str, str]:
    """The table key of `item`, with the given index attributes: what a page continues from."""
    return {name: item[name] for name in (PARTITION_KEY, SORT_KEY, *attributes)}

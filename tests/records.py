"""Stream records as Lambda delivers them, for tests of the stream consumer."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeSerializer

_serializer = TypeSerializer()


def attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in item.items()}


# When test records were written, as Lambda says it (seconds since the epoch): 2026-11-26T12:00:00Z.
WRITTEN = 1_795_694_400.0


def record(
    sequence: int,
    keys: dict[str, str],
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    written: float = WRITTEN,
) -> dict:
    stream: dict[str, Any] = {
        "ApproximateCreationDateTime": written,
        "Keys": attributes(keys),
        "SequenceNumber": str(sequence),
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old is not None:
        stream["OldImage"] = attributes({**keys, **old})
    if new is not None:
        stream["NewImage"] = attributes({**keys, **new})
    event = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    return {"eventName": event, "eventSource": "aws:dynamodb", "dynamodb": stream}


def ballot(votes: dict[str, Any], released: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ballot item's attributes, as the stream shows them."""
    return {
        "product_id": "p",
        "budget": 10,
        **{f"vote:{idea}": value for idea, value in votes.items()},
        **{f"released:{idea}": value for idea, value in (released or {}).items()},
    }


def ballot_record(
    sequence: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    released_after: dict[str, Any] | None = None,
    customer: str = "c",
) -> dict:
    keys = {"PK": f"CUSTOMER#{customer}", "SK": "BALLOT#p"}
    old = None if before is None else ballot(before)
    new = None if after is None else ballot(after, released_after)
    return record(sequence, keys, old, new)

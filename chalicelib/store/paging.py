"""Pages of a Query, and their cursors: the key a page continues from, opaque to clients and bound to its list.

A cursor carries a checksum over its list's name and the key. A cursor edited by hand, cut short or taken from
another list fails the check and is refused as bad input. The key inside is checked again on the way in, so
even a forged cursor can only move within its own list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping

from chalicelib.errors import InvalidInput
from chalicelib.store.schema import PARTITION_KEY, SORT_KEY, Index
from chalicelib.store.table import Expression, Item, Table, key_of

_TAG_BYTES = 8
_REFUSED = "is not a cursor of this list; ask for the first page again without it"


def _tag(scope: str, payload: bytes) -> bytes:
    return hashlib.blake2s(scope.encode() + b"\x00" + payload, digest_size=_TAG_BYTES).digest()


def encode(scope: str, key: Mapping[str, str]) -> str:
    payload = json.dumps(dict(key)).encode()
    return base64.urlsafe_b64encode(_tag(scope, payload) + payload).rstrip(b"=").decode("ascii")


def decode(scope: str, cursor: str, fixed: Mapping[str, str], free: frozenset[str]) -> dict[str, str]:
    """The key `cursor` holds, if it was made for `scope`, has the `fixed` values (the list's partition, say)
    and otherwise exactly the `free` attributes, each a short non-empty string."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput.of("cursor", _REFUSED) from None
    tag, payload = raw[:_TAG_BYTES], raw[_TAG_BYTES:]
    if len(tag) != _TAG_BYTES or tag != _tag(scope, payload):
        raise InvalidInput.of("cursor", _REFUSED)
    try:
        key = json.loads(payload)
    except ValueError:
        raise InvalidInput.of("cursor", _REFUSED) from None
    if (
        not isinstance(key, dict)
        or set(key) != set(fixed) | free
        or any(key[name] != value for name, value in fixed.items())
        or not all(isinstance(v, str) and 0 < len(v.encode()) <= 1024 for v in key.values())
    ):
        raise InvalidInput.of("cursor", _REFUSED)
    return key


def page(
    table: Table,
    index: Index,
    partition: str,
    *,
    fixed: Mapping[str, str],
    limit: int,
    cursor: str | None,
    descending: bool = False,
    sort_prefix: str | None = None,
) -> tuple[list[Item], str | None]:
    """Up to `limit` items of one partition of `index`, from `cursor` on: one Query, reading only the page.

    `fixed` names the attributes every key of the list shares (the partition, say), which a cursor must carry;
    `sort_prefix` keeps the page to the items whose sort key begins with it.
    """
    scope = f"{index.name or 'table'}:{partition}"
    free = frozenset({PARTITION_KEY, SORT_KEY, index.sort_key}) - fixed.keys()
    start = decode(scope, cursor, fixed, free) if cursor else None
    names, values = {"#partition": index.partition_key}, {":partition": partition}
    text = "#partition = :partition"
    if sort_prefix is not None:
        if start and not start[index.sort_key].startswith(sort_prefix):
            raise InvalidInput.of("cursor", _REFUSED)
        names["#sort"], values[":prefix"] = index.sort_key, sort_prefix
        text += " AND begins_with(#sort, :prefix)"
    # One more than asked tells whether another page exists, so that the last page says so.
    items, stopped_at = table.query(
        Expression(text, names, values), index=index.name, limit=limit + 1, start=start, descending=descending
    )
    items, more = items[:limit], len(items) > limit or stopped_at is not None
    next_cursor = encode(scope, key_of(items[-1], index.partition_key, index.sort_key)) if more and items else None
    return items, next_cursor

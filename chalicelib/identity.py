"""Who is calling: a customer id (the `sub` claim) and whether they belong to the product team.

Claims come from API Gateway's Cognito authorizer, which verified the token. Locally, the stand-in for API
Gateway reads them from the token without checking its signature, as `chalice local` does.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PRODUCT_TEAM = "product-team"

_SUB = re.compile(r"^[A-Za-z0-9._:@+-]{1,128}$")


@dataclass(frozen=True)
class Caller:
    customer_id: str
    groups: frozenset[str] = frozenset()

    @property
    def is_product_team(self) -> bool:
        return PRODUCT_TEAM in self.groups


def caller_from_claims(claims: object) -> Caller | None:
    """The caller the claims describe, or None when they do not name one we can trust as a key."""
    if not isinstance(claims, Mapping):
        return None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not _SUB.match(sub):
        return None
    return Caller(customer_id=sub, groups=parse_groups(claims.get("cognito:groups")))


def parse_groups(value: object) -> frozenset[str]:
    """`cognito:groups` is a JSON list locally and a string from API Gateway ("a,b" or "[a b]")."""
    if isinstance(value, str):
        return frozenset(g for g in re.split(r"[\s,]+", value.strip().strip("[]")) if g)
    if isinstance(value, list):
        return frozenset(g for g in value if isinstance(g, str) and g)
    return frozenset()


def unverified_claims(authorization: str | None) -> dict[str, Any] | None:
    """The payload of a JWT (optionally "Bearer "-prefixed), without checking its signature."""
    if not authorization:
        return None
    token = authorization.removeprefix("Bearer ").strip()
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, binascii.Error):  # includes bad base64, bad UTF-8 and bad JSON
        return None
    return claims if isinstance(claims, dict) else None

"""Who is calling: a customer id (the `sub` claim) and whether they belong to the product team.

On guarded routes, claims come from API Gateway's Cognito authorizer, which verified the token. Public routes
have no authorizer, yet may tell a signed-in caller apart (`my_vote`): there the function checks the token
itself, against the user pool's keys (`CognitoTokens`). Locally, tokens are read without checking their
signature (`UnverifiedTokens`), as `chalice local` does.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

PRODUCT_TEAM = "product-team"

_SUB = re.compile(r"^[A-Za-z0-9._:@+-]{1,128}$")


class Caller(NamedTuple):
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


class Tokens(Protocol):
    def claims(self, authorization: str | None) -> dict[str, Any] | None:
        """The claims of the bearer token in `authorization`, if it is one to trust."""
        ...


class UnverifiedTokens:
    """The local stand-in: any well-formed token, unchecked."""

    def claims(self, authorization: str | None) -> dict[str, Any] | None:
        return unverified_claims(authorization)


class CognitoTokens:
    """Cognito ID tokens, checked as API Gateway's authorizer checks them: RS256 signature by a key of the user
    pool, issuer, audience (the app client), expiry, and `token_use` = id."""

    REFRESH_AT_MOST_EVERY = 300.0  # seconds: an unknown key id may be a new key, or a forgery

    def __init__(
        self, issuer: str, audience: str, fetch_jwks: Callable[[str], Mapping[str, Any]] | None = None
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._fetch_jwks = fetch_jwks or _fetch_json
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def claims(self, authorization: str | None) -> dict[str, Any] | None:
        if not authorization:
            return None
        import jwt  # only requests that carry a token to a public route need it

        token = authorization.removeprefix("Bearer ").strip()
        try:
            key = self._key(jwt.get_unverified_header(token).get("kid"))
            if key is None:
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        return claims if claims.get("token_use") == "id" else None

    def _key(self, kid: object) -> Any:
        if not isinstance(kid, str):
            return None
        with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at > self.REFRESH_AT_MOST_EVERY:
                import jwt

                jwks = self._fetch_jwks(f"{self.issuer}/.well-known/jwks.json")
                self._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", []) if "kid" in k}
                self._fetched_at = time.monotonic()
            return self._keys.get(kid)


def _fetch_json(url: str) -> Mapping[str, Any]:
    with urllib.request.urlopen(url, timeout=3) as answer:
        keys: Mapping[str, Any] = json.load(answer)
    return keys

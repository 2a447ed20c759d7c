"""Who is calling: a customer id (the `sub` claim) and whether they belong to the product team.

On guarded routes, claims come from API Gateway's Cognito authorizer, which verified the token. Public routes
have no authorizer, yet may tell a signed-in caller apart (`my_vote`): there the function checks the token
itself, against the user pool's keys (`CognitoTokens`). Locally, tokens are read without checking their
signature (`UnverifiedTokens`), as `chalice local` does.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import time
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

from chalicelib.observability import logger

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
    parts = authorization.split(".")  # a "Bearer " prefix stays with the header, which is not read
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
    pool, issuer, audience (the app client), expiry, and `token_use` = id.

    The pool's keys come from its JWKS endpoint through PyJWT's client, which caches them. When the endpoint
    cannot be reached, a token names nobody (a public route serves the caller anonymously) and the endpoint is
    not asked again for a while, so that an outage does not slow every request down.
    """

    KEYS_LIFESPAN = 3600.0  # seconds the pool's keys are trusted before they are fetched again
    REFRESH_AT_MOST_EVERY = 300.0  # seconds: an unknown key id may be a new key, or a forgery
    RETRY_UNREACHABLE_AFTER = 30.0  # seconds

    def __init__(self, issuer: str, audience: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._unreachable_until = float("-inf")

    @functools.cached_property
    def _keys(self) -> Any:
        import jwt  # only requests that carry a token to a public route need it

        return jwt.PyJWKClient(
            f"{self.issuer}/.well-known/jwks.json",
            lifespan=self.KEYS_LIFESPAN,
            cooldown_duration=self.REFRESH_AT_MOST_EVERY,
            timeout=3,
        )

    def claims(self, authorization: str | None) -> dict[str, Any] | None:
        if not authorization or time.monotonic() < self._unreachable_until:
            return None
        import jwt

        token = authorization.removeprefix("Bearer ").strip()
        try:
            key = self._keys.get_signing_key_from_jwt(token).key
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWKClientConnectionError:
            self._unreachable_until = time.monotonic() + self.RETRY_UNREACHABLE_AFTER
            logger.warning("the user pool's keys could not be fetched: tokens on public routes name nobody for now")
            return None
        except jwt.PyJWTError:
            return None
        return claims if claims.get("token_use") == "id" else None

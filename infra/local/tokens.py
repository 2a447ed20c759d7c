"""Identity tokens for the local stack: JWTs whose signature nobody checks, as Chalice's local gateway reads them."""

from __future__ import annotations

import base64
import json


def _segment(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()


def token(sub: str, *groups: str) -> str:
    claims: dict[str, object] = {"sub": sub, "cognito:username": sub, "token_use": "id"}
    if groups:
        claims["cognito:groups"] = list(groups)
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}.unsigned"


def bearer(sub: str, *groups: str) -> dict[str, str]:
    """The Authorization header for a user `sub` in `groups`."""
    return {"Authorization": f"Bearer {token(sub, *groups)}"}

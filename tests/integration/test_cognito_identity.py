"""Identity as it is in the cloud: tokens that a Cognito user pool signed, checked on public routes by the
function itself (API Gateway checks them on the guarded ones). Tokens come from moto's Cognito."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
import jwt
import pytest
from moto.utilities.utils import load_resource

from chalicelib import wiring
from chalicelib.identity import CognitoTokens
from infra.local.tokens import token as unsigned_token
from tests.tokens import PRODUCT_TEAM

PASSWORD = "Correct-horse-battery-1"


class Pool:
    def __init__(self, session: boto3.session.Session) -> None:
        self.idp = session.client("cognito-idp")
        self.id = self.idp.create_user_pool(PoolName="cocreate")["UserPool"]["Id"]
        self.client_id = self.idp.create_user_pool_client(
            UserPoolId=self.id, ClientName="web", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        self.issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{self.id}"

    def sign_in(self, username: str) -> dict[str, str]:
        self.idp.admin_create_user(UserPoolId=self.id, Username=username, MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(UserPoolId=self.id, Username=username, Password=PASSWORD, Permanent=True)
        result = self.idp.admin_initiate_auth(
            UserPoolId=self.id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        return {"id": result["IdToken"], "access": result["AccessToken"]}


def moto_jwks() -> dict[str, Any]:
    return load_resource("cognitoidp/resources/jwks-public.json")


class JwksEndpoint:
    """The pool's JWKS endpoint, as PyJWT's client opens it: moto's keys, and the addresses asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def open(self, request: urllib.request.Request, timeout: float) -> io.BytesIO:
        self.asked.append(request.full_url)
        return io.BytesIO(json.dumps(moto_jwks()).encode())


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    endpoint = JwksEndpoint()
    monkeypatch.setattr("jwt.jwks_client.urllib.request.build_opener", lambda *handlers: endpoint)
    return endpoint.asked


def forged(claims: dict[str, Any]) -> str:
    """A token signed with moto's private key, saying whatever we like."""
    key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


@pytest.fixture
def pool(aws) -> Pool:
    return Pool(aws)


def test_a_token_the_pool_signed_names_its_user(pool, fetched):
    tokens = CognitoTokens(pool.issuer, pool.client_id)
    claims = tokens.claims("Bearer " + pool.sign_in("ada")["id"])
    assert claims is not None
    assert claims["cognito:username"] == "ada"


def test_tokens_that_are_not_the_pools_id_tokens_name_nobody(pool, fetched):
    signed_in = pool.sign_in("ada")
    tokens = CognitoTokens(pool.issuer, pool.client_id)
    head, payload, signature = signed_in["id"].split(".")
    now = int(time.time())
    valid = {"iss": pool.issuer, "aud": pool.client_id, "sub": "s", "token_use": "id", "iat": now, "exp": now + 60}
    for bad in (
        None,
        "garbage",
        f"{head}.{payload}.{signature[:-4]}AAAA",  # signature tampered with
        unsigned_token("ada"),  # what the local stack accepts
        signed_in["access"],  # an access token, not an ID token
        forged({**valid, "exp": now - 10}),  # expired
        forged({**valid, "aud": "another-client"}),
        forged({**valid, "iss": "https://cognito-idp.us-east-1.amazonaws.com/another-pool"}),
        forged({**valid, "token_use": "access"}),  # signed and addressed to us, but not an ID token
        forged({k: v for k, v in valid.items() if k != "exp"}),  # never expires
        forged({k: v for k, v in valid.items() if k != "sub"}),  # names nobody
    ):
        assert tokens.claims(bad) is None
    assert tokens.claims(forged(valid)) is not None  # the same claims, properly signed, do pass


def test_an_issuer_configured_with_a_trailing_slash_still_matches_the_tokens(pool, fetched):
    tokens = CognitoTokens(pool.issuer + "/", pool.client_id)
    assert tokens.claims("Bearer " + pool.sign_in("ada")["id"]) is not None
    assert fetched == [f"{pool.issuer}/.well-known/jwks.json"]


def test_unknown_key_ids_fetch_the_keys_at_most_once_in_five_minutes(pool, fetched):
    tokens = CognitoTokens(pool.issuer, pool.client_id)
    now = int(time.time())
    stranger = {"iss": pool.issuer, "aud": pool.client_id, "sub": "s", "token_use": "id", "exp": now + 60}
    key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    for n in range(5):
        assert tokens.claims(jwt.encode(stranger, key, algorithm="RS256", headers={"kid": f"unknown-{n}"})) is None
    assert fetched == [f"{pool.issuer}/.well-known/jwks.json"]


def in_the_cloud(monkeypatch, issuer: str, audience: str) -> None:
    monkeypatch.setenv("COCREATE_IDENTITY", "cognito")
    monkeypatch.setenv("COCREATE_TOKEN_ISSUER", issuer)
    monkeypatch.setenv("COCREATE_TOKEN_AUDIENCE", audience)
    monkeypatch.setenv("COCREATE_UNSUBSCRIBE_KEY", "k" * 32)
    wiring.reset()
    # Built now: Chalice's test client puts the stage's own variables back for the length of each request.
    assert wiring.services().tokens.__class__ is CognitoTokens


def test_in_the_cloud_a_public_route_knows_a_signed_in_caller_only_by_a_signed_token(api, pool, fetched, monkeypatch):
    in_the_cloud(monkeypatch, pool.issuer, pool.client_id)
    api.post("/products", {"product_id": "roadster", "name": "R"}, headers=PRODUCT_TEAM)
    id_token = pool.sign_in("ada")["id"]
    sub = jwt.decode(id_token, options={"verify_signature": False})["sub"]
    body = {"kind": "suggestion", "title": "Cup holders", "description": "d"}
    # A guarded route: API Gateway verified the token and hands the function its claims.
    idea = api.post("/products/roadster/ideas", body, headers={"Authorization": unsigned_token(sub)}).json_body
    assert idea["my_vote"] == 1
    shown = api.get(f"/ideas/{idea['idea_id']}", headers={"Authorization": f"Bearer {id_token}"}).json_body
    assert shown["my_vote"] == 1
    impostor = api.get(f"/ideas/{idea['idea_id']}", headers={"Authorization": f"Bearer {unsigned_token(sub)}"})
    assert "my_vote" not in impostor.json_body


class UnreachableEndpoint(JwksEndpoint):
    def open(self, request: urllib.request.Request, timeout: float) -> io.BytesIO:
        self.asked.append(request.full_url)
        raise urllib.error.URLError("connection refused")


def test_when_the_pools_keys_cannot_be_fetched_a_public_route_serves_the_caller_anonymously(api, pool, monkeypatch):
    endpoint = UnreachableEndpoint()
    monkeypatch.setattr("jwt.jwks_client.urllib.request.build_opener", lambda *handlers: endpoint)
    in_the_cloud(monkeypatch, pool.issuer, pool.client_id)
    api.post("/products", {"product_id": "roadster", "name": "R"}, headers=PRODUCT_TEAM)
    signed = {"Authorization": f"Bearer {pool.sign_in('ada')['id']}"}
    for _request in range(3):
        answer = api.get("/products/roadster", headers=signed)
        assert answer.status_code == 200
        assert answer.json_body["product_id"] == "roadster"
    assert len(endpoint.asked) == 1  # an outage is not asked about on every request

"""Identity as it is in the cloud: tokens that a Cognito user pool signed, checked on public routes by the
function itself (API Gateway checks them on the guarded ones). Tokens come from moto's Cognito."""

from __future__ import annotations

import time
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


def moto_jwks(_url: str) -> dict[str, Any]:
    return load_resource("cognitoidp/resources/jwks-public.json")


def forged(claims: dict[str, Any]) -> str:
    """A token signed with moto's private key, saying whatever we like."""
    key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


@pytest.fixture
def pool(aws) -> Pool:
    return Pool(aws)


def test_a_token_the_pool_signed_names_its_user(pool):
    tokens = CognitoTokens(pool.issuer, pool.client_id, moto_jwks)
    claims = tokens.claims("Bearer " + pool.sign_in("ada")["id"])
    assert claims is not None
    assert claims["cognito:username"] == "ada"


def test_tokens_that_are_not_the_pools_id_tokens_name_nobody(pool):
    signed_in = pool.sign_in("ada")
    tokens = CognitoTokens(pool.issuer, pool.client_id, moto_jwks)
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
    ):
        assert tokens.claims(bad) is None
    assert tokens.claims(forged(valid)) is not None  # the same claims, properly signed, do pass


def test_unknown_key_ids_fetch_the_keys_at_most_once_in_five_minutes(pool):
    fetched = []
    tokens = CognitoTokens(pool.issuer, pool.client_id, lambda url: fetched.append(url) or moto_jwks(url))
    now = int(time.time())
    stranger = {"iss": pool.issuer, "aud": pool.client_id, "sub": "s", "token_use": "id", "exp": now + 60}
    key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    for n in range(5):
        assert tokens.claims(jwt.encode(stranger, key, algorithm="RS256", headers={"kid": f"unknown-{n}"})) is None
    assert fetched == [f"{pool.issuer}/.well-known/jwks.json"]


def test_in_the_cloud_a_public_route_knows_a_signed_in_caller_only_by_a_signed_token(api, pool, monkeypatch):
    monkeypatch.setenv("COCREATE_IDENTITY", "cognito")
    monkeypatch.setenv("COCREATE_TOKEN_ISSUER", pool.issuer)
    monkeypatch.setenv("COCREATE_TOKEN_AUDIENCE", pool.client_id)
    monkeypatch.setattr("chalicelib.identity._fetch_json", moto_jwks)
    wiring.reset()
    # Built now: Chalice's test client puts the stage's own variables back for the length of each request.
    assert wiring.services().tokens.__class__ is CognitoTokens
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

import pytest

from chalicelib.identity import UnverifiedTokens, caller_from_claims, parse_groups, unverified_claims
from infra.local.tokens import token


@pytest.mark.parametrize(
    ("value", "groups"),
    [
        (["product-team", "beta"], {"product-team", "beta"}),  # locally: a JSON list
        ("product-team", {"product-team"}),  # API Gateway: one group
        ("beta,product-team", {"beta", "product-team"}),  # API Gateway: several, comma-separated
        ("[beta product-team]", {"beta", "product-team"}),  # API Gateway: several, bracketed
        ("", set()),
        (None, set()),
        (42, set()),
    ],
)
def test_groups_arrive_as_a_list_or_a_string(value, groups):
    assert parse_groups(value) == groups


def test_the_customer_is_the_sub_claim():
    caller = caller_from_claims({"sub": "c-1", "cognito:groups": "product-team"})
    assert caller is not None
    assert caller.customer_id == "c-1"
    assert caller.is_product_team


@pytest.mark.parametrize("groups", [None, "beta", "product-teams", "Product-Team", ["beta", "admins"]])
def test_only_the_product_team_group_makes_a_team_member(groups):
    caller = caller_from_claims({"sub": "c-1", "cognito:groups": groups})
    assert caller is not None
    assert not caller.is_product_team


@pytest.mark.parametrize("claims", [None, [], {}, {"sub": ""}, {"sub": 7}, {"sub": "a b"}, {"sub": "x" * 129}])
def test_claims_without_a_usable_sub_name_nobody(claims):
    assert caller_from_claims(claims) is None


@pytest.mark.parametrize(
    "header", [None, "", "garbage", "Bearer a.b", "Bearer a.!!!.c", "Bearer a.bm90IGpzb24.c", "Bearer a.WzFd.c"]
)
def test_undecodable_tokens_carry_no_claims(header):
    assert unverified_claims(header) is None


def test_a_local_token_carries_its_claims_with_or_without_bearer():
    raw = token("c-1", "product-team")
    assert unverified_claims(f"Bearer {raw}")["sub"] == "c-1"
    assert unverified_claims(raw)["cognito:groups"] == ["product-team"]


def test_the_local_stand_in_for_cognito_reads_a_tokens_claims_unchecked():
    assert UnverifiedTokens().claims(f"Bearer {token('c-1')}")["sub"] == "c-1"

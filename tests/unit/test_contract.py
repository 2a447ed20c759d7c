"""API.md, the contract, travels with the repository: it holds the shared contract word for word, and documents
every route the app serves."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "API.md"  # where the contract is kept beside the repository, when it is
ROUTE = re.compile(r"`(GET|HEAD|POST|PUT|PATCH|DELETE) (/[^`?\s]*)")


def shape(routes: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Routes with their parameters unnamed: the prose says `{id}` where a table says `{idea_id}`."""
    return {(method, re.sub(r"{\w+}", "{}", path)) for method, path in routes}


def documented() -> set[tuple[str, str]]:
    return shape(set(ROUTE.findall((ROOT / "API.md").read_text())))


@pytest.mark.skipif(not SHARED.exists(), reason="the shared contract is not beside this checkout")
def test_the_repositorys_contract_holds_the_shared_one_word_for_word():
    assert SHARED.read_text() in (ROOT / "API.md").read_text()


def test_every_route_served_is_in_the_contract_and_every_route_there_is_served():
    from app import app

    served = shape({(method, path) for path, methods in app.routes.items() for method in methods})
    assert served - documented() == set(), "served but not in API.md"
    assert documented() - served == set(), "in API.md but not served"

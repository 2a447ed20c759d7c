"""The local stack holds under concurrent load as DynamoDB would: no 5xx, no budget exceeded, every count equal
to its ballots, and the event pump still delivering afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from bench import soak
from infra.local import process
from infra.local.process import LocalStack
from infra.local.tokens import bearer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def soak_stack() -> Iterator[LocalStack]:
    stack = process.start({"COCREATE_WRITE_LIMIT_PER_MINUTE": soak.WRITE_LIMIT})
    yield stack
    stack.stop()


def test_forty_customers_voting_at_once_on_a_small_budget_are_counted_exactly(soak_stack):
    run = soak.run(soak_stack, customers=40, writes_each=12, rounds=3, budget=2)

    assert run.requests == 3 * 40 * 12
    assert not [s for s in run.statuses if s >= 500], run.statuses
    assert set(run.statuses) <= {200, 204, 409}, run.statuses  # 409: a full budget, or a closed idea
    ballots = soak.ballots(soak_stack, run.product_id)
    for ballot in ballots:
        cast = [name for name in ballot if name.startswith("vote:")]
        assert ballot["used"] == len(cast) <= 2, ballot
    truth = soak.counted(ballots)
    for idea_id in run.ideas:
        shown = requests.get(f"{soak_stack.url}/ideas/{idea_id}", timeout=10).json()["votes"]
        assert (shown["up"], shown["down"]) == (truth.get(idea_id, {}).get(1, 0), truth.get(idea_id, {}).get(-1, 0))

    # The pump still delivers: one more vote is counted.
    open_idea = next(i for i in run.ideas if i not in run.closed)
    before = requests.get(f"{soak_stack.url}/ideas/{open_idea}", timeout=10).json()["votes"]["up"]
    voter = bearer(f"{run.product_id}-late")
    vote = requests.put(f"{soak_stack.url}/ideas/{open_idea}/vote", json={"value": 1}, headers=voter, timeout=10)
    assert vote.status_code == 200
    soak_stack.drain()  # the background pump may already have delivered it: the count is what matters
    assert requests.get(f"{soak_stack.url}/ideas/{open_idea}", timeout=10).json()["votes"]["up"] == before + 1

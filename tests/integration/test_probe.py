"""The probe: 5,000 votes from 500 customers over 50 ideas, with an unreadable record in every 500, one batch in
ten delivered twice and some invocations dying before or after their work, Lambda's bisect-and-retry modelled
(tests/lambda_model.py). Every count ends exact, nothing is given up, and each unreadable record is kept whole.

`make test` runs a fifth of it (1,000 votes from 100 customers, an unreadable record in every 100), in half a
minute; `make probe` runs all of it (about two minutes)."""

from __future__ import annotations

import contextlib
import json
import os
import random
from collections import Counter

from chalicelib import wiring
from chalicelib.domain.catalogue import ProductDraft
from chalicelib.domain.ideas import SuggestionDraft
from chalicelib.errors import VoteBudgetExhausted
from chalicelib.store import keys
from chalicelib.store.ballots import RELEASED, VOTE
from chalicelib.store.quarantine import Quarantine
from infra.local.pump import EventPump
from tests.lambda_model import LambdaShard

SCALE = int(os.environ.get("COCREATE_PROBE_SCALE", "1"))  # make probe: 5
VOTES, CUSTOMERS, IDEAS, POISON_EVERY = 1000 * SCALE, 100 * SCALE, 50, 100 * SCALE


def test_five_thousand_votes_through_poison_duplicates_and_crashes_end_with_every_count_exact(aws, local_environment):
    from app import on_table_change

    rng = random.Random(2026)
    services = wiring.services()
    table = services.ideas.ideas.table
    services.catalogue.create(ProductDraft(product_id="probe", name="Probe", vote_budget=10))
    ideas = [
        services.ideas.submit(
            f"author-{n}", "probe", SuggestionDraft(kind="suggestion", title=f"{n}", description="d")
        ).view.idea_id
        for n in range(IDEAS)
    ]
    stream = EventPump(aws, local_environment["COCREATE_TABLE"], on_table_change)
    lambda_ = LambdaShard(on_table_change, stream.shards[0], rng, duplicate_rate=0.1, crash_rate=0.05)

    def deliver() -> None:
        for _shard, records in stream.read():
            start = 0
            while start < len(records):  # in batches of Lambda's choosing
                size = rng.randint(1, 300)
                lambda_.deliver(records[start : start + size])
                start += size

    for n in range(VOTES):
        with contextlib.suppress(VoteBudgetExhausted):
            services.voting.cast(f"c{rng.randrange(CUSTOMERS)}", rng.choice(ideas), rng.choice([1, 1, -1]))
        if n % POISON_EVERY == POISON_EVERY // 2:
            table.put(
                {**keys.ballot(f"poison-{n}", "probe"), "product_id": "probe", "budget": 10, f"vote:{ideas[0]}": 7}
            )
        if n % (VOTES // 20) == 0:
            deliver()
    while True:  # until the stream is delivered to its end, what the deliveries wrote included
        before = lambda_.invocations
        deliver()
        if lambda_.invocations == before:
            break

    truth: dict[str, Counter[int]] = {i: Counter() for i in ideas}
    for item in table.client.scan(TableName=table.name)["Items"]:
        if item["SK"]["S"] == "BALLOT#probe" and not item["PK"]["S"].startswith("CUSTOMER#poison"):
            for name, value in item.items():
                if name.startswith((VOTE, RELEASED)):
                    truth[name.split(":", 1)[1]][int(value["N"])] += 1
    for idea_id in ideas:
        idea = services.ideas.get(idea_id)
        assert (idea.up, idea.down) == (truth[idea_id][1], truth[idea_id][-1]), idea_id
    assert lambda_.given_up == []
    kept = list(Quarantine(table).all())
    assert len(kept) == VOTES // POISON_EVERY
    assert all(json.loads(k.unreadable.record)["dynamodb"]["NewImage"][f"vote:{ideas[0]}"] == {"N": "7"} for k in kept)

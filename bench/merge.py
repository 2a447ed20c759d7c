"""A merge of an idea with 10,000 supporters: the scheduled move's time, calls and modelled capacity, and the
counting of the moved votes by the stream, against moto in-process.

The supporters' ballots are written straight to the table (as the API would have left them), so that the figures
are the move's alone: most up-vote the merged idea only; one in ten votes on the target too (released, not moved),
one in ten votes down (released), and one in five has a commitment, which moves with the vote.
"""

from __future__ import annotations

import time
from typing import Any

from bench.capacity import put_all, submit, world
from chalicelib import wiring
from chalicelib.domain.catalogue import ProductDraft
from chalicelib.domain.ideas import IdeaStatus
from chalicelib.domain.lifecycle import StatusChange
from chalicelib.store import keys
from chalicelib.store.ballots import COMMIT, VOTE
from chalicelib.store.schema import BALLOTS
from chalicelib.streams.handler import handle_stream_batch
from infra.local.pump import EventPump

SUPPORTERS = 10_000


def ballot(n: int, merged: str, target: str) -> dict[str, Any]:
    votes = {VOTE + merged: -1 if n % 10 == 1 else 1}
    if n % 10 == 2:
        votes[VOTE + target] = 1
    if n % 5 == 3:
        votes[COMMIT + merged] = {"quantity": 2, "max_unit_price": 500}
    return {
        **keys.ballot(f"supporter-{n:05d}", "p"),
        BALLOTS.partition_key: keys.product_ballots("p"),
        "product_id": "p",
        "budget": 10,
        "used": sum(1 for name in votes if name.startswith(VOTE)),
        "version": 1,
        **votes,
    }


def measure(supporters: int = SUPPORTERS) -> dict[str, Any]:
    with world() as (session, meter):
        services = wiring.services()
        table = services.catalogue.products.table
        pump = EventPump(session, table.name, lambda event, _: handle_stream_batch(event, services.stream_consumer))
        with meter.paused():
            services.catalogue.create(ProductDraft(product_id="p", name="P", vote_budget=10))
            merged, target = submit(services, "p", "author-a", "Roof box"), submit(services, "p", "author-b", "Rack")
            put_all(table, [ballot(n, merged, target) for n in range(supporters)])
            services.lifecycle.change(merged, StatusChange(status=IdeaStatus.MERGED, merged_into=target))
            pump.drain()
        started = time.perf_counter()
        finished = services.merging.run()
        seconds = time.perf_counter() - started
        moving = meter.take()
        started = time.perf_counter()
        pump.drain()
        counting_seconds = time.perf_counter() - started
        counting = meter.take()
        assert finished == [merged], finished
        moved = services.ideas.get(target)
    return {
        "supporters": supporters,
        "target_up": moved.up if moved else 0,
        "seconds": round(seconds, 1),
        "calls": dict(sorted(moving.calls.items())),
        "write_calls": moving.write_calls,
        "wcu": round(moving.all_write_units),
        "rcu": round(moving.read_units),
        "counting_seconds": round(counting_seconds, 1),
        "counting_calls": dict(sorted(counting.calls.items())),
        "counting_wcu": round(counting.all_write_units),
    }

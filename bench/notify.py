"""A status change told to an idea with 10,000 followers: the scheduled delivery's time, calls and modelled
capacity, the mail it sends, and what the change costs the stream's commit, against moto in-process.

The followers are written straight to the table (as votes and follows would have left them); one in ten has email
on for status changes. The delivery is run as the schedule runs it, a page of 100 followers at a time.
"""

from __future__ import annotations

import time
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from bench.capacity import put_all, submit, world
from chalicelib import wiring
from chalicelib.domain.catalogue import ProductDraft
from chalicelib.domain.ideas import IdeaStatus
from chalicelib.domain.lifecycle import StatusChange
from chalicelib.store import keys
from chalicelib.store.schema import TIMELINE
from chalicelib.streams.handler import handle_stream_batch
from infra.local.pump import EventPump

FOLLOWERS = 10_000
MAILED = 10  # one follower in this many has email on


def follower(n: int, idea_id: str) -> list[dict[str, Any]]:
    customer = f"follower-{n:05d}"
    follow = {
        **keys.follow(customer, idea_id),
        "idea_id": idea_id,
        "following": True,
        "since": "2026-11-20T09:30:00.000Z",
        TIMELINE.partition_key: keys.followers(idea_id),
        TIMELINE.sort_key: customer,
    }
    if n % MAILED:
        return [follow]
    wish = {"address": f"{customer}@example.com", "events": ["status_changed"]}
    return [follow, {**keys.preferences(customer), "email": wish, "consent_given_at": "2026-11-20T09:30:00.000Z"}]


def measure(followers: int = FOLLOWERS) -> dict[str, Any]:
    with world() as (session, meter):
        services = wiring.services()
        table = services.catalogue.products.table
        pump = EventPump(session, table.name, lambda event, _: handle_stream_batch(event, services.stream_consumer))
        with meter.paused():
            services.catalogue.create(ProductDraft(product_id="p", name="P"))
            idea = submit(services, "p", "author", "Heated seats")
            put_all(table, [item for n in range(followers) for item in follower(n, idea)])
            pump.drain()
        services.lifecycle.change(idea, StatusChange(status=IdeaStatus.UNDER_REVIEW, response="We are pricing it."))
        changing = meter.take()
        pump.drain()
        counting = meter.take()
        started = time.perf_counter()
        delivered = services.notifications.run()
        seconds = time.perf_counter() - started
        delivering = meter.take()
        mailed = len(ses_backends[DEFAULT_ACCOUNT_ID][session.region_name].sent_messages)
        assert services.notifications.jobs.pending() == []
    return {
        "followers": followers + 1,  # and the author
        "delivered": delivered,
        "mailed": mailed,
        "seconds": round(seconds, 1),
        "calls": dict(sorted(delivering.calls.items())),
        "wcu": round(delivering.all_write_units),
        "rcu": round(delivering.read_units),
        "change_wcu": round(changing.all_write_units),
        "commit_calls": dict(sorted(counting.calls.items())),
        "commit_wcu": round(counting.all_write_units),
    }

"""DynamoDB calls and modelled capacity per operation: cocreate's ballots beside the naive design, in one run.

Everything runs against moto in-process; `bench.meter` prices each call from the items it touched. Where moto
differs from DynamoDB the bench works around it, and says so: moto writes two stream records for an UpdateItem
that creates an item, DynamoDB one, so voters' ballots exist before the votes whose aggregation is measured.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import UTC, datetime
from typing import Any

import boto3

from bench.meter import CapacityMeter, Usage
from bench.naive import NaiveVotes
from chalicelib import wiring
from chalicelib.domain.catalogue import ProductDraft
from chalicelib.domain.ideas import SuggestionDraft
from chalicelib.domain.listing import IdeaListQuery
from chalicelib.store.schema import INDEXES
from chalicelib.store.table import to_attributes
from chalicelib.streams.handler import handle_stream_batch
from infra.local.pump import EventPump

SAMPLES = 20
PAGE = 20
MID_MINUTE = datetime(2026, 11, 26, 12, 0, 30, tzinfo=UTC)


@contextmanager
def world() -> Iterator[tuple[Any, CapacityMeter]]:
    """moto with the local stage's resources, and a meter on the services' DynamoDB client."""
    from moto import mock_aws

    from infra.local import faithful_moto, stage
    from infra.local.provision import provision

    env = stage.environment()
    faithful_moto.patch()
    # Out of a request, nothing flushes the services' metrics, and Powertools prints each 100 it holds as a line
    # of JSON, even when metrics are disabled; the figures are printed once the world is gone.
    with mock_aws(), redirect_stdout(io.StringIO()):
        session = boto3.session.Session()
        provision(session, stage.resource_names(env))
        wiring.reset()
        services = wiring.services()
        client = services.catalogue.products.table.client
        indexes = {i.name: (i.partition_key, i.sort_key, i.projection == "KEYS_ONLY") for i in INDEXES if i.name}
        yield session, CapacityMeter(client, session.client("dynamodb"), indexes)


def put_all(table: Any, items: list[dict[str, Any]]) -> None:
    """Write `items` to the services' table as the API would have left them, 25 a BatchWriteItem."""
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": to_attributes(item)}} for item in items[start : start + 25]]
        table.client.batch_write_item(RequestItems={table.name: requests})


def submit(services: Any, product_id: str, author: str, title: str) -> str:
    draft = SuggestionDraft(kind="suggestion", title=title, description="A description of moderate length. " * 4)
    return str(services.ideas.submit(author, product_id, draft).view.idea_id)


def measure(meter: CapacityMeter, operation: Callable[[int], Any], samples: int = SAMPLES) -> Usage:
    meter.take()
    for n in range(samples):
        operation(n)
    return meter.take()


def per(usage: Usage, count: int) -> dict[str, Any]:
    return {
        "calls": {k: round(v / count, 2) for k, v in sorted(usage.calls.items())},
        "write_calls": round(usage.write_calls / count, 2),
        "wcu": round(usage.write_units / count, 2),
        "gsi_wcu": round(usage.index_write_units / count, 2),
        "rcu": round(usage.read_units / count, 2),
        "items_read": round(usage.items_read / count, 1),
    }


class Http:
    """The API through Chalice's test client, as a front end calls it: identity, limits, parsing and all."""

    def __init__(self) -> None:
        from app import app
        from infra.local import stage
        from infra.local.gateway import test_client

        self.client = test_client(app, str(stage.ROOT), stage.STAGE)

    def call(self, method: str, path: str, caller: str, body: Any = None, *groups: str) -> Any:
        from infra.local.tokens import bearer

        headers = {"Content-Type": "application/json", **bearer(caller, *groups)}
        body_bytes = json.dumps(body).encode() if body else b""
        answer = self.client.http.request(method, path, headers=headers, body=body_bytes)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.body!r}")
        return json.loads(answer.body) if answer.body else None


def operations() -> dict[str, dict[str, Any]]:
    """Each operation through the API, one at a time: cocreate's; then the naive design's, through its store."""
    results: dict[str, dict[str, Any]] = {}
    with world() as (_, meter):
        services = wiring.services()
        services.voting.ballots.clock = lambda: MID_MINUTE  # every vote in one minute of the write window
        http = Http()
        with meter.paused():
            http.call("POST", "/products", "team", {"product_id": "p", "name": "P", "vote_budget": 50}, "product-team")
            ideas = [submit(services, "p", f"author-{n}", f"Idea {n}") for n in range(PAGE + 5)]  # a full page
        voters = [f"voter-{n}" for n in range(SAMPLES)]

        def vote(voter: str, idea_id: str, value: int) -> None:
            http.call("PUT", f"/ideas/{idea_id}/vote", voter, {"value": value})

        results["first vote on a product (ballot made)"] = per(
            measure(meter, lambda n: vote(voters[n], ideas[0], 1)), SAMPLES
        )
        results["vote"] = per(measure(meter, lambda n: vote(voters[n], ideas[1], 1)), SAMPLES)
        results["change vote"] = per(measure(meter, lambda n: vote(voters[n], ideas[1], -1)), SAMPLES)
        results["retract vote"] = per(
            measure(meter, lambda n: http.call("DELETE", f"/ideas/{ideas[1]}/vote", voters[n])), SAMPLES
        )
        results["ranked page of 20"] = per(
            measure(meter, lambda _: http.call("GET", f"/products/p/ideas?sort=top&limit={PAGE}", "reader")), SAMPLES
        )

        def comment(caller: str, text: str, *groups: str) -> None:
            http.call("POST", f"/ideas/{ideas[2]}/comments", caller, {"body": text}, *groups)

        results["comment"] = per(measure(meter, lambda n: comment(voters[n], "It has four doors.")), SAMPLES)
        results["comment, negative (it waits)"] = per(
            measure(meter, lambda n: comment(voters[n], "Awful. I hate it.")), SAMPLES
        )
        results["comment, official (it answers)"] = per(
            measure(meter, lambda n: comment(f"team-{n}", "Thanks, we hear you.", "product-team")), SAMPLES
        )
        results["page of 20 comments"] = per(
            measure(meter, lambda _: http.call("GET", f"/ideas/{ideas[2]}/comments?limit={PAGE}", "reader")), SAMPLES
        )
        with meter.paused():
            for n in range(PAGE):
                comment(voters[n], "Still awful.")
        results["attention page of 20"] = per(
            measure(
                meter, lambda _: http.call("GET", f"/products/p/attention?limit={PAGE}", "team", None, "product-team")
            ),
            SAMPLES,
        )

        naive = NaiveVotes(services.catalogue.products.table)
        naive_ideas = [submit(services, "p", f"naive-author-{n}", f"Naive {n}") for n in range(2)]
        results["naive: vote"] = per(measure(meter, lambda n: naive.cast(voters[n], naive_ideas[0], 1)), SAMPLES)
        results["naive: change vote"] = per(
            measure(meter, lambda n: naive.cast(voters[n], naive_ideas[0], -1)), SAMPLES
        )
        results["naive: retract vote"] = per(
            measure(meter, lambda n: naive.retract(voters[n], naive_ideas[0])), SAMPLES
        )
    return results


# Spread votes: a steady 100 votes a second over 100 ideas, one vote each per second. The stream's event source
# gathers records for its batching window (at most 1,000 a batch), so a longer window counts more votes per idea
# in each batch, and each idea's counts are written once per batch.
SPREAD_VOTES_PER_SECOND = 100
SPREAD_IDEAS = 100


def spread(window_seconds: int, votes: int = 1000) -> dict[str, Any]:
    """Write units per vote for spread votes counted in batches of one batching window: the vote's own write,
    and its share of the counting."""
    return amortised(votes, SPREAD_IDEAS, min(1000, SPREAD_VOTES_PER_SECOND * window_seconds))


def amortised(votes: int, ideas: int, batch_size: int) -> dict[str, Any]:
    """`votes` new votes spread evenly over `ideas` ideas, then counted by the stream consumer in batches of
    `batch_size`: write units per vote, ballot writes and aggregation together. (The naive design's votes cost
    the same however they are batched: see `operations`.)"""
    with world() as (session, meter):
        services = wiring.services()
        services.voting.ballots.clock = lambda: MID_MINUTE
        table_name = services.catalogue.products.table.name
        pump = EventPump(
            session,
            table_name,
            lambda event, _: handle_stream_batch(event, services.stream_consumer),
            batch_size=batch_size,
        )
        with meter.paused():
            services.catalogue.create(ProductDraft(product_id="p", name="P", vote_budget=50))
            idea_ids = [submit(services, "p", f"author-{n}", f"Idea {n}") for n in range(ideas)]
            warm_up = submit(services, "p", "author-warm-up", "Warm-up")
            for n in range(votes):  # each voter's ballot made, and counting its writes this minute
                services.voting.cast(f"voter-{n}", warm_up, 1)
            pump.drain()
        for n in range(votes):
            services.voting.cast(f"voter-{n}", idea_ids[n % ideas], 1)
        casting = meter.take()
        started = time.perf_counter()
        pump.drain()
        aggregating = meter.take()
        seconds = time.perf_counter() - started
    total = casting + aggregating
    return {
        "votes": votes,
        "ideas": ideas,
        "batch_size": batch_size,
        "wcu_per_vote": round(total.all_write_units / votes, 2),
        "of_which_aggregation": round(aggregating.all_write_units / votes, 2),
        "rcu_per_vote": round(total.read_units / votes, 2),
        "aggregation_calls": dict(aggregating.calls),
        "aggregation_seconds_in_moto": round(seconds, 2),
    }


def growth(idea_counts: tuple[int, ...] = (100, 10_000)) -> list[dict[str, Any]]:
    """As a product's ideas grow: items and read units of a ranked page of 20, first and deep in the list."""
    from bench.report import seed

    rows = []
    with world() as (_, meter):
        services = wiring.services()
        for count in idea_counts:
            product_id = f"p{count}"
            with meter.paused():
                services.catalogue.create(ProductDraft(product_id=product_id, name="P", vote_budget=50))
                seed(
                    services.catalogue.products.table.client, services.catalogue.products.table.name, count, product_id
                )
            row: dict[str, Any] = {"ideas": count}
            for sort in ("top", "new"):
                meter.take()
                first = services.ideas.page(product_id, IdeaListQuery(sort=sort, limit=PAGE))
                first_usage = meter.take()
                cursor, page = first.next_cursor, 2
                with meter.paused():  # walk to page 50, or to the last page if there are fewer
                    while page < 50 and cursor:
                        query = IdeaListQuery(sort=sort, limit=PAGE, cursor=cursor)
                        following = services.ideas.page(product_id, query).next_cursor
                        if following is None:
                            break
                        cursor, page = following, page + 1
                services.ideas.page(product_id, IdeaListQuery(sort=sort, limit=PAGE, cursor=cursor))
                deep_usage = meter.take()
                row[sort] = {
                    "calls": dict(first_usage.calls),
                    "first_page": {"items_read": first_usage.items_read, "rcu": first_usage.read_units},
                    "deep_page": {"page": page, "items_read": deep_usage.items_read, "rcu": deep_usage.read_units},
                }
            rows.append(row)
    return rows

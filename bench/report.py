"""Publishing a demand report as a product grows to 100,000 ideas: does it fit the scheduled function (15
minutes, and the memory .chalice/config.json gives it)?

The ideas are written straight into a moto server (the stage's table and indexes, as the API would have left
them: a tenth declined), and the report is published, as the scheduled function would, by a process of its own:
its memory and its CPU time are its own, not moto's. moto's Query reads the whole table for each page, where
DynamoDB serves a page of 1 MB in milliseconds: the wall time is mostly moto's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from infra.local import stage

PRODUCT = "big"


def committed(n: int) -> tuple[dict[str, Any], dict[int, int]]:
    """The nth idea's committed demand, as the stream would have left it: a quarter of ideas have none; of the
    others' committers, half name a price (among 40 distinct ones); some supporters were gained this week."""
    committers = 0 if n % 4 == 0 else n % 23 + 1
    prices: dict[int, int] = {}
    for c in range(committers // 2):
        cents = 2_000_000 + 50_000 * ((n + c) % 40)
        prices[cents] = prices.get(cents, 0) + 1
    today = datetime.now(UTC).date()
    counts = {
        "units": committers * 2,
        "committers": committers,
        "priced": sum(prices.values()),
        **{f"gained:{today - timedelta(days=d)}": (n + d) % 5 for d in range(3)},
    }
    return counts, prices


def seed(client: Any, table: str, ideas: int, product_id: str = PRODUCT, *, commitments: bool = False) -> None:
    """`ideas` ideas of the product, written as the API would have left them (a tenth declined), 25 a call; with
    `commitments`, their committed demand and price books too."""
    from chalicelib.domain.ideas import Idea, IdeaKind, IdeaStatus
    from chalicelib.store import keys
    from chalicelib.store.ideas import PRICE, idea_item
    from chalicelib.store.table import to_attributes

    created = datetime(2026, 11, 1, tzinfo=UTC)
    batch: list[dict[str, Any]] = []
    for n in range(ideas):
        digest = hashlib.sha256(f"{product_id}:{n}".encode()).digest()[:10]
        idea = Idea(
            idea_id="s" + base64.b32encode(digest).decode().lower(),
            product_id=product_id,
            kind=IdeaKind.SUGGESTION,
            title=f"Idea number {n}",
            description="A description of moderate length, as customers write them.",
            status=IdeaStatus.DECLINED if n % 10 == 9 else IdeaStatus.OPEN,
            created_at=created,
            updated_at=created,
            up=n % 997,
            down=n % 41,
            vote_budget=10,
        )
        item = idea_item(idea)
        if commitments:
            counts, prices = committed(n)
            item |= counts
            if prices:
                book = {**keys.prices(idea.idea_id), **{f"{PRICE}{c}": k for c, k in prices.items()}}
                batch.append({"PutRequest": {"Item": to_attributes(book)}})
        batch.append({"PutRequest": {"Item": to_attributes(item)}})
        if len(batch) >= 24 or n == ideas - 1:
            client.batch_write_item(RequestItems={table: batch})
            batch = []
        if (n + 1) % 25_000 == 0:
            print(f"  written {n + 1:,} of {ideas:,} ideas", file=sys.stderr, flush=True)


def publish() -> None:
    """In the publishing process: publish the report at the moto server of AWS_ENDPOINT_URL; what it cost."""
    import resource

    import boto3
    from botocore.config import Config

    from bench.meter import CapacityMeter
    from chalicelib import wiring
    from chalicelib.publish.reports import Link
    from chalicelib.store.schema import INDEXES

    # moto reads the whole table for each page of a Query: seconds a page at 100,000 ideas, where DynamoDB
    # answers in milliseconds, so the function's 10 s read timeout would cut the bench short on a busy machine.
    wiring.CLIENT_CONFIG = wiring.CLIENT_CONFIG.merge(Config(read_timeout=600))
    services = wiring.services()
    table = services.catalogue.products.table
    indexes = {i.name: (i.partition_key, i.sort_key, i.projection == "KEYS_ONLY") for i in INDEXES if i.name}
    meter = CapacityMeter(table.client, boto3.client("dynamodb"), indexes)
    started, cpu = time.perf_counter(), time.process_time()
    report = services.demand.publish(PRODUCT)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    read = meter.take()
    latest = services.demand.latest(PRODUCT)
    figures = {
        "reported": len(report.items),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "queries": read.calls.get("Query", 0),
        "batch_gets": read.calls.get("BatchGetItem", 0),
        "items_read": read.items_read,
        "rcu": read.read_units,
        "json_mb": round(len(report.model_dump_json()) / 1e6, 1),
        "answered_with": "a link (303)" if isinstance(latest, Link) else "the report",
    }
    print(json.dumps(figures))


class _Backend:
    """moto's DynamoDB, written to directly: the server runs in this process, and a hundred thousand items go in
    faster than through its HTTP door."""

    def __init__(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self.backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> None:
        for table, requests in RequestItems.items():
            for request in requests:
                self.backend.put_item(table, request["PutRequest"]["Item"])


def measure(ideas: int = 100_000, *, commitments: bool = False) -> dict[str, Any]:
    from moto.server import ThreadedMotoServer

    from chalicelib import wiring
    from chalicelib.domain.catalogue import ProductDraft
    from infra.local import faithful_moto
    from infra.local.moto_server import free_port
    from infra.local.provision import provision

    env = stage.environment()
    faithful_moto.patch()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the server's line per request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        at_moto = {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "POWERTOOLS_METRICS_DISABLED": "true"}
        os.environ.update(at_moto)
        wiring.reset()
        provision(boto3.session.Session(), stage.resource_names(env))
        wiring.services().catalogue.create(ProductDraft(product_id=PRODUCT, name="Big"))
        seed(_Backend(), env["COCREATE_TABLE"], ideas, commitments=commitments)
        print(f"  publishing the report of {ideas:,} ideas (moto reads the table for each page)", file=sys.stderr)
        child = subprocess.run(
            [sys.executable, "-c", "from bench.report import publish; publish()"],
            cwd=stage.ROOT,
            env={**os.environ, **at_moto},
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    finally:
        server.stop()
        wiring.reset()
    figures: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return {**figures, "ideas": ideas}

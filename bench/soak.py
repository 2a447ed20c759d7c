"""The local stack under concurrent load: customers voting at once on a small budget, changing and withdrawing
their votes while the product team closes ideas. `python -m bench soak` prints the figures; the end-to-end test
`tests/e2e/test_soak.py` runs it and checks what must hold afterwards.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from infra.local.process import LocalStack
from infra.local.tokens import bearer

TEAM = bearer("soak-pat", "product-team")
# The stack a soak runs on lets each customer write this often: a round is 12 writes a customer, and rounds
# follow each other within a minute.
WRITE_LIMIT = "1000"


@dataclass
class Soak:
    """What a soak did and what it left behind."""

    product_id: str
    ideas: list[str]
    statuses: Counter[int] = field(default_factory=Counter)
    requests: int = 0
    seconds: float = 0.0
    closed: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _session(threads: int) -> requests.Session:
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=threads))
    return session


def run(
    stack: LocalStack,
    *,
    customers: int = 40,
    writes_each: int = 12,
    rounds: int = 3,
    budget: int = 2,
    ideas: int = 8,
    seed: int = 7,
) -> Soak:
    """`rounds` rounds of `customers` x `writes_each` concurrent votes, changes and withdrawals on `ideas` ideas
    of a new product with a budget of `budget`, the team declining an idea in the middle of each round; then a
    drain. Every answer's status is counted."""
    rng = random.Random(seed)
    threads = 2 * customers
    http = _session(threads)
    product_id = f"soak-{uuid.uuid4().hex[:8]}"
    product = {"product_id": product_id, "name": "Soak", "vote_budget": budget}
    http.post(f"{stack.url}/products", json=product, headers=TEAM).raise_for_status()
    author = bearer(f"{product_id}-author")
    idea_ids = []
    for n in range(ideas):
        body = {"kind": "suggestion", "title": f"Idea {n}", "description": "For the soak."}
        answer = http.post(f"{stack.url}/products/{product_id}/ideas", json=body, headers=author)
        answer.raise_for_status()
        idea_ids.append(answer.json()["idea_id"])
    soak = Soak(product_id, idea_ids)

    def write(action: tuple[str, int, str]) -> int:
        kind, customer, idea_id = action
        headers = bearer(f"{product_id}-c{customer}")
        url = f"{stack.url}/ideas/{idea_id}/vote"
        if kind == "withdraw":
            return http.delete(url, headers=headers).status_code
        return http.put(url, json={"value": 1 if kind == "up" else -1}, headers=headers).status_code

    def close(idea_id: str) -> int:
        body = {"status": "declined", "response": "Closed during the soak."}
        return http.patch(f"{stack.url}/ideas/{idea_id}", json=body, headers=TEAM).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in range(rounds):
            actions = [
                (rng.choices(["up", "down", "withdraw"], weights=[5, 2, 3])[0], c, rng.choice(idea_ids))
                for c in range(customers)
                for _ in range(writes_each)
            ]
            # Each customer's writes side by side, so that they are in flight together: a customer racing
            # themselves is what a budget must survive.
            half = len(actions) // 2
            answers = list(pool.map(write, actions[:half]))
            open_ideas = [i for i in idea_ids if i not in soak.closed]
            if len(open_ideas) > 1:
                closing = rng.choice(open_ideas)
                closed_answer = pool.submit(close, closing)
                answers += list(pool.map(write, actions[half:]))
                soak.statuses[closed_answer.result()] += 1
                soak.closed.append(closing)
            else:
                answers += list(pool.map(write, actions[half:]))
            soak.statuses.update(answers)
            soak.requests += len(actions)
    soak.seconds = time.perf_counter() - started
    stack.drain()
    return soak


def steady(stack: LocalStack, *, per_second: float = 5, seconds: float = 10) -> int:
    """Votes at a steady, light pace, one at a time (a shop's ordinary traffic); how many were sent."""
    http = _session(1)
    product_id = f"steady-{uuid.uuid4().hex[:8]}"
    http.post(f"{stack.url}/products", json={"product_id": product_id, "name": "Steady"}, headers=TEAM)
    body = {"kind": "suggestion", "title": "Steady", "description": "For the steady pace."}
    idea = http.post(f"{stack.url}/products/{product_id}/ideas", json=body, headers=bearer(f"{product_id}-author"))
    url = f"{stack.url}/ideas/{idea.json()['idea_id']}/vote"
    sent, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        http.put(url, json={"value": 1}, headers=bearer(f"{product_id}-c{sent}")).raise_for_status()
        sent += 1
        time.sleep(max(0.0, sent / per_second - (time.perf_counter() - started)))  # pacing a bench, not a test
    stack.drain()
    return sent


def ballots(stack: LocalStack, product_id: str) -> list[dict[str, Any]]:
    """Every ballot of the product, straight from the stack's DynamoDB (a Scan: fine to check a soak by)."""
    from boto3.dynamodb.types import TypeDeserializer

    dynamodb, deserialise = stack.aws("dynamodb"), TypeDeserializer()
    found, start = [], None
    while True:
        page = dynamodb.scan(TableName="cocreate-local", **({"ExclusiveStartKey": start} if start else {}))
        for item in page["Items"]:
            if item["SK"]["S"] == f"BALLOT#{product_id}":
                found.append({name: deserialise.deserialize(value) for name, value in item.items()})
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


def counted(ballot_items: list[dict[str, Any]]) -> dict[str, Counter[int]]:
    """Each idea's up- and down-votes, as the ballots say (cast and released votes both count)."""
    counts: dict[str, Counter[int]] = {}
    for ballot in ballot_items:
        for name, value in ballot.items():
            if name.startswith(("vote:", "released:")):
                counts.setdefault(name.split(":", 1)[1], Counter())[int(value)] += 1
    return counts

"""Fixtures: the local stage's environment, AWS from moto in-process, and Chalice's test client."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import types
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import moto.kms.utils
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import Phase, settings
from moto import mock_aws

from chalicelib import wiring
from infra.local import faithful_moto, stage
from infra.local.gateway import test_client
from infra.local.provision import provision
from infra.local.pump import EventPump

# Each boto3 session reads AWS's service models afresh: a quarter of a second of JSON for every test's new moto
# world. The tests share one reader, as the clients of one Lambda container share their session's.
botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)  # type: ignore[attr-defined]
# And moto makes an RSA key for the KMS key that encrypts the table (60 ms), in every world: one serves them all.
moto.kms.utils.rsa = types.SimpleNamespace(generate_private_key=functools.cache(rsa.generate_private_key))

# Property tests run the same examples on every run (`make test`, CI): a failure there is one anyone can repeat.
# HYPOTHESIS_PROFILE=thorough (make thorough) searches twelve times as many, new ones each time.
settings.register_profile("default", max_examples=50, derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=600, derandomize=False, print_blob=True)
# make mutate runs the tests once per planted bug: fewer examples, and the explicit cases do the rest.
# A failure is enough there: no shrinking it to its simplest form.
settings.register_profile(
    "mutate", max_examples=10, derandomize=True, deadline=None, phases=[Phase.explicit, Phase.generate]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

pytest_plugins = ["tests.mutation_order"]


@contextlib.contextmanager
def local_stage() -> Iterator[dict[str, str]]:
    """The local stage's environment, for as long as the block runs."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        # A stray endpoint or profile would send boto3 past moto's in-process mock.
        for name in list(os.environ):
            if name.startswith("AWS_"):
                monkeypatch.delenv(name)
        env = stage.environment()
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        wiring.reset()
        yield env
        wiring.reset()


@pytest.fixture
def local_environment() -> Iterator[dict[str, str]]:
    with local_stage() as env:
        yield env


@contextlib.contextmanager
def moto_world(env: dict[str, str]) -> Iterator[boto3.session.Session]:
    """A fresh AWS in moto, in-process, with the local stage's resources; services built anew for it."""
    faithful_moto.patch()
    with mock_aws():
        session = boto3.session.Session()
        provision(session, stage.resource_names(env))
        wiring.reset()
        yield session
    wiring.reset()


@pytest.fixture
def aws(local_environment: dict[str, str]) -> Iterator[boto3.session.Session]:
    with moto_world(local_environment) as session:
        yield session


class Api:
    """Chalice's test client, speaking JSON."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Any:
        headers = {"Content-Type": "application/json", **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
        return self.client.http.request(method, path, headers=headers, body=body or b"")

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json_body=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", path, json_body=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api(aws: boto3.session.Session) -> Api:
    from app import app

    return Api(test_client(app, str(stage.ROOT), stage.STAGE))


@pytest.fixture
def services(aws: boto3.session.Session) -> wiring.Services:
    """The services, over a world that holds the roadster (in red): for tests that need neither the API nor its
    checks."""
    from chalicelib.domain.catalogue import ProductDraft

    services = wiring.services()
    services.catalogue.create(ProductDraft(product_id="roadster", name="Roadster", options={"colour": ["red"]}))
    return services


@pytest.fixture
def suggestion(services: wiring.Services) -> Callable[..., str]:
    """`suggestion(title, author="author")`: the id of a suggestion on the roadster, submitted through the
    services (the author's support and follow come with it, as through the API)."""
    from chalicelib.domain.ideas import SuggestionDraft

    def submit(title: str, author: str = "author") -> str:
        draft = SuggestionDraft(kind="suggestion", title=title, description="d")
        return services.ideas.submit(author, "roadster", draft).view.idea_id

    return submit


@pytest.fixture
def pump(aws: boto3.session.Session, local_environment: dict[str, str]) -> EventPump:
    """Lambda's stream event source, locally: `pump.drain()` delivers what was written so far."""
    from app import on_table_change

    return EventPump(aws, local_environment["COCREATE_TABLE"], on_table_change)


class BusTap:
    """An SQS queue subscribed to the event bus: what a consumer of cocreate's events would receive."""

    def __init__(self, session: boto3.session.Session, bus_name: str) -> None:
        self.sqs = session.client("sqs")
        self.url = self.sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = session.client("events")
        events.put_rule(Name="tap", EventBusName=bus_name, EventPattern=json.dumps({"source": ["cocreate"]}))
        events.put_targets(Rule="tap", EventBusName=bus_name, Targets=[{"Id": "queue", "Arn": arn}])

    def received(self, detail_type: str | None = None) -> list[dict[str, Any]]:
        """The details of the events delivered since the last call, oldest first."""
        events = []
        while messages := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages"):
            for message in messages:
                events.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return [e["detail"] for e in events if detail_type in (None, e["detail-type"])]


@pytest.fixture
def bus(aws: boto3.session.Session, local_environment: dict[str, str]) -> BusTap:
    return BusTap(aws, local_environment["COCREATE_EVENT_BUS"])


def emitted_metrics(printed: str) -> list[dict[str, Any]]:
    """The lines of CloudWatch's embedded metric format in what was printed, parsed."""
    # Another writer's text may come first on a line: mutmut's progress, while it runs every test.
    return [json.loads(line[line.find('{"_aws"') :]) for line in printed.splitlines() if '{"_aws"' in line]


@pytest.fixture
def metrics(capfd: pytest.CaptureFixture[str]) -> Callable[[], Counter[str]]:
    """The business metrics counted since the last call (or the test's start), by name: what the functions printed
    for CloudWatch, with what is still held flushed. What else they printed meanwhile is in `printed`."""
    from chalicelib.observability import flush_metrics

    capfd.readouterr()
    printed: list[str] = []

    def counted() -> Counter[str]:
        flush_metrics()
        totals: Counter[str] = Counter()
        said = capfd.readouterr()
        printed[:] = [said.out + said.err]
        for emitted in emitted_metrics(said.out):
            for metric in emitted["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
                value = emitted[metric["Name"]]
                totals[metric["Name"]] += int(sum(value) if isinstance(value, list) else value)
        return totals

    counted.printed = printed  # type: ignore[attr-defined]
    return counted

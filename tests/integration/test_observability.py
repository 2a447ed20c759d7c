"""Logs and business metrics, as Powertools writes them to stdout for CloudWatch."""

import io
import json
import logging
import subprocess
import sys

import pytest

from chalicelib import observability
from infra.local.stage import ROOT
from infra.local.tokens import token
from tests.conftest import emitted_metrics
from tests.tokens import PRODUCT_TEAM

SECRET_CUSTOMER = "customer-with-a-secret-name"


@pytest.fixture
def stdout_lines(api, capfd):
    """What the functions write to stdout, which Lambda sends to CloudWatch: metrics by print (read from stdout)
    and logs through Powertools' formatter (read from a handler of our own beside Powertools' one, whose stream
    is whatever stdout was when the logger was made, and may be a test runner's)."""
    api.post("/products", {"product_id": "roadster", "name": "R"}, headers=PRODUCT_TEAM)
    capfd.readouterr()
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    handler.setFormatter(observability.logger.registered_formatter)
    observability.logger.addHandler(handler)
    seen: list[dict] = []

    def lines() -> list[dict]:
        metrics = emitted_metrics(capfd.readouterr().out)
        logged = logs.getvalue().splitlines()
        logs.seek(0)
        logs.truncate()
        seen.extend(metrics + [json.loads(line) for line in logged])
        return seen

    yield lines
    observability.logger.removeHandler(handler)


def test_business_metrics_are_counted(api, stdout_lines):
    caller = {"Authorization": f"Bearer {token(SECRET_CUSTOMER)}"}
    body = {"kind": "suggestion", "title": "Cup holders", "description": "d"}
    idea_id = api.post("/products/roadster/ideas", body, headers=caller).json_body["idea_id"]
    api.post("/products/roadster/demand", headers=PRODUCT_TEAM)
    api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=PRODUCT_TEAM)
    api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=PRODUCT_TEAM)  # the same vote again: not counted
    emitted = [line for line in stdout_lines() if "_aws" in line]
    names = [m["Name"] for line in emitted for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    # The author follows their idea; the team member follows it by voting, once.
    assert sorted(names) == [
        "DemandPublished",
        "FollowsStarted",
        "FollowsStarted",
        "IdeasSubmitted",
        "VotesCast",
        "VotesCast",
    ]
    assert all(line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Cocreate" for line in emitted)


def test_refused_votes_are_counted_and_an_authors_support_that_does_not_fit_is_not(api, stdout_lines):
    api.post("/products", {"product_id": "tiny", "name": "T", "vote_budget": 1}, headers=PRODUCT_TEAM)
    author = {"Authorization": f"Bearer {token(SECRET_CUSTOMER)}"}
    body = {"kind": "suggestion", "title": "Cup holders", "description": "d"}
    api.post("/products/tiny/ideas", body, headers=author)  # the author's support takes the one vote
    second = api.post("/products/tiny/ideas", {**body, "title": "Racks"}, headers=author).json_body["idea_id"]
    assert api.put(f"/ideas/{second}/vote", {"value": 1}, headers=author).status_code == 409  # over budget
    api.patch(f"/ideas/{second}", {"status": "declined", "response": "No."}, headers=PRODUCT_TEAM)
    assert api.put(f"/ideas/{second}/vote", {"value": 1}, headers=PRODUCT_TEAM).status_code == 409  # closed
    emitted = [line for line in stdout_lines() if "_aws" in line]
    names = [m["Name"] for line in emitted for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert names.count("VotesRejected") == 2


def test_requests_are_logged_with_their_request_id_and_without_tokens_or_customers(api, stdout_lines):
    bearer_token = token(SECRET_CUSTOMER)
    body = {"kind": "suggestion", "title": "Cup holders", "description": "d"}
    api.post("/products/roadster/ideas", body, headers={"Authorization": f"Bearer {bearer_token}"})
    logs = [line for line in stdout_lines() if line.get("message") == "request"]
    (logged,) = logs
    assert (logged["method"], logged["route"], logged["status"]) == ("POST", "/products/{product_id}/ideas", 201)
    assert logged["correlation_id"]  # API Gateway's request id
    everything = json.dumps(stdout_lines())
    assert bearer_token not in everything
    assert SECRET_CUSTOMER not in everything


def test_warnings_reach_the_log_whatever_stdout_was_when_the_app_was_imported():
    # In a fresh interpreter: which of the app and its logger came first, and under which stdout, is the point.
    program = """
import io, logging, sys
import chalicelib.observability
sys.stdout = io.StringIO()  # as a test runner's capture, or any other writer swapped in before the app's import
import app
cocreate = logging.getLogger("cocreate")
print(cocreate.propagate, cocreate.isEnabledFor(logging.WARNING), file=sys.stderr)
"""
    ran = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True)
    assert ran.stderr.split() == ["True", "True"]

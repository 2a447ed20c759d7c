"""Events on the bus: announced once each, even when the stream comes again."""

import pytest

from infra.local.pump import EventPump
from infra.local.tokens import bearer
from tests.tokens import CUSTOMER, PRODUCT_TEAM


@pytest.fixture
def roadster(api):
    body = {"product_id": "roadster", "name": "R", "options": {"colour": ["red"]}, "thresholds": [2, 3]}
    api.post("/products", body, headers=PRODUCT_TEAM)


def replay_everything(aws, local_environment) -> None:
    """Lambda on a bad day: the whole stream, from its first record, delivered again."""
    from app import on_table_change

    EventPump(aws, local_environment["COCREATE_TABLE"], on_table_change).drain()


def test_a_submission_is_announced_and_a_resubmission_is_not(api, pump, bus, roadster):
    body = {"kind": "customisation", "options": {"colour": "red"}}
    idea_id = api.post("/products/roadster/ideas", body, headers=CUSTOMER).json_body["idea_id"]
    api.post("/products/roadster/ideas", body, headers=bearer("someone-else"))
    pump.drain()
    (submitted,) = bus.received("IdeaSubmitted")
    assert submitted["idea_id"] == idea_id
    assert submitted["options"] == {"colour": "red"}


def test_each_threshold_is_announced_once_even_when_the_stream_comes_again(
    api, pump, bus, aws, local_environment, roadster
):
    body = {"kind": "suggestion", "title": "Cup holders", "description": "d"}
    idea_id = api.post("/products/roadster/ideas", body, headers=CUSTOMER).json_body["idea_id"]
    for voter in ("v1", "v2"):
        api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=bearer(voter))
    pump.drain()
    api.delete(f"/ideas/{idea_id}/vote", headers=bearer("v2"))  # below 3 again...
    pump.drain()
    api.put(f"/ideas/{idea_id}/vote", {"value": 1}, headers=bearer("v2"))  # ...and back: no second announcement
    pump.drain()
    replay_everything(aws, local_environment)
    reached = bus.received("IdeaThresholdReached")
    assert sorted((e["threshold"], e["event_id"]) for e in reached) == [
        (2, f"{idea_id}:threshold:2"),
        (3, f"{idea_id}:threshold:3"),
    ]
    assert api.get(f"/ideas/{idea_id}").json_body["votes"]["up"] == 3  # and the replay counted nothing twice

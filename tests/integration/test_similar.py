"""Similar ideas over the API: a customer finds the existing idea before writing a new one, and a new suggestion
comes back with the ideas like it."""

from __future__ import annotations

import inspect
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from chalicelib import wiring
from chalicelib.services.similar import SimilarService
from infra.local.tokens import bearer
from tests.tokens import PRODUCT_TEAM

ADA, BO = bearer("ada"), bearer("bo")
IDEAS = [
    ("Roof box", "A lockable box on the roof for luggage."),
    ("Roof rack", "Cross bars for bikes and boards."),
    ("Heated seats in the back", "Rear passengers get cold."),
    ("Tow bar", "For a small trailer."),
]


@pytest.fixture(autouse=True)
def fresh_index(aws):
    """The index reads new ideas at every search (in a function, at most once a second)."""
    wiring.services().similar.refresh = 0


@pytest.fixture
def ideas(api) -> dict[str, str]:
    product = {"product_id": "roadster", "name": "Roadster", "options": {"colour": ["green", "red"]}}
    assert api.post("/products", product, headers=PRODUCT_TEAM).status_code == 201
    return {title: suggest(api, title, description)["idea_id"] for title, description in IDEAS}


def suggest(api, title: str, description: str, who=BO) -> dict:
    body = {"kind": "suggestion", "title": title, "description": description}
    answer = api.post("/products/roadster/ideas", body, headers=who)
    assert answer.status_code == 201
    return answer.json_body


def search(api, params: dict[str, str], product: str = "roadster"):
    return api.get(f"/products/{product}/ideas/similar?{urlencode(params)}")


def similar(api, q: str, **params) -> list[tuple[str, float]]:
    answer = search(api, {"q": q, **params})
    assert answer.status_code == 200, answer.json_body
    return [(item["idea"]["title"], item["score"]) for item in answer.json_body["items"]]


def test_a_customer_finds_the_existing_idea_by_their_own_words(api, pump, ideas):
    pump.drain()
    found = similar(api, "lockable luggage box up on the roof")
    assert [title for title, _ in found][:2] == ["Roof box", "Roof rack"]
    assert all(0 < score <= 1 for _, score in found)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    (item,) = search(api, {"q": "heatd seets bak", "limit": "1"}).json_body["items"]
    assert item["idea"]["idea_id"] == ideas["Heated seats in the back"]
    assert item["idea"]["votes"]["up"] == 1  # the idea as it is, counts and all


def test_closed_and_merged_ideas_are_never_offered(api, ideas):
    api.patch(f"/ideas/{ideas['Roof rack']}", {"status": "declined", "response": "No."}, headers=PRODUCT_TEAM)
    merged = {"status": "merged", "merged_into": ideas["Roof rack"]}
    api.patch(f"/ideas/{ideas['Tow bar']}", {"status": "under_review"}, headers=PRODUCT_TEAM)
    assert api.patch(f"/ideas/{ideas['Roof box']}", merged, headers=PRODUCT_TEAM).status_code == 409  # rack closed
    api.patch(f"/ideas/{ideas['Roof box']}", {"status": "declined"}, headers=PRODUCT_TEAM)
    assert similar(api, "roof box rack") == []
    assert [t for t, _ in similar(api, "tow bar")] == ["Tow bar"]  # under review: it still takes votes (the rack not)


def test_a_new_idea_is_found_once_the_index_refreshes(api, ideas):
    service = wiring.services().similar
    now = [time.monotonic()]  # the index was built by the submissions, on the real clock
    default = inspect.signature(SimilarService).parameters["refresh"].default
    service.monotonic, service.refresh = (lambda: now[0]), default
    assert similar(api, "tow bar")[0][0] == "Tow bar"  # indexed now
    hitch = suggest(api, "Tow hitch camera", "See the tow bar when reversing.")
    assert "Tow hitch camera" not in [t for t, _ in similar(api, "tow bar")]  # not yet: the index is fresh
    now[0] += service.refresh + 1
    assert hitch["idea_id"] in [i["idea"]["idea_id"] for i in search(api, {"q": "tow bar"}).json_body["items"]]


def test_a_new_suggestion_comes_back_with_the_ideas_like_it_but_not_itself(api, ideas):
    submitted = suggest(api, "Box on the roof", "Somewhere lockable for the luggage.", who=ADA)
    assert [s["idea"]["title"] for s in submitted["similar"]] == ["Roof box"]
    assert submitted["similar"][0]["score"] >= 0.4
    assert submitted["my_vote"] == 1 and submitted["title"] == "Box on the roof"
    unlike = suggest(api, "Cup holders", "For big bottles.", who=ADA)
    assert unlike["similar"] == []
    customised = api.post(
        "/products/roadster/ideas", {"kind": "customisation", "options": {"colour": "green"}}, headers=ADA
    )
    assert customised.json_body["similar"] == []  # one idea per combination already


def test_a_failing_search_does_not_fail_the_submission_and_is_counted(api, ideas, monkeypatch, metrics):
    def broken(*args, **kwargs):
        raise RuntimeError("throttled")

    monkeypatch.setattr(wiring.services().similar, "like", broken)
    metrics()
    submitted = suggest(api, "Roof box", "Again.", who=ADA)
    assert submitted["similar"] == []
    assert api.get(f"/ideas/{submitted['idea_id']}").status_code == 200
    assert metrics()["SimilarFailed"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "ab"}, "q"),
        ({"q": "x" * 501}, "q"),
        ({}, "q"),
        ({"q": "roof", "limit": "21"}, "limit"),
        ({"q": "roof", "limit": "0"}, "limit"),
        ({"q": "roof", "sort": "top"}, "sort"),
    ],
)
def test_a_malformed_search_is_400_naming_the_field(api, ideas, params, field):
    answer = search(api, params)
    assert answer.status_code == 400
    assert answer.json_body["Message"].startswith(field)


def test_an_unknown_product_is_404(api, ideas):
    assert search(api, {"q": "roof box"}, "nope").status_code == 404


class Reads:
    """The ideas the similar-ideas index reads from the table: what it costs."""

    def __init__(self, monkeypatch) -> None:
        self.builds: list[str] = []  # the products whose index was built
        self.read: list[str] = []
        ideas = wiring.services().similar.ideas
        texts = ideas.texts

        def counted(product_id, statuses, since=None):
            if since is None and len(statuses) > 1:
                self.builds.append(product_id)
            for item in texts(product_id, statuses, since):
                self.read.append(item["title"])
                yield item

        monkeypatch.setattr(ideas, "texts", counted)


def test_a_functions_first_search_finds_every_idea_that_takes_votes(api, ideas, monkeypatch):
    service = wiring.services().similar
    service._indexes.clear()  # as in a function that has not searched yet
    service.refresh = 3600.0
    api.patch(f"/ideas/{ideas['Tow bar']}", {"status": "planned"}, headers=PRODUCT_TEAM)
    assert [t for t, _ in similar(api, "tow bar")] == ["Tow bar", "Roof rack"]


def test_a_refresh_reads_only_the_ideas_of_the_last_minute(api, monkeypatch):
    api.post("/products", {"product_id": "roadster", "name": "Roadster"}, headers=PRODUCT_TEAM)
    services = wiring.services()
    services.ideas.clock = lambda: datetime.now(UTC) - timedelta(hours=1)
    for title, description in IDEAS:
        suggest(api, title, description)  # an hour ago
    services.ideas.clock = lambda: datetime.now(UTC)
    suggest(api, "Roof light", "A light bar on the roof.")  # its own search indexed it: the newest is now
    reads = Reads(monkeypatch)
    assert similar(api, "light roof")[0][0] == "Roof light"
    assert reads.read == ["Roof light"]  # nothing older than a minute before the newest it held


def test_an_index_is_kept_for_the_products_most_recently_asked_about(api, ideas, monkeypatch):
    api.post("/products", {"product_id": "lamp", "name": "Lamp"}, headers=PRODUCT_TEAM)
    service = wiring.services().similar
    service.products, service.refresh = 1, 3600.0
    reads = Reads(monkeypatch)
    similar(api, "roof")
    assert search(api, {"q": "lamp shade"}, "lamp").status_code == 200  # the roadster's index goes
    assert search(api, {"q": "lamp shade"}, "lamp").status_code == 200  # the lamp's stays
    similar(api, "roof")
    assert reads.builds == ["lamp", "roadster"]  # the roadster's again

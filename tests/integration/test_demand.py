"""The demand report over the API: ranked by supporters, stored in S3, announced on the bus."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from infra.local.tokens import bearer
from tests.tokens import CUSTOMER, PRODUCT_TEAM

PRODUCT = {
    "product_id": "roadster",
    "name": "Roadster",
    "options": {"colour": ["green", "red", "blue"], "interior": ["cork", "wool"]},
}


@pytest.fixture
def ideas(api, pump) -> dict[str, str]:
    """A: green + cork, (4 up, 1 down); B: red, (4, 0); C: a suggestion, declined; D: blue, planned, (2, 0)."""
    api.post("/products", PRODUCT, headers=PRODUCT_TEAM)

    def submit(author: str, body: dict) -> str:
        return api.post("/products/roadster/ideas", body, headers=bearer(author)).json_body["idea_id"]

    ids = {
        "A": submit("a", {"kind": "customisation", "options": {"colour": "green", "interior": "cork"}}),
        "B": submit("b", {"kind": "customisation", "options": {"colour": "red"}}),
        "C": submit("c", {"kind": "suggestion", "title": "Spoiler", "description": "d"}),
        "D": submit("d", {"kind": "customisation", "options": {"colour": "blue"}}),
    }
    votes = {"A": [1, 1, 1, -1], "B": [1, 1, 1], "C": [1, 1, 1, 1, 1], "D": [1]}
    for name, values in votes.items():
        for n, value in enumerate(values):
            api.put(f"/ideas/{ids[name]}/vote", {"value": value}, headers=bearer(f"voter-{n}"))
    api.patch(f"/ideas/{ids['C']}", {"status": "declined", "response": "Not aerodynamic."}, headers=PRODUCT_TEAM)
    api.patch(f"/ideas/{ids['D']}", {"status": "under_review"}, headers=PRODUCT_TEAM)
    api.patch(f"/ideas/{ids['D']}", {"status": "planned"}, headers=PRODUCT_TEAM)
    pump.drain()
    return {idea_id: name for name, idea_id in ids.items()}


def test_the_report_ranks_supporters_and_sums_them_per_option_value(api, ideas):
    answer = api.post("/products/roadster/demand", headers=PRODUCT_TEAM)
    assert answer.status_code == 200
    report = answer.json_body
    assert report["product_id"] == "roadster"
    assert [
        (i["rank"], ideas[i["idea_id"]], i["supporters"], i["opponents"], i["net"], i["status"])
        for i in report["items"]
    ] == [
        (1, "B", 4, 0, 4, "open"),
        (2, "A", 4, 1, 3, "open"),
        (3, "D", 2, 0, 2, "planned"),
    ]
    assert report["dimensions"] == {"colour": {"green": 4, "red": 4, "blue": 2}, "interior": {"cork": 4, "wool": 0}}


def test_a_publication_writes_latest_a_timestamped_copy_and_a_csv_and_is_announced(
    api, aws, bus, ideas, local_environment
):
    report = api.post("/products/roadster/demand", headers=PRODUCT_TEAM).json_body
    bucket = local_environment["COCREATE_DEMAND_BUCKET"]
    s3 = aws.client("s3")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="demand/roadster/")["Contents"])
    stamp = report["generated_at"].replace(":", "-")
    assert keys == [f"demand/roadster/{stamp}.csv", f"demand/roadster/{stamp}.json", "demand/roadster/latest.json"]
    (published,) = bus.received("DemandRankingPublished")
    assert published["keys"] == {
        "latest": "demand/roadster/latest.json",
        "json_copy": f"demand/roadster/{stamp}.json",
        "csv_copy": f"demand/roadster/{stamp}.csv",
    }
    assert (published["summary"]["ideas"], published["summary"]["supporters"]) == (3, 10)


def test_the_latest_report_comes_back_as_json_or_csv(api, ideas):
    assert api.get("/products/roadster/demand", headers=PRODUCT_TEAM).status_code == 404
    published = api.post("/products/roadster/demand", headers=PRODUCT_TEAM).json_body
    assert api.get("/products/roadster/demand", headers=PRODUCT_TEAM).json_body == published
    answer = api.get("/products/roadster/demand?format=csv", headers=PRODUCT_TEAM)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.body.decode())))
    assert [(r["rank"], ideas[r["idea_id"]], r["options"], r["supporters"]) for r in rows] == [
        ("1", "B", "colour=red", "4"),
        ("2", "A", "colour=green; interior=cork", "4"),
        ("3", "D", "colour=blue", "2"),
    ]


def test_demand_is_for_the_product_team(api, ideas):
    for method in ("POST", "GET"):
        assert api.request(method, "/products/roadster/demand").status_code == 401
        assert api.request(method, "/products/roadster/demand", headers=CUSTOMER).status_code == 403
        assert api.request(method, "/products/nope/demand", headers=PRODUCT_TEAM).status_code == 404
    assert api.get("/products/roadster/demand?format=xml", headers=PRODUCT_TEAM).status_code == 400


def test_the_schedule_publishes_every_products_report(api, ideas):
    api.post("/products", {"product_id": "lamp", "name": "Lamp"}, headers=PRODUCT_TEAM)
    client = api.client
    client.lambda_.invoke(
        "publish_demand_reports", client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
    )
    assert [i["rank"] for i in api.get("/products/roadster/demand", headers=PRODUCT_TEAM).json_body["items"]] == [
        1,
        2,
        3,
    ]
    assert api.get("/products/lamp/demand", headers=PRODUCT_TEAM).json_body["items"] == []


def test_one_products_failure_does_not_stop_the_others_and_is_reported(api, ideas, monkeypatch, capsys):
    from chalicelib import wiring
    from chalicelib.publish.reports import ReportStore
    from chalicelib.services.demand import PublishFailed

    for product_id in ("lamp", "zebra-chair"):
        api.post("/products", {"product_id": product_id, "name": product_id}, headers=PRODUCT_TEAM)
    save = ReportStore.save

    def fails_for_the_lamp(self, report):
        if report.product_id == "lamp":
            raise ConnectionError("S3 went away")
        return save(self, report)

    monkeypatch.setattr(ReportStore, "save", fails_for_the_lamp)
    with pytest.raises(PublishFailed, match="1 of 3 reports failed: lamp"):
        wiring.services().demand.publish_all()
    assert api.get("/products/roadster/demand", headers=PRODUCT_TEAM).status_code == 200
    assert api.get("/products/zebra-chair/demand", headers=PRODUCT_TEAM).status_code == 200  # after the failure
    assert api.get("/products/lamp/demand", headers=PRODUCT_TEAM).status_code == 404
    assert '"DemandPublishFailed":[1.0]' in capsys.readouterr().out


def test_the_latest_report_never_goes_back_to_an_older_one(api, ideas, monkeypatch):
    """Two publications at once: one made at 10:01 reads latest.json, one made at 10:02 replaces it, then the
    first would write. It must not, nor may a report of 10:00 saved after both."""
    from chalicelib import wiring
    from chalicelib.publish.reports import ReportStore

    demand = wiring.services().demand
    at = {minute: datetime(2026, 11, 26, 10, minute, tzinfo=UTC) for minute in (0, 1, 2)}
    monkeypatch.setattr(demand, "clock", lambda: at[0])
    ten_o_clock = demand.publish("roadster")
    head, rival = ReportStore._head, []

    def published_meanwhile(self, key):
        found = head(self, key)
        if not rival:
            rival.append(at[2])
            monkeypatch.setattr(demand, "clock", lambda: at[2])
            demand.publish("roadster")
        return found

    monkeypatch.setattr(ReportStore, "_head", published_meanwhile)
    demand.reports.save(ten_o_clock.model_copy(update={"generated_at": at[1]}))
    monkeypatch.setattr(ReportStore, "_head", head)
    assert (
        api.get("/products/roadster/demand", headers=PRODUCT_TEAM)
        .json_body["generated_at"]
        .startswith("2026-11-26T10:02")
    )
    demand.reports.save(ten_o_clock)
    assert (
        api.get("/products/roadster/demand", headers=PRODUCT_TEAM)
        .json_body["generated_at"]
        .startswith("2026-11-26T10:02")
    )


def test_a_report_too_large_for_a_response_is_a_short_lived_link_to_it(api, ideas, monkeypatch, aws):
    """Lambda answers at most 6 MB: past the inline limit, GET answers 303 with a link, to the JSON or the CSV."""
    from urllib.parse import parse_qs, urlparse

    from chalicelib.publish import reports

    published = api.post("/products/roadster/demand", headers=PRODUCT_TEAM).json_body
    monkeypatch.setattr(reports, "INLINE_BYTES", 100)
    for path, key in (
        ("/products/roadster/demand", "demand/roadster/latest.json"),
        ("/products/roadster/demand.csv", f"demand/roadster/{published['generated_at'].replace(':', '-')}.csv"),
        ("/products/roadster/demand?format=csv", f"demand/roadster/{published['generated_at'].replace(':', '-')}.csv"),
    ):
        answer = api.get(path, headers=PRODUCT_TEAM)
        assert answer.status_code == 303, path
        link = urlparse(answer.headers["Location"])
        assert link.path.endswith(key)
        assert parse_qs(link.query)["X-Amz-Expires"] == ["300"]
        assert not answer.body
    bucket = wiring_bucket()
    fetched = aws.client("s3").get_object(Bucket=bucket, Key="demand/roadster/latest.json")["Body"].read()
    assert json.loads(fetched) == published


def wiring_bucket() -> str:
    from chalicelib import wiring

    return wiring.services().demand.reports.bucket


def test_an_ideas_summary_reads_its_stored_counts_and_what_it_gained_in_the_7_days_to_today(services):
    from datetime import date, timedelta

    from chalicelib.domain.ideas import CustomisationDraft, IdeaStatus
    from chalicelib.store import keys
    from chalicelib.store.ideas import GAINED

    draft = CustomisationDraft(kind="customisation", options={"colour": "red"})
    idea_id = services.ideas.submit("ada", "roadster", draft).view.idea_id
    store = services.ideas.ideas
    stored = store.table.get(keys.idea(idea_id))
    today = date(2026, 11, 27)
    gained = {today: 2, today - timedelta(days=6): 1, today - timedelta(days=7): 4, today + timedelta(days=1): 8}
    counts = {"up": 5, "down": 2, "units": 7, "committers": 3, "priced": 1}
    store.table.put({**stored, **counts, **{f"{GAINED}{day}": n for day, n in gained.items()}})
    (summary,) = store.summaries("roadster", [IdeaStatus.OPEN], today)
    assert {name: getattr(summary, name) for name in [*counts, "gained_7d", "options"]} == {
        **counts,
        "gained_7d": 3,  # today's and six days before: not a week before, nor tomorrow
        "options": {"colour": "red"},
    }
    # An idea stored before any vote or commitment was counted has none of those counts: each reads as 0.
    store.table.put({name: value for name, value in stored.items() if name not in counts})
    (summary,) = store.summaries("roadster", [IdeaStatus.OPEN], today)
    assert {name: getattr(summary, name) for name in [*counts, "gained_7d"]} == dict.fromkeys([*counts, "gained_7d"], 0)

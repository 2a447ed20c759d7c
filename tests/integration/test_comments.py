"""Comments over the API: the conversation on an idea, its counts, moderation, and the queue that puts the
unhappy customer first."""

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import wiring
from chalicelib.domain.comments import Feeling
from chalicelib.domain.listing import PageQuery
from chalicelib.identity import Caller
from infra.local.tokens import bearer
from tests.tokens import PRODUCT_TEAM

ADA, BO = bearer("ada"), bearer("bo")
HAPPY = "I love this, it is a great idea!"
ANGRY = "This is terrible. The seats are awful and nobody listens."
PLAIN = "The car comes in three lengths."


@pytest.fixture
def idea(api) -> str:
    api.post("/products", {"product_id": "roadster", "name": "Roadster"}, headers=PRODUCT_TEAM)
    body = {"kind": "suggestion", "title": "A cork interior", "description": "Lighter and warmer."}
    return api.post("/products/roadster/ideas", body, headers=ADA).json_body["idea_id"]


def comment(api, idea: str, text: str, headers=ADA) -> dict:
    answer = api.post(f"/ideas/{idea}/comments", {"body": text}, headers=headers)
    assert answer.status_code == 201, answer.json_body
    return answer.json_body


def thread(api, idea: str) -> list[str]:
    return [c["body"] for c in api.get(f"/ideas/{idea}/comments").json_body["items"]]


def queue(api, pump) -> list[str]:
    pump.drain()
    answer = api.get("/products/roadster/attention", headers=PRODUCT_TEAM)
    assert answer.status_code == 200
    return [w["comment"]["body"] for w in answer.json_body["items"]]


def counts(api, pump, idea: str) -> tuple:
    pump.drain()
    shown = api.get(f"/ideas/{idea}").json_body
    return shown["comments"], shown["sentiment"]


def test_a_comment_is_scored_as_it_is_written_and_shown_with_its_author(api, idea):
    posted = comment(api, idea, f"  {HAPPY}  ")
    assert posted["comment_id"].startswith("m")
    assert {k: v for k, v in posted.items() if k not in ("comment_id", "created_at", "sentiment")} == {
        "idea_id": idea,
        "author": {"id": "ada", "official": False},
        "body": HAPPY,  # trimmed
        "hidden": False,
    }
    assert posted["sentiment"]["label"] == "positive"
    assert 0.05 <= posted["sentiment"]["score"] <= 1
    assert comment(api, idea, ANGRY)["sentiment"]["label"] == "negative"
    assert comment(api, idea, PLAIN)["sentiment"] == {"label": "neutral", "score": 0.0}


def test_a_product_team_members_comment_is_official(api, idea):
    assert comment(api, idea, "We are on it.", headers=PRODUCT_TEAM)["author"] == {"id": "staff-pat", "official": True}


def test_comments_list_oldest_first_in_pages_and_the_last_page_says_so(api, idea):
    for n in range(5):
        comment(api, idea, f"Comment {n}")
    first = api.get(f"/ideas/{idea}/comments?limit=2").json_body
    second = api.get(f"/ideas/{idea}/comments?limit=2&cursor={first['next_cursor']}").json_body
    third = api.get(f"/ideas/{idea}/comments?limit=2&cursor={second['next_cursor']}").json_body
    bodies = [c["body"] for page in (first, second, third) for c in page["items"]]
    assert bodies == [f"Comment {n}" for n in range(5)]
    assert third["next_cursor"] is None
    other = api.post("/products/roadster/ideas", {"kind": "suggestion", "title": "T", "description": "D"}, headers=BO)
    foreign = api.get(f"/ideas/{other.json_body['idea_id']}/comments?cursor={first['next_cursor']}")
    assert foreign.status_code == 400  # a cursor of another idea's thread
    assert "cursor" in foreign.json_body["Message"]


def test_no_comment_on_a_merged_idea_and_the_answer_names_where_to_go(api, idea):
    target = api.post(
        "/products/roadster/ideas", {"kind": "suggestion", "title": "Cork", "description": "Cork."}, headers=BO
    ).json_body["idea_id"]
    api.patch(f"/ideas/{idea}", {"status": "merged", "merged_into": target}, headers=PRODUCT_TEAM)
    refused = api.post(f"/ideas/{idea}/comments", {"body": "Still here?"}, headers=ADA)
    assert (refused.status_code, refused.json_body["Code"]) == (409, "IdeaMerged")
    assert refused.json_body["Message"] == f"idea {idea!r} was merged into {target!r}: comment there"
    assert thread(api, idea) == []
    # A declined idea still takes comments: customers may say what they think of the answer.
    api.patch(f"/ideas/{target}", {"status": "declined", "response": "Not this year."}, headers=PRODUCT_TEAM)
    assert comment(api, target, "Pity.")["idea_id"] == target


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"body": ""}, "body: must not be empty"),
        ({"body": "   "}, "body: must not be empty"),
        ({"body": "x" * 2001}, "body: must be at most 2000 characters"),
        ({"body": "bad\x00byte"}, "body: must be text without control or direction characters (found U+0000)"),
        ({"body": "\u202eevil"}, "body: must be text without control or direction characters (found U+202E)"),
        ({"body": 5}, "body: Input should be a valid string"),
        ({}, "body: is required"),
        ({"body": "hi", "author": "bo"}, "author: is not part of this request"),
    ],
)
def test_a_bad_comment_is_a_400_naming_the_field_and_writes_nothing(api, idea, body, problem):
    answer = api.post(f"/ideas/{idea}/comments", body, headers=ADA)
    assert (answer.status_code, answer.json_body["Message"]) == (400, problem)
    assert thread(api, idea) == []


def test_comments_on_an_unknown_idea_are_404_naming_it(api, idea):
    posted = api.post("/ideas/snotanidea000000/comments", {"body": "Hi"}, headers=ADA)
    assert (posted.status_code, posted.json_body["Message"]) == (404, "there is no idea 'snotanidea000000'")
    assert api.get("/ideas/snotanidea000000/comments").status_code == 404


def test_only_the_author_or_the_product_team_deletes_a_comment(api, idea):
    mine = comment(api, idea, "Mine.")["comment_id"]
    theirs = comment(api, idea, "Theirs.", headers=BO)["comment_id"]
    refused = api.delete(f"/comments/{theirs}", headers=ADA)
    assert (refused.status_code, refused.json_body["Code"]) == (403, "ForbiddenError")
    assert api.delete(f"/comments/{mine}", headers=ADA).status_code == 204
    assert api.delete(f"/comments/{theirs}", headers=PRODUCT_TEAM).status_code == 204
    assert thread(api, idea) == []
    assert api.delete(f"/comments/{mine}", headers=ADA).status_code == 404  # gone
    assert api.delete("/comments/not-a-comment", headers=ADA).status_code == 404


def test_a_hidden_comment_leaves_the_public_list_and_can_be_shown_again(api, idea):
    hidden = comment(api, idea, "Buy cheap watches at example.com")["comment_id"]
    comment(api, idea, "Fair point.")
    moderated = api.patch(f"/comments/{hidden}", {"hidden": True}, headers=PRODUCT_TEAM)
    assert (moderated.status_code, moderated.json_body["hidden"]) == (200, True)
    assert thread(api, idea) == ["Fair point."]
    assert api.patch(f"/comments/{hidden}", {"hidden": True}, headers=PRODUCT_TEAM).status_code == 200  # again
    assert api.patch(f"/comments/{hidden}", {"hidden": "yes"}, headers=PRODUCT_TEAM).status_code == 400
    assert api.patch("/comments/mnotacomment0000", {"hidden": True}, headers=PRODUCT_TEAM).status_code == 404
    api.patch(f"/comments/{hidden}", {"hidden": False}, headers=PRODUCT_TEAM)
    assert thread(api, idea) == ["Buy cheap watches at example.com", "Fair point."]  # in its place, by time


def test_an_idea_counts_its_visible_comments_and_how_they_feel(api, pump, idea):
    assert counts(api, pump, idea) == (0, {"positive": 0, "neutral": 0, "negative": 0})
    comment(api, idea, HAPPY)
    angry = comment(api, idea, ANGRY, headers=BO)["comment_id"]
    plain = comment(api, idea, PLAIN)["comment_id"]
    assert counts(api, pump, idea) == (3, {"positive": 1, "neutral": 1, "negative": 1})
    api.patch(f"/comments/{angry}", {"hidden": True}, headers=PRODUCT_TEAM)
    api.delete(f"/comments/{plain}", headers=ADA)
    assert counts(api, pump, idea) == (1, {"positive": 1, "neutral": 0, "negative": 0})
    api.patch(f"/comments/{angry}", {"hidden": False}, headers=PRODUCT_TEAM)
    assert counts(api, pump, idea) == (2, {"positive": 1, "neutral": 0, "negative": 1})
    pump.rewind()  # the whole stream again: nothing counts twice
    assert counts(api, pump, idea) == (2, {"positive": 1, "neutral": 0, "negative": 1})


def test_a_customers_negative_comment_waits_until_an_official_comment_after_it(api, pump, idea):
    comment(api, idea, ANGRY)
    comment(api, idea, HAPPY, headers=BO)  # happy customers do not wait
    comment(api, idea, "This is awful, we hate it.", headers=PRODUCT_TEAM)  # official: answers, never waits
    assert queue(api, pump) == []
    late = "Still terrible, and still nobody listens."
    comment(api, idea, late)
    assert queue(api, pump) == [late]  # after the answer: waits for the next one
    comment(api, idea, "Thanks, we hear you: new seats are coming.", headers=PRODUCT_TEAM)
    assert queue(api, pump) == []


def test_a_status_change_with_a_response_answers_and_one_without_does_not(api, pump, idea):
    comment(api, idea, ANGRY)
    api.patch(f"/ideas/{idea}", {"status": "under_review"}, headers=PRODUCT_TEAM)
    assert queue(api, pump) == [ANGRY]
    api.patch(f"/ideas/{idea}", {"status": "planned", "response": "New seats next year."}, headers=PRODUCT_TEAM)
    assert queue(api, pump) == []


def test_the_attention_queue_is_oldest_first_across_ideas_in_pages_with_how_long_each_waited(api, pump, idea):
    other = api.post(
        "/products/roadster/ideas", {"kind": "suggestion", "title": "Roof", "description": "A roof box."}, headers=BO
    ).json_body["idea_id"]
    comment(api, idea, ANGRY)
    comment(api, other, "The roof leaks, this is awful.", headers=BO)
    comment(api, idea, "Horrible service, I am disappointed.", headers=BO)
    pump.drain()
    page = api.get("/products/roadster/attention?limit=2", headers=PRODUCT_TEAM).json_body
    rest = api.get(f"/products/roadster/attention?cursor={page['next_cursor']}", headers=PRODUCT_TEAM).json_body
    waiting = page["items"] + rest["items"]
    assert [(w["idea_id"], w["comment"]["body"]) for w in waiting] == [
        (idea, ANGRY),
        (other, "The roof leaks, this is awful."),
        (idea, "Horrible service, I am disappointed."),
    ]
    assert rest["next_cursor"] is None
    assert all(0 <= w["waiting_seconds"] < 60 for w in waiting)
    # Answering one idea leaves the other's comment waiting.
    comment(api, idea, "We hear you.", headers=PRODUCT_TEAM)
    assert queue(api, pump) == ["The roof leaks, this is awful."]


def test_a_hidden_or_deleted_comment_leaves_the_queue(api, pump, idea):
    hidden = comment(api, idea, ANGRY)["comment_id"]
    deleted = comment(api, idea, "Awful, just awful.", headers=BO)["comment_id"]
    assert len(queue(api, pump)) == 2
    api.patch(f"/comments/{hidden}", {"hidden": True}, headers=PRODUCT_TEAM)
    api.delete(f"/comments/{deleted}", headers=BO)
    assert queue(api, pump) == []
    api.patch(f"/comments/{hidden}", {"hidden": False}, headers=PRODUCT_TEAM)
    assert queue(api, pump) == []  # shown again, but the team has read it


def test_the_queue_of_an_unknown_product_is_404(api, idea):
    assert api.get("/products/nope/attention", headers=PRODUCT_TEAM).status_code == 404


def test_a_comment_stamped_before_an_answer_but_written_after_it_does_not_wait(aws, api, pump, idea):
    """The answer lands between the comment's stamp and its write (a slow request): it answers the comment."""
    comments = wiring.services().comments
    stamped = datetime.now(UTC)
    comments.clock = lambda: stamped + timedelta(seconds=5)
    comments.post(Caller("pat", frozenset({"product-team"})), idea, "We hear you.")
    comments.clock = lambda: stamped
    slow = comments.post(Caller("ada"), idea, ANGRY)
    assert slow.sentiment.label is Feeling.NEGATIVE
    assert queue(api, pump) == []
    assert thread(api, idea) == [ANGRY, "We hear you."]


def test_posting_a_comment_announces_it_without_its_body(api, pump, bus, idea):
    posted = comment(api, idea, ANGRY)
    pump.drain()
    pump.rewind()
    pump.drain()  # redelivered: announced once
    (event,) = bus.received("CommentPosted")
    assert event == {
        "event_id": f"{posted['comment_id']}:posted",
        "comment_id": posted["comment_id"],
        "idea_id": idea,
        "product_id": "roadster",
        "sentiment": "negative",
        "official": False,
        "posted_at": posted["created_at"],
    }


def test_comprehend_scores_when_the_stage_says_so_and_its_labels_map_to_ours(aws, monkeypatch):
    from chalicelib.sentiment import Comprehend, vader

    calls = []
    client = aws.client("comprehend")
    original = client.detect_sentiment

    def recorded(**arguments):
        calls.append(arguments)
        return original(**arguments)

    client.detect_sentiment = recorded
    scored = Comprehend(client, "en")("Ünïcödé " * 1000)  # 10,000 bytes: clipped to what Comprehend takes
    assert len(calls[0]["Text"].encode()) <= 5000
    assert calls[0]["LanguageCode"] == "en"
    # moto answers NEUTRAL with these chances: the score is positive less negative.
    assert (scored.label, scored.score) == (
        Feeling.NEUTRAL,
        pytest.approx(0.008101312443614006 - 0.0002824589901138097),
    )
    # A language Comprehend does not take (moto refuses it as Comprehend does): VADER scores it instead.
    assert Comprehend(client, "xx")(ANGRY) == vader(ANGRY)


@pytest.mark.parametrize(
    ("answer", "label"),
    [("POSITIVE", "positive"), ("NEGATIVE", "negative"), ("NEUTRAL", "neutral"), ("MIXED", "neutral")],
)
def test_each_of_comprehends_labels_maps_to_one_of_ours(answer, label):
    from chalicelib.sentiment import Comprehend

    class Answering:
        def detect_sentiment(self, **_):
            chances = {"Positive": 0.7, "Negative": 0.2, "Neutral": 0.05, "Mixed": 0.05}
            return {"Sentiment": answer, "SentimentScore": chances}

    scored = Comprehend(Answering(), "de")("Gut.")
    assert (scored.label, scored.score) == (Feeling(label), pytest.approx(0.5))


def test_the_stage_setting_chooses_comprehend(aws, api, idea, monkeypatch):
    # Chalice's local gateway sets the stage's variables on each request: the services are called directly here.
    monkeypatch.setenv("COCREATE_SENTIMENT", "comprehend")
    monkeypatch.setenv("COCREATE_SENTIMENT_LANGUAGE", "de")
    wiring.reset()
    posted = wiring.services().comments.post(Caller("ada"), idea, "Das ist schrecklich.")
    # moto's Comprehend answers neutral, whatever the text; VADER would have said neutral with a score of 0.
    assert (posted.sentiment.label, posted.sentiment.score) == (Feeling.NEUTRAL, pytest.approx(0.0078, abs=1e-4))


def test_hiding_a_comment_deleted_after_it_was_read_is_a_404(aws, api, idea, monkeypatch):
    posted = comment(api, idea, ANGRY)["comment_id"]
    store = wiring.services().comments.comments
    read = store.get(posted)
    monkeypatch.setattr(store, "get", lambda _: read)  # read before the deletion lands
    assert api.delete(f"/comments/{posted}", headers=ADA).status_code == 204
    hidden = api.patch(f"/comments/{posted}", {"hidden": True}, headers=PRODUCT_TEAM)
    assert (hidden.status_code, hidden.json_body["Code"]) == (404, "NotFoundError")
    assert store.table.get({"PK": f"COMMENT#{posted}", "SK": "META"}) is None  # not brought back by the update


def test_comments_count_against_the_customers_writes_a_minute(api, idea):
    for n in range(29):  # the local stage's limit is 30: submitting the idea was Ada's first write
        comment(api, idea, f"Comment {n}")
    refused = api.post(f"/ideas/{idea}/comments", {"body": "One too many"}, headers=ADA)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert len(api.get(f"/ideas/{idea}/comments?limit=100").json_body["items"]) == 29  # nothing written
    assert comment(api, idea, "Bo is not slowed", headers=BO)["author"]["id"] == "bo"


def test_comments_posted_deleted_hidden_or_shown_are_each_counted_and_a_repeat_is_not(api, idea, capsys):
    posted = comment(api, idea, HAPPY)["comment_id"]
    assert '"CommentsPosted":[1.0]' in capsys.readouterr().out
    api.patch(f"/comments/{posted}", {"hidden": True}, headers=PRODUCT_TEAM)
    assert '"CommentsHidden":[1.0]' in capsys.readouterr().out
    api.patch(f"/comments/{posted}", {"hidden": True}, headers=PRODUCT_TEAM)  # hidden already: nothing happened
    assert "CommentsHidden" not in capsys.readouterr().out
    api.patch(f"/comments/{posted}", {"hidden": False}, headers=PRODUCT_TEAM)
    shown = capsys.readouterr().out
    assert '"CommentsShown":[1.0]' in shown and "CommentsHidden" not in shown
    api.delete(f"/comments/{posted}", headers=ADA)
    assert '"CommentsDeleted":[1.0]' in capsys.readouterr().out


def test_the_queue_says_how_long_each_comment_has_waited_in_whole_seconds(aws, api, idea):
    comments = wiring.services().comments
    written = datetime(2026, 11, 26, 12, tzinfo=UTC)
    comments.clock = lambda: written
    comments.post(Caller("ada"), idea, ANGRY)
    waited = {}
    for later in (0, 90.9, 3600):
        comments.clock = lambda later=later: written + timedelta(seconds=later)
        (waiting,) = comments.attention("roadster", PageQuery()).items
        waited[later] = waiting.waiting_seconds
    assert waited == {0: 0, 90.9: 90, 3600: 3600}


def test_a_comment_on_an_idea_merged_after_it_was_read_is_refused_naming_both(aws, api, idea, monkeypatch):
    target = api.post(
        "/products/roadster/ideas", {"kind": "suggestion", "title": "Cork", "description": "Cork."}, headers=BO
    ).json_body["idea_id"]
    store = wiring.services().comments.ideas
    stale = store.get(idea)
    api.patch(f"/ideas/{idea}", {"status": "merged", "merged_into": target}, headers=PRODUCT_TEAM)
    read = store.get
    monkeypatch.setattr(store, "get", lambda idea_id, consistent=False: read(idea_id) if consistent else stale)
    refused = api.post(f"/ideas/{idea}/comments", {"body": "Still open?"}, headers=ADA)  # read open: written merged
    assert (refused.status_code, refused.json_body["Code"]) == (409, "IdeaMerged")
    assert idea in refused.json_body["Message"] and target in refused.json_body["Message"]
    assert thread(api, idea) == []


def test_erasing_a_comment_deleted_after_it_was_read_leaves_it_deleted(aws, api, idea):
    posted = comment(api, idea, ANGRY)["comment_id"]
    store = wiring.services().comments.comments
    read = store.get(posted)
    assert api.delete(f"/comments/{posted}", headers=ADA).status_code == 204  # after the erasure read it
    store.erase(read)  # and the erasure goes on
    assert store.table.get({"PK": f"COMMENT#{posted}", "SK": "META"}) is None  # not brought back by the update

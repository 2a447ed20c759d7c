"""Following and notifications: who follows an idea, and how each follower is told, exactly once, of what happens
to it: in their inbox, and by email when they asked for it."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import wiring
from chalicelib.domain.notifications import EmailWish, NotificationKind, PreferencesBody
from chalicelib.store import keys
from infra.local.tokens import bearer
from tests.tokens import PRODUCT_TEAM

ADA, BO, CY, DEE = (bearer(name) for name in ("ada", "bo", "cy", "dee"))


@pytest.fixture
def product(api) -> str:
    body = {"product_id": "roadster", "name": "Roadster", "thresholds": [3]}
    assert api.post("/products", body, headers=PRODUCT_TEAM).status_code == 201
    return "roadster"


def suggest(api, title: str, author=ADA) -> str:
    body = {"kind": "suggestion", "title": title, "description": f"{title}, please."}
    return api.post("/products/roadster/ideas", body, headers=author).json_body["idea_id"]


def notify(pump) -> int:
    """Count what was written, then a run of the scheduled delivery: how many notifications were new."""
    pump.drain()
    return wiring.services().notifications.run()


def inbox(api, who, query: str = "") -> dict:
    answer = api.get(f"/me/notifications{query}", headers=who)
    assert answer.status_code == 200
    return answer.json_body


def kinds(api, who) -> list[str]:
    return [n["kind"] for n in inbox(api, who)["items"]]


def following(api, idea_id: str, who) -> bool:
    return api.get(f"/ideas/{idea_id}", headers=who).json_body["following"]


def sent_mail() -> list:
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def test_the_author_voters_either_way_and_commenters_follow_and_an_unfollow_is_not_undone(api, product):
    idea = suggest(api, "Roof rack")
    assert api.put(f"/ideas/{idea}/vote", {"value": -1}, headers=BO).status_code == 200
    assert api.post(f"/ideas/{idea}/comments", {"body": "Why?"}, headers=CY).status_code == 201
    assert [following(api, idea, who) for who in (ADA, BO, CY, DEE)] == [True, True, True, False]
    assert "following" not in api.get(f"/ideas/{idea}").json_body  # anonymous: nobody to follow

    assert api.delete(f"/ideas/{idea}/subscription", headers=BO).status_code == 204
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=BO)  # a later vote, and comment, do not undo it
    api.post(f"/ideas/{idea}/comments", {"body": "Changed my mind."}, headers=BO)
    assert not following(api, idea, BO)
    assert api.put(f"/ideas/{idea}/subscription", headers=DEE).status_code == 204
    assert api.put(f"/ideas/{idea}/subscription", headers=BO).status_code == 204  # their word again
    assert following(api, idea, DEE) and following(api, idea, BO)


def test_an_author_whose_budget_is_full_follows_their_idea_without_a_vote(api):
    api.post("/products", {"product_id": "tight", "name": "Tight", "vote_budget": 1}, headers=PRODUCT_TEAM)
    body = {"kind": "suggestion", "title": "First", "description": "d"}
    api.post("/products/tight/ideas", body, headers=ADA)  # her one vote
    second = api.post("/products/tight/ideas", {**body, "title": "Second"}, headers=ADA).json_body
    assert second["my_vote"] is None
    assert following(api, second["idea_id"], ADA)


def test_following_an_idea_that_does_not_exist_is_a_404(api, product):
    assert api.put("/ideas/s0000000000000000/subscription", headers=ADA).status_code == 404
    assert api.delete("/ideas/nonsense/subscription", headers=ADA).status_code == 404


def test_every_follower_is_told_of_a_status_change_once_however_often_it_is_delivered(api, pump, bus, product):
    idea = suggest(api, "Roof rack")
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=BO)
    api.put(f"/ideas/{idea}/subscription", headers=CY)
    api.put(f"/ideas/{idea}/vote", {"value": -1}, headers=DEE)  # against: two supporters, short of a threshold
    api.delete(f"/ideas/{idea}/subscription", headers=DEE)
    pump.drain()
    answer = {"status": "under_review", "response": "Next spring, maybe."}
    assert api.patch(f"/ideas/{idea}", answer, headers=PRODUCT_TEAM).status_code == 200

    assert notify(pump) == 3  # Ada, Bo and Cy; not Dee, who unfollowed
    pump.rewind()  # the whole stream again, and the delivery run again
    assert notify(pump) == 0
    for who in (ADA, BO, CY):
        (told,) = inbox(api, who)["items"]
        assert told["kind"] == "status_changed" and told["idea_id"] == idea and told["title"] == "Roof rack"
        assert told["message"] == "Now under review. The product team: “Next spring, maybe.”"
        assert told["read"] is False
    assert inbox(api, DEE)["items"] == []
    assert wiring.services().notifications.jobs.pending() == []  # nothing left in line
    (announced,) = bus.received("FollowersNotified")
    assert (announced["idea_id"], announced["kind"], announced["notified"]) == (idea, "status_changed", 3)
    assert announced["about"].startswith(f"{idea}:status:under_review:")


def test_a_delivery_cut_short_goes_on_where_it_stopped_and_tells_nobody_twice(api, pump, bus, product):
    idea = suggest(api, "Roof rack")
    voters = [bearer(f"voter-{n}") for n in range(7)]
    for who in voters:
        api.put(f"/ideas/{idea}/vote", {"value": -1}, headers=who)  # against: no threshold to tell of besides
    pump.drain()
    api.patch(f"/ideas/{idea}", {"status": "under_review"}, headers=PRODUCT_TEAM)
    pump.drain()
    service = wiring.services().notifications
    service.page = 3
    runs = iter([100.0, 100.0, 0.0])  # time for two pages, then none
    assert service.run(lambda: next(runs), margin=20) == 6
    (job,) = service.jobs.pending()
    assert job.delivered == 6 and job.start is not None
    # The page it stopped after comes again (say the run died before recording it): nobody is told twice.
    assert service.run() == 2
    assert sum(len(inbox(api, who)["items"]) for who in [ADA, *voters]) == 8
    assert [e["notified"] for e in bus.received("FollowersNotified")] == [8]  # both runs' notifications


def test_a_page_delivered_again_after_a_run_died_tells_nobody_twice_and_leaves_read_ones_read(
    api, pump, product, monkeypatch
):
    idea = suggest(api, "Roof rack")
    api.put(f"/ideas/{idea}/vote", {"value": -1}, headers=BO)
    api.patch(f"/ideas/{idea}", {"status": "under_review"}, headers=PRODUCT_TEAM)
    pump.drain()
    service = wiring.services().notifications
    deliver = service.inbox.deliver

    def dies_after_the_first(customer_id, notification):
        deliver(customer_id, notification)
        raise ConnectionError("the run died after Ada's notification, before Bo's and before it recorded its page")

    monkeypatch.setattr(service.inbox, "deliver", dies_after_the_first)
    with pytest.raises(ConnectionError):
        service.run()
    assert api.post("/me/notifications/read", {"all": True}, headers=ADA).status_code == 204
    monkeypatch.setattr(service.inbox, "deliver", deliver)
    assert service.run() == 1  # the same page again: Ada told already, Bo now
    assert [n["read"] for n in inbox(api, ADA)["items"]] == [True]
    assert len(inbox(api, BO)["items"]) == 1


def test_one_run_delivers_every_notice_in_line_and_a_commit_of_several_goes_on_from_the_one_it_stopped_at(
    api, pump, bus, product
):
    first, second = suggest(api, "Roof rack"), suggest(api, "Roof box")
    api.put(f"/ideas/{second}/vote", {"value": -1}, headers=BO)
    for idea in (first, second):  # one commit: one job of two notices
        api.patch(f"/ideas/{idea}", {"status": "under_review"}, headers=PRODUCT_TEAM)
    pump.drain()
    api.patch(f"/ideas/{first}", {"status": "planned"}, headers=PRODUCT_TEAM)
    pump.drain()  # another commit, another job
    service = wiring.services().notifications
    service.page = 1
    runs = iter([100.0, 100.0, 0.0])  # the first notice (Ada), then the second's first page (Ada), then no time
    assert service.run(lambda: next(runs), margin=20) == 2
    (left, _) = service.jobs.pending()
    assert (left.done, left.delivered) == (1, 1) and left.start is not None
    assert service.run() == 2  # Bo's of the second notice, and the other job's
    told = bus.received("FollowersNotified")
    assert sorted((e["idea_id"], e["notified"]) for e in told) == sorted([(first, 1), (second, 2), (first, 1)])
    assert len(inbox(api, ADA)["items"]) == 3 and len(inbox(api, BO)["items"]) == 1


def test_a_job_another_run_finished_meanwhile_stays_finished_and_the_next_job_is_still_delivered(
    api, pump, product, monkeypatch
):
    first, second = suggest(api, "Roof rack"), suggest(api, "Roof box")
    for idea in (first, second):  # two commits, two jobs
        api.patch(f"/ideas/{idea}", {"status": "under_review"}, headers=PRODUCT_TEAM)
        pump.drain()
    jobs = wiring.services().notifications.jobs
    advance = jobs.advance

    def finished_by_another_run(job, *arguments):
        monkeypatch.setattr(jobs, "advance", advance)
        jobs.finish(job)  # the other run delivered it all, and let it go
        return advance(job, *arguments)

    monkeypatch.setattr(jobs, "advance", finished_by_another_run)
    assert wiring.services().notifications.run() == 2  # both jobs' notifications, the first made by this run too
    assert jobs.pending() == []  # not made again, half, by the late run's progress
    assert len(inbox(api, ADA)["items"]) == 2


def test_a_mail_that_cannot_be_sent_leaves_the_notification_and_is_counted(
    api, pump, product, metrics, monkeypatch, caplog
):
    idea = suggest(api, "Roof rack")
    api.put("/me/preferences", {"email": {"address": "ada@example.com", "events": ["status_changed"]}}, headers=ADA)
    api.patch(f"/ideas/{idea}", {"status": "under_review"}, headers=PRODUCT_TEAM)

    def refused(mail):  # as SES says it: naming the address
        raise ConnectionError(f"MessageRejected: Email address is not verified: {mail.to}")

    monkeypatch.setattr(wiring.services().notifications.mailer, "send", refused)
    metrics()
    assert notify(pump) == 1
    assert len(inbox(api, ADA)["items"]) == 1 and sent_mail() == []
    assert metrics()["MailFailed"] == 1
    assert "mail could not be sent" in caplog.text  # logged...
    assert "ada@example.com" not in caplog.text + metrics.printed[0]  # ...without the address


def test_an_automatic_follow_that_fails_fails_no_vote_and_is_counted(api, product, metrics, monkeypatch):
    idea = suggest(api, "Roof rack")
    follows = wiring.services().following.follows

    def broken(*arguments):
        raise ConnectionError("DynamoDB is having a moment")

    monkeypatch.setattr(follows, "follow_unless_decided", broken)
    metrics()
    assert api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=BO).status_code == 200
    assert metrics()["FollowsFailed"] == 1
    assert api.get(f"/ideas/{idea}", headers=BO).json_body["my_vote"] == 1


def test_a_threshold_an_official_comment_and_a_merge_are_told_and_a_merge_moves_followers(api, pump, product):
    idea, target = suggest(api, "Roof bars"), suggest(api, "Roof rack", author=DEE)
    for who in (BO, CY):
        api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=who)
    api.delete(f"/ideas/{target}/subscription", headers=CY)  # Cy wants nothing of the target
    assert notify(pump) == 3  # 3 supporters: the threshold
    assert kinds(api, BO) == ["threshold_reached"]
    assert inbox(api, BO)["items"][0]["message"] == "3 supporters: past 3."

    official = api.post(f"/ideas/{idea}/comments", {"body": "We love it."}, headers=PRODUCT_TEAM)
    assert official.status_code == 201
    assert notify(pump) == 3  # Ada, Bo, Cy; not the team member who wrote it, though they follow now
    assert inbox(api, ADA)["items"][0]["message"] == "The product team answered: “We love it.”"
    assert inbox(api, PRODUCT_TEAM)["items"] == []

    merged = api.patch(f"/ideas/{idea}", {"status": "merged", "merged_into": target}, headers=PRODUCT_TEAM)
    assert merged.status_code == 200
    assert notify(pump) == 4
    told = inbox(api, BO)["items"][0]
    assert told["kind"] == "merged" and told["merged_into"] == target
    assert told["message"] == "Merged into “Roof rack”: your vote and your follow moved with it."
    assert following(api, target, ADA) and following(api, target, BO)
    assert not following(api, target, CY)  # an unfollow stands


def test_a_hidden_official_comment_is_not_told(api, pump, product):
    idea = suggest(api, "Roof rack")
    comment = api.post(f"/ideas/{idea}/comments", {"body": "Oops, wrong idea."}, headers=PRODUCT_TEAM).json_body
    api.patch(f"/comments/{comment['comment_id']}", {"hidden": True}, headers=PRODUCT_TEAM)
    assert notify(pump) == 0
    assert wiring.services().notifications.jobs.pending() == []


def test_the_inbox_is_newest_first_filters_unread_counts_them_and_marks_them_read(api, pump, product):
    idea = suggest(api, "Roof rack")
    for status in ("under_review", "planned", "in_production"):
        api.patch(f"/ideas/{idea}", {"status": status}, headers=PRODUCT_TEAM)
        notify(pump)
    page = inbox(api, ADA, "?limit=2")
    assert [n["message"] for n in page["items"]] == ["Now in production.", "Now planned."]
    assert page["unread"] == 3 and page["next_cursor"]
    rest = inbox(api, ADA, f"?limit=2&cursor={page['next_cursor']}")
    assert [n["message"] for n in rest["items"]] == ["Now under review."] and rest["next_cursor"] is None

    newest = page["items"][0]["notification_id"]
    assert api.post("/me/notifications/read", {"notification_ids": [newest]}, headers=BO).status_code == 204
    assert inbox(api, ADA)["unread"] == 3  # not Bo's to mark
    assert inbox(api, BO)["items"] == []  # and nothing made in his inbox either
    assert api.post("/me/notifications/read", {"notification_ids": [newest]}, headers=ADA).status_code == 204
    unread = inbox(api, ADA, "?unread=true")
    assert unread["unread"] == 2 and [n["message"] for n in unread["items"]] == ["Now planned.", "Now under review."]
    assert [n["read"] for n in inbox(api, ADA)["items"]] == [True, False, False]
    unread_first = inbox(api, ADA, "?unread=true&limit=1")
    assert [n["message"] for n in unread_first["items"]] == ["Now planned."] and unread_first["next_cursor"]
    unread_rest = inbox(api, ADA, f"?unread=true&limit=1&cursor={unread_first['next_cursor']}")
    assert [n["message"] for n in unread_rest["items"]] == ["Now under review."]
    assert api.post("/me/notifications/read", {"all": True}, headers=ADA).status_code == 204
    assert inbox(api, ADA)["unread"] == 0 and inbox(api, ADA, "?unread=true")["items"] == []
    # Kept 90 days from when it was made, then DynamoDB's TTL removes it.
    stored = wiring.services().notifications.inbox.table.get(keys.notification("ada", newest))
    made = datetime.fromisoformat(page["items"][0]["created_at"])
    assert stored["expires_at"] == int((made + timedelta(days=90)).timestamp())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "notification_ids"),
        ({"notification_ids": ["x"], "all": True}, "not both"),
        ({"all": False}, "all"),
        ({"notification_ids": []}, "notification_ids"),
    ],
)
def test_marking_read_needs_ids_or_all(api, product, body, field):
    answer = api.post("/me/notifications/read", body, headers=ADA)
    assert answer.status_code == 400 and field in answer.json_body["Message"]


def test_email_goes_only_by_consent_of_the_kinds_asked_for_with_a_link_that_turns_it_off(api, pump, product, capfd):
    assert api.get("/me/preferences", headers=BO).json_body == {
        "email": None,
        "consent": {"given_at": None, "withdrawn_at": None},
    }
    idea = suggest(api, "Roof rack")
    for who in (BO, CY):
        api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=who)
    wish = {"email": {"address": "bo@example.com", "events": ["status_changed"]}}
    chosen = api.put("/me/preferences", wish, headers=BO)
    assert chosen.status_code == 200 and chosen.json_body["email"] == wish["email"]
    assert chosen.json_body["consent"]["given_at"] and chosen.json_body["consent"]["withdrawn_at"] is None
    api.put("/me/preferences", {"email": {"address": "cy@example.com", "events": ["merged"]}}, headers=CY)

    api.patch(f"/ideas/{idea}", {"status": "under_review", "response": "Spring."}, headers=PRODUCT_TEAM)
    capfd.readouterr()
    notify(pump)
    (mail,) = sent_mail()  # Bo's: Cy asked only for merges, Ada for nothing
    assert set(mail.destinations) == {"bo@example.com"} and mail.source == "notifications@cocreate.example"
    assert mail.raw_data.startswith("From: notifications@cocreate.example\r\nTo: bo@example.com\r\n")
    assert "Subject: Roof rack: news" in mail.raw_data and "Now under review." in mail.raw_data
    assert "bo@example.com" not in capfd.readouterr().out  # no address is ever logged
    link = next(line for line in mail.raw_data.splitlines() if line.startswith("List-Unsubscribe:"))
    url = urlsplit(link.split("<", 1)[1].rstrip(">"))
    assert url.path == "/unsubscribe"

    clicked = api.get(f"/unsubscribe?{url.query}")
    assert clicked.status_code == 200 and "no more email" in clicked.body.decode()
    now = api.get("/me/preferences", headers=BO).json_body
    assert now["email"] is None and now["consent"]["withdrawn_at"]
    assert api.get(f"/unsubscribe?{url.query}").status_code == 200  # the same click again: still off

    api.patch(f"/ideas/{idea}", {"status": "planned"}, headers=PRODUCT_TEAM)
    notify(pump)
    assert len(sent_mail()) == 1  # nothing more to Bo


@pytest.mark.parametrize("token", ["", "abc", "YWRh.bm90LWEtc2lnbmF0dXJl", "%%%.%%%"])
def test_an_unsubscribe_link_that_cocreate_did_not_sign_is_a_400(api, product, token):
    answer = api.get(f"/unsubscribe?token={token}")
    assert answer.status_code == 400 and "token" in answer.json_body["Message"]


@pytest.mark.parametrize(
    "email",
    [
        {"address": "not an address", "events": ["merged"]},
        {"address": "ada@example.com", "events": []},
        {"address": "ada@example.com", "events": ["merged", "merged"]},
        {"address": "ada@example.com", "events": ["gossip"]},
        {"address": "ada@example.com"},
    ],
)
def test_preferences_must_name_an_address_and_kinds_of_notification(api, product, email):
    answer = api.put("/me/preferences", {"email": email}, headers=ADA)
    assert answer.status_code == 400 and "email" in answer.json_body["Message"]
    assert api.get("/me/preferences", headers=ADA).json_body["email"] is None


def test_notifications_delivered_mail_sent_following_reading_and_unsubscribing_are_counted(api, pump, product, metrics):
    idea, target = suggest(api, "Roof bars"), suggest(api, "Roof rack", author=DEE)
    api.put(f"/ideas/{idea}/vote", {"value": -1}, headers=BO)
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=BO)  # a change: no second follow
    api.put(f"/ideas/{idea}/vote", {"value": 1}, headers=CY)  # the third supporter: a threshold
    api.put("/me/preferences", {"email": {"address": "bo@example.com", "events": ["merged"]}}, headers=BO)
    api.put("/me/preferences", {"email": None}, headers=CY)
    api.put("/me/preferences", {"email": {"address": "cy@example.com", "events": ["status_changed"]}}, headers=CY)
    counted = {"IdeasSubmitted": 2, "FollowsStarted": 4, "VotesCast": 5, "EmailTurnedOn": 2, "EmailTurnedOff": 1}
    assert metrics() == counted

    notify(pump)
    api.patch(f"/ideas/{idea}", {"status": "merged", "merged_into": target}, headers=PRODUCT_TEAM)
    notify(pump)
    # Ada, Bo and Cy told twice; Bo mailed of the merge (Cy asked for status changes only); the three follow the
    # rack now.
    assert metrics() == {"NotificationsDelivered": 6, "NoticesDelivered": 2, "MailSent": 1, "FollowsMoved": 3}
    told = [n["notification_id"] for n in inbox(api, BO)["items"]]
    assert len(told) == 2
    api.post(
        "/me/notifications/read", {"notification_ids": ["20260101T000000000000-0000000000000000", *told]}, headers=BO
    )
    token = wiring.services().notifications.links.token("bo")
    api.get(f"/unsubscribe?token={token}")
    api.get(f"/unsubscribe?token={token}")  # off already: counted once
    assert metrics() == {"NotificationsRead": 2, "Unsubscribed": 1}


def test_preferences_set_are_answered_as_stored_with_when_consent_was_given_and_withdrawn(services):

    wish = EmailWish(address="bo@example.com", events=[NotificationKind.MERGED])
    chosen = services.notifications.set_preferences("bo", PreferencesBody(email=wish))
    assert chosen.email == wish and chosen.consent.given_at is not None and chosen.consent.withdrawn_at is None
    none = services.notifications.set_preferences("bo", PreferencesBody(email=None))
    assert none.email is None and none.consent.withdrawn_at is not None
    assert services.notifications.preferences_of("bo") == none

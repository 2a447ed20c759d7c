"""What a notification says, and the signed link that turns email off."""

from datetime import UTC, datetime

import pytest

from chalicelib.domain.ideas import IdeaStatus
from chalicelib.domain.notifications import QUOTE, Notice, NotificationKind, ReadNotifications, message
from chalicelib.publish.mail import UnsubscribeLinks

AT = datetime(2026, 11, 27, 9, 30, 15, 123000, tzinfo=UTC)


def notice(kind: NotificationKind, **fields) -> Notice:
    return Notice(event_id="s1:status:planned:x", kind=kind, idea_id="s1", at=AT, **fields)


def test_each_kind_says_what_happened_with_the_teams_words():
    planned = notice(NotificationKind.STATUS_CHANGED, status=IdeaStatus.IN_PRODUCTION, response="In March.")
    assert message(planned) == "Now in production. The product team: “In March.”"
    assert message(notice(NotificationKind.STATUS_CHANGED, status=IdeaStatus.DECLINED)) == "Now declined."
    merged = notice(NotificationKind.MERGED, status=IdeaStatus.MERGED, merged_into="s2")
    assert message(merged, target_title="Roof rack") == (
        "Merged into “Roof rack”: your vote and your follow moved with it."
    )
    assert message(merged).startswith("Merged into another idea")  # the target gone since
    reached = notice(NotificationKind.THRESHOLD_REACHED, threshold=100, supporters=103)
    assert message(reached) == "103 supporters: past 100."
    answered = notice(NotificationKind.OFFICIAL_COMMENT, comment_id="m1")
    assert message(answered, comment="We love it.") == "The product team answered: “We love it.”"


def test_a_long_answer_is_quoted_up_to_its_limit():
    said = message(notice(NotificationKind.OFFICIAL_COMMENT), comment="word " * 200)
    quoted = said.removeprefix("The product team answered: “").removesuffix("”")
    assert len(quoted) == QUOTE and quoted.endswith("…")
    exact = "x" * QUOTE
    assert message(notice(NotificationKind.OFFICIAL_COMMENT), comment=exact).endswith(f"“{exact}”")
    cut_at_a_space = "x" * (QUOTE - 2) + " " + "y" * 50  # the cut falls after the space: it goes
    assert message(notice(NotificationKind.OFFICIAL_COMMENT), comment=cut_at_a_space).endswith("x…”")


def test_a_notification_id_is_the_events_time_then_a_digest_of_its_id():
    first = notice(NotificationKind.STATUS_CHANGED)
    assert first.notification_id.startswith("20261127T093015123000-")
    assert first.notification_id == notice(NotificationKind.STATUS_CHANGED).notification_id
    other = first.model_copy(update={"event_id": "s1:status:declined:y"})
    assert other.notification_id != first.notification_id
    assert other.notification_id[:21] == first.notification_id[:21]


def test_an_unsubscribe_token_names_its_customer_and_only_its_signer_reads_it():
    links = UnsubscribeLinks("k" * 32, "https://api.example/api/")
    token = links.token("ada-123")
    assert links.customer(token) == "ada-123"
    for customer in ("b", "bo", "abW", "4f1c0a4e-9d5b-4a8e-b0b6-0c1d2e3f4a5b"):  # every padding, a name ending in X
        assert links.customer(links.token(customer)) == customer
    assert links.link("ada-123") == f"https://api.example/api/unsubscribe?token={token}"
    named, signature = token.split(".")
    forged = UnsubscribeLinks("k" * 32, "https://x").token("bo")
    assert links.customer(f"{forged.split('.')[0]}.{signature}") is None  # Ada's signature on Bo's name
    assert UnsubscribeLinks("j" * 32, "https://x").customer(token) is None  # another stage's key
    for garbage in ("", ".", named, f"{named}.", "%%%.%%%", "\udcff.x"):
        assert links.customer(garbage) is None


@pytest.mark.parametrize(
    "body", [{}, {"all": True, "notification_ids": ["a"]}, {"notification_ids": []}, {"all": False}]
)
def test_marking_read_names_some_or_all(body):
    with pytest.raises(ValueError):
        ReadNotifications.model_validate(body)

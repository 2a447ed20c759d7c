from datetime import UTC, datetime

from chalicelib.domain.events import IdeaStatusChanged, IdeaSubmitted, IdeaThresholdReached, idea_events
from chalicelib.domain.ideas import IdeaStatus
from chalicelib.domain.notifications import NotificationKind, notices
from tests.unit.test_demand import idea

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def image(**changes) -> dict:
    return idea("a", 1, 0, IdeaStatus.OPEN, {"colour": "red"}).model_copy(update=changes).model_dump(mode="json")


def test_a_new_idea_announces_its_submission():
    (event,) = idea_events({}, image(), at=NOW)
    assert isinstance(event, IdeaSubmitted)
    assert event.event_id == "caaaaaaaaaaaaaaaa:submitted"
    assert (event.idea_id, event.product_id, event.kind, event.options) == (
        "caaaaaaaaaaaaaaaa",
        "roadster",
        "customisation",
        {"colour": "red"},
    )


def test_a_status_change_announces_old_and_new_status_with_the_response():
    (event,) = idea_events(image(), image(status=IdeaStatus.PLANNED, response="Next spring."), at=NOW)
    assert isinstance(event, IdeaStatusChanged)
    assert (event.old_status, event.new_status, event.response) == ("open", "planned", "Next spring.")


def test_each_newly_reached_threshold_is_announced_once():
    events = idea_events(image(up=99, thresholds_reached=[10]), image(up=150, thresholds_reached=[10, 50, 100]), at=NOW)
    assert [(e.threshold, e.supporters) for e in events if isinstance(e, IdeaThresholdReached)] == [
        (50, 150),
        (100, 150),
    ]
    assert {e.reached_at for e in events if isinstance(e, IdeaThresholdReached)} == {NOW}


def test_followers_are_told_of_status_changes_merges_and_thresholds_each_under_an_id_of_its_own():
    reviewed = idea_events(image(), image(status=IdeaStatus.UNDER_REVIEW, response="Soon."), at=NOW)
    merged = idea_events(image(), image(status=IdeaStatus.MERGED, merged_into="sbbbbbbbbbbbbbbbb"), at=NOW)
    reached = idea_events(image(up=9), image(up=10, thresholds_reached=[10]), at=NOW)
    told = notices([*reviewed, *merged, *reached])
    assert [n.kind for n in told] == [
        NotificationKind.STATUS_CHANGED,
        NotificationKind.MERGED,
        NotificationKind.THRESHOLD_REACHED,
    ]
    assert told[1].merged_into == "sbbbbbbbbbbbbbbbb" and told[0].response == "Soon."
    assert len({n.notification_id for n in told}) == 3


def test_counts_alone_announce_nothing():
    assert idea_events(image(up=1), image(up=2, down=1), at=NOW) == []
    assert idea_events(image(), {}, at=NOW) == []

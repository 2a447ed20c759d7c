from chalicelib.domain.events import IdeaStatusChanged, IdeaSubmitted, IdeaThresholdReached, idea_events
from chalicelib.domain.ideas import IdeaStatus
from tests.unit.test_demand import idea


def image(**changes) -> dict:
    return idea("a", 1, 0, IdeaStatus.OPEN, {"colour": "red"}).model_copy(update=changes).model_dump(mode="json")


def test_a_new_idea_announces_its_submission():
    (event,) = idea_events({}, image())
    assert isinstance(event, IdeaSubmitted)
    assert event.event_id == "caaaaaaaaaaaaaaaa:submitted"


def test_a_status_change_announces_old_and_new_status_with_the_response():
    (event,) = idea_events(image(), image(status=IdeaStatus.PLANNED, response="Next spring."))
    assert isinstance(event, IdeaStatusChanged)
    assert (event.old_status, event.new_status, event.response) == ("open", "planned", "Next spring.")


def test_each_newly_reached_threshold_is_announced_once():
    events = idea_events(image(up=99, thresholds_reached=[10]), image(up=150, thresholds_reached=[10, 50, 100]))
    assert [(e.threshold, e.supporters) for e in events if isinstance(e, IdeaThresholdReached)] == [
        (50, 150),
        (100, 150),
    ]


def test_counts_alone_announce_nothing():
    assert idea_events(image(up=1), image(up=2, down=1)) == []
    assert idea_events(image(), {}) == []

from datetime import timedelta

import pytest

from chalicelib.domain.ideas import CustomisationDraft, Idea, IdeaStatus
from chalicelib.domain.lifecycle import StatusChange, move
from chalicelib.domain.text import utc_now
from chalicelib.errors import InvalidInput, TransitionNotAllowed
from tests.unit.test_catalogue import roadster

S = IdeaStatus
# API.md's lifecycle, written out again so that a wrong table in the code fails here.
ALLOWED = {
    (S.OPEN, S.UNDER_REVIEW),
    (S.UNDER_REVIEW, S.PLANNED),
    (S.PLANNED, S.IN_PRODUCTION),
    (S.IN_PRODUCTION, S.AVAILABLE),
    (S.OPEN, S.DECLINED),
    (S.UNDER_REVIEW, S.DECLINED),
    (S.PLANNED, S.DECLINED),
    (S.OPEN, S.MERGED),
    (S.UNDER_REVIEW, S.MERGED),
}
NOW = utc_now()


def idea(status: S = S.OPEN, colour: str = "red", response: str | None = None) -> Idea:
    draft = CustomisationDraft(kind="customisation", options={"colour": colour})
    made = Idea.customisation(roadster(), draft, NOW - timedelta(days=1))
    return made.model_copy(update={"status": status, "response": response})


@pytest.mark.parametrize(("start", "target"), [(a, b) for a in S for b in S if a is not b])
def test_every_transition_is_allowed_exactly_as_the_lifecycle_says(start, target):
    merge_target = idea(colour="Matte Green")
    change = StatusChange(
        status=target, response="Thanks!", merged_into=merge_target.idea_id if target is S.MERGED else None
    )
    if (start, target) in ALLOWED:
        moved = move(idea(start), change, NOW, merge_target)
        assert (moved.status, moved.response, moved.updated_at) == (target, "Thanks!", NOW)
        assert moved.merged_into == (merge_target.idea_id if target is S.MERGED else None)
    else:
        with pytest.raises(TransitionNotAllowed):
            move(idea(start), change, NOW, merge_target)


def test_the_same_status_amends_the_response_and_nothing_else():
    before = idea(S.PLANNED, response="Soon.")
    amended = move(before, StatusChange(status=S.PLANNED, response="In spring."), NOW)
    assert (amended.status, amended.response, amended.updated_at) == (S.PLANNED, "In spring.", NOW)
    assert move(before, StatusChange(status=S.PLANNED), NOW) is before  # nothing to do


def test_a_transition_without_a_response_keeps_the_last_one():
    moved = move(idea(S.OPEN, response="We are looking."), StatusChange(status=S.UNDER_REVIEW), NOW)
    assert moved.response == "We are looking."


def test_closed_ideas_are_final_and_say_so():
    with pytest.raises(TransitionNotAllowed, match=r"it can become nothing: it is closed$"):
        move(idea(S.DECLINED), StatusChange(status=S.OPEN), NOW)


def test_a_forbidden_move_names_the_statuses_it_could_take():
    with pytest.raises(TransitionNotAllowed, match=r"it can become declined, merged, under_review$"):
        move(idea(S.OPEN), StatusChange(status=S.AVAILABLE), NOW)


@pytest.mark.parametrize(
    ("merged_into", "target", "error"),
    [
        (None, None, InvalidInput),  # merge into what?
        ("SELF", None, InvalidInput),
        ("cabcdefghijklmnop", None, InvalidInput),  # no such idea
        ("OTHER-PRODUCT", None, InvalidInput),
        ("DECLINED", None, TransitionNotAllowed),
    ],
)
def test_a_merge_needs_an_open_idea_of_the_same_product(merged_into, target, error):
    subject = idea()
    targets = {
        "SELF": (subject.idea_id, subject),
        "OTHER-PRODUCT": ("cotherproductxxxx", idea(colour="red").model_copy(update={"product_id": "coupe"})),
        "DECLINED": ("cdeclinedxxxxxxxx", idea(S.DECLINED, colour="Matte Green")),
    }
    merged_into, target = targets.get(merged_into, (merged_into, target))
    with pytest.raises(error):
        move(subject, StatusChange(status=S.MERGED, merged_into=merged_into), NOW, target)


def test_merged_into_is_only_for_merges():
    with pytest.raises(InvalidInput, match="merged_into"):
        move(idea(), StatusChange(status=S.DECLINED, merged_into="cabcdefghijklmnop"), NOW)


def test_a_merged_idea_names_the_idea_it_merged_into():
    target = idea(colour="Matte Green")
    merged = move(idea(), StatusChange(status=S.MERGED, merged_into=target.idea_id), NOW, target)
    assert merged.merged_into == target.idea_id

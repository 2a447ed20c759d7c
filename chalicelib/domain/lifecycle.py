"""The lifecycle an idea moves through, in public: open -> under_review -> planned -> in_production ->
available, with declined and merged as the other ways out."""

from datetime import datetime

from pydantic import ConfigDict, Field

from chalicelib.domain.ideas import Idea, IdeaStatus
from chalicelib.domain.model import Model
from chalicelib.domain.text import Description
from chalicelib.errors import InvalidInput, TransitionNotAllowed

S = IdeaStatus
TRANSITIONS: dict[IdeaStatus, frozenset[IdeaStatus]] = {
    S.OPEN: frozenset({S.UNDER_REVIEW, S.DECLINED, S.MERGED}),
    S.UNDER_REVIEW: frozenset({S.PLANNED, S.DECLINED, S.MERGED}),
    S.PLANNED: frozenset({S.IN_PRODUCTION, S.DECLINED}),
    S.IN_PRODUCTION: frozenset({S.AVAILABLE}),
    S.AVAILABLE: frozenset(),
    S.DECLINED: frozenset(),
    S.MERGED: frozenset(),
}


class StatusChange(Model):
    """The body of `PATCH /ideas/{idea_id}`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: IdeaStatus
    response: Description | None = Field(None, description="the official answer shown to customers")
    merged_into: str | None = Field(None, description="the idea this one merges into; only with status merged")


def move(idea: Idea, change: StatusChange, now: datetime, merge_target: Idea | None = None) -> Idea:
    """`idea` after `change`: a transition the lifecycle allows, or the same status with a new response.

    Raises TransitionNotAllowed for a transition the lifecycle forbids, InvalidInput for a malformed merge.
    """
    if change.merged_into is not None and change.status is not S.MERGED:
        raise InvalidInput.of("merged_into", "is only for status merged")
    response = change.response if change.response is not None else idea.response
    # A response answers every customer's negative comment before it (the attention queue).
    answered = {"answered_at": now} if change.response is not None else {}
    if change.status is idea.status:
        if change.merged_into not in (None, idea.merged_into):
            raise TransitionNotAllowed(f"idea {idea.idea_id!r} is merged into {idea.merged_into!r} already")
        # Not a transition: the product team amends its answer, or repeats itself.
        if response == idea.response:
            return idea
        return idea.model_copy(update={"response": response, "updated_at": now, **answered})
    if change.status not in TRANSITIONS[idea.status]:
        allowed = ", ".join(sorted(TRANSITIONS[idea.status])) or "nothing: it is closed"
        raise TransitionNotAllowed(
            f"an idea that is {idea.status.value} cannot become {change.status.value}; it can become {allowed}"
        )
    merged_into = None
    if change.status is S.MERGED:
        _check_merge(idea, change, merge_target)
        merged_into = change.merged_into
    return idea.model_copy(
        update={
            "status": change.status,
            "response": response,
            "merged_into": merged_into,
            "updated_at": now,
            **answered,
        }
    )


def _check_merge(idea: Idea, change: StatusChange, target: Idea | None) -> None:
    if change.merged_into is None:
        raise InvalidInput.of("merged_into", "is required to merge an idea")
    if change.merged_into == idea.idea_id:
        raise InvalidInput.of("merged_into", "an idea cannot merge into itself")
    if target is None:
        raise InvalidInput.of("merged_into", f"there is no idea {change.merged_into!r}")
    if target.product_id != idea.product_id:
        raise InvalidInput.of("merged_into", "the idea to merge into belongs to another product")
    if target.status.closed:
        raise TransitionNotAllowed(f"idea {target.idea_id!r} is {target.status.value}: nothing can merge into it")

"""The domain's errors. Services raise these; `http.py` maps each to a status code in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class DomainError(Exception):
    """Something the caller can act on; the message is written for a person."""


class FieldProblem(NamedTuple):
    field: str  # dotted path into the request, e.g. "options.colour"
    problem: str


class InvalidInput(DomainError):
    """The body, query or a header is not as this route takes it; the message names each offending field."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.problem}" if p.field else p.problem for p in problems))

    @classmethod
    def of(cls, field: str, problem: str) -> InvalidInput:
        return cls([FieldProblem(field, problem)])


class PayloadTooLarge(DomainError):
    """The request body is over 32 KiB."""


class UnsupportedMediaType(DomainError):
    """The body is not JSON (Content-Type: application/json)."""


class NotFound(DomainError):
    """No such product, idea or report."""


class AlreadyExists(DomainError):
    """Something with this id exists already."""


class IdeaClosed(DomainError):
    """The idea is closed (available, declined or merged): its tally is final."""


class IdeaMerged(DomainError):
    """The idea was merged into another: the conversation goes on there (the message names it)."""


class VoteBudgetExhausted(DomainError):
    """The caller already votes on as many open ideas of the product as its vote budget allows."""


class VoteRequired(DomainError):
    """A commitment needs the caller's up-vote on the idea."""


class BallotBusy(DomainError):
    """The caller's votes on this product kept changing while this one was cast (their other requests): send it
    again."""


class TransitionNotAllowed(DomainError):
    """The lifecycle does not allow this move from the idea's status (or the status changed meanwhile)."""


class RequestInProgress(DomainError):
    """A request with this Idempotency-Key is still being handled: retry shortly."""


class IdempotencyKeyReused(DomainError):
    """This Idempotency-Key came with another request before: use a new key."""


class RateLimited(DomainError):
    """Too many writes in a minute: wait for Retry-After seconds."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Unauthenticated(DomainError):
    """No identity token, or one that is not valid."""


class Forbidden(DomainError):
    """Signed in, but not allowed to do this (only the product team, or the author, may)."""

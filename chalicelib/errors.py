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
    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.problem}" if p.field else p.problem for p in problems))

    @classmethod
    def of(cls, field: str, problem: str) -> InvalidInput:
        return cls([FieldProblem(field, problem)])


class PayloadTooLarge(DomainError):
    pass


class UnsupportedMediaType(DomainError):
    pass


class NotFound(DomainError):
    pass


class AlreadyExists(DomainError):
    pass


class IdeaClosed(DomainError):
    pass


class VoteBudgetExhausted(DomainError):
    pass


class TransitionNotAllowed(DomainError):
    pass


class RequestInProgress(DomainError):
    """The same idempotent request is still being handled."""


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key came back with another request."""


class RateLimited(DomainError):
    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Unauthenticated(DomainError):
    pass


class Forbidden(DomainError):
    pass

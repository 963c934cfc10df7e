"""The application's own errors. The edge maps each to an HTTP status."""

from __future__ import annotations

from uuid import UUID

from domain.common import DomainError, InvalidValue, RuleViolation

__all__ = [
    "ApplicationError",
    "DomainError",
    "InvalidValue",
    "NotFound",
    "ReferenceNotFound",
    "RuleViolation",
    "StaleVersion",
    "ConcurrentWrite",
    "StoreUnavailable",
    "OutOfRange",
    "ViewNotReady",
    "Forbidden",
    "Unauthenticated",
    "TooManyAttempts",
    "PossibleDuplicate",
]


class ApplicationError(Exception):
    """Base of errors raised by the application layer itself."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ApplicationError):
    """The record addressed does not exist (or is not of the expected type)."""


class ReferenceNotFound(InvalidValue):
    """A command names another record that does not exist: bad input, not a missing target."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, rule="unknown_reference", field=field)


class StaleVersion(ApplicationError):
    """The caller's expected version is not the record's current version."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"expected version {expected}, but the record is at version {current}")
        self.expected = expected
        self.current = current


class ConcurrentWrite(ApplicationError):
    """Another write to the same record was saved first; nothing of this one was saved."""


class StoreUnavailable(ApplicationError):
    """The event store could not be reached or failed; the command may be retried."""


class OutOfRange(InvalidValue):
    """The store refused a value of the request as outside what it can hold or compare (a number
    beyond a column's range): bad input, not an outage. The edge's bounds should have caught it."""

    def __init__(self) -> None:
        super().__init__(
            "a value of the request is outside the range the store can hold", rule="out_of_range", field="request"
        )


class ViewNotReady(ApplicationError):
    """A view has not yet applied the position the caller asked to see; retry shortly."""

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Forbidden(ApplicationError):
    """The caller may know of the record, but not do this to it (or may not do this at all)."""


class Unauthenticated(ApplicationError):
    """No valid sign-in: the token is missing, unknown, expired, revoked or its user disabled."""


class TooManyAttempts(ApplicationError):
    """Sign-in for this username is closed for a while after repeated failures."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PossibleDuplicate(RuleViolation):
    """The youth has an open case already (the same ID number). `matches` are those cases, for the
    front door alone; `shown` is the one the caller may be told of, if any."""

    def __init__(self, message: str, *, matches: list[UUID], shown: UUID | None = None) -> None:
        super().__init__(message, rule="possible_duplicate")
        self.matches = matches
        self.shown = shown

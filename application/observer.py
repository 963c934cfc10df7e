"""What the application tells whoever watches the service: counts of what happened, never contents.

The application only knows this protocol; infrastructure/metrics.py counts for Prometheus.
"""

from __future__ import annotations

from typing import Literal, Protocol

from application.errors import (
    ConcurrentWrite,
    Forbidden,
    InvalidValue,
    NotFound,
    RuleViolation,
    StaleVersion,
    StoreUnavailable,
    Unauthenticated,
)

SignInOutcome = Literal["success", "failure", "throttled"]


class Observer(Protocol):
    def command(self, name: str, outcome: str) -> None:
        """A front-door command ended: `outcome` is `success` or what refused it (see `outcome_of`)."""

    def appended(self, events: int) -> None:
        """A save committed this many events."""

    def read_logged(self) -> None:
        """An entry was written to the read log."""

    def signed_in(self, outcome: SignInOutcome) -> None:
        """A sign-in succeeded, failed, or was refused because of earlier failures."""

    def retried(self, record_type: str) -> None:
        """An append to a record of this type lost a race to another write and is tried again."""


class Unwatched:
    """The observer nobody listens to (tests, the command line)."""

    def command(self, name: str, outcome: str) -> None:
        pass

    def appended(self, events: int) -> None:
        pass

    def read_logged(self) -> None:
        pass

    def signed_in(self, outcome: SignInOutcome) -> None:
        pass

    def retried(self, record_type: str) -> None:
        pass


UNWATCHED = Unwatched()

# The first class an error is an instance of names the outcome (subclasses before their bases).
_OUTCOMES: tuple[tuple[type[BaseException], str], ...] = (
    (ConcurrentWrite, "conflict"),
    (StaleVersion, "stale_version"),
    (RuleViolation, "refused_by_rule"),
    (InvalidValue, "invalid"),
    (NotFound, "not_found"),
    (Forbidden, "forbidden"),
    (Unauthenticated, "unauthenticated"),
    (StoreUnavailable, "store_unavailable"),
)


def outcome_of(error: BaseException | None) -> str:
    """A command's outcome for counting: `success`, or the kind of refusal or failure."""
    if error is None:
        return "success"
    return next((name for kind, name in _OUTCOMES if isinstance(error, kind)), "error")

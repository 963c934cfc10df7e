"""Pieces every record shares: the actor stamped on each event, and domain errors."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import Enum


class Role(Enum):
    """The capacity a person acts in; access control keys on it (application/access)."""

    STATION_OFFICER = "station_officer"
    STATION_LEAD = "station_lead"
    MENTOR = "mentor"
    DEPARTMENT_OFFICER = "department_officer"
    COORDINATOR = "coordinator"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SYSTEM = "system"
    # Found only in events written before access control: kept so those events still load.
    ADMINISTRATOR = "administrator"
    STATION_STAFF = "station_staff"
    DEPARTMENT_STAFF = "department_staff"


@dataclass(frozen=True)
class Actor:
    """Who caused an event: a user id and the role they acted in."""

    user_id: str
    role: Role


ERASED = "[erased]"  # what a personal text reads as once its case's key is destroyed


class DomainError(Exception):
    """Base of every error a record raises. `rule` is a stable, machine-readable name."""

    rule: str = "domain_rule"

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule


class RuleViolation(DomainError):
    """The record's current state forbids the command (maps to 409)."""


class InvalidValue(DomainError):
    """The command's values are wrong whatever the record's state (maps to 422).

    `field` names the offending input, so the edge can point at it.
    """

    def __init__(self, message: str, *, rule: str, field: str) -> None:
        super().__init__(message, rule=rule)
        self.field = field


# Characters that show nothing although they count as letters or symbols (Hangul fillers, the blank braille cell).
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def shows_something(text: str) -> bool:
    """Whether `text` has a character that is drawn: a letter, number, punctuation mark or symbol.
    Blanks, format characters (zero-width spaces and joiners, the byte-order mark, word joiners,
    direction marks, soft hyphens), control characters, lone combining marks and unassigned code
    points show nothing; a name made only of them is no name."""
    return any(unicodedata.category(c)[0] in "LNPS" and c not in BLANK_LETTERS for c in text)


def require_text(value: str, field: str) -> str:
    """Strip `value` and refuse it when nothing visible is left."""
    stripped = value.strip()
    if not shows_something(stripped):
        raise InvalidValue(f"{field} must not be blank", rule="blank_text", field=field)
    return stripped


# A date carries no time zone: it is in the future only once it is later than today's date in
# every zone (the earliest is UTC+14), so a district east of UTC may date work by its own today.
LATEST_ZONE = timedelta(hours=14)


def require_not_future(moment: date | datetime, now: datetime, field: str) -> None:
    """Refuse a date or time later than `now` (a date: later than today's date anywhere)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise InvalidValue(f"{field} needs a UTC offset", rule="naive_datetime", field=field)
        later = moment > now
    else:
        later = moment > (now.astimezone(timezone.utc) + LATEST_ZONE).date()
    if later:
        raise InvalidValue(f"{field} is in the future", rule="dated_in_future", field=field)


BACKFILL_DAYS = 90  # how long before a record was registered its work may be dated, unless set otherwise


def require_within_backfill(
    occurred: date | datetime, opened: datetime, now: datetime, window_days: int, field: str
) -> None:
    """One rule for work recorded on a record (interventions, sessions): not in the future, and
    not dated more than `window_days` before the record was registered (`opened`). Work dated
    before `opened` but inside the window is backfilled: recorded afterwards, and shown so."""
    require_not_future(occurred, now, field)
    earliest = opened - timedelta(days=window_days)
    too_early = occurred < earliest if isinstance(occurred, datetime) else occurred < earliest.date()
    if too_early:
        raise RuleViolation(
            f"{field} is more than {window_days} days before the record was registered",
            rule="before_backfill_window",
        )


def is_backfilled(occurred: date | datetime, opened: datetime) -> bool:
    """Whether work is dated before its record was registered (so was recorded afterwards)."""
    return occurred < opened if isinstance(occurred, datetime) else occurred < opened.date()

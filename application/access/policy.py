"""The one access policy: which role may do what, to which records.

Every action the service offers has an entry here; an action without one is refused for
everybody (deny by default). A grant names how far a role reaches:

- `any`: every record of the kind;
- `station`: records of the caller's station (a station officer or lead) or of every station
  in a coordinator's area (the district when the coordinator has no scope);
- `department`: referrals sent to the caller's department;
- `volunteer`: the caller's own volunteer record and the pairs they mentor;
- `self`: the caller's own user;
- `receiving`: a case a pending transfer would move to the caller's station.

A record the caller may not know of (no grant of its kind's read action reaches it) answers
as if it did not exist; a record they may know of but not change this way is forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

from domain.common import Role


class Grant(Enum):
    ANY = "any"
    STATION = "station"
    DEPARTMENT = "department"
    VOLUNTEER = "volunteer"
    SELF = "self"
    RECEIVING = "receiving"


class Action(Enum):
    STATION_READ = "station.read"
    STATION_HISTORY = "station.history"
    STATION_WRITE = "station.write"
    DEPARTMENT_READ = "department.read"
    DEPARTMENT_HISTORY = "department.history"
    DEPARTMENT_WRITE = "department.write"
    VOLUNTEER_READ = "volunteer.read"
    VOLUNTEER_HISTORY = "volunteer.history"
    VOLUNTEER_WRITE = "volunteer.write"
    CASE_OPEN = "case.open"
    CASE_READ = "case.read"
    CASE_HISTORY = "case.history"
    CASE_WORK = "case.work"
    CASE_ASSIGN = "case.assign"
    CASE_APPROVE = "case.approve"
    CASE_TRANSFER = "case.transfer"
    TRANSFER_ANSWER = "case.transfer_answer"
    CASE_EXPORT = "case.export"
    CASE_SEAL = "case.seal"
    CASE_ERASE = "case.erase"
    CASE_UNSEAL = "case.unseal"
    SEALED_READ = "case.read_sealed"
    CASE_SEARCH = "case.search"
    PAIR_MATCH = "pair.match"
    PAIR_READ = "pair.read"
    PAIR_HISTORY = "pair.history"
    PAIR_LOG = "pair.log"
    PAIR_MANAGE = "pair.manage"
    REFERRAL_MAKE = "referral.make"
    REFERRAL_READ = "referral.read"
    REFERRAL_HISTORY = "referral.history"
    REFERRAL_ANSWER = "referral.answer"
    REFERRAL_WITHDRAW = "referral.withdraw"
    REFERRAL_OVERRIDE_CONSENT = "referral.override_consent"
    AUDIT_TRAIL = "audit.trail"
    AUDIT_VERIFY = "audit.verify"
    ACCESS_LOG = "audit.access_log"
    VIEW_REFERRALS = "view.referrals"
    VIEW_DEPARTMENTS = "view.departments"
    VIEW_STATIONS = "view.stations"
    VIEW_MENTORS = "view.mentors"
    REPORT = "report.summary"
    USER_READ = "user.read"
    USER_MANAGE = "user.manage"
    SELF_SERVICE = "self.service"
    TASKS_FOLLOW_UP = "tasks.follow_up"
    TASKS_SESSIONS = "tasks.sessions"


OFFICER, LEAD, MENTOR = Role.STATION_OFFICER, Role.STATION_LEAD, Role.MENTOR
DEPARTMENT, COORDINATOR, AUDITOR, ADMIN = Role.DEPARTMENT_OFFICER, Role.COORDINATOR, Role.AUDITOR, Role.ADMIN
EVERYONE = (OFFICER, LEAD, MENTOR, DEPARTMENT, COORDINATOR, AUDITOR, ADMIN)

_STATION_STAFF = {OFFICER: Grant.STATION, LEAD: Grant.STATION}
_CASE_READERS = {**_STATION_STAFF, COORDINATOR: Grant.STATION, AUDITOR: Grant.ANY}

POLICY: dict[Action, dict[Role, Grant]] = {
    Action.STATION_READ: {role: Grant.ANY for role in EVERYONE},
    Action.STATION_HISTORY: {ADMIN: Grant.ANY, COORDINATOR: Grant.ANY, AUDITOR: Grant.ANY},
    Action.STATION_WRITE: {ADMIN: Grant.ANY},
    Action.DEPARTMENT_READ: {role: Grant.ANY for role in EVERYONE},
    Action.DEPARTMENT_HISTORY: {ADMIN: Grant.ANY, COORDINATOR: Grant.ANY, AUDITOR: Grant.ANY},
    Action.DEPARTMENT_WRITE: {ADMIN: Grant.ANY},
    # Station staff read the registry to choose a mentor for a youth.
    Action.VOLUNTEER_READ: {
        ADMIN: Grant.ANY,
        AUDITOR: Grant.ANY,
        COORDINATOR: Grant.ANY,
        OFFICER: Grant.ANY,
        LEAD: Grant.ANY,
        MENTOR: Grant.VOLUNTEER,
    },
    Action.VOLUNTEER_HISTORY: {ADMIN: Grant.ANY, COORDINATOR: Grant.ANY, AUDITOR: Grant.ANY},
    Action.VOLUNTEER_WRITE: {ADMIN: Grant.ANY},
    Action.CASE_OPEN: dict(_STATION_STAFF),
    Action.CASE_READ: dict(_CASE_READERS),
    Action.CASE_HISTORY: dict(_CASE_READERS),
    Action.CASE_WORK: dict(_STATION_STAFF),
    Action.CASE_ASSIGN: {LEAD: Grant.STATION},
    # Plans and closures take effect once the station's lead approves what an officer submitted.
    Action.CASE_APPROVE: {LEAD: Grant.STATION},
    Action.CASE_TRANSFER: dict(_STATION_STAFF),
    # The receiving lead may also read the case while its transfer waits on them (Gate.record).
    Action.TRANSFER_ANSWER: {LEAD: Grant.RECEIVING},
    Action.CASE_EXPORT: {AUDITOR: Grant.ANY},
    Action.CASE_SEAL: {LEAD: Grant.STATION, COORDINATOR: Grant.STATION},
    # Destroying the key of a case's personal data: an admin, who sees no case content otherwise.
    Action.CASE_ERASE: {ADMIN: Grant.ANY},
    Action.CASE_UNSEAL: {COORDINATOR: Grant.STATION},
    # Reading a sealed case, its pairs and referrals (with a stated purpose, and logged as such).
    Action.SEALED_READ: {COORDINATOR: Grant.STATION, AUDITOR: Grant.ANY},
    Action.CASE_SEARCH: dict(_CASE_READERS),
    Action.PAIR_MATCH: dict(_STATION_STAFF),
    Action.PAIR_READ: {**_CASE_READERS, MENTOR: Grant.VOLUNTEER},
    Action.PAIR_HISTORY: dict(_CASE_READERS),
    Action.PAIR_LOG: {**_STATION_STAFF, MENTOR: Grant.VOLUNTEER},
    Action.PAIR_MANAGE: dict(_STATION_STAFF),
    Action.REFERRAL_MAKE: dict(_STATION_STAFF),
    Action.REFERRAL_READ: {**_CASE_READERS, DEPARTMENT: Grant.DEPARTMENT},
    Action.REFERRAL_HISTORY: dict(_CASE_READERS),
    Action.REFERRAL_ANSWER: {DEPARTMENT: Grant.DEPARTMENT},
    Action.REFERRAL_WITHDRAW: dict(_STATION_STAFF),
    # Sharing a youth's data with no consent that covers it: the lead decides, and it is recorded.
    Action.REFERRAL_OVERRIDE_CONSENT: {LEAD: Grant.STATION},
    Action.AUDIT_TRAIL: dict(_CASE_READERS),
    Action.AUDIT_VERIFY: {AUDITOR: Grant.ANY},
    Action.ACCESS_LOG: {AUDITOR: Grant.ANY, LEAD: Grant.STATION},
    Action.VIEW_REFERRALS: {**_CASE_READERS, DEPARTMENT: Grant.DEPARTMENT},
    Action.VIEW_DEPARTMENTS: {COORDINATOR: Grant.STATION, AUDITOR: Grant.ANY, DEPARTMENT: Grant.DEPARTMENT},
    Action.VIEW_STATIONS: dict(_CASE_READERS),
    Action.VIEW_MENTORS: dict(_CASE_READERS),
    Action.REPORT: {LEAD: Grant.STATION, COORDINATOR: Grant.STATION, AUDITOR: Grant.ANY},
    Action.USER_READ: {ADMIN: Grant.ANY, AUDITOR: Grant.ANY},
    Action.USER_MANAGE: {ADMIN: Grant.ANY},
    Action.SELF_SERVICE: {role: Grant.SELF for role in EVERYONE},
    # Work lists: overdue referrals and quiet pairs for whoever follows them up; sessions due for mentors.
    Action.TASKS_FOLLOW_UP: {OFFICER: Grant.STATION, LEAD: Grant.STATION, COORDINATOR: Grant.STATION},
    Action.TASKS_SESSIONS: {MENTOR: Grant.VOLUNTEER},
}

# Which action decides whether a caller may know a record of each kind exists at all.
KNOWING: dict[str, Action] = {
    "station": Action.STATION_READ,
    "department": Action.DEPARTMENT_READ,
    "volunteer": Action.VOLUNTEER_READ,
    "case": Action.CASE_READ,
    "pair": Action.PAIR_READ,
    "referral": Action.REFERRAL_READ,
    "user": Action.USER_READ,
}


@dataclass(frozen=True)
class Facts:
    """What scope checks need to know of one record (`seal`: of the case it belongs to)."""

    kind: str
    record_id: UUID
    station_id: UUID | None = None
    department_id: UUID | None = None
    volunteer_id: UUID | None = None
    seal: Any = None
    erased: bool = False
    transfer_to: UUID | None = None  # the station a pending transfer of the case would move it to


def grant(role: Role, action: Action) -> Grant | None:
    """The role's grant for the action, or None: refused (deny by default)."""
    return POLICY.get(action, {}).get(role)


def permission_table() -> str:
    """The policy as a Markdown table (the README carries this very text)."""
    roles = list(EVERYONE)
    lines = [
        "| action | " + " | ".join(role.value for role in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action in Action:
        cells = [(grant(role, action).value if grant(role, action) else "-") for role in roles]  # type: ignore[union-attr]
        lines.append(f"| `{action.value}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

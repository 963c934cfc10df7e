"""The front door's gate: who may know of a record, who may act on it, and the read log.

Every front method passes through here once: it learns the facts of the record it is
about, asks the policy, then reads or writes, and logs what it showed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.access.policy import KNOWING, Action, Facts, Grant, grant
from application.access.principal import Caller, Principal
from application.access.read_log import ReadEntry, ReadLog, shown
from application.access.signin import Passwords, SignedIn, SignInStore
from application.app import YouthCare
from application.errors import Forbidden, NotFound, ReferenceNotFound, StoreUnavailable
from application.presenters import plain
from application.views.reach import EVERYTHING, Reach
from application.views.read_side import ReadSide
from domain.common import Role
from domain.mentoring_pair import MentoringPair
from domain.organisation import Department, Station
from domain.referral import Referral
from domain.volunteer import Volunteer
from domain.youth_case import YouthCase

logger = logging.getLogger(__name__)

T = TypeVar("T")
KINDS: dict[str, type[Aggregate]] = {
    "station": Station,
    "department": Department,
    "volunteer": Volunteer,
    "case": YouthCase,
    "pair": MentoringPair,
    "referral": Referral,
}
MAX_STATION_DEPTH = 32  # a parent chain longer than this is a loop, not a network
SEALED_READS = {
    Action.CASE_READ,
    Action.CASE_HISTORY,
    Action.CASE_EXPORT,
    Action.PAIR_READ,
    Action.PAIR_HISTORY,
    Action.REFERRAL_READ,
    Action.REFERRAL_HISTORY,
}


class Eraser(Protocol):
    """Destroys a case's key and whatever else holds its personal data in clear (infrastructure)."""

    def erase(self, case_id: UUID) -> None: ...


class Gate:
    def __init__(
        self,
        core: YouthCare,
        reads: ReadSide,
        signin: SignInStore,
        passwords: Passwords,
        read_log: ReadLog,
        eraser: Eraser,
    ) -> None:
        self.core = core
        self.reads = reads
        self.signin = signin
        self.passwords = passwords
        self.read_log = read_log
        self.eraser = eraser
        self.signed_in = SignedIn()  # who live sessions stand for (`authenticate`)
        # A lead approving their own submission: off, unless a one-person station needs it (a setting).
        self.allow_own_approval = False

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.core.clock

    # -- facts of a record

    def facts(self, kind: str, record_id: UUID) -> Facts:
        """What access checks need to know of the record (NotFound when there is none)."""
        return self._examined(kind, record_id)[0]

    def _examined(self, kind: str, record_id: UUID) -> tuple[Facts, Aggregate]:
        """The record's facts, and the record itself as it was loaded to learn them."""
        if kind == "case":
            case = self.core.record(YouthCase, record_id)
            return self._of_case(kind, record_id, case), case
        if kind == "pair":
            pair = self.core.record(MentoringPair, record_id)
            case = self.core.record(YouthCase, pair.case_id)
            return self._of_case(kind, record_id, case, volunteer_id=pair.volunteer_id), pair
        if kind == "referral":
            referral = self.core.record(Referral, record_id)
            case = self.core.record(YouthCase, referral.case_id)
            return self._of_case(kind, record_id, case, department_id=referral.to_department_id), referral
        if kind == "volunteer":
            return Facts(kind, record_id, volunteer_id=record_id), self.core.record(Volunteer, record_id)
        if kind == "station":
            return Facts(kind, record_id, station_id=record_id), self.core.record(Station, record_id)
        if kind == "department":
            return Facts(kind, record_id, department_id=record_id), self.core.record(Department, record_id)
        raise AssertionError(kind)

    @staticmethod
    def _of_case(kind: str, record_id: UUID, case: YouthCase, **own: UUID) -> Facts:
        """The facts of a case or one of its records: its station, seal and erasure are the case's;
        a transfer waiting matters only to the case itself."""
        transfer = case.pending_transfer if kind == "case" else None
        return Facts(
            kind,
            record_id,
            station_id=case.station_id,
            seal=case.seal,
            erased=case.erased,
            transfer_to=transfer.to_station_id if transfer else None,
            **own,
        )

    # -- decisions

    def allows(self, who: Principal, action: Action, facts: Facts) -> bool:
        given = grant(who.role, action)
        if given is None:
            return False
        if given is Grant.ANY:
            return True
        if given is Grant.STATION:
            return facts.station_id is not None and self.covers_station(who, facts.station_id)
        if given is Grant.DEPARTMENT:
            return facts.department_id is not None and facts.department_id == who.scope_id
        if given is Grant.VOLUNTEER:
            return facts.volunteer_id is not None and facts.volunteer_id == who.scope_id
        if given is Grant.RECEIVING:
            return facts.transfer_to is not None and facts.transfer_to == who.scope_id
        return facts.kind == "user" and facts.record_id == who.user_id  # Grant.SELF

    def covers_station(self, who: Principal, station_id: UUID) -> bool:
        """The station is the caller's own, or lies in a coordinator's area (all of it without scope)."""
        if who.role is not Role.COORDINATOR:
            return station_id == who.scope_id
        if who.scope_id is None or station_id == who.scope_id:
            return True
        current: UUID | None = station_id
        for _ in range(MAX_STATION_DEPTH):
            try:
                current = self.core.record(Station, current).parent_id if current else None
            except NotFound:
                return False
            if current is None:
                return False
            if current == who.scope_id:
                return True
        return False

    def record(self, caller: Caller, action: Action, kind: str, record_id: UUID) -> Facts:
        """The record's facts once the caller may do `action` to it.

        A record the caller may not know of is NotFound, exactly like a missing one;
        one they may know of but not act on this way is Forbidden.
        """
        return self.examined(caller, action, kind, record_id)[0]

    def examined(self, caller: Caller, action: Action, kind: str, record_id: UUID) -> tuple[Facts, Aggregate]:
        """`record`, with the record as it was loaded to decide: a read of it now need not load it again."""
        facts, found = self._examined(kind, record_id)
        if facts.seal is not None and not self.passes_seal(caller, action, facts):
            raise NotFound(f"no {kind} with id {record_id}")
        may_act = self.allows(caller.principal, action, facts)  # who may act on a record may know of it
        if action is Action.CASE_READ and not may_act:  # a receiving lead reads what they are asked to take
            may_act = self.allows(caller.principal, Action.TRANSFER_ANSWER, facts)
        if not may_act and not self.allows(caller.principal, KNOWING[kind], facts):
            raise NotFound(f"no {kind} with id {record_id}")
        if not may_act:
            raise Forbidden(f"your role may not do this to this {kind}")
        return facts, found

    def passes_seal(self, caller: Caller, action: Action, facts: Facts) -> bool:
        """Whether a record of a sealed case may be reached at all: by a coordinator unsealing it,
        by the mentor of its pair doing a mentor's work, or read by an auditor or coordinator who
        states a purpose. Everyone else finds nothing there."""
        who = caller.principal
        if action in (Action.CASE_UNSEAL, Action.CASE_ERASE):
            return self.allows(who, action, facts)
        if who.role is Role.MENTOR and facts.kind == "pair":
            return action in (Action.PAIR_READ, Action.PAIR_LOG)
        return caller.purpose is not None and action in SEALED_READS and self.allows(who, Action.SEALED_READ, facts)

    def referenced(self, caller: Caller, action: Action, kind: str, record_id: UUID, field: str) -> Facts:
        """A record another command names in its input: one the caller may not know of is
        bad input exactly like a missing one (422); one they may not act on is Forbidden."""
        try:
            return self.record(caller, action, kind, record_id)
        except NotFound:
            raise ReferenceNotFound(f"no {kind} with id {record_id}", field=field) from None

    def reach(self, caller: Caller, action: Action) -> Reach:
        """How far a list or view reaches for the caller; Forbidden when not at all."""
        who = caller.principal
        given = grant(who.role, action)
        if given is None:
            raise Forbidden("your role may not read this")
        if given is Grant.ANY:
            return EVERYTHING
        if given is Grant.STATION:
            if who.role is Role.COORDINATOR:
                return EVERYTHING if who.scope_id is None else Reach(area_root=who.scope_id)
            return Reach(station=who.scope_id)
        if given is Grant.DEPARTMENT:
            return Reach(department=who.scope_id)
        if given is Grant.VOLUNTEER:
            return Reach(volunteer=who.scope_id)
        raise Forbidden("your role may not read this")

    def allowed(self, caller: Caller, action: Action) -> None:
        """Actions on no particular record (creating one): the role must have a grant."""
        if grant(caller.principal.role, action) is None:
            raise Forbidden("your role may not do this")

    # -- the read log

    def logged(self, caller: Caller, answer: T, *, facts: Facts | None = None, sealed: bool = False) -> T:
        """`answer`, once the read log holds what it shows; a read that cannot be logged is not served."""
        records, stations = shown(answer)
        sealed = sealed or (facts is not None and facts.seal is not None)
        if facts is not None:
            records |= {facts.record_id}
            if facts.station_id is not None:
                stations |= {facts.station_id}
        entry = ReadEntry(
            at=self.clock(),
            username=caller.principal.username,
            role=caller.principal.role.value,
            endpoint=caller.endpoint,
            address=caller.address,
            purpose=caller.purpose,
            records=records,
            stations=stations,
            sealed=sealed,
        )
        try:
            self.read_log.append(entry)
        except Exception as error:
            logger.exception("read log append failed")
            raise StoreUnavailable("the read could not be logged, so it is not served; try again shortly") from error
        self.core.observer.read_logged()
        return answer


def seal_marked(answer: dict[str, Any], facts: Facts, who: Principal) -> dict[str, Any]:
    """A sealed record's answer carries the seal mark: sealed, why, on what basis, when, by whom.
    Not for the mentor of its pair, who keeps seeing what a mentor sees, and no more."""
    if facts.seal is None or who.role is Role.MENTOR:
        return answer
    return answer | {"sealed": True, "seal": plain(facts.seal)}


def age_in_years(born: date | None, today: date) -> int | None:
    if born is None:  # erased
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def youth_minimum(case: YouthCase, today: date) -> dict[str, Any]:
    """What a mentor or a department officer may see of the youth, and nothing more."""
    youth = case.youth
    return {
        "full_name": youth.full_name,
        "age": age_in_years(youth.date_of_birth, today),
        "school": youth.school,
        "guardian_name": youth.guardian_name,
        "guardian_phone": youth.guardian_phone,
        "plan_goals": list(case.plan),
    }

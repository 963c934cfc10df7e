"""Cases, mentoring pairs and referrals through the front door."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from application.access.policy import Action
from application.access.principal import Caller
from application.base import MAX_VERSION, Written
from application.errors import Forbidden, InvalidValue, NotFound, ReferenceNotFound, StoreUnavailable
from application.front.duplicates import DuplicatesFront
from application.front.gate import seal_marked, youth_minimum
from application.presenters import plain
from application.views.case_search import CaseFilter, CaseSort
from application.views.lists import PairFilter, ReferralFilter
from domain.common import Actor, Role, RuleViolation
from domain.referral import Referral
from domain.user import User, user_id_for
from domain.youth_case import YouthCase

CASE_WORKERS = (Role.STATION_OFFICER, Role.STATION_LEAD)


class CaseworkFront(DuplicatesFront):
    # -- cases

    def open_case(self, caller: Caller, *, station_id: UUID, **fields: Any) -> Written:
        """Open a case at the caller's own station."""
        self.allowed(caller, Action.CASE_OPEN)
        try:
            self.facts("station", station_id)
        except NotFound:
            raise ReferenceNotFound(f"no station with id {station_id}", field="station_id") from None
        if not self.covers_station(caller.principal, station_id):
            raise Forbidden("cases are opened at your own station only")
        return self._registered(caller, lambda: self.core.open_case(caller.actor, station_id=station_id, **fields))

    def search_cases(
        self,
        caller: Caller,
        where: CaseFilter,
        *,
        sort: CaseSort,
        descending: bool,
        limit: int,
        cursor: str | None,
        consistent_with: int | None,
    ) -> dict[str, Any]:
        reach = self.reach(caller, Action.CASE_SEARCH)
        found = self.reads.cases(
            self._by_id_number(where),
            sort=sort,
            descending=descending,
            limit=limit,
            cursor=cursor,
            consistent_with=consistent_with,
            reach=reach,
        )
        return self.logged(caller, found)

    def get_case(self, caller: Caller, case_id: UUID, *, version: int | None, as_of: datetime | None) -> dict[str, Any]:
        return self._get(caller, "case", case_id, version, as_of)

    def case_timeline(self, caller: Caller, case_id: UUID, *, after_position: int, limit: int) -> dict[str, Any]:
        """The case's events merged in log order with those of its pairs and referrals."""
        facts = self.record(caller, Action.CASE_HISTORY, "case", case_id)
        found = self.core.timeline(
            case_id, self.reads.case_records(case_id), after_position=after_position, limit=limit
        )
        return self.logged(caller, seal_marked(found, facts, caller.principal), facts=facts)

    def export_case(self, caller: Caller, case_id: UUID) -> bytes:
        """The case file (case, pairs, referrals, every event as stored, links and anchor)."""
        facts = self.record(caller, Action.CASE_EXPORT, "case", case_id)
        related = self.reads.case_records(case_id)
        data = self.reads.case_file(self.core.recorder, case_id, plain(facts.seal) if facts.seal else None)
        self.logged(caller, {"case_id": str(case_id), "related": [str(r) for _, r in related]}, facts=facts)
        return data

    def case_file_at(
        self, caller: Caller, case_id: UUID, *, at: datetime | None, version: int | None
    ) -> tuple[datetime | None, list[dict[str, Any]], list[tuple[str, dict[str, Any]]]]:
        """The case file as it stood at a moment (or the case's version N): the moment, the
        timeline up to it and each record's state then (records made later are left out)."""
        facts = self.record(caller, Action.CASE_HISTORY, "case", case_id)
        if at is None and version is not None:
            at = datetime.fromisoformat(self.core.get_case(case_id, version=version)["modified_at"])
        case = self.core.get_case(case_id, as_of=at)
        related = self.reads.case_records(case_id)
        timeline = self.core.timeline(case_id, related, limit=MAX_VERSION)["events"]
        if at is not None:
            timeline = [entry for entry in timeline if datetime.fromisoformat(entry["occurred_at"]) <= at]
        states: list[tuple[str, dict[str, Any]]] = [("case", case)]
        for kind, record_id in related:
            try:
                states.append((kind.__name__, self.core.history_state(kind, record_id, at)))
            except NotFound:  # made after the moment asked for
                continue
        self.logged(caller, {"case_id": str(case_id), "related": [str(r) for _, r in related]}, facts=facts)
        return at, timeline, states

    def erase_case(
        self, caller: Caller, case_id: UUID, *, reason: str, legal_basis: str, expected_version: int | None
    ) -> Written:
        """Erase the youth's personal data for good (an admin): the erasure is recorded as an event
        holding none, then the case key is destroyed, its snapshots dropped and the views purged."""
        self.record(caller, Action.CASE_ERASE, "case", case_id)
        try:
            written = self.core.erase_case(
                caller.actor, case_id, reason=reason, legal_basis=legal_basis, expected_version=expected_version
            )
        except RuleViolation as refused:
            if refused.rule == "case_erased":
                self.eraser.erase(case_id)  # finish an erasure that stopped half-way; harmless otherwise
            raise
        try:
            self.eraser.erase(case_id)
        except Exception as error:
            raise StoreUnavailable("the erasure is recorded but not finished; send it again") from error
        # The answer shows the case as it now reads: erased.
        return Written(written.id, written.version, written.position, self.core.read_record(YouthCase, case_id))

    def seal_case(
        self, caller: Caller, case_id: UUID, *, reason: str, legal_basis: str, expected_version: int | None
    ) -> Written:
        """Seal the case: a coordinator of its area or its station's lead."""
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.seal_case(
                a, case_id, reason=reason, legal_basis=legal_basis, expected_version=expected_version
            ),
            Action.CASE_SEAL,
        )

    def unseal_case(
        self, caller: Caller, case_id: UUID, *, reason: str, legal_basis: str, expected_version: int | None
    ) -> Written:
        """Unseal the case: a coordinator of its area."""
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.unseal_case(
                a, case_id, reason=reason, legal_basis=legal_basis, expected_version=expected_version
            ),
            Action.CASE_UNSEAL,
        )

    def _case_command(
        self, caller: Caller, case_id: UUID, command: Callable[[Actor], Written], action: Action = Action.CASE_WORK
    ) -> Written:
        return self._command(caller, action, "case", case_id, command)

    def assess_risk(self, caller: Caller, case_id: UUID, *, expected_version: int | None, **fields: Any) -> Written:
        return self._case_command(
            caller, case_id, lambda a: self.core.assess_risk(a, case_id, expected_version=expected_version, **fields)
        )

    def assign_case(
        self, caller: Caller, case_id: UUID, *, case_worker_id: str, expected_version: int | None
    ) -> Written:
        """Assign the case to one of its station's officers or its lead (by username)."""
        facts = self._workable(caller, Action.CASE_ASSIGN, "case", case_id)
        worker = self._station_user(case_worker_id, facts.station_id)
        return self.core.assign_case(caller.actor, case_id, case_worker_id=worker, expected_version=expected_version)

    def _station_user(self, username: str, station_id: UUID | None) -> str:
        """The username of an active officer or lead of the station; bad input otherwise."""
        try:
            user = self.core.record(User, user_id_for(username))
        except NotFound:
            raise InvalidValue(f"no user {username!r}", rule="unknown_case_worker", field="case_worker_id") from None
        if not user.active or user.role not in CASE_WORKERS or user.scope_id != station_id:
            raise InvalidValue(
                f"{user.username} is not an active officer or lead of the case's station",
                rule="case_worker_not_at_station",
                field="case_worker_id",
            )
        return user.username

    def log_intervention(
        self, caller: Caller, case_id: UUID, *, expected_version: int | None, **fields: Any
    ) -> Written:
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.log_intervention(a, case_id, expected_version=expected_version, **fields),
        )

    def record_consent(self, caller: Caller, case_id: UUID, *, expected_version: int | None, **fields: Any) -> Written:
        return self._case_command(
            caller, case_id, lambda a: self.core.record_consent(a, case_id, expected_version=expected_version, **fields)
        )

    def reopen_case(self, caller: Caller, case_id: UUID, *, reason: str, expected_version: int | None) -> Written:
        return self._case_command(
            caller,
            case_id,
            lambda a: self.core.reopen_case(a, case_id, reason=reason, expected_version=expected_version),
        )

    # -- mentoring pairs

    def match_pair(self, caller: Caller, *, case_id: UUID, volunteer_id: UUID, **fields: Any) -> Written:
        """Pair a screened volunteer with the youth of one of the caller's cases."""
        self.allowed(caller, Action.PAIR_MATCH)
        self.referenced(caller, Action.PAIR_MATCH, "case", case_id, "case_id")
        self.referenced(caller, Action.VOLUNTEER_READ, "volunteer", volunteer_id, "volunteer_id")
        return self.core.match_pair(caller.actor, case_id=case_id, volunteer_id=volunteer_id, **fields)

    def _youth_of(self, record: dict[str, Any]) -> dict[str, Any]:
        case = self.core.record(YouthCase, UUID(record["case_id"]))
        return {"youth": youth_minimum(case, self.clock().date())}

    def list_pairs(
        self, caller: Caller, where: PairFilter, *, limit: int, cursor: str | None, consistent_with: int | None
    ) -> dict[str, Any]:
        """The pairs the caller reaches (a mentor: their own), newest first, a page at a time."""
        reach = self.reach(caller, Action.PAIR_READ)
        found = self.reads.pairs(where, limit=limit, cursor=cursor, consistent_with=consistent_with, reach=reach)
        return self.logged(caller, found)

    def get_pair(self, caller: Caller, pair_id: UUID, *, version: int | None, as_of: datetime | None) -> dict[str, Any]:
        """The pair, and of its youth only what mentoring needs."""
        return self._get(caller, "pair", pair_id, version, as_of, self._youth_of)

    def _pair_command(
        self, caller: Caller, pair_id: UUID, action: Action, command: Callable[[Actor], Written]
    ) -> Written:
        return self._command(caller, action, "pair", pair_id, command)

    def log_session(self, caller: Caller, pair_id: UUID, *, expected_version: int | None, **fields: Any) -> Written:
        return self._pair_command(
            caller,
            pair_id,
            Action.PAIR_LOG,
            lambda a: self.core.log_session(a, pair_id, expected_version=expected_version, **fields),
        )

    def update_goal(self, caller: Caller, pair_id: UUID, *, expected_version: int | None, **fields: Any) -> Written:
        return self._pair_command(
            caller,
            pair_id,
            Action.PAIR_LOG,
            lambda a: self.core.update_goal(a, pair_id, expected_version=expected_version, **fields),
        )

    def pause_pair(self, caller: Caller, pair_id: UUID, *, reason: str, expected_version: int | None) -> Written:
        return self._pair_command(
            caller,
            pair_id,
            Action.PAIR_MANAGE,
            lambda a: self.core.pause_pair(a, pair_id, reason=reason, expected_version=expected_version),
        )

    def resume_pair(self, caller: Caller, pair_id: UUID, *, expected_version: int | None) -> Written:
        return self._pair_command(
            caller,
            pair_id,
            Action.PAIR_MANAGE,
            lambda a: self.core.resume_pair(a, pair_id, expected_version=expected_version),
        )

    def close_pair(self, caller: Caller, pair_id: UUID, *, reason: str, expected_version: int | None) -> Written:
        return self._pair_command(
            caller,
            pair_id,
            Action.PAIR_MANAGE,
            lambda a: self.core.close_pair(a, pair_id, reason=reason, expected_version=expected_version),
        )

    # -- referrals

    def make_referral(
        self, caller: Caller, *, case_id: UUID, consent_override: str | None = None, **fields: Any
    ) -> Written:
        """Refer the youth of one of the caller's cases to a department, under a consent that covers
        it; only a station lead may share without one (`consent_override`, recorded with its reason)."""
        self.allowed(caller, Action.REFERRAL_MAKE)
        self.referenced(caller, Action.REFERRAL_MAKE, "case", case_id, "case_id")
        if consent_override is not None:
            self.referenced(caller, Action.REFERRAL_OVERRIDE_CONSENT, "case", case_id, "case_id")
        return self.core.make_referral(caller.actor, case_id=case_id, consent_override=consent_override, **fields)

    def list_referrals(
        self,
        caller: Caller,
        where: ReferralFilter,
        *,
        overdue_after_days: int | None,
        limit: int,
        cursor: str | None,
        consistent_with: int | None,
    ) -> dict[str, Any]:
        """The referrals the caller reaches (a department: those sent to it), newest first."""
        reach = self.reach(caller, Action.REFERRAL_READ)
        found = self.reads.referrals(
            where,
            overdue_after_days=overdue_after_days,
            limit=limit,
            cursor=cursor,
            consistent_with=consistent_with,
            reach=reach,
        )
        return self.logged(caller, found)

    def get_referral(
        self, caller: Caller, referral_id: UUID, *, version: int | None, as_of: datetime | None
    ) -> dict[str, Any]:
        """The referral, the footing it was made on (consent, since withdrawn or not, or an override),
        and of its youth only what the department needs."""
        found = self._get(caller, "referral", referral_id, version, as_of, self._youth_of)
        if version is None and as_of is None:
            found["consent"] = self.core.referral_consent(self.core.record(Referral, referral_id))
        return found

    def _referral_command(
        self, caller: Caller, referral_id: UUID, action: Action, command: Callable[[Actor], Written]
    ) -> Written:
        return self._command(caller, action, "referral", referral_id, command)

    def accept_referral(self, caller: Caller, referral_id: UUID, *, expected_version: int | None) -> Written:
        return self._referral_command(
            caller,
            referral_id,
            Action.REFERRAL_ANSWER,
            lambda a: self.core.accept_referral(a, referral_id, expected_version=expected_version),
        )

    def decline_referral(
        self, caller: Caller, referral_id: UUID, *, reason: str, expected_version: int | None
    ) -> Written:
        return self._referral_command(
            caller,
            referral_id,
            Action.REFERRAL_ANSWER,
            lambda a: self.core.decline_referral(a, referral_id, reason=reason, expected_version=expected_version),
        )

    def note_referral_progress(
        self, caller: Caller, referral_id: UUID, *, note: str, expected_version: int | None
    ) -> Written:
        return self._referral_command(
            caller,
            referral_id,
            Action.REFERRAL_ANSWER,
            lambda a: self.core.note_referral_progress(a, referral_id, note=note, expected_version=expected_version),
        )

    def complete_referral(
        self, caller: Caller, referral_id: UUID, *, outcome: str, expected_version: int | None
    ) -> Written:
        return self._referral_command(
            caller,
            referral_id,
            Action.REFERRAL_ANSWER,
            lambda a: self.core.complete_referral(a, referral_id, outcome=outcome, expected_version=expected_version),
        )

    def withdraw_referral(
        self, caller: Caller, referral_id: UUID, *, reason: str, expected_version: int | None
    ) -> Written:
        return self._referral_command(
            caller,
            referral_id,
            Action.REFERRAL_WITHDRAW,
            lambda a: self.core.withdraw_referral(a, referral_id, reason=reason, expected_version=expected_version),
        )

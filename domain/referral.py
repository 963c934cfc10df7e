"""A referral from a station to a department, answered and followed through."""

from __future__ import annotations

from datetime import date
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.common import Actor, InvalidValue, RuleViolation, require_text


class ReferralStatus(Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


FINAL_STATUSES = frozenset({ReferralStatus.DECLINED, ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN})


class Referral(Aggregate):
    """Pending until the department answers; accepted ones are completed or withdrawn."""

    @event("Made")
    def __init__(
        self,
        *,
        actor: Actor,
        case_id: UUID,
        from_station_id: UUID,
        to_department_id: UUID,
        service: str,
        reason: str,
        respond_by: date,
    ) -> None:
        self.case_id = case_id
        self.from_station_id = from_station_id
        self.to_department_id = to_department_id
        self.service = service
        self.reason = reason
        self.respond_by = respond_by
        self.status = ReferralStatus.PENDING
        self.notes: list[str] = []
        self.outcome: str | None = None
        self.decline_reason: str | None = None
        self.withdrawal_reason: str | None = None

    @classmethod
    def make(
        cls,
        *,
        actor: Actor,
        case_id: UUID,
        from_station_id: UUID,
        to_department_id: UUID,
        service: str,
        reason: str,
        respond_by: date,
        today: date,
    ) -> Referral:
        if respond_by < today:
            raise InvalidValue("respond_by is in the past", rule="respond_by_in_past", field="respond_by")
        return cls(
            actor=actor,
            case_id=case_id,
            from_station_id=from_station_id,
            to_department_id=to_department_id,
            service=require_text(service, "service"),
            reason=require_text(reason, "reason"),
            respond_by=respond_by,
        )

    @property
    def consent_override(self) -> dict[str, str] | None:
        """Who shared without consent and why (a station lead's override), if anyone did."""
        found: dict[str, str] | None = self.__dict__.get("_consent_override")
        return found

    def override_consent(self, *, actor: Actor, reason: str) -> None:
        """Record that the youth's data was shared without a covering consent, and why."""
        self._consent_overridden(actor=actor, reason=require_text(reason, "consent_override.reason"))

    @event("ConsentOverridden")
    def _consent_overridden(self, *, actor: Actor, reason: str) -> None:
        self._consent_override = {"reason": reason, "by": actor.user_id}

    def accept(self, *, actor: Actor) -> None:
        self._require_status(ReferralStatus.PENDING, "only a pending referral can be accepted")
        self._accepted(actor=actor)

    def decline(self, *, actor: Actor, reason: str) -> None:
        self._require_status(ReferralStatus.PENDING, "only a pending referral can be declined")
        self._declined(actor=actor, reason=require_text(reason, "reason"))

    def note_progress(self, *, actor: Actor, note: str) -> None:
        self._require_not_final()
        self._progress_noted(actor=actor, note=require_text(note, "note"))

    def complete(self, *, actor: Actor, outcome: str) -> None:
        self._require_status(ReferralStatus.ACCEPTED, "a referral is completed only after acceptance")
        self._completed(actor=actor, outcome=require_text(outcome, "outcome"))

    def withdraw(self, *, actor: Actor, reason: str) -> None:
        self._require_not_final()
        self._withdrawn(actor=actor, reason=require_text(reason, "reason"))

    def _require_not_final(self) -> None:
        if self.status in FINAL_STATUSES:
            raise RuleViolation(
                f"the referral is {self.status.value}; nothing more can happen to it",
                rule=f"referral_{self.status.value}",
            )

    def _require_status(self, wanted: ReferralStatus, message: str) -> None:
        self._require_not_final()
        if self.status is not wanted:
            raise RuleViolation(message, rule=f"referral_not_{wanted.value}")

    @event("Accepted")
    def _accepted(self, *, actor: Actor) -> None:
        self.status = ReferralStatus.ACCEPTED

    @event("Declined")
    def _declined(self, *, actor: Actor, reason: str) -> None:
        self.status = ReferralStatus.DECLINED
        self.decline_reason = reason

    @event("ProgressNoted")
    def _progress_noted(self, *, actor: Actor, note: str) -> None:
        self.notes.append(note)

    @event("Completed")
    def _completed(self, *, actor: Actor, outcome: str) -> None:
        self.status = ReferralStatus.COMPLETED
        self.outcome = outcome

    @event("Withdrawn")
    def _withdrawn(self, *, actor: Actor, reason: str) -> None:
        self.status = ReferralStatus.WITHDRAWN
        self.withdrawal_reason = reason

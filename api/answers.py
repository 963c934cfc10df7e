"""What the API answers: one model per kind of answer, so that the OpenAPI document gives the shape of
every success and a client can be generated from it.

The answers themselves are built in application/ (records in `presenters`, pages in `views`, histories in
`history`) as JSON-ready data, and the routes send them as they are: these models describe them for the
document and the generated clients; they convert nothing on the way out. A field that only some answers
carry has a default; one that every answer carries, even as null, has none.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.common import Role
from domain.mentoring_pair import GoalStatus, PairStatus, SessionMode
from domain.organisation import DepartmentKind, StationKind, StationLevel
from domain.referral import ReferralStatus
from domain.volunteer import VolunteerKind
from domain.youth_case import (
    CaseCategory,
    CaseSource,
    CaseStatus,
    ConsentGiver,
    Gender,
    InterventionKind,
    PlanGoalStatus,
    RiskLevel,
)


class Answer(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


# -- pieces several answers share


class Actor(Answer):
    """Who caused an event: their username and the role they acted in."""

    user_id: str
    role: Role


class Named(Answer):
    """A station or department as a list names it."""

    id: UUID
    name: str | None


class RecordHeader(Answer):
    id: UUID
    version: int = Field(description="The record's version; also its ETag.")
    created_at: datetime
    modified_at: datetime


class Written(Answer):
    position: int = Field(description="Where the command's last event stands in the log: `consistent_with` for reads.")


class ViewHeader(Answer):
    view: str = Field(description="The view that answered.")
    position: int = Field(description="The last log position the view had applied when it answered.")


class Page(Answer):
    next_cursor: str | None = Field(description="`cursor` for the next page; null on the last one.")


class PastRead(Answer):
    as_of: datetime | None = Field(default=None, description="The moment asked for, on a read `as_of` one.")


class SealMark(Answer):
    reason: str
    legal_basis: str
    sealed_at: datetime
    sealed_by: str


class SealShown(Answer):
    """A sealed case's answers carry its seal mark, for whoever may read it sealed."""

    sealed: bool | None = None
    seal: SealMark | None = None


class YouthMinimum(Answer):
    """What a mentor or a department officer may see of the youth, and nothing more."""

    full_name: str
    age: int | None = Field(description="Null once the youth's data is erased.")
    school: str | None
    guardian_name: str | None
    guardian_phone: str | None
    plan_goals: list[str]


# -- records


class StationRecord(RecordHeader):
    name: str
    kind: StationKind
    level: StationLevel
    parent_id: UUID | None
    active: bool


class StationRead(StationRecord, PastRead):
    pass


class StationWritten(StationRecord, Written):
    pass


class DepartmentRecord(RecordHeader):
    name: str
    kind: DepartmentKind
    active: bool


class DepartmentRead(DepartmentRecord, PastRead):
    pass


class DepartmentWritten(DepartmentRecord, Written):
    pass


class TrainingEntry(Answer):
    course: str
    completed_on: date
    hours: float


class VolunteerRecord(RecordHeader):
    full_name: str
    kind: VolunteerKind
    skills: list[str]
    phone: str | None
    active: bool
    screened: bool
    screening_notes: str | None
    trainings: list[TrainingEntry]


class VolunteerRead(VolunteerRecord, PastRead):
    pass


class VolunteerWritten(VolunteerRecord, Written):
    pass


class YouthIdentity(Answer):
    """The youth's personal data; texts read `[erased]` and the date of birth null once erased."""

    full_name: str
    date_of_birth: date | None
    gender: Gender
    id_number: str | None
    guardian_name: str | None
    guardian_phone: str | None
    address: str | None
    school: str | None


class RiskAssessmentEntry(Answer):
    instrument: str
    score: int
    level: RiskLevel
    notes: str


class PlanGoalEntry(Answer):
    goal: str
    status: PlanGoalStatus
    review_on: date | None


class SubmittedGoal(Answer):
    text: str
    status: PlanGoalStatus
    review_on: date | None


class PendingPlan(Answer):
    goals: list[SubmittedGoal]
    submitted_by: str
    submitted_at: datetime
    version: int = Field(description="The case version the plan was submitted at.")


class PendingClosure(Answer):
    outcome: str
    notes: str
    submitted_by: str
    submitted_at: datetime
    version: int = Field(description="The case version the closure was submitted at.")


class PendingTransfer(Answer):
    request_id: UUID
    from_station_id: UUID
    to_station_id: UUID
    reason: str
    requested_by: str
    requested_at: datetime


class InterventionEntry(Answer):
    kind: InterventionKind
    occurred_at: datetime
    duration_minutes: int
    notes: str
    performed_by: str
    recorded_at: datetime | None
    backfilled: bool = Field(description="Dated before the case was opened, so recorded afterwards.")


class ConsentEntry(Answer):
    scope: str
    granted: bool
    given_by: str
    giver: ConsentGiver | None


class DuplicateWarning(Answer):
    rule: str
    detail: str
    case_ids: list[UUID] = Field(description="The open cases you may read that it is about.")


class CaseRecord(RecordHeader):
    status: CaseStatus
    station_id: UUID
    youth: YouthIdentity
    category: CaseCategory
    source: CaseSource
    summary: str
    risk_level: RiskLevel | None
    risk_assessments: list[RiskAssessmentEntry]
    plan: list[str]
    plan_goals: list[PlanGoalEntry]
    pending_plan: PendingPlan | None
    pending_closure: PendingClosure | None
    pending_transfer: PendingTransfer | None
    case_worker_id: str | None
    interventions: list[InterventionEntry]
    consents: list[ConsentEntry]
    outcome: str | None
    closing_notes: str | None
    opened_by: Actor
    erased: bool
    second_case: bool
    second_case_reason: str | None
    sealed: bool
    seal: SealMark | None


class CaseRead(CaseRecord, PastRead):
    pass


class CaseWritten(CaseRecord, Written):
    warnings: list[DuplicateWarning] | None = Field(
        default=None, description="On opening: open cases of a youth with the same name and date of birth."
    )


class TransferRequested(CaseWritten):
    request_id: UUID = Field(description="Names the transfer request in its answers.")


class WrittenMinimal(Answer):
    """A command's answer with `Prefer: return=minimal`: what was written, not the record (RFC 7240)."""

    id: UUID
    version: int = Field(description="The record's version; also its ETag.")
    position: int = Field(description="Where the command's last event stands in the log: `consistent_with` for reads.")
    warnings: list[DuplicateWarning] | None = Field(
        default=None, description="On opening a case: open cases of a youth with the same name and date of birth."
    )
    request_id: UUID | None = Field(default=None, description="A transfer request's: names it in its answers.")


class PairGoal(Answer):
    goal: str
    status: GoalStatus


class GoalNote(Answer):
    goal: str
    status: GoalStatus
    note: str


class SessionEntry(Answer):
    held_on: date
    duration_minutes: int
    mode: SessionMode
    notes: str
    progress: int
    recorded_at: datetime | None
    backfilled: bool = Field(description="Dated before the pair was matched, so recorded afterwards.")


class PairRecord(RecordHeader):
    status: PairStatus
    case_id: UUID
    volunteer_id: UUID
    started_on: date
    goals: list[PairGoal]
    goal_notes: list[GoalNote]
    sessions: list[SessionEntry]
    pause_reason: str | None
    closing_reason: str | None


class PairRead(PairRecord, PastRead, SealShown):
    youth: YouthMinimum | None = Field(default=None, description="What the reader may see of the youth.")


class PairWritten(PairRecord, Written):
    pass


class ReferralConsent(Answer):
    """On what footing the youth's data went to the department."""

    basis: str = Field(description="`consent`, or `override` by a station lead.")
    withdrawn_since: bool | None = None
    reason: str | None = None
    by: str | None = None


class ReferralRecord(RecordHeader):
    status: ReferralStatus
    case_id: UUID
    from_station_id: UUID
    to_department_id: UUID
    service: str
    reason: str
    respond_by: date
    notes: list[str]
    outcome: str | None
    decline_reason: str | None
    withdrawal_reason: str | None


class ReferralRead(ReferralRecord, PastRead, SealShown):
    youth: YouthMinimum | None = Field(default=None, description="What the reader may see of the youth.")
    consent: ReferralConsent | None = Field(default=None, description="For the department that received it.")


class ReferralWritten(ReferralRecord, Written):
    pass


class UserRecord(RecordHeader):
    username: str
    display_name: str
    role: Role
    scope_id: UUID | None
    active: bool


class UserWritten(UserRecord, Written):
    pass


class UserList(Answer):
    items: list[UserRecord]


class TokenAnswer(Answer):
    access_token: str
    token_type: str
    expires_in: int = Field(description="Seconds the token lasts if unused.")


# -- history


class FieldChange(Answer):
    field: str = Field(description="The field's path: `status`, `youth.school`, `interventions[2]`.")
    before: Any
    after: Any


class HistoryEntry(Answer):
    version: int
    position: int | None
    occurred_at: datetime
    actor: Actor
    event_type: str = Field(description="`<record type>.<Event>`.")
    data: dict[str, Any]
    changes: list[FieldChange]
    backfilled: bool | None = Field(default=None, description="Work dated before its record was registered.")
    dated: str | None = Field(default=None, description="The date or time a backfilled entry carries.")


class History(SealShown):
    record_type: str
    record_id: UUID
    version: int
    events: list[HistoryEntry]
    next_after_version: int | None


class TimelineEntry(HistoryEntry):
    record_type: str
    record_id: UUID


class Timeline(SealShown):
    case_id: UUID
    events: list[TimelineEntry]
    next_after_position: int | None


class ExportedEvent(Answer):
    position: int
    version: int
    topic: str
    state: str = Field(description="The event as stored, base64.")
    record_link: str
    previous_log_link: str
    log_link: str


class ExportedRecord(Answer):
    record_type: str
    record_id: UUID
    events: list[ExportedEvent]


class ExportedAnchor(Answer):
    position: int
    log_link: str
    at: str | None


class ExportContent(Answer):
    format: str
    case_id: UUID
    exported_at: datetime
    anchor: ExportedAnchor | None
    records: list[ExportedRecord]
    sealed: SealMark | None = Field(default=None, description="The seal mark, when the case is sealed.")


class CaseExport(Answer):
    """The case file: canonical JSON whose `digest` is the SHA-256 of `content` as canonical JSON."""

    content: ExportContent
    digest: str


# -- lists


class CaseItem(Answer):
    id: UUID
    station: Named
    status: CaseStatus
    category: CaseCategory
    source: CaseSource
    risk_level: RiskLevel | None
    case_worker_id: str | None
    youth_display_name: str
    opened_at: datetime
    closed_at: datetime | None
    last_activity_at: datetime
    interventions: int
    active_pairs: int
    open_referrals: int


class CasePage(ViewHeader, Page):
    items: list[CaseItem]


class VolunteerName(Answer):
    id: UUID
    display_name: str | None


class PairItem(Answer):
    id: UUID
    case_id: UUID
    station: Named
    volunteer: VolunteerName
    status: PairStatus
    started_on: date
    closed_at: datetime | None
    sessions: int
    last_session_on: date | None


class PairPage(ViewHeader, Page):
    items: list[PairItem]


class ReferralItem(Answer):
    id: UUID
    case_id: UUID
    station: Named
    department: Named
    service: str
    status: ReferralStatus
    made_at: datetime
    respond_by: date
    answered_at: datetime | None
    finished_at: datetime | None
    overdue: str | None = Field(description="Why it is overdue; null when it is not.")


class ReferralPage(ViewHeader, Page):
    overdue_after_days: int
    items: list[ReferralItem]


class VolunteerItem(Answer):
    id: UUID
    display_name: str
    kind: VolunteerKind
    active: bool
    screened: bool
    registered_at: datetime
    training_hours: float


class VolunteerPage(ViewHeader, Page):
    items: list[VolunteerItem]


class StationPage(ViewHeader, Page):
    items: list[StationRecord]


class DepartmentPage(ViewHeader, Page):
    items: list[DepartmentRecord]


class Task(Answer):
    """Something waiting on you; besides the fields every task has, each kind names what it is about."""

    kind: str = Field(
        description="plan_to_approve, closure_to_approve, transfer_to_answer, referral_to_answer, "
        "referral_overdue, pair_quiet, goal_review_due or session_due."
    )
    since: datetime
    title: str
    href: str = Field(description="The path of the record it is about.")
    case_id: UUID | None = None
    pair_id: UUID | None = None
    referral_id: UUID | None = None
    request_id: UUID | None = None
    from_station: str | None = None
    submitted_by: str | None = None
    respond_by: date | None = None
    service: str | None = None
    reason: str | None = None
    days: int | None = None
    goal: int | None = Field(default=None, description="The plan goal's number, from 1.")


class TaskList(ViewHeader):
    items: list[Task]


# -- audit


class AuditRow(Answer):
    position: int
    occurred_at: datetime
    actor: Actor
    record_type: str
    record_id: UUID
    record_version: int
    event_type: str
    summary: str
    case_id: UUID | None
    station_id: UUID | None
    department_id: UUID | None


class AuditTrailPage(ViewHeader, Page):
    items: list[AuditRow]


class BrokenLink(Answer):
    chain: str = Field(description="`log` or `record`.")
    record_id: UUID
    version: int
    position: int
    problem: str


class AnchorCheck(Answer):
    position: int
    log_link: str
    at: str | None
    matches: bool
    problem: str | None = None


class ReadLogCheck(Answer):
    ok: bool
    entries: int
    first_broken: int | None
    problem: str | None
    head: str | None


class KeyedLinksCheck(Answer):
    ok: bool
    events_checked: int
    problems: list[dict[str, Any]]


class Verification(Answer):
    ok: bool
    events_checked: int
    linked_to_position: int
    head_link: str | None
    unlinked_events: int
    broken: list[BrokenLink]
    anchor: AnchorCheck | None
    read_log: ReadLogCheck
    keyed_links: KeyedLinksCheck | None


class LogAnchor(Answer):
    position: int
    log_link: str = Field(description="The log's hash chain link at `position` (hex).")
    at: datetime | None


class ReadEntry(Answer):
    seq: int
    at: datetime
    user: str
    role: str
    endpoint: str
    address: str | None
    purpose: str | None
    sealed: bool
    record_ids: list[UUID]
    station_ids: list[UUID]
    link: str


class AccessLogPage(Page):
    items: list[ReadEntry]


# -- coordination


class BoardReferral(Answer):
    referral_id: UUID
    case_id: UUID
    station: Named
    service: str
    status: ReferralStatus
    made_at: datetime
    age_days: float
    respond_by: date
    accepted_at: datetime | None
    overdue: str | None = Field(description="Why it is overdue; null when it is not.")


class BoardDepartment(Answer):
    department: Named
    awaiting_answer: list[BoardReferral]
    in_progress: list[BoardReferral]
    overdue: list[BoardReferral]


class ReferralBoard(ViewHeader, Page):
    overdue_after_days: int
    departments: list[BoardDepartment]


class DepartmentShown(Answer):
    id: UUID
    name: str
    kind: DepartmentKind
    active: bool


class DepartmentLoad(Answer):
    department: DepartmentShown
    referrals: dict[str, int] = Field(description="Referrals by status.")
    overdue: int
    answered: int
    median_hours_to_answer: float | None


class DepartmentsView(ViewHeader, Page):
    overdue_after_days: int
    departments: list[DepartmentLoad]


class StationShown(Answer):
    id: UUID
    name: str
    kind: StationKind
    active: bool


class StationLoad(Answer):
    station: StationShown
    open_cases_by_risk: dict[str, int] = Field(description="By risk level, and `unassessed`.")
    open_cases: int
    interventions_by_month: dict[str, dict[str, int]] = Field(description="`YYYY-MM` to counts by kind.")
    referrals_out_by_status: dict[str, int]


class StationsView(ViewHeader, Page):
    since_month: str
    stations: list[StationLoad]


class VolunteerShown(Answer):
    id: UUID
    display_name: str
    kind: VolunteerKind
    active: bool
    screened: bool


class QuietPair(Answer):
    pair_id: UUID
    case_id: UUID
    station_id: UUID | None
    last_contact_on: date
    days_without_session: int


class MentorLoad(Answer):
    volunteer: VolunteerShown
    active_pairs: int
    sessions_last_30_days: int
    last_session_on: date | None
    pairs_without_recent_session: list[QuietPair]


class MentorsView(ViewHeader, Page):
    today: date
    contact_days: int
    volunteers: list[MentorLoad]


# -- the report


class DepartmentReferrals(Answer):
    department: Named
    made: int
    answered: int
    median_hours_to_answer: float | None


class ReportSection(Answer):
    cases_opened: int
    cases_closed: int
    interventions: int
    interventions_by_kind: dict[str, int]
    pairs_started: int
    pairs_active: int
    pairs_closed: int
    referrals_by_department: list[DepartmentReferrals]
    volunteers_active: int
    volunteers_screened: int
    volunteers_trained: int
    training_hours: float


class StationSection(ReportSection):
    station: Named


class Report(ViewHeader):
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    district: ReportSection
    stations: list[StationSection]


# -- the service


class Health(Answer):
    status: str = Field(description="`ok`.")


class Ready(Answer):
    status: str = Field(description="`ready`.")


class NotReady(Answer):
    status: str = Field(description="`not ready`.")
    reasons: list[str]

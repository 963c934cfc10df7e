"""Request bodies. Kinds are the domain's enums; text has length limits.

Types are strict where JSON has a type of its own: a number is a JSON number (`true`, `"60"` and
`"1_000"` are not minutes or hours), a yes-or-no is a JSON boolean, a text is a JSON string (never
a number), a date or a moment is an ISO 8601 string (never a count of seconds), and a moment must
also be a moment in UTC, inside the calendar. A name, or any text that must say something, has at
least one visible character: zero-width spaces, byte-order marks, word joiners and other format
characters, blanks and control characters alone are no name. The pages build these bodies from
their forms (api/pages/forms.py `read_form`), turning a form's digits into numbers first.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from domain.common import shows_something
from domain.mentoring_pair import GoalStatus, SessionMode
from domain.organisation import DepartmentKind, StationKind, StationLevel
from domain.user import USER_ROLES
from domain.volunteer import VolunteerKind
from domain.youth_case import (
    CaseCategory,
    CaseSource,
    ConsentGiver,
    Gender,
    InterventionKind,
    PlanGoalStatus,
    RiskLevel,
)


def visible(text: str) -> str:
    """`text`, when it shows something (domain.common.shows_something: the domain's own rule)."""
    if not shows_something(text):
        raise PydanticCustomError("blank_text", "must contain a visible character, not only blanks")
    return text


def _json_number(value: Any) -> Any:
    """A JSON number as it is; anything else (`true`, a string such as "1_000") is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("decimal_type", "must be a number, not {kind}", {"kind": type(value).__name__})
    return value


def _iso_text(value: Any) -> Any:
    """A date or a moment as ISO 8601 text (or already one); a number of seconds is not one."""
    if not isinstance(value, str | date):
        raise PydanticCustomError(
            "date_type", "must be an ISO 8601 date as text, not {kind}", {"kind": type(value).__name__}
        )
    return value


def _in_utc(moment: datetime) -> datetime:
    """A moment that exists in UTC too: 0001-01-01T00:00+23:59 is before the first day of the calendar."""
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "must be within years 1 to 9999 in UTC") from None
    return moment


_DIGITS = re.compile(r"[0-9]{1,19}")


def _written_in_digits(value: Any) -> Any:
    """A whole number in a query string, in the digits 0-9 alone. Python's int() also reads `1_000`,
    `+5`, ` 5 ` and other scripts' digits: no client means those as numbers, so none is one."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise PydanticCustomError("int_digits", "must be a whole number written in the digits 0-9 alone")
    return value


VISIBLE = AfterValidator(visible)
# The types every model (and every query parameter of api/routers/common.py) takes its values in.
Whole = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]
Amount = Annotated[Decimal, BeforeValidator(_json_number)]  # its field states its JSON schema: a number
Day = Annotated[date, BeforeValidator(_iso_text)]
Moment = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_in_utc)]
# A query parameter's whole number: `Annotated[int, Query(ge=..., le=...), DIGITS]`, after its Query
# so that the bounds still show in the OpenAPI document.
DIGITS = BeforeValidator(_written_in_digits)

Name = Annotated[str, StringConstraints(min_length=1, max_length=200), VISIBLE]
Short = Annotated[str, StringConstraints(max_length=200)]
Text = Annotated[str, StringConstraints(max_length=4000)]
Required = Annotated[str, StringConstraints(min_length=1, max_length=4000), VISIBLE]
Statement = Annotated[str, StringConstraints(min_length=1, max_length=500), VISIBLE]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=r"^[0-9+()\- ]+$")]
Goals = Annotated[list[Statement], Field(min_length=1, max_length=50)]
Minutes = Annotated[Whole, Field(gt=0, le=24 * 60)]


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # for query strings


class Body(BaseModel):
    """Every request body: no control characters in any text (tabs and line breaks are fine).

    A NUL, for one, cannot be stored in a PostgreSQL text column, and none of them belongs in
    a record someone will read.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and CONTROL_CHARACTERS.search(text) for text in texts):
            raise ValueError("must not contain control characters")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The document says so too: each text's schema has the pattern, so a client (or a client
        generated from the document) knows before it sends one."""
        schema = handler(core)
        for field in handler.resolve_ref_schema(schema).get("properties", {}).values():
            _says_no_control_characters(field)
        return schema


def _says_no_control_characters(schema: dict[str, Any]) -> None:
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("type") == "string" and not {"pattern", "format", "enum"} & set(option):
            option["pattern"] = NO_CONTROL_CHARACTERS
        if isinstance(option.get("items"), dict):
            _says_no_control_characters(option["items"])


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [example]})


class RegisterStation(Body):
    model_config = _example({"name": "Chengguan Police Care Station", "kind": "police_care_station", "level": "town"})
    name: Name
    kind: StationKind
    level: StationLevel
    parent_id: UUID | None = None


class RegisterDepartment(Body):
    model_config = _example({"name": "District Education Bureau", "kind": "education"})
    name: Name
    kind: DepartmentKind


class Rename(Body):
    model_config = _example({"name": "Chengguan Care Station (east)"})
    name: Name


class RegisterVolunteer(Body):
    model_config = _example(
        {
            "full_name": "Wang Jianguo",
            "kind": "retired_teacher",
            "skills": ["maths", "calligraphy"],
            "phone": "138 0000 0000",
        }
    )
    full_name: Name
    kind: VolunteerKind
    skills: Annotated[list[Short], Field(max_length=30)] = []
    phone: Phone | None = None


class Screening(Body):
    model_config = _example({"passed": True, "notes": "Background check and interview passed."})
    passed: Flag
    notes: Text = ""


class TrainingRecord(Body):
    model_config = _example({"course": "Mentoring at-risk youth, level 1", "completed_on": "2026-03-14", "hours": 6})
    course: Name
    completed_on: Day
    hours: Annotated[
        Amount,
        Field(gt=0, le=1000, max_digits=6, decimal_places=2),
        WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 1000}),
    ]


class YouthDetails(Body):
    model_config = _example({"full_name": "Zhang Xiaoming", "date_of_birth": "2011-05-02", "gender": "male"})
    full_name: Name
    date_of_birth: Day
    gender: Gender
    id_number: Annotated[str, StringConstraints(min_length=1, max_length=32), VISIBLE] | None = None
    guardian_name: Name | None = None
    guardian_phone: Phone | None = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    school: Short | None = None


class OpenCase(Body):
    model_config = _example(
        {
            "station_id": "5b7f6c1e-2f0e-4b8e-9a57-7a7d0c3f1a11",
            "youth": {
                "full_name": "Zhang Xiaoming",
                "date_of_birth": "2011-05-02",
                "gender": "male",
                "guardian_name": "Zhang Wei",
                "guardian_phone": "139 0000 0000",
                "school": "No. 3 Middle School",
            },
            "category": "truancy",
            "source": "school",
            "summary": "Absent from school for three weeks; found at an internet cafe.",
        }
    )
    station_id: UUID
    youth: YouthDetails
    category: CaseCategory
    source: CaseSource
    summary: Required
    confirm_new: Flag = Field(
        default=False,
        description="Open a second case knowingly, although the youth's ID number has an open case.",
    )
    confirm_reason: Required | None = Field(
        default=None, description="Why a second case (required with `confirm_new`); kept encrypted, like every note."
    )


class RiskAssessmentBody(Body):
    model_config = _example(
        {"instrument": "YLS/CMI screening", "score": 18, "level": "medium", "notes": "School and peers."}
    )
    instrument: Name
    score: Annotated[Whole, Field(ge=0, le=1000)]
    level: RiskLevel
    notes: Text = ""


class PlanGoalBody(Body):
    model_config = _example({"goal": "Back in class full time", "status": "open", "review_on": "2027-01-15"})
    goal: Statement
    status: PlanGoalStatus = PlanGoalStatus.OPEN
    review_on: Day | None = None


class Plan(Body):
    """Each goal a text, or a goal with its status and review date."""

    model_config = _example(
        {"goals": [{"goal": "Back in class full time", "review_on": "2027-01-15"}, "Weekly contact with a mentor"]}
    )
    goals: Annotated[
        list[Statement | PlanGoalBody],
        Field(min_length=1, max_length=50),
    ]


class GoalReview(Body):
    model_config = _example(
        {"goal": "Back in class full time", "status": "achieved", "review_on": None, "note": "Full weeks since May."}
    )
    goal: Statement
    status: PlanGoalStatus
    review_on: Day | None = None
    note: Text = ""


class Decision(Body):
    """A lead's approval or return, or a station's answer to a transfer: a note, required when
    returning or declining."""

    model_config = _example({"note": "Agreed; review in three months."})
    note: Text = ""


class TransferRequestBody(Body):
    model_config = _example(
        {"to_station_id": "5b7f6c1e-2f0e-4b8e-9a57-7a7d0c3f1a11", "reason": "The family moved to Beiguan in October."}
    )
    to_station_id: UUID
    reason: Required


class Assignment(Body):
    model_config = _example({"case_worker_id": "officer-li"})
    case_worker_id: Name


class InterventionBody(Body):
    model_config = _example(
        {
            "kind": "home_visit",
            "occurred_at": "2026-11-20T15:30:00+08:00",
            "duration_minutes": 60,
            "notes": "Met the guardian; agreed a morning routine.",
            "performed_by": "officer-li",
        }
    )
    kind: InterventionKind
    occurred_at: Moment
    duration_minutes: Minutes
    notes: Text = ""
    performed_by: Name


class ConsentBody(Body):
    """`scope`: "all" (any sharing), a department's id, or a department kind (`education`, ...).
    `giver`: the guardian, or the youth (counts only from 14). `granted: false` withdraws."""

    model_config = _example(
        {"scope": "education", "granted": True, "given_by": "Zhang Wei (father)", "giver": "guardian"}
    )
    scope: Name
    granted: Flag
    given_by: Name
    giver: ConsentGiver


class Closure(Body):
    model_config = _example({"outcome": "Back in school, attendance normal for two months", "notes": ""})
    outcome: Required
    notes: Text = ""


class Reason(Body):
    model_config = _example({"reason": "New truancy reported by the school."})
    reason: Required


class MatchPair(Body):
    model_config = _example(
        {
            "case_id": "0d0f5d8a-1b1c-4e0b-8a8e-3c7a5f2b9d10",
            "volunteer_id": "8c2e7b1a-4d5f-4a3b-9c8d-1e2f3a4b5c6d",
            "goals": ["Read one book a month"],
            "started_on": "2026-11-01",
        }
    )
    case_id: UUID
    volunteer_id: UUID
    goals: Goals
    started_on: Day


class SessionBody(Body):
    model_config = _example(
        {
            "held_on": "2026-11-15",
            "duration_minutes": 45,
            "mode": "in_person",
            "notes": "Homework together.",
            "progress": 3,
        }
    )
    held_on: Day
    duration_minutes: Minutes
    mode: SessionMode
    notes: Text = ""
    progress: Annotated[Whole, Field(ge=1, le=5)]


class GoalProgressBody(Body):
    model_config = _example({"goal": "Read one book a month", "status": "in_progress", "note": "Half way through."})
    goal: Statement
    status: GoalStatus
    note: Text = ""


class ConsentOverride(Body):
    """A station lead shares without a covering consent; the reason is recorded."""

    model_config = _example({"reason": "Risk to life: the hospital needs the history now"})
    reason: Required


class MakeReferral(Body):
    model_config = _example(
        {
            "case_id": "0d0f5d8a-1b1c-4e0b-8a8e-3c7a5f2b9d10",
            "to_department_id": "3f9a2c4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
            "service": "school re-entry support",
            "reason": "Three weeks of truancy.",
            "respond_by": "2026-12-05",
        }
    )
    case_id: UUID
    to_department_id: UUID
    service: Name
    reason: Required
    respond_by: Day
    consent_override: ConsentOverride | None = None


class ProgressNote(Body):
    model_config = _example({"note": "Class teacher assigned; first meeting held."})
    note: Required


class Completion(Body):
    model_config = _example({"outcome": "Re-enrolled with a weekly check-in."})
    outcome: Required


# -- users and passwords. Passwords keep their blanks: no stripping in these bodies.

UserRole = Enum("UserRole", {role.name: role.value for role in USER_ROLES}, type=str)  # type: ignore[misc]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


def _example_keeping_blanks(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", str_strip_whitespace=False, json_schema_extra={"examples": [example]})


class CreateUser(Body):
    model_config = _example_keeping_blanks(
        {
            "username": "li.wei",
            "display_name": "Li Wei",
            "password": "a long passphrase of your own",
            "role": "station_officer",
            "scope_id": "0b6c3c4e-5d1a-4e8f-9a51-3f2a6d1c7e90",
        }
    )
    username: Annotated[str, StringConstraints(min_length=2, max_length=63), VISIBLE]
    display_name: Name
    password: Password
    role: UserRole  # type: ignore[valid-type]
    scope_id: UUID | None = None


class RoleChange(Body):
    model_config = _example({"role": "station_lead", "scope_id": "0b6c3c4e-5d1a-4e8f-9a51-3f2a6d1c7e90"})
    role: UserRole  # type: ignore[valid-type]
    scope_id: UUID | None = None


class PasswordReset(Body):
    model_config = _example_keeping_blanks({"password": "a new long passphrase"})
    password: Password


class PasswordChange(Body):
    model_config = _example_keeping_blanks(
        {"current_password": "the passphrase you have now", "new_password": "a new long passphrase"}
    )
    current_password: Password
    new_password: Password


class SealBody(Body):
    model_config = _example(
        {"reason": "Offence under 18, sentence under five years", "legal_basis": "Criminal Procedure Law art. 286"}
    )
    reason: Required
    legal_basis: Statement

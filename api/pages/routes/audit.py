"""The auditors' pages: a record's history with what each event changed, the record as it stood at a
moment, the read log, the audit trail, the log's verification and the case file to download.
Each reads through the front door, which decides who may and logs the reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.pages.routes.coordination import said
from api.pages.web import PageRoute, SignedIn, Visit
from api.schemas import DIGITS, NO_CONTROL_CHARACTERS
from application.errors import InvalidValue, NotFound
from application.views.audit_queries import AuditFilter

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 25
KINDS = ("case", "pair", "referral", "volunteer", "station", "department")


def _readers(visit: Visit) -> dict[str, Any]:
    """Each kind's read through the front door: now, at a version, or as it stood at a moment."""
    front = visit.front
    return {
        "case": front.get_case,
        "pair": front.get_pair,
        "referral": front.get_referral,
        "volunteer": front.get_volunteer,
        "station": front.get_station,
        "department": front.get_department,
    }


# What the verification may find wrong (its own English words), each said in the reader's language.
PROBLEMS = {
    "event not in the chain: inserted afterwards": "inserted",
    "event missing: deleted or moved": "missing",
    "another record's event is at this position": "moved",
    "event bytes differ from when they were linked": "altered",
    "log link differs from the one kept": "log_link",
    "no keyed link: not written by the service": "no_keyed_link",
    "the keyed link does not match the event as stored": "keyed_link",
    "an entry is missing": "entry_missing",
}


def _problems(visit: Visit, verification: dict[str, Any]) -> list[dict[str, Any]]:
    """Everything the verification found wrong, in one list: which chain, where, and what."""

    def said_problem(text: str | None) -> str:
        key = f"audit.problem.{PROBLEMS.get(text or '', '')}"
        return visit.words.gettext(key) if visit.words.has(key) else str(text)

    found = [
        {
            "chain": link["chain"],
            "record_id": link["record_id"],
            "version": link["version"],
            "position": link["position"],
        }
        | {"text": said_problem(link["problem"])}
        for link in verification["broken"]
    ]
    read_log = verification["read_log"]
    if not read_log["ok"]:
        found.append(
            {"chain": "read_log", "position": read_log["first_broken"], "text": said_problem(read_log["problem"])}
        )
    for problem in (verification["keyed_links"] or {}).get("problems", []):
        found.append({"chain": "keyed", **problem, "text": said_problem(problem["problem"])})
    anchor = verification["anchor"]
    if anchor is not None and not anchor["matches"]:
        found.append(
            {"chain": "anchor", "position": anchor["position"], "text": visit.words.gettext("audit.problem.anchor")}
        )
    return found


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"no kind of record called {kind}")
    return kind


def shown_value(value: Any) -> str:
    """A value of a record as an auditor reads it: text as it is, anything else as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _day_start(visit: Visit, day: date | None, *, after: bool = False) -> datetime | None:
    """The start of a day in the district's time zone (of the next day, to include the whole day).
    None, an open end, where that falls outside the calendar (before 0001-01-01 or after 9999-12-31 in UTC)."""
    if day is None:
        return None
    try:
        start = datetime.combine(day + timedelta(days=1) if after else day, time.min, tzinfo=visit.words.zone)
        return start.astimezone(timezone.utc)
    except OverflowError:
        return None


class Lookup(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: str = Field(pattern="^(" + "|".join(KINDS) + ")$")
    record_id: UUID


class Reads(BaseModel):
    """The read log's filters, as the API takes them; the days are the district's."""

    model_config = ConfigDict(extra="ignore")
    user: str | None = Field(None, max_length=200, pattern=NO_CONTROL_CHARACTERS)
    record_id: UUID | None = None
    start: date | None = None
    end: date | None = None
    cursor: str | None = Field(None, max_length=500, pattern=NO_CONTROL_CHARACTERS)


class Trail(BaseModel):
    model_config = ConfigDict(extra="ignore")
    record_id: UUID | None = None
    actor: str | None = Field(None, max_length=200, pattern=NO_CONTROL_CHARACTERS)
    cursor: str | None = Field(None, max_length=500, pattern=NO_CONTROL_CHARACTERS)


class Moment(BaseModel):
    """A moment (a `datetime-local`, read in the district's time zone) or a version."""

    model_config = ConfigDict(extra="ignore")
    at: datetime | None = None
    version: Annotated[int | None, Field(ge=1, le=2**31 - 1), DIGITS] = None


def _filled(visit: Visit) -> dict[str, str]:
    """The query's fields that were filled in: an empty field filters nothing."""
    return {key: value.strip() for key, value in visit.request.query_params.items() if value.strip()}


def _next(visit: Visit, name: str, value: Any) -> str | None:
    if value is None:
        return None
    return visit.request.url.path + "?" + urlencode({**_filled(visit), name: str(value)})


@router.get("/ui/audit")
def start(visit: SignedIn) -> Response:
    """Look a record up, see whether the log verifies, go on to the read log and the audit trail."""
    assert visit.caller is not None
    verification = visit.front.verification(visit.caller, None)
    values = _filled(visit)
    errors: list[Any] = []
    if "kind" in values or "record_id" in values:
        try:
            found = Lookup.model_validate(values)
        except ValidationError as error:
            errors = said(visit.words, error, "audit")
        else:
            return visit.redirect(f"/ui/records/{found.kind}/{found.record_id}/history")
    return visit.render(
        "audit/start.html",
        status=422 if errors else 200,
        kinds=KINDS,
        values=values,
        errors=errors,
        verification=verification,
        problems=_problems(visit, verification),
    )


@router.get("/ui/records/{kind}/{record_id}/history")
def history(visit: SignedIn, kind: str, record_id: UUID, after_version: int = 0) -> Response:
    """A record's events in order, each with who, when, what, and the fields it changed."""
    assert visit.caller is not None
    found = visit.front.history(
        visit.caller, _kind(kind), record_id, after_version=max(after_version, 0), limit=PAGE_SIZE
    )
    following = found["next_after_version"]
    return visit.render(
        "audit/history.html",
        kind=kind,
        record_id=record_id,
        history=found,
        shown_value=shown_value,
        more=None if following is None else f"{visit.request.url.path}?after_version={following}",
    )


@router.get("/ui/records/{kind}/{record_id}/at")
def as_it_stood(visit: SignedIn, kind: str, record_id: UUID) -> Response:
    """The record as it stood at a moment or a version; before it existed, said plainly."""
    assert visit.caller is not None
    values = _filled(visit)
    page: dict[str, Any] = {"kind": _kind(kind), "record_id": record_id, "values": values, "shown_value": shown_value}
    try:
        moment = Moment.model_validate(values)
    except ValidationError as error:
        return visit.render("audit/at.html", status=422, errors=said(visit.words, error, "audit"), record=None, **page)
    at = None if moment.at is None else moment.at.replace(tzinfo=moment.at.tzinfo or visit.words.zone)
    if at is None and moment.version is None:
        return visit.render("audit/at.html", errors=[], record=None, **page)
    try:
        record = _readers(visit)[kind](visit.caller, record_id, version=moment.version, as_of=at)
    except InvalidValue as error:
        return visit.render("audit/at.html", status=422, errors=said(visit.words, error, "audit"), record=None, **page)
    except NotFound:
        first = visit.front.history(visit.caller, kind, record_id, after_version=0, limit=1)["events"]
        if not first:  # not there at all: the page's own 404
            raise
        created = first[0]["occurred_at"]
        return visit.render("audit/at.html", status=404, errors=[], record=None, created_at=created, **page)
    return visit.render("audit/at.html", errors=[], record=record, **page)


def _filtered_list(visit: Visit, template: str, filters: type[BaseModel], read: Callable[[Any], Any]) -> Response:
    """A list read with the filters filled in, a page at a time; bad filters said on their fields."""
    values = _filled(visit)
    try:
        found = read(filters.model_validate(values))
    except (ValidationError, InvalidValue) as error:
        errors = said(visit.words, error, "audit")
        return visit.render(template, status=422, values=values, errors=errors, found=None, more=None)
    more = _next(visit, "cursor", found["next_cursor"])
    return visit.render(template, values=values, errors=[], found=found, kinds=KINDS, more=more)


@router.get("/ui/audit/access-log")
def access_log(visit: SignedIn) -> Response:
    """Who read what, newest first, filtered by who, which record and which days."""
    caller = visit.caller
    assert caller is not None

    def read(chosen: Reads) -> Any:
        start, end = _day_start(visit, chosen.start), _day_start(visit, chosen.end, after=True)
        return visit.front.access_log(
            caller,
            record_id=chosen.record_id,
            username=chosen.user,
            start=start,
            end=end,
            limit=PAGE_SIZE,
            cursor=chosen.cursor,
        )

    return _filtered_list(visit, "audit/access_log.html", Reads, read)


@router.get("/ui/audit/trail")
def trail(visit: SignedIn) -> Response:
    """Every event of every record, newest first, filtered by record or by who caused it."""
    caller = visit.caller
    assert caller is not None

    def read(chosen: Trail) -> Any:
        where = AuditFilter(record_id=chosen.record_id, actor_id=chosen.actor)
        return visit.front.audit_trail(caller, where, limit=PAGE_SIZE, cursor=chosen.cursor, consistent_with=None)

    return _filtered_list(visit, "audit/trail.html", Trail, read)


@router.get("/ui/cases/{case_id}/export")
def export_case(visit: SignedIn, case_id: UUID) -> Response:
    """The case file, as the API's `GET /cases/{id}/export` serves it, to save."""
    assert visit.caller is not None
    response = Response(
        visit.front.export_case(visit.caller, case_id),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.json"'},
    )
    visit.finish(response)
    return response

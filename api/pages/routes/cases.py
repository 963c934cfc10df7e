"""Pages of the cases area: the case search and list, opening a case, and the case page.

The command forms of a case (risk, assignment, intervention, consent, reopening) are in
`case_forms.py`; plan, closure and transfer pages belong to the decisions area.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.pages.errors import Shown, shown
from api.pages.forms import Attempt, attempt, read_form
from api.pages.web import Form, PageRoute, SignedIn, Visit
from api.schemas import DIGITS, OpenCase
from application.access.policy import Action
from application.base import Written
from application.errors import Forbidden, InvalidValue, NotFound, PossibleDuplicate
from application.views.case_search import CaseFilter, CaseSort
from application.views.lists import PairFilter, ReferralFilter
from domain.youth_case import CaseCategory, CaseSource, CaseStatus, Gender, RiskLevel

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 25
TIMELINE_PAGE = 30
RELATED_LIMIT = 100  # pairs and referrals of one case: a handful; more than this is a data problem
YOUTH_FIELDS = (
    "full_name",
    "date_of_birth",
    "gender",
    "id_number",
    "guardian_name",
    "guardian_phone",
    "school",
    "address",
)
OPEN_FIELDS = (
    "station_id",
    *(f"youth.{name}" for name in YOUTH_FIELDS),
    "category",
    "source",
    "summary",
    "confirm_new",
    "confirm_reason",
)


def _chosen(kind: type[Enum], value: str | None) -> str | None:
    """A filter's enum value; anything else (blank, or edited by hand) means any."""
    try:
        return kind(value).value if value else None
    except ValueError:
        return None


def options(visit: Visit, kind: type[Enum]) -> list[tuple[str, str]]:
    """A select's (value, label) pairs for every value of a domain enum, in the reader's language."""
    return [(item.value, visit.words.gettext(f"enum.{kind.__name__}.{item.value}")) for item in kind]


def _words_given(value: str | None, longest: int) -> str | None:
    value = (value or "").strip()
    return value[:longest] if value else None


@router.get("/ui/cases")
def case_list(
    visit: SignedIn,
    name: str | None = None,
    id_number: str | None = None,
    status: str | None = None,
    risk_level: str | None = None,
    category: str | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Find cases by name, ID number (exactly), status, risk level and category, latest activity first."""
    assert visit.caller is not None
    where = CaseFilter(
        name=_words_given(name, 200),
        id_number=_words_given(id_number, 32),
        status=_chosen(CaseStatus, status),
        risk_level=_chosen(RiskLevel, risk_level),
        category=_chosen(CaseCategory, category),
    )
    errors: list[Shown] = []
    try:
        found = visit.front.search_cases(
            visit.caller,
            where,
            sort=CaseSort.LAST_ACTIVITY_AT,
            descending=True,
            limit=PAGE_SIZE,
            cursor=cursor or None,
            consistent_with=None,
        )
    except InvalidValue as error:  # a cursor edited by hand
        errors, found = shown(visit.words, error), {"items": [], "next_cursor": None}
    filters = {key: getattr(where, key) or "" for key in ("name", "id_number", "status", "risk_level", "category")}
    more = None
    if found["next_cursor"]:
        kept = {key: value for key, value in filters.items() if value}
        more = "/ui/cases?" + urlencode(kept | {"cursor": found["next_cursor"]})
    return visit.render(
        "cases/list.html",
        status=422 if errors else 200,
        cases=found["items"],
        filters=filters,
        searched=any(filters.values()),
        more=more,
        errors=errors,
        may_open=_may_open(visit),
        status_options=options(visit, CaseStatus),
        risk_options=options(visit, RiskLevel),
        category_options=options(visit, CaseCategory),
    )


def _may_open(visit: Visit) -> bool:
    assert visit.caller is not None
    try:
        visit.front.allowed(visit.caller, Action.CASE_OPEN)
    except Forbidden:
        return False
    return True


@router.get("/ui/cases/new")
def new_case_form(visit: SignedIn) -> Response:
    """The form to open a case at one's own station."""
    return _new_case_page(visit, Attempt(values={"station_id": _own_station(visit)[0][0]}))


@router.post("/ui/cases/new")
def open_case(visit: SignedIn, form: Form) -> Response:
    """Open the case; a possible duplicate is shown with the case it matches (if the caller may
    read it) and can be confirmed with a reason; name-and-birth warnings go to the new case's page."""
    assert visit.caller is not None
    caller = visit.caller
    body = read_form(visit, form, OPEN_FIELDS, checks=("confirm_new",))
    body.setdefault("youth", {})  # all of the youth's fields left blank: each is named, not `youth` as a whole
    duplicate: list[UUID | None] = []

    def command(fields: dict[str, Any], _: int | None) -> Written:
        try:
            return visit.front.open_case(caller, **fields)
        except PossibleDuplicate as found:
            duplicate.append(found.shown)
            raise

    result = attempt(visit, form, body, OpenCase, command)
    if isinstance(result, Written):
        similar = [case_id for warning in result.record.get("warnings", []) for case_id in warning["case_ids"]]
        warned = "&warned=1" if result.record.get("warnings") else ""
        also = "".join(f"&similar={case_id}" for case_id in similar)
        return visit.redirect(f"/ui/cases/{result.id}?done=cases.opened{warned}{also}")
    return _new_case_page(visit, result, duplicate=bool(duplicate), duplicate_case_id=next(iter(duplicate), None))


def _own_station(visit: Visit) -> list[tuple[str, str]]:
    """The stations the caller may open a case at: their own (the front refuses anyone else)."""
    assert visit.caller is not None
    visit.front.allowed(visit.caller, Action.CASE_OPEN)
    station_id = visit.principal.scope_id
    if station_id is None:
        raise Forbidden("no station of your own")
    station = visit.front.get_station(visit.caller, station_id, version=None, as_of=None)
    return [(str(station_id), station["name"])]


def _new_case_page(
    visit: Visit, typed: Attempt, *, duplicate: bool = False, duplicate_case_id: UUID | None = None
) -> Response:
    return visit.render(
        "cases/new.html",
        status=typed.status,
        values=typed.values,
        errors=typed.errors,
        stations=_own_station(visit),
        duplicate=duplicate or typed.value("confirm_new") == "on",
        duplicate_case_id=duplicate_case_id,
        gender_options=options(visit, Gender),
        category_options=options(visit, CaseCategory),
        source_options=options(visit, CaseSource),
    )


@router.get("/ui/cases/{case_id}")
def case_page(
    case_id: UUID,
    visit: SignedIn,
    after_position: Annotated[int, Query(ge=0, le=2**63 - 1), DIGITS] = 0,
    similar: Annotated[list[str] | None, Query()] = None,
    warned: bool = False,
) -> Response:
    """The case page; a sealed case that the caller may read once they state why goes to the page
    asking why (the sealing area); anyone else finds nothing there, as over the API."""
    try:
        return show_case(visit, case_id, after_position=after_position, similar=similar, warned=warned)
    except NotFound:
        if not sealed_for_a_purpose(visit, case_id):
            raise
        return visit.redirect(f"/ui/cases/{case_id}/sealed")


def sealed_for_a_purpose(visit: Visit, case_id: UUID) -> bool:
    """Whether the case is sealed and the caller would read it on stating a purpose (a coordinator
    of its area, an auditor). Only the front door's access check is asked: nothing is read or logged."""
    try:
        facts = visit.front.record(visit.with_purpose("?"), Action.CASE_READ, "case", case_id)
    except (Forbidden, NotFound):
        return False
    return facts.seal is not None


def show_case(
    visit: Visit,
    case_id: UUID,
    *,
    after_position: int = 0,
    similar: list[str] | None = None,
    warned: bool = False,
    purpose: str | None = None,
) -> Response:
    """The case: youth, risk, plan and its approval, consents, interventions, pairs, referrals,
    timeline. Read with the stated `purpose`, if any (kept in the read log with every read of it),
    at `/ui/cases/{id}/sealed?purpose=`; at `/ui/cases/{id}` otherwise."""
    assert visit.caller is not None
    caller = visit.with_purpose(purpose) if purpose else visit.caller
    first = f"/ui/cases/{case_id}/sealed?{urlencode({'purpose': purpose})}" if purpose else f"/ui/cases/{case_id}"
    case = visit.front.get_case(caller, case_id, version=None, as_of=None)
    station = visit.front.get_station(caller, UUID(case["station_id"]), version=None, as_of=None)
    transfer = case["pending_transfer"]
    transfer_to = (
        visit.front.get_station(caller, UUID(transfer["to_station_id"]), version=None, as_of=None) if transfer else None
    )
    may = {name: _may(visit, action, case_id) for name, action in MAY.items()}
    pairs = visit.front.list_pairs(
        caller, PairFilter(case_id=case_id), limit=RELATED_LIMIT, cursor=None, consistent_with=None
    )
    referrals = visit.front.list_referrals(
        caller,
        ReferralFilter(case_id=case_id),
        overdue_after_days=None,
        limit=RELATED_LIMIT,
        cursor=None,
        consistent_with=None,
    )
    try:
        timeline = visit.front.case_timeline(caller, case_id, after_position=after_position, limit=TIMELINE_PAGE)
    except (Forbidden, NotFound):  # a receiving lead reads the case, not its history
        timeline = None
    return visit.render(
        "cases/case.html",
        case=case,
        youth=case["youth"],
        station=station,
        transfer_to=transfer_to,
        may=may,
        pairs=pairs["items"],
        referrals=referrals["items"],
        timeline=timeline["events"] if timeline else None,
        next_position=timeline["next_after_position"] if timeline else None,
        after_position=after_position,
        first_href=first,
        later_href=f"{first}{'&' if purpose else '?'}after_position={timeline['next_after_position']}"
        if timeline
        else None,
        purpose=purpose,
        warned=warned,
        similar=[value for value in (similar or [])[:10] if _is_uuid(value)],
        interventions=list(reversed(case["interventions"])),
        assessments=list(reversed(case["risk_assessments"])),
    )


# What the case page offers, each only when the front door would let the caller do it.
MAY = {
    "work": Action.CASE_WORK,
    "assign": Action.CASE_ASSIGN,
    "approve": Action.CASE_APPROVE,
    "transfer": Action.CASE_TRANSFER,
    "answer_transfer": Action.TRANSFER_ANSWER,
    "match": Action.PAIR_MATCH,
    "refer": Action.REFERRAL_MAKE,
    "seal": Action.CASE_SEAL,
    "unseal": Action.CASE_UNSEAL,
}


def _may(visit: Visit, action: Action, case_id: UUID) -> bool:
    assert visit.caller is not None
    try:
        visit.front.record(visit.caller, action, "case", case_id)
    except (Forbidden, NotFound):
        return False
    return True


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True

"""No 5xx from hostile query input, on every store: moments at the ends of the calendar with
extreme offsets in every range filter, days at its ends in report periods, and cursors holding
numbers beyond 64 bits or values of the wrong JSON type in every list.

The parameters are found in the OpenAPI document: a list endpoint added later, or a range filter
or cursor added to one, is swept without a new test. Bad input is a problem+json 422."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.main import create_app
from tests.api.acting import ActingClient, settings_with_access
from tests.api.conftest import create_pair, create_referral, create_volunteer, problem
from tests.conftest import settings_for

EXAMPLES = 40
SWEEP = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
LARGEST_OFFSET = timedelta(hours=23, minutes=59)


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ActingClient]:
    """The app on the store, with two of every record, so that every list has a second page."""
    store_settings = settings_with_access(settings_for(request.param, tmp_path, request))
    with ActingClient(create_app(store_settings)) as test_client:
        for _ in range(2):
            create_pair(test_client)
            create_referral(test_client)
            create_volunteer(test_client, full_name="Li Na")
        yield test_client


def _list_parameters(client: ActingClient) -> dict[str, list[dict[str, Any]]]:
    """The query parameters of every GET endpoint without path parameters, by path."""
    document = client.get("/openapi.json").json()
    return {
        path: [p for p in item["get"].get("parameters", []) if p["in"] == "query"]
        for path, item in document["paths"].items()
        if "get" in item and "{" not in path
    }


def _formats(parameter: dict[str, Any]) -> set[str]:
    schema = parameter["schema"]
    return {option.get("format", "") for option in schema.get("anyOf", [schema])}


def _moment_filters(client: ActingClient) -> list[tuple[str, str]]:
    return [
        (path, p["name"])
        for path, parameters in _list_parameters(client).items()
        for p in parameters
        if "date-time" in _formats(p)
    ]


def _cursor_lists(client: ActingClient) -> list[str]:
    return [
        path for path, parameters in _list_parameters(client).items() if any(p["name"] == "cursor" for p in parameters)
    ]


# -- what is generated

offsets = st.timedeltas(min_value=-LARGEST_OFFSET, max_value=LARGEST_OFFSET).map(
    lambda offset: timezone(timedelta(minutes=offset // timedelta(minutes=1)))
)
edges = st.sampled_from([datetime.min, datetime.max, datetime(1, 1, 1, 23, 59), datetime(9999, 12, 31)])
moments = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.one_of(edges, st.datetimes(min_value=datetime.min, max_value=datetime.max)),
    offsets,
)


def _in_utc(moment: datetime) -> bool:
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        return False
    return True


huge = st.one_of(
    st.sampled_from([2**63, -(2**63) - 1, 2**64, -(2**64), 2**128]),
    st.integers(min_value=2**63, max_value=2**200),
    st.integers(min_value=-(2**200), max_value=-(2**63) - 1),
)
# Text no stored value holds: a NUL (PostgreSQL takes none), another control character, a lone surrogate.
unstorable_text = st.builds(
    lambda before, bad, after: before + bad + after,
    st.text(max_size=5),
    st.sampled_from(["\x00", "\x1f", "\x7f", "\ud800", "\udfff"]),
    st.text(max_size=5),
)
out_of_utc = moments.filter(lambda moment: not _in_utc(moment)).map(datetime.isoformat)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**200), max_value=2**200),
        st.floats(),
        st.text(max_size=20),
        moments.map(datetime.isoformat),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def encode(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode(cursor: str) -> list[Any]:
    values: list[Any] = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return values


def _wrong_for(original: Any) -> st.SearchStrategy[Any]:
    """Values a cursor made by the service never holds where it held `original`: a JSON value of
    another type, a number beyond 64 bits, text no stored value holds, a moment that does not
    exist in UTC."""
    if isinstance(original, int):
        others = json_values.filter(lambda v: not isinstance(v, int) or isinstance(v, bool))
        return st.one_of(huge, others)
    others = st.one_of(unstorable_text, json_values.filter(lambda v: not isinstance(v, str)))
    return st.one_of(out_of_utc, others) if _is_moment(original) else others


def _is_moment(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return "T" in text


def _no_server_error(answer: Any) -> None:
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("application/problem+json"), answer.text


# -- the sweeps


def test_every_range_filter_takes_any_moment_and_refuses_one_outside_the_calendar_in_utc(client: ActingClient) -> None:
    filters = _moment_filters(client)
    assert len(filters) >= 10, filters  # cases' six, the audit trail's and the read log's two each
    for path, name in filters:

        @SWEEP
        @given(moment=moments)
        def sweep(moment: datetime) -> None:
            answer = client.get(path, params={name: moment.isoformat()})  # noqa: B023 - run at once, in this turn
            _no_server_error(answer)
            if _in_utc(moment):
                assert answer.status_code == 200, f"{path}?{name}={moment.isoformat()}: {answer.text}"  # noqa: B023
            else:
                refused = problem(answer, 422)
                assert [e["field"] for e in refused["errors"]] == [name]  # noqa: B023

        sweep()


def test_a_record_as_of_any_moment_answers_or_refuses_with_422(client: ActingClient) -> None:
    case_id = client.get("/cases").json()["items"][0]["id"]

    @SWEEP
    @given(moment=moments)
    def sweep(moment: datetime) -> None:
        answer = client.get(f"/cases/{case_id}", params={"as_of": moment.isoformat()})
        _no_server_error(answer)
        assert answer.status_code in ((200, 404) if _in_utc(moment) else (422,)), answer.text

    sweep()


def test_the_report_takes_any_period_and_any_days_of_the_calendar(client: ActingClient) -> None:
    @SWEEP
    @given(start=st.dates(), end=st.dates())
    def days(start: date, end: date) -> None:
        answer = client.get("/reports/summary", params={"from": start.isoformat(), "to": end.isoformat()})
        _no_server_error(answer)
        assert answer.status_code == (200 if start <= end else 422), answer.text

    @SWEEP
    @given(period=st.one_of(st.from_regex(r"\A[0-9]{4}H[12]\Z"), st.sampled_from(["0001H1", "9999H2", "0000H1"])))
    def periods(period: str) -> None:
        answer = client.get("/reports/summary", params={"period": period})
        _no_server_error(answer)
        assert answer.status_code == (422 if period.startswith("0000") else 200), answer.text

    days()
    periods()


def test_every_list_refuses_a_cursor_holding_what_no_page_of_it_ever_held(client: ActingClient) -> None:
    lists = _cursor_lists(client)
    assert len(lists) >= 10, lists
    for path in lists:
        made = client.get(path, params={"limit": 1}).json()["next_cursor"]
        assert made is not None, f"{path} has one page only: the sweep needs a cursor it made"
        assert client.get(path, params={"limit": 1, "cursor": made}).status_code == 200
        keys = decode(made)

        @SWEEP
        @given(data=st.data())
        def sweep(data: st.DataObject) -> None:
            index = data.draw(st.integers(min_value=0, max_value=len(keys) - 1))  # noqa: B023
            changed = [*keys]  # noqa: B023
            changed[index] = data.draw(_wrong_for(changed[index]))
            cursor = data.draw(st.one_of(st.just(changed), st.just(changed[:-1]), st.just([*changed, 0])))
            answer = client.get(path, params={"limit": 1, "cursor": encode(cursor)})  # noqa: B023
            refused = problem(answer, 422)
            assert [e["field"] for e in refused["errors"]] == ["cursor"], answer.text

        sweep()


def test_every_list_answers_any_cursor_without_a_server_error(client: ActingClient) -> None:
    for path in _cursor_lists(client):

        @SWEEP
        @given(cursor=st.one_of(json_values.map(encode), st.text(max_size=60)))
        def sweep(cursor: str) -> None:
            answer = client.get(path, params={"cursor": cursor})  # noqa: B023
            _no_server_error(answer)
            assert answer.status_code in (200, 422), answer.text

        sweep()


def test_the_read_log_page_takes_any_days_of_the_calendar(client: ActingClient) -> None:
    client.cookies.set("yc_session", client.token("auditor", None))

    @SWEEP
    @given(start=st.one_of(st.none(), st.dates()), end=st.one_of(st.none(), st.dates()))
    def sweep(start: date | None, end: date | None) -> None:
        days = {name: day.isoformat() for name, day in (("start", start), ("end", end)) if day is not None}
        answer = client.get("/ui/audit/access-log", params=days, headers={"Authorization": ""}, follow_redirects=False)
        assert answer.status_code in (200, 422), answer.text  # 422: the page says the days are the wrong way round
        assert answer.headers["content-type"].startswith("text/html")

    sweep()
    client.cookies.clear()

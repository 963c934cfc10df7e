"""A whole number in a query string is written in the digits 0-9 alone. Python's int() also reads
`1_000`, `+5`, ` 5` and other scripts' digits; the service does not: each is a 422 naming the
parameter. Every integer query parameter of the OpenAPI document is tried, so one added later is
held to the same rule without a new test."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.api.acting import USER_PASSWORD, ActingClient
from tests.api.conftest import problem

LAX_SPELLINGS = ["1_0", "+5", " 5", "5 ", "\u0665", "0x5", "5.0", "1e3", "", "-0", "\uff15"]


def _integer_parameters(client: TestClient) -> list[tuple[str, dict[str, Any]]]:
    """(GET path with its ids filled in, parameter) for every integer query parameter."""
    document = client.get("/openapi.json").json()
    found = []
    for path, item in document["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            schema = parameter["schema"]
            types = {option.get("type") for option in schema.get("anyOf", [schema])}
            if parameter["in"] == "query" and "integer" in types:
                filled = path.replace("{", "").replace("}", "")
                for name in ("station_id", "department_id", "volunteer_id", "case_id", "pair_id", "referral_id"):
                    filled = filled.replace(name, str(uuid.uuid4()))
                found.append((filled, parameter))
    return found


def _bounds(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = parameter["schema"]
    return next(option for option in schema.get("anyOf", [schema]) if option.get("type") == "integer")


def test_every_integer_query_parameter_refuses_what_is_not_digits_alone(client: TestClient) -> None:
    parameters = _integer_parameters(client)
    names = {parameter["name"] for _, parameter in parameters}
    assert {"limit", "version", "consistent_with", "after_version", "after_position", "months"} <= names, names
    for path, parameter in parameters:
        name = parameter["name"]
        for spelling in LAX_SPELLINGS:
            refused = problem(client.get(path, params={name: spelling}), 422)
            assert [e["field"] for e in refused["errors"]] == [name], (path, spelling, refused)
            assert refused["errors"][0]["type"] == "int_digits"
        lowest = str(_bounds(parameter).get("minimum", 0))
        answer = client.get(path, params={name: lowest})
        if answer.status_code == 422:  # for another reason (`anchor_position` wants `anchor_link`)
            assert name not in [e["field"] for e in answer.json()["errors"]], (path, answer.text)


def test_every_integer_query_parameter_shows_its_bounds_in_the_document(client: TestClient) -> None:
    for path, parameter in _integer_parameters(client):
        bounds = _bounds(parameter)
        assert "minimum" in bounds and "maximum" in bounds, (path, parameter)
        assert not {"ge", "le"} & set(bounds), (path, parameter)


def test_the_coordination_page_refuses_months_that_are_not_digits_alone(client: ActingClient) -> None:
    client.make_user("coordinator", None, username="coordinator-on-the-pages")
    form = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get("/ui/signin").text)
    assert form is not None
    credentials = {"csrf": form.group(1), "username": "coordinator-on-the-pages", "password": USER_PASSWORD}
    assert client.post("/ui/signin", data=credentials, follow_redirects=False).status_code == 303
    assert "0-9" not in client.get("/ui/coordination", params={"months": "12"}).text
    page = client.get("/ui/coordination", params={"months": "1_2"})
    assert page.status_code == 422, page.text
    assert "0-9" in page.text

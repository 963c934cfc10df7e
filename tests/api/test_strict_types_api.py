"""Request bodies take JSON's own types: `true` is no number of minutes, `"1_000"` no number of
hours, a number no text, and a name of invisible characters no name.

The sweep walks every request model of api/schemas.py and each field its JSON schema types, so a
model or field added later is checked without a new test."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from api import schemas
from tests.api.conftest import create_case, create_volunteer, now_iso, problem

BODIES = (m for m in vars(schemas).values() if isinstance(m, type) and issubclass(m, schemas.Body))
MODELS = sorted((m for m in BODIES if m is not schemas.Body), key=lambda m: m.__name__)
INVISIBLE = ["\u200b", "\ufeff", "\u2060", "\u200b\u200c\u200d", " \u00ad\u200e ", "\u3164", "\u2800", "\u0301"]


def _example(model: type[BaseModel]) -> dict[str, Any]:
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict), f"{model.__name__} has no example"
    example: dict[str, Any] = dict(extra["examples"][0])
    return example


def _kinds(model: type[BaseModel]) -> dict[str, set[str]]:
    """Each field's JSON types, as the OpenAPI document states them."""
    found = {}
    for name, schema in model.model_json_schema()["properties"].items():
        options = schema.get("anyOf", [schema])
        found[name] = {option["type"] for option in options if "type" in option and option["type"] != "null"}
    return found


def _fields_of(kind: str) -> list[tuple[type[BaseModel], str]]:
    return [(model, name) for model in MODELS for name, kinds in _kinds(model).items() if kind in kinds]


def _refused(model: type[BaseModel], name: str, value: Any) -> bool:
    try:
        model.model_validate({**_example(model), name: value})
    except ValidationError as error:
        return any(problem["loc"][:1] == (name,) for problem in error.errors())
    return False


def test_every_example_is_valid_so_the_sweep_checks_one_field_at_a_time() -> None:
    assert len(MODELS) >= 30
    for model in MODELS:
        model.model_validate(_example(model))


@pytest.mark.parametrize(("model", "name"), [*_fields_of("integer"), *_fields_of("number")], ids=str)
def test_a_number_field_takes_only_a_json_number(model: type[BaseModel], name: str) -> None:
    for value in (True, False, "60", "1_000", " 6 ", "6e1", "0x10", None, [6], {"value": 6}):
        assert _refused(model, name, value), f"{model.__name__}.{name} took {value!r}"
    assert not _refused(model, name, _example(model)[name])


@pytest.mark.parametrize(("model", "name"), _fields_of("integer"), ids=str)
def test_a_whole_number_field_refuses_fractions_even_when_whole(model: type[BaseModel], name: str) -> None:
    assert _refused(model, name, float(_example(model)[name]))


@pytest.mark.parametrize(("model", "name"), _fields_of("boolean"), ids=str)
def test_a_yes_or_no_field_takes_only_true_or_false(model: type[BaseModel], name: str) -> None:
    for value in (1, 0, "true", "yes", "on", None):
        assert _refused(model, name, value), f"{model.__name__}.{name} took {value!r}"


@pytest.mark.parametrize(("model", "name"), _fields_of("string"), ids=str)
def test_a_text_field_takes_no_number_or_yes_or_no(model: type[BaseModel], name: str) -> None:
    for value in (5, 5.5, True):
        assert _refused(model, name, value), f"{model.__name__}.{name} took {value!r}"


def _must_say_something(schema: dict[str, Any]) -> bool:
    """A text that must say something: a minimum length, and no pattern or format of its own
    (phones, ids, dates)."""
    options = [o for o in schema.get("anyOf", [schema]) if o.get("type") == "string"]
    # A pattern of its own (a phone number's) says what it takes; the one every text has does not.
    plain = (None, schemas.NO_CONTROL_CHARACTERS)
    return any(o.get("minLength", 0) >= 1 and o.get("pattern") in plain and "format" not in o for o in options)


def _required_texts() -> list[tuple[type[BaseModel], str, bool]]:
    """(model, field, whether it is a list of such texts); passwords aside, whose blanks are the
    user's to choose."""
    found = []
    for model in MODELS:
        for name, schema in model.model_json_schema()["properties"].items():
            if "password" in name:
                continue
            if _must_say_something(schema):
                found.append((model, name, False))
            elif schema.get("type") == "array" and _must_say_something(schema.get("items", {})):
                found.append((model, name, True))
    return found


@pytest.mark.parametrize(("model", "name", "listed"), _required_texts(), ids=str)
def test_a_name_of_only_invisible_characters_is_no_name(model: type[BaseModel], name: str, listed: bool) -> None:
    for value in INVISIBLE:
        assert _refused(model, name, [value] if listed else value), f"{model.__name__}.{name} took {value!r}"
    fine = "\u200bZhang\u200b"  # visible characters with invisible ones are fine
    assert not _refused(model, name, [fine] if listed else fine)


def test_required_texts_include_the_names_and_reasons_everyone_types() -> None:
    named = {(model.__name__, name) for model, name, _ in _required_texts()}
    assert {("RegisterStation", "name"), ("YouthDetails", "full_name"), ("OpenCase", "summary")} <= named
    assert {("CreateUser", "username"), ("SealBody", "legal_basis"), ("MatchPair", "goals")} <= named


# -- the same over HTTP, as a client would meet it


def test_true_is_not_a_number_of_minutes(client: TestClient) -> None:
    case = create_case(client)
    body = {"kind": "home_visit", "occurred_at": now_iso(), "duration_minutes": True, "performed_by": "officer-li"}
    refused = problem(client.post(f"/cases/{case['id']}/interventions", json=body), 422)
    assert [e["field"] for e in refused["errors"]] == ["duration_minutes"]
    assert client.get(f"/cases/{case['id']}").json()["interventions"] == []


def test_a_string_of_digits_with_underscores_is_not_a_number_of_hours(client: TestClient) -> None:
    volunteer = create_volunteer(client)
    training = {"course": "Mentoring, level 1", "completed_on": "2026-03-14", "hours": "1_000"}
    refused = problem(client.post(f"/volunteers/{volunteer['id']}/trainings", json=training), 422)
    assert [e["field"] for e in refused["errors"]] == ["hours"]
    accepted = client.post(f"/volunteers/{volunteer['id']}/trainings", json={**training, "hours": 6.5})
    assert accepted.status_code == 200, accepted.text


def test_a_number_is_not_a_name_and_invisible_characters_are_none(client: TestClient) -> None:
    station = {"kind": "police_care_station", "level": "town"}
    before = client.get("/stations").json()["items"]
    for name in (12345, "\u200b\u2060\ufeff"):
        refused = problem(client.post("/stations", json={**station, "name": name}), 422)
        assert [e["field"] for e in refused["errors"]] == ["name"]
    assert client.get("/stations").json()["items"] == before


@pytest.mark.parametrize(("model", "name"), _fields_of("string"), ids=str)
def test_a_text_field_says_in_the_document_what_it_refuses(model: type[BaseModel], name: str) -> None:
    """A control character is refused (422), and the document says so, for clients made from it."""
    schema = model.model_json_schema()["properties"][name]
    texts = [option for option in schema.get("anyOf", [schema]) if option.get("type") == "string"]
    for text in texts:
        if {"format", "enum"} & set(text):
            continue
        assert "pattern" in text, f"{model.__name__}.{name}: {text}"
        if text["pattern"] == schemas.NO_CONTROL_CHARACTERS:
            assert _refused(model, name, "a\x01b"), f"{model.__name__}.{name} took a control character"

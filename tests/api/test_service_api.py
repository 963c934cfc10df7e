"""The service's own pages: liveness, the OpenAPI document and its interactive docs."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import problem

ENDPOINTS = {
    "/healthz": {"get"},
    "/readyz": {"get"},
    "/metrics": {"get"},
    "/auth/token": {"post"},
    "/auth/logout": {"post"},
    "/auth/me": {"get"},
    "/me/tasks": {"get"},
    "/auth/password": {"post"},
    "/users": {"get", "post"},
    "/users/{user_id}": {"get"},
    "/users/{user_id}/role": {"put"},
    "/users/{user_id}/disable": {"post"},
    "/users/{user_id}/enable": {"post"},
    "/users/{user_id}/password": {"post"},
    "/audit/access-log": {"get"},
    "/stations": {"get", "post"},
    "/stations/{station_id}": {"get"},
    "/stations/{station_id}/name": {"put"},
    "/stations/{station_id}/deactivation": {"post"},
    "/departments": {"get", "post"},
    "/departments/{department_id}": {"get"},
    "/departments/{department_id}/name": {"put"},
    "/departments/{department_id}/deactivation": {"post"},
    "/volunteers": {"get", "post"},
    "/volunteers/{volunteer_id}": {"get"},
    "/volunteers/{volunteer_id}/screening": {"post"},
    "/volunteers/{volunteer_id}/trainings": {"post"},
    "/volunteers/{volunteer_id}/deactivation": {"post"},
    "/volunteers/{volunteer_id}/reactivation": {"post"},
    "/cases": {"get", "post"},
    "/cases/{case_id}": {"get"},
    "/cases/{case_id}/risk-assessments": {"post"},
    "/cases/{case_id}/plan": {"put"},
    "/cases/{case_id}/plan/approval": {"post"},
    "/cases/{case_id}/plan/return": {"post"},
    "/cases/{case_id}/plan/goal-reviews": {"post"},
    "/cases/{case_id}/assignment": {"put"},
    "/cases/{case_id}/interventions": {"post"},
    "/cases/{case_id}/consents": {"post"},
    "/cases/{case_id}/closure": {"post"},
    "/cases/{case_id}/closure/approval": {"post"},
    "/cases/{case_id}/closure/return": {"post"},
    "/cases/{case_id}/transfer-requests": {"post"},
    "/cases/{case_id}/transfer-requests/{request_id}/acceptance": {"post"},
    "/cases/{case_id}/transfer-requests/{request_id}/decline": {"post"},
    "/cases/{case_id}/transfer-requests/{request_id}/withdrawal": {"post"},
    "/cases/{case_id}/reopening": {"post"},
    "/cases/{case_id}/seal": {"post"},
    "/cases/{case_id}/erasure": {"post"},
    "/cases/{case_id}/unsealing": {"post"},
    "/pairs": {"get", "post"},
    "/pairs/{pair_id}": {"get"},
    "/pairs/{pair_id}/sessions": {"post"},
    "/pairs/{pair_id}/goal-progress": {"post"},
    "/pairs/{pair_id}/pause": {"post"},
    "/pairs/{pair_id}/resumption": {"post"},
    "/pairs/{pair_id}/closure": {"post"},
    "/referrals": {"get", "post"},
    "/referrals/{referral_id}": {"get"},
    "/referrals/{referral_id}/acceptance": {"post"},
    "/referrals/{referral_id}/decline": {"post"},
    "/referrals/{referral_id}/progress-notes": {"post"},
    "/referrals/{referral_id}/completion": {"post"},
    "/referrals/{referral_id}/withdrawal": {"post"},
    "/audit-trail": {"get"},
    "/audit/verification": {"get"},
    "/audit/anchor": {"get"},
    "/cases/{case_id}/history": {"get"},
    "/stations/{station_id}/history": {"get"},
    "/departments/{department_id}/history": {"get"},
    "/cases/{case_id}/timeline": {"get"},
    "/cases/{case_id}/export": {"get"},
    "/pairs/{pair_id}/history": {"get"},
    "/referrals/{referral_id}/history": {"get"},
    "/volunteers/{volunteer_id}/history": {"get"},
    "/coordination/referrals": {"get"},
    "/coordination/departments": {"get"},
    "/coordination/stations": {"get"},
    "/coordination/mentors": {"get"},
    "/reports/summary": {"get"},
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def openapi(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_healthz_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_interactive_docs_page_is_served(client: TestClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "/openapi.json" in response.text


def test_the_openapi_document_lists_every_endpoint_and_method(client: TestClient) -> None:
    paths = openapi(client)["paths"]

    listed = {path: {method for method in operations if method in HTTP_METHODS} for path, operations in paths.items()}
    assert listed == ENDPOINTS


def test_every_request_body_schema_has_an_example(client: TestClient) -> None:
    document = openapi(client)
    schemas = document["components"]["schemas"]
    bodies = {
        f"{method.upper()} {path}": operation["requestBody"]["content"]["application/json"]["schema"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in HTTP_METHODS and "application/json" in operation.get("requestBody", {}).get("content", {})
    }

    assert len(bodies) >= 25, sorted(bodies)
    without = [name for name, body in bodies.items() if not schemas[body["$ref"].rsplit("/", 1)[-1]].get("examples")]
    assert without == []


def names_a_model(schema: dict[str, Any]) -> bool:
    """A schema a generated client can type: a model, listed fields, or a choice of such (a command's
    answer is the record or, with `Prefer: return=minimal`, the minimal one)."""
    choices = schema.get("anyOf") or schema.get("oneOf")
    if choices:
        return all(names_a_model(choice) for choice in choices)
    return "$ref" in schema or "properties" in schema


def test_every_success_answer_declares_its_schema(client: TestClient) -> None:
    """A client generated from the document gets a typed answer from every operation: JSON answers
    name a model (or list its fields), text answers say they are text."""
    undeclared = []
    for path, operations in openapi(client)["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                content = answer.get("content", {})
                typed = [
                    names_a_model(media["schema"]) if name.endswith("json") else media["schema"].get("type") == "string"
                    for name, media in content.items()
                ]
                if not typed or not all(typed):
                    undeclared.append(f"{method.upper()} {path} {status}")
    assert undeclared == []


def test_operations_are_named_after_their_route_functions(client: TestClient) -> None:
    named = [
        operation["operationId"]
        for operations in openapi(client)["paths"].values()
        for operation in operations.values()
    ]
    assert len(named) == len(set(named))
    assert {"open_case", "log_intervention", "sign_in", "readyz"} <= set(named)


def test_every_endpoint_documents_itself(client: TestClient) -> None:
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in openapi(client)["paths"].items()
        for method, operation in operations.items()
        if method in HTTP_METHODS and not operation.get("description")
    ]

    assert undocumented == []


def test_an_unknown_route_is_404_problem_json(client: TestClient) -> None:
    body = problem(client.get("/nowhere"), 404)

    assert body["type"] == "urn:youthcare:problem:not_found"


def test_an_unsupported_method_is_405_problem_json(client: TestClient) -> None:
    body = problem(client.delete("/stations/00000000-0000-4000-8000-000000000000"), 405)

    assert body["type"] == "urn:youthcare:problem:method_not_allowed"


def test_a_405_lists_every_method_the_resource_supports_in_allow(client: TestClient) -> None:
    response = client.delete("/stations")

    assert response.status_code == 405
    assert {method.strip() for method in response.headers["allow"].split(",")} == {"GET", "POST"}


def test_error_responses_are_documented_as_problem_json(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/cases/{case_id}/closure"]["post"]
    for status in ("404", "409", "412", "422", "503"):
        assert list(operation["responses"][status]["content"]) == ["application/problem+json"]
    assert list(operation["responses"]["200"]["content"]) == ["application/json"]

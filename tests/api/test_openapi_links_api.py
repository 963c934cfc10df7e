"""The OpenAPI document's links: a made record's id leads to the operations on it, a command's
answer to the next commands on the same record, and every link names a real operation and real
parameters of it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def _operation_ids(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Each operation by its id: (path, method, operation)."""
    return {
        op["operationId"]: (path, method, op) for path, item in document["paths"].items() for method, op in item.items()
    }


def _links(document: dict[str, Any], method: str, path: str, status: str) -> dict[str, dict[str, Any]]:
    links: dict[str, dict[str, Any]] = document["paths"][path][method]["responses"][status].get("links", {})
    return links


def _targets(document: dict[str, Any], links: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    ids = _operation_ids(document)
    return {" ".join(ids[link["operationId"]][:2]): link for link in links.values()}


def test_a_made_case_leads_to_every_operation_on_it_and_to_what_names_a_case(client: TestClient) -> None:
    document = _document(client)
    targets = _targets(document, _links(document, "post", "/cases", "201"))
    assert targets["/cases/{case_id} get"]["parameters"] == {"case_id": "$response.body#/id"}
    assert targets["/cases/{case_id}/interventions post"]["parameters"] == {"case_id": "$response.body#/id"}
    assert targets["/pairs post"]["requestBody"] == {"case_id": "$response.body#/id"}
    assert targets["/referrals post"]["requestBody"] == {"case_id": "$response.body#/id"}
    assert not any("{pair_id}" in target for target in targets)


def test_a_command_leads_to_the_next_on_the_same_record_and_a_transfer_request_to_its_answers(
    client: TestClient,
) -> None:
    document = _document(client)
    submitted = _targets(document, _links(document, "put", "/cases/{case_id}/plan", "200"))
    assert submitted["/cases/{case_id}/plan/approval post"]["parameters"] == {"case_id": "$response.body#/id"}
    asked = _targets(document, _links(document, "post", "/cases/{case_id}/transfer-requests", "200"))
    assert asked["/cases/{case_id}/transfer-requests/{request_id}/acceptance post"]["parameters"] == {
        "case_id": "$request.path.case_id",
        "request_id": "$response.body#/request_id",
    }
    station = _targets(document, _links(document, "post", "/stations", "201"))
    assert station["/cases post"]["requestBody"] == {"station_id": "$response.body#/id"}
    assert "/cases/{case_id}/transfer-requests post" not in station, "its case would be a made-up one"


def test_every_link_names_an_operation_and_parameters_it_has(client: TestClient) -> None:
    document = _document(client)
    ids = _operation_ids(document)
    count = 0
    for item in document["paths"].values():
        for operation in item.values():
            for response in operation["responses"].values():
                for link in response.get("links", {}).values():
                    count += 1
                    *_, target = ids[link["operationId"]]
                    names = {p["name"] for p in target.get("parameters", [])}
                    assert set(link.get("parameters", {})) <= names, link
                    assert link.get("parameters") or link.get("requestBody"), link
    assert count >= 300

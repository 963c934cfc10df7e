"""OpenAPI links: which answer names the record that other operations take in their path.

A created record's `id` (201 to `POST /cases`) is the `{case_id}` of every operation on it
(`GET /cases/{case_id}`, `POST /cases/{case_id}/interventions`, ...); so is the `id` of the
record a command on it answers with, so one command leads to the next (a plan submitted, then
approved). An answer that names a part of the record it made (a transfer request's
`request_id`) leads to the operations on that part. Clients and stateful testers (Schemathesis)
follow them; they are derived from the paths, so a route added later is linked without more code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI

_PARAMETER = re.compile(r"\{([^}]+)\}")
_WRITES = ("post", "put")


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                yield path, method, operation


def _success(operation: dict[str, Any]) -> dict[str, Any] | None:
    for status in ("201", "200"):
        if status in operation.get("responses", {}):
            response: dict[str, Any] = operation["responses"][status]
            return response
    return None


def _links_from(path: str, method: str, targets: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Links from the success answer of `method path` to the operations it names a record of."""
    own = _PARAMETER.findall(path)
    links: dict[str, dict[str, Any]] = {}
    for target_path, target in targets:
        wanted = _PARAMETER.findall(target_path)
        if method == "post" and not own and len(wanted) == 1 and target_path.startswith(f"{path}/{{"):
            # A record made: its id is the one parameter of the operations on it.
            parameters = {wanted[0]: "$response.body#/id"}
        elif own and wanted == own[:1] and target_path.startswith(_record_path(path)):
            # A command on a record: its answer is the record, leading to the other operations on it.
            parameters = {own[0]: "$response.body#/id"}
        elif own and len(wanted) == len(own) + 1 and wanted[: len(own)] == own and target_path.startswith(f"{path}/{{"):
            # A part of the record made (`/cases/{case_id}/transfer-requests` -> `.../{request_id}/...`).
            parameters = {name: f"$request.path.{name}" for name in own} | {wanted[-1]: f"$response.body#/{wanted[-1]}"}
        else:
            continue
        links[target["operationId"]] = {"operationId": target["operationId"], "parameters": parameters}
    return links


def _body_properties(document: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    """The top-level properties of the operation's JSON body."""
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    reference = schema.get("$ref", "")
    if reference.startswith("#/components/schemas/"):
        schema = document.get("components", {}).get("schemas", {}).get(reference.rsplit("/", 1)[1], {})
    return set(schema.get("properties", {}))


def _references_to(
    document: dict[str, Any], path: str, targets: list[tuple[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """Links from a record made at `path` to the commands whose body names such a record
    (`station_id` of `POST /cases`, `to_department_id` of `POST /referrals`)."""
    item = next((target_path for target_path, _ in targets if target_path.startswith(f"{path}/{{")), None)
    if item is None:
        return {}
    name = _PARAMETER.findall(item)[0]
    links: dict[str, dict[str, Any]] = {}
    for target_path, target in targets:
        if _PARAMETER.search(target_path):
            continue  # the rest of its path would be made up
        fields = sorted(f for f in _body_properties(document, target) if f == name or f.endswith(f"_{name}"))
        if fields:
            body = {field: "$response.body#/id" for field in fields}
            links[target["operationId"]] = {"operationId": target["operationId"], "requestBody": body}
    return links


def _record_path(path: str) -> str:
    """`/cases/{case_id}` of `/cases/{case_id}/plan/approval`."""
    found = re.match(r"^/[^/{}]+/\{[^}]+\}", path)
    return found.group(0) if found else path


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with `links` on the success answers of the commands that make or change a record."""
    targets = [(path, operation) for path, _, operation in _operations(document)]
    for path, method, operation in _operations(document):
        success = _success(operation)
        if method not in _WRITES or success is None:
            continue
        links = _links_from(path, method, targets)
        if method == "post" and not _PARAMETER.search(path):
            links |= _references_to(document, path, targets)
        if links:
            success["links"] = links
    return document


def linked_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """`app.openapi` as it was installed, with the links added to the document it builds."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        return add_links(build())

    return openapi


def amend_document(app: FastAPI, amend: Callable[[dict[str, Any]], None]) -> None:
    """Have `amend` change the app's OpenAPI document once, when it is first built."""
    made = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        made_now = made()
        if fresh:
            amend(made_now)
        return made_now

    app.openapi = openapi  # type: ignore[method-assign]

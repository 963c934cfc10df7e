"""A request body over YOUTHCARE_MAX_BODY_BYTES is refused with 413 before it is read whole."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from infrastructure.persistence import MEMORY_URL
from infrastructure.settings import DEFAULT_MAX_BODY_BYTES, Settings
from tests.api.conftest import STATION, problem

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = 64 * 1024


def test_a_body_declared_over_the_limit_is_refused_with_413_and_the_connection_closed(client: TestClient) -> None:
    before = client.get("/stations").json()["items"]
    oversized = {**STATION, "padding": "x" * DEFAULT_MAX_BODY_BYTES}
    answer = client.post("/stations", json=oversized)
    refused = problem(answer, 413)
    assert refused["type"] == "urn:youthcare:problem:body_too_large"
    assert refused["limit"] == DEFAULT_MAX_BODY_BYTES
    assert answer.headers["connection"] == "close"
    assert client.get("/stations").json()["items"] == before


def test_the_limit_is_a_setting() -> None:
    settings = Settings(database_url=SecretStr(MEMORY_URL), max_body_bytes=4096)
    with TestClient(create_app(settings)) as small:
        note = {"username": "admin", "password": "p" * 5000}
        assert small.post("/auth/token", data=note).status_code == 413
        assert small.post("/auth/token", data={**note, "password": "p" * 100}).status_code == 401


class Upload:
    """A chunked body of `total` bytes handed to the app a chunk at a time, recording how much
    the app took."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.taken = 0

    async def receive(self) -> dict[str, Any]:
        if self.taken >= self.total:
            return {"type": "http.disconnect"}
        chunk = b"x" * min(CHUNK, self.total - self.taken)
        self.taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": self.taken < self.total}


def _post_chunked(upload: Upload) -> tuple[int, dict[str, str], dict[str, Any]]:
    """POST /cases straight into the ASGI app, with no Content-Length (as a chunked upload)."""
    app = create_app(Settings(database_url=SecretStr(MEMORY_URL)))
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/cases",
        "raw_path": b"/cases",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, upload.receive, send))  # type: ignore[arg-type]
    start = next(message for message in sent if message["type"] == "http.response.start")
    headers = {name.decode().lower(): value.decode() for name, value in start["headers"]}
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return start["status"], headers, json.loads(body)


def test_a_chunked_body_of_100_mb_is_refused_once_it_passes_the_limit_and_never_held_whole() -> None:
    upload = Upload(HUNDRED_MB)
    tracemalloc.start()
    try:
        status, headers, body = _post_chunked(upload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 413, body
    assert headers["content-type"].startswith("application/problem+json")
    assert headers["connection"] == "close"
    assert body["type"] == "urn:youthcare:problem:body_too_large"
    assert upload.taken <= DEFAULT_MAX_BODY_BYTES + CHUNK  # the rest of the 100 MB was never asked for
    assert peak < 20 * 1024 * 1024  # what the app held at its most, starting the app included: not the 100 MB

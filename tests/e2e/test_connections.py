"""Over real HTTP: after any error the connection is either kept usable or closed with
`Connection: close`, and a 100 MB chunked upload is refused long before it is all sent."""

from __future__ import annotations

import base64
import json
import select
import socket
from collections.abc import Iterator
from http.client import HTTPResponse
from urllib.parse import urlsplit

import httpx
import pytest

from infrastructure.settings import DEFAULT_MAX_BODY_BYTES
from tests.e2e.server import running_server
from tests.e2e.story import ACCESS_ENV, ADMIN_PASSWORD, PASSWORD, sign_in

CHUNK = 64 * 1024
HUNDRED_MB = 100 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A server on SQLite, and the tokens of its admin (who registers) and an auditor (who reads)."""
    folder = tmp_path_factory.mktemp("connections")
    env = {"YOUTHCARE_DATABASE_URL": f"sqlite:///{folder / 'connections.db'}", **ACCESS_ENV}
    with running_server(env, folder / "server.log") as base_url:
        admin = sign_in(base_url, "admin", ADMIN_PASSWORD)
        auditor = {"username": "auditor", "display_name": "Auditor", "password": PASSWORD, "role": "auditor"}
        made = httpx.post(f"{base_url}/users", json=auditor, headers={"Authorization": f"Bearer {admin}"})
        assert made.status_code == 201, made.text
        yield base_url, {"admin": admin, "auditor": sign_in(base_url, "auditor", PASSWORD)}


def _connect(base_url: str) -> socket.socket:
    address = urlsplit(base_url)
    return socket.create_connection((address.hostname or "127.0.0.1", address.port or 80), timeout=10)


def _request(method: str, target: str, token: str, *, body: bytes = b"", headers: str = "") -> bytes:
    length = f"Content-Length: {len(body)}\r\n" if body else ""
    head = f"{method} {target} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n{length}{headers}\r\n"
    return head.encode() + body


def _answer(connection: socket.socket, method: str = "GET") -> HTTPResponse:
    answer = HTTPResponse(connection, method=method)
    answer.begin()
    answer.read()
    return answer


def _cursor(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


JSON = "Content-Type: application/json\r\n"
HOSTILE = {
    "moment outside the calendar": ("GET", "/cases?opened_from=0001-01-01T00:00:00%2B23:59"),
    "cursor beyond 64 bits": ("GET", f"/volunteers?cursor={_cursor([2**64, 'x'])}"),
    "cursor of the wrong type": ("GET", f"/audit-trail?cursor={_cursor([{'a': 1}])}"),
    "report period at the end of time": ("GET", "/reports/summary?from=0001-01-01&to=9999-12-31"),
    "no such page": ("GET", "/nowhere"),
    "body not JSON": ("POST", "/stations"),
}


@pytest.mark.parametrize("bad", HOSTILE)
def test_after_a_hostile_request_the_same_connection_serves_the_next(
    server: tuple[str, dict[str, str]], bad: str
) -> None:
    """Each of these once answered 500 or is refused with 4xx: the connection stays usable."""
    base_url, tokens = server
    method, target = HOSTILE[bad]
    body = b'{"name": ' if method == "POST" else b""
    token = tokens["admin" if method == "POST" else "auditor"]
    with _connect(base_url) as connection:
        connection.sendall(_request(method, target, token, body=body, headers=JSON if body else ""))
        answered = _answer(connection, method)
        assert answered.status < 500, (answered.status, answered.getheaders())
        if answered.status >= 400:
            assert answered.getheader("content-type", "").startswith("application/problem+json")
        assert answered.getheader("connection", "").lower() != "close"
        connection.sendall(_request("GET", "/stations", token))
        assert _answer(connection).status == 200


def _closed(connection: socket.socket) -> bool:
    """Whether the server has closed the connection (end of stream or reset)."""
    try:
        return connection.recv(1) == b""
    except ConnectionResetError:
        return True


def test_a_body_declared_too_large_is_refused_unread_and_the_connection_closed(
    server: tuple[str, dict[str, str]],
) -> None:
    base_url, token = server[0], server[1]["admin"]
    with _connect(base_url) as connection:
        head = _request("POST", "/stations", token, headers=f"{JSON}Content-Length: {HUNDRED_MB}\r\n")
        connection.sendall(head)  # the head only: not a byte of the body
        refused = _answer(connection, "POST")
        assert refused.status == 413
        assert refused.getheader("connection") == "close"
        assert refused.getheader("content-type", "").startswith("application/problem+json")
        assert _closed(connection)


def test_a_chunked_upload_of_100_mb_is_refused_after_little_more_than_the_limit(
    server: tuple[str, dict[str, str]],
) -> None:
    base_url, token = server[0], server[1]["admin"]
    chunk = f"{CHUNK:x}\r\n".encode() + b"x" * CHUNK + b"\r\n"
    sent = 0
    with _connect(base_url) as connection:
        head = _request("POST", "/stations", token, headers=f"{JSON}Transfer-Encoding: chunked\r\n")
        connection.sendall(head)
        try:
            while sent < HUNDRED_MB and not select.select([connection], [], [], 0)[0]:
                connection.sendall(chunk)
                sent += CHUNK
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading and closed: what comes next says why
        refused = _answer(connection, "POST")
        assert refused.status == 413
        assert refused.getheader("connection") == "close"
    # The kernel's buffers on both ends hold some megabytes; the server read little more than the limit.
    assert DEFAULT_MAX_BODY_BYTES < sent < HUNDRED_MB // 5, sent


def test_a_request_the_server_cannot_parse_is_answered_and_closed(server: tuple[str, dict[str, str]]) -> None:
    base_url, _ = server
    with _connect(base_url) as connection:
        connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        answer = _answer(connection)
        assert answer.status == 400
        assert _closed(connection)

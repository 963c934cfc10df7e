"""/readyz while PostgreSQL cannot be reached, and after it can be again.

The service talks to the shared test server through a TCP forwarder of the test's own;
closing the forwarder makes the database unreachable for the service alone (nothing listens
on its port any more), and opening it again on the same port brings it back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from httpx import Response
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from api.main import create_app
from infrastructure.settings import Settings
from tests.api.acting import ActingClient, settings_with_access
from tests.api.conftest import create_case, problem
from tests.api.test_observing_api import ready_within, samples, value

pytestmark = pytest.mark.postgres


class Forwarder:
    """Forwards connections from a local port to `target`, until closed (every connection with it)."""

    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen()
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.open = True
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while self.open:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.open = False
        self._accepting.join()  # out of accept() before the port is let go, so it can be taken again
        self.listener.close()
        for end in self.sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


@pytest.fixture
def forwarded(pg_schema: tuple[str, str]) -> Iterator[tuple[Settings, Forwarder]]:
    url, schema = pg_schema
    parsed = make_url(url)
    forwarder = Forwarder((parsed.host or "127.0.0.1", parsed.port or 5432))
    through = parsed.set(host="127.0.0.1", port=forwarder.port).render_as_string(hide_password=False)
    settings = Settings(database_url=SecretStr(through), database_schema=schema)
    yield settings_with_access(settings), forwarder
    forwarder.close()


def test_readyz_answers_503_while_the_store_is_unreachable_and_200_once_it_is_back(
    forwarded: tuple[Settings, Forwarder],
) -> None:
    settings, forwarder = forwarded
    with ActingClient(create_app(settings)) as client:
        assert ready_within(client).status_code == 200
        samples(client)  # the admin signs in while the store is there

        forwarder.close()
        down = client.get("/readyz", headers={"Authorization": ""})

        assert down.status_code == 503
        assert down.headers["retry-after"] == "5"
        assert down.json() == {"status": "not ready", "reasons": ["event store unavailable"]}
        assert client.get("/healthz", headers={"Authorization": ""}).status_code == 200  # alive, though

        forwarder = Forwarder(forwarder.target, forwarder.port)
        try:
            assert ready_within(client).status_code == 200
            assert value(samples(client), "youthcare_event_store_up") == 1
        finally:
            forwarder.close()


def test_a_write_while_the_store_is_unreachable_is_a_prompt_503_and_is_not_stored(
    forwarded: tuple[Settings, Forwarder],
) -> None:
    """Not a 500: the sign-in check and the write both meet the unreachable store, and say so."""
    settings, forwarder = forwarded

    def log(client: ActingClient, case_id: str, note: str, signed: dict[str, str]) -> Response:
        now = datetime.now(timezone.utc).isoformat()
        body = {"kind": "home_visit", "occurred_at": now, "duration_minutes": 30, "notes": note, "performed_by": "li"}
        answer: Response = client.post(f"/cases/{case_id}/interventions", json=body, headers=signed)
        return answer

    with ActingClient(create_app(settings), raise_server_exceptions=False) as client:
        case_id = create_case(client)["id"]
        path = f"/cases/{case_id}/interventions"
        # Signed in while the store is there (the client would look the case up to choose who acts).
        signed = {"Authorization": f"Bearer {client.token(*client.acting_for('POST', path, None))}"}
        assert log(client, case_id, "before", signed).status_code == 200

        forwarder.close()
        asked = time.monotonic()
        refused = log(client, case_id, "while away", signed)
        took = time.monotonic() - asked

        assert problem(refused, 503)["type"] == "urn:youthcare:problem:store_unavailable"
        assert refused.headers["retry-after"] == "5"
        assert took < 2.0, took

        forwarder = Forwarder(forwarder.target, forwarder.port)
        try:
            assert log(client, case_id, "after", signed).status_code == 200
            notes = [i["notes"] for i in client.get(f"/cases/{case_id}", headers=signed).json()["interventions"]]
        finally:
            forwarder.close()
    assert notes == ["before", "after"]

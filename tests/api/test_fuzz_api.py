"""Generated requests, valid and not, from the OpenAPI document: none may cause a 5xx.

Requests are signed in, each operation as a user whose role may send it (see acting.py),
so the generated input reaches the validation and the records rather than stopping at 401."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr

from api.main import create_app
from infrastructure.settings import Settings
from tests.api.acting import ActingClient, settings_with_access

EXAMPLES_PER_OPERATION = 25


def test_no_generated_request_makes_the_service_fail(tmp_path: Path) -> None:
    app = create_app(settings_with_access(Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'fuzz.db'}"))))
    with ActingClient(app) as client:  # the lifespan opens the store for the requests below
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 40
        for operation in operations:
            role, scope = client.acting_for(operation.method.upper(), operation.path, None)
            # Logging out or changing a password would end a token other operations share.
            token = (
                client.make_user("auditor", None) if operation.path.startswith("/auth/") else client.token(role, scope)
            )
            case_headers = {"Authorization": f"Bearer {token}"}

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
            def no_server_error(case: schemathesis.Case) -> None:
                response = case.call(headers=case_headers)  # noqa: B023 - called at once, in this iteration
                assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
                if response.status_code >= 400:
                    content_types = response.headers["content-type"]  # header values come as lists here
                    assert content_types[0].startswith("application/problem+json"), content_types

            no_server_error()

"""The server's log over the whole story: JSON lines, each request's carrying its id, and not one
of the story's names, phone numbers, ID numbers, passwords or tokens."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from tests.e2e.server import running_server
from tests.e2e.story import ACCESS_ENV, ADMIN_PASSWORD, PASSWORD, admin_cast, check_story, run_story

pytestmark = pytest.mark.e2e

ID_NUMBER = "11010120110502003X"
MAKE_SAYS = re.compile(r"^make(\[\d+\])?: ")  # `make: ...`, or `make[1]: ...` when make runs inside make (CI)
PERSONAL = ("Zhang Xiaoming", "Zhang Wei", "139 0000 0000", "13900000000", ID_NUMBER, "Xiaoming")


def test_the_whole_storys_log_is_json_and_names_nobody(tmp_path: Path) -> None:
    log_path = tmp_path / "server.log"
    env = {"YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}", **ACCESS_ENV}
    with running_server(env, log_path) as base_url:
        cast = admin_cast(base_url)
        ids = run_story(cast)
        check_story(cast, ids)
        # Searches put personal data in query strings; a failed sign-in carries a password.
        for query in ({"name": "Zhang Xiaoming"}, {"id_number": ID_NUMBER}, {"name": "Xiaoming", "limit": "5"}):
            assert cast.officer.get("/cases", params=query).status_code == 200
        assert cast.officer.get("/ui/cases", params={"name": "Zhang Wei"}).status_code in (200, 303)
        refused = httpx.post(f"{base_url}/auth/token", data={"username": "Zhang Wei", "password": "139 0000 0000"})
        assert refused.status_code == 401
        traced = cast.auditor.get(f"/cases/{ids['case']}", headers={"X-Request-ID": "story-trace-1"})
        assert traced.headers["x-request-id"] == "story-trace-1"
        tokens = list(cast.tokens.values())
        cast.close()

    text = log_path.read_text(encoding="utf-8")
    for secret in (*PERSONAL, ADMIN_PASSWORD, PASSWORD, *tokens):
        for written in {secret, quote(secret), quote_plus(secret)}:  # as typed, or as in a URL
            assert written not in text, f"the log holds {written!r}"
    lines = [line for line in text.splitlines() if line.strip()]
    served_from = next(n for n, line in enumerate(lines) if "-m api.serve" in line) + 1  # after make's own
    parsed = [json.loads(line) for line in lines[served_from:] if not MAKE_SAYS.match(line)]
    assert len(parsed) > 50
    traced_lines = [line for line in parsed if line.get("request_id") == "story-trace-1"]
    assert traced_lines and all(line["route"] == "/cases/{case_id}" and line.get("user_id") for line in traced_lines)

"""The pages' session, CSRF and headers, through the app in process (the browser tests drive the rest)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from api.pages.web import safe_next
from infrastructure.persistence import MEMORY_URL
from infrastructure.settings import DEFAULT_MAX_BODY_BYTES, Settings
from tests.api.acting import ADMIN_PASSWORD, settings_with_access


@pytest.fixture
def browser() -> Iterator[TestClient]:
    """A client that keeps cookies, as a browser does, and follows no redirects by itself."""
    settings = settings_with_access(Settings(database_url=SecretStr(MEMORY_URL)))
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, html[:500]
    return found.group(1)


def _signed_in(client: TestClient) -> str:
    token = _csrf(client.get("/ui/signin").text)
    answer = client.post("/ui/signin", data={"csrf": token, "username": "admin", "password": ADMIN_PASSWORD})
    assert answer.status_code == 303, answer.text
    return _csrf(client.get("/").text)


def test_the_home_page_sends_a_stranger_to_sign_in_and_back_afterwards(browser: TestClient) -> None:
    answer = browser.get("/?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/signin?next=%2F%3Fx%3D1"
    page = browser.get(answer.headers["location"])
    assert 'name="next" value="/?x=1"' in page.text
    signed = browser.post(
        "/ui/signin", data={"csrf": _csrf(page.text), "username": "admin", "password": ADMIN_PASSWORD, "next": "/?x=1"}
    )
    assert signed.headers["location"] == "/?x=1"
    assert "expired" not in answer.headers["location"]  # a stranger is not told their session ended


def test_sign_in_without_the_forms_token_is_refused_and_signs_nobody_in(browser: TestClient) -> None:
    browser.get("/ui/signin")
    answer = browser.post("/ui/signin", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert answer.status_code == 403
    assert "yc_session" not in answer.headers.get("set-cookie", "")
    assert "text/html" in answer.headers["content-type"]


def test_the_token_of_one_session_does_not_serve_another(browser: TestClient) -> None:
    old = _signed_in(browser)
    browser.post("/ui/signout", data={"csrf": old})
    fresh = _signed_in(browser)
    assert fresh != old
    refused = browser.post("/ui/language", data={"csrf": old, "lang": "en", "next": "/"})
    assert refused.status_code == 403


def test_a_form_from_another_origin_is_refused_even_with_the_right_token(browser: TestClient) -> None:
    token = _signed_in(browser)
    answer = browser.post(
        "/ui/language", data={"csrf": token, "lang": "en"}, headers={"Origin": "https://elsewhere.example"}
    )
    assert answer.status_code == 403
    assert browser.post("/ui/language", data={"csrf": token, "lang": "en"}).status_code == 303


def test_a_form_larger_than_the_limit_is_refused_with_413(browser: TestClient) -> None:
    token = _signed_in(browser)
    padding = "x" * (DEFAULT_MAX_BODY_BYTES + 1)
    answer = browser.post("/ui/language", data={"csrf": token, "lang": "en", "padding": padding})
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")  # a page, in the visitor's language
    assert answer.headers["connection"] == "close"


def test_a_form_sent_without_a_length_is_refused_once_it_passes_the_limit(browser: TestClient) -> None:
    token = _signed_in(browser)
    form = f"csrf={token}&lang=en&padding=".encode() + b"x" * DEFAULT_MAX_BODY_BYTES

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(form), 64 * 1024):
            yield form[start : start + 64 * 1024]

    answer = browser.post(
        "/ui/language", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["connection"] == "close"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/ui/cases?x=1", "/ui/cases?x=1"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_after_sign_in_only_a_path_of_this_site_is_followed(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_pages_forbid_framing_caching_and_other_hosts(browser: TestClient) -> None:
    answer = browser.get("/ui/signin")
    assert answer.headers["cache-control"] == "no-store"
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in re.sub(r'href="/[^"]*"', "", answer.text.split("<body>")[0])  # nothing from another host


def test_over_https_the_session_cookie_is_secure(browser: TestClient) -> None:
    secure = TestClient(browser.app, base_url="https://testserver", follow_redirects=False)
    page = secure.get("/ui/signin")
    answer = secure.post("/ui/signin", data={"csrf": _csrf(page.text), "username": "admin", "password": ADMIN_PASSWORD})
    cookie = answer.headers["set-cookie"]
    assert "yc_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    plain = browser.post(
        "/ui/signin",
        data={"csrf": _csrf(browser.get("/ui/signin").text), "username": "admin", "password": ADMIN_PASSWORD},
    )
    assert "Secure" not in plain.headers["set-cookie"]


def test_a_wrong_language_or_size_changes_nothing(browser: TestClient) -> None:
    token = _signed_in(browser)
    answer = browser.post("/ui/language", data={"csrf": token, "lang": "xx", "next": "/"})
    assert answer.status_code == 303 and "yc_lang" not in answer.headers.get("set-cookie", "")
    assert '<html lang="zh-CN"' in browser.get("/").text


def test_the_api_is_untouched_by_the_pages(browser: TestClient) -> None:
    assert browser.get("/cases").status_code == 401
    assert "/ui/signin" not in browser.get("/openapi.json").json()["paths"]


def test_an_unknown_page_is_a_page_not_json(browser: TestClient) -> None:
    _signed_in(browser)
    for path in ("/ui/no-such-page", "/ui/signout"):
        answer = browser.get(path)
        assert answer.status_code == 404
        assert "text/html" in answer.headers["content-type"]
        assert "找不到" in answer.text


def test_a_malformed_id_in_a_page_address_is_the_not_found_page(browser: TestClient) -> None:
    _signed_in(browser)
    answer = browser.get("/ui/cases/not-a-uuid")
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]

"""Signing in and out, language, text size, CSRF and idle expiry, in a real browser."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.world import World
from tests.e2e.server import running_server
from tests.e2e.story import ACCESS_ENV, ADMIN_PASSWORD


def test_the_sign_in_page_is_chinese_first_and_english_for_an_english_browser(new_page: Any, world: World) -> None:
    chinese = new_page(locale="zh-CN")
    chinese.goto("/")
    assert "/ui/signin" in chinese.url
    assert chinese.locator("h1").inner_text() == "登录"
    assert chinese.locator("html").get_attribute("lang") == "zh-CN"
    assert_accessible(chinese)
    english = new_page(locale="en-GB")
    english.goto("/ui/signin")
    assert english.locator("h1").inner_text() == "Sign in"
    assert english.locator("html").get_attribute("lang") == "en"


def test_a_lead_signs_in_and_finds_the_plan_waiting_on_the_work_list(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["lead"])
    assert page.locator("h1").inner_text() == "我的待办"
    task = page.locator(".task-plan_to_approve")
    assert task.count() == 1
    assert "李警官" not in task.inner_text()  # the submitter is named by username
    assert task.inner_text().count(world.usernames["officer"]) == 1
    assert "提交的帮扶计划等您审批" in task.inner_text()
    assert_accessible(page)


def test_the_language_switch_on_a_page_keeps_the_page_and_the_choice(new_page: Any, world: World) -> None:
    page = new_page(locale="zh-CN")
    sign_in(page, world.usernames["officer"])
    page.get_by_role("button", name="English").click()
    assert page.locator("h1").inner_text() == "My work list"
    page.goto("/")
    assert page.locator("h1").inner_text() == "My work list"  # the choice wins over the browser's language
    page.get_by_role("button", name="中文").click()
    assert page.locator("h1").inner_text() == "我的待办"


def test_larger_text_makes_the_body_text_larger(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["mentor"])
    before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("button", name="大字").click()
    after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert before >= 18 and after > before
    assert page.get_by_role("button", name="大字").get_attribute("aria-pressed") == "true"


def test_a_form_with_a_forged_csrf_token_is_refused_and_changes_nothing(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["officer"])
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(e => e.value = 'forged')")
    page.get_by_role("button", name="English").click()
    assert page.locator("h1").inner_text() == "表单已过期"
    page.goto("/")
    assert page.locator("h1").inner_text() == "我的待办"  # the language did not change


def test_a_form_posted_from_another_site_is_refused(new_page: Any, world: World, server: str) -> None:
    page = new_page()
    sign_in(page, world.usernames["officer"])
    answer = page.request.post(f"{server}/ui/signout", form={"csrf": "x"}, headers={"Origin": "http://evil.example"})
    assert answer.status == 403
    page.goto("/")
    assert page.locator("h1").inner_text() == "我的待办"  # still signed in


def test_signing_out_ends_the_session(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["coordinator"])
    cookie = next(c for c in page.context.cookies() if c["name"] == "yc_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="退出登录").click()
    assert "/ui/signin" in page.url
    assert page.get_by_role("status").inner_text() == "您已退出登录。"
    page.context.add_cookies([{**cookie}])  # the old token, put back, no longer signs anyone in
    page.goto("/")
    assert "/ui/signin" in page.url


def test_wrong_password_is_said_in_chinese_and_keeps_the_username(new_page: Any, world: World) -> None:
    page = new_page()
    page.goto("/")
    page.locator("#f-username").fill(world.usernames["auditor"])
    page.locator("#f-password").fill("not the password")
    page.locator("main form button[type=submit]").click()
    assert "用户名或密码不正确" in page.get_by_role("alert").inner_text()
    assert page.locator("#f-username").input_value() == world.usernames["auditor"]
    assert_accessible(page)


def test_a_session_left_idle_ends_with_a_clear_message(new_page: Any, tmp_path: Path) -> None:
    env = {
        **ACCESS_ENV,
        "YOUTHCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'idle.db'}",
        "YOUTHCARE_SESSION_IDLE_MINUTES": "0.05",
    }
    with running_server(env, tmp_path / "server.log") as base_url:
        page = new_page()
        page.goto(f"{base_url}/")
        page.locator("#f-username").fill("admin")
        page.locator("#f-password").fill(ADMIN_PASSWORD)
        page.locator("main form button[type=submit]").click()
        assert page.locator("h1").inner_text() == "我的待办"
        time.sleep(3.5)
        page.goto(f"{base_url}/")
        assert "/ui/signin" in page.url
        assert "自动退出" in page.get_by_role("status").inner_text()
        assert not [c for c in page.context.cookies() if c["name"] == "yc_session"]

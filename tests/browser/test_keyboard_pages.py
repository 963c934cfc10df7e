"""A mentor on a phone with JavaScript off and no mouse: everything is reachable by the keyboard,
focus can be seen, and the plain forms do the work."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.world import World, ok
from tests.e2e.story import PASSWORD

MOST_TABS = 60


def _tab_to(page: Any, matches: str) -> None:
    """Press Tab until the focused element matches the CSS selector `matches` (as a person tabs along)."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", matches):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"no visible focus on {matches}"
            return
    raise AssertionError(f"Tab never reached {matches}")


def test_a_mentor_logs_a_session_by_keyboard_alone_with_javascript_off(browser: Any, server: str, world: World) -> None:
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    pair_id = world.ids["pair"]
    before = len(ok(world.api("mentor").get(f"/pairs/{pair_id}"))["sessions"])

    page.goto("/")
    _tab_to(page, "#f-username")
    page.keyboard.type(world.usernames["mentor"])
    _tab_to(page, "#f-password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/")

    _tab_to(page, f"a[href='/ui/pairs/{pair_id}/session']")  # the session due, on the work list
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/ui/pairs/{pair_id}/session")
    _tab_to(page, "#f-duration_minutes")
    page.keyboard.type("40")
    _tab_to(page, "input[name=progress]")
    page.keyboard.press("Space")
    _tab_to(page, "#f-notes")
    page.keyboard.type("一起背了两首古诗。")
    _tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/ui/pairs/{pair_id}?*")
    assert page.locator(".flash").count() == 1
    sessions = ok(world.api("mentor").get(f"/pairs/{pair_id}"))["sessions"]
    assert len(sessions) == before + 1
    assert sessions[-1]["notes"] == "一起背了两首古诗。" and sessions[-1]["duration_minutes"] == 40
    context.close()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(browser: Any, server: str, world: World) -> None:
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=DESKTOP)
    page = context.new_page()
    page.goto("/ui/signin")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    context.close()

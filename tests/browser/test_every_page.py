"""Every page each role can reach by following links from the work list answers and passes the
accessibility check: axe-core's WCAG 2.2 AA rules, 18 px text, 44 px targets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import PHONE, sign_in
from tests.browser.world import PEOPLE, World
from tests.e2e.story import ADMIN_PASSWORD

MOST_PAGES = 60  # per role: enough to reach every kind of page the world holds
_LINKS = """() => [...document.querySelectorAll('a[href]')]
  .filter(a => !a.hasAttribute('download'))
  .map(a => a.getAttribute('href'))"""


_OWN_WORDS = """() => [...document.querySelectorAll(
    'label, button, th[scope=col], legend, nav a, .hint')]
  .map(e => e.textContent.trim())
  .filter(t => t && !t.includes('中文'))"""


def _followable(href: str) -> bool:
    parts = urlsplit(href)
    return (
        not parts.scheme
        and not parts.netloc
        and parts.path.startswith("/")
        and not parts.path.startswith("/static/")
        and not parts.path.endswith((".csv", "/export"))
        and "cursor=" not in parts.query  # later pages of a list look like its first
    )


def _visit_everything(page: Any) -> list[str]:
    seen: list[str] = []
    waiting = ["/"]
    while waiting and len(seen) < MOST_PAGES:
        href = waiting.pop(0)
        key = href.split("#")[0]
        if key in seen:
            continue
        seen.append(key)
        answer = page.goto(key)
        assert answer is not None and answer.status == 200, f"{key}: {answer.status if answer else 'no answer'}"
        assert_accessible(page)
        waiting += [h for h in page.evaluate(_LINKS) if _followable(h) and h.split("#")[0] not in seen]
    return seen


@pytest.mark.parametrize("role", [*PEOPLE, "admin"])
def test_every_page_a_role_reaches_answers_and_is_accessible(new_page: Any, world: World, role: str) -> None:
    page = new_page(viewport=PHONE) if role == "mentor" else new_page()
    if role == "admin":
        sign_in(page, "admin", ADMIN_PASSWORD)
    else:
        sign_in(page, world.usernames[role])
    seen = _visit_everything(page)
    assert "/" in seen


def test_every_page_reads_in_english_too(new_page: Any, world: World) -> None:
    page = new_page(locale="en-US")
    sign_in(page, world.usernames["officer"])
    for href in _visit_everything(page):
        page.goto(href)
        assert page.locator("html").get_attribute("lang") == "en"
        # the page's own words, not the records' data (names of people and places are Chinese)
        own_words = page.evaluate(_OWN_WORDS)
        chinese = [w for w in own_words if any("\u4e00" <= ch <= "\u9fff" for ch in w)]
        assert not chinese, f"{href}: {chinese[:5]}"

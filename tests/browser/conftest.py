"""Browser tests: a server started as `make run` starts it, driven by Debian's Chromium through Playwright.

Chromium is Debian's package (`/usr/bin/chromium`, or YOUTHCARE_CHROMIUM): Playwright's own browser
download cannot reach its host here. `.ci/run` installs it when missing and sets
YOUTHCARE_REQUIRE_BROWSER=1, so CI fails rather than skips without it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.world import World, make_world
from tests.e2e.server import running_server
from tests.e2e.story import ACCESS_ENV, PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("YOUTHCARE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium keeps trying hosts this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("YOUTHCARE_REQUIRE_BROWSER"):
        pytest.fail(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium`")
    pytest.skip(f"no Chromium at {CHROMIUM} (`apt-get install -y chromium`; CI requires it)")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-server")
    env = {
        **ACCESS_ENV,
        "YOUTHCARE_DATABASE_URL": f"sqlite:///{folder / 'youthcare.db'}",
        "YOUTHCARE_MASTER_KEY": "",
    }
    with running_server(env, folder / "server.log") as base_url:
        yield base_url


@pytest.fixture(scope="module")
def world(server: str) -> Iterator[World]:
    """A district of its own for each test module: what one module changes, another never sees."""
    made = make_world(server)
    yield made
    made.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Any, server: str) -> Iterator[Any]:
    """Make pages in fresh browser contexts (own cookies), Chinese unless told otherwise."""
    contexts = []

    def make(*, locale: str = "zh-CN", viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(base_url=server, locale=locale, viewport=viewport or DESKTOP)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in page, as a person would: by label, then the button."""
    page.goto("/")
    page.locator("#f-username").fill(username)
    page.locator("#f-password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/ui/signin" not in url)

"""Screenshots of the main pages at desktop and phone width, for the README: `make screenshots`.

Starts the service as `make run` does on a throwaway SQLite file, makes the browser tests' small
district, and photographs each role's main pages into docs/screenshots/.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, sign_in
from tests.browser.world import World, make_world
from tests.e2e.server import REPO, running_server
from tests.e2e.story import ACCESS_ENV, ADMIN_PASSWORD

OUT = REPO / "docs" / "screenshots"


def shots(world: World) -> list[tuple[str, str, str, bool]]:
    """(file name, role, page, phone too) for each screenshot."""
    case, pair, referral = world.ids["case"], world.ids["pair"], world.ids["referral"]
    return [
        ("work-list", "lead", "/", True),
        ("cases", "officer", "/ui/cases", False),
        ("case", "officer", f"/ui/cases/{case}", True),
        ("plan-approval", "lead", f"/ui/cases/{case}/plan", False),
        ("my-youths", "mentor", "/ui/pairs", True),
        ("log-session", "mentor", f"/ui/pairs/{pair}/session", True),
        ("referral", "department", f"/ui/referrals/{referral}", True),
        ("coordination", "coordinator", "/ui/coordination", True),
        ("history", "auditor", f"/ui/records/case/{case}/history", False),
        ("users", "admin", "/ui/admin/users", False),
    ]


def _page(browser: Any, base_url: str, viewport: dict[str, int], world: World, role: str) -> Any:
    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    sign_in(page, "admin", ADMIN_PASSWORD) if role == "admin" else sign_in(page, world.usernames[role])
    return page


def _photograph(page: Any, target: Path, tries: int = 3) -> None:
    """Chromium now and then cannot capture a page on a busy machine: try again before giving up."""
    for attempt in range(tries):
        try:
            page.screenshot(path=str(target))
            return
        except PlaywrightError:
            if attempt == tries - 1:
                raise


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        env = {**ACCESS_ENV, "YOUTHCARE_DATABASE_URL": f"sqlite:///{Path(folder) / 'shots.db'}"}
        with running_server(env, Path(folder) / "server.log") as base_url, sync_playwright() as playwright:
            world = make_world(base_url)
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for name, role, path, phone in shots(world):
                for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                    if width == "phone" and not phone:
                        continue
                    page = _page(browser, base_url, viewport, world, role)
                    answer = page.goto(path)
                    if answer is None or answer.status != 200:
                        print(f"{path}: {answer.status if answer else 'no answer'}", file=sys.stderr)
                        sys.exit(1)
                    target = OUT / f"{name}-{width}.png"
                    _photograph(page, target)
                    print(target.relative_to(REPO))
                    page.context.close()
            browser.close()
            world.close()


if __name__ == "__main__":
    main()

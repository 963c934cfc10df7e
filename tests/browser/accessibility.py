"""The accessibility check every page gets: axe-core's WCAG 2.2 A and AA rules, and the pages'
own promises to elderly readers: body text of at least 18 px and targets of at least 44 px."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()

# Controls a finger or an unsteady hand must hit: every button, field and navigation link.
TARGETS = "button, input:not([type=hidden]), select, textarea, summary, nav a, .card .title a, .actions a"

_SMALL_TARGETS = """
(selector) => [...document.querySelectorAll(selector)]
  .filter(e => e.offsetParent !== null)
  .map(e => { const r = e.getBoundingClientRect();
              const name = (e.textContent || '').trim().slice(0, 30);
              const tag = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + name;
              return {tag, width: r.width, height: r.height, type: e.type || ''}; })
  .filter(t => t.type === 'checkbox' || t.type === 'radio'
               ? (t.width < 24 || t.height < 24) : (t.height < 44 || t.width < 44))
"""


def _axe_violations(page: Any, tries: int = 3) -> list[dict[str, Any]]:
    """axe-core's findings on the page once it has loaded. A click on a link returns before the
    next page replaces this one; a check that ran into that replacement is run again on the new page."""
    for attempt in range(tries):
        page.wait_for_load_state("load")
        try:
            options = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
            found: list[dict[str, Any]] = _axe.run(page, options=options).response["violations"]
            return found
        except PlaywrightError:
            if attempt == tries - 1:
                raise
            page.wait_for_timeout(200)
    raise AssertionError("unreachable")


def assert_accessible(page: Any) -> None:
    """No axe violation of WCAG 2.2 AA on the page as it stands, large enough text and targets."""
    violations = _axe_violations(page)
    assert not violations, f"{page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}" for v in violations
    )
    body_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_px >= 18, f"{page.url}: body text is {body_px}px"
    small = page.evaluate(_SMALL_TARGETS, TARGETS)
    assert not small, f"{page.url}: targets under 44px: {small[:5]}"

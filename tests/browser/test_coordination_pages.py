"""The coordinator's pages in a real browser: the coordination views as charts with their figures,
and the period report with its CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import PHONE, sign_in
from tests.browser.world import World, ok

pytestmark = pytest.mark.browser
NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module", autouse=True)
def assessed(world: World) -> None:
    """The world's case assessed high risk, with two interventions, so the charts have bars."""
    officer = world.api("officer")
    case_id = world.ids["case"]
    assessment = {"instrument": "初筛量表", "score": 30, "level": "high", "notes": "多次逃学"}
    ok(officer.post(f"/cases/{case_id}/risk-assessments", json=assessment))
    for kind in ("home_visit", "counselling"):
        done = {"kind": kind, "occurred_at": NOW.isoformat(), "duration_minutes": 45, "performed_by": "李警官"}
        ok(officer.post(f"/cases/{case_id}/interventions", json=done))


def _rows(page: Any, table: str) -> dict[str, list[str]]:
    """A table's rows by their heading cell: the figures a reader sees."""
    found = {}
    for row in page.locator(f"{table} tbody tr").all():
        cells = [cell.inner_text().strip() for cell in row.locator("th, td").all()]
        found[cells[0]] = cells[1:]
    return found


def test_the_coordinator_sees_each_view_as_a_chart_with_the_apis_figures(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["coordinator"])
    page.get_by_role("link", name="协调总览").click()
    assert page.locator("h1").inner_text() == "协调总览"
    for title in ("各站在办个案（按风险等级）", "各部门转介及逾期情况", "帮扶人负担"):
        chart = page.get_by_role("img", name=title)
        assert chart.count() == 1 and chart.evaluate("e => e.tagName") == "svg"
        assert chart.locator("title").text_content() == title
    assert page.locator("svg[role=img] desc").count() >= 4
    assert page.locator("script[src*=chart], canvas").count() == 0

    coordinator = world.api("coordinator")
    stations = ok(coordinator.get("/coordination/stations"))["stations"]
    risk = _rows(page, "#table-risk")
    for station in stations:
        by_risk = station["open_cases_by_risk"]
        expected = [by_risk["high"], by_risk["medium"], by_risk["low"], by_risk["unassessed"], station["open_cases"]]
        assert risk[station["station"]["name"]] == [str(n) for n in expected]
    ours = next(s for s in stations if s["station"]["id"] == world.ids["station"])
    assert ours["open_cases_by_risk"]["high"] == 1  # the world's case, now assessed

    monthly = page.get_by_role("img", name=f"{ours['station']['name']}：每月干预（按类型）")
    assert monthly.count() == 1
    month = NOW.strftime("%Y-%m")
    table = page.locator("table.table-monthly", has=page.locator("caption", has_text=ours["station"]["name"]))
    assert table.locator("thead").inner_text().count("家访") == 1
    assert _rows(page, "table.table-monthly")[month] == ["1", "1"]  # counselling, home visit

    departments = ok(coordinator.get("/coordination/departments"))["departments"]
    shown = _rows(page, "#table-departments")
    for department in departments:
        counts = department["referrals"]
        row = shown[department["department"]["name"]]
        assert row[:6] == [str(counts[s]) for s in ("pending", "accepted", "declined", "completed", "withdrawn")] + [
            str(department["overdue"])
        ]
    mentors = ok(coordinator.get("/coordination/mentors"))["volunteers"]
    load = _rows(page, "#table-mentors")
    for mentor in mentors:
        assert load[mentor["volunteer"]["display_name"]][:2] == [
            str(mentor["active_pairs"]),
            str(mentor["sessions_last_30_days"]),
        ]
    assert_accessible(page)


def test_the_charts_read_at_phone_width(new_page: Any, world: World) -> None:
    page = new_page(viewport=PHONE)
    sign_in(page, world.usernames["coordinator"])
    page.goto("/ui/coordination")
    chart = page.get_by_role("img", name="各站在办个案（按风险等级）")
    box = chart.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    size = chart.locator("text").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 18
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)


def test_the_coordinator_opens_this_years_report_and_downloads_its_csv(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["coordinator"])
    page.get_by_role("link", name="统计报表").click()
    year = str(date.today().year)
    assert page.get_by_label("时段").input_value() == year
    whole_year = {"from": f"{year}-01-01", "to": f"{year}-12-31"}
    report = ok(world.api("coordinator").get("/reports/summary", params=whole_year))
    district = _rows(page, "#table-district")
    assert district["新开个案"] == [str(report["district"]["cases_opened"])]
    assert district["干预次数"] == [str(report["district"]["interventions"])]
    kinds = report["district"]["interventions_by_kind"]
    assert _rows(page, "#table-kinds")["家访"] == [str(kinds["home_visit"])]  # other modules log some too
    assert world.ids["department"] not in page.content()
    assert_accessible(page)

    with page.expect_download() as waiting:
        page.get_by_role("link", name="下载 CSV 表格").click()
    download = waiting.value
    assert download.suggested_filename == f"youthcare-report-{year}-01-01-{year}-12-31.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["from", "to", "scope", "station_id", "station_name", "figure", "item", "item_id", "value"]
    api_csv = world.api("coordinator").get("/reports/summary", params=whole_year, headers={"Accept": "text/csv"})
    assert Path(download.path()).read_bytes() == api_csv.content  # the API's own CSV, byte for byte


def test_a_half_year_is_asked_of_the_api_by_name(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["coordinator"])
    page.goto("/ui/report")
    page.get_by_label("时段").fill(f"{date.today().year}H1")
    page.get_by_role("button", name="查看报告").click()
    assert page.locator("h2").first.inner_text() == f"{date.today().year}年1月1日 至 {date.today().year}年6月30日"


def test_a_bad_period_is_said_in_chinese_on_its_field(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["coordinator"])
    page.goto("/ui/report")
    page.get_by_label("时段").fill("2026Q5")
    page.get_by_role("button", name="查看报告").click()
    assert "时段格式不对" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("时段").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("时段").input_value() == "2026Q5"
    assert page.get_by_role("link", name="下载 CSV 表格").count() == 0
    assert_accessible(page)

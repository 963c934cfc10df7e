"""The auditor's pages in a real browser: a case's history with its changes marked, the case as it
stood before its plan, the read log, the log's verification and the case file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.world import World, ok

pytestmark = pytest.mark.browser
TROUBLE = {403: "无权进行此操作", 404: "找不到该记录"}


def test_the_auditor_reads_the_cases_history_with_each_change_marked(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["auditor"])
    page.get_by_role("link", name="审计", exact=True).click()
    assert page.locator("h1").inner_text() == "审计"
    assert "校验通过" in page.locator("#verification-status").inner_text()
    assert_accessible(page)

    page.get_by_label("记录类型").select_option("case")
    page.get_by_label("记录编号").fill(world.ids["case"])
    page.get_by_role("button", name="查看历史").click()
    assert page.locator("h1").inner_text() == "个案的历史"
    history = ok(world.api("auditor").get(f"/cases/{world.ids['case']}/history"))
    events = page.locator("li.event")
    assert events.count() == len(history["events"])
    submitted = page.locator("#v2")
    assert "提交帮扶计划" in submitted.locator("h2").inner_text()
    plan = submitted.locator("tr.changed", has_text="pending_plan")
    assert plan.count() == 1
    assert "已改动" in plan.inner_text() and "回到课堂" in plan.locator("td").nth(1).inner_text()
    assert plan.locator("td").first.inner_text() == "—"  # nothing before
    headings = submitted.locator("thead th").all_inner_texts()
    assert headings == ["字段", "改动之前", "改动之后"]  # said in words, not by colour alone
    assert world.usernames["officer"] in submitted.inner_text() and "工作站民警" in submitted.inner_text()
    assert_accessible(page)


def test_the_auditor_sees_the_case_as_it_stood_before_its_plan(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["auditor"])
    page.goto(f"/ui/records/case/{world.ids['case']}/history")
    page.get_by_role("link", name="查看第 1 版时的记录").click()
    state = page.locator("#record-state")
    assert "张小明" in state.inner_text()
    assert "回到课堂" not in state.inner_text()  # the plan was submitted at version 2
    assert "第 1 版" in page.locator("h2").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="查看全部历史").click()
    page.get_by_role("link", name="查看第 2 版时的记录").click()
    assert "回到课堂" in page.locator("#record-state").inner_text()

    page.get_by_label("或者版本号").fill("")
    page.get_by_label("时刻").fill("2020-01-01T08:00:00")
    page.get_by_role("button", name="查看", exact=True).click()
    assert "还不存在" in page.locator("#not-yet").inner_text()
    assert page.locator("#record-state").count() == 0
    assert_accessible(page)


def test_a_moment_and_a_version_together_are_refused_on_the_page(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["auditor"])
    page.goto(f"/ui/records/case/{world.ids['case']}/at?at=2030-01-01T08:00&version=1")
    assert "请只选择版本或时间点之一" in page.get_by_role("alert").inner_text()
    assert_accessible(page)


def test_the_auditor_finds_their_own_reads_in_the_access_log(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["auditor"])
    page.goto(f"/ui/records/case/{world.ids['case']}/history")
    page.goto("/ui/audit")
    page.get_by_role("link", name="查阅日志").click()
    page.get_by_label("用户名").fill(world.usernames["auditor"])
    page.get_by_label("记录编号").fill(world.ids["case"])
    page.get_by_role("button", name="筛选").click()
    reads = page.locator("#reads tbody tr")
    assert reads.count() >= 1
    texts = reads.all_inner_texts()
    assert all(world.usernames["auditor"] in text for text in texts)
    assert any(f"GET /ui/records/case/{world.ids['case']}/history" in text for text in texts)
    assert_accessible(page)

    page.get_by_label("起始日期").fill("2000-01-01")
    page.get_by_label("截止日期").fill("2000-01-31")
    page.get_by_role("button", name="筛选").click()
    assert page.locator("#reads").count() == 0
    assert page.get_by_text("没有符合条件的查阅记录。").is_visible()


def test_the_audit_trail_lists_the_cases_events(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["auditor"])
    page.goto(f"/ui/audit/trail?record_id={world.ids['case']}")
    rows = page.locator("#trail tbody tr")
    assert rows.count() == len(ok(world.api("auditor").get(f"/cases/{world.ids['case']}/history"))["events"])
    assert_accessible(page)


def test_the_auditor_downloads_the_case_file_from_its_history(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["auditor"])
    page.goto(f"/ui/records/case/{world.ids['case']}/history")
    with page.expect_download() as waiting:
        page.get_by_role("link", name="下载个案档案").click()
    download = waiting.value
    assert download.suggested_filename == f"case-{world.ids['case']}.json"
    case_file = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    records = case_file["content"]["records"]
    assert case_file["content"]["case_id"] == world.ids["case"]
    assert all(record["events"] for record in records)


@pytest.mark.parametrize(
    ("role", "page_path", "api_path"),
    [
        ("coordinator", "/ui/audit", "/audit/verification"),
        ("coordinator", "/ui/audit/access-log", "/audit/access-log"),
        ("coordinator", "/ui/cases/{case}/export", "/cases/{case}/export"),
        ("auditor", "/ui/coordination", "/coordination/stations"),
        ("auditor", "/ui/report", "/reports/summary?period=2026H1"),
        ("department", "/ui/audit/trail", "/audit-trail"),
    ],
)
def test_each_page_lets_in_whom_the_front_door_lets_in(
    new_page: Any, world: World, role: str, page_path: str, api_path: str
) -> None:
    page = new_page()
    sign_in(page, world.usernames[role])
    answered = world.api(role).get(api_path.format(case=world.ids["case"])).status_code
    shown = page.goto(page_path.format(case=world.ids["case"]))
    assert shown is not None
    if answered == 200:
        assert shown.status == 200
        assert page.locator("h1").inner_text() not in TROUBLE.values()
    else:
        assert shown.status == answered
        assert page.locator("h1").inner_text() == TROUBLE[answered]
    assert_accessible(page)

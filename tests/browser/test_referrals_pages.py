"""Referral pages in a real browser, in Chinese: the department answers the referral waiting for it,
notes progress and completes it; station staff make a referral (a missing consent said plainly,
nothing typed lost) and withdraw it."""

from __future__ import annotations

import time
from typing import Any

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.world import World, ok


def _listed(world: World, role: str, referral_id: str, status: str) -> None:
    """Wait until the lists (read from a view, a moment behind) show the referral in `status`."""
    for _ in range(50):
        found = ok(world.api(role).get("/referrals", params={"status": status}))["items"]
        if any(item["id"] == referral_id for item in found):
            return
        time.sleep(0.1)
    raise AssertionError(f"the referral list never showed {referral_id} as {status}")


def test_the_department_finds_the_referral_waiting_accepts_notes_and_completes_it(new_page: Any, world: World) -> None:
    referral_id = world.ids["referral"]
    _listed(world, "department", referral_id, "pending")
    page = new_page()
    sign_in(page, world.usernames["department"])
    page.get_by_role("link", name="转给我们的转介").click()
    assert page.locator("h1").inner_text() == "转给我们的转介"
    waiting = page.get_by_role("list").filter(has_text="复学辅导").first
    assert "待答复" in waiting.inner_text()
    assert "待答复（1 件）" in page.locator("#waiting").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="复学辅导").click()
    assert page.locator("h1").inner_text() == "转介：复学辅导"
    facts = page.locator("dl.facts").inner_text()
    assert "张小明" in facts and "逃学" in facts
    assert page.get_by_role("button", name="撤回转介").count() == 0  # the station's to withdraw, not ours
    assert page.get_by_role("button", name="办结").count() == 0  # not before it is accepted
    assert_accessible(page)

    page.get_by_role("button", name="接收转介").click()
    assert page.get_by_role("status").inner_text() == "已接收转介。"
    assert "已接收" in page.locator("dl.facts").inner_text()
    assert page.get_by_role("button", name="拒绝转介").count() == 0

    page.get_by_label("说明").fill("   ")  # blank: the browser lets it through, the service does not
    page.get_by_role("button", name="保存进展记录").click()
    assert page.get_by_label("说明").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
    page.get_by_label("说明").fill("已安排班主任对接，本周家访一次。")
    page.get_by_role("button", name="保存进展记录").click()
    assert page.get_by_role("status").inner_text() == "进展记录已保存。"
    assert "已安排班主任对接" in page.locator("ol.notes").inner_text()

    page.get_by_label("结果").fill("已复学，每周回访一次。")
    page.get_by_role("button", name="办结").click()
    assert page.get_by_role("status").inner_text() == "转介已办结。"
    assert "已复学，每周回访一次。" in page.locator("dl.facts").inner_text()
    assert page.get_by_role("button").filter(has_text="转介").count() == 0  # nothing left to do
    assert_accessible(page)

    referral = ok(world.api("department").get(f"/referrals/{referral_id}"))
    assert referral["status"] == "completed"
    assert referral["notes"] == ["已安排班主任对接，本周家访一次。"]
    assert referral["outcome"] == "已复学，每周回访一次。"


def test_an_officer_makes_a_referral_told_plainly_when_consent_is_missing_then_withdraws_it(
    new_page: Any, world: World
) -> None:
    name = f"区民政局{world.ids['station'][:8]}"
    civil = ok(world.api("admin").post("/departments", json={"name": name, "kind": "civil_affairs"}))
    page = new_page()
    sign_in(page, world.usernames["officer"])
    page.goto(f"/ui/referrals/new?case_id={world.ids['case']}")
    assert page.locator("h1").inner_text() == "新建转介"
    assert_accessible(page)
    page.get_by_label("转介给").select_option(label=civil["name"])
    page.get_by_label("所需服务").fill("临时生活救助")
    page.get_by_label("理由").fill("父亲外出务工，家中断粮。")
    page.get_by_role("button", name="发出转介").click()

    assert "需要监护人同意" in page.get_by_role("alert").inner_text()  # no consent covers civil affairs
    assert "没有覆盖这个部门的监护人同意" in page.locator(".notice").inner_text()
    assert page.get_by_label("所需服务").input_value() == "临时生活救助"
    assert page.get_by_label("理由").input_value() == "父亲外出务工，家中断粮。"
    assert_accessible(page)

    education = ok(world.api("admin").get(f"/departments/{world.ids['department']}"))
    page.get_by_label("转介给").select_option(label=education["name"])
    page.get_by_label("所需服务").fill("心理辅导")
    page.get_by_role("button", name="发出转介").click()
    assert page.get_by_role("status").inner_text() == "转介已发出。"
    assert page.locator("h1").inner_text() == "转介：心理辅导"
    referral_id = page.url.split("/ui/referrals/")[1].split("?")[0]
    assert page.get_by_role("button", name="接收转介").count() == 0  # the department's to answer
    assert_accessible(page)

    page.get_by_label("撤回理由").fill("家长已自行联系学校心理老师。")
    page.once("dialog", lambda dialog: dialog.accept())  # "withdraw this referral?"
    page.get_by_role("button", name="撤回转介").click()
    assert page.get_by_role("status").inner_text() == "转介已撤回。"
    assert "家长已自行联系学校心理老师。" in page.locator("dl.facts").inner_text()
    withdrawn = ok(world.api("officer").get(f"/referrals/{referral_id}"))
    assert withdrawn["status"] == "withdrawn"

    _listed(world, "officer", referral_id, "withdrawn")
    page.goto("/ui/referrals")
    assert page.locator("h1").inner_text() == "转介"
    assert_accessible(page)
    page.get_by_label("状态").select_option(label="已撤回")
    page.get_by_role("button", name="筛选").click()
    assert page.locator(".card", has_text="心理辅导").count() == 1
    assert page.locator(".card", has_text="复学辅导").count() == 0

"""Mentoring pages in a real browser, in Chinese: the mentor on a phone finds their youth, logs a
session in one screen and updates a goal; station staff match a volunteer with a case and pause
and resume the pair."""

from __future__ import annotations

from typing import Any

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import PHONE, sign_in
from tests.browser.world import World, ok


def _chinese_date(iso: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{year}年{month}月{day}日"


def test_the_mentor_finds_the_youth_logs_a_session_in_one_screen_and_updates_a_goal(
    new_page: Any, world: World
) -> None:
    pair_id = world.ids["pair"]
    page = new_page(viewport=PHONE)
    sign_in(page, world.usernames["mentor"])
    page.get_by_role("link", name="我帮扶的孩子").click()
    assert page.locator("h1").inner_text() == "我帮扶的孩子"
    card = page.locator(".card", has_text="张小明")
    assert "还没有帮教记录" in card.inner_text()
    assert "目标：已实现 0 个，共 1 个" in card.inner_text()
    assert_accessible(page)

    card.get_by_role("link", name="张小明").click()
    assert page.locator("h1").inner_text() == "张小明"
    assert_accessible(page)
    page.get_by_role("link", name="记录一次帮教").click()
    assert page.locator("h1").inner_text() == "记录帮教"
    held_on = page.get_by_label("帮教日期").input_value()
    assert held_on  # today, without typing
    assert page.get_by_label("面对面").is_checked()
    assert_accessible(page)

    page.get_by_label("时长（分钟）").fill("50")
    page.get_by_label("电话").check()
    page.get_by_label("4 分：进步明显").check()
    page.get_by_label("记录", exact=True).fill("一起读了《城南旧事》第一章，他说想接着读。")
    page.get_by_role("button", name="保存这次帮教").click()

    assert page.get_by_role("status").inner_text() == "帮教记录已保存。"
    assert page.locator("h1").inner_text() == "张小明"
    assert page.locator("#last-session").inner_text() == _chinese_date(held_on)
    assert "一起读了《城南旧事》第一章" in page.locator(".sessions").inner_text()
    assert_accessible(page)
    pair = ok(world.api("mentor").get(f"/pairs/{pair_id}"))
    logged = pair["sessions"][-1]
    assert (logged["held_on"], logged["duration_minutes"], logged["mode"], logged["progress"]) == (
        held_on,
        50,
        "phone",
        4,
    )

    page.get_by_role("link", name="我帮扶的孩子").click()
    assert _chinese_date(held_on) in page.locator(".card", has_text="张小明").inner_text()

    page.get_by_role("link", name="张小明").click()
    page.get_by_role("link", name="更新目标进展").click()
    assert_accessible(page)
    page.get_by_role("link", name="每月读一本书").click()
    page.get_by_label("进行中").check()
    page.get_by_label("说明").fill("这个月读完了半本。")
    assert_accessible(page)
    page.get_by_role("button", name="保存目标进展").click()
    assert page.get_by_role("status").inner_text() == "目标进展已保存。"
    assert "进行中" in page.locator("ul.goals").inner_text()
    assert "这个月读完了半本。" in page.locator("ul.goals").inner_text()
    goals = ok(world.api("mentor").get(f"/pairs/{pair_id}"))["goals"]
    assert goals == [{"goal": "每月读一本书", "status": "in_progress"}]


def test_a_session_of_no_minutes_is_refused_on_its_field_and_keeps_the_notes(new_page: Any, world: World) -> None:
    pair_id = world.ids["pair"]
    before = len(ok(world.api("mentor").get(f"/pairs/{pair_id}"))["sessions"])
    page = new_page(viewport=PHONE)
    sign_in(page, world.usernames["mentor"])
    page.goto(f"/ui/pairs/{pair_id}/session")
    page.get_by_label("时长（分钟）").fill("0")
    page.get_by_label("3 分：有一点进步").check()
    notes = "孩子今天情绪低落，陪他在操场走了几圈。"
    page.get_by_label("记录", exact=True).fill(notes)
    page.get_by_role("button", name="保存这次帮教").click()

    assert "时长（分钟）" in page.get_by_role("alert").inner_text()
    duration = page.get_by_label("时长（分钟）")
    assert duration.get_attribute("aria-invalid") == "true"
    assert "太小了" in page.locator("#e-duration_minutes").inner_text()
    assert page.get_by_label("记录", exact=True).input_value() == notes
    assert page.get_by_label("3 分：有一点进步").is_checked()
    assert_accessible(page)
    assert len(ok(world.api("mentor").get(f"/pairs/{pair_id}"))["sessions"]) == before


def test_a_station_officer_matches_a_volunteer_with_a_case_then_pauses_and_resumes_the_pair(
    new_page: Any, world: World
) -> None:
    admin, officer = world.api("admin"), world.api("officer")
    teacher = {"full_name": "钱淑芬", "kind": "retired_teacher", "skills": ["语文"]}
    volunteer = ok(admin.post("/volunteers", json=teacher))
    ok(admin.post(f"/volunteers/{volunteer['id']}/screening", json={"passed": True, "notes": "面谈通过"}))
    case = ok(
        officer.post(
            "/cases",
            json={
                "station_id": world.ids["station"],
                "youth": {"full_name": "刘小雨", "date_of_birth": "2012-03-09", "gender": "female"},
                "category": "family_crisis",
                "source": "police_incident",
                "summary": "父母离异，放学后无人照看。",
            },
        )
    )

    page = new_page()
    sign_in(page, world.usernames["officer"])
    page.goto(f"/ui/pairs/new?case_id={case['id']}")
    assert page.locator("h1").inner_text() == "匹配帮教志愿者"
    assert "刘小雨" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_label("志愿者").select_option(label="钱淑芬")
    page.get_by_label("目标").fill("每周练一次字\n按时完成作业")
    page.get_by_role("button", name="确认结对").click()

    assert page.get_by_role("status").inner_text() == "结对已建立。"
    assert page.locator("h1").inner_text() == "刘小雨"
    assert "钱淑芬" in page.locator("dl.facts").inner_text()
    assert "每周练一次字" in page.locator("ul.goals").inner_text()
    assert_accessible(page)
    pair_id = page.url.split("/ui/pairs/")[1].split("?")[0]
    matched = ok(officer.get(f"/pairs/{pair_id}"))
    assert (matched["case_id"], matched["volunteer_id"]) == (case["id"], volunteer["id"])
    assert [goal["goal"] for goal in matched["goals"]] == ["每周练一次字", "按时完成作业"]

    page.get_by_role("button", name="暂停结对").click()  # no reason given
    assert page.get_by_label("理由").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
    page.get_by_label("理由").fill("孩子随母亲回老家一个月。")
    page.get_by_role("button", name="暂停结对").click()
    assert page.get_by_role("status").inner_text() == "结对已暂停。"
    assert "孩子随母亲回老家一个月。" in page.locator("dl.facts").inner_text()
    assert ok(officer.get(f"/pairs/{pair_id}"))["status"] == "paused"
    page.get_by_role("button", name="恢复结对").click()
    assert page.get_by_role("status").inner_text() == "结对已恢复。"
    assert ok(officer.get(f"/pairs/{pair_id}"))["status"] == "active"

    # The lists are read from a view a moment behind: a later write's position says when it has caught up.
    session = {"held_on": matched["started_on"], "duration_minutes": 30, "mode": "phone", "progress": 3}
    position = ok(officer.post(f"/pairs/{pair_id}/sessions", json=session))["position"]
    ok(officer.get("/pairs", params={"consistent_with": position}))
    page.goto("/ui/pairs?status=active")
    assert page.locator(".card", has_text="钱淑芬").count() == 1
    assert_accessible(page)
    page.get_by_label("状态").select_option(label="暂停")
    page.get_by_role("button", name="筛选").click()
    assert page.locator(".card", has_text="钱淑芬").count() == 0

"""Plans and closures approved or returned by the station's lead, and a case transferred to another
station, in a real browser, in Chinese."""

from __future__ import annotations

import time
from typing import Any

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.world import World, ok


def _new_case(world: World, name: str) -> str:
    """A case of the world's station of its own, so what one test does leaves the others alone."""
    body = {
        "station_id": world.ids["station"],
        "youth": {"full_name": name, "date_of_birth": "2010-09-01", "gender": "female"},
        "category": "family_crisis",
        "source": "police_incident",
        "summary": "父母离异后无人照看。",
    }
    case_id: str = ok(world.api("officer").post("/cases", json=body))["id"]
    return case_id


def _case(world: World, case_id: str, role: str = "officer") -> dict[str, Any]:
    return ok(world.api(role).get(f"/cases/{case_id}"))


TASK_PAGES = {"plan_to_approve": "plan", "closure_to_approve": "closure", "transfer_to_answer": "transfer"}


def _task_link(page: Any, kind: str, case_id: str, *, present: bool = True) -> Any:
    """The work list's link to this case's task of `kind`, once the work list shows it (or no longer does)."""
    link = page.locator(f".task-{kind} a[href='/ui/cases/{case_id}/{TASK_PAGES[kind]}']")
    for _ in range(40):
        page.goto("/")
        if (link.count() == 1) is present:
            return link
        time.sleep(0.25)
    raise AssertionError(f"the work list {'lacks' if present else 'still shows'} the {kind} task of {case_id}")


def _flash(page: Any) -> str:
    text: str = page.locator(".flash").inner_text()
    return text


def test_the_lead_finds_the_waiting_plan_on_the_work_list_and_approves_it(new_page: Any, world: World) -> None:
    case_id = world.ids["case"]
    page = new_page()
    sign_in(page, world.usernames["lead"])
    link = _task_link(page, "plan_to_approve", case_id)
    link.click()  # the task opens the plan waiting for approval
    assert page.url.endswith(f"/ui/cases/{case_id}/plan")
    assert page.locator("h1").inner_text() == "帮扶计划"
    waiting = page.locator("section", has=page.get_by_role("heading", name="待审批的计划"))
    assert "回到课堂" in waiting.inner_text() and world.usernames["officer"] in waiting.inner_text()
    assert_accessible(page)

    # The world's officer recorded a consent after submitting: the lead may not approve what they did not read.
    page.get_by_label("说明").fill("同意，三个月后复核。")
    page.get_by_role("button", name="批准计划").click()
    assert "提交之后个案又有改动，请重新提交后再审批。" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("说明").input_value() == "同意，三个月后复核。"
    assert _case(world, case_id)["plan_goals"] == []
    assert_accessible(page)

    officer = new_page()
    sign_in(officer, world.usernames["officer"])
    officer.goto(f"/ui/cases/{case_id}/plan")
    assert officer.get_by_role("button", name="批准计划").count() == 0  # only the lead decides
    # the form starts from the plan waiting: sending it again puts it to the lead as the case stands now
    assert officer.get_by_role("group", name="第 1 个目标").get_by_label("目标").input_value() == "回到课堂"
    officer.get_by_role("button", name="提交审批").click()
    assert "帮扶计划已提交" in _flash(officer)

    _task_link(page, "plan_to_approve", case_id).click()
    page.get_by_label("说明").fill("同意，三个月后复核。")
    page.get_by_role("button", name="批准计划").click()
    assert page.url.endswith(f"/ui/cases/{case_id}/plan?done=decisions.plan_approve")
    assert "帮扶计划已批准" in _flash(page)
    in_force = page.locator("section", has=page.get_by_role("heading", name="现行计划"))
    assert "回到课堂" in in_force.inner_text() and "每周与帮扶人联系" in in_force.inner_text()
    assert "同意，三个月后复核。" in in_force.inner_text()
    assert "没有等待审批的计划" in page.locator("main").inner_text()
    assert_accessible(page)
    case = _case(world, case_id)
    assert [goal["goal"] for goal in case["plan_goals"]] == ["回到课堂", "每周与帮扶人联系"]
    assert case["pending_plan"] is None
    _task_link(page, "plan_to_approve", case_id, present=False)

    officer.goto(f"/ui/cases/{case_id}/plan")
    assert_accessible(officer)
    review = officer.locator("form", has=officer.get_by_role("button", name="保存复核"))
    review.get_by_label("目标").select_option(label="回到课堂")
    review.get_by_label("状态").select_option(label="已实现")
    review.get_by_label("说明").fill("已连续四周全勤。")
    review.get_by_role("button", name="保存复核").click()
    assert "目标复核已保存" in _flash(officer)
    assert officer.get_by_role("row", name="回到课堂").get_by_role("cell", name="已实现").count() == 1
    assert _case(world, case_id)["plan_goals"][0]["status"] == "achieved"


def test_a_returned_plan_shows_the_leads_note_to_the_officer(new_page: Any, world: World) -> None:
    case_id = _new_case(world, "刘小红")
    officer = new_page()
    sign_in(officer, world.usernames["officer"])
    officer.goto(f"/ui/cases/{case_id}/plan")
    assert "还没有经过审批的帮扶计划" in officer.locator("main").inner_text()
    assert_accessible(officer)
    officer.get_by_role("group", name="第 1 个目标").get_by_label("目标").fill("每天按时到校")
    second = officer.get_by_role("group", name="第 2 个目标")
    second.get_by_label("目标").fill("每周家访一次")
    second.get_by_label("复核日期").fill("2030-03-01")
    officer.get_by_role("button", name="提交审批").click()
    assert "帮扶计划已提交" in _flash(officer)
    assert "正在等待本站负责人审批" in officer.locator("main").inner_text()
    pending = _case(world, case_id)["pending_plan"]
    assert [(g["text"], g["review_on"]) for g in pending["goals"]] == [
        ("每天按时到校", None),
        ("每周家访一次", "2030-03-01"),
    ]

    lead = new_page()
    sign_in(lead, world.usernames["lead"])
    lead.goto(f"/ui/cases/{case_id}/plan")
    lead.get_by_role("button", name="退回计划").click()  # without the note a return needs
    assert "说明" in lead.get_by_role("alert").inner_text()
    assert lead.get_by_label("说明").get_attribute("aria-invalid") == "true"
    assert_accessible(lead)
    lead.get_by_label("说明").fill("请为第一个目标也定一个复核日期。")
    lead.get_by_role("button", name="退回计划").click()
    assert "帮扶计划已退回" in _flash(lead)

    officer.goto(f"/ui/cases/{case_id}/plan")
    said = officer.locator(".last-decision").inner_text()
    assert "退回了帮扶计划" in said and "请为第一个目标也定一个复核日期。" in said
    assert _case(world, case_id)["pending_plan"] is None
    # the form starts again from the plan returned, to be put right and sent again
    first = officer.get_by_role("group", name="第 1 个目标")
    assert first.get_by_label("目标").input_value() == "每天按时到校"
    first.get_by_label("复核日期").fill("2030-02-01")
    officer.get_by_role("button", name="提交审批").click()
    assert "帮扶计划已提交" in _flash(officer)
    goals = _case(world, case_id)["pending_plan"]["goals"]
    assert [(g["text"], g["review_on"]) for g in goals] == [
        ("每天按时到校", "2030-02-01"),
        ("每周家访一次", "2030-03-01"),
    ]


def test_a_plan_changed_meanwhile_shows_what_changed_and_keeps_the_typed_goals(new_page: Any, world: World) -> None:
    case_id = _new_case(world, "周小军")
    officer = new_page()
    sign_in(officer, world.usernames["officer"])
    officer.goto(f"/ui/cases/{case_id}/plan")
    officer.get_by_role("group", name="第 1 个目标").get_by_label("目标").fill("戒掉网吧")
    officer.get_by_role("group", name="第 2 个目标").get_by_label("目标").fill("和父亲每周谈一次")
    # meanwhile the lead assigns the case
    ok(world.api("lead").put(f"/cases/{case_id}/assignment", json={"case_worker_id": world.usernames["officer"]}))
    officer.get_by_role("button", name="提交审批").click()

    conflict = officer.locator(".conflict")
    assert "承办人" in conflict.inner_text() and world.usernames["officer"] in conflict.inner_text()
    assert "已被他人修改" in officer.get_by_role("alert").inner_text()
    assert officer.get_by_role("group", name="第 1 个目标").get_by_label("目标").input_value() == "戒掉网吧"
    assert officer.get_by_role("group", name="第 2 个目标").get_by_label("目标").input_value() == "和父亲每周谈一次"
    assert _case(world, case_id)["pending_plan"] is None
    assert_accessible(officer)

    officer.get_by_role("button", name="提交审批").click()  # seen the change: send it again
    assert "帮扶计划已提交" in _flash(officer)
    assert [g["text"] for g in _case(world, case_id)["pending_plan"]["goals"]] == ["戒掉网吧", "和父亲每周谈一次"]


def test_the_receiving_lead_accepts_a_transfer_from_the_work_list(new_page: Any, world: World) -> None:
    case_id = _new_case(world, "吴小东")
    receiving = ok(world.api("admin").get(f"/stations/{world.ids['receiving']}"))["name"]
    officer = new_page()
    sign_in(officer, world.usernames["officer"])
    officer.goto(f"/ui/cases/{case_id}/transfer")
    assert_accessible(officer)
    officer.get_by_label("移交给").select_option(label=receiving)
    officer.get_by_label("理由").fill("   ")  # blank to the server, though not to the browser
    officer.get_by_role("button", name="提交移交申请").click()
    assert "理由" in officer.get_by_role("alert").inner_text()
    assert officer.get_by_label("理由").get_attribute("aria-invalid") == "true"
    assert officer.get_by_label("移交给").input_value() == world.ids["receiving"]  # the choice is kept
    assert_accessible(officer)

    officer.get_by_label("理由").fill("家庭搬到北关。")
    officer.get_by_role("button", name="提交移交申请").click()
    assert "移交申请已发出" in _flash(officer)
    assert receiving in officer.locator("main").inner_text()
    officer.get_by_role("button", name="撤回移交申请").click()  # had second thoughts
    assert "移交申请已撤回" in _flash(officer)
    assert _case(world, case_id)["pending_transfer"] is None
    officer.get_by_label("移交给").select_option(label=receiving)
    officer.get_by_label("理由").fill("家庭已搬到北关，孩子转学到北关小学。")
    officer.get_by_role("button", name="提交移交申请").click()
    assert "移交申请已发出" in _flash(officer)
    assert officer.get_by_role("button", name="接收个案").count() == 0  # the receiver answers, not the sender

    receiver = new_page()
    sign_in(receiver, world.usernames["receiver"])
    link = _task_link(receiver, "transfer_to_answer", case_id)
    link.click()
    assert receiver.url.endswith(f"/ui/cases/{case_id}/transfer")
    assert "孩子转学到北关小学" in receiver.locator("main").inner_text()
    assert receiver.get_by_role("button", name="撤回移交申请").count() == 0
    assert_accessible(receiver)
    receiver.get_by_role("button", name="接收个案").click()
    assert receiver.url.endswith(f"/ui/cases/{case_id}?done=decisions.transfer_accept")

    case = _case(world, case_id, "receiver")
    assert case["station_id"] == world.ids["receiving"] and case["pending_transfer"] is None
    assert world.api("officer").get(f"/cases/{case_id}").status_code == 404  # the old station no longer finds it


def test_a_closure_is_submitted_and_approved_and_a_stale_one_is_refused_in_chinese(new_page: Any, world: World) -> None:
    case_id = _new_case(world, "郑小兰")
    officer = new_page()
    sign_in(officer, world.usernames["officer"])
    officer.goto(f"/ui/cases/{case_id}/closure")
    assert_accessible(officer)
    officer.get_by_label("结果").fill("  ")  # blank to the server, though not to the browser
    officer.get_by_label("记录").fill("监护人已到位。")
    officer.get_by_role("button", name="提交结案申请").click()
    assert officer.get_by_label("结果").get_attribute("aria-invalid") == "true"
    assert officer.get_by_label("记录").input_value() == "监护人已到位。"
    assert_accessible(officer)
    officer.get_by_label("结果").fill("已由祖母照看，恢复正常上学。")
    officer.get_by_role("button", name="提交结案申请").click()
    assert "结案申请已提交" in _flash(officer)

    # the officer records something more after submitting: the lead may not approve what they did not read
    consent = {"scope": "education", "granted": True, "given_by": "祖母", "giver": "guardian"}
    ok(world.api("officer").post(f"/cases/{case_id}/consents", json=consent))
    lead = new_page()
    sign_in(lead, world.usernames["lead"])
    lead.goto(f"/ui/cases/{case_id}/closure")
    assert_accessible(lead)
    lead.get_by_role("button", name="批准结案").click()
    assert "提交之后个案又有改动" in lead.get_by_role("alert").inner_text()
    assert _case(world, case_id)["status"] == "open"

    officer.goto(f"/ui/cases/{case_id}/closure")
    officer.get_by_label("结果").fill("已由祖母照看，恢复正常上学。")
    officer.get_by_role("button", name="提交结案申请").click()
    lead.goto(f"/ui/cases/{case_id}/closure")
    lead.get_by_role("button", name="批准结案").click()
    assert "已批准结案" in _flash(lead)
    assert "个案已结案" in lead.locator("main").inner_text()
    assert_accessible(lead)
    case = _case(world, case_id)
    assert case["status"] == "closed" and case["outcome"] == "已由祖母照看，恢复正常上学。"


def test_a_lead_is_not_offered_to_approve_their_own_submission_and_others_find_no_such_page(
    new_page: Any, world: World
) -> None:
    case_id = _new_case(world, "钱小北")
    ok(world.api("lead").post(f"/cases/{case_id}/closure", json={"outcome": "已复学", "notes": ""}))
    lead = new_page(locale="en-GB")
    sign_in(lead, world.usernames["lead"])
    lead.goto(f"/ui/cases/{case_id}/closure")
    assert lead.locator("h1").inner_text() == "Closing the case"
    assert "another lead of the station must approve it" in lead.locator("main").inner_text()
    assert lead.get_by_role("button", name="Approve the closure").count() == 0
    assert_accessible(lead)

    mentor = new_page()
    sign_in(mentor, world.usernames["mentor"])
    answer = mentor.goto(f"/ui/cases/{case_id}/plan")
    assert answer is not None and answer.status == 404
    assert "回到课堂" not in mentor.locator("main").inner_text()
    assert mentor.locator("h1").inner_text() != "帮扶计划"


def test_a_declined_transfer_sends_the_receiver_home_and_tells_the_sender_why(new_page: Any, world: World) -> None:
    case_id = _new_case(world, "冯小西")
    request = {"to_station_id": world.ids["receiving"], "reason": "家庭搬到北关。"}
    ok(world.api("officer").post(f"/cases/{case_id}/transfer-requests", json=request))
    receiver = new_page()
    sign_in(receiver, world.usernames["receiver"])
    receiver.goto(f"/ui/cases/{case_id}/transfer")
    receiver.get_by_role("button", name="拒绝移交").click()  # a decline needs its reason
    assert receiver.get_by_label("说明").get_attribute("aria-invalid") == "true"
    receiver.get_by_label("说明").fill("经核实，家庭仍住在城关。")
    receiver.get_by_role("button", name="拒绝移交").click()
    assert receiver.url.endswith("/?done=decisions.transfer_decline")
    assert "已拒绝移交" in _flash(receiver)
    case = _case(world, case_id)
    assert case["station_id"] == world.ids["station"] and case["pending_transfer"] is None

    officer = new_page()
    sign_in(officer, world.usernames["officer"])
    officer.goto(f"/ui/cases/{case_id}/transfer")
    said = officer.locator(".last-decision").inner_text()
    assert "拒绝了移交申请" in said and "经核实，家庭仍住在城关。" in said
    assert officer.get_by_role("button", name="提交移交申请").count() == 1  # it may be asked again

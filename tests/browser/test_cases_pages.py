"""Station staff's case pages in a real browser, in Chinese: finding a case, the case page, opening a
case past the duplicate warning, and the command forms with their errors and version conflicts."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import PHONE, sign_in
from tests.browser.world import World, ok


def _open_by_api(world: World, name: str, born: str, **youth: str) -> str:
    answer = world.api("officer").post(
        "/cases",
        json={
            "station_id": world.ids["station"],
            "youth": {"full_name": name, "date_of_birth": born, "gender": "female", **youth},
            "category": "family_crisis",
            "source": "family",
            "summary": "家中变故，情绪低落。",
        },
    )
    return str(ok(answer)["id"])


def _fill_new_case(page: Any, world: World, name: str, born: str, id_number: str = "") -> None:
    page.goto("/ui/cases/new")
    page.get_by_label(re.compile("^姓名")).fill(name)
    page.get_by_label("出生日期").fill(born)
    page.get_by_label("性别").select_option(label="女")
    if id_number:
        page.get_by_label("身份证号").fill(id_number)
    page.get_by_label("类别").select_option(label="家庭危机")
    page.get_by_label("来源").select_option(label="家庭")
    page.get_by_label("情况摘要").fill("母亲来所求助，孩子多日不归。")


def test_an_officer_finds_the_case_by_name_and_logs_an_intervention(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["officer"])
    page.get_by_role("link", name="个案", exact=True).click()
    assert page.locator("h1").inner_text() == "个案查询"
    page.get_by_label(re.compile("^姓名")).fill("小明")
    page.get_by_label("类别").select_option(label="逃学辍学")
    page.get_by_role("button", name="查找").click()
    assert "name=" in page.url and "category=truancy" in page.url
    card = page.locator(".card.case").filter(has_text="张小明")
    assert card.count() == 1
    assert "逃学辍学" in card.inner_text() and "在办" in card.inner_text()
    assert_accessible(page)

    card.get_by_role("link", name="张小明").click()
    assert page.locator("h1").inner_text() == "张小明的个案"
    assert "第三中学" in page.locator("#youth + dl").inner_text()
    assert "officer" in page.locator("main").inner_text()  # the plan waiting, with its submitter
    assert page.get_by_role("link", name="帮扶计划与审批").get_attribute("href").endswith("/plan")
    assert page.get_by_role("link", name=re.compile("与王建国结对")).count() == 1
    assert page.get_by_role("link", name=re.compile("复学辅导")).count() == 1
    assert_accessible(page)

    page.get_by_role("link", name="记录帮扶措施").click()
    assert_accessible(page)
    page.get_by_label("类型").select_option(label="家访")
    page.get_by_label("时长（分钟）").fill("45")
    page.get_by_role("textbox", name="记录").fill("与母亲约定每天早上七点叫孩子起床。")
    page.get_by_role("button", name="保存记录").click()
    assert page.get_by_role("status").inner_text() == "帮扶措施已记录。"
    interventions = page.locator("#interventions").locator("..")
    assert "与母亲约定每天早上七点叫孩子起床。" in interventions.inner_text()
    assert "家访" in interventions.inner_text()

    case = ok(world.api("officer").get(f"/cases/{world.ids['case']}"))
    logged = case["interventions"][-1]
    assert (logged["kind"], logged["duration_minutes"]) == ("home_visit", 45)
    assert logged["performed_by"] == world.usernames["officer"]


def test_a_duplicate_id_number_is_warned_then_confirmed_with_a_reason(new_page: Any, world: World) -> None:
    existing = _open_by_api(world, "李小红", "2012-01-01", id_number="110101201201011234")
    page = new_page()
    sign_in(page, world.usernames["officer"])
    _fill_new_case(page, world, "李小红", "2012-01-01", "110101-20120101-1234")
    assert page.get_by_label("工作站").input_value() == world.ids["station"]  # their own, chosen already
    assert_accessible(page)
    page.get_by_role("button", name="建立个案").click()

    assert page.get_by_role("heading", name="这名孩子可能已有在办个案").is_visible()
    assert page.get_by_role("link", name="查看已有的个案").get_attribute("href") == f"/ui/cases/{existing}"
    assert page.get_by_label(re.compile("^姓名")).input_value() == "李小红"  # everything typed is kept
    assert page.get_by_label("情况摘要").input_value() == "母亲来所求助，孩子多日不归。"
    assert_accessible(page)

    page.get_by_label("我已核实，确需为这名孩子另立新案").check()
    page.get_by_role("button", name="建立个案").click()
    assert "新建理由" in page.get_by_role("alert").inner_text()  # confirming needs its reason
    assert page.get_by_label("我已核实，确需为这名孩子另立新案").is_checked()
    page.get_by_label("新建理由").fill("原个案在外区办理，本所另行立案跟进。")
    page.get_by_role("button", name="建立个案").click()

    assert page.get_by_role("status").first.inner_text() == "个案已建立。"
    assert page.locator("h1").inner_text() == "李小红的个案"
    assert "原个案在外区办理" in page.locator("main").inner_text()
    new_id = page.url.split("/ui/cases/")[1].split("?")[0]
    assert new_id != existing
    assert ok(world.api("officer").get(f"/cases/{new_id}"))["second_case"] is True


def test_the_same_name_and_birth_is_a_warning_on_the_new_case(new_page: Any, world: World) -> None:
    earlier = _open_by_api(world, "王小刚", "2013-03-04")
    page = new_page(viewport=PHONE)
    sign_in(page, world.usernames["officer"])
    _fill_new_case(page, world, "王小刚", "2013-03-04")
    page.get_by_role("button", name="建立个案").click()
    assert page.locator("h1").inner_text() == "王小刚的个案"
    notice = page.locator(".notice").filter(has_text="姓名、出生日期都相同")
    assert notice.get_by_role("link").first.get_attribute("href") == f"/ui/cases/{earlier}"
    assert_accessible(page)


def test_an_invalid_intervention_is_said_on_its_fields_and_keeps_the_notes(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["officer"])
    page.goto(f"/ui/cases/{world.ids['case']}/intervention")
    page.get_by_label("时长（分钟）").fill("0")
    page.get_by_role("textbox", name="记录").fill("电话联系监护人，未接通。")
    page.get_by_role("button", name="保存记录").click()

    assert "请修改以下内容" in page.get_by_role("alert").inner_text()
    assert page.locator("#e-kind").is_visible()
    assert "时长（分钟）" in page.locator("#e-duration_minutes").inner_text()
    assert page.get_by_label("类型").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("textbox", name="记录").input_value() == "电话联系监护人，未接通。"
    assert page.get_by_label("时长（分钟）").input_value() == "0"
    assert_accessible(page)
    notes = [item["notes"] for item in ok(world.api("officer").get(f"/cases/{world.ids['case']}"))["interventions"]]
    assert "电话联系监护人，未接通。" not in notes


def test_a_risk_form_saved_after_someone_else_shows_what_changed_and_keeps_the_text(
    new_page: Any, world: World
) -> None:
    page = new_page()
    sign_in(page, world.usernames["officer"])
    page.goto(f"/ui/cases/{world.ids['case']}/risk")
    assert_accessible(page)
    page.get_by_label("评估工具").fill("青少年风险筛查表")
    page.get_by_label("分数").fill("22")
    page.get_by_label("级别").select_option(label="高风险")
    page.get_by_role("textbox", name="记录").fill("结交社会闲散人员，夜不归宿。")

    lead = world.api("lead")  # saves first, while the officer is still typing
    ok(
        lead.post(
            f"/cases/{world.ids['case']}/risk-assessments",
            json={"instrument": "所长面谈", "score": 10, "level": "medium", "notes": ""},
        )
    )
    page.get_by_role("button", name="保存评估").click()

    conflict = page.locator(".conflict")
    assert conflict.get_by_role("heading", name="在您填写期间，这条记录已被他人修改").is_visible()
    assert "所长面谈" in conflict.inner_text() and world.usernames["lead"] in conflict.inner_text()
    assert page.get_by_label("评估工具").input_value() == "青少年风险筛查表"
    assert page.get_by_role("textbox", name="记录").input_value() == "结交社会闲散人员，夜不归宿。"
    assert_accessible(page)

    page.get_by_role("button", name="保存评估").click()  # having seen the change, send it again
    assert page.get_by_role("status").inner_text() == "风险评估已保存。"
    case = ok(world.api("officer").get(f"/cases/{world.ids['case']}"))
    assert [a["instrument"] for a in case["risk_assessments"]][-2:] == ["所长面谈", "青少年风险筛查表"]
    assert case["risk_level"] == "high"


def test_consent_assignment_and_reopening_forms(new_page: Any, world: World) -> None:
    case_id = _open_by_api(world, "赵小雨", "2012-06-07")
    page = new_page()
    sign_in(page, world.usernames["lead"])
    page.goto(f"/ui/cases/{case_id}")
    page.get_by_role("link", name="记录信息共享同意").click()
    assert_accessible(page)
    page.get_by_label("范围").select_option(label="所有教育类部门")
    page.get_by_label("同意共享").check()
    page.get_by_role("textbox", name=re.compile("^同意人")).fill("赵强（父亲）")
    page.get_by_label("同意人身份").select_option(label="监护人")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_role("status").inner_text() == "同意情况已记录。"
    assert "赵强（父亲）" in page.locator("#consents").locator("..").inner_text()

    page.get_by_role("link", name="指定承办人").click()
    assert_accessible(page)
    page.get_by_label("承办人用户名").fill("nobody-here")
    page.get_by_role("button", name="保存").click()
    assert page.locator("#e-case_worker_id").is_visible()
    assert_accessible(page)
    page.get_by_label("承办人用户名").fill(world.usernames["officer"])
    page.get_by_role("button", name="保存").click()
    assert page.get_by_role("status").inner_text() == "承办人已指定。"
    assert ok(world.api("lead").get(f"/cases/{case_id}"))["case_worker_id"] == world.usernames["officer"]

    lead, officer = world.api("lead"), world.api("officer")
    ok(officer.post(f"/cases/{case_id}/closure", json={"outcome": "情绪稳定，已返校"}))
    ok(lead.post(f"/cases/{case_id}/closure/approval", json={"note": ""}))
    page.goto(f"/ui/cases/{case_id}")
    page.get_by_role("link", name="重新开启个案").click()
    assert_accessible(page)
    page.get_by_label("理由").fill("再次离家出走。")
    page.get_by_role("button", name="重新开启").click()
    assert page.get_by_role("status").inner_text() == "个案已重新开启。"
    assert ok(lead.get(f"/cases/{case_id}"))["status"] == "open"


def test_an_auditor_reads_the_case_without_the_forms(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["auditor"])
    page.goto(f"/ui/cases/{world.ids['case']}")
    assert page.locator("h1").inner_text() == "张小明的个案"
    assert page.get_by_role("link", name="记录帮扶措施").count() == 0
    assert "立案" in page.locator("#timeline").locator("..").inner_text()
    page.goto(f"/ui/cases/{world.ids['case']}/intervention")
    assert page.locator("h1").inner_text() == "无权进行此操作"


def test_the_receiving_lead_reads_a_case_waiting_for_them_and_a_sealed_case_is_not_found(
    new_page: Any, world: World
) -> None:
    moving = _open_by_api(world, "钱小军", "2011-09-10")
    ok(
        world.api("officer").post(
            f"/cases/{moving}/transfer-requests", json={"to_station_id": world.ids["receiving"], "reason": "已搬家"}
        )
    )
    page = new_page()
    sign_in(page, world.usernames["receiver"])
    page.goto(f"/ui/cases/{moving}")
    assert page.locator("h1").inner_text() == "钱小军的个案"
    assert "已搬家" in page.locator("#transfer").locator("..").inner_text()
    answer = page.get_by_role("link", name="查看并处理移交申请")
    assert answer.get_attribute("href") == f"/ui/cases/{moving}/transfer"
    assert page.get_by_role("link", name="记录帮扶措施").count() == 0
    assert_accessible(page)

    sealed = _open_by_api(world, "孙小燕", "2010-02-03")
    ok(world.api("lead").post(f"/cases/{sealed}/seal", json={"reason": "依法封存", "legal_basis": "刑事诉讼法第286条"}))
    officer = new_page()
    sign_in(officer, world.usernames["officer"])
    officer.goto(f"/ui/cases/{sealed}")
    assert officer.locator("h1").inner_text() == "找不到该记录"

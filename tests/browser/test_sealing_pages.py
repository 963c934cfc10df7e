"""Sealing a minor's case, reading it for a stated purpose, unsealing it, and erasing a case's
personal data, in a real browser and in Chinese; each checked over the API as well."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import PHONE, sign_in
from tests.browser.world import World, ok
from tests.e2e.story import ADMIN_PASSWORD

NOT_FOUND = "找不到该记录"
PURPOSE = "依检察院来函核查帮教情况"


def _case(world: World, name: str) -> str:
    """A case of the world's station, opened over the API by its officer."""
    answer = world.api("officer").post(
        "/cases",
        json={
            "station_id": world.ids["station"],
            "youth": {"full_name": name, "date_of_birth": "2010-04-12", "gender": "male", "school": "第五中学"},
            "category": "offence",
            "source": "police_incident",
            "summary": "夜间在网吧与人斗殴。",
        },
    )
    return str(ok(answer)["id"])


def _signed_in(new_page: Any, world: World, role: str, viewport: dict[str, int] | None = None) -> Any:
    page = new_page(viewport=viewport)
    sign_in(page, world.usernames[role])
    return page


def test_sealing_reading_for_a_purpose_and_unsealing_the_worlds_case(new_page: Any, world: World) -> None:
    case_id = world.ids["case"]
    lead = _signed_in(new_page, world, "lead")
    lead.goto(f"/ui/cases/{case_id}")
    lead.get_by_role("link", name="封存个案").click()
    assert lead.locator("h1").inner_text() == "封存个案"
    assert "张小明" in lead.locator("main").inner_text()
    assert_accessible(lead)

    lead.get_by_role("button", name="下一步：确认").click()  # nothing typed: said on each field
    assert lead.locator("#f-legal_basis[aria-invalid=true]").count() == 1
    assert "理由" in lead.get_by_role("alert").inner_text()
    assert_accessible(lead)

    lead.get_by_label(re.compile("^法律依据")).fill("《中华人民共和国刑事诉讼法》第二百八十六条")
    lead.get_by_label(re.compile("^理由")).fill("犯罪时不满十八周岁，被判处五年有期徒刑以下刑罚")
    lead.get_by_role("button", name="下一步：确认").click()
    assert lead.locator("h1").inner_text() == "确认封存个案"
    assert "第二百八十六条" in lead.locator("dl.facts").inner_text()
    assert_accessible(lead)
    assert ok(world.api("officer").get(f"/cases/{case_id}"))["id"] == case_id  # not sealed before confirming

    lead.get_by_role("button", name="确认封存").click()
    assert lead.url.endswith("/?done=sealing.sealed")
    assert "个案已封存" in lead.get_by_role("status").inner_text()
    assert_accessible(lead)
    lead.goto(f"/ui/cases/{case_id}")
    assert lead.locator("h1").inner_text() == NOT_FOUND  # the sealer's station no longer sees it

    officer = _signed_in(new_page, world, "officer")
    officer.goto(f"/ui/cases/{case_id}")
    assert officer.locator("h1").inner_text() == NOT_FOUND
    assert "张小明" not in officer.content()
    officer.goto(f"/ui/cases/{case_id}/sealed?purpose=看看")
    assert officer.locator("h1").inner_text() == NOT_FOUND  # a purpose opens nothing to a role without the right
    assert world.api("officer").get(f"/cases/{case_id}").status_code == 404

    # the auditor is asked why; reading without a purpose shows the purpose form again, not the case
    auditor = _signed_in(new_page, world, "auditor", PHONE)
    auditor.goto(f"/ui/cases/{case_id}")
    assert auditor.locator("h1").inner_text() == "说明查阅目的"
    assert "张小明" not in auditor.content()
    assert_accessible(auditor)
    auditor.get_by_role("button", name="查阅").click()
    assert auditor.locator("h1").inner_text() == "说明查阅目的"
    assert "请写明查阅目的" in auditor.get_by_role("alert").inner_text()
    assert "张小明" not in auditor.content()
    assert_accessible(auditor)

    auditor.get_by_label(re.compile("^查阅目的")).fill(PURPOSE)
    auditor.get_by_role("button", name="查阅").click()
    assert auditor.locator("h1").inner_text() == "张小明的个案"
    assert PURPOSE in auditor.locator("main").inner_text()
    assert "封存" in auditor.locator("main").inner_text()
    assert auditor.get_by_role("link", name="解除封存").count() == 0  # only a coordinator unseals
    assert_accessible(auditor)
    reads = ok(
        world.api("auditor").get(
            "/audit/access-log", params={"record_id": case_id, "user": world.usernames["auditor"], "limit": 20}
        )
    )["items"]
    page_reads = [read for read in reads if read["endpoint"] == f"GET /ui/cases/{case_id}/sealed"]
    assert page_reads and all(read["purpose"] == PURPOSE and read["sealed"] for read in page_reads)
    assert len(page_reads) >= 2  # the case and its timeline, each with the purpose

    # the coordinator reads it with a purpose, then unseals it, confirmed
    coordinator = _signed_in(new_page, world, "coordinator")
    coordinator.goto(f"/ui/cases/{case_id}/sealed?purpose=复查封存条件")
    assert coordinator.locator("h1").inner_text() == "张小明的个案"
    coordinator.get_by_role("link", name="解除封存").click()
    assert coordinator.locator("h1").inner_text() == "解除封存"
    assert "张小明" not in coordinator.locator("main").inner_text()  # no purpose stated here: no case content
    assert_accessible(coordinator)
    coordinator.get_by_label(re.compile("^法律依据")).fill("《关于未成年人犯罪记录封存的实施办法》")
    coordinator.get_by_label(re.compile("^理由")).fill("发现漏罪，依法解除封存")
    coordinator.get_by_role("button", name="下一步：确认").click()
    assert coordinator.locator("h1").inner_text() == "确认解除封存"
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="返回修改").click()  # changing one's mind keeps what was typed
    assert coordinator.get_by_label(re.compile("^理由")).input_value() == "发现漏罪，依法解除封存"
    coordinator.get_by_role("button", name="下一步：确认").click()
    coordinator.get_by_role("button", name="确认解除封存").click()
    assert coordinator.locator("h1").inner_text() == "张小明的个案"
    assert "已解除封存" in coordinator.get_by_role("status").inner_text()

    officer.goto(f"/ui/cases/{case_id}")
    assert officer.locator("h1").inner_text() == "张小明的个案"
    assert ok(world.api("officer").get(f"/cases/{case_id}"))["sealed"] is False


def test_the_admin_erases_a_case_typed_twice_and_the_officer_then_reads_it_erased(new_page: Any, world: World) -> None:
    case_id = _case(world, "欧阳明月")
    admin = new_page()
    sign_in(admin, "admin", ADMIN_PASSWORD)
    admin.goto("/ui/admin/erasure")
    assert admin.locator("h1").inner_text() == "删除个人信息"
    assert_accessible(admin)

    admin.get_by_label(re.compile("^个案编号")).fill(case_id)
    admin.get_by_label(re.compile("^法律依据")).fill("《中华人民共和国个人信息保护法》第四十七条")
    admin.get_by_label(re.compile("^理由")).fill("处理目的已实现")
    other = case_id[:-1] + ("1" if case_id.endswith("0") else "0")
    admin.get_by_label(re.compile("^再次输入个案编号")).fill(other)
    admin.get_by_role("button", name="永久删除个人信息").click()
    assert "与上面填写的编号不一致" in admin.get_by_role("alert").inner_text()
    assert admin.locator("#f-confirm_case_id[aria-invalid=true]").count() == 1
    assert admin.get_by_label(re.compile("^理由")).input_value() == "处理目的已实现"
    assert_accessible(admin)
    assert ok(world.api("officer").get(f"/cases/{case_id}"))["erased"] is False

    admin.get_by_label(re.compile("^再次输入个案编号")).fill(case_id)
    admin.get_by_role("button", name="永久删除个人信息").click()
    assert "个人信息已永久删除" in admin.get_by_role("status").inner_text()
    assert case_id in admin.locator("main").inner_text()
    assert "欧阳明月" not in admin.content()
    assert_accessible(admin)

    officer = _signed_in(new_page, world, "officer")
    officer.goto(f"/ui/cases/{case_id}")
    assert officer.locator("h1").inner_text() == "[erased]的个案"
    assert "欧阳明月" not in officer.content() and "第五中学" not in officer.content()
    assert ok(world.api("officer").get(f"/cases/{case_id}"))["erased"] is True


def test_the_erasure_page_says_a_missing_case_on_its_field_and_is_the_admins_alone(new_page: Any, world: World) -> None:
    admin = new_page()
    sign_in(admin, "admin", ADMIN_PASSWORD)
    admin.goto("/ui/admin/erasure")
    missing = "00000000-0000-4000-8000-000000000000"
    admin.get_by_label(re.compile("^个案编号")).fill(missing)
    admin.get_by_label(re.compile("^再次输入个案编号")).fill(missing)
    admin.get_by_label(re.compile("^法律依据")).fill("《中华人民共和国个人信息保护法》第四十七条")
    admin.get_by_label(re.compile("^理由")).fill("处理目的已实现")
    admin.get_by_role("button", name="永久删除个人信息").click()
    assert "没有这个编号的个案" in admin.get_by_role("alert").inner_text()
    assert admin.locator("#f-case_id[aria-invalid=true]").count() == 1

    lead = _signed_in(new_page, world, "lead")
    lead.goto("/ui/admin/erasure")
    assert lead.locator("h1").inner_text() == "无权进行此操作"


def test_a_mentor_and_an_officer_find_no_seal_page_and_only_a_coordinator_unseals(new_page: Any, world: World) -> None:
    case_id = _case(world, "钱小飞")
    mentor = _signed_in(new_page, world, "mentor")
    mentor.goto(f"/ui/cases/{case_id}/seal")
    assert mentor.locator("h1").inner_text() in (NOT_FOUND, "无权进行此操作")

    officer = _signed_in(new_page, world, "officer")
    officer.goto(f"/ui/cases/{case_id}")
    assert officer.get_by_role("link", name="封存个案").count() == 0  # the lead or a coordinator seals
    officer.goto(f"/ui/cases/{case_id}/seal")
    assert officer.locator("h1").inner_text() == "无权进行此操作"

    seal = {"reason": "依法封存", "legal_basis": "刑事诉讼法第286条"}
    ok(world.api("lead").post(f"/cases/{case_id}/seal", json=seal))
    lead = _signed_in(new_page, world, "lead")
    lead.goto(f"/ui/cases/{case_id}/unseal")
    assert lead.locator("h1").inner_text() == NOT_FOUND  # a sealed case is nowhere for the station
    lead.goto(f"/ui/cases/{case_id}/sealed")
    assert lead.locator("h1").inner_text() == NOT_FOUND
    mentor.goto(f"/ui/cases/{case_id}/sealed?purpose=了解情况")
    assert mentor.locator("h1").inner_text() == NOT_FOUND

    auditor = _signed_in(new_page, world, "auditor")
    auditor.goto(f"/ui/cases/{case_id}/sealed?purpose=" + "查" * 501)
    assert auditor.locator("h1").inner_text() == "说明查阅目的"
    assert "查阅目的过长" in auditor.get_by_role("alert").inner_text()
    auditor.goto(f"/ui/cases/{case_id}/sealed?purpose=%20%20")
    assert "请写明查阅目的" in auditor.get_by_role("alert").inner_text()
    assert "钱小飞" not in auditor.content()

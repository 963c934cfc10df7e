"""The admin's pages in a real browser, in Chinese: stations, departments, volunteers and users,
and every user's own password page."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE, sign_in
from tests.browser.world import World, ok
from tests.e2e.story import ADMIN_PASSWORD, PASSWORD

NEW_PASSWORD = "春天的小河边有一只白鹭在等鱼"


def _tag() -> str:
    return uuid.uuid4().hex[:6]


def _admin(new_page: Any, viewport: dict[str, int] | None = None) -> Any:
    page = new_page(viewport=viewport)
    sign_in(page, "admin", ADMIN_PASSWORD)
    return page


def _user(world: World, role: str, scope: str | None = None) -> dict[str, Any]:
    """A user made over the API, with the story's password."""
    body: dict[str, Any] = {
        "username": f"{role.replace('_', '')}{_tag()}",
        "display_name": "钱同事",
        "password": PASSWORD,
        "role": role,
    }
    if scope is not None:
        body["scope_id"] = world.ids[scope]
    return ok(world.api("admin").post("/users", json=body))


def test_the_admin_registers_places_and_a_volunteer_and_makes_a_mentor_who_signs_in(
    new_page: Any, world: World
) -> None:
    tag = _tag()
    admin = world.api("admin")
    parent_name = ok(admin.get(f"/stations/{world.ids['station']}"))["name"]
    page = _admin(new_page)

    page.get_by_role("link", name="工作站", exact=True).first.click()
    assert page.locator("h1").inner_text() == "工作站"
    assert_accessible(page)
    page.get_by_role("link", name="登记工作站").click()
    assert_accessible(page)
    page.get_by_label("名称").fill(f"东关村关爱点{tag}")
    page.get_by_label("类型").select_option(label="校外辅导站")
    page.get_by_label("级别").select_option(label="村（社区）级")
    page.get_by_label("上级工作站").select_option(label=parent_name)
    page.get_by_role("button", name="登记").click()
    assert page.get_by_role("status").inner_text() == "工作站已登记。"
    assert page.locator("h1").inner_text() == f"东关村关爱点{tag}"
    assert parent_name in page.locator("dl.facts").inner_text()
    assert_accessible(page)
    station_id = page.url.split("/")[-1].split("?")[0]
    station = ok(admin.get(f"/stations/{station_id}"))
    assert (station["kind"], station["level"]) == ("tutoring_station", "village")
    assert station["parent_id"] == world.ids["station"]

    page.goto("/ui/admin/departments/new")
    page.get_by_label("名称").fill(f"区妇联{tag}")
    page.get_by_label("类型").select_option(label="妇联")
    page.get_by_role("button", name="登记").click()
    assert page.get_by_role("status").inner_text() == "部门已登记。"
    assert_accessible(page)
    page.get_by_role("link", name="返回部门列表").click()
    assert f"区妇联{tag}" in page.locator("main").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="志愿者", exact=True).first.click()
    page.get_by_role("link", name="登记志愿者").click()
    assert_accessible(page)
    page.get_by_label("姓名").fill(f"孙秀兰{tag}")
    page.get_by_label("类型").select_option(label="退休教师")
    page.get_by_label("特长").fill("书法\n 数学辅导 \n\n")
    page.get_by_label("电话").fill("138 0000 1234")
    page.get_by_role("button", name="登记").click()
    assert page.get_by_role("status").inner_text() == "志愿者已登记。"
    assert "书法、数学辅导" in page.locator("dl.facts").inner_text()
    volunteer_id = page.url.split("/")[-1].split("?")[0]

    page.get_by_label("通过", exact=True).check()
    page.get_by_label("审查记录").fill("面谈通过，无不良记录。")
    page.get_by_role("button", name="保存审查结果").click()
    assert page.get_by_role("status").inner_text() == "审查结果已保存。"
    page.get_by_label("培训课程").fill("帮教工作入门")
    page.get_by_label("完成日期").fill((date.today() - timedelta(days=3)).isoformat())
    page.get_by_label("小时数").fill("6")
    page.get_by_role("button", name="保存培训记录").click()
    assert page.get_by_role("status").inner_text() == "培训记录已保存。"
    assert "帮教工作入门" in page.locator("table").inner_text()
    assert_accessible(page)
    volunteer = ok(admin.get(f"/volunteers/{volunteer_id}"))
    assert volunteer["screened"] and volunteer["skills"] == ["书法", "数学辅导"]
    assert [t["course"] for t in volunteer["trainings"]] == ["帮教工作入门"]

    page.get_by_role("link", name="为其开设帮扶志愿者账号").click()
    assert page.get_by_label("角色").input_value() == "mentor"
    assert page.get_by_label("所属单位").input_value() == volunteer_id
    page.get_by_label("用户名").fill(f"sun{tag}")
    page.get_by_label("显示姓名").fill("孙老师")
    page.get_by_label("密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="创建用户").click()
    assert page.get_by_role("status").inner_text() == "用户已创建。"
    facts = page.locator("dl.facts").inner_text()
    assert "帮扶志愿者" in facts and f"孙秀兰{tag}" in facts
    assert_accessible(page)
    page.get_by_role("link", name="返回用户列表").click()
    assert "孙老师" in page.locator("main").inner_text()
    assert_accessible(page)

    mentor = new_page(viewport=PHONE)
    sign_in(mentor, f"sun{tag}", NEW_PASSWORD)
    assert mentor.locator("h1").inner_text() == "我的待办"
    assert "孙老师" in mentor.locator(".who").inner_text()


def test_a_taken_username_is_said_on_its_field_and_the_rest_is_kept(new_page: Any, world: World) -> None:
    station_name = ok(world.api("admin").get(f"/stations/{world.ids['station']}"))["name"]
    page = _admin(new_page)
    page.goto("/ui/admin/users/new")
    assert_accessible(page)
    page.get_by_label("用户名").fill(world.usernames["officer"])
    page.get_by_label("显示姓名").fill("吴警官")
    page.get_by_label("角色").select_option(label="工作站民警")
    page.get_by_label("所属单位").select_option(label=station_name)
    page.get_by_label("密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="创建用户").click()
    assert "用户名已被使用" in page.get_by_role("alert").inner_text()
    username = page.get_by_label("用户名")
    assert username.get_attribute("aria-invalid") == "true"
    assert "用户名已被使用" in page.locator("#e-username").inner_text()
    assert username.input_value() == world.usernames["officer"]
    assert page.get_by_label("显示姓名").input_value() == "吴警官"
    assert page.get_by_label("角色").input_value() == "station_officer"
    assert page.get_by_label("所属单位").input_value() == world.ids["station"]
    assert page.get_by_label("密码").input_value() == ""  # a password is never sent back
    assert_accessible(page)

    page.get_by_label("用户名").fill(f"wu{_tag()}")
    page.get_by_label("角色").select_option(label="部门工作人员")
    page.get_by_label("所属单位").select_option(value="")
    page.get_by_label("密码").fill("短密码")
    page.get_by_role("button", name="创建用户").click()
    assert "密码太短" in page.locator("#e-password").inner_text()
    page.get_by_label("密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="创建用户").click()
    assert "此角色需要指定所属单位" in page.locator("#e-scope_id").inner_text()
    assert_accessible(page)


def test_a_station_renamed_meanwhile_shows_what_changed_and_keeps_the_typed_name(new_page: Any, world: World) -> None:
    admin = world.api("admin")
    tag = _tag()
    station = ok(admin.post("/stations", json={"name": f"南关站{tag}", "kind": "police_care_station", "level": "town"}))
    page = _admin(new_page)
    page.goto(f"/ui/admin/stations/{station['id']}")
    assert_accessible(page)
    renamed = {"name": f"南关派出所关爱站{tag}"}
    ok(admin.put(f"/stations/{station['id']}/name", json=renamed, headers={"If-Match": '"1"'}))
    page.get_by_label("新名称").fill(f"南关街道关爱站{tag}")
    page.get_by_role("button", name="保存新名称").click()
    conflict = page.locator(".conflict")
    assert "已被他人修改" in page.get_by_role("alert").inner_text()
    assert f"南关派出所关爱站{tag}" in conflict.inner_text()
    assert page.get_by_label("新名称").input_value() == f"南关街道关爱站{tag}"
    assert_accessible(page)
    page.get_by_role("button", name="保存新名称").click()  # having seen the change, save over it
    assert page.get_by_role("status").inner_text() == "工作站已改名。"
    assert ok(admin.get(f"/stations/{station['id']}"))["name"] == f"南关街道关爱站{tag}"


def test_a_disabled_user_can_no_longer_sign_in(new_page: Any, world: World) -> None:
    user = _user(world, "auditor")
    page = _admin(new_page)
    page.goto(f"/ui/admin/users/{user['id']}")
    assert_accessible(page)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="停用该用户").click()
    assert ok(world.api("admin").get(f"/users/{user['id']}"))["active"]  # said no: nothing changed
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="停用该用户").click()
    assert page.get_by_role("status").inner_text() == "该用户已停用。"
    assert "已停用" in page.locator("dl.facts").inner_text()
    assert not ok(world.api("admin").get(f"/users/{user['id']}"))["active"]

    other = new_page()
    other.goto("/ui/signin")
    other.locator("#f-username").fill(user["username"])
    other.locator("#f-password").fill(PASSWORD)
    other.locator("main form button[type=submit]").click()
    assert "用户名或密码不正确" in other.get_by_role("alert").inner_text()

    page.get_by_role("button", name="重新启用").click()
    assert page.get_by_role("status").inner_text() == "该用户已重新启用。"
    sign_in(other, user["username"])
    assert other.locator("h1").inner_text() == "我的待办"


def test_the_admin_changes_a_users_role_and_resets_their_password(new_page: Any, world: World) -> None:
    user = _user(world, "auditor")
    station_name = ok(world.api("admin").get(f"/stations/{world.ids['station']}"))["name"]
    page = _admin(new_page)
    page.goto(f"/ui/admin/users/{user['id']}")
    page.get_by_role("combobox", name="角色").select_option(label="部门工作人员")
    page.get_by_role("button", name="保存角色").click()
    assert "此角色需要指定所属单位" in page.locator("#e-scope_id").inner_text()
    assert page.get_by_role("combobox", name="角色").input_value() == "department_officer"  # as chosen, not as saved
    assert_accessible(page)
    page.get_by_role("combobox", name="角色").select_option(label="协调员")
    page.get_by_label("所属单位").select_option(label=station_name)
    page.get_by_role("button", name="保存角色").click()
    assert page.get_by_role("status").inner_text() == "角色已更改，该用户需要重新登录。"
    changed = ok(world.api("admin").get(f"/users/{user['id']}"))
    assert (changed["role"], changed["scope_id"]) == ("coordinator", world.ids["station"])

    page.get_by_label("新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="重设密码").click()
    assert page.get_by_role("status").inner_text() == "密码已重设，该用户需要用新密码登录。"
    them = new_page()
    sign_in(them, user["username"], NEW_PASSWORD)
    assert "协调员" in them.locator(".who").inner_text()


def test_an_admin_is_not_offered_to_disable_themselves(new_page: Any, world: World) -> None:
    other_admin = _user(world, "admin")
    page = new_page()
    sign_in(page, other_admin["username"])
    page.goto(f"/ui/admin/users/{other_admin['id']}")
    assert "不能停用自己" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="停用该用户").count() == 0
    assert_accessible(page)


def test_a_mentor_opening_the_admin_pages_is_refused(new_page: Any, world: World) -> None:
    page = new_page()
    sign_in(page, world.usernames["mentor"])
    assert page.get_by_role("link", name="用户").count() == 0
    for address in ("/ui/admin/users", "/ui/admin/stations", "/ui/admin/volunteers/new"):
        answer = page.goto(address)
        assert answer is not None and answer.status == 403
        assert page.locator("h1").inner_text() == "无权进行此操作"
    assert_accessible(page)


def test_changing_my_own_password_signs_me_out_everywhere_and_says_so(new_page: Any, world: World) -> None:
    user = _user(world, "station_officer", "station")
    page = new_page()
    sign_in(page, user["username"])
    page.goto("/ui/account/password")
    assert_accessible(page)
    page.get_by_label("当前密码").fill("不是这个密码啊不是这个")
    page.get_by_label(re.compile("^新密码")).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    assert "当前密码不正确" in page.locator("#e-current_password").inner_text()
    assert_accessible(page)
    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label(re.compile("^新密码")).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD + "!")
    page.get_by_role("button", name="修改密码").click()
    assert "不一致" in page.locator("#e-new_password_again").inner_text()
    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label(re.compile("^新密码")).fill(user["username"])
    page.get_by_label("再次输入新密码").fill(user["username"])
    page.get_by_role("button", name="修改密码").click()
    assert "不能与用户名相同" in page.locator("#e-new_password").inner_text()

    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label(re.compile("^新密码")).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    assert "/ui/signin" in page.url
    assert "请用新密码登录" in page.get_by_role("status").inner_text()
    assert_accessible(page)
    sign_in(page, user["username"], NEW_PASSWORD)
    assert page.locator("h1").inner_text() == "我的待办"


def test_without_javascript_deactivating_a_volunteer_needs_a_tick(browser: Any, server: str, world: World) -> None:
    volunteer = ok(world.api("admin").post("/volunteers", json={"full_name": "郑大爷", "kind": "veteran_soldier"}))
    context = browser.new_context(base_url=server, locale="zh-CN", viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "admin", ADMIN_PASSWORD)
        page.goto(f"/ui/admin/volunteers/{volunteer['id']}")
        page.get_by_role("button", name="停用该志愿者").click()
        assert page.get_by_label("我确认要停用").evaluate("e => e.validity.valueMissing")
        assert ok(world.api("admin").get(f"/volunteers/{volunteer['id']}"))["active"]
        page.get_by_label("我确认要停用").check()
        page.get_by_role("button", name="停用该志愿者").click()
        assert page.get_by_role("status").inner_text() == "志愿者已停用。"
        assert not ok(world.api("admin").get(f"/volunteers/{volunteer['id']}"))["active"]
        page.get_by_role("button", name="恢复在册").click()
        assert page.get_by_role("status").inner_text() == "志愿者已恢复在册。"
    finally:
        context.close()


def test_the_lists_read_at_phone_width(new_page: Any, world: World) -> None:
    page = _admin(new_page, viewport=PHONE)
    for address, heading in (
        ("/ui/admin/users", "用户"),
        ("/ui/admin/stations", "工作站"),
        ("/ui/admin/departments", "部门"),
        ("/ui/admin/volunteers", "志愿者"),
    ):
        page.goto(address)
        assert page.locator("h1").inner_text() == heading
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_accessible(page)

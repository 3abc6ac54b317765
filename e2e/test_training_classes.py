"""Staff prepare a class in a real browser: create it, add a lesson, enrol by rule (county deputies), see the
count, send the notice; the deputy then finds the class on a phone."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lvzhi.people.services import mandate_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("E2E_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return take


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"page overflows {viewport}px: {width}px"


def test_staff_prepare_a_class_and_the_deputy_finds_it(browser, live_server, office_user, deputy_user,
                                                       other_deputy_person, make_person, congresses, regions,
                                                       password, shots):
    # A third county deputy without an account: enrolled, but told by phone.
    mandate_create(by=None, person=make_person("王五", region=regions["town_b"]), term=congresses["county"])

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="培训").click()
    page.get_by_role("button", name="新建培训班").click()
    page.get_by_label("名称").fill("2026年县人大代表履职能力提升培训班")
    page.get_by_label("开班日期").fill("2026-12-10")
    page.get_by_label("结业日期").fill("2026-12-11")
    page.get_by_label("地点", exact=True).fill("县委党校报告厅")
    page.get_by_label("工作方案").fill("一、培训目标\n二、培训对象：全体县人大代表\n三、日程安排")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026年县人大代表履职能力提升培训班")
    expect(page.locator(".class-status")).to_contain_text("筹备中")

    page.get_by_role("navigation", name="培训班").get_by_role("link", name="日程").click()
    page.get_by_role("button", name="添加课程").click()
    page.get_by_label("课程").fill("人大代表的职责与权利")
    page.get_by_label("开始时间").fill("09:00")
    page.get_by_label("结束时间").fill("11:30")
    page.get_by_label("地点/教室").fill("报告厅")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("main")).to_contain_text("2.5 学时")
    shots(page, "timetable-desktop")

    page.get_by_role("navigation", name="培训班").get_by_role("link", name="人员").click()
    page.get_by_role("button", name="按条件确定人员").click()
    page.get_by_label("县人大代表").check()
    expect(page.locator("#enrol-preview")).to_contain_text("将新增 3 人")
    shots(page, "enrol-desktop")
    page.get_by_role("button", name="加入名单").click()
    expect(page.locator(".messages")).to_contain_text("已按条件新增 3 人参训")
    expect(page.locator("#people-results")).to_contain_text("符合条件 3 人")
    expect(page.locator("#people-results")).to_contain_text("138****5678")

    page.locator(".class-head").get_by_role("button", name="发送通知").click()
    expect(page.locator("main")).to_contain_text("人大代表的职责与权利")
    page.get_by_role("button", name="发送通知").click()
    expect(page.locator(".messages")).to_contain_text("已向 1 人发送培训通知")
    expect(page.locator(".messages")).to_contain_text("2 人没有账号")
    expect(page.locator(".class-status")).to_contain_text("已发通知")
    shots(page, "people-desktop")
    page.get_by_role("navigation", name="培训班").get_by_role("link", name="概况").click()
    shots(page, "detail-desktop")

    page.set_viewport_size(PHONE)
    page.reload()
    _fits(page)
    shots(page, "detail-phone")
    page.get_by_role("navigation", name="培训班").get_by_role("link", name="人员").click()
    _fits(page)
    shots(page, "people-phone")
    context.close()

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("deputy")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/inbox/")
    page.get_by_text("培训通知：2026年县人大代表履职能力提升培训班").first.click()
    page.goto(f"{live_server.url}/training/my/")
    page.get_by_role("link", name="2026年县人大代表履职能力提升培训班").click()
    expect(page.locator("main")).to_contain_text("人大代表的职责与权利")
    expect(page.locator("main")).to_contain_text("城关镇代表团")
    _fits(page)
    shots(page, "my-class-phone")
    phone.close()


def test_needs_survey_from_questions_to_chart(browser, live_server, office_user, deputy_user, password, shots):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/training/surveys/")
    page.get_by_role("button", name="新建调研").click()
    page.get_by_label("名称").fill("2027年代表培训需求调研")
    page.get_by_label("县人大代表").check()
    page.get_by_role("button", name="保存").click()
    page.get_by_label("单选").check()
    page.get_by_label("问题").fill("您希望每期培训多长时间")
    page.get_by_label("选项").fill("半天\n一天\n两天")
    page.get_by_role("button", name="添加问题").click()
    page.get_by_label("填写").check()
    page.get_by_label("问题").fill("您最希望学习哪些内容")
    page.get_by_role("button", name="添加问题").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="开始收集").click()
    expect(page.locator(".messages")).to_contain_text("已通知 1 位")

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    deputy = phone.new_page()
    deputy.goto(f"{live_server.url}/accounts/login/")
    deputy.get_by_label("用户名").fill("deputy")
    deputy.get_by_label("密码").fill(password)
    deputy.get_by_role("button", name="登录").click()
    deputy.goto(f"{live_server.url}/training/my/")
    deputy.get_by_text("请填写：2027年代表培训需求调研").click()
    deputy.get_by_role("button", name="提交").click()
    expect(deputy.locator(".msg-error")).to_contain_text("请按红字提示")
    deputy.get_by_label("一天").check()
    deputy.get_by_label("您最希望学习哪些内容").fill("代表建议怎样写得好")
    _fits(deputy)
    shots(deputy, "survey-answer-phone")
    deputy.get_by_role("button", name="提交").click()
    expect(deputy.locator(".messages")).to_contain_text("已提交")
    phone.close()

    page.reload()
    expect(page.locator("main")).to_contain_text("已回收 1 份")
    expect(page.locator("main")).to_contain_text("代表建议怎样写得好")
    expect(page.locator(".survey-chart canvas")).to_have_count(1)  # ECharts drew the bar chart
    shots(page, "survey-results-desktop")
    context.close()

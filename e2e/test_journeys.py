"""Whole journeys in a real browser: staff import a roster, a deputy writes a note on a phone, lockout."""

import datetime as dt

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from lvzhi.core.idnumber import make_id_number

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADERS = ["序号", "姓　名", "性别", "身份证号", "出生\n年月", "代表层级", "乡镇（街道）", "联系电话"]


def _roster_file(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["清源县第十八届人大代表名册"])
    ws.merge_cells("A1:H1")
    ws.append(["填报单位：城关镇人大主席团"])
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_staff_imports_fixes_and_finds_a_new_deputy(page, sign_in, office_user, congresses, password, tmp_path):
    good_id = make_id_number("439901", dt.date(1982, 7, 15), 41, male=False)
    other_id = make_id_number("439901", dt.date(1970, 1, 5), 42, male=True)
    bad_id = other_id[:-1] + ("0" if other_id[-1] != "0" else "1")  # wrong check digit
    first = _roster_file(tmp_path / "名册-有错.xlsx", [
        [1, "欧阳晓燕", "女", good_id, "1982.07", "县、镇", "城关镇", "138-1234-5678"],
        [2, "周　建国", "男", bad_id, "1970年1月", "县人大代表", "城关镇", "13900001111"],
    ])
    sign_in(page, "office", password)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="名册导入").click()
    page.locator("input[type=file]").set_input_files(str(first))
    page.get_by_role("button", name="上传并校验").click()
    errors = page.locator("table.import-errors")
    expect(errors).to_contain_text("第5行")
    expect(errors).to_contain_text("身份证号")
    expect(errors).to_contain_text("校验位")

    fixed = _roster_file(tmp_path / "名册-已改.xlsx", [
        [1, "欧阳晓燕", "女", good_id, "1982.07", "县、镇", "城关镇", "138-1234-5678"],
        [2, "周　建国", "男", other_id, "1970年1月", "县人大代表", "城关镇", "13900001111"],
    ])
    page.get_by_role("button", name="重新上传").click()
    page.locator("input[type=file]").set_input_files(str(fixed))
    page.get_by_role("button", name="上传并校验").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("#import-status")).to_contain_text("已导入")

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="代表名册").click()
    page.locator("#id_q").fill("oyxy")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="欧阳晓燕").first.click()
    expect(page.get_by_role("heading", name="欧阳晓燕")).to_be_visible()
    expect(page.locator("main")).to_contain_text(good_id[:6] + "********" + good_id[-4:])
    expect(page.locator("main")).not_to_contain_text(good_id)
    expect(page.locator("main")).to_contain_text("县人大代表")


def test_deputy_writes_a_note_on_a_phone(browser, live_server, deputy_user, password):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("deputy")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()

    main = page.locator("main")
    expect(main).to_contain_text(deputy_user.person.id_masked)
    expect(main).to_contain_text("138****5678")
    expect(main).not_to_contain_text(deputy_user.person.id_number)

    page.get_by_role("button", name="写履职笔记").or_(page.get_by_role("link", name="写履职笔记")).first.click()
    page.get_by_label("标题").fill("走访东门社区老旧小区")
    page.get_by_label("内容").fill("与居民座谈加装电梯的资金分摊问题，收集意见12条。")
    page.get_by_role("button", name="提交审核").click()
    expect(main).to_contain_text("走访东门社区老旧小区")
    expect(main).to_contain_text("待审核")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page overflows a 375 px phone: {width}px"
    context.close()


def test_lockout_after_five_wrong_passwords(page, sign_in, office_user, password):
    for _ in range(5):
        sign_in(page, "office", "Wrong-Password-1")
    sign_in(page, "office", password)
    expect(page.get_by_role("alert")).to_contain_text("已被锁定")
    expect(page.get_by_role("alert")).to_contain_text("15分钟")

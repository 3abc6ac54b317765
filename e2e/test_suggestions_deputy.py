"""A deputy in a real browser, on a phone and on a desktop: drafts a suggestion, sees a similar past one beside
the form as they type, invites a co-signer who confirms from their own account, and submits."""

import os

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("E2E_SHOTS", "/tmp/e2e_shots")
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def past(congresses, make_person):
    from lvzhi.people.services import mandate_create
    from lvzhi.suggestions.models import Signature, Suggestion
    from lvzhi.suggestions.similarity import index_suggestion

    wang = make_person("王五", phone="13600002222")
    mandate_create(by=None, person=wang, term=congresses["county"])
    suggestion = Suggestion.objects.create(
        state=Suggestion.State.CLOSED, title="关于在东门路与解放路交叉口增设交通信号灯的建议",
        request="东门路与解放路交叉口车流量大，建议增设红绿灯和人行横道。", term=congresses["county"],
        lead=wang, region_code=congresses["county"].congress.region_id, number_label="十八届一次会议第042号")
    Signature.objects.create(suggestion=suggestion, person=wang, role="lead", status="confirmed")
    index_suggestion(suggestion)
    return suggestion


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_deputy_drafts_sees_similar_cosigner_confirms_and_submits(browser, live_server, deputy_user,
                                                                  other_deputy_user, password, past, screen):
    from lvzhi.suggestions.models import Signature, Suggestion

    os.makedirs(SHOTS, exist_ok=True)

    def open_as(username):
        context = browser.new_context(viewport=VIEWPORTS[screen], is_mobile=screen == "phone")
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        return context, page

    lead_context, page = open_as("deputy")
    page.goto(f"{live_server.url}/suggestions/mine/")
    expect(page.get_by_role("heading", name="我的建议")).to_be_visible()
    page.get_by_role("button", name="提出建议").or_(page.get_by_role("link", name="提出建议")).first.click()
    expect(page.locator(".guide-box")).to_contain_text("一事一议")

    page.get_by_label("标题（案由）").fill("关于东门路口增设信号灯的建议")
    similar = page.locator("#similar")
    expect(similar).to_contain_text("十八届一次会议第042号")
    expect(similar).to_contain_text("王五领衔")
    expect(similar.get_by_role("button", name="联名附议")).to_be_visible()
    page.get_by_label("情况和问题").fill("东门路是城关镇通往县城的主干道，早晚高峰车辆拥堵，学生上下学存在安全隐患。")
    page.get_by_label("具体建议").fill("在东门路与解放路交叉口增设信号灯，并在路边划定临时停车区域。")
    page.screenshot(path=f"{SHOTS}/deputy_draft_{screen}.png", full_page=True)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("main")).to_contain_text("草稿已保存")

    suggestion = Suggestion.objects.get(lead=deputy_user.person)
    page.locator("select[name=person]").select_option(str(other_deputy_user.person_id))
    page.get_by_role("button", name="邀请", exact=True).click()
    expect(page.locator(".cosign-box")).to_contain_text("李四")
    expect(page.locator(".cosign-box")).to_contain_text("待确认")

    cosigner_context, other = open_as("deputy2")
    other.goto(f"{live_server.url}/suggestions/mine/")
    other.get_by_role("link", name="关于东门路口增设信号灯的建议").click()
    expect(other.locator("main")).to_contain_text("张三代表邀请您附议")
    other.screenshot(path=f"{SHOTS}/deputy_cosign_{screen}.png", full_page=True)
    other.get_by_role("button", name="确认附议").click()
    expect(other.locator("main")).to_contain_text("您已确认附议")
    assert Signature.objects.get(suggestion=suggestion, person=other_deputy_user.person).status == "confirmed"
    cosigner_context.close()

    page.reload()
    expect(page.locator(".cosign-box")).to_contain_text("已确认")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator("main")).to_contain_text("已提交")
    expect(page.locator(".suggestion-summary")).to_contain_text("尚未编号")
    page.screenshot(path=f"{SHOTS}/deputy_detail_{screen}.png", full_page=True)
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.SUBMITTED
    page.goto(f"{live_server.url}/suggestions/mine/")
    page.screenshot(path=f"{SHOTS}/deputy_list_{screen}.png", full_page=True)
    if screen == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"page overflows a 375 px phone: {width}px"
    lead_context.close()

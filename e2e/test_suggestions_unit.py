"""The handling unit in a real browser, on a phone and on a desktop: opens its inbox, logs a contact with the
deputy, replies with a dated commitment, and sees the reply and the commitment waiting for evidence."""

import datetime as dt
import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("E2E_SHOTS", "/tmp/e2e_shots")
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def assigned(congresses, deputy_person, unit, office_user, settings, tmp_path):
    from lvzhi.suggestions.models import Assignment, Signature, Suggestion

    settings.MEDIA_ROOT = tmp_path
    suggestion = Suggestion.objects.create(
        state=Suggestion.State.ASSIGNED, title="关于改善城关镇东门路交通秩序的建议", term=congresses["county"],
        background="东门路早晚高峰拥堵，学生上下学不安全。", request="增设信号灯并划定停车区域。",
        lead=deputy_person, region_code=congresses["county"].congress.region_id, number_label="十八届二次会议第015号")
    Signature.objects.create(suggestion=suggestion, person=deputy_person, role="lead", status="confirmed")
    return Assignment.objects.create(suggestion=suggestion, unit=unit, role="lead", assigned_by=office_user,
                                     assigned_at=timezone.now() - dt.timedelta(days=3),
                                     deadline=timezone.localdate() + dt.timedelta(days=87),
                                     handler="李科长", leader="王副局长")


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_unit_logs_a_contact_and_replies_with_a_commitment(page, sign_in, unit_user, password, assigned, screen):
    from lvzhi.suggestions.models import Reply, Suggestion

    os.makedirs(SHOTS, exist_ok=True)
    page.set_viewport_size(VIEWPORTS[screen])
    sign_in(page, "unit", password)
    nav = page.get_by_role("navigation", name="主菜单")
    nav.get_by_role("link", name="承办建议").click()
    expect(page.locator("#unit-results")).to_contain_text("东门路")
    expect(page.locator("#unit-results")).to_contain_text("87 天")
    page.screenshot(path=f"{SHOTS}/unit-inbox-{screen}.png", full_page=True)

    page.get_by_role("link", name="关于改善城关镇东门路交通秩序的建议").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("关于改善城关镇东门路交通秩序的建议")
    page.get_by_role("button", name="显示完整号码").click()
    expect(page.locator("#lead-phone")).to_contain_text("13812345678")

    page.locator("summary", has_text="登记沟通").click()
    page.get_by_label("办前").check()
    page.get_by_label("面商").check()
    page.get_by_label("参加人员").fill("张三代表、交通局李科长")
    page.get_by_label("沟通情况").fill("到东门路现场察看，代表建议先在学校门口增设信号灯。")
    page.get_by_role("button", name="保存沟通记录").click()
    expect(page.locator(".messages")).to_contain_text("沟通记录已保存")
    expect(page.locator("#contacts")).to_contain_text("面商")

    page.get_by_label("答复内容").fill("经研究，我局将于明年上半年在东门路学校门口增设信号灯，并划定临时停车区域。")
    page.get_by_label("B类：正在解决或列入计划解决").check()
    page.get_by_label("签发人").fill("王局长")
    due = (timezone.localdate() + dt.timedelta(days=120)).isoformat()
    page.locator("#id_c-0-text").fill("东门路学校门口增设信号灯")
    page.locator("#id_c-0-due_date").fill(due)
    page.screenshot(path=f"{SHOTS}/unit-reply-form-{screen}.png", full_page=True)
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator(".messages")).to_contain_text("答复已提交")
    replies = page.locator("#replies")
    expect(replies).to_contain_text("B类：正在解决或列入计划解决")
    expect(replies).to_contain_text("东门路学校门口增设信号灯")
    expect(replies).to_contain_text("未落实")
    expect(replies.get_by_role("link", name="登记落实")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/unit-replied-{screen}.png", full_page=True)

    reply = Reply.objects.get()
    assert reply.without_contact is False and reply.commitments.count() == 1
    assert Suggestion.objects.get().state == Suggestion.State.REPLIED
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[screen]["width"], "the page scrolls sideways"


def test_unit_records_a_delivered_commitment_with_a_photo(page, sign_in, unit_user, password, assigned, tmp_path):
    from lvzhi.suggestions.models import Commitment, Reply

    reply = Reply.objects.create(suggestion=assigned.suggestion, assignment=assigned, text="将增设信号灯。", result="B",
                                 signer="王局长", replied_at=timezone.now() - dt.timedelta(days=2))
    Commitment.objects.create(reply=reply, text="东门路学校门口增设信号灯",
                              due_date=timezone.localdate() + dt.timedelta(days=30))
    photo = tmp_path / "信号灯.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 200)
    os.makedirs(SHOTS, exist_ok=True)
    page.set_viewport_size(VIEWPORTS["phone"])
    sign_in(page, "unit", password)
    page.goto(page.url.split("/accounts")[0] + f"/suggestions/unit/{assigned.pk}/")
    page.locator("#replies").get_by_role("link", name="登记落实").click()
    page.get_by_label("落实情况").fill("信号灯已安装并通电使用。")
    page.get_by_role("button", name="登记已落实").click()  # no evidence: the browser keeps the form (required)
    expect(page.get_by_role("heading", level=1)).to_have_text("登记承诺落实")
    page.locator("input[type=file]").set_input_files(str(photo))
    page.screenshot(path=f"{SHOTS}/unit-deliver-phone.png", full_page=True)
    page.get_by_role("button", name="登记已落实").click()
    expect(page.locator(".messages")).to_contain_text("已登记落实")
    expect(page.locator("#replies")).to_contain_text("已落实")
    expect(page.locator("#replies").get_by_role("link", name="信号灯.jpg")).to_be_visible()
    assert Commitment.objects.get().evidence.count() == 1

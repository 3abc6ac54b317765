"""The office in a real browser, on a phone and on a desktop: finds a submitted suggestion in the list, accepts it
with a class (it gets its number), assigns it to a lead unit and a co-unit, and downloads the 交办表."""

import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("E2E_SHOTS", "/tmp/e2e_shots")
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def submitted(congresses, deputy_person, unit, regions):
    from lvzhi.people.models import Sitting, Unit
    from lvzhi.suggestions.models import Signature, Suggestion

    Unit.objects.create(name="清源县教育局", short_name="教育局", region=regions["county"])
    sitting = Sitting.objects.create(term=congresses["county"], number=2, start_date=timezone.localdate())
    suggestion = Suggestion.objects.create(
        state=Suggestion.State.SUBMITTED, title="关于改善城关镇东门路交通秩序的建议", term=congresses["county"],
        sitting=sitting, background="东门路早晚高峰拥堵，学生上下学不安全。", request="增设信号灯并划定停车区域。",
        lead=deputy_person, region_code=congresses["county"].congress.region_id, submitted_at=timezone.now())
    Signature.objects.create(suggestion=suggestion, person=deputy_person, role="lead", status="confirmed")
    return suggestion


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_staff_reviews_classifies_assigns_and_downloads_the_sheet(page, sign_in, office_user, password, submitted,
                                                                 screen, tmp_path):
    from pypdf import PdfReader

    from lvzhi.suggestions.models import Suggestion

    os.makedirs(SHOTS, exist_ok=True)
    page.set_viewport_size(VIEWPORTS[screen])
    sign_in(page, "office", password)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="建议办理").click()
    results = page.locator("#office-results")
    expect(results).to_contain_text("东门路")
    expect(results).to_contain_text("已提交")
    page.screenshot(path=f"{SHOTS}/office-list-{screen}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[screen]["width"]

    results.get_by_role("link", name="关于改善城关镇东门路交通秩序的建议").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("关于改善城关镇东门路交通秩序的建议")
    page.get_by_label("分类").select_option(label="交通运输")
    page.get_by_label("重点建议").check()
    page.get_by_label("领衔督办领导").fill("常委会副主任 王某某")
    page.screenshot(path=f"{SHOTS}/office-review-{screen}.png", full_page=True)
    page.get_by_role("button", name="立案", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已立案并编号")
    expect(page.locator(".office-facts")).to_contain_text("十八届二次会议第001号")

    page.get_by_role("button", name="交办", exact=True).click()
    page.get_by_label("主办单位").select_option(label="清源县交通运输局")
    page.get_by_label("协办单位").select_option(label="清源县教育局")
    page.get_by_label("分管领导").fill("李副县长")
    page.get_by_label("领办人", exact=True).fill("张科长")
    page.get_by_label("督办人").fill("城建环保工委")
    page.screenshot(path=f"{SHOTS}/office-assign-{screen}.png", full_page=True)
    page.get_by_role("button", name="确认交办").click()
    expect(page.locator(".messages")).to_contain_text("已交办")
    expect(page.locator(".office-facts")).to_contain_text("答复期限")
    page.screenshot(path=f"{SHOTS}/office-assigned-{screen}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[screen]["width"]

    with page.expect_download() as info:
        page.get_by_role("button", name="交办表 PDF").click()
    target = tmp_path / "sheet.pdf"
    info.value.save_as(target)
    text = "".join(p.extract_text() for p in PdfReader(target).pages).replace(" ", "").replace("\n", "")
    assert "十八届二次会议第001号" in text and "清源县交通运输局" in text and "清源县教育局" in text

    s = Suggestion.objects.get()
    assert s.state == Suggestion.State.ASSIGNED and s.is_key and s.category.name == "交通运输"
    assert s.assignments.count() == 2

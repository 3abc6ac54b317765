"""Staff lay out a class's hall, seat it by delegation, split it into discussion groups and look at the chart on a
phone and a desktop; a convener records a discussion item."""

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lvzhi.training.tests.test_seating_support import make_crowd

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("E2E_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def big_class(regions, office_user):
    from lvzhi.training.models import ClassDelegation, TrainingClass

    cls = TrainingClass.objects.create(
        title="2026年县人大代表履职培训班", region=regions["county"], organiser="清源县人大常委会",
        start_date=dt.date(2026, 12, 8), end_date=dt.date(2026, 12, 10), venue="县委党校报告厅",
        created_by=office_user, status=TrainingClass.Status.PUBLISHED,
    )
    for order, name in enumerate(["城关镇代表团", "河西乡代表团", "东山镇代表团", "南岭乡代表团"]):
        ClassDelegation.objects.create(training_class=cls, name=name, order=order, home_region=regions["county"])
    make_crowd(cls, regions["town_a"], [18, 15, 12, 9])
    return cls


def test_staff_seats_and_groups_a_class(page, live_server, sign_in, office_user, password, big_class, tmp_path):
    shots = _shots(tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "office", password)
    page.goto(f"{live_server.url}/training/classes/{big_class.pk}/seating/")
    expect(page.get_by_role("heading", name="座次表", level=1)).to_be_visible()

    for name, rows, seats in (("A区", "4", "8"), ("B区", "4", "8")):
        form = page.locator("#zone-form")
        form.get_by_label("区域名称").fill(name)
        form.get_by_label("排数").fill(rows)
        form.get_by_label("每排座位").fill(seats)
        form.get_by_role("button", name="添加区域").click()
        expect(page.locator(".messages")).to_contain_text(f"已添加{name}")

    page.screenshot(path=str(shots / "seating-setup-desktop.png"), full_page=True)
    page.get_by_role("button", name="按代表团排座").click()
    expect(page.locator(".messages")).to_contain_text("已为 54 人安排座位")
    expect(page.locator("td.seat.taken")).to_have_count(54)
    expect(page.locator("#chart")).to_contain_text("城关镇")
    page.screenshot(path=str(shots / "seating-desktop.png"), full_page=True)

    # Move someone: pick them on the chart, pick a free seat, submit.
    page.locator("td.seat.taken a").first.click()
    page.locator("#chart td.seat.free a").first.click()
    page.locator("#seat-change").get_by_role("button", name="调整").click()
    expect(page.locator(".messages")).to_contain_text("已调至B区")

    # The zone filter (HTMX) shows one zone at a time.
    page.locator(".zone-filter").get_by_role("link", name="B区").click()
    expect(page.locator(".seat-zone")).to_have_count(1)
    expect(page.locator(".seat-zone h2")).to_contain_text("B区")

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    page.locator(".seat-zone").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "seating-375.png"), full_page=False)
    scroller = page.locator(".seat-scroll").first
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")  # the zone scrolls sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1  # the page itself does not

    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator(".seat-tabs").get_by_role("link", name="讨论分组").click()
    page.get_by_label("分组数").fill("4")
    page.get_by_role("button", name="开始分组").click()
    expect(page.locator(".messages")).to_contain_text("已分为 4 个讨论组")
    expect(page.locator(".balance-report")).to_contain_text("分布均衡")
    expect(page.locator(".group-card")).to_have_count(4)
    card = page.locator("#group-1")
    card.get_by_label("召集人").select_option(index=1)
    card.get_by_role("button", name="保存").click()
    expect(page.locator("#group-1")).to_contain_text("召集人")
    expect(page.locator(".balance-report")).to_contain_text("未确定召集人：第2组、第3组、第4组")
    page.screenshot(path=str(shots / "groups-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(shots / "groups-375.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator(".seat-tabs").get_by_role("link", name="讨论意见").click()
    page.get_by_text("记录一条意见建议").click()
    record = page.locator("#record")
    record.get_by_label("类别").select_option(label="培训工作")
    record.get_by_label("方面").fill("培训方式")
    record.get_by_label("内容").fill("建议增加分组研讨和现场观摩")
    record.get_by_role("button", name="记录").click()
    expect(page.locator(".discussion-item")).to_contain_text("建议增加分组研讨和现场观摩")
    item = page.locator(".discussion-item").first
    item.get_by_text("答复").first.click()
    item.get_by_label("答复内容").fill("下期培训安排半天分组研讨")
    item.get_by_role("button", name="保存答复").click()
    expect(page.locator(".discussion-item.replied")).to_contain_text("下期培训安排半天分组研讨")
    page.screenshot(path=str(shots / "discussion-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(shots / "discussion-375.png"), full_page=True)

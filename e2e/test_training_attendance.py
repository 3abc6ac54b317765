"""Attendance in a real browser: a deputy at 375 px checks in through the lesson's link, another deputy's leave is
approved by two approvers, and after the lesson the discipline notice lists the one no-show."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("LVZHI_SHOTS", "/tmp/lvzhi-shots/attendance"))
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page, live_server, username, password, next_url=""):
    page.goto(f"{live_server.url}/accounts/login/{('?next=' + next_url) if next_url else ''}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def scene(regions, office_user, deputy_user, other_deputy_user, make_person, congresses, password):
    from lvzhi.accounts.models import User
    from lvzhi.people.services import mandate_create
    from lvzhi.training.models import ClassDelegation, Enrollment, LeaveStep, Lesson, SeatZone, TrainingClass

    now = timezone.now()
    cls = TrainingClass.objects.create(
        title="县人大代表履职能力提升培训班", region=regions["county"], organiser="清源县人大常委会",
        start_date=timezone.localdate(now), end_date=timezone.localdate(now), venue="县委党校报告厅",
        leave_chain=[LeaveStep.HOME_OFFICE, LeaveStep.ORGANISER], status=TrainingClass.Status.PUBLISHED,
    )
    lesson = Lesson.objects.create(training_class=cls, topic="人大代表的职责与权利", starts_at=now + dt.timedelta(minutes=20),
                                   ends_at=now + dt.timedelta(hours=2), hours=Decimal("2.0"), room="报告厅")
    town_a = ClassDelegation.objects.create(training_class=cls, name="城关镇代表团", home_region=regions["town_a"])
    town_b = ClassDelegation.objects.create(training_class=cls, name="河西乡代表团", home_region=regions["town_b"],
                                            order=1)
    zone = SeatZone.objects.create(training_class=cls, name="A区", rows=2, seats_per_row=4)
    wang = make_person("王五", region=regions["town_a"])
    mandate_create(by=None, person=wang, term=congresses["county"])
    for seat, (person, delegation) in enumerate(
            [(deputy_user.person, town_a), (wang, town_a), (other_deputy_user.person, town_b)], start=1):
        Enrollment.objects.create(training_class=cls, person=person, region_code=person.region_id, delegation=delegation,
                                  zone=zone, seat_row=1, seat_number=seat)
    township_b = User.objects.create_user(username="hexi", password=password, role="township",
                                          region=regions["town_b"], display_name="河西乡人大")
    return {"class": cls, "lesson": lesson, "zone": zone, "township_b": township_b}


def test_check_in_leave_and_discipline_notice(browser, live_server, scene, password):
    from lvzhi.training.models import Attendance, LeaveRequest
    from lvzhi.training.services.attendance import checkin_token

    lesson, cls = scene["lesson"], scene["class"]

    # The screen a projector shows, on a desktop.
    office = browser.new_context(**DESKTOP).new_page()
    _sign_in(office, live_server, "office", password)
    office.goto(f"{live_server.url}/training/lessons/{lesson.pk}/screen/")
    expect(office.locator("#checkin-code svg")).to_be_visible()
    link = office.locator(".att-link a").get_attribute("href")
    _shot(office, "screen-desktop")

    # 张三 at 375 px opens the link, signs in, comes back to it and checks in.
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(link)
    assert "/accounts/login/" in phone.url and "next=" in phone.url
    phone.get_by_label("用户名").fill("deputy")
    phone.get_by_label("密码").fill(password)
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("button", name="确认签到")).to_be_visible()
    _shot(phone, "checkin-375")
    phone.get_by_role("button", name="确认签到").click()
    expect(phone.locator(".messages")).to_contain_text("签到成功")
    expect(phone.locator(".att-lesson-card")).to_contain_text("已到")
    _shot(phone, "checkin-home-375")
    assert Attendance.objects.filter(lesson=lesson, enrollment__person__name="张三").count() == 1
    # The same link again changes nothing.
    phone.goto(link)
    expect(phone.locator("main")).to_contain_text("无需重复签到")
    assert Attendance.objects.count() == 1

    # 李四 applies for leave on a phone; the township office and then the county office approve.
    li = browser.new_context(**PHONE).new_page()
    _sign_in(li, live_server, "deputy2", password)
    # A code passed on as a screenshot two minutes later is refused.
    old = checkin_token(lesson, timezone.now() - dt.timedelta(minutes=2))
    li.goto(f"{live_server.url}/training/checkin/{lesson.pk}/{old}/")
    expect(li.locator("main")).to_contain_text("签到码已过期")
    _shot(li, "checkin-old-code-375")
    assert Attendance.objects.count() == 1
    li.goto(f"{live_server.url}/training/classes/{cls.pk}/leave/apply/")
    li.get_by_label(lesson.topic, exact=False).check()
    li.get_by_label("请假事由").fill("参加乡里防汛抢险，无法到会")
    _shot(li, "leave-apply-375")
    li.get_by_role("button", name="提交请假申请").click()
    expect(li.locator(".messages")).to_contain_text("请假申请已提交")
    leave = LeaveRequest.objects.get()

    hexi = browser.new_context(**DESKTOP).new_page()
    _sign_in(hexi, live_server, "hexi", password)
    hexi.goto(f"{live_server.url}/training/leave/")
    hexi.get_by_role("link", name="审批").click()
    hexi.get_by_label("意见（可选）").fill("同意")
    hexi.get_by_role("button", name="同意", exact=True).click()
    expect(hexi.locator(".messages")).to_contain_text("已审批")

    office.goto(f"{live_server.url}/training/classes/{cls.pk}/leave/")
    expect(office.locator("main")).to_contain_text("待我审批（1）")
    _shot(office, "leave-list-desktop")
    office.get_by_role("link", name="审批").first.click()
    office.get_by_role("button", name="同意", exact=True).click()
    expect(office.locator("h1")).to_contain_text("已准假")
    _shot(office, "leave-detail-desktop")
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.APPROVED
    li.goto(f"{live_server.url}/")
    li.goto(f"{live_server.url}/training/leave/{leave.pk}/")
    expect(li.locator("h1")).to_contain_text("已准假")

    # The lesson takes place (time passes: it now ended an hour ago); the discipline notice lists the no-show.
    lesson.starts_at = timezone.now() - dt.timedelta(hours=3)
    lesson.ends_at = timezone.now() - dt.timedelta(hours=1)
    lesson.save()
    office.goto(f"{live_server.url}/training/classes/{cls.pk}/attendance/")
    expect(office.locator(".att-chart")).to_contain_text("缺勤")
    _shot(office, "attendance-desktop")
    office.get_by_role("button", name="结束考勤并记入档案").click()
    expect(office.locator(".messages")).to_contain_text("缺勤1人")
    office.goto(f"{live_server.url}/training/classes/{cls.pk}/discipline/")
    section = office.locator(".att-disc").filter(has_text="城关镇代表团")
    expect(section).to_contain_text("王五")
    expect(section).to_contain_text("缺勤（未请假）")
    main = office.locator("main")
    expect(main).not_to_contain_text("李四")
    expect(office.locator(".att-disc").filter(has_text="城关镇代表团")).not_to_contain_text("张三")
    _shot(office, "discipline-desktop")
    office.once("dialog", lambda dialog: dialog.accept())
    section.get_by_role("button", name="发送至所属人大").click()
    expect(office.locator(".messages")).to_contain_text("已向城关镇代表团所属人大发送考勤通报")

    phone_office = browser.new_context(**PHONE).new_page()
    _sign_in(phone_office, live_server, "office", password)
    for path, name in ((f"/training/classes/{cls.pk}/attendance/", "attendance-375"),
                       (f"/training/classes/{cls.pk}/discipline/", "discipline-375"),
                       (f"/training/lessons/{lesson.pk}/roll-call/{scene['zone'].pk}/", "roll-call-375")):
        phone_office.goto(live_server.url + path)
        _shot(phone_office, name)

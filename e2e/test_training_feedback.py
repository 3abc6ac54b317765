"""A deputy on a phone rates a lesson and writes a reflection; a certificate's QR address opens for anyone."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/e2e-training-feedback")
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def finished_class(regions, office_user, deputy_person, other_deputy_person):
    from lvzhi.training.models import Attendance, ClassDelegation, Enrollment, Lesson, TrainingClass

    day = timezone.localdate() - dt.timedelta(days=1)

    def at(hour, minute=0):
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    cls = TrainingClass.objects.create(
        title="县人大代表履职能力提升培训班", region=regions["county"], organiser="清源县人大常委会", start_date=day,
        end_date=day, status=TrainingClass.Status.PUBLISHED, created_by=office_user)
    delegation = ClassDelegation.objects.create(training_class=cls, name="城关镇代表团", home_region=regions["town_a"])
    lessons = [
        Lesson.objects.create(training_class=cls, topic="代表建议的撰写", starts_at=at(9), ends_at=at(11, 30),
                              hours=Decimal("2.5")),
        Lesson.objects.create(training_class=cls, topic="代表法要点解读", starts_at=at(14, 30), ends_at=at(17),
                              hours=Decimal("2.5")),
    ]
    for person in (deputy_person, other_deputy_person):
        enrollment = Enrollment.objects.create(training_class=cls, person=person, region_code=person.region_id,
                                               delegation=delegation)
        for lesson in lessons:
            Attendance.objects.create(enrollment=enrollment, lesson=lesson, checked_in_at=lesson.starts_at,
                                      method=Attendance.Method.SCAN, region_code=person.region_id)
    return cls


def test_a_deputy_rates_a_lesson_and_writes_a_reflection_on_a_phone(browser, live_server, sign_in, deputy_user,
                                                                   finished_class, password):
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, "deputy", password)
    page.goto(f"{live_server.url}/training/{finished_class.pk}/my-feedback/")
    lesson = page.locator("li.fb-lesson", has_text="代表建议的撰写")
    lesson.locator("label[title='4 分']").click()
    lesson.get_by_label("意见（选填）").fill("案例贴近基层，很实用")
    lesson.get_by_role("button", name="提交评价").click()
    rated = page.locator("li.fb-lesson", has_text="代表建议的撰写")
    expect(rated).to_contain_text("已评价：案例贴近基层，很实用")
    expect(rated.locator(".fb-stars .on")).to_have_count(4)

    page.get_by_label("标题").fill("写好一件建议比提十件更重要")
    page.get_by_label("内容").fill("通过这次培训，我学会了先调研再提建议，把问题、原因和办法写清楚，今后要提有分量的建议。")
    page.get_by_role("button", name="提交心得体会").click()
    expect(page.locator("#reflections")).to_contain_text("写好一件建议比提十件更重要")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "deputy-feedback-375.png"), full_page=True)
    context.close()

    from lvzhi.training.models import LessonRating, Reflection

    assert LessonRating.objects.get().score == 4
    assert Reflection.objects.get().title == "写好一件建议比提十件更重要"


def test_a_certificates_verification_address_opens_for_anyone(browser, live_server, office_user, finished_class):
    from lvzhi.training.services.certificates import certificate_verify_path, certificates_issue

    holder = next(c for c in certificates_issue(training_class=finished_class, by=office_user)
                  if c.enrollment.person.name == "张三")
    context = browser.new_context(viewport=PHONE)  # nobody signed in
    page = context.new_page()
    page.goto(live_server.url + certificate_verify_path(holder))
    expect(page.locator(".fb-verdict")).to_have_text("此证书真实有效。")
    expect(page.locator("dl.facts")).to_contain_text("张三")
    expect(page.locator("dl.facts")).to_contain_text(holder.number)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "verify-375.png"), full_page=True)
    page.goto(f"{live_server.url}/training/verify/not-a-real-code/")
    expect(page.locator(".fb-verdict")).to_contain_text("未找到该证书")
    context.close()

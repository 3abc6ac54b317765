"""Attendance pages: the screen, check-in link, check-out, the deputy's page, roll call, the class attendance page,
closing a lesson, discipline notices (page, PDF, Excel, send) — happy paths, methods, scope 404, read-only 403, htmx."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lvzhi.archive.models import Activity
from lvzhi.training.models import Attendance, DisciplineNotice, Enrollment, SeatZone
from lvzhi.training.services import attendance as svc


@pytest.fixture
def live(training_class):
    """The class's first lesson ended two hours ago, its second runs now (started ten minutes ago)."""
    now = timezone.now()
    first, second = training_class.lessons.order_by("starts_at")
    first.starts_at, first.ends_at = now - dt.timedelta(hours=4), now - dt.timedelta(hours=2)
    first.save()
    second.starts_at, second.ends_at = now - dt.timedelta(minutes=10), now + dt.timedelta(minutes=80)
    second.save()
    return {"ended": first, "now": second}


@pytest.fixture
def zone(training_class, township_user):
    return SeatZone.objects.create(training_class=training_class, name="A区", rows=2, seats_per_row=4,
                                   staff_user=township_user)


@pytest.fixture
def seated(enroll, deputy_person, zone):
    return enroll(deputy_person, zone=zone, seat_row=1, seat_number=1)


# ----------------------------------------------------------------------------------------------- screen


def test_screen_shows_a_qr_code_and_link(login, office_user, live):
    lesson = live["now"]
    response = login(office_user).get(reverse("training:lesson_screen", args=[lesson.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and svc.checkin_token(lesson) in body
    assert 'hx-trigger="every 5s"' in body


def test_screen_htmx_returns_the_code_fragment(login, office_user, live):
    response = login(office_user).get(reverse("training:lesson_screen", args=[live["now"].pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="checkin-code"')
    assert "<html" not in body


def test_screen_scope_and_roles(client, login, outsider_user, deputy_user, leader_user, seated, live):
    url = reverse("training:lesson_screen", args=[live["now"].pk])
    assert login(outsider_user).get(url).status_code == 404
    assert login(deputy_user).get(url).status_code == 403
    assert login(leader_user).get(url).status_code == 403
    assert login(leader_user).post(url).status_code == 405


# ----------------------------------------------------------------------------------------------- check-in link


def test_check_in_link_then_confirm(login, deputy_user, seated, live):
    lesson = live["now"]
    url = reverse("training:checkin", args=[lesson.pk, svc.checkin_token(lesson)])
    client = login(deputy_user)
    page = client.get(url)
    assert page.status_code == 200 and "确认签到" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("training:checkin_home")
    attendance = Attendance.objects.get(enrollment=seated, lesson=lesson)
    assert attendance.late_minutes == 10
    home = client.get(response["Location"]).content.decode()
    assert "签到成功" in home and "迟到10分" in home
    again = client.post(url)
    assert again.status_code == 302 and Attendance.objects.count() == 1
    assert "无需重复签到" in client.get(url).content.decode()


def test_check_in_link_sends_anonymous_to_login_and_back(client, live):
    url = reverse("training:checkin", args=[live["now"].pk, svc.checkin_token(live["now"])])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login")) and "next=" in response["Location"]


def test_old_code_link_explains_itself(login, deputy_user, seated, live):
    lesson = live["now"]
    old = svc.checkin_token(lesson, timezone.now() - dt.timedelta(minutes=3))
    url = reverse("training:checkin", args=[lesson.pk, old])
    client = login(deputy_user)
    page = client.get(url)
    assert page.status_code == 403 and "签到码已过期" in page.content.decode()
    assert client.post(url).status_code == 403
    assert not Attendance.objects.exists()


def test_check_in_outside_window_and_not_enrolled(login, deputy_user, other_deputy_user, seated, live):
    ended = live["ended"]
    response = login(deputy_user).post(reverse("training:checkin", args=[ended.pk, svc.checkin_token(ended)]))
    assert response.status_code == 403 and "不能再签到" in response.content.decode()
    lesson = live["now"]
    response = login(other_deputy_user).post(reverse("training:checkin", args=[lesson.pk, svc.checkin_token(lesson)]))
    assert response.status_code == 403 and "参训名单" in response.content.decode()


def test_check_in_link_method_and_unknown_lesson(login, deputy_user, seated, live):
    client = login(deputy_user)
    assert client.put(reverse("training:checkin", args=[live["now"].pk, "x"])).status_code == 405
    assert client.get(reverse("training:checkin", args=[999999, "x"])).status_code == 404


# ----------------------------------------------------------------------------------------------- check-out, home


def test_deputy_page_and_check_out(login, deputy_user, seated, live):
    lesson = live["now"]
    client = login(deputy_user)
    client.post(reverse("training:checkin", args=[lesson.pk, svc.checkin_token(lesson)]))
    page = client.get(reverse("training:checkin_home")).content.decode()
    assert lesson.topic in page and "签退" in page
    assert client.get(reverse("training:checkout", args=[lesson.pk])).status_code == 405
    response = client.post(reverse("training:checkout", args=[lesson.pk]))
    assert response.status_code == 302
    attendance = Attendance.objects.get()
    assert attendance.early_minutes >= 75
    assert "早退" in client.get(reverse("training:checkin_home")).content.decode()


def test_deputy_page_is_for_deputies(login, office_user):
    assert login(office_user).get(reverse("training:checkin_home")).status_code == 403


# ----------------------------------------------------------------------------------------------- roll call


def test_roll_call_tap_marks_and_tap_again_undoes_via_htmx(login, township_user, seated, live):
    lesson = live["now"]
    url = reverse("training:roll_call", args=[lesson.pk, seated.zone_id])
    client = login(township_user)
    page = client.get(url)
    assert page.status_code == 200 and "张三" in page.content.decode()
    response = client.post(url, {"enrollment": seated.pk, "present": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith("<td") and "迟到" in body
    assert Attendance.objects.get().method == Attendance.Method.ROLL_CALL
    response = client.post(url, {"enrollment": seated.pk, "present": "0"}, HTTP_HX_REQUEST="true")
    assert "未到" in response.content.decode() and not Attendance.objects.exists()


def test_roll_call_without_javascript_redirects_back(login, office_user, seated, live):
    url = reverse("training:roll_call", args=[live["now"].pk, seated.zone_id])
    response = login(office_user).post(url, {"enrollment": seated.pk})
    assert response.status_code == 302 and response["Location"].startswith(url)
    assert Attendance.objects.count() == 1


def test_roll_call_scope_and_read_only(login, outsider_user, leader_user, other_township_user, deputy_user, seated,
                                       live):
    url = reverse("training:roll_call", args=[live["now"].pk, seated.zone_id])
    assert login(outsider_user).get(url).status_code == 404
    assert login(outsider_user).post(url, {"enrollment": seated.pk}).status_code == 404
    assert login(deputy_user).get(url).status_code == 403
    assert login(leader_user).get(url).status_code == 200
    assert login(leader_user).post(url, {"enrollment": seated.pk}).status_code == 403
    assert login(other_township_user).get(url).status_code == 404  # another township: not their class
    assert login(leader_user).delete(url).status_code == 405
    assert not Attendance.objects.exists()


# ----------------------------------------------------------------------------------------------- class page


def test_attendance_page_shows_seats_statuses_and_rates(login, office_user, deputy_user, seated, enroll,
                                                        other_deputy_person, live):
    enroll(other_deputy_person, 1)  # no seat
    lesson = live["now"]
    login(deputy_user).post(reverse("training:checkin", args=[lesson.pk, svc.checkin_token(lesson)]))
    client = login(office_user)
    response = client.get(reverse("training:attendance", args=[seated.training_class_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert lesson.topic in body and "张三" in body and "未安排座位" in body and "李四" in body
    assert "s-late" in body and "出勤率" in body
    ended = client.get(reverse("training:attendance", args=[seated.training_class_id]),
                       {"lesson": live["ended"].pk}).content.decode()
    assert "缺勤" in ended and "结束考勤并记入档案" in ended
    assert client.get(reverse("training:attendance", args=[seated.training_class_id]),
                      {"lesson": 999999}).status_code == 404


def test_attendance_page_queries_do_not_grow_with_seats(login, office_user, training_class, make_person, regions,
                                                        live, django_assert_max_num_queries):
    zone = SeatZone.objects.create(training_class=training_class, name="A区", rows=10, seats_per_row=10)
    url = reverse("training:attendance", args=[training_class.pk])
    client = login(office_user)

    def seat(n_from, n_to):
        for n in range(n_from, n_to):
            person = make_person(f"代表{n}", region=regions["town_a"])
            Enrollment.objects.create(training_class=training_class, person=person, region_code=person.region_id,
                                      zone=zone, seat_row=n // 10 + 1, seat_number=n % 10 + 1)

    seat(0, 3)
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    seat(3, 60)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="att-seat s-') == 60


def test_attendance_page_scope_and_roles(login, outsider_user, deputy_user, leader_user, seated, live):
    url = reverse("training:attendance", args=[seated.training_class_id])
    assert login(outsider_user).get(url).status_code == 404
    assert login(deputy_user).get(url).status_code == 403
    assert login(leader_user).get(url).status_code == 200
    assert "结束考勤" not in login(leader_user).get(url, {"lesson": live["ended"].pk}).content.decode()
    assert login(leader_user).post(url).status_code == 405


def test_zone_staff_of_another_region_may_open_the_page(login, other_township_user, seated, zone, live):
    zone.staff_user = other_township_user
    zone.save()
    url = reverse("training:attendance", args=[seated.training_class_id])
    assert login(other_township_user).get(url).status_code == 200


def test_lesson_close_view(login, office_user, leader_user, outsider_user, seated, live):
    url = reverse("training:lesson_close", args=[live["ended"].pk])
    assert login(leader_user).post(url).status_code == 403
    assert login(outsider_user).post(url).status_code == 404
    assert login(office_user).get(url).status_code == 405
    response = login(office_user).post(url)
    assert response.status_code == 302
    assert Activity.objects.get().kind == "training_absence"
    response = login(office_user).post(reverse("training:lesson_close", args=[live["now"].pk]), follow=True)
    assert "尚未结束" in response.content.decode()


# ----------------------------------------------------------------------------------------------- discipline


def test_discipline_page_pdf_and_excel(login, office_user, seated, live):
    url = reverse("training:discipline", args=[seated.training_class_id])
    client = login(office_user)
    page = client.get(url).content.decode()
    assert "张三" in page and "缺勤（未请假）" in page
    pdf = client.get(url, {"format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = client.get(url, {"format": "xlsx", "delegation": seated.delegation_id})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert rows == [("城关镇代表团", "张三", rows[0][2], "缺勤（未请假）", None)]
    assert client.get(url, {"delegation": 999999}).status_code == 404


def test_discipline_send_view(login, office_user, leader_user, outsider_user, township_user, seated, live,
                              django_capture_on_commit_callbacks):
    url = reverse("training:discipline_send", args=[seated.training_class_id])
    data = {"delegation": seated.delegation_id}
    assert login(leader_user).post(url, data).status_code == 403
    assert login(outsider_user).post(url, data).status_code == 404
    assert login(office_user).get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        assert login(office_user).post(url, data).status_code == 302
    notice = DisciplineNotice.objects.get()
    # The township office of the delegation's home region receives it and may open it, though the class is the
    # county's.
    client = login(township_user)
    page = client.get(reverse("training:discipline_notice", args=[notice.pk]))
    assert page.status_code == 200 and "张三" in page.content.decode()
    pdf = client.get(reverse("training:discipline_notice", args=[notice.pk]), {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    assert login(outsider_user).get(reverse("training:discipline_notice", args=[notice.pk])).status_code == 404


def test_discipline_scope(login, outsider_user, deputy_user, seated, live):
    url = reverse("training:discipline", args=[seated.training_class_id])
    assert login(outsider_user).get(url).status_code == 404
    assert login(deputy_user).get(url).status_code == 403


def test_roll_call_htmx_refusal_comes_back_out_of_band(login, deputy_user, township_user, seated, live):
    lesson = live["now"]
    login(deputy_user).post(reverse("training:checkin", args=[lesson.pk, svc.checkin_token(lesson)]))
    url = reverse("training:roll_call", args=[lesson.pk, seated.zone_id])
    response = login(township_user).post(url, {"enrollment": seated.pk, "present": "0"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'hx-swap-oob="true"' in body and "已扫码签到" in body
    assert Attendance.objects.count() == 1


def test_staff_opening_a_check_in_link_is_told_why_not(login, office_user, live):
    lesson = live["now"]
    response = login(office_user).get(reverse("training:checkin", args=[lesson.pk, svc.checkin_token(lesson)]))
    assert response.status_code == 403 and "代表本人" in response.content.decode()

"""结业证书: the attendance rule, gapless idempotent issuing, revoking, the PDF and the public verification page."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from lvzhi.training.models import Attendance, Certificate, LeaveRequest
from lvzhi.training.services import certificates as services

from .conftest import at


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The public page's rate limit counts per address in the cache: each test starts afresh."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    def set_to(when):
        monkeypatch.setattr(timezone, "now", lambda: when)

    return set_to


@pytest.fixture
def lessons(training_class):
    return list(training_class.lessons.order_by("starts_at"))


@pytest.fixture
def after_class(clock, class_day):
    clock(at(class_day, 18))


def _attend(enrollment, *lessons):
    for lesson in lessons:
        Attendance.objects.create(enrollment=enrollment, lesson=lesson, checked_in_at=lesson.starts_at,
                                  method=Attendance.Method.SCAN, region_code=enrollment.region_code)


def _leave(enrollment, *lessons, status=LeaveRequest.Status.APPROVED):
    leave = LeaveRequest.objects.create(enrollment=enrollment, reason="参加县人代会筹备", status=status,
                                        region_code=enrollment.region_code)
    leave.lessons.set(lessons)
    return leave


@pytest.fixture
def people(enroll, make_person, deputy_person, lessons):
    """张三 attended both lessons; 全勤二 too; 请假 attended one and had the other excused; 待批 one attended and one
    pending; 缺课 attended one."""
    everyone = {"张三": enroll(deputy_person)}
    for n, name in enumerate(("全勤二", "请假", "待批", "缺课")):
        everyone[name] = enroll(make_person(name), n % 2)
    _attend(everyone["张三"], *lessons)
    _attend(everyone["全勤二"], *lessons)
    _attend(everyone["请假"], lessons[0])
    _leave(everyone["请假"], lessons[1])
    _attend(everyone["待批"], lessons[0])
    _leave(everyone["待批"], lessons[1], status=LeaveRequest.Status.PENDING)
    _attend(everyone["缺课"], lessons[0])
    return everyone


def _standings(training_class):
    return {s.enrollment.person.name: s for s in services.certificate_standings(training_class=training_class)}


# ------------------------------------------------------------------------------------------------ the rule


def test_approved_leave_counts_towards_the_rule(training_class, people):
    standings = _standings(training_class)
    assert {name for name, s in standings.items() if s.eligible} == {"张三", "全勤二", "请假"}
    leave = standings["请假"]
    assert (leave.required_hours, leave.attended_hours, leave.leave_hours, leave.rate) == (
        Decimal("5.0"), Decimal("2.5"), Decimal("2.5"), Decimal("100.0"))
    assert standings["待批"].rate == Decimal("50.0")  # pending leave excuses nothing


def test_a_lower_rate_lets_half_attendance_pass(training_class, people):
    training_class.certificate_min_rate = 50
    training_class.save()
    assert all(s.eligible for s in _standings(training_class).values())


def test_a_lesson_without_hours_weighs_its_length(training_class, lessons, people):
    lessons[1].hours = 0
    lessons[1].save()
    assert _standings(training_class)["缺课"].required_hours == Decimal("5.0")  # 2.5 + 14:30–17:00


# ------------------------------------------------------------------------------------------------ issuing


def test_it_issues_gapless_numbers_once(training_class, people, office_user, after_class):
    issued = services.certificates_issue(training_class=training_class, by=office_user)
    pk = training_class.pk
    assert [c.number for c in issued] == [f"清源培〔2026〕{pk}班第00{n}号" for n in (1, 2, 3)]
    assert {c.enrollment.person.name for c in issued} == {"张三", "全勤二", "请假"}
    assert services.certificates_issue(training_class=training_class, by=office_user) == []
    assert Certificate.objects.count() == 3


def test_someone_newly_eligible_gets_the_next_number(training_class, people, lessons, office_user, after_class):
    services.certificates_issue(training_class=training_class, by=office_user)
    LeaveRequest.objects.filter(enrollment=people["待批"]).update(status=LeaveRequest.Status.APPROVED)
    [late] = services.certificates_issue(training_class=training_class, by=office_user)
    assert late.number.endswith("第004号") and late.enrollment == people["待批"]


def test_a_revoked_certificate_keeps_its_number_and_is_not_reissued(training_class, people, office_user,
                                                                    after_class):
    first = services.certificates_issue(training_class=training_class, by=office_user)[0]
    services.certificate_revoke(certificate=first, reason="考勤记录有误，经核实未全程参训", by=office_user)
    assert services.certificates_issue(training_class=training_class, by=office_user) == []
    first.refresh_from_db()
    assert first.revoked_at and first.revoke_reason.startswith("考勤记录有误")


def test_it_refuses_before_the_last_lesson_ends(training_class, people, office_user, clock, class_day):
    clock(at(class_day, 16))
    with pytest.raises(services.CertificateError, match="尚未结束"):
        services.certificates_issue(training_class=training_class, by=office_user)


def test_it_refuses_a_cancelled_class(training_class, people, office_user, after_class):
    training_class.status = training_class.Status.CANCELLED
    training_class.save()
    with pytest.raises(services.CertificateError, match="已取消"):
        services.certificates_issue(training_class=training_class, by=office_user)


@pytest.mark.parametrize("who", ["leader_user", "outsider_user", "deputy_user"])
def test_only_managers_in_scope_issue(training_class, people, after_class, request, who):
    with pytest.raises(PermissionDenied):
        services.certificates_issue(training_class=training_class, by=request.getfixturevalue(who))


def test_revoking_wants_a_reason_and_happens_once(training_class, people, office_user, after_class):
    first = services.certificates_issue(training_class=training_class, by=office_user)[0]
    with pytest.raises(services.CertificateError, match="原因"):
        services.certificate_revoke(certificate=first, reason="  ", by=office_user)
    services.certificate_revoke(certificate=first, reason="重复颁发", by=office_user)
    with pytest.raises(services.CertificateError, match="已撤销"):
        services.certificate_revoke(certificate=first, reason="再次", by=office_user)


def test_the_holder_is_told(training_class, people, office_user, deputy_user, after_class,
                            django_capture_on_commit_callbacks):
    from lvzhi.core.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        services.certificates_issue(training_class=training_class, by=office_user)
    assert Notification.objects.filter(user=deputy_user, title__contains="结业证书").exists()


# ------------------------------------------------------------------------------------------------ the PDF


def test_the_pdf_names_the_holder_and_carries_the_verification_address(training_class, people, office_user,
                                                                       after_class):
    from pypdf import PdfReader

    issued = services.certificates_issue(training_class=training_class, by=office_user)
    content = services.certificates_pdf(certificates=issued, base_url="https://lvzhi.example.gov.cn/")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 3
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    text = page.extract_text()
    assert "张三" in text and issued[0].number in text and "5学时" in text
    assert f"https://lvzhi.example.gov.cn/training/verify/{issued[0].code}/" in text.replace("\n", "")


# ------------------------------------------------------------------------------------------------ pages


@pytest.fixture
def issued(training_class, people, office_user, after_class):
    return services.certificates_issue(training_class=training_class, by=office_user)


def test_the_verification_page_is_public(client, issued):
    response = client.get(reverse("training:certificate_verify", args=[issued[0].code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "真实有效" in html and "张三" in html and issued[0].number in html and "2026年12月8日" in html
    assert "13812345678" not in html and "138****5678" not in html  # nothing personal beyond the name
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_verification_page_says_revoked(client, issued, office_user):
    services.certificate_revoke(certificate=issued[0], reason="核实有误", by=office_user)
    html = client.get(reverse("training:certificate_verify", args=[issued[0].code])).content.decode()
    assert "已于" in html and "撤销" in html and "真实有效" not in html and "核实有误" not in html


def test_an_unknown_code_is_not_found(client, issued):
    response = client.get(reverse("training:certificate_verify", args=["not-a-code"]))
    assert response.status_code == 404 and "未找到该证书" in response.content.decode()


def test_the_verification_page_wants_get(client, issued):
    assert client.post(reverse("training:certificate_verify", args=[issued[0].code])).status_code == 405


def test_the_verification_page_is_rate_limited(client, issued, settings):
    settings.RATELIMIT_ENABLE = True
    url = reverse("training:certificate_verify", args=[issued[0].code])
    codes = [client.get(url).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


def test_staff_see_who_qualifies(client, office_user, training_class, people):
    client.force_login(office_user)
    response = client.get(reverse("training:certificates", args=[training_class.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "待批" in html and "50.0%" in html and "颁发证书（3 人）" in html


def test_the_list_filters_by_htmx(client, office_user, training_class, people):
    client.force_login(office_user)
    response = client.get(reverse("training:certificates", args=[training_class.pk]), {"show": "short"},
                          HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "待批" in html and "全勤二" not in html


def test_staff_issue_from_the_page(client, office_user, training_class, people, after_class):
    client.force_login(office_user)
    response = client.post(reverse("training:certificates_issue", args=[training_class.pk]))
    assert response.status_code == 302 and Certificate.objects.count() == 3


def test_issuing_wants_post(client, office_user, training_class):
    client.force_login(office_user)
    assert client.get(reverse("training:certificates_issue", args=[training_class.pk])).status_code == 405


def test_a_leader_reads_but_does_not_issue(client, leader_user, training_class, people, after_class):
    client.force_login(leader_user)
    assert client.get(reverse("training:certificates", args=[training_class.pk])).status_code == 200
    assert client.post(reverse("training:certificates_issue", args=[training_class.pk])).status_code == 403
    assert not Certificate.objects.exists()


def test_another_county_does_not_find_the_certificates(client, outsider_user, training_class, issued):
    client.force_login(outsider_user)
    assert client.get(reverse("training:certificates", args=[training_class.pk])).status_code == 404
    assert client.get(reverse("training:certificate_pdf", args=[issued[0].pk])).status_code == 404
    response = client.post(reverse("training:certificate_revoke", args=[issued[0].pk]), {"reason": "x"})
    assert response.status_code == 404


def test_staff_revoke_from_the_page(client, office_user, issued):
    client.force_login(office_user)
    response = client.post(reverse("training:certificate_revoke", args=[issued[0].pk]), {"reason": "重复颁发"})
    assert response.status_code == 302
    issued[0].refresh_from_db()
    assert issued[0].revoke_reason == "重复颁发"


def test_the_holder_downloads_their_certificate(client, deputy_user, issued):
    client.force_login(deputy_user)
    mine = next(c for c in issued if c.enrollment.person_id == deputy_user.person_id)
    response = client.get(reverse("training:certificate_pdf", args=[mine.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    other = next(c for c in issued if c.enrollment.person_id != deputy_user.person_id)
    assert client.get(reverse("training:certificate_pdf", args=[other.pk])).status_code == 404


def test_staff_print_the_whole_class(client, office_user, training_class, issued):
    from pypdf import PdfReader

    client.force_login(office_user)
    response = client.get(reverse("training:certificates_pdf", args=[training_class.pk]))
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 3


def test_the_list_reads_a_fixed_number_of_queries(client, office_user, training_class, issued, enroll, make_person,
                                                  lessons, django_assert_max_num_queries):
    client.force_login(office_user)
    url = reverse("training:certificates", args=[training_class.pk])
    for n in range(10):
        _attend(enroll(make_person(f"加{n}"), n % 2), *lessons)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_the_deputy_gets_their_certificate_of_the_class(client, deputy_user, training_class, issued):
    client.force_login(deputy_user)
    response = client.get(reverse("training:my_certificate", args=[training_class.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_a_deputy_without_a_certificate_is_told_why(client, deputy_user, training_class, people):
    client.force_login(deputy_user)
    response = client.get(reverse("training:my_certificate", args=[training_class.pk]), follow=True)
    assert "还没有有效的结业证书" in response.content.decode()


def test_a_deputy_of_another_class_does_not_find_it(client, other_deputy_user, training_class, issued):
    client.force_login(other_deputy_user)
    assert client.get(reverse("training:my_certificate", args=[training_class.pk])).status_code == 404


def test_the_verification_page_reads_only_its_holder(client, issued, enroll, make_person, lessons,
                                                     django_assert_max_num_queries):
    for n in range(10):
        _attend(enroll(make_person(f"加{n}"), n % 2), *lessons)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("training:certificate_verify", args=[issued[0].code]))
    assert "5" in response.context["hours"]

"""Leave pages: apply, list (pending for me, the deputy's own), detail, decide, withdraw, attachment."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lvzhi.training.models import LeaveRequest
from lvzhi.training.services import leave as svc


@pytest.fixture
def future(training_class):
    """Move the class's lessons to tomorrow, so that leave can still be asked for."""
    tomorrow = timezone.now() + dt.timedelta(days=1)
    for i, lesson in enumerate(training_class.lessons.order_by("starts_at")):
        lesson.starts_at = tomorrow + dt.timedelta(hours=3 * i)
        lesson.ends_at = lesson.starts_at + dt.timedelta(hours=2)
        lesson.save()
    return list(training_class.lessons.order_by("starts_at"))


@pytest.fixture
def enrolled(enroll, deputy_person):
    return enroll(deputy_person)


@pytest.fixture
def leave(enrolled, future, deputy_user):
    return svc.leave_apply(enrollment=enrolled, lessons=future[:1], reason="参加防汛值班", by=deputy_user)


def test_apply_page_and_submit(login, deputy_user, enrolled, future):
    url = reverse("training:leave_apply", args=[enrolled.training_class_id])
    client = login(deputy_user)
    page = client.get(url).content.decode()
    assert future[0].topic in page and "代表所属人大常委会 → 主办单位" in page
    response = client.post(url, {"lessons": [future[0].pk, future[1].pk], "reason": "住院治疗",
                                 "attachment": SimpleUploadedFile("诊断证明.pdf", b"%PDF-1.4 x")})
    leave = LeaveRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("training:leave_detail", args=[leave.pk])
    assert leave.lessons.count() == 2 and leave.attachment
    detail = client.get(response["Location"]).content.decode()
    assert "住院治疗" in detail and "撤回申请" in detail and "下载附件" in detail
    attachment = client.get(reverse("training:leave_attachment", args=[leave.pk]))
    assert attachment.status_code == 200 and b"".join(attachment.streaming_content) == b"%PDF-1.4 x"


def test_apply_form_errors_in_chinese(login, deputy_user, enrolled, future):
    response = login(deputy_user).post(reverse("training:leave_apply", args=[enrolled.training_class_id]),
                                       {"reason": ""})
    body = response.content.decode()
    assert response.status_code == 400 and "请至少选择一节要请假的课程" in body and "请填写请假事由" in body
    assert not LeaveRequest.objects.exists()


def test_apply_is_for_enrolled_deputies(login, office_user, other_deputy_user, outsider_user, enrolled, future):
    url = reverse("training:leave_apply", args=[enrolled.training_class_id])
    assert login(office_user).get(url).status_code == 403
    assert login(other_deputy_user).get(url).status_code == 404  # not enrolled: the class is not theirs to see
    assert login(outsider_user).get(url).status_code == 404


def test_list_shows_pending_for_me_and_htmx_filter(login, township_user, office_user, leave):
    url = reverse("training:leave_list", args=[leave.enrollment.training_class_id])
    page = login(township_user).get(url).content.decode()
    assert "待我审批（1）" in page and "张三" in page
    page = login(office_user).get(url).content.decode()
    assert "待我审批（1）" in page  # the county office covers the township too, and may take the first step
    fragment = login(office_user).get(url, {"status": "approved"}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="leave-results"') and "没有请假申请" in fragment


def test_deputy_sees_own_requests_only(login, deputy_user, other_deputy_user, enroll, leave, future):
    other = enroll(other_deputy_user.person, 1)
    svc.leave_apply(enrollment=other, lessons=future[:1], reason="外出学习", by=other_deputy_user)
    page = login(deputy_user).get(reverse("training:leave_list", args=[leave.enrollment.training_class_id]))
    body = page.content.decode()
    assert "参加防汛值班" in body and "外出学习" not in body
    other_leave = LeaveRequest.objects.exclude(pk=leave.pk).get()
    assert login(deputy_user).get(reverse("training:leave_detail", args=[other_leave.pk])).status_code == 404


def test_two_approvers_decide_through_the_page(login, township_user, office_user, leave):
    decide = reverse("training:leave_decide", args=[leave.pk])
    login(township_user).post(decide, {"decision": "approve", "comment": "同意"})
    login(office_user).post(decide, {"decision": "approve", "sms": "1"})
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.APPROVED
    page = login(township_user).get(reverse("training:leave_detail", args=[leave.pk])).content.decode()
    assert "已准假" in page and "同意" in page


def test_out_of_order_decision_is_refused_with_a_message(login, office_user, leave, regions):
    delegation = leave.enrollment.delegation
    delegation.home_region = regions["other_town"]  # the deputies' own office is not the county's
    delegation.save()
    response = login(office_user).post(reverse("training:leave_decide", args=[leave.pk]), {"decision": "approve"},
                                       follow=True)
    assert "按顺序审批" in response.content.decode()
    leave.refresh_from_db()
    assert leave.step == 0


def test_decide_scope_method_and_read_only(login, leader_user, outsider_user, other_township_user, township_user, leave):
    decide = reverse("training:leave_decide", args=[leave.pk])
    assert login(leader_user).post(decide, {"decision": "approve"}).status_code == 403
    assert login(outsider_user).post(decide, {"decision": "approve"}).status_code == 404
    assert login(other_township_user).post(decide, {"decision": "approve"}).status_code == 404
    assert login(township_user).get(decide).status_code == 405
    leave.refresh_from_db()
    assert leave.step == 0


def test_withdraw_through_the_page(login, deputy_user, township_user, leave):
    url = reverse("training:leave_withdraw", args=[leave.pk])
    assert login(township_user).post(url).status_code == 403
    assert login(deputy_user).get(url).status_code == 405
    login(deputy_user).post(url)
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.WITHDRAWN


def test_inbox_lists_what_waits_for_me(login, township_user, office_user, deputy_user, leave):
    assert "张三" in login(township_user).get(reverse("training:leave_inbox")).content.decode()
    login(township_user).post(reverse("training:leave_decide", args=[leave.pk]), {"decision": "approve"})
    assert "张三" not in login(township_user).get(reverse("training:leave_inbox")).content.decode()
    assert "张三" in login(office_user).get(reverse("training:leave_inbox")).content.decode()
    assert login(deputy_user).get(reverse("training:leave_inbox")).status_code == 403


def test_leave_list_queries_do_not_grow_with_requests(login, office_user, training_class, future, make_person, regions,
                                                     django_assert_max_num_queries):
    from lvzhi.accounts.models import User
    from lvzhi.training.models import Enrollment

    url = reverse("training:leave_list", args=[training_class.pk])
    client = login(office_user)

    def apply(n_from, n_to):
        for n in range(n_from, n_to):
            person = make_person(f"代表{n}", region=regions["town_a"])
            user = User.objects.create_user(username=f"d{n}", password="x", role="deputy", person=person)
            enrollment = Enrollment.objects.create(training_class=training_class, person=person,
                                                   region_code=person.region_id,
                                                   delegation=training_class.delegations.first())
            svc.leave_apply(enrollment=enrollment, lessons=future, reason="公务", by=user)

    apply(0, 2)
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    apply(2, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "待我审批（12）" in client.get(url).content.decode()

"""Leave: applying, the approval chain (order, scope, once per person), rejection, withdrawal, notices, archive."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from lvzhi.archive.models import Activity, ActivityKind
from lvzhi.core.models import Notification
from lvzhi.training.models import LeaveDecision, LeaveRequest, LeaveStep
from lvzhi.training.services import attendance as attendance_svc
from lvzhi.training.services import leave as svc
from lvzhi.training.services.leave import LeaveError


@pytest.fixture
def lessons(training_class):
    return list(training_class.lessons.order_by("starts_at"))


@pytest.fixture
def enrolled(enroll, deputy_person):
    return enroll(deputy_person)


@pytest.fixture
def before(lessons):
    return lessons[0].starts_at - dt.timedelta(days=1)


@pytest.fixture
def request_(enrolled, lessons, deputy_user, before):
    return svc.leave_apply(enrollment=enrolled, lessons=lessons, reason="参加县里防汛值班", by=deputy_user, now=before)


def test_apply_copies_the_chain_and_waits_for_the_first_step(request_, training_class, lessons):
    assert request_.status == LeaveRequest.Status.PENDING and request_.step == 0
    assert request_.chain == ["home_office", "organiser"]
    assert set(request_.lessons.all()) == set(lessons)
    training_class.leave_chain = ["organiser"]
    training_class.save()
    request_.refresh_from_db()
    assert request_.chain == ["home_office", "organiser"]  # a request under way keeps its chain


def test_apply_after_the_lesson_began_is_refused(enrolled, lessons, deputy_user):
    with pytest.raises(LeaveError, match="已经开始"):
        svc.leave_apply(enrollment=enrolled, lessons=lessons[:1], reason="堵车", by=deputy_user,
                        now=lessons[0].starts_at)


def test_apply_needs_reason_and_lessons(enrolled, lessons, deputy_user, before):
    with pytest.raises(LeaveError, match="事由"):
        svc.leave_apply(enrollment=enrolled, lessons=lessons, reason="  ", by=deputy_user, now=before)
    with pytest.raises(LeaveError, match="至少选择"):
        svc.leave_apply(enrollment=enrolled, lessons=[], reason="病假", by=deputy_user, now=before)


def test_apply_for_someone_else_is_refused(enrolled, lessons, other_deputy_user, office_user, before):
    for user in (other_deputy_user, office_user):
        with pytest.raises(PermissionDenied):
            svc.leave_apply(enrollment=enrolled, lessons=lessons, reason="病假", by=user, now=before)


def test_apply_twice_for_a_lesson_is_refused(request_, enrolled, lessons, deputy_user, before):
    with pytest.raises(LeaveError, match="不能重复申请"):
        svc.leave_apply(enrollment=enrolled, lessons=lessons[1:], reason="再请", by=deputy_user, now=before)


def test_apply_with_attachment_of_a_wrong_type_is_refused(enrolled, lessons, deputy_user, before):
    bad = SimpleUploadedFile("证明.exe", b"MZ...")
    with pytest.raises(LeaveError, match="附件"):
        svc.leave_apply(enrollment=enrolled, lessons=lessons, reason="病假", by=deputy_user, attachment=bad,
                        now=before)
    good = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 test")
    leave = svc.leave_apply(enrollment=enrolled, lessons=lessons, reason="病假", by=deputy_user, attachment=good,
                            now=before)
    assert leave.attachment.name.endswith(".pdf")


def test_two_approvers_in_order_grant_the_leave(request_, township_user, office_user, deputy_user,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        svc.leave_decide(request=request_, by=township_user, approve=True, comment="同意")
    request_.refresh_from_db()
    assert request_.status == LeaveRequest.Status.PENDING and request_.step == 1
    with django_capture_on_commit_callbacks(execute=True):
        svc.leave_decide(request=request_, by=office_user, approve=True)
    request_.refresh_from_db()
    assert request_.status == LeaveRequest.Status.APPROVED and request_.decided_at is not None
    assert list(request_.decisions.values_list("step_kind", "approver__username")) == [
        (LeaveStep.HOME_OFFICE, "town"), (LeaveStep.ORGANISER, "office")]
    titles = list(Notification.objects.filter(user=deputy_user).order_by("pk").values_list("title", flat=True))
    assert len(titles) == 2 and "已获批准" in titles[-1]


def test_approval_out_of_order_is_refused(enrolled, lessons, deputy_user, before, regions, office_user):
    # The deputies' home office lies outside the organiser's county: the county office decides only the last step.
    delegation = enrolled.delegation
    delegation.home_region = regions["other_town"]
    delegation.save()
    leave = svc.leave_apply(enrollment=enrolled, lessons=lessons, reason="病假", by=deputy_user, now=before)
    with pytest.raises(LeaveError, match="按顺序审批"):
        svc.leave_decide(request=leave, by=office_user, approve=True)
    assert not LeaveDecision.objects.exists()


def test_out_of_scope_approver_is_refused(request_, other_township_user, outsider_user, leader_user,
                                          other_deputy_user):
    for user in (other_township_user, outsider_user, leader_user, other_deputy_user):
        with pytest.raises(PermissionDenied):
            svc.leave_decide(request=request_, by=user, approve=True)
    assert not LeaveDecision.objects.exists()


def test_one_person_decides_one_step_only(request_, office_user):
    svc.leave_decide(request=request_, by=office_user, approve=True)  # the county office covers the township too
    with pytest.raises(LeaveError, match="审批过此请假"):
        svc.leave_decide(request=request_, by=office_user, approve=True)
    request_.refresh_from_db()
    assert request_.step == 1 and request_.status == LeaveRequest.Status.PENDING


def test_rejection_ends_the_request(request_, township_user, office_user, deputy_user):
    svc.leave_decide(request=request_, by=township_user, approve=False, comment="培训重要，请克服")
    request_.refresh_from_db()
    assert request_.status == LeaveRequest.Status.REJECTED
    with pytest.raises(LeaveError, match="未获批准"):
        svc.leave_decide(request=request_, by=office_user, approve=True)
    with pytest.raises(LeaveError, match="只有审批中"):
        svc.leave_withdraw(request=request_, by=deputy_user)


def test_approving_after_approval_is_refused(request_, township_user, office_user, admin_user):
    svc.leave_decide(request=request_, by=township_user, approve=True)
    svc.leave_decide(request=request_, by=office_user, approve=True)
    with pytest.raises(LeaveError, match="全部审批通过"):
        svc.leave_decide(request=request_, by=township_user, approve=True)


def test_delegation_lead_decides_the_delegation_step(enrolled, lessons, deputy_user, before, training_class,
                                                      township_user, other_township_user):
    delegation = enrolled.delegation
    delegation.lead_user = other_township_user
    delegation.save()
    training_class.leave_chain = ["delegation", "organiser"]
    training_class.save()
    leave = svc.leave_apply(enrollment=enrolled, lessons=lessons, reason="病假", by=deputy_user, now=before)
    with pytest.raises(PermissionDenied):
        svc.leave_decide(request=leave, by=township_user, approve=True)
    svc.leave_decide(request=leave, by=other_township_user, approve=True)
    leave.refresh_from_db()
    assert leave.step == 1


def test_delegation_step_without_a_lead_is_refused_at_apply(enrolled, lessons, deputy_user, before, training_class):
    training_class.leave_chain = ["delegation"]
    training_class.save()
    with pytest.raises(LeaveError, match="带队领导账号"):
        svc.leave_apply(enrollment=enrolled, lessons=lessons, reason="病假", by=deputy_user, now=before)


def test_withdraw_while_pending(request_, deputy_user, other_deputy_user, township_user):
    with pytest.raises(PermissionDenied):
        svc.leave_withdraw(request=request_, by=other_deputy_user)
    svc.leave_withdraw(request=request_, by=deputy_user)
    request_.refresh_from_db()
    assert request_.status == LeaveRequest.Status.WITHDRAWN
    with pytest.raises(LeaveError, match="撤回"):
        svc.leave_decide(request=request_, by=township_user, approve=True)


def test_only_approved_leave_excuses_and_late_approval_corrects_the_archive(request_, lessons, township_user,
                                                                           office_user, deputy_person):
    first = lessons[0]
    attendance_svc.lesson_close(lesson=first, now=first.ends_at)
    assert Activity.objects.get(person=deputy_person).kind == ActivityKind.TRAINING_ABSENCE  # not yet approved
    svc.leave_decide(request=request_, by=township_user, approve=True, now=first.ends_at)
    assert Activity.objects.get(person=deputy_person).kind == ActivityKind.TRAINING_ABSENCE
    svc.leave_decide(request=request_, by=office_user, approve=True, now=first.ends_at + dt.timedelta(minutes=1))
    activity = Activity.objects.get(person=deputy_person)
    assert activity.kind == ActivityKind.TRAINING_LEAVE
    assert activity.details["leave_request_id"] == request_.pk


def test_checked_in_lesson_cannot_be_taken_as_leave(enrolled, lessons, deputy_user):
    first = lessons[0]
    when = first.starts_at - dt.timedelta(minutes=10)
    attendance_svc.attendance_check_in(lesson=first, token=attendance_svc.checkin_token(first, when), by=deputy_user,
                                       now=when)
    with pytest.raises(LeaveError, match="已签到"):
        svc.leave_apply(enrollment=enrolled, lessons=[first], reason="临时有事", by=deputy_user, now=when)


def test_lessons_open_for_leave(request_, enrolled, lessons, before, deputy_user):
    assert svc.lessons_open_for_leave(enrolled, before) == []
    svc.leave_withdraw(request=request_, by=deputy_user)
    assert svc.lessons_open_for_leave(enrolled, before) == lessons
    assert svc.lessons_open_for_leave(enrolled, lessons[0].starts_at) == lessons[1:]


def test_each_step_tells_its_approvers(enrolled, lessons, deputy_user, before, township_user, office_user,
                                       other_township_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        leave = svc.leave_apply(enrollment=enrolled, lessons=lessons, reason="病假", by=deputy_user, now=before)
    assert Notification.objects.filter(user=township_user, title__contains="待您审批").count() == 1
    assert not Notification.objects.filter(user__in=[office_user, other_township_user]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        svc.leave_decide(request=leave, by=township_user, approve=True)
    assert Notification.objects.filter(user=office_user, title__contains="主办单位").count() == 1

"""请假: a deputy's written leave for lessons, approved step by step along the class's chain.

States: 审批中 (pending, at step N of the chain) → 已准假 (every step approved) | 未准假 (any step rejected) |
已撤回 (the deputy withdrew it while pending). Only 已准假 excuses an absence.

The chain is copied from the class when the request is made (``TrainingClass.leave_chain``), so a later change
of the class does not change a request under way. Who decides a step:

- 代表所属人大常委会 (home_office): office or township staff whose region covers the delegation's home region
  (the person's own region when they have no delegation), or the delegation's lead or staff member;
- 代表团带队领导 (delegation): the delegation's lead;
- 主办单位 (organiser): staff who run training in the class's region.

One person decides at most one step of a request, so two levels mean two people.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lvzhi.accounts.models import Role
from lvzhi.core.audit import audit_event
from lvzhi.core.notify import notify

from ..models import Attendance, Enrollment, LeaveDecision, LeaveRequest, LeaveStep, Lesson
from .attendance import attendance_archive_sync

MAX_REASON = 500
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".heic"}
DEFAULT_CHAIN = [LeaveStep.ORGANISER]


class LeaveError(ValueError):
    """A leave action refused by its rules; the message says why and what to do."""


def class_chain(training_class) -> list[str]:
    chain = [step for step in (training_class.leave_chain or []) if step in LeaveStep.values]
    return chain or list(DEFAULT_CHAIN)


def step_label(kind: str) -> str:
    return LeaveStep(kind).label


def _covers(user, region_code: str | None) -> bool:
    prefix = getattr(user, "scope_prefix", "")
    return bool(prefix and region_code and region_code.startswith(prefix))


def may_decide_step(user, request: LeaveRequest, kind: str) -> bool:
    """Whether ``user`` is an approver of step ``kind`` of this request (regardless of whose turn it is)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    enrollment = request.enrollment
    delegation = enrollment.delegation
    if kind == LeaveStep.HOME_OFFICE:
        if delegation is not None and user.pk in (delegation.lead_user_id, delegation.staff_user_id):
            return True
        home = delegation.home_region_id if delegation is not None else enrollment.region_code
        return user.role in (Role.OFFICE, Role.TOWNSHIP) and _covers(user, home)
    if kind == LeaveStep.DELEGATION:
        return delegation is not None and delegation.lead_user_id == user.pk
    if kind == LeaveStep.ORGANISER:
        return user.can("training.manage") and _covers(user, enrollment.training_class.region_id)
    return False


def current_step(request: LeaveRequest) -> str | None:
    if request.status != LeaveRequest.Status.PENDING or request.step >= len(request.chain):
        return None
    return request.chain[request.step]


def awaits(user, request: LeaveRequest) -> bool:
    kind = current_step(request)
    return kind is not None and may_decide_step(user, request, kind) and not any(
        d.approver_id == user.pk for d in request.decisions.all())


def _check_attachment(attachment) -> None:
    if not attachment:
        return
    if Path(attachment.name).suffix.lower() not in ATTACHMENT_TYPES:
        raise LeaveError("附件只能是 PDF、Word 文档或照片（jpg、png）")
    if attachment.size > MAX_ATTACHMENT_BYTES:
        raise LeaveError("附件不能超过 10 MB")


@transaction.atomic
def leave_apply(*, enrollment: Enrollment, lessons, reason: str, by, attachment=None,
                now: dt.datetime | None = None) -> LeaveRequest:
    """The deputy asks for leave from lessons that have not begun; the class's chain is copied into the request."""
    now = now or timezone.now()
    if by is None or by.person_id != enrollment.person_id:
        raise PermissionDenied("请假须由代表本人登录后提出")
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise LeaveError("您已不在本培训班的参训名单中，无需请假")
    reason = (reason or "").strip()
    if not reason:
        raise LeaveError("请填写请假事由")
    if len(reason) > MAX_REASON:
        raise LeaveError(f"请假事由不能超过{MAX_REASON}字")
    lessons = sorted(set(lessons), key=lambda lesson: (lesson.starts_at, lesson.pk))
    if not lessons:
        raise LeaveError("请至少选择一节要请假的课程")
    for lesson in lessons:
        if lesson.training_class_id != enrollment.training_class_id:
            raise LeaveError(f"“{lesson.topic}”不是本培训班的课程")
        if lesson.starts_at <= now:
            raise LeaveError(f"“{lesson.topic}”已经开始，请假须在课程开始前提出；如有特殊情况请联系会务工作人员")
        if not lesson.attendance_required:
            raise LeaveError(f"“{lesson.topic}”不考勤，无需请假")
        if lesson.area_id and lesson.area_id != enrollment.area_id:
            raise LeaveError(f"“{lesson.topic}”不是您所在片区的课程")
    taken = LeaveRequest.lessons.through.objects.filter(
        leaverequest__enrollment=enrollment, lesson__in=lessons,
        leaverequest__status__in=[LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED],
    ).select_related("lesson").first()
    if taken is not None:
        raise LeaveError(f"“{taken.lesson.topic}”已有审批中或已准假的请假，不能重复申请")
    if Attendance.objects.filter(enrollment=enrollment, lesson__in=lessons).exists():
        raise LeaveError("您已签到的课程不能请假")
    _check_attachment(attachment)
    chain = class_chain(enrollment.training_class)
    delegation = enrollment.delegation
    if LeaveStep.DELEGATION in chain and (delegation is None or not delegation.lead_user_id):
        raise LeaveError("本培训班的请假须经代表团带队领导审批，但您所在代表团未设置带队领导账号，请联系会务工作人员")
    request = LeaveRequest(enrollment=enrollment, reason=reason, chain=[str(step) for step in chain],
                           region_code=enrollment.region_code)
    if attachment:
        request.attachment = attachment
    request.full_clean(exclude=["attachment"])
    request.save()
    request.lessons.set(lessons)
    audit_event(request, event="leave_apply", actor=by, changes={"status": [None, request.status]},
                note="、".join(lesson.topic for lesson in lessons))
    _notify_approvers(request)
    return request


def step_approvers(request: LeaveRequest, kind: str) -> list:
    """Whom to tell that a step waits: the delegation's lead; the home office's own staff (and the delegation's
    staff member); the organiser's training staff. Others in scope may decide too, they see it in their list."""
    from lvzhi.accounts.models import User

    enrollment = request.enrollment
    delegation = enrollment.delegation
    if kind == LeaveStep.DELEGATION:
        return [delegation.lead_user] if delegation is not None and delegation.lead_user_id else []
    if kind == LeaveStep.HOME_OFFICE:
        home = delegation.home_region_id if delegation is not None else enrollment.region_code
        users = list(User.objects.filter(is_active=True, role__in=[Role.OFFICE, Role.TOWNSHIP], region_id=home))
        if delegation is not None and delegation.staff_user_id and delegation.staff_user not in users:
            users.append(delegation.staff_user)
        return users
    region = enrollment.training_class.region_id
    return [u for u in User.objects.filter(is_active=True, role__in=[Role.OFFICE, Role.TOWNSHIP], region_id=region)
            if u.can("training.manage")]


def _notify_approvers(request: LeaveRequest) -> None:
    kind = current_step(request)
    if kind is None:
        return
    approvers = [u for u in step_approvers(request, kind)
                 if not any(d.approver_id == u.pk for d in request.decisions.all())]
    title = f"{request.enrollment.person.name}的请假待您审批（{step_label(kind)}）"
    body = request.reason[:100]
    link = reverse("training:leave_detail", args=[request.pk])

    def send() -> None:
        for user in approvers:
            notify(user=user, title=title, body=body, link=link)

    transaction.on_commit(send)


def _notify_person(request: LeaveRequest, title: str, body: str, sms: bool) -> None:
    account = getattr(request.enrollment.person, "account", None)
    if account is None:
        return
    link = reverse("training:leave_detail", args=[request.pk])
    transaction.on_commit(lambda: notify(user=account, title=title, body=body, link=link, sms=sms))


@transaction.atomic
def leave_decide(*, request: LeaveRequest, by, approve: bool, comment: str = "", sms: bool = False,
                 now: dt.datetime | None = None) -> LeaveRequest:
    """One approver decides the current step. Approval moves to the next step (or grants the leave at the last);
    rejection at any step ends the request. Each decision is told to the deputy."""
    now = now or timezone.now()
    request = (LeaveRequest.objects.select_for_update(of=("self",))
               .select_related("enrollment__delegation", "enrollment__person", "enrollment__training_class")
               .get(pk=request.pk))
    comment = (comment or "").strip()
    if len(comment) > 200:
        raise LeaveError("审批意见不能超过200字")
    if request.status == LeaveRequest.Status.WITHDRAWN:
        raise LeaveError("申请人已撤回此请假，无需审批")
    if request.status == LeaveRequest.Status.REJECTED:
        raise LeaveError("此请假已未获批准，审批已结束")
    if request.status == LeaveRequest.Status.APPROVED:
        raise LeaveError("此请假已全部审批通过，无需再审批")
    earlier = request.decisions.filter(approver=by).first()
    if earlier is not None:
        raise LeaveError(f"您已在“{step_label(earlier.step_kind)}”一步审批过此请假，下一步须由其他审批人办理")
    kind = current_step(request)
    if not may_decide_step(by, request, kind):
        later = [k for k in request.chain[request.step + 1:] if may_decide_step(by, request, k)]
        if later:
            raise LeaveError(f"请假须按顺序审批：目前等待“{step_label(kind)}”审批，还没有轮到“{step_label(later[0])}”")
        raise PermissionDenied(f"您不是此请假“{step_label(kind)}”一步的审批人")
    LeaveDecision.objects.create(request=request, step=request.step, step_kind=kind, approver=by, approved=approve,
                                 comment=comment)
    before = request.status
    name = request.enrollment.person.name
    if not approve:
        request.status = LeaveRequest.Status.REJECTED
        request.decided_at = now
        title = f"您的请假未获批准（{step_label(kind)}）"
    elif request.step + 1 >= len(request.chain):
        request.step += 1
        request.status = LeaveRequest.Status.APPROVED
        request.decided_at = now
        title = "您的请假已获批准"
    else:
        request.step += 1
        title = f"您的请假已经“{step_label(kind)}”同意，等待“{step_label(request.chain[request.step])}”审批"
    request.save(update_fields=["status", "step", "decided_at"])
    audit_event(request, event="leave_decide", actor=by, changes={"status": [before, request.status]},
                note=f"{step_label(kind)}：{'同意' if approve else '不同意'}{('，' + comment) if comment else ''}")
    _notify_person(request, title, comment or f"{name}的请假：{request.reason[:60]}", sms)
    _notify_approvers(request)
    if request.status == LeaveRequest.Status.APPROVED:
        # Leave granted after a lesson ended turns a recorded absence into leave.
        for lesson in request.lessons.filter(ends_at__lte=now).select_related("training_class"):
            attendance_archive_sync(lesson=lesson, enrollment=request.enrollment, now=now)
    return request


@transaction.atomic
def leave_withdraw(*, request: LeaveRequest, by, now: dt.datetime | None = None) -> LeaveRequest:
    request = LeaveRequest.objects.select_for_update(of=("self",)).select_related("enrollment").get(pk=request.pk)
    if by is None or by.person_id != request.enrollment.person_id:
        raise PermissionDenied("只有申请人本人可以撤回请假")
    if request.status != LeaveRequest.Status.PENDING:
        raise LeaveError(f"此请假{request.get_status_display()}，只有审批中的请假可以撤回")
    request.status = LeaveRequest.Status.WITHDRAWN
    request.decided_at = now or timezone.now()
    request.save(update_fields=["status", "decided_at"])
    audit_event(request, event="leave_withdraw", actor=by, changes={"status": [LeaveRequest.Status.PENDING,
                                                                             request.status]})
    return request


def lessons_open_for_leave(enrollment: Enrollment, now: dt.datetime | None = None) -> list[Lesson]:
    """Lessons the deputy may still ask leave for: not begun, attended-required, of their area, not yet covered."""
    now = now or timezone.now()
    qs = Lesson.objects.filter(training_class_id=enrollment.training_class_id, starts_at__gt=now,
                               attendance_required=True).order_by("starts_at", "id")
    qs = qs.filter(Q(area__isnull=True) | Q(area_id=enrollment.area_id)) if enrollment.area_id else qs.filter(
        area__isnull=True)
    covered = LeaveRequest.lessons.through.objects.filter(
        leaverequest__enrollment=enrollment,
        leaverequest__status__in=[LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED],
    ).values("lesson_id")
    return list(qs.exclude(pk__in=covered))

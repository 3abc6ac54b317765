"""考勤通报: each delegation's unexcused absences, lateness and early leaving at the class's finished lessons, and
sending it to the delegation's home office (the staff of its home region), with the rows kept as sent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lvzhi.accounts.models import Role, User
from lvzhi.core.audit import audit_event
from lvzhi.core.documents import chinese_date
from lvzhi.core.notify import notify

from ..models import Attendance, ClassDelegation, DisciplineNotice, Enrollment, LeaveRequest, TrainingClass
from .attendance import finished_lessons

ABSENT, LATE, EARLY = "absent", "late", "early"
KIND_LABELS = {ABSENT: "缺勤（未请假）", LATE: "迟到", EARLY: "早退"}


class DisciplineError(ValueError):
    pass


def _lesson_label(lesson) -> str:
    start = timezone.localtime(lesson.starts_at)
    return f"{start.month}月{start.day}日 {start:%H:%M} {lesson.topic}"


def discipline_rows(training_class: TrainingClass, *, delegation: ClassDelegation | None = None,
                    now: dt.datetime | None = None) -> list[dict]:
    """One entry per delegation (in order) with its rows: who, which lesson, what (absent / late / early), minutes.

    Only finished lessons count, and only unexcused absence: fully approved leave excuses, pending leave does not."""
    lessons = finished_lessons(training_class, now)
    delegations = list(training_class.delegations.order_by("order", "id"))
    if delegation is not None:
        delegations = [d for d in delegations if d.pk == delegation.pk]
    enrollments = (Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
                   .select_related("person").order_by("delegation__order", "delegation_id", "id"))
    if delegation is not None:
        enrollments = enrollments.filter(delegation=delegation)
    enrollments = list(enrollments)
    lesson_ids = [lesson.pk for lesson in lessons]
    attendances = {(a.lesson_id, a.enrollment_id): a for a in Attendance.objects.filter(
        lesson_id__in=lesson_ids, enrollment__in=[e.pk for e in enrollments]).only(
        "lesson_id", "enrollment_id", "late_minutes", "early_minutes")}
    excused = set(LeaveRequest.lessons.through.objects.filter(
        lesson_id__in=lesson_ids, leaverequest__status=LeaveRequest.Status.APPROVED,
        leaverequest__enrollment__in=[e.pk for e in enrollments],
    ).values_list("lesson_id", "leaverequest__enrollment_id"))
    rows_by_delegation: dict[int | None, list[dict]] = defaultdict(list)
    for enrollment in enrollments:
        for lesson in lessons:
            if lesson.area_id and lesson.area_id != enrollment.area_id:
                continue
            key = (lesson.pk, enrollment.pk)
            attendance = attendances.get(key)
            base = {"name": enrollment.person.name, "enrollment_id": enrollment.pk, "lesson_id": lesson.pk,
                    "lesson": _lesson_label(lesson)}
            if attendance is None:
                if key not in excused:
                    rows_by_delegation[enrollment.delegation_id].append(
                        {**base, "kind": ABSENT, "kind_label": KIND_LABELS[ABSENT], "minutes": None})
                continue
            if attendance.late_minutes:
                rows_by_delegation[enrollment.delegation_id].append(
                    {**base, "kind": LATE, "kind_label": KIND_LABELS[LATE], "minutes": attendance.late_minutes})
            if attendance.early_minutes:
                rows_by_delegation[enrollment.delegation_id].append(
                    {**base, "kind": EARLY, "kind_label": KIND_LABELS[EARLY], "minutes": attendance.early_minutes})
    result = []
    for d in delegations:
        rows = rows_by_delegation.get(d.pk, [])
        result.append({
            "delegation": d, "rows": rows,
            "absent": sum(1 for r in rows if r["kind"] == ABSENT),
            "late": sum(1 for r in rows if r["kind"] == LATE),
            "early": sum(1 for r in rows if r["kind"] == EARLY),
        })
    if delegation is None and rows_by_delegation.get(None):
        rows = rows_by_delegation[None]
        result.append({"delegation": None, "rows": rows, "absent": sum(1 for r in rows if r["kind"] == ABSENT),
                       "late": sum(1 for r in rows if r["kind"] == LATE),
                       "early": sum(1 for r in rows if r["kind"] == EARLY)})
    return result


def home_office_users(delegation: ClassDelegation):
    """The staff of the delegation's own congress office: office or township accounts of its home region."""
    return User.objects.filter(is_active=True, role__in=[Role.OFFICE, Role.TOWNSHIP],
                               region_id=delegation.home_region_id).order_by("pk")


@transaction.atomic
def discipline_notice_send(*, training_class: TrainingClass, delegation: ClassDelegation, by,
                           now: dt.datetime | None = None) -> DisciplineNotice:
    """Issue a delegation's 通报: the rows as of now are kept in the notice, and its home office is told."""
    from ..selectors import can_manage_class

    if not can_manage_class(by, training_class):
        raise PermissionDenied("只有培训班的管理人员可以发送考勤通报")
    if delegation.training_class_id != training_class.pk:
        raise DisciplineError("该代表团不属于本培训班")
    now = now or timezone.now()
    lessons = finished_lessons(training_class, now)
    if not lessons:
        raise DisciplineError("本培训班还没有结束的课程，暂不能通报")
    entry = discipline_rows(training_class, delegation=delegation, now=now)[0]
    content = {
        "class_title": training_class.title,
        "delegation": delegation.name,
        "home_region": delegation.home_region_id,
        "as_of": now.isoformat(),
        "as_of_label": chinese_date(timezone.localtime(now)),
        "lessons": len(lessons),
        "absent": entry["absent"], "late": entry["late"], "early": entry["early"],
        "rows": [{k: r[k] for k in ("name", "lesson", "kind", "kind_label", "minutes")} for r in entry["rows"]],
    }
    notice = DisciplineNotice.objects.create(training_class=training_class, delegation=delegation, content=content,
                                             issued_by=by)
    audit_event(notice, event="discipline_notice", actor=by,
                note=f"{delegation.name}：缺勤{entry['absent']}人次，迟到{entry['late']}人次，早退{entry['early']}人次")
    recipients = list(home_office_users(delegation))
    link = reverse("training:discipline_notice", args=[notice.pk])
    title = f"考勤通报：{training_class.title}（{delegation.name}）"
    body = (f"截至{content['as_of_label']}，{delegation.name}未经批准缺勤{entry['absent']}人次、迟到{entry['late']}人次、"
            f"早退{entry['early']}人次。")

    def send() -> None:
        for user in recipients:
            notify(user=user, title=title, body=body, link=link)

    transaction.on_commit(send)
    return notice


def notice_recipients_label(delegation: ClassDelegation) -> str:
    names = [str(u) for u in home_office_users(delegation)[:5]]
    return "、".join(names) if names else "（所属人大未开通账号）"

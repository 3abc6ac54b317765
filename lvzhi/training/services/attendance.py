"""考勤: check-in by a rotating lesson code, check-out, roll call on the seating chart, closing a lesson, and the
reads built on attendance (a lesson's seat statuses, attendance rates).

The lesson code. The screen shows a code for the current time slot (``code_period_seconds``, 30 s by default): an
HMAC over the lesson id and the slot number, keyed by the project's secret and salted with the lesson's own
``checkin_secret``. A code is accepted during its slot and the next one, so a phone that scanned it a moment before
it changed still gets in, while a screenshot passed on a minute later is refused.

The archive. Each enrolled person's conduct at a lesson is one activity whose source is the lesson: 参加培训 (with
the hours, and lateness or early leaving in its details) when they were there, 培训请假 when fully approved leave
covered an absence, 培训缺勤 otherwise. What a person did at a lesson is known once it has ended (absence, leave,
early leaving), so ``lesson_close`` (run by ``close_ended_lessons`` from the worker or cron, or by staff) writes
the lesson's records in one pass, and the check-in itself stays a single insert. Any later correction (a roll call
undone, a late check-out, leave approved after the lesson) calls the same sync, so the archive always says what the
attendance says, once per lesson and person.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_tasks import task

from lvzhi.archive.models import Activity, ActivityKind
from lvzhi.archive.services import activity_record, activity_withdraw
from lvzhi.core.audit import audit_event

from ..models import Attendance, Enrollment, LeaveRequest, Lesson, SeatZone, TrainingClass

CLOSE_AFTER_MINUTES = 30  # the periodic close waits this long after a lesson's end (late roll-call corrections)
CLOSE_LOOKBACK_DAYS = 3  # and looks back this far, so a worker that was down catches up
CHECKOUT_AFTER_END_MINUTES = 120
SIGNATURE_CHARS = 16  # 96 bits of HMAC-SHA256: a short link that nobody can guess within a 30-second slot


class AttendanceError(ValueError):
    """A check-in or roll call refused by its rules; the message tells the person what to do."""


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _local(value: dt.datetime) -> str:
    value = timezone.localtime(value)
    return f"{value.month}月{value.day}日 {value:%H:%M}"


# ----------------------------------------------------------------------------------------------- the lesson code


def code_period(lesson: Lesson) -> int:
    return max(5, lesson.training_class.code_period_seconds or 30)


def checkin_slot(lesson: Lesson, at: dt.datetime | None = None) -> int:
    return int(_now(at).timestamp()) // code_period(lesson)


def _signature(lesson: Lesson, slot: int) -> str:
    signer = signing.Signer(salt=f"lvzhi.training.checkin:{lesson.checkin_secret}", algorithm="sha256")
    return signer.signature(f"{lesson.pk}:{slot}")[:SIGNATURE_CHARS]


def checkin_token(lesson: Lesson, at: dt.datetime | None = None) -> str:
    """The code the screen shows now: ``<slot in hex>-<signature>``."""
    slot = checkin_slot(lesson, at)
    return f"{slot:x}-{_signature(lesson, slot)}"


def seconds_left_in_slot(lesson: Lesson, at: dt.datetime | None = None) -> int:
    period = code_period(lesson)
    return period - int(_now(at).timestamp()) % period


def checkin_window(lesson: Lesson) -> tuple[dt.datetime, dt.datetime]:
    opens = lesson.starts_at - dt.timedelta(minutes=lesson.training_class.checkin_opens_minutes)
    return opens, lesson.ends_at


def verify_token(lesson: Lesson, token: str, at: dt.datetime | None = None) -> None:
    """Refuse a code that is forged, from another lesson, or older than the previous slot."""
    slot_hex, _, signature = (token or "").partition("-")
    try:
        slot = int(slot_hex, 16)
    except ValueError:
        slot = None
    if slot is None or not signature or not constant_time_compare(signature, _signature(lesson, slot)):
        raise AttendanceError("签到码无效：请用手机扫描会场屏幕上本课程的二维码")
    current = checkin_slot(lesson, at)
    if slot < current - 1:
        raise AttendanceError(
            f"签到码已过期：屏幕上的二维码每{code_period(lesson)}秒更新一次，转发或截图的旧码不能签到，"
            "请扫描屏幕上当前的二维码")
    if slot > current:
        raise AttendanceError("签到码无效：请扫描屏幕上当前的二维码")


def check_window(lesson: Lesson, at: dt.datetime) -> None:
    opens, closes = checkin_window(lesson)
    if at < opens:
        raise AttendanceError(f"签到尚未开始：本课程{_local(lesson.starts_at)}开始，{_local(opens)}起可以签到")
    if at >= closes:
        raise AttendanceError(f"本课程已于{_local(closes)}结束，不能再签到；如确实到课，请联系会务工作人员补录")


# ----------------------------------------------------------------------------------------------- lateness


def late_minutes(lesson: Lesson, at: dt.datetime) -> int:
    """Whole minutes after the start, counted only beyond the class's grace (5 minutes by default)."""
    minutes = int((at - lesson.starts_at).total_seconds() // 60)
    return minutes if minutes > lesson.training_class.late_grace_minutes else 0


def early_minutes(lesson: Lesson, at: dt.datetime) -> int:
    """Whole minutes before the end, counted only beyond the class's grace."""
    minutes = int((lesson.ends_at - at).total_seconds() // 60)
    return minutes if minutes > lesson.training_class.early_grace_minutes else 0


# ----------------------------------------------------------------------------------------------- who is expected


def expected_enrollments(lesson: Lesson):
    """The people a lesson expects: enrolled (not withdrawn) in its class, and of its area when it has one."""
    qs = Enrollment.objects.filter(training_class_id=lesson.training_class_id, status=Enrollment.Status.ENROLLED)
    if lesson.area_id:
        qs = qs.filter(area_id=lesson.area_id)
    return qs


def check_enrollment(lesson: Lesson, enrollment: Enrollment | None) -> Enrollment:
    if enrollment is None or enrollment.status != Enrollment.Status.ENROLLED:
        raise AttendanceError("您不在本培训班的参训名单中，不能签到；如有疑问请联系会务工作人员")
    if lesson.area_id and enrollment.area_id != lesson.area_id:
        raise AttendanceError(f"本课程属于{lesson.area.name}，不在您参训的片区，不需要签到")
    return enrollment


def enrollment_for(lesson: Lesson, person_id: int | None) -> Enrollment:
    if not person_id:
        raise AttendanceError("只有代表本人登录后才能签到")
    return check_enrollment(
        lesson, Enrollment.objects.filter(training_class_id=lesson.training_class_id, person_id=person_id).first())


def checkin_state(lesson: Lesson, person_id: int | None) -> tuple[Enrollment | None, dt.datetime | None]:
    """In one query: the person's enrolment in the lesson's class and when they checked in, if they did."""
    if not person_id:
        return None, None
    checked_in = Attendance.objects.filter(enrollment=OuterRef("pk"), lesson=lesson).values("checked_in_at")[:1]
    enrollment = (Enrollment.objects.filter(training_class_id=lesson.training_class_id, person_id=person_id)
                  .annotate(checked_in_at=Subquery(checked_in)).first())
    return enrollment, enrollment.checked_in_at if enrollment is not None else None


# ----------------------------------------------------------------------------------------------- archive sync


def _approved_leave(lesson: Lesson, enrollment_id: int) -> LeaveRequest | None:
    return LeaveRequest.objects.filter(enrollment_id=enrollment_id, lessons=lesson,
                                       status=LeaveRequest.Status.APPROVED).order_by("-decided_at").first()


def _activity_title(lesson: Lesson) -> str:
    return f"{lesson.training_class.title}：{lesson.topic}"


def _desired_activity(lesson: Lesson, attendance: Attendance | None, leave: LeaveRequest | None,
                      ended: bool) -> dict | None:
    """What the archive should hold for one person at one lesson, or None for nothing (yet)."""
    base = {"class_id": lesson.training_class_id, "lesson_id": lesson.pk}
    if attendance is not None:
        details = {**base, "method": attendance.method}
        if attendance.late_minutes:
            details["late_minutes"] = attendance.late_minutes
        if attendance.early_minutes:
            details["early_minutes"] = attendance.early_minutes
        return {"kind": ActivityKind.TRAINING, "hours": lesson.hours, "details": details}
    if not ended:
        return None
    if leave is not None:
        return {"kind": ActivityKind.TRAINING_LEAVE, "hours": 0, "details": {**base, "leave_request_id": leave.pk}}
    return {"kind": ActivityKind.TRAINING_ABSENCE, "hours": 0, "details": base}


def attendance_archive_sync(*, lesson: Lesson, enrollment: Enrollment, now: dt.datetime | None = None) -> None:
    """Bring one person's archive entry for one ended lesson in line with their attendance and leave (a lesson under
    way is settled by lesson_close when it ends)."""
    if not lesson.attendance_required or _now(now) < lesson.ends_at:
        return
    expected = (enrollment.status == Enrollment.Status.ENROLLED
                and (not lesson.area_id or enrollment.area_id == lesson.area_id))
    attendance = Attendance.objects.filter(lesson=lesson, enrollment=enrollment).first() if expected else None
    leave = _approved_leave(lesson, enrollment.pk) if expected and attendance is None else None
    desired = _desired_activity(lesson, attendance, leave, _now(now) >= lesson.ends_at) if expected else None
    if desired is None:
        activity_withdraw(source=lesson, person=enrollment.person)
        return
    activity_record(person=enrollment.person, kind=desired["kind"], when=timezone.localdate(lesson.starts_at),
                    source=lesson, title=_activity_title(lesson), hours=desired["hours"], details=desired["details"])


# ----------------------------------------------------------------------------------------------- check-in, check-out


@transaction.atomic
def attendance_check_in(*, lesson: Lesson, token: str, by, now: dt.datetime | None = None
                        ) -> tuple[Attendance, bool]:
    """The deputy, signed in as themself, checks in with the code on the screen. Returns (attendance, created):
    a second check-in, however often sent and however concurrently, finds the first and changes nothing."""
    now = _now(now)
    if not lesson.attendance_required:
        raise AttendanceError("本课程不需要签到")
    check_window(lesson, now)
    verify_token(lesson, token, now)
    enrollment = enrollment_for(lesson, getattr(by, "person_id", None))
    attendance = Attendance(enrollment=enrollment, lesson=lesson, checked_in_at=now, method=Attendance.Method.SCAN,
                            late_minutes=late_minutes(lesson, now), marked_by=by, region_code=enrollment.region_code)
    try:
        # The unique constraint decides: of many simultaneous inserts one wins; the others wait for it, fail inside
        # their savepoint and read the winner's row. (django-auditlog records the new row with its actor.)
        with transaction.atomic():
            attendance.save(force_insert=True)
        created = True
    except IntegrityError:
        attendance, created = Attendance.objects.get(enrollment=enrollment, lesson=lesson), False
    return attendance, created


@transaction.atomic
def attendance_check_out(*, lesson: Lesson, by, now: dt.datetime | None = None) -> Attendance:
    """签退: the deputy leaves; before the end (beyond the grace) it counts as early leaving. Once only."""
    now = _now(now)
    enrollment = enrollment_for(lesson, getattr(by, "person_id", None))
    attendance = Attendance.objects.select_for_update().filter(lesson=lesson, enrollment=enrollment).first()
    if attendance is None:
        raise AttendanceError("您本课程还没有签到，不能签退")
    if attendance.checked_out_at is not None:
        return attendance
    if now < lesson.starts_at:
        raise AttendanceError("课程还没有开始，不能签退")
    if now > lesson.ends_at + dt.timedelta(minutes=CHECKOUT_AFTER_END_MINUTES):
        raise AttendanceError("签退时间已过")
    attendance.checked_out_at = now
    attendance.early_minutes = early_minutes(lesson, now)
    attendance.save(update_fields=["checked_out_at", "early_minutes"])
    audit_event(attendance, event="checkout", actor=by,
                note=f"签退{'，早退' + str(attendance.early_minutes) + '分钟' if attendance.early_minutes else ''}")
    attendance_archive_sync(lesson=lesson, enrollment=enrollment, now=now)
    return attendance


# ----------------------------------------------------------------------------------------------- roll call


def can_take_roll(user, zone: SeatZone) -> bool:
    """The zone's own attendance staff member, or staff who manage the class."""
    from ..selectors import can_manage_class

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return zone.staff_user_id == user.pk or can_manage_class(user, zone.training_class)


def _roll_call_checks(lesson: Lesson, enrollment: Enrollment, by) -> None:
    if enrollment.training_class_id != lesson.training_class_id:
        raise AttendanceError("此人不在本课程所属的培训班")
    if enrollment.zone is None:
        raise AttendanceError("此人还没有安排座位，请在座次表中安排后再点名")
    if not can_take_roll(by, enrollment.zone):
        raise PermissionDenied("只有本区域的考勤人员或培训班管理人员可以点名")
    if not lesson.attendance_required:
        raise AttendanceError("本课程不需要考勤")
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise AttendanceError("此人已撤销参训，不能点名")
    if lesson.area_id and enrollment.area_id != lesson.area_id:
        raise AttendanceError("此人不属于本课程的片区")


@transaction.atomic
def attendance_roll_call(*, lesson: Lesson, enrollment: Enrollment, by, present: bool = True,
                         now: dt.datetime | None = None) -> Attendance | None:
    """One tap on a seat: marks the person present (lateness as seen by the time of the tap; after the lesson
    it is a correction, 补录, without lateness), or undoes a mark made on the chart. A scan stays a scan."""
    now = _now(now)
    _roll_call_checks(lesson, enrollment, by)
    opens, _ = checkin_window(lesson)
    if now < opens:
        raise AttendanceError(f"点名尚未开始：{_local(opens)}起可以点名")
    existing = Attendance.objects.select_for_update().filter(lesson=lesson, enrollment=enrollment).first()
    if present:
        if existing is not None:
            return existing
        after = now >= lesson.ends_at
        attendance, created = Attendance.objects.get_or_create(
            enrollment=enrollment, lesson=lesson,
            defaults={"checked_in_at": lesson.starts_at if after else now,
                      "method": Attendance.Method.MANUAL if after else Attendance.Method.ROLL_CALL,
                      "late_minutes": 0 if after else late_minutes(lesson, now), "marked_by": by,
                      "region_code": enrollment.region_code},
        )
        if created:
            audit_event(attendance, event="roll_call", actor=by, note=f"{attendance.get_method_display()}：到会")
            attendance_archive_sync(lesson=lesson, enrollment=enrollment, now=now)
        return attendance
    if existing is None:
        return None
    if existing.method == Attendance.Method.SCAN:
        raise AttendanceError("此人已扫码签到，不能在座次表上撤销")
    audit_event(existing, event="roll_call_undo", actor=by, note="撤销点名")
    existing.delete()
    attendance_archive_sync(lesson=lesson, enrollment=enrollment, now=now)
    return None


# ----------------------------------------------------------------------------------------------- closing a lesson


@dataclass
class CloseResult:
    attended: int = 0
    on_leave: int = 0
    absent: int = 0
    changed: int = 0


@transaction.atomic
def lesson_close(*, lesson: Lesson, by=None, now: dt.datetime | None = None) -> CloseResult:
    """After a lesson: everyone expected is in the archive as attended, on leave or absent. Idempotent: a second
    close compares with what the archive holds and writes only the differences (usually none)."""
    from django.contrib.contenttypes.models import ContentType

    now = _now(now)
    if now < lesson.ends_at:
        raise AttendanceError("课程尚未结束，结束后才能确定缺勤")
    result = CloseResult()
    if not lesson.attendance_required:
        return result
    lesson = Lesson.objects.select_related("training_class").get(pk=lesson.pk)
    enrollments = {e.pk: e for e in expected_enrollments(lesson).select_related("person")}
    attendances = {a.enrollment_id: a for a in Attendance.objects.filter(lesson=lesson)}
    leaves = {}
    for request in (LeaveRequest.objects.filter(lessons=lesson, status=LeaveRequest.Status.APPROVED)
                    .order_by("decided_at")):
        leaves[request.enrollment_id] = request
    existing = {
        a.person_id: a for a in Activity.objects.filter(
            source_type=ContentType.objects.get_for_model(Lesson), source_id=str(lesson.pk))
    }
    wanted_persons = set()
    for enrollment in enrollments.values():
        attendance = attendances.get(enrollment.pk)
        desired = _desired_activity(lesson, attendance, leaves.get(enrollment.pk), True)
        if desired["kind"] == ActivityKind.TRAINING:
            result.attended += 1
        elif desired["kind"] == ActivityKind.TRAINING_LEAVE:
            result.on_leave += 1
        else:
            result.absent += 1
        wanted_persons.add(enrollment.person_id)
        have = existing.get(enrollment.person_id)
        if (have is not None and have.kind == desired["kind"] and have.hours == desired["hours"]
                and have.details == desired["details"]):
            continue
        activity_record(person=enrollment.person, kind=desired["kind"], when=timezone.localdate(lesson.starts_at),
                        source=lesson, title=_activity_title(lesson), hours=desired["hours"],
                        details=desired["details"])
        result.changed += 1
    for person_id, activity in existing.items():
        if person_id not in wanted_persons:  # withdrawn from the class since
            activity.delete()
            result.changed += 1
    if by is not None:
        audit_event(lesson, event="lesson_close", actor=by,
                    note=f"结束考勤：到课{result.attended}人，请假{result.on_leave}人，缺勤{result.absent}人")
    return result


def close_ended_lessons(*, now: dt.datetime | None = None, after_minutes: int = CLOSE_AFTER_MINUTES,
                        lookback_days: int = CLOSE_LOOKBACK_DAYS) -> int:
    """Close every lesson that ended more than ``after_minutes`` ago (and not longer ago than the lookback)."""
    now = _now(now)
    lessons = Lesson.objects.filter(
        attendance_required=True, ends_at__lte=now - dt.timedelta(minutes=after_minutes),
        ends_at__gt=now - dt.timedelta(days=lookback_days),
    ).exclude(training_class__status=TrainingClass.Status.CANCELLED).select_related("training_class")
    closed = 0
    for lesson in lessons:
        lesson_close(lesson=lesson, now=now)
        closed += 1
    return closed


@task()
def close_ended_lessons_task() -> int:
    """Run by the worker (enqueued by ``manage.py close_lessons --enqueue`` from cron)."""
    return close_ended_lessons()


# ----------------------------------------------------------------------------------------------- reads


class SeatStatus:
    PRESENT = "present"
    LATE = "late"
    EARLY = "early"
    LEAVE = "leave"
    ABSENT = "absent"
    WAITING = "waiting"

    LABELS = {PRESENT: "已到", LATE: "迟到", EARLY: "早退", LEAVE: "请假", ABSENT: "缺勤", WAITING: "未到"}
    ORDER = (PRESENT, LATE, EARLY, LEAVE, ABSENT, WAITING)


def seat_status(attendance: Attendance | None, on_leave: bool, ended: bool) -> str:
    if attendance is not None:
        if attendance.late_minutes:
            return SeatStatus.LATE
        if attendance.early_minutes:
            return SeatStatus.EARLY
        return SeatStatus.PRESENT
    if on_leave:
        return SeatStatus.LEAVE
    return SeatStatus.ABSENT if ended else SeatStatus.WAITING


def status_note(attendance: Attendance | None) -> str:
    if attendance is None:
        return ""
    parts = []
    if attendance.late_minutes:
        parts.append(f"迟到{attendance.late_minutes}分")
    if attendance.early_minutes:
        parts.append(f"早退{attendance.early_minutes}分")
    return "，".join(parts)


@dataclass(frozen=True)
class Mark:
    """What a page needs of one attendance row (read as plain values: a 346-seat page builds no model instances)."""

    method: str
    late_minutes: int
    early_minutes: int
    checked_in_at: dt.datetime


def lesson_statuses(lesson: Lesson, enrollment_ids=None) -> tuple[dict[int, Mark], set[int]]:
    """Two queries: the lesson's attendances by enrolment, and the enrolments excused by approved leave."""
    attendances = Attendance.objects.filter(lesson=lesson)
    leave = LeaveRequest.objects.filter(lessons=lesson, status=LeaveRequest.Status.APPROVED)
    if enrollment_ids is not None:
        attendances = attendances.filter(enrollment_id__in=enrollment_ids)
        leave = leave.filter(enrollment_id__in=enrollment_ids)
    marks = {row[0]: Mark(*row[1:]) for row in attendances.values_list(
        "enrollment_id", "method", "late_minutes", "early_minutes", "checked_in_at")}
    return marks, set(leave.values_list("enrollment_id", flat=True))


def finished_lessons(training_class: TrainingClass, now: dt.datetime | None = None) -> list[Lesson]:
    return list(training_class.lessons.filter(attendance_required=True, ends_at__lte=_now(now))
                .order_by("starts_at", "id"))


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def attendance_rates(training_class: TrainingClass, *, now: dt.datetime | None = None) -> dict:
    """出勤率 per delegation and per lesson over the class's finished lessons, in five queries.

    Each row: expected person-times, attended, excused (approved leave, not attended), absent, and two rates:
    ``rate`` (attended / expected) and ``rate_with_leave`` ((attended + excused) / expected)."""
    lessons = finished_lessons(training_class, now)
    enrollments = list(Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
                       .values_list("pk", "delegation_id", "area_id"))
    delegations = list(training_class.delegations.order_by("order", "id").values_list("pk", "name"))
    lesson_ids = [lesson.pk for lesson in lessons]
    attended: dict[int, set[int]] = defaultdict(set)
    for lesson_id, enrollment_id in Attendance.objects.filter(lesson_id__in=lesson_ids).values_list(
            "lesson_id", "enrollment_id"):
        attended[lesson_id].add(enrollment_id)
    excused: dict[int, set[int]] = defaultdict(set)
    for lesson_id, enrollment_id in LeaveRequest.lessons.through.objects.filter(
            lesson_id__in=lesson_ids, leaverequest__status=LeaveRequest.Status.APPROVED,
    ).values_list("lesson_id", "leaverequest__enrollment_id"):
        excused[lesson_id].add(enrollment_id)
    members: dict[int | None, set[int]] = defaultdict(set)
    by_area: dict[int | None, set[int]] = defaultdict(set)
    for pk, delegation_id, area_id in enrollments:
        members[delegation_id].add(pk)
        by_area[area_id].add(pk)
    everyone = {pk for pk, _, _ in enrollments}
    by_delegation: dict[int | None, Counter] = defaultdict(Counter)
    by_lesson: dict[int, Counter] = {}
    for lesson in lessons:
        expected = by_area[lesson.area_id] if lesson.area_id else everyone
        present = attended[lesson.pk] & expected
        on_leave = (excused[lesson.pk] & expected) - present
        by_lesson[lesson.pk] = Counter(expected=len(expected), attended=len(present), excused=len(on_leave),
                                       absent=len(expected) - len(present) - len(on_leave))
        for delegation_id, people in members.items():
            mine = people & expected
            if not mine:
                continue
            counter = by_delegation[delegation_id]
            here, away = len(mine & present), len(mine & on_leave)
            counter["expected"] += len(mine)
            counter["attended"] += here
            counter["excused"] += away
            counter["absent"] += len(mine) - here - away

    def row(label: str, counter: Counter, **extra) -> dict:
        return {"label": label, **extra, "expected": counter["expected"], "attended": counter["attended"],
                "excused": counter["excused"], "absent": counter["absent"],
                "rate": _rate(counter["attended"], counter["expected"]),
                "rate_with_leave": _rate(counter["attended"] + counter["excused"], counter["expected"])}

    total = Counter()
    for counter in by_lesson.values():
        total.update(counter)
    delegation_rows = [row(name, by_delegation[pk], delegation_id=pk) for pk, name in delegations
                       if by_delegation[pk]["expected"]]
    if by_delegation[None]["expected"]:
        delegation_rows.append(row("未分代表团", by_delegation[None], delegation_id=None))
    return {
        "lessons": [row(lesson.topic, by_lesson[lesson.pk], lesson_id=lesson.pk,
                        starts_at=lesson.starts_at) for lesson in lessons],
        "delegations": delegation_rows,
        "overall": row("全班", total),
    }


def attendance_chart(training_class: TrainingClass, lesson: Lesson, *, zone: SeatZone | None = None,
                     enrollment_ids=None) -> dict:
    """The seating chart with each seat's status at one lesson, in four queries whatever the size of the hall:
    zones, the enrolled people with their seats, the lesson's attendances, the enrolments on approved leave.

    ``zone``: only that zone (roll call). ``enrollment_ids``: only those people (one seat redrawn after a tap); the
    result then has ``seat``, the first of them."""
    now = timezone.now()
    ended = now >= lesson.ends_at
    zones = [zone] if zone is not None else list(
        SeatZone.objects.filter(training_class=training_class).order_by("order", "id"))
    people = Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
    if lesson.area_id:
        people = people.filter(area_id=lesson.area_id)
    if zone is not None:
        people = people.filter(zone=zone)
    if enrollment_ids is not None:
        people = people.filter(pk__in=enrollment_ids)
    people = list(people.order_by("pk").values_list("pk", "zone_id", "seat_row", "seat_number", "person__name",
                                                    "delegation__name"))
    marks, on_leave = lesson_statuses(lesson, enrollment_ids)
    counts = Counter()
    by_seat, unseated, cells = {}, [], {}
    labels = SeatStatus.LABELS
    for pk, zone_id, seat_row, seat_number, name, delegation in people:
        mark = marks.get(pk)
        status = seat_status(mark, pk in on_leave, ended)
        counts[status] += 1
        cell = {
            "enrollment_id": pk, "name": name, "status": status, "label": labels[status],
            "note": status_note(mark), "method": mark.method if mark else "", "delegation": delegation or "",
            "time": timezone.localtime(mark.checked_in_at).strftime("%H:%M") if mark else "",
            "undo": mark is not None and mark.method != Attendance.Method.SCAN,
        }
        cells[pk] = cell
        if zone_id:
            by_seat[(zone_id, seat_row, seat_number)] = cell
        else:
            unseated.append(cell)
    result_zones = []
    if enrollment_ids is None:
        for z in zones:
            rows = []
            for row in range(1, z.rows + 1):
                rows.append({"number": row, "cells": [
                    by_seat.get((z.pk, row, number)) or {"empty": True, "number": number}
                    for number in range(1, z.seats_per_row + 1)]})
            zone_counts = Counter(c["status"] for key, c in by_seat.items() if key[0] == z.pk)
            result_zones.append({"zone": z, "rows": rows, "counts": zone_counts,
                                 "present": sum(zone_counts[s] for s in (SeatStatus.PRESENT, SeatStatus.LATE,
                                                                         SeatStatus.EARLY)),
                                 "seated": sum(zone_counts.values())})
    present = counts[SeatStatus.PRESENT] + counts[SeatStatus.LATE] + counts[SeatStatus.EARLY]
    result = {
        "zones": result_zones, "unseated": unseated, "total": len(people), "present": present, "ended": ended,
        "counts": [{"key": key, "label": SeatStatus.LABELS[key], "count": counts[key]} for key in SeatStatus.ORDER
                   if key != (SeatStatus.WAITING if ended else SeatStatus.ABSENT)],
    }
    if enrollment_ids is not None:
        result["seat"] = cells.get(next(iter(enrollment_ids), None)) if people else None
    return result

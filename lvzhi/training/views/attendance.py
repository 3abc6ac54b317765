"""Training views: attendance (考勤) — the lesson's check-in screen, the deputy's check-in and check-out, roll call
on the seating chart, the class's attendance page with rates, closing a lesson, and discipline notices (通报)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from lvzhi.accounts.models import STAFF_ROLES, Role
from lvzhi.core.documents import chinese_date, pdf_response, render_pdf
from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response

from ..models import (
    Attendance,
    ClassDelegation,
    DisciplineNotice,
    Enrollment,
    LeaveRequest,
    Lesson,
    SeatZone,
    TrainingClass,
)
from ..selectors import can_manage_class, classes_for
from ..services import attendance as services
from ..services import discipline as discipline_services
from ..services.attendance import AttendanceError, SeatStatus

# ---------------------------------------------------------------------------------------------------------------
# Access helpers: every view goes through these, a partial as much as a page.


@dataclass
class Access:
    training_class: TrainingClass
    manage: bool  # may close lessons and send notices
    zones: set[int] | None  # the zones whose roll the user may take; None: every zone (managers)


def _visible_classes(user):
    """classes_for plus the classes where the user takes a zone's roll."""
    zone_classes = SeatZone.objects.filter(staff_user=user).values("training_class_id")
    return TrainingClass.objects.filter(Q(pk__in=classes_for(user).values("pk")) | Q(pk__in=zone_classes))


def _class_access(request, pk: int) -> Access:
    """Staff pages of a class: 404 when the class is not the user's to see, 403 for a deputy who is only enrolled."""
    user = request.user
    training_class = get_object_or_404(_visible_classes(user).select_related("region"), pk=pk)
    manage = can_manage_class(user, training_class)
    if manage:
        return Access(training_class, True, None)
    zones = set(SeatZone.objects.filter(training_class=training_class, staff_user=user).values_list("pk", flat=True))
    led = training_class.delegations.filter(Q(lead_user=user) | Q(staff_user=user)).exists()
    if user.role in STAFF_ROLES or zones or led:
        return Access(training_class, False, zones)
    raise PermissionDenied("该页面仅供培训班工作人员使用")


def _lesson_access(request, pk: int) -> tuple[Lesson, Access]:
    lesson = get_object_or_404(Lesson.objects.only("pk", "training_class_id"), pk=pk)
    access = _class_access(request, lesson.training_class_id)
    lesson = Lesson.objects.select_related("training_class", "area").get(pk=pk)
    return lesson, access


def _partial(request) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.history_restore_request


def _local_time(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%H:%M") if value else ""


def _lesson_when(lesson: Lesson) -> str:
    start = timezone.localtime(lesson.starts_at)
    return f"{chinese_date(start)} {start:%H:%M}–{_local_time(lesson.ends_at)}"


# ---------------------------------------------------------------------------------------------------------------
# The lesson's screen: a QR code for the projector, refreshed by htmx polling


def _screen_context(request, lesson: Lesson) -> dict:
    now = timezone.now()
    token = services.checkin_token(lesson, now)
    url = request.build_absolute_uri(reverse("training:checkin", args=[lesson.pk, token]))
    qr = segno.make(url, error="m")
    expected = services.expected_enrollments(lesson).count()
    checked_in = lesson.attendances.count()
    opens, closes = services.checkin_window(lesson)
    return {
        "lesson": lesson, "url": url, "token": token,
        "qr": mark_safe(qr.svg_inline(border=2, omitsize=True, title="用手机扫码签到")),  # segno escapes the title
        "seconds_left": services.seconds_left_in_slot(lesson, now), "period": services.code_period(lesson),
        "expected": expected, "checked_in": checked_in, "open": opens <= now < closes,
        "before": now < opens, "opens_at": _local_time(opens), "when": _lesson_when(lesson),
    }


@login_required
@require_GET
@never_cache
def lesson_screen(request, pk: int):
    lesson, access = _lesson_access(request, pk)
    if not (access.manage or access.zones):
        raise PermissionDenied("签到大屏仅供培训班管理人员和考勤人员打开")
    context = _screen_context(request, lesson)
    if _partial(request):
        return render(request, "training/attendance/screen.html#code", context)
    return render(request, "training/attendance/screen.html", context)


# ---------------------------------------------------------------------------------------------------------------
# The deputy: check in with the code, check out, today's lessons


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def checkin(request, pk: int, token: str):
    """The link in the QR code. GET shows what will happen (or why not); POST checks in. Anonymous visitors are
    sent to the login page by login_required, which brings them back to this link."""
    lesson = get_object_or_404(Lesson.objects.select_related("training_class", "area"), pk=pk)
    user = request.user
    if request.method == "POST":
        try:
            attendance, created = services.attendance_check_in(lesson=lesson, token=token, by=user)
        except AttendanceError as refusal:
            return render(request, "training/attendance/checkin.html",
                          {"lesson": lesson, "error": str(refusal), "when": _lesson_when(lesson)}, status=403)
        if created:
            text = f"签到成功：{lesson.topic}，{_local_time(attendance.checked_in_at)}"
            if attendance.late_minutes:
                text += f"（迟到{attendance.late_minutes}分钟）"
            messages.success(request, text)
        else:
            messages.info(request, f"您已于{_local_time(attendance.checked_in_at)}签到，无需重复签到")
        return redirect("training:checkin_home")
    error = None
    enrollment, checked_in_at = services.checkin_state(lesson, user.person_id)
    if checked_in_at is None:
        try:
            if not user.person_id:
                raise AttendanceError("只有代表本人登录后才能签到")
            now = timezone.now()
            services.check_window(lesson, now)
            services.verify_token(lesson, token, now)
            services.check_enrollment(lesson, enrollment)
        except AttendanceError as refusal:
            error = str(refusal)
    context = {"lesson": lesson, "token": token, "error": error, "existing": checked_in_at is not None,
               "when": _lesson_when(lesson), "checked_in_at": _local_time(checked_in_at)}
    return render(request, "training/attendance/checkin.html", context, status=403 if error else 200)


@login_required
@require_POST
def checkout(request, pk: int):
    lesson = get_object_or_404(Lesson.objects.select_related("training_class"), pk=pk)
    try:
        attendance = services.attendance_check_out(lesson=lesson, by=request.user)
    except AttendanceError as refusal:
        messages.error(request, str(refusal))
    else:
        text = f"已签退：{lesson.topic}，{_local_time(attendance.checked_out_at)}"
        if attendance.early_minutes:
            text += f"（早退{attendance.early_minutes}分钟）"
        messages.success(request, text)
    return redirect("training:checkin_home")


@login_required
@require_GET
def checkin_home(request):
    """The deputy's page for today: each lesson of their classes with its status, check-out and leave."""
    user = request.user
    if user.role != Role.DEPUTY or not user.person_id:
        raise PermissionDenied("签到页面供代表本人使用")
    now = timezone.now()
    today = timezone.localdate(now)
    enrollments = list(Enrollment.objects.filter(person_id=user.person_id, status=Enrollment.Status.ENROLLED)
                       .select_related("training_class"))
    by_class = {e.training_class_id: e for e in enrollments}
    day_start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    lessons = list(Lesson.objects.filter(training_class_id__in=by_class, attendance_required=True,
                                         starts_at__lt=day_start + dt.timedelta(days=1),
                                         ends_at__gte=day_start).select_related("training_class", "area")
                   .order_by("starts_at"))
    lessons = [lesson for lesson in lessons
               if not lesson.area_id or by_class[lesson.training_class_id].area_id == lesson.area_id]
    attendances = {a.lesson_id: a for a in Attendance.objects.filter(
        lesson__in=lessons, enrollment__person_id=user.person_id)}
    leaves = {}
    for request_row in LeaveRequest.objects.filter(enrollment__in=enrollments, lessons__in=lessons).exclude(
            status=LeaveRequest.Status.WITHDRAWN).values("lessons", "status", "pk"):
        leaves[request_row["lessons"]] = request_row
    rows = []
    for lesson in lessons:
        attendance = attendances.get(lesson.pk)
        leave = leaves.get(lesson.pk)
        ended = now >= lesson.ends_at
        opens, _ = services.checkin_window(lesson)
        status = services.seat_status(attendance, bool(leave and leave["status"] == LeaveRequest.Status.APPROVED),
                                      ended)
        rows.append({
            "lesson": lesson, "when": f"{_local_time(lesson.starts_at)}–{_local_time(lesson.ends_at)}",
            "status": status, "status_label": SeatStatus.LABELS[status],
            "note": services.status_note(attendance), "attendance": attendance,
            "checked_in_at": _local_time(attendance.checked_in_at) if attendance else "",
            "checked_out_at": _local_time(attendance.checked_out_at) if attendance else "",
            "can_checkout": attendance is not None and attendance.checked_out_at is None
            and lesson.starts_at <= now <= lesson.ends_at + dt.timedelta(minutes=services.CHECKOUT_AFTER_END_MINUTES),
            "open": opens <= now < lesson.ends_at and attendance is None,
            "leave": leave, "leave_label": LeaveRequest.Status(leave["status"]).label if leave else "",
        })
    context = {"rows": rows, "today": chinese_date(today), "enrollments": enrollments}
    return render(request, "training/attendance/checkin_home.html", context)


# ---------------------------------------------------------------------------------------------------------------
# The class's attendance page and roll call


def _lesson_choice(training_class: TrainingClass, lessons: list[Lesson], wanted) -> Lesson | None:
    try:
        wanted = int(wanted)
    except (TypeError, ValueError):
        wanted = None
    if wanted is not None:
        for lesson in lessons:
            if lesson.pk == wanted:
                return lesson
        raise Http404("没有这节课程")
    if not lessons:
        return None
    now = timezone.now()
    current = [lesson for lesson in lessons if lesson.starts_at - dt.timedelta(hours=1) <= now < lesson.ends_at]
    if current:
        return current[0]
    started = [lesson for lesson in lessons if lesson.starts_at <= now]
    return started[-1] if started else lessons[0]


@login_required
@require_GET
def attendance(request, pk: int):
    access = _class_access(request, pk)
    training_class = access.training_class
    lessons = list(training_class.lessons.filter(attendance_required=True).select_related("area")
                   .order_by("starts_at", "id"))
    lesson = _lesson_choice(training_class, lessons, request.GET.get("lesson"))
    chart = services.attendance_chart(training_class, lesson) if lesson else None
    for z in chart["zones"] if chart else ():
        z["html"] = _zone_rows_html(z)
    rates = services.attendance_rates(training_class)
    now = timezone.now()
    context = {
        "training_class": training_class, "lessons": [
            {"pk": x.pk, "label": f"{timezone.localtime(x.starts_at):%m月%d日 %H:%M} {x.topic}", "selected": x == lesson}
            for x in lessons],
        "lesson": lesson, "chart": chart, "rates": rates, "access": access,
        "when": _lesson_when(lesson) if lesson else "",
        "ended": lesson is not None and now >= lesson.ends_at,
        "statuses": [{"key": k, "label": SeatStatus.LABELS[k]} for k in SeatStatus.ORDER],
    }
    return render(request, "training/attendance/attendance.html", context)


def _zone_rows_html(zone: dict) -> str:
    """The rows of one zone's chart as HTML, put together here: 346 seats through the template language cost more
    than the whole page's SQL. Every name is escaped."""
    parts = []
    for row in zone["rows"]:
        parts.append(f"<tr><th>{row['number']}排</th>")
        for c in row["cells"]:
            if c.get("empty"):
                parts.append('<td class="att-seat empty"></td>')
                continue
            shown = c["note"] or c["label"]  # 迟到12分 says more than 迟到
            title = escape(f"{c['name']} {c['delegation']} {shown}{(' ' + c['time']) if c['time'] else ''}")
            parts.append(f'<td class="att-seat s-{c["status"]}" title="{title}"><span class="n">{escape(c["name"])}'
                         f'</span><span class="st">{escape(shown)}</span></td>')
        parts.append("</tr>\n")
    return mark_safe("".join(parts))  # noqa: S308 - built above from escaped values


def _roll_call_zone(request, pk: int, zone_pk: int) -> tuple[Lesson, SeatZone, Access]:
    lesson, access = _lesson_access(request, pk)
    zone = get_object_or_404(SeatZone.objects.select_related("staff_user", "training_class"), pk=zone_pk,
                             training_class_id=lesson.training_class_id)
    return lesson, zone, access


@login_required
@require_http_methods(["GET", "POST"])
def roll_call(request, pk: int, zone: int):
    lesson, zone_obj, access = _roll_call_zone(request, pk, zone)
    may_mark = services.can_take_roll(request.user, zone_obj)
    if request.method == "POST":
        if not may_mark:
            raise PermissionDenied("只有本区域的考勤人员或培训班管理人员可以点名")
        enrollment = get_object_or_404(Enrollment.objects.select_related("zone__training_class", "person"),
                                       pk=request.POST.get("enrollment") or 0, zone=zone_obj)
        present = request.POST.get("present") != "0"
        error = ""
        try:
            services.attendance_roll_call(lesson=lesson, enrollment=enrollment, by=request.user, present=present)
        except AttendanceError as refusal:
            error = str(refusal)
        if _partial(request):
            seat = services.attendance_chart(lesson.training_class, lesson, zone=zone_obj,
                                             enrollment_ids=[enrollment.pk])["seat"]
            response = render(request, "training/attendance/roll_call.html#seat",
                              {"seat": seat, "lesson": lesson, "zone": zone_obj, "may_mark": True, "error": error})
            if error:
                response["HX-Trigger"] = '{"lvzhi:error": ' + _json_string(error) + "}"
            return response
        if error:
            messages.error(request, error)
        return redirect(reverse("training:roll_call", args=[lesson.pk, zone_obj.pk]) + f"#seat-{enrollment.pk}")
    chart = services.attendance_chart(lesson.training_class, lesson, zone=zone_obj)
    context = {"lesson": lesson, "zone": zone_obj, "chart": chart, "may_mark": may_mark,
               "training_class": lesson.training_class, "when": _lesson_when(lesson),
               "ended": timezone.now() >= lesson.ends_at}
    if _partial(request):
        return render(request, "training/attendance/roll_call.html#board", context)
    return render(request, "training/attendance/roll_call.html", context)


def _json_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


@login_required
@require_POST
def lesson_close(request, pk: int):
    lesson, access = _lesson_access(request, pk)
    if not access.manage:
        raise PermissionDenied("只有培训班管理人员可以结束考勤")
    try:
        result = services.lesson_close(lesson=lesson, by=request.user)
    except AttendanceError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"已结束考勤并记入履职档案：到课{result.attended}人，请假{result.on_leave}人，"
                                  f"缺勤{result.absent}人")
    return redirect(reverse("training:attendance", args=[lesson.training_class_id]) + f"?lesson={lesson.pk}")


# ---------------------------------------------------------------------------------------------------------------
# Discipline notices (通报)


def _delegation_param(training_class: TrainingClass, value) -> ClassDelegation | None:
    if not value:
        return None
    try:
        return training_class.delegations.get(pk=int(value))
    except (ValueError, ClassDelegation.DoesNotExist) as exc:
        raise Http404("没有这个代表团") from exc


@login_required
@require_GET
def discipline(request, pk: int):
    access = _class_access(request, pk)
    training_class = access.training_class
    delegation = _delegation_param(training_class, request.GET.get("delegation"))
    entries = discipline_services.discipline_rows(training_class, delegation=delegation)
    fmt = request.GET.get("format")
    title = f"{training_class.title}考勤通报"
    if fmt == "pdf":
        context = {"training_class": training_class, "entries": entries, "title": title,
                   "as_of": chinese_date(timezone.localdate()), "delegation": delegation}
        name = f"{title}{('-' + delegation.name) if delegation else ''}.pdf"
        return pdf_response(render_pdf("training/attendance/discipline_pdf.html", context), name)
    if fmt == "xlsx":
        return xlsx_response(_discipline_workbook(training_class, entries),
                             f"{title}{('-' + delegation.name) if delegation else ''}.xlsx")
    notices = list(DisciplineNotice.objects.filter(training_class=training_class)
                   .select_related("delegation", "issued_by").order_by("-issued_at")[:50])
    context = {"training_class": training_class, "entries": entries, "access": access, "delegation": delegation,
               "notices": notices, "lessons_done": len(services.finished_lessons(training_class)),
               "delegations": list(training_class.delegations.order_by("order", "id"))}
    return render(request, "training/attendance/discipline.html", context)


def _discipline_workbook(training_class: TrainingClass, entries: list[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "考勤通报"
    sheet.append([f"{training_class.title}考勤通报"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"截至{chinese_date(timezone.localdate())}，已结束课程中未经批准缺勤、迟到、早退情况"])
    sheet.append(["代表团", "姓名", "课程", "情况", "分钟"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for entry in entries:
        name = entry["delegation"].name if entry["delegation"] else "未分代表团"
        for row in entry["rows"]:
            sheet.append([safe_cell(name), safe_cell(row["name"]), safe_cell(row["lesson"]), row["kind_label"],
                          row["minutes"]])
    for column, width in zip("ABCDE", (18, 10, 40, 14, 8), strict=True):
        sheet.column_dimensions[column].width = width
    return workbook_bytes(workbook)


@login_required
@require_POST
def discipline_send(request, pk: int):
    access = _class_access(request, pk)
    if not access.manage:
        raise PermissionDenied("只有培训班管理人员可以发送考勤通报")
    delegation = _delegation_param(access.training_class, request.POST.get("delegation"))
    if delegation is None:
        raise Http404("请选择代表团")
    try:
        notice = discipline_services.discipline_notice_send(training_class=access.training_class,
                                                            delegation=delegation, by=request.user)
    except discipline_services.DisciplineError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"已向{delegation.name}所属人大发送考勤通报（{notice.content['absent']}人次缺勤，"
                                  f"{notice.content['late']}人次迟到，{notice.content['early']}人次早退）")
    return redirect("training:discipline", pk=access.training_class.pk)


def _notices_for(user):
    """Notices of the classes the user sees, and those sent to the home office the user belongs to."""
    qs = DisciplineNotice.objects.filter(training_class__in=_visible_classes(user))
    if user.role in (Role.OFFICE, Role.TOWNSHIP) and user.region_id:
        qs = DisciplineNotice.objects.filter(Q(pk__in=qs.values("pk")) | Q(delegation__home_region_id=user.region_id))
    return qs


@login_required
@require_GET
def discipline_notice(request, pk: int):
    notice = get_object_or_404(_notices_for(request.user).select_related("training_class", "delegation",
                                                                          "issued_by"), pk=pk)
    if request.user.role == Role.DEPUTY:
        raise PermissionDenied("考勤通报仅供人大工作人员查看")
    context = {"notice": notice, "content": notice.content, "training_class": notice.training_class,
               "issued": chinese_date(timezone.localtime(notice.issued_at))}
    if request.GET.get("format") == "pdf":
        name = f"{notice.training_class.title}考勤通报-{notice.delegation.name}.pdf"
        return pdf_response(render_pdf("training/attendance/notice_pdf.html", context), name)
    return render(request, "training/attendance/notice.html", context)


urlpatterns = [
    path("checkin/", checkin_home, name="checkin_home"),
    path("checkin/<int:pk>/<str:token>/", checkin, name="checkin"),
    path("lessons/<int:pk>/checkout/", checkout, name="checkout"),
    path("lessons/<int:pk>/screen/", lesson_screen, name="lesson_screen"),
    path("lessons/<int:pk>/roll-call/<int:zone>/", roll_call, name="roll_call"),
    path("lessons/<int:pk>/close/", lesson_close, name="lesson_close"),
    path("classes/<int:pk>/attendance/", attendance, name="attendance"),
    path("classes/<int:pk>/discipline/", discipline, name="discipline"),
    path("classes/<int:pk>/discipline/send/", discipline_send, name="discipline_send"),
    path("notices/<int:pk>/", discipline_notice, name="discipline_notice"),
]

"""Training views: the seating chart (座次表) with its zones, seat assignment, moves and swaps, PDF and Excel.

The access helper ``class_access`` here is shared by the groups and discussion views."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from lvzhi.core.documents import chinese_date, pdf_response, render_pdf
from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response

from ..models import ClassDelegation, Enrollment, SeatZone, TrainingClass
from ..selectors import can_manage_class, classes_for, delegations_led_by, sees_whole_class
from ..services import seating as services
from ..services.groups import level_label

# ---------------------------------------------------------------------------------------------------------------
# Access: who may open a class's seating, groups and discussion pages


@dataclass
class ClassAccess:
    training_class: TrainingClass
    manage: bool  # may change seats, groups, discussion replies
    whole: bool  # sees every person of the class
    delegation_ids: set[int] | None  # the delegations a lead/staff member sees; None: all
    zone_staff: bool = False  # takes a zone's roll: sees the whole chart, nothing else

    @property
    def staff(self) -> bool:
        return self.whole or bool(self.delegation_ids) or self.zone_staff


def class_access(request, pk: int, *, zone_staff: bool = False) -> ClassAccess:
    """The class if the user may open it (else 404), and what they may do there. With ``zone_staff`` the staff
    member named to take a zone's roll may open it too, even when the class lies outside their own region."""
    user = request.user
    training_class = classes_for(user).select_related("region").filter(pk=pk).first()
    if training_class is None and zone_staff and getattr(user, "is_authenticated", False):
        training_class = TrainingClass.objects.select_related("region").filter(
            pk=pk, zones__staff_user=user, zones__staff_user__is_active=True).first()
        if training_class is not None:
            return ClassAccess(training_class, False, False, None, zone_staff=True)
    if training_class is None:
        raise Http404("未找到该培训班，或不在您的权限范围内")
    whole = sees_whole_class(user, training_class)
    led = None if whole else {d.pk for d in delegations_led_by(user, training_class)}
    return ClassAccess(training_class, can_manage_class(user, training_class), whole, led)


def staff_access(request, pk: int, *, zone_staff: bool = False) -> ClassAccess:
    """Staff pages: the class's staff or a delegation's lead/staff member; a deputy of the class gets 403."""
    access = class_access(request, pk, zone_staff=zone_staff)
    if not access.staff:
        raise PermissionDenied("该页面仅供培训班工作人员和代表团带队领导、工作人员使用")
    return access


def manage_access(request, pk: int) -> ClassAccess:
    access = class_access(request, pk)
    if not access.manage:
        raise PermissionDenied("您没有管理该培训班的权限，只能查看")
    return access


def partial_request(request) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.history_restore_request


def int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def printed_on() -> str:
    return chinese_date(timezone.localdate())


# ---------------------------------------------------------------------------------------------------------------
# The chart


def _pick(request, access: ClassAccess):
    """The person being moved (?pick=) and the target seat (?to=zone-row-number), from links on the chart."""
    pick = to = None
    if access.manage:
        pick_id = int_or_none(request.GET.get("pick"))
        if pick_id:
            pick = (Enrollment.objects.filter(training_class=access.training_class, pk=pick_id)
                    .select_related("person", "zone").first())
        parts = (request.GET.get("to") or "").split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            to = {"zone": int(parts[0]), "row": int(parts[1]), "number": int(parts[2])}
    return pick, to


@login_required
@require_GET
def seating(request, pk: int):
    access = staff_access(request, pk, zone_staff=True)
    cls = access.training_class
    zone_id = int_or_none(request.GET.get("zone"))
    chart = services.seating_chart(training_class=cls, delegation_ids=access.delegation_ids)
    shown = [z for z in chart["zones"] if zone_id is None or z["zone"].pk == zone_id]
    pick, to = _pick(request, access)
    context = {
        "cls": cls, "access": access, "chart": chart, "shown": shown, "zone_id": zone_id, "pick": pick, "to": to,
        "pick_seat": services.enrollment_seat_label(pick) if pick else "",
        "tab": "seating",
    }
    if partial_request(request):
        return render(request, "training/seating/seating.html#chart", context)
    if access.manage:
        context.update({
            "people": (Enrollment.objects.filter(training_class=cls, status=Enrollment.Status.ENROLLED)
                       .select_related("person", "delegation", "zone").order_by("delegation__order", "id")),
            "staff_choices": services.zone_staff_choices(cls),
            "delegations": ClassDelegation.objects.filter(training_class=cls).order_by("order", "id"),
            "edit_zone": next((z["zone"] for z in chart["zones"]
                               if z["zone"].pk == int_or_none(request.GET.get("edit"))), None),
        })
    return render(request, "training/seating/seating.html", context)


def _back(cls: TrainingClass, **query) -> str:
    url = reverse("training:seating", args=[cls.pk])
    query = {k: v for k, v in query.items() if v}
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _zone_fields(request, cls: TrainingClass) -> dict:
    staff_id = int_or_none(request.POST.get("staff_user"))
    staff_user = services.zone_staff_choices(cls).filter(pk=staff_id).first() if staff_id else None
    if staff_id and staff_user is None:
        raise services.SeatingError("所选考勤人员不在可选范围内")
    return {
        "name": request.POST.get("name", ""),
        "rows": int_or_none(request.POST.get("rows")) or 0,
        "seats_per_row": int_or_none(request.POST.get("seats_per_row")) or 0,
        "order": int_or_none(request.POST.get("order")) or 0,
        "staff_user": staff_user,
    }


@login_required
@require_POST
def zone_add(request, pk: int):
    cls = manage_access(request, pk).training_class
    try:
        zone = services.zone_save(training_class=cls, by=request.user, **_zone_fields(request, cls))
    except services.SeatingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已添加{zone.name}（{zone.rows}排×{zone.seats_per_row}座）")
    return redirect(_back(cls))


@login_required
@require_POST
def zone_edit(request, pk: int, zone_pk: int):
    cls = manage_access(request, pk).training_class
    zone = get_object_or_404(SeatZone, pk=zone_pk, training_class=cls)
    try:
        zone = services.zone_save(training_class=cls, by=request.user, zone=zone, **_zone_fields(request, cls))
    except services.SeatingError as exc:
        messages.error(request, str(exc))
        return redirect(_back(cls, edit=zone.pk))
    messages.success(request, f"已保存{zone.name}")
    return redirect(_back(cls))


@login_required
@require_POST
def zone_delete(request, pk: int, zone_pk: int):
    cls = manage_access(request, pk).training_class
    zone = get_object_or_404(SeatZone, pk=zone_pk, training_class=cls)
    try:
        services.zone_delete(zone=zone, by=request.user)
    except services.SeatingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已删除{zone.name}")
    return redirect(_back(cls))


@login_required
@require_POST
def seats_assign(request, pk: int):
    cls = manage_access(request, pk).training_class
    reassign = request.POST.get("reassign") == "on"
    # each delegation's place in the seating order, as typed beside its name (blank: keep its own order)
    places = []
    for key, value in request.POST.items():
        if key.startswith("place_") and key[6:].isdigit() and int_or_none(value) is not None:
            places.append((int(value), int(key[6:])))
    order = [pk for _, pk in sorted(places)]
    try:
        count = services.seats_assign(training_class=cls, by=request.user, order=order or None, reassign=reassign)
    except services.SeatingError as exc:
        messages.error(request, str(exc))
    else:
        if count:
            messages.success(request, f"已为 {count} 人安排座位" + ("（全部重新排座）" if reassign else "，原有座位不变"))
        else:
            messages.info(request, "所有参训人员都已有座位，无需再排；如需整体重排请勾选“全部重新排座”")
    return redirect(_back(cls))


@login_required
@require_POST
def seat_change(request, pk: int):
    """Move one person to a seat; when the seat is taken and 'swap' is ticked, the two exchange seats."""
    cls = manage_access(request, pk).training_class
    person = get_object_or_404(Enrollment, pk=int_or_none(request.POST.get("enrollment")) or 0, training_class=cls)
    zone = SeatZone.objects.filter(pk=int_or_none(request.POST.get("zone")) or 0, training_class=cls).first()
    row, number = int_or_none(request.POST.get("row")), int_or_none(request.POST.get("number"))
    try:
        if zone is None:
            raise services.SeatingError("请选择目标区域")
        occupant = (Enrollment.objects.filter(zone=zone, seat_row=row, seat_number=number).exclude(pk=person.pk)
                    .select_related("person").first())
        if occupant is not None and request.POST.get("swap") == "on":
            services.seat_swap(first=person, second=occupant, by=request.user)
            messages.success(request, f"{person.person.name}与{occupant.person.name}已对调座位")
        else:
            moved = services.seat_move(enrollment=person, zone=zone, row=row, number=number, by=request.user)
            messages.success(request, f"{person.person.name}已调至{services.enrollment_seat_label(moved)}")
    except services.SeatingError as exc:
        messages.error(request, str(exc))
        return redirect(_back(cls, pick=person.pk) + "#seat-change")
    return redirect(_back(cls))


# ---------------------------------------------------------------------------------------------------------------
# Print and export


@login_required
@require_GET
def seating_pdf(request, pk: int):
    """Landscape A4, the stage at the top: one zone per page, or ?layout=hall for the whole hall on one page."""
    access = staff_access(request, pk, zone_staff=True)
    cls = access.training_class
    chart = services.seating_chart(training_class=cls, delegation_ids=access.delegation_ids)
    zone_id = int_or_none(request.GET.get("zone"))
    zones = [z for z in chart["zones"] if zone_id is None or z["zone"].pk == zone_id]
    if not zones:
        messages.error(request, "还没有设置座位区域，无法打印座次表")
        return redirect(_back(cls))
    hall = request.GET.get("layout") == "hall" and zone_id is None
    context = {"cls": cls, "zones": zones, "chart": chart, "printed": printed_on(), "hall": hall,
               "lines": _hall_lines(zones) if hall else []}
    content = render_pdf("training/seating/seating_pdf.html", context)
    return pdf_response(content, f"{cls.title}座次表.pdf")


def _hall_lines(zones: list[dict], max_seats: int = 24) -> list[dict]:
    """Zones side by side across the page (as they stand in the hall), a new line when a line is full; each zone's
    share of the line's width follows its seats per row."""
    lines, line, width = [], [], 0
    for z in zones:
        seats = z["zone"].seats_per_row
        if line and width + seats > max_seats:
            lines.append(line)
            line, width = [], 0
        line.append(z)
        width += seats
    if line:
        lines.append(line)
    result = []
    for line in lines:
        total = sum(z["zone"].seats_per_row + 1 for z in line)  # +1: the row labels
        result.append({"zones": [{**z, "share": round(100 * (z["zone"].seats_per_row + 1) / total, 2)}
                                 for z in line]})
    return result


@login_required
@require_GET
def seating_xlsx(request, pk: int):
    access = staff_access(request, pk, zone_staff=True)
    cls = access.training_class
    rows = services.seat_list(training_class=cls, delegation_ids=access.delegation_ids)
    wb = Workbook()
    ws = wb.active
    ws.title = "座位名单"
    ws.append([f"{cls.title}座位名单"])
    ws.merge_cells("A1:I1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    headers = ["序号", "区域", "排", "号", "姓名", "性别", "代表团", "身份", "工作单位及职务"]
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for n, e in enumerate(rows, start=1):
        ws.append([n, safe_cell(e.zone.name if e.zone_id else "未安排"), e.seat_row, e.seat_number,
                   safe_cell(e.person.name), e.person.gender, safe_cell(e.delegation.name if e.delegation_id else ""),
                   level_label(e), safe_cell(e.person.employer_title)])
    for letter, width in zip("ABCDEFGHI", (6, 10, 5, 5, 10, 5, 22, 14, 40), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    return xlsx_response(workbook_bytes(wb), f"{cls.title}座位名单.xlsx")


urlpatterns = [
    path("classes/<int:pk>/seating/", seating, name="seating"),
    path("classes/<int:pk>/seating/zones/add/", zone_add, name="seating_zone_add"),
    path("classes/<int:pk>/seating/zones/<int:zone_pk>/edit/", zone_edit, name="seating_zone_edit"),
    path("classes/<int:pk>/seating/zones/<int:zone_pk>/delete/", zone_delete, name="seating_zone_delete"),
    path("classes/<int:pk>/seating/assign/", seats_assign, name="seating_assign"),
    path("classes/<int:pk>/seating/change/", seat_change, name="seating_change"),
    path("classes/<int:pk>/seating/print.pdf", seating_pdf, name="seating_pdf"),
    path("classes/<int:pk>/seating/list.xlsx", seating_xlsx, name="seating_xlsx"),
]

"""Training views: discussion groups (讨论分组) — split, balance report, moves, conveners, rooms, PDF and Excel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from lvzhi.core.documents import pdf_response, render_pdf
from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response

from ..models import DiscussionGroup, Enrollment
from ..services import groups as services
from ..services.seating import SeatingError
from .seating import int_or_none, manage_access, partial_request, printed_on, staff_access


def _back(cls) -> str:
    return reverse("training:groups", args=[cls.pk])


@login_required
@require_GET
def groups(request, pk: int):
    access = staff_access(request, pk)
    cls = access.training_class
    overview = services.groups_overview(training_class=cls, delegation_ids=access.delegation_ids)
    context = {"cls": cls, "access": access, "tab": "groups", **overview,
               "enrolled": sum(g.size for g in overview["groups"]) + len(overview["unassigned"])}
    if partial_request(request):
        return render(request, "training/seating/groups.html#report", context)
    return render(request, "training/seating/groups.html", context)


@login_required
@require_POST
def groups_split(request, pk: int):
    cls = manage_access(request, pk).training_class
    rooms = [line.strip() for line in request.POST.get("rooms", "").splitlines()]
    try:
        made = services.groups_split(training_class=cls, by=request.user, count=request.POST.get("count"),
                                     rooms=rooms)
    except SeatingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已分为 {len(made)} 个讨论组，请为每组确定召集人")
    return redirect(_back(cls))


@login_required
@require_POST
def group_move(request, pk: int):
    cls = manage_access(request, pk).training_class
    enrollment = get_object_or_404(Enrollment, pk=int_or_none(request.POST.get("enrollment")) or 0,
                                   training_class=cls)
    group = get_object_or_404(DiscussionGroup, pk=int_or_none(request.POST.get("group")) or 0, training_class=cls)
    try:
        services.group_move(enrollment=enrollment, group=group, by=request.user)
    except SeatingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{enrollment.person.name}已调入{group}，均衡情况已重新计算")
    return redirect(_back(cls) + "#report")


@login_required
@require_POST
def group_edit(request, pk: int, group_pk: int):
    """A group's room and convener, from the group's own small form."""
    cls = manage_access(request, pk).training_class
    group = get_object_or_404(DiscussionGroup, pk=group_pk, training_class=cls)
    try:
        services.group_update(group=group, room=request.POST.get("room", ""), by=request.user)
        convener_id = int_or_none(request.POST.get("convener"))
        if convener_id:
            convener = get_object_or_404(Enrollment, pk=convener_id, training_class=cls)
            if not convener.is_convener:
                services.group_set_convener(group=group, enrollment=convener, by=request.user)
    except SeatingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已保存{group}")
    return redirect(_back(cls) + f"#group-{group.number}")


@login_required
@require_GET
def groups_pdf(request, pk: int):
    access = staff_access(request, pk)
    cls = access.training_class
    overview = services.groups_overview(training_class=cls, delegation_ids=access.delegation_ids)
    if not overview["groups"]:
        messages.error(request, "还没有分组，无法打印分组名单")
        return redirect(_back(cls))
    content = render_pdf("training/seating/groups_pdf.html", {"cls": cls, "printed": printed_on(), **overview})
    return pdf_response(content, f"{cls.title}分组名单.pdf")


@login_required
@require_GET
def groups_xlsx(request, pk: int):
    access = staff_access(request, pk)
    cls = access.training_class
    overview = services.groups_overview(training_class=cls, delegation_ids=access.delegation_ids)
    wb = Workbook()
    ws = wb.active
    ws.title = "分组名单"
    ws.append([f"{cls.title}讨论分组名单"])
    ws.merge_cells("A1:H1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["组号", "讨论地点", "姓名", "召集人", "性别", "代表团", "身份", "职业构成"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in overview["groups"]:
        for e in sorted(row.members, key=lambda e: (not e.is_convener, e.delegation_name, e.pk)):
            ws.append([row.group.number, safe_cell(row.group.room), safe_cell(e.person.name),
                       "召集人" if e.is_convener else "", e.person.gender, safe_cell(e.delegation_name),
                       e.level_label, safe_cell(e.sector)])
    for letter, width in zip("ABCDEFGH", (6, 20, 10, 8, 5, 22, 14, 16), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"

    report = wb.create_sheet("均衡情况")
    names = [d["name"] for d in overview["report"]["delegations"]]
    report.append(["组号", "人数", *names, "提示"])
    for row in overview["groups"]:
        report.append([row.group.number, row.size, *[row.by_delegation.get(n, 0) for n in names],
                       safe_cell("；".join(row.flags))])
    return xlsx_response(workbook_bytes(wb), f"{cls.title}分组名单.xlsx")


urlpatterns = [
    path("classes/<int:pk>/groups/", groups, name="groups"),
    path("classes/<int:pk>/groups/split/", groups_split, name="groups_split"),
    path("classes/<int:pk>/groups/move/", group_move, name="group_move"),
    path("classes/<int:pk>/groups/<int:group_pk>/edit/", group_edit, name="group_edit"),
    path("classes/<int:pk>/groups/list.pdf", groups_pdf, name="groups_pdf"),
    path("classes/<int:pk>/groups/list.xlsx", groups_xlsx, name="groups_xlsx"),
]

"""Training views: discussion items (讨论意见建议) — recorded per group, classified, answered, exported."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from lvzhi.core.documents import chinese_date
from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response

from ..models import DiscussionGroup, DiscussionItem, Enrollment
from ..services import discussion as services
from ..services.seating import SeatingError
from .seating import ClassAccess, class_access, int_or_none, partial_request

PAGE_SIZE = 30
NO_ASPECT = "未分方面"


@dataclass
class DiscussionAccess:
    access: ClassAccess
    convener: Enrollment | None  # the user's own enrolment when they convene a group

    @property
    def training_class(self):
        return self.access.training_class


def _access(request, pk: int) -> DiscussionAccess:
    access = class_access(request, pk)
    convener = None if access.staff else services.convener_enrollment(request.user, access.training_class)
    if not access.staff and convener is None:
        raise PermissionDenied("讨论意见由各组召集人和培训班工作人员记录；您不是召集人")
    return DiscussionAccess(access, convener)


def _visible_items(da: DiscussionAccess):
    qs = DiscussionItem.objects.filter(training_class=da.training_class)
    if da.access.whole:
        return qs
    if da.convener is not None:
        return qs.filter(group_id=da.convener.group_id)
    led = da.access.delegation_ids or set()
    in_groups = DiscussionGroup.objects.filter(training_class=da.training_class, members__delegation_id__in=led)
    return qs.filter(Q(author__delegation_id__in=led) | Q(group__in=in_groups.values("pk")))


def _filtered(request, items):
    flt = {
        "category": request.GET.get("category", "") if request.GET.get("category") in DiscussionItem.Category.values
        else "",
        "aspect": (request.GET.get("aspect") or "").strip()[:30],
        "group": int_or_none(request.GET.get("group")),
        "state": request.GET.get("state") if request.GET.get("state") in ("replied", "open") else "",
    }
    if flt["category"]:
        items = items.filter(category=flt["category"])
    if flt["aspect"]:
        items = items.filter(aspect="" if flt["aspect"] == NO_ASPECT else flt["aspect"])
    if flt["group"]:
        items = items.filter(group_id=flt["group"])
    if flt["state"] == "replied":
        items = items.exclude(reply="")
    elif flt["state"] == "open":
        items = items.filter(reply="")
    return items, flt


def _item_rows(items):
    return items.select_related("group", "author__person", "author__delegation", "replied_by").order_by(
        "category", "aspect", "id")


@login_required
@require_GET
def discussion(request, pk: int):
    da = _access(request, pk)
    cls = da.training_class
    visible = _visible_items(da)
    items, flt = _filtered(request, visible)
    page = Paginator(_item_rows(items), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "cls": cls, "access": da.access, "da": da, "tab": "discussion", "page": page, "flt": flt,
        "counts": services.discussion_counts(visible), "querystring": params.urlencode(),
        "categories": DiscussionItem.Category.choices, "aspects": services.ASPECT_SUGGESTIONS,
        "manage": da.access.manage,
        "groups": (DiscussionGroup.objects.filter(pk=da.convener.group_id) if da.convener
                   else DiscussionGroup.objects.filter(training_class=cls).order_by("number")),
        "authors": (Enrollment.objects.filter(group_id=da.convener.group_id, status=Enrollment.Status.ENROLLED)
                    .select_related("person").order_by("id") if da.convener else []),
        "can_record": da.access.manage or da.convener is not None,
    }
    if partial_request(request):
        return render(request, "training/seating/discussion.html#items", context)
    return render(request, "training/seating/discussion.html", context)


def _back(cls, anchor: str = "") -> str:
    return reverse("training:discussion", args=[cls.pk]) + anchor


@login_required
@require_POST
def discussion_add(request, pk: int):
    da = _access(request, pk)
    cls = da.training_class
    group = get_object_or_404(DiscussionGroup, pk=int_or_none(request.POST.get("group")) or 0, training_class=cls)
    author_id = int_or_none(request.POST.get("author"))
    author = get_object_or_404(Enrollment, pk=author_id, training_class=cls) if author_id else None
    if not services.can_record(request.user, group):
        raise PermissionDenied("只有本组召集人或培训班管理人员可以记录讨论意见")
    try:
        services.discussion_item_create(group=group, category=request.POST.get("category", ""),
                                        aspect=request.POST.get("aspect", ""), text=request.POST.get("text", ""),
                                        author=author, by=request.user)
    except SeatingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已记录{group}的一条意见建议")
    return redirect(_back(cls, "#record"))


def _item(request, pk: int, item_pk: int) -> tuple[DiscussionAccess, DiscussionItem]:
    da = _access(request, pk)
    item = get_object_or_404(_item_rows(_visible_items(da)), pk=item_pk)
    return da, item


@login_required
@require_POST
def discussion_reply(request, pk: int, item_pk: int):
    da, item = _item(request, pk, item_pk)
    if not da.access.manage:
        raise PermissionDenied("只有培训班管理人员可以答复")
    error = ""
    try:
        item = services.discussion_reply(item=item, reply=request.POST.get("reply", ""), by=request.user)
        if request.POST.get("category"):
            item = services.discussion_item_classify(item=item, category=request.POST.get("category"),
                                                     aspect=request.POST.get("aspect", item.aspect), by=request.user)
    except SeatingError as exc:
        error = str(exc)
    if partial_request(request):
        item = _item_rows(DiscussionItem.objects.filter(pk=item.pk)).get()
        context = {"cls": da.training_class, "it": item, "manage": True, "error": error,
                   "categories": DiscussionItem.Category.choices, "just_saved": not error}
        return render(request, "training/seating/discussion.html#item", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "已答复")
    return redirect(_back(da.training_class, f"#item-{item.pk}"))


@login_required
@require_POST
def discussion_delete(request, pk: int, item_pk: int):
    da, item = _item(request, pk, item_pk)
    if not (da.access.manage or da.convener is not None):
        raise PermissionDenied("您没有删除讨论意见的权限")
    try:
        services.discussion_item_delete(item=item, by=request.user)
    except SeatingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已删除")
    return redirect(_back(da.training_class))


@login_required
@require_GET
def discussion_xlsx(request, pk: int):
    da = _access(request, pk)
    cls = da.training_class
    items, _ = _filtered(request, _visible_items(da))
    wb = Workbook()
    ws = wb.active
    ws.title = "讨论意见建议"
    ws.append([f"{cls.title}分组讨论意见建议"])
    ws.merge_cells("A1:J1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["序号", "组别", "类别", "方面", "内容", "提出人", "代表团", "答复", "答复人", "答复日期"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for n, it in enumerate(_item_rows(items), start=1):
        author = it.author.person.name if it.author_id else ""
        delegation = it.author.delegation.name if it.author_id and it.author.delegation_id else ""
        ws.append([n, str(it.group) if it.group_id else "", it.get_category_display(), safe_cell(it.aspect),
                   safe_cell(it.text), safe_cell(author), safe_cell(delegation), safe_cell(it.reply),
                   safe_cell(str(it.replied_by)) if it.replied_by_id else "",
                   chinese_date(timezone.localtime(it.replied_at)) if it.replied_at else ""])
    for letter, width in zip("ABCDEFGHIJ", (6, 8, 12, 14, 60, 10, 18, 50, 10, 14), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in (row[4], row[7]):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    return xlsx_response(workbook_bytes(wb), f"{cls.title}讨论意见建议.xlsx")


urlpatterns = [
    path("classes/<int:pk>/discussion/", discussion, name="discussion"),
    path("classes/<int:pk>/discussion/add/", discussion_add, name="discussion_add"),
    path("classes/<int:pk>/discussion/<int:item_pk>/reply/", discussion_reply, name="discussion_reply"),
    path("classes/<int:pk>/discussion/<int:item_pk>/delete/", discussion_delete, name="discussion_delete"),
    path("classes/<int:pk>/discussion/items.xlsx", discussion_xlsx, name="discussion_xlsx"),
]

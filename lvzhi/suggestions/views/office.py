"""Suggestion views: the office (建议办理) — the list with its filters, review, assignment (one or a batch), the
交办表 (PDF and Excel), a unit's return requests, extensions, supervision of key suggestions, publishing and the
classes. Staff of the congress (office, township, leader) read; only those with ``suggestions.manage`` change;
anyone else finds nothing here (404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from lvzhi.accounts.models import STAFF_ROLES
from lvzhi.core.documents import chinese_date, pdf_response, render_pdf
from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response
from lvzhi.core.scoping import get_scoped_or_404, scoped
from lvzhi.people.models import chinese_number

from .. import office_forms as forms
from ..models import Assignment, Category, Signature, Suggestion, Supervision
from ..services import office as services
from ..workflow import SuggestionError

S = Suggestion.State
PAGE_SIZE = 30
OPEN_STATES = (S.ASSIGNED, S.HANDLING)

# ---------------------------------------------------------------------------------------------------------------
# Access


def _staff(request) -> None:
    if request.user.role not in STAFF_ROLES or not request.user.region_id:
        raise Http404("未找到，或不在您的权限范围内")


def _manager(request) -> None:
    _staff(request)
    if not services.may_manage(request.user):
        raise PermissionDenied("您只能查看，不能办理建议")


def _partial(request) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.history_restore_request


def _office_region(user) -> str:
    """The congress whose classes and sittings the user works with: their own region."""
    return user.region_id


def suggestions_for(user):
    return scoped(Suggestion.objects.exclude(state=S.DRAFT), user)


def _with_details(qs):
    return qs.select_related("lead", "category", "sitting", "term").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("round", "-role", "id")))


def _get(request, pk: int) -> Suggestion:
    return get_scoped_or_404(_with_details(Suggestion.objects.exclude(state=S.DRAFT)), request.user, pk=pk)


def _d(value) -> str:
    if not value:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value).date()
    return chinese_date(value)


def period_label(s: Suggestion) -> str:
    if not s.sitting_id:
        return "闭会期间"
    return f"{chinese_number(s.term.number)}届{chinese_number(s.sitting.number)}次会议"


def _current_assignments(suggestion: Suggestion) -> list[Assignment]:
    return [a for a in suggestion.assignments.all()
            if a.round == suggestion.round and a.status != Assignment.Status.RETURNED]


def _row(s: Suggestion, today) -> dict:
    current = _current_assignments(s)
    lead = next((a for a in current if a.role == Assignment.Role.LEAD), None)
    days_left = (s.deadline - today).days if s.deadline and s.state in OPEN_STATES else None
    return {"s": s, "lead_unit": lead.unit.name if lead else "",
            "co_units": [a.unit.name for a in current if a.role == Assignment.Role.CO],
            "days_left": days_left, "overdue": days_left is not None and days_left < 0,
            "submitted": _d(s.submitted_at), "deadline": _d(s.deadline)}


# ---------------------------------------------------------------------------------------------------------------
# The list


def filtered(request):
    """The suggestions of the list's filters (used by the list, the batch and the 交办表 of the filter)."""
    user = request.user
    form = forms.FilterForm(request.GET or None, user=user, region_code=_office_region(user))
    qs = suggestions_for(user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            qs = qs.filter(Q(title__icontains=q) | Q(number_label__icontains=q) | Q(lead__name__icontains=q))
        if data["period"] == "recess":
            qs = qs.filter(sitting__isnull=True)
        elif data["period"]:
            qs = qs.filter(sitting_id=data["period"])
        if data["category"]:
            qs = qs.filter(category=data["category"])
        if data["unit"]:
            qs = qs.filter(Exists(Assignment.objects.filter(suggestion=OuterRef("pk"), unit=data["unit"])
                                  .exclude(status=Assignment.Status.RETURNED)))
        if data["key"]:
            qs = qs.filter(is_key=True)
        if data["overdue"]:
            qs = qs.filter(state__in=OPEN_STATES, deadline__lt=timezone.localdate())
        state = data["state"]
    else:
        state = ""
    return form, qs, state


@login_required
@require_GET
def office_list(request):
    _staff(request)
    form, qs, state = filtered(request)
    counts = dict(qs.order_by().values_list("state").annotate(n=Count("id")))
    if state:
        qs = qs.filter(state=state)
    page = Paginator(_with_details(qs).order_by("-submitted_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    params = request.GET.copy()
    params.pop("page", None)
    tabs = [{"value": "", "label": "全部", "count": sum(counts.values())}] + [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Suggestion.State.choices if value != S.DRAFT and counts.get(value)]
    tab_params = params.copy()
    tab_params.pop("state", None)
    context = {
        "form": form, "page": page, "rows": [_row(s, today) for s in page.object_list], "state": state,
        "tabs": tabs, "querystring": params.urlencode(), "tab_querystring": tab_params.urlencode(),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "can_manage": services.may_manage(request.user),
        "pending_returns": scoped(Assignment.objects.filter(status=Assignment.Status.RETURN_REQUESTED),
                                  request.user).count(),
    }
    if _partial(request):
        return render(request, "suggestions/office/list.html#results", context)
    return render(request, "suggestions/office/list.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Review (the suggestion's office page)


REVIEW_ACTIONS = {"accept", "classify", "return", "opinion", "merge", "withdraw", "publish", "unpublish"}


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    _staff(request)
    suggestion = _get(request, pk)
    user = request.user
    region = suggestion.region_code
    accept_form = forms.AcceptForm(region_code=region, initial={
        "category": suggestion.category_id, "is_key": suggestion.is_key, "key_leader": suggestion.key_leader})
    comment_form = forms.CommentForm()
    merge_form = forms.MergeForm(suggestion=suggestion, user=user)
    action = request.POST.get("action", "")
    if request.method == "POST":
        _manager(request)
        if action not in REVIEW_ACTIONS:
            raise Http404("未知的操作")
        try:
            if action in ("accept", "classify"):
                accept_form = forms.AcceptForm(request.POST, region_code=region)
                if accept_form.is_valid():
                    data = accept_form.cleaned_data
                    if action == "accept":
                        services.suggestion_accept(suggestion=suggestion, by=user, category=data["category"],
                                                   is_key=data["is_key"], key_leader=data["key_leader"],
                                                   comment=data["comment"])
                        messages.success(request, "已立案并编号")
                    else:
                        services.suggestion_classify(suggestion=suggestion, by=user, category=data["category"],
                                                     is_key=data["is_key"], key_leader=data["key_leader"])
                        messages.success(request, "分类已更新")
                    return redirect("suggestions:review", pk=pk)
            elif action in ("return", "opinion", "withdraw"):
                comment_form = forms.CommentForm(request.POST)
                if comment_form.is_valid():
                    comment = comment_form.cleaned_data["comment"]
                    func = {"return": services.suggestion_return, "opinion": services.suggestion_to_opinion,
                            "withdraw": services.suggestion_withdraw}[action]
                    func(suggestion=suggestion, by=user, comment=comment)
                    messages.success(request, {"return": "已退回代表修改", "opinion": "已转为意见",
                                               "withdraw": "已按代表要求撤回"}[action])
                    return redirect("suggestions:review", pk=pk)
            elif action == "merge":
                merge_form = forms.MergeForm(request.POST, suggestion=suggestion, user=user)
                if merge_form.is_valid():
                    into = merge_form.cleaned_data["into"]
                    services.suggestion_merge(suggestion=suggestion, into=into, by=user,
                                              comment=merge_form.cleaned_data["comment"])
                    messages.success(request, f"已并入{into.number_label or into.title}")
                    return redirect("suggestions:review", pk=into.pk)
            else:
                services.suggestion_publish(suggestion=suggestion, by=user, public=action == "publish")
                messages.success(request, "已公开" if action == "publish" else "已取消公开")
                return redirect("suggestions:review", pk=pk)
        except SuggestionError as exc:
            messages.error(request, str(exc))
            return redirect("suggestions:review", pk=pk)
    signatures = list(Signature.objects.filter(suggestion=suggestion).select_related("person").order_by("-role", "id"))
    context = {
        "s": suggestion, "row": _row(suggestion, timezone.localdate()), "period": period_label(suggestion),
        "cosigners": [g for g in signatures if g.role == Signature.Role.CO],
        "accept_form": accept_form, "comment_form": comment_form, "merge_form": merge_form, "action": action,
        "events": suggestion.events.select_related("by").order_by("at", "id"),
        "assignments": list(suggestion.assignments.all()),
        "supervisions": suggestion.supervisions.order_by("date", "id"),
        "merged": suggestion.merged.order_by("id"),
        "can_manage": services.may_manage(user), "in_review": suggestion.state == S.SUBMITTED,
        "may_assign": suggestion.state == S.ACCEPTED,
        "may_publish": suggestion.state in services.PUBLISHABLE,
    }
    return render(request, "suggestions/office/review.html", context, status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------------------------------------------------------
# Assignment


def _assign_fields(data) -> dict:
    return {"lead_unit": data["lead_unit"], "co_units": list(data["co_units"]), "leader": data["leader"],
            "handler": data["handler"], "handler_phone": data["handler_phone"], "supervisor": data["supervisor"],
            "assigned_on": data["assigned_on"]}


@login_required
@require_http_methods(["GET", "POST"])
def assign(request, pk: int):
    _staff(request)
    suggestion = _get(request, pk)
    _manager(request)
    if suggestion.state != S.ACCEPTED:
        messages.error(request, f"该建议当前为「{suggestion.get_state_display()}」，立案后才能交办")
        return redirect("suggestions:review", pk=pk)
    form = forms.AssignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.suggestion_assign(suggestion=suggestion, by=request.user, **_assign_fields(form.cleaned_data))
        except SuggestionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已交办")
            return redirect("suggestions:review", pk=pk)
    return render(request, "suggestions/office/assign.html", {"s": suggestion, "form": form, "batch": []},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def assign_batch(request):
    _staff(request)
    _manager(request)
    ids = [int(x) for x in request.POST.getlist("ids") or request.GET.getlist("ids") if str(x).isdigit()]
    batch = list(_with_details(suggestions_for(request.user).filter(pk__in=ids, state=S.ACCEPTED))
                 .order_by("number", "id"))
    form = forms.AssignForm(request.POST if request.POST.get("lead_unit") is not None else None, user=request.user)
    if not batch:
        messages.error(request, "请在列表中勾选已立案的建议，再批量交办")
        return redirect(reverse("suggestions:office_list") + "?state=accepted")
    if form.is_bound and form.is_valid():
        try:
            done = services.suggestion_assign_batch(suggestions=batch, by=request.user,
                                                    **_assign_fields(form.cleaned_data))
        except SuggestionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已交办 {len(done)} 件建议")
            return redirect(reverse("suggestions:office_list") + "?state=assigned")
    return render(request, "suggestions/office/assign.html", {"s": None, "form": form, "batch": batch},
                  status=400 if form.is_bound else 200)


# ---------------------------------------------------------------------------------------------------------------
# 交办表


SHEET_HEADERS = ["建议编号", "领衔代表", "建议内容", "承办单位", "协办单位", "分管领导", "领办人", "督办人",
                 "交办时间", "办理时间", "办结时限"]


def _sheet_rows(suggestions) -> list[dict]:
    rows = []
    for s in suggestions:
        current = _current_assignments(s)
        lead = next((a for a in current if a.role == Assignment.Role.LEAD), None)
        deadline = (lead.extended_to or lead.deadline) if lead else s.deadline
        assigned = timezone.localtime(lead.assigned_at).date() if lead else None
        rows.append({
            "number": s.number_label or "未编号", "lead": s.lead.name, "title": s.title, "request": s.request,
            "unit": lead.unit.name if lead else "", "co": "、".join(a.unit.name for a in current
                                                                   if a.role == Assignment.Role.CO),
            "leader": lead.leader if lead else "", "handler": lead.handler if lead else "",
            "supervisor": lead.supervisor if lead else "",
            "assigned": _d(assigned), "period": f"{_d(assigned)}至{_d(deadline)}" if assigned and deadline else "",
            "deadline": _d(deadline), "note": s.deadline_note,
        })
    return rows


@login_required
@require_GET
def assignment_sheet(request):
    """交办表 for one suggestion (?pk=) or for the list's current filter, as PDF (default) or Excel (format=xlsx)."""
    _staff(request)
    if request.GET.get("pk"):
        if not request.GET["pk"].isdigit():
            raise Http404("未找到")
        suggestions = [_get(request, int(request.GET["pk"]))]
    else:
        _, qs, state = filtered(request)
        qs = qs.filter(state=state) if state else qs.filter(number__isnull=False)
        suggestions = list(_with_details(qs).order_by("sitting_id", "number", "id")[:1000])
    rows = _sheet_rows(suggestions)
    office = request.user.region.name if request.user.region_id else ""
    title = "代表建议交办表"
    stamp = timezone.localdate()
    if request.GET.get("format") == "xlsx":
        wb = Workbook()
        ws = wb.active
        ws.title = "交办表"
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append(SHEET_HEADERS)
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append([safe_cell(v) for v in (r["number"], r["lead"], f"{r['title']}\n{r['request']}".strip(),
                                              r["unit"], r["co"], r["leader"], r["handler"], r["supervisor"],
                                              r["assigned"], r["period"], r["deadline"])])
        for col, width in zip("ABCDEFGHIJK", (22, 10, 50, 22, 22, 10, 10, 14, 16, 30, 16), strict=True):
            ws.column_dimensions[col].width = width
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        return xlsx_response(workbook_bytes(wb), f"交办表_{stamp:%Y%m%d}.xlsx")
    pdf = render_pdf("suggestions/office/assignment_sheet_pdf.html",
                     {"rows": rows, "title": title, "office": office, "printed": chinese_date(stamp)})
    name = f"交办表_{rows[0]['number']}.pdf" if len(rows) == 1 else f"交办表_{stamp:%Y%m%d}.pdf"
    return pdf_response(pdf, name)


# ---------------------------------------------------------------------------------------------------------------
# Return requests and extensions


def _assignments_for(user):
    return scoped(Assignment.objects.all(), user).select_related("suggestion__lead", "unit")


@login_required
@require_http_methods(["GET", "POST"])
def return_requests(request):
    _staff(request)
    form = forms.DecideForm()
    if request.method == "POST":
        _manager(request)
        pk = request.POST.get("assignment", "")
        assignment = get_object_or_404(_assignments_for(request.user), pk=pk if pk.isdigit() else 0)
        approve = request.POST.get("decision") == "approve"
        form = forms.DecideForm(request.POST)
        form.is_valid()
        try:
            services.assignment_return_decide(assignment=assignment, by=request.user, approve=approve,
                                              reason=form.cleaned_data.get("reason", ""))
        except SuggestionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已同意退回，请重新交办" if approve else "已告知承办单位继续办理")
        return redirect("suggestions:return_requests")
    pending = list(_assignments_for(request.user).filter(status=Assignment.Status.RETURN_REQUESTED)
                   .order_by("return_requested_at"))
    rows = [{"a": a, "requested": _d(a.return_requested_at), "assigned": _d(a.assigned_at)} for a in pending]
    return render(request, "suggestions/office/return_requests.html",
                  {"rows": rows, "form": form, "can_manage": services.may_manage(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def extend(request, pk: int):
    _staff(request)
    assignment = get_object_or_404(_assignments_for(request.user), pk=pk)
    _manager(request)
    form = forms.ExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_extend(assignment=assignment, by=request.user, to=form.cleaned_data["to"],
                                       reason=form.cleaned_data["reason"])
        except SuggestionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已延期")
            return redirect("suggestions:review", pk=assignment.suggestion_id)
    limit = services.extension_limit(assignment)
    return render(request, "suggestions/office/extend.html",
                  {"a": assignment, "form": form, "limit": _d(limit.date), "limit_note": limit.note,
                   "current": _d(assignment.extended_to or assignment.deadline)},
                  status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------------------------------------------------------
# Supervision and publishing


@login_required
@require_http_methods(["GET", "POST"])
def supervision(request, pk: int):
    _staff(request)
    suggestion = _get(request, pk)
    form = forms.SupervisionForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST":
        _manager(request)
        if form.is_valid():
            try:
                services.supervision_record(suggestion=suggestion, by=request.user, **form.cleaned_data)
            except SuggestionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "督办记录已保存")
                return redirect("suggestions:supervision", pk=pk)
    records = Supervision.objects.filter(suggestion=suggestion).order_by("-date", "-id")
    return render(request, "suggestions/office/supervision.html",
                  {"s": suggestion, "form": form, "records": records, "can_manage": services.may_manage(request.user)},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def publish(request):
    _staff(request)
    qs = suggestions_for(request.user).filter(state__in=services.PUBLISHABLE)
    if request.method == "POST":
        _manager(request)
        ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
        public = request.POST.get("action") != "unpublish"
        chosen = list(qs.filter(pk__in=ids))
        if not chosen:
            messages.error(request, "请勾选要公开或取消公开的建议")
        else:
            for s in chosen:
                services.suggestion_publish(suggestion=s, by=request.user, public=public)
            messages.success(request, f"已{'公开' if public else '取消公开'} {len(chosen)} 件")
        return redirect(request.get_full_path())
    show = request.GET.get("show", "")
    if show == "public":
        qs = qs.filter(is_public=True)
    elif show == "private":
        qs = qs.filter(is_public=False)
    page = Paginator(qs.select_related("lead", "category").order_by("-is_public", "number", "id"), 50) \
        .get_page(request.GET.get("page"))
    return render(request, "suggestions/office/publish.html",
                  {"page": page, "show": show, "can_manage": services.may_manage(request.user)})


# ---------------------------------------------------------------------------------------------------------------
# Classes


@login_required
@require_http_methods(["GET", "POST"])
def categories(request):
    _staff(request)
    region = request.user.region_id
    items = list(services.categories_for(region, active_only=False))
    form = forms.CategoryForm(initial={"is_active": True})
    if request.method == "POST":
        _manager(request)
        pk = request.POST.get("category", "")
        category = get_object_or_404(Category, pk=pk, region_id=region) if pk.isdigit() else None
        try:
            if request.POST.get("move") in ("up", "down") and category:
                services.category_move(by=request.user, category=category, up=request.POST["move"] == "up")
                return redirect("suggestions:categories")
            form = forms.CategoryForm(request.POST)
            if form.is_valid():
                services.category_save(by=request.user, region_code=region, category=category, **form.cleaned_data)
                messages.success(request, "分类已保存")
                return redirect("suggestions:categories")
        except SuggestionError as exc:
            form.add_error(None, str(exc))
    counts = dict(Suggestion.objects.filter(region_code=region, category__isnull=False).order_by()
                  .values_list("category").annotate(n=Count("id")))
    rows = [{"c": c, "count": counts.get(c.pk, 0)} for c in items]
    return render(request, "suggestions/office/categories.html",
                  {"rows": rows, "form": form, "can_manage": services.may_manage(request.user)},
                  status=400 if form.errors else 200)


urlpatterns = [
    path("office/", office_list, name="office_list"),
    path("office/<int:pk>/", review, name="review"),
    path("office/<int:pk>/assign/", assign, name="assign"),
    path("office/assign/", assign_batch, name="assign_batch"),
    path("office/sheet/", assignment_sheet, name="assignment_sheet"),
    path("office/returns/", return_requests, name="return_requests"),
    path("office/assignments/<int:pk>/extend/", extend, name="extend"),
    path("office/<int:pk>/supervision/", supervision, name="supervision"),
    path("office/publish/", publish, name="publish"),
    path("office/categories/", categories, name="categories"),
]

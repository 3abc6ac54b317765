"""The roster pages (代表名册): list, person page, forms, status changes, reveal, exports and the staff home."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lvzhi.accounts.models import STAFF_ROLES
from lvzhi.core.audit import audit_access, audit_event
from lvzhi.core.documents import chinese_date, pdf_response, render_pdf
from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response
from lvzhi.core.scoping import get_scoped_or_404

from . import selectors, services
from .forms import MandateEditForm, MandateForm, PersonForm, RosterFilterForm, StatusChangeForm
from .models import Level, Mandate, Person

PAGE_SIZE = 20
EXCEL_MAX_ROWS = 50_000
PDF_MAX_ROWS = 3_000
REVEALABLE = {"id_number": "身份证号", "phone": "联系电话"}


# ---------------------------------------------------------------------------------------------------------------
# Access helpers: every view goes through these, a partial as much as a page.


def _require_staff(request) -> None:
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied("代表名册仅供人大工作人员和常委会领导使用")


def _require(request, capability: str) -> None:
    if not request.user.can(capability):
        raise PermissionDenied("您没有执行此操作的权限")


def _get_person(request, pk: int) -> Person:
    return get_scoped_or_404(Person.objects.select_related("region__parent"), request.user, pk=pk)


def _get_mandate(request, pk: int) -> Mandate:
    return get_scoped_or_404(
        Mandate.objects.select_related("person", "term__congress", "district", "delegation"), request.user, pk=pk
    )


def _partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


# ---------------------------------------------------------------------------------------------------------------
# Staff home


@login_required
def staff_home(request):
    """The home page of office staff, township staff and leaders (called from core.views.home)."""
    _require_staff(request)
    user = request.user
    figures = selectors.home_figures(user=user)
    by_area = figures["by_area"]
    context = {
        "dash": figures["dash"],
        "chart": by_area["option"],
        "area_rows": by_area["rows"],
        "levels": list(Level),
        "area_label": "村（社区）" if user.region and user.region.level >= user.region.Level.TOWNSHIP else "乡镇（街道）",
        "today": chinese_date(timezone.localdate()),
        "can_edit": user.can("roster.edit"),
        "can_import": user.can("roster.import"),
        "can_export": user.can("roster.export"),
        "can_review": user.can("notes.review"),
    }
    return render(request, "people/home_staff.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Roster list and its exports


def _roster_filter(request) -> tuple[RosterFilterForm, selectors.RosterFilter, str]:
    form = RosterFilterForm(request.GET, user=request.user)  # always bound: an empty filter is a valid one
    form.is_valid()
    params = request.GET.copy()
    params.pop("page", None)
    return form, form.to_filter(), params.urlencode()


@login_required
@require_GET
def roster(request):
    _require_staff(request)
    form, flt, querystring = _roster_filter(request)
    page = selectors.roster_page(user=request.user, flt=flt, number=request.GET.get("page"), per_page=PAGE_SIZE)
    context = {
        "form": form,
        "flt": flt,
        "page": page,
        "rows": _roster_rows(page.object_list),
        "count_capped": page.paginator.count > selectors.ROSTER_COUNT_CAP,
        "can_edit": request.user.can("roster.edit"),
        "can_import": request.user.can("roster.import"),
        "can_export": request.user.can("roster.export"),
        "querystring": querystring,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    }
    if _partial(request):
        # The delegation and group selects follow the chosen region: they come along out of band.
        return render(request, "people/roster.html#results", {**context, "oob": True})
    return render(request, "people/roster.html", context)


_STATUS_BADGE = {Mandate.Status.SUSPENDED: ("暂停", "badge-warn"), Mandate.Status.ENDED: ("终止", "badge-bad")}


def _roster_rows(persons) -> list[dict]:
    """What a roster row shows, worked out here once: the template only places it (20 rows of attribute lookups
    and filters cost more than the page's SQL)."""
    rows = []
    for person in persons:
        badges = []
        for m in person.current_mandates:
            status, status_class = _STATUS_BADGE.get(m.status, ("", ""))
            badges.append({"level": m.level, "label": Level(m.level).label, "status": status,
                           "status_class": status_class, "by_election": m.elected_by == Mandate.ElectedBy.BY_ELECTION})
        birth = person.birth_date
        rows.append({
            "url": reverse("people:person", args=[person.pk]),
            "name": person.name,
            "gender": person.gender,
            "birth": f"{birth.year}年{birth.month}月" if birth else "—",
            "area": _area_name(person, separator="·"),
            "employer": person.employer_title or "—",
            "badges": badges,
            "delegations": [m.delegation.name for m in person.current_mandates if m.delegation_id],
        })
    return rows


def _export_rows(persons) -> list[dict]:
    rows = []
    for number, person in enumerate(persons, start=1):
        mandates = person.current_mandates
        several = len(mandates) > 1

        def joined(values, several=several):
            values = [(label, v) for label, v in values if v]
            if not values:
                return ""
            if several and len({v for _, v in values}) > 1:
                return "；".join(f"{label}：{v}" for label, v in values)
            return "、".join(dict.fromkeys(v for _, v in values))

        levels = [Level(m.level).label for m in mandates]
        rows.append({
            "number": number,
            "person": person,
            "levels": "、".join(levels),
            "district": joined((Level(m.level).label, m.district.name if m.district else "") for m in mandates),
            "delegation": joined((Level(m.level).label, m.delegation.name if m.delegation else "") for m in mandates),
            "group": "、".join(dict.fromkeys(m.group.name for m in mandates if m.group)),
            "status": joined((Level(m.level).label, m.get_status_display()) for m in mandates),
            "tenure": joined((Level(m.level).label, "连任" if m.is_reelected else "新任") for m in mandates),
            "area": _area_name(person),
            "birth": f"{person.birth_date.year}.{person.birth_date.month:02d}" if person.birth_date else "",
        })
    return rows


def _area_name(person: Person, separator: str = "") -> str:
    region = person.region
    if region.parent is not None and region.level >= region.Level.VILLAGE:
        return f"{region.parent.name}{separator}{region.name}"
    return region.name


def _too_many(request, total: int, limit: int, kind: str, querystring: str):
    messages.error(request, f"当前筛选结果超过{kind}导出上限 {limit:,} 人；请按乡镇、层级等缩小范围后分批导出。")
    return redirect(f"{reverse('people:roster')}?{querystring}")


EXCEL_COLUMNS = [
    ("序号", 6), ("姓名", 10), ("性别", 6), ("民族", 8), ("出生年月", 10), ("籍贯", 10), ("政治面貌", 12),
    ("文化程度", 10), ("工作单位及职务", 36), ("代表层级", 10), ("选区", 18), ("代表团", 16), ("代表小组", 16),
    ("乡镇（街道）", 16), ("联系电话", 14), ("身份证号", 21), ("职业构成", 12), ("新任/连任", 10), ("状态", 10),
]


@login_required
@require_GET
def roster_export_xlsx(request):
    _require(request, "roster.export")
    _require_staff(request)
    form, flt, querystring = _roster_filter(request)
    persons = selectors.roster_persons(user=request.user, flt=flt)
    total = selectors.roster_count(user=request.user, flt=flt, cap=EXCEL_MAX_ROWS)
    if total > EXCEL_MAX_ROWS:
        return _too_many(request, total, EXCEL_MAX_ROWS, "Excel", querystring)
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    today = timezone.localdate()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("代表名册")
    for index, (_, width) in enumerate(EXCEL_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C3"

    def styled(value, **style):
        cell = WriteOnlyCell(sheet, value=safe_cell(value))
        for key, val in style.items():
            setattr(cell, key, val)
        return cell

    thin = Side(style="thin", color="999999")
    sheet.append([styled(f"代表名册（{flt.description}）", font=Font(bold=True, size=14))])
    sheet.append([
        styled(name, font=Font(bold=True), fill=PatternFill("solid", fgColor="EEEEEE"),
               alignment=Alignment(horizontal="center"), border=Border(top=thin, bottom=thin, left=thin, right=thin))
        for name, _ in EXCEL_COLUMNS
    ])
    rows = _export_rows(selectors.with_roster_mandates(persons).iterator(chunk_size=1000))
    for row in rows:
        p = row["person"]
        sheet.append([safe_cell(v) for v in (
            row["number"], p.name, p.gender, p.ethnicity, row["birth"], p.native_place, p.political_status,
            p.education, p.employer_title, row["levels"], row["district"], row["delegation"], row["group"],
            row["area"], p.phone_masked, p.id_masked, p.occupation, row["tenure"], row["status"],
        )])
    sheet.append([])
    sheet.append([f"导出日期：{chinese_date(today)}　共 {len(rows)} 人　身份证号、联系电话已脱敏"])
    audit_event(request.user, event="roster_export", actor=request.user,
                note=f"Excel：{flt.description}，{len(rows)}人")
    return xlsx_response(workbook_bytes(workbook), f"代表名册_{today:%Y%m%d}.xlsx")


@login_required
@require_GET
def roster_export_pdf(request):
    _require(request, "roster.export")
    _require_staff(request)
    form, flt, querystring = _roster_filter(request)
    persons = selectors.roster_persons(user=request.user, flt=flt)
    total = selectors.roster_count(user=request.user, flt=flt, cap=PDF_MAX_ROWS)
    if total > PDF_MAX_ROWS:
        return _too_many(request, total, PDF_MAX_ROWS, "PDF", querystring)
    today = timezone.localdate()
    rows = _export_rows(selectors.with_roster_mandates(persons))
    congress_area = request.user.region.full_name() if request.user.region else ""
    content = render_pdf("people/roster_pdf.html", {
        "rows": rows, "flt": flt, "printed": chinese_date(today), "area": congress_area,
    })
    audit_event(request.user, event="roster_export", actor=request.user,
                note=f"PDF：{flt.description}，{len(rows)}人")
    return pdf_response(content, f"代表名册_{today:%Y%m%d}.pdf")


# ---------------------------------------------------------------------------------------------------------------
# Person page and reveal


@login_required
@require_GET
def person_detail(request, pk: int):
    person = _get_person(request, pk)
    return render(request, "people/person.html", _person_context(request, person))


def _person_context(request, person: Person, revealed: dict | None = None) -> dict:
    user = request.user
    return {
        "person": person,
        **selectors.person_detail(person=person),
        "can_edit": user.can("roster.edit"),
        "can_reveal": user.can("personal.reveal"),
        "is_staff_role": user.role in STAFF_ROLES,
        "revealed": revealed or {},
    }


@never_cache
@login_required
@require_POST
def person_reveal(request, pk: int, field: str):
    """Show one full ID number or phone number to a user allowed to see it; each time is audited."""
    if field not in REVEALABLE:
        raise Http404("未知的字段")
    _require(request, "personal.reveal")
    person = _get_person(request, pk)
    audit_access(person, field=field, actor=request.user)
    value = getattr(person, field)
    if request.htmx:
        return render(request, "people/_secret.html", {"person": person, "field": field, "full": value or "（未填写）"})
    return render(request, "people/person.html", _person_context(request, person, revealed={field: value}))


# ---------------------------------------------------------------------------------------------------------------
# Forms


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    _require(request, "roster.edit")
    data = request.POST if request.method == "POST" else None
    form = PersonForm(data, user=request.user)
    mandate_form = MandateForm(data, user=request.user, prefix="m")
    if data is not None and all([form.is_valid(), mandate_form.is_valid()]):
        try:
            person = services.person_create_with_mandate(
                by=request.user, id_number=form.cleaned_data["id_number"], mandate=mandate_form.cleaned_data,
                **form.person_fields(),
            )
        except services.RosterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已新增代表 {person.name}。")
            return redirect("people:person", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "mandate_form": mandate_form})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    _require(request, "roster.edit")
    person = _get_person(request, pk)
    form = PersonForm(request.POST if request.method == "POST" else None, instance=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(by=request.user, person=person, id_number=form.cleaned_data["id_number"] or None,
                                   **form.person_fields())
        except services.RosterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存 {person.name} 的信息。")
            return redirect("people:person", pk=person.pk)
    if request.method == "POST":
        # A failed ModelForm has already written the typed values onto the instance: show the stored ones.
        person.refresh_from_db()
    return render(request, "people/person_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def mandate_add(request, pk: int):
    """A further mandate for a person, including one from a by-election (补选)."""
    _require(request, "roster.edit")
    person = _get_person(request, pk)
    form = MandateForm(request.POST if request.method == "POST" else None, user=request.user, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            mandate = services.mandate_add(by=request.user, person=person, **form.cleaned_data)
        except services.RosterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已为 {person.name} 添加{mandate.level_label}资格。")
            return redirect("people:person", pk=person.pk)
    return render(request, "people/mandate_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def mandate_edit(request, pk: int):
    _require(request, "roster.edit")
    mandate = _get_mandate(request, pk)
    form = MandateEditForm(request.POST if request.method == "POST" else None, user=request.user, mandate=mandate)
    if request.method == "POST" and form.is_valid():
        try:
            services.mandate_update(by=request.user, mandate=mandate, **form.cleaned_data)
        except services.RosterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存 {mandate.person.name} 的{mandate.level_label}资格信息。")
            return redirect("people:person", pk=mandate.person_id)
    return render(request, "people/mandate_edit.html", {"form": form, "mandate": mandate, "person": mandate.person})


@login_required
@require_http_methods(["GET", "POST"])
def mandate_status(request, pk: int):
    """Suspend, resume, accept a resignation, recall or end a mandate, with date and reason."""
    _require(request, "roster.edit")
    mandate = _get_mandate(request, pk)
    form = StatusChangeForm(request.POST if request.method == "POST" else None, mandate=mandate)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                change = services.mandate_change_status(
                    by=request.user, mandate=mandate, kind=data["kind"], date=data["date"], reason=data["reason"],
                    end_reason=data["end_reason"],
                )
        except services.RosterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已办理 {mandate.person.name} 的{mandate.level_label}资格"
                                      f"「{change.get_kind_display()}」。")
            return redirect("people:person", pk=mandate.person_id)
    return render(request, "people/mandate_status.html", {
        "form": form, "mandate": mandate, "person": mandate.person,
        "no_change_possible": not form.fields["kind"].choices,
    })

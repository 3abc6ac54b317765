"""Suggestion views: figures by unit and category (each opening its list), the year-end report (PDF and Excel)
and the 100-point unit assessment. Staff see their region and below; a handling unit sees its own figures."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook
from openpyxl.styles import Font

from lvzhi.accounts.models import STAFF_ROLES, Role
from lvzhi.core.documents import chinese_date, pdf_response, render_pdf
from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response
from lvzhi.core.scoping import get_scoped_or_404
from lvzhi.people.models import Unit

from .. import reports
from ..services import assessment as assessment_service

PAGE_SIZE = 50


def _require_reader(request) -> None:
    if request.user.role not in STAFF_ROLES and request.user.role != Role.UNIT:
        raise PermissionDenied("此页面仅供人大工作人员、常委会领导和承办单位使用")


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - 10, -1))


def _chart(rows: list[dict], name_key: str, list_params) -> dict:
    """An ECharts option (grouped horizontal bars of the four rates) and the list URL behind each bar."""
    names = [r[name_key] for r in rows]
    series = [("按时答复率", "on_time_rate"), ("答复前沟通率", "contact_rate"), ("满意率", "satisfied_rate"),
              ("办成率", "resolved_rate")]
    return {
        "option": {
            "tooltip": {"trigger": "axis", "valueFormatter": None},
            "legend": {"top": 0},
            "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
            "yAxis": {"type": "category", "data": names, "inverse": True},
            "series": [{"name": label, "type": "bar", "data": [r[key] for r in rows]} for label, key in series],
        },
        "links": [list_params(r) for r in rows],
    }


def _cards(total: dict, list_url) -> list[dict]:
    cards = []
    for key, label, rate_key, hint, show in reports.FIGURES:
        cards.append({"label": label, "value": total[key], "rate": total.get(rate_key) if rate_key else None,
                      "hint": hint, "url": list_url(show)})
    return cards


@login_required
@require_GET
def report(request):
    _require_reader(request)
    period = reports.period_from(request.GET, request.user)
    data = reports.figures(request.user, period)

    def list_url(show, **params):
        return _url("suggestions:report_list", show=show, **period.params(), **params)

    for r in data["by_unit"]:
        r["url"] = list_url("assigned", unit=r["unit_id"])
    for r in data["by_category"]:
        r["url"] = list_url("assigned", category=r["suggestion__category_id"] or "none")
    context = {
        "period": period, "years": _years(), "sittings": reports.sittings_for(request.user)[:20],
        "cards": _cards(data["total"], list_url), **data,
        "unit_chart": _chart(data["by_unit"], "unit__name", lambda r: r["url"]),
        "category_chart": _chart(data["by_category"], "suggestion__category__name", lambda r: r["url"]),
        "list_url": list_url, "is_staff": request.user.role in STAFF_ROLES,
        "xlsx": _url("suggestions:year_report_xlsx", **period.params()),
    }
    return render(request, "suggestions/reports/report.html", context)


LIST_HEADERS = ["建议编号", "标题", "领衔代表", "分类", "主办单位", "办结时限", "答复日期", "办理结果", "测评", "承诺落实"]


def _list_cells(row) -> list:
    s = row.suggestion
    return [s.number_label or f"（未编号）{s.pk}", s.title, s.lead.name, s.category.name if s.category else "未分类",
            row.unit.name, row.limit, row.reply_day, reports.result_label(row.result)[:2],
            reports.verdict_label(row.verdict), f"{row.c_delivered}/{row.c_due}"]


@login_required
@require_GET
def report_list(request):
    _require_reader(request)
    period = reports.period_from(request.GET, request.user)
    show = request.GET.get("show", "assigned")
    unit = request.GET.get("unit", "")
    category = request.GET.get("category", "")
    try:
        title, rows = reports.report_rows(request.user, period, show=show,
                                          unit=int(unit) if unit.isdigit() else None,
                                          category=category if category == "none" or category.isdigit() else None)
    except KeyError as exc:
        raise Http404("没有这项统计") from exc
    if request.GET.get("format") == "xlsx":
        wb = Workbook()
        ws = wb.active
        ws.title = title[:31]
        ws.append(LIST_HEADERS)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows.iterator(chunk_size=2000):
            ws.append([safe_cell(v) for v in _list_cells(row)])
        return xlsx_response(workbook_bytes(wb), f"{title}-{period.label}.xlsx")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query["format"] = "xlsx"
    context = {"period": period, "title": title, "page": page, "show": show,
               "back": _url("suggestions:report", **period.params()), "xlsx": f"{request.path}?{query.urlencode()}",
               "query": urlencode({k: v for k, v in request.GET.items() if k != "page"})}
    return render(request, "suggestions/reports/report_list.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Year-end report (通报会)


def _require_staff(request) -> None:
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied("此页面仅供人大工作人员和常委会领导使用")


def _year_report_data(request) -> dict:
    period = reports.period_from(request.GET, request.user)
    data = reports.figures(request.user, period)
    year = period.year or period.sitting.start_date.year
    weights, ranking = assessment_service.assessment_table(
        request.user, year, by_unit=data["by_unit"] if period.sitting is None else None)
    return {"period": period, "year": year, "cards": _cards(data["total"], lambda show: ""), **data,
            "weights": weights, "ranking": ranking, "parts": assessment_service.PARTS,
            "formula": assessment_service.FORMULA, **reports.key_and_second_round(request.user, period),
            "printed": chinese_date(timezone.localdate())}


@login_required
@require_GET
def year_report(request):
    _require_staff(request)
    context = _year_report_data(request)
    params = context["period"].params()
    context.update(pdf=_url("suggestions:year_report_pdf", **params), xlsx=_url("suggestions:year_report_xlsx", **params),
                   years=_years(), sittings=reports.sittings_for(request.user)[:20],
                   back=_url("suggestions:report", **params))
    return render(request, "suggestions/reports/year_report.html", context)


@login_required
@require_GET
def year_report_pdf(request):
    _require_staff(request)
    context = _year_report_data(request)
    content = render_pdf("suggestions/reports/year_report_pdf.html", context)
    return pdf_response(content, f"建议办理情况通报-{context['period'].label}.pdf")


def _sheet(wb, title, headers, rows, *, first=False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    return ws


def _figure_rows(rows, name_key):
    return [(r[name_key], r["assigned"], r["due"], r["on_time"], r["on_time_rate"], r["replied"], r["contacted"],
             r["contact_rate"], r["rated"], r["satisfied"], r["satisfied_rate"], r["resolved"], r["resolved_rate"],
             r["commitments_due"], r["commitments_delivered"], r["delivery_rate"]) for r in rows]


FIGURE_HEADERS = ["交办", "应答复", "按时答复", "按时答复率(%)", "已答复", "答复前沟通", "沟通率(%)", "已测评",
                  "满意或基本满意", "满意率(%)", "办成", "办成率(%)", "到期承诺", "已落实承诺", "承诺落实率(%)"]


@login_required
@require_GET
def year_report_xlsx(request):
    _require_staff(request)
    c = _year_report_data(request)
    wb = Workbook()
    _sheet(wb, "概况", ["项目", "数值", "比率(%)", "说明"],
           [("统计期间", c["period"].label, "", "")]
           + [(card["label"], card["value"], card["rate"], card["hint"]) for card in c["cards"]], first=True)
    _sheet(wb, "各承办单位", ["承办单位", *FIGURE_HEADERS], _figure_rows(c["by_unit"], "unit__name"))
    _sheet(wb, "各类别", ["类别", *FIGURE_HEADERS], _figure_rows(c["by_category"], "suggestion__category__name"))
    _sheet(wb, "百分考核", ["名次", "承办单位", *[f"{label}(权重{getattr(c['weights'], k)})" for k, label in c["parts"]],
                         "总分", "说明"],
           [(r.rank, r.unit_name, *[r.parts[k] for k, _ in c["parts"]], r.total, r.note) for r in c["ranking"]])
    _sheet(wb, "重点建议", ["建议编号", "标题", "领衔代表", "领衔督办", "状态", "督办次数", "督办情况"],
           [(s.number_label, s.title, s.lead.name, s.key_leader, s.get_state_display(), len(s.supervision_list),
             "；".join(f"{v.date:%Y-%m-%d} {v.get_kind_display()}：{v.findings}" for v in s.supervision_list))
            for s in c["key_suggestions"]])
    _sheet(wb, "重新办理", ["建议编号", "标题", "领衔代表", "轮次", "状态"],
           [(s.number_label, s.title, s.lead.name, s.round, s.get_state_display()) for s in c["second_round"]])
    return xlsx_response(workbook_bytes(wb), f"建议办理情况通报-{c['period'].label}.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# 100-point assessment


def _weight_fields(weights, posted) -> list[tuple[str, str, object]]:
    if posted.get("action") == "weights":
        return [(k, label, posted.get(k, "")) for k, label in assessment_service.PARTS]
    return [(k, label, getattr(weights, k)) for k, label in assessment_service.PARTS]


@login_required
@require_http_methods(["GET", "POST"])
def assessment(request):
    _require_staff(request)
    year_text = request.POST.get("year") or request.GET.get("year") or ""
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else timezone.localdate().year
    can_edit = request.user.role == Role.OFFICE and bool(request.user.region_id)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只有人大常委会办事机构工作人员可以设置百分考核")
        try:
            if request.POST.get("action") == "weights":
                values = {}
                for name, label in assessment_service.PARTS:
                    text = request.POST.get(name, "").strip()
                    if not text.isdigit():
                        raise assessment_service.AssessmentError(f"「{label}」的权重应为 0 到 100 的整数")
                    values[name] = int(text)
                assessment_service.assessment_weights_save(region=request.user.region, year=year, by=request.user,
                                                           **values)
                messages.success(request, f"{year}年百分考核权重已保存")
            else:
                unit_text = request.POST.get("unit", "")
                unit = get_scoped_or_404(Unit.objects.all(), request.user, pk=unit_text if unit_text.isdigit() else 0)
                assessment_service.unit_assessment_save(
                    region=request.user.region, year=year, unit=unit, by=request.user,
                    leadership=request.POST.get("leadership", ""), management=request.POST.get("management", ""),
                    note=request.POST.get("note", ""))
                messages.success(request, f"已保存{unit.name}的评分")
        except assessment_service.AssessmentError as exc:
            messages.error(request, str(exc))
            weights, ranking = assessment_service.assessment_table(request.user, year)
            return render(request, "suggestions/reports/assessment.html",
                          {"year": year, "weights": weights, "ranking": ranking, "parts": assessment_service.PARTS,
                           "formula": assessment_service.FORMULA, "can_edit": can_edit, "years": _years(),
                           "weight_fields": _weight_fields(weights, request.POST)}, status=422)
        return redirect(_url("suggestions:assessment", year=year))
    weights, ranking = assessment_service.assessment_table(request.user, year)
    return render(request, "suggestions/reports/assessment.html",
                  {"year": year, "weights": weights, "ranking": ranking, "parts": assessment_service.PARTS,
                   "formula": assessment_service.FORMULA, "can_edit": can_edit, "years": _years(),
                   "weight_fields": _weight_fields(weights, {})})


urlpatterns = [
    path("reports/year/", year_report, name="year_report"),
    path("reports/year.pdf", year_report_pdf, name="year_report_pdf"),
    path("reports/year.xlsx", year_report_xlsx, name="year_report_xlsx"),
    path("reports/assessment/", assessment, name="assessment"),
    path("reports/", report, name="report"),
    path("reports/list/", report_list, name="report_list"),
]

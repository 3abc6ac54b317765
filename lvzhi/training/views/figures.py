"""Training views: figures with charts — one class's, and every class in the user's scope for a year or a term —
each figure opening the list behind it, and the Excel exports of both."""

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Font

from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response

from .. import figures
from .feedback import class_context, get_class, require_staff

LIST_TITLES = {"enrolled", "attended", "absent", "leave", "late", "hours", "certified"}
OVERVIEW_LISTS = {"untrained", "new_untrained", "deputies_trained", "new_trained", "trained", "hours", "absent"}


def _url(name: str, args=(), **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return reverse(name, args=args) + (f"?{query}" if query else "")


# ---------------------------------------------------------------------------------------------------------------
# One class


@login_required
@require_GET
def class_figures(request, pk: int):
    require_staff(request)
    training_class = get_class(request, pk)

    def list_url(show, **params):
        return _url("training:figures_list", [training_class.pk], show=show, **params)

    data = figures.class_figures(training_class, list_url=list_url)
    return render(request, "training/feedback/figures.html", {**class_context(training_class, "figures"), **data})


def _class_rows(grid, rows):
    titles = {lesson.pk: lesson.topic for lesson in grid.lessons}
    return [{"row": r, "enrollment": r.enrollment, "due": len(r.due), "present": len(r.present & r.due),
             "leave": len(r.leave), "absent": len(r.absent), "late": len(r.late | r.early),
             "absent_topics": "、".join(titles[pk] for pk in sorted(r.absent, key=list(titles).index)),
             "hours": r.hours} for r in rows]


@login_required
@require_GET
def class_figures_list(request, pk: int):
    require_staff(request)
    training_class = get_class(request, pk)
    show = request.GET.get("show", "enrolled")
    if show not in LIST_TITLES:
        raise Http404("没有这项统计")
    grid = figures.ClassGrid(training_class)
    try:
        title, rows = figures.class_list(grid, show=show, lesson=request.GET.get("lesson"),
                                         delegation=request.GET.get("delegation"), band=request.GET.get("band"))
    except ValueError as exc:
        raise Http404("没有这项统计") from exc
    rows = _class_rows(grid, rows)
    if request.GET.get("format") == "xlsx":
        wb = Workbook()
        _sheet(wb, title[:31].replace("/", "、"), ["姓名", "代表团", "应出勤(节)", "出勤(节)", "准假(节)", "缺勤(节)",
                                                  "迟到早退(节)", "学时", "缺勤课程"],
               [(r["enrollment"].person.name, r["enrollment"].delegation.name if r["enrollment"].delegation else "",
                 r["due"], r["present"], r["leave"], r["absent"], r["late"], r["hours"], r["absent_topics"])
                for r in rows], first=True)
        return xlsx_response(workbook_bytes(wb), f"{title}-{training_class.title}.xlsx")
    query = request.GET.copy()
    query["format"] = "xlsx"
    context = {**class_context(training_class, "figures"), "title": title, "rows": rows, "show": show,
               "xlsx": f"{request.path}?{query.urlencode()}"}
    return render(request, "training/feedback/figures_list.html", context)


def _sheet(wb, title, headers, rows, *, first=False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(float(v) if isinstance(v, Decimal) else v) for v in row])
    for column, header in zip(ws.columns, headers, strict=False):
        ws.column_dimensions[column[0].column_letter].width = max(10, min(40, len(str(header)) * 2 + 4))
    return ws


@login_required
@require_GET
def class_figures_xlsx(request, pk: int):
    require_staff(request)
    training_class = get_class(request, pk)
    data = figures.class_figures(training_class, list_url=lambda show, **params: "")
    grid = data["grid"]
    wb = Workbook()
    _sheet(wb, "概况", ["项目", "数值", "说明"], [(c["label"], str(c["value"]), c["hint"]) for c in data["cards"]],
           first=True)
    _sheet(wb, "各代表团出勤", ["代表团", "应出勤", "出勤", "准假", "缺勤", "迟到", "早退", "出勤率(%)"],
           [(t.label, t.due, t.present, t.leave, t.absent, t.late, t.early, t.rate) for t in data["delegations"]])
    _sheet(wb, "各课程出勤", ["课程", "开始时间", "应出勤", "出勤", "准假", "缺勤", "迟到", "早退", "出勤率(%)"],
           [(t.label, timezone.localtime(t.key.starts_at).strftime("%Y-%m-%d %H:%M"), t.due, t.present, t.leave,
             t.absent, t.late, t.early, t.rate) for t in data["lessons"]])
    _sheet(wb, "人员出勤与学时", ["姓名", "代表团", "应出勤(节)", "出勤(节)", "准假(节)", "缺勤(节)", "迟到早退(节)",
                           "学时", "缺勤课程"],
           [(r["enrollment"].person.name, r["enrollment"].delegation.name if r["enrollment"].delegation else "",
             r["due"], r["present"], r["leave"], r["absent"], r["late"], r["hours"], r["absent_topics"])
            for r in _class_rows(grid, list(grid.rows.values()))])
    if data["quiz"]:
        quiz = data["quiz"]
        _sheet(wb, "培训前后测试", ["姓名", "培训前得分", "培训后得分", "变化"],
               [(r["name"], r["before"], r["after"], r["change"]) for r in quiz["rows"]]
               + [("平均（全部答卷）", quiz["before_average"], quiz["after_average"], None),
                  ("平均（前后都参加）", quiz["paired_before_average"], quiz["paired_after_average"], None)])
    return xlsx_response(workbook_bytes(wb), f"培训统计-{training_class.title}.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# Every class in scope


def _period(request) -> figures.Period:
    kind = request.GET.get("period", "year")
    year = request.GET.get("year", "")
    term = request.GET.get("term", "")
    return figures.overview_period(request.user, kind="term" if kind == "term" else "year",
                                   year=int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None,
                                   term_id=int(term) if term.isdigit() else None)


def _period_params(period: figures.Period) -> dict:
    return {"period": "term", "term": period.term_id} if period.kind == "term" else {"year": period.year}


@login_required
@require_GET
def figures_overview(request):
    require_staff(request)
    period = _period(request)
    overview = figures.Overview(request.user, period)

    def list_url(show, **params):
        return _url("training:figures_overview_list", show=show, **_period_params(period), **params)

    this_year = timezone.localdate().year
    context = {
        "period": period, **overview.figures(list_url=list_url),
        "years": list(range(this_year + 1, this_year - 5, -1)), "terms": figures.term_choices(request.user),
        "xlsx": _url("training:figures_overview_xlsx", **_period_params(period)),
    }
    return render(request, "training/feedback/figures_overview.html", context)


@login_required
@require_GET
def figures_overview_list(request):
    require_staff(request)
    period = _period(request)
    show = request.GET.get("show", "")
    if show not in OVERVIEW_LISTS:
        raise Http404("没有这项统计")
    overview = figures.Overview(request.user, period)
    title, rows = overview.people(show, home=request.GET.get("home"))
    classes = {c.pk: c for c in overview.classes}
    for row in rows:
        if "class_id" in row:
            row["class"] = classes.get(row["class_id"])
    if request.GET.get("format") == "xlsx":
        wb = Workbook()
        if show == "absent":
            _sheet(wb, "缺勤", ["姓名", "区划", "代表团", "培训班", "缺勤(节)"],
                   [(r["name"], r["region"], r["delegation"], r["class"].title if r.get("class") else "", r["absent"])
                    for r in rows], first=True)
        else:
            _sheet(wb, title[:31], ["姓名", "区划", "代表层级", "新任", "参训班次", "出勤课程", "学时"],
                   [(r["name"], r["region"], r.get("levels", ""), "是" if r.get("new") else "", r["classes"],
                     r["lessons"], r["hours"]) for r in rows], first=True)
        return xlsx_response(workbook_bytes(wb), f"{title}-{period.label}.xlsx")
    query = request.GET.copy()
    query["format"] = "xlsx"
    context = {"period": period, "title": title, "rows": rows, "show": show,
               "back": _url("training:figures_overview", **_period_params(period)),
               "xlsx": f"{request.path}?{query.urlencode()}"}
    return render(request, "training/feedback/figures_overview_list.html", context)


@login_required
@require_GET
def figures_overview_xlsx(request):
    require_staff(request)
    period = _period(request)
    overview = figures.Overview(request.user, period)
    data = overview.figures(list_url=lambda show, **params: "")
    wb = Workbook()
    _sheet(wb, "概况", ["项目", "数值", "说明"],
           [("统计期间", period.label, f"{period.start:%Y-%m-%d} 至 {period.end:%Y-%m-%d}")]
           + [(c["label"], str(c["value"]), c["hint"]) for c in data["cards"]], first=True)
    _sheet(wb, "培训班", ["培训班", "形式", "开班", "结业", "参训人数", "参训人次", "出勤率(%)", "学时合计"],
           [(c["class"].title, c["class"].get_form_display(), c["class"].start_date, c["class"].end_date,
             c["enrolled"], c["attended"], c["rate"], c["hours"]) for c in data["classes"]])
    _sheet(wb, "各代表团出勤", ["代表团所属", "应出勤", "出勤", "准假", "缺勤", "出勤率(%)"],
           [(t.label, t.due, t.present, t.leave, t.absent, t.rate) for t in data["homes"]])
    people_headers = ["姓名", "区划", "代表层级", "新任", "参训班次", "出勤课程", "学时"]

    def people_rows(show):
        return [(r["name"], r["region"], r.get("levels", ""), "是" if r.get("new") else "", r["classes"], r["lessons"],
                 r["hours"]) for r in overview.people(show)[1]]

    _sheet(wb, "代表参训学时", people_headers, people_rows("hours"))
    _sheet(wb, "未参训代表", people_headers, people_rows("untrained"))
    if data["quiz"]:
        _sheet(wb, "培训前后测试", ["培训班", "培训前平均分", "培训前答卷", "培训后平均分", "培训后答卷"],
               [(q["class"].title, q["before"], q["before_count"], q["after"], q["after_count"]) for q in data["quiz"]])
    return xlsx_response(workbook_bytes(wb), f"培训统计-{period.label}.xlsx")


urlpatterns = [
    path("<int:pk>/figures/", class_figures, name="figures"),
    path("<int:pk>/figures/list/", class_figures_list, name="figures_list"),
    path("<int:pk>/figures.xlsx", class_figures_xlsx, name="figures_xlsx"),
    path("figures/", figures_overview, name="figures_overview"),
    path("figures/list/", figures_overview_list, name="figures_overview_list"),
    path("figures.xlsx", figures_overview_xlsx, name="figures_overview_xlsx"),
]

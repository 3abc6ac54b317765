"""The office's deadline rules (办理时限规则: a preset from a regulation, adjusted) and the working-day calendar
(节假日与调休: corrections for a year or a local holiday the library does not know). Staff of a congress read; those
who manage suggestions change the rules; the county office (or an administrator) changes the calendar."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lvzhi.accounts.models import STAFF_ROLES
from lvzhi.core import workdays
from lvzhi.core.models import CalendarDay

from ..models import HandlingRules
from ..services import deadlines

LIMITS = {  # (min, max) a sane office would enter
    "reply_months": (1, 12), "max_extension_months": (1, 24), "return_working_days": (1, 60),
    "co_opinion_working_days": (1, 120), "first_contact_working_days": (1, 120), "rating_working_days": (1, 60),
    "second_round_months": (1, 12), "remind_before_days": (1, 60), "review_after_months": (1, 36),
}


class RulesForm(forms.Form):
    preset = forms.ChoiceField(label="依据", required=False,
                               choices=[("", "本级自定"), *[(name, name) for name in deadlines.PRESETS]])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in deadlines.RULE_FIELDS:
            low, high = LIMITS[name]
            self.fields[name] = forms.IntegerField(
                label=HandlingRules._meta.get_field(name).verbose_name, min_value=low, max_value=high,
                error_messages={"required": "请填写", "invalid": "请填写整数",
                                "min_value": f"不能小于{low}", "max_value": f"不能大于{high}"},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class CalendarDayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": "请选择日期", "invalid": "请按 2027-10-01 的格式填写日期"})
    is_working_day = forms.TypedChoiceField(label="这一天", coerce=lambda v: v == "1",
                                            choices=[("0", "放假（节假日）"), ("1", "上班（调休工作日）")],
                                            error_messages={"required": "请选择放假还是上班"})
    name = forms.CharField(label="说明", max_length=40, help_text="如：国庆节、国庆节调休上班",
                           error_messages={"required": "请写明说明，如：国庆节"})


def _staff(request) -> None:
    if request.user.role not in STAFF_ROLES or not request.user.region_id:
        raise Http404("未找到，或不在您的权限范围内")


def _partial(request) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.history_restore_request


def _examples(rules: HandlingRules, region_code: str) -> list[tuple[str, dict]]:
    """Each deadline as if assigned today; "how" is the note without its "答复期限（依据…）：" head."""
    today = timezone.localdate()
    kw = {"region_code": region_code, "rules": rules}
    return [(label, {"date": d.date, "how": d.note.split("：", 1)[-1]}) for label, d in [
        ("答复期限", deadlines.reply_deadline(assigned_on=today, **kw)),
        ("延期最长至", deadlines.extension_limit(assigned_on=today, **kw)),
        ("申请退回截止", deadlines.return_window_end(assigned_on=today, **kw)),
        ("首次联系代表", deadlines.first_contact_due(assigned_on=today, **kw)),
        ("协办意见", deadlines.co_opinion_due(assigned_on=today, **kw)),
        ("代表测评（自答复日）", deadlines.rating_due(replied_on=today, **kw)),
    ]]


@login_required
@require_http_methods(["GET", "POST"])
def rules(request):
    _staff(request)
    region = request.user.region
    current = deadlines.rules_for(region.code)
    own = current.pk is not None and current.region_id == region.code
    can_manage = request.user.can("suggestions.manage")
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("您只能查看，不能修改办理时限规则")
        form = RulesForm(request.POST)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in deadlines.RULE_FIELDS}
            try:
                deadlines.rules_save(region=region, preset=form.cleaned_data["preset"], values=values,
                                     by=request.user)
            except deadlines.RulesError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "办理时限规则已保存，此后交办的建议按新规则计算时限")
                return redirect("suggestions:rules")
    else:
        chosen = request.GET.get("preset", "")
        if chosen in deadlines.PRESETS:
            initial = {"preset": chosen, **deadlines.PRESETS[chosen]["values"]}
        else:
            initial = {"preset": current.preset if current.preset in deadlines.PRESETS else "",
                       **{name: getattr(current, name) for name in deadlines.RULE_FIELDS}}
        form = RulesForm(initial=initial)
    inherited_from = None
    if current.pk is not None and not own:
        inherited_from = current.region.name
    labels = {name: HandlingRules._meta.get_field(name).verbose_name for name in deadlines.RULE_FIELDS}
    presets = [
        {"name": name, "title": p["title"], "notes": p["notes"],
         "rows": [(labels[f], p["values"][f], p["basis"].get(f, "")) for f in deadlines.RULE_FIELDS]}
        for name, p in deadlines.PRESETS.items()
    ]
    context = {"form": form, "current": current, "own": own, "inherited_from": inherited_from,
               "can_manage": can_manage, "presets": presets, "examples": _examples(current, region.code),
               "today": timezone.localdate(), "region": region,
               "current_rows": [(labels[f], getattr(current, f)) for f in deadlines.RULE_FIELDS]}
    return render(request, "suggestions/rules/rules.html", context, status=400 if form.errors else 200)


def _calendar_viewer(request) -> None:
    if request.user.role != "admin":
        _staff(request)


def _may_edit_calendar(user) -> bool:
    return user.role == "admin" or (user.role == "office" and user.can("suggestions.manage"))


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request):
    _calendar_viewer(request)
    can_edit = _may_edit_calendar(request.user)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2004), today.year + 5)
    form = CalendarDayForm()
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只有代表工委工作人员可以修改节假日")
        if request.POST.get("delete"):
            row = get_object_or_404(CalendarDay, pk=request.POST["delete"])
            workdays.calendar_day_delete(row=row, by=request.user)
            messages.success(request, f"已删除{row.date.year}年{row.date.month}月{row.date.day}日的录入")
            return redirect(f"{request.path}?year={row.date.year}")
        form = CalendarDayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                workdays.calendar_day_save(date=data["date"], is_working_day=data["is_working_day"],
                                           name=data["name"], by=request.user)
            except workdays.CalendarError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "已保存，此后计算的期限按此计算")
                return redirect(f"{request.path}?year={data['date'].year}")
    known = workdays.library_years()
    rows = workdays.year_overview(year)
    for row in rows:
        row["weekday"] = "星期" + workdays.WEEKDAYS[row["date"].weekday()]
    context = {"year": year, "rows": rows, "form": form, "can_edit": can_edit, "known": known,
               "year_known": year in known, "years": list(range(known.start, today.year + 3))[::-1]}
    if _partial(request) and request.method == "GET":
        return render(request, "suggestions/rules/calendar.html#year", context)
    return render(request, "suggestions/rules/calendar.html", context, status=400 if form.errors else 200)


urlpatterns = [
    path("rules/", rules, name="rules"),
    path("rules/calendar/", calendar, name="calendar"),
]



"""Training views: plans (一届一规划、一年一计划) and training-needs surveys, the office's side and the deputy's
phone form. See training/urls.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lvzhi.accounts.models import STAFF_ROLES, Role
from lvzhi.core.audit import audit_event
from lvzhi.core.documents import chinese_date
from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response
from lvzhi.core.scoping import get_scoped_or_404
from lvzhi.people.models import LEVEL_DEPUTY_LABEL, Level

from .. import selectors
from ..forms import PlanForm, SurveyForm, SurveyQuestionForm, answers_from_post
from ..models import NeedsSurvey, SurveyQuestion, SurveyResponse, TrainingPlan
from ..services import plans as plan_services
from ..services.classes import TrainingError


def _require_staff(request) -> None:
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied("此页面仅供人大工作人员和常委会领导使用")


def _require_manage(request) -> None:
    if not request.user.can("training.manage"):
        raise PermissionDenied("您没有管理培训的权限")


def _get_plan(request, pk: int) -> TrainingPlan:
    _require_staff(request)
    return get_scoped_or_404(TrainingPlan.objects.select_related("region", "term__congress", "parent"),
                             request.user, pk=pk)


def _get_survey(request, pk: int) -> NeedsSurvey:
    _require_staff(request)
    return get_scoped_or_404(NeedsSurvey.objects.select_related("region", "plan"), request.user, pk=pk)


# ---------------------------------------------------------------------------------------------------------------
# Plans


@login_required
@require_GET
def plan_list(request):
    _require_staff(request)
    plans = selectors.plan_list(user=request.user)
    term_plans = [p for p in plans if p.kind == TrainingPlan.Kind.TERM]
    annual = [p for p in plans if p.kind == TrainingPlan.Kind.ANNUAL]
    for plan in term_plans:
        plan.annual = [a for a in annual if a.parent_id == plan.pk]
    loose = [a for a in annual if a.parent_id not in {p.pk for p in term_plans}]
    return render(request, "training/plan_list.html", {
        "term_plans": term_plans, "loose": loose, "can_manage": request.user.can("training.manage")})


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    _require_staff(request)
    _require_manage(request)
    initial = {"kind": request.GET.get("kind", TrainingPlan.Kind.ANNUAL), "year": timezone.localdate().year}
    if request.GET.get("parent"):
        initial["parent"] = request.GET["parent"]
    form = PlanForm(request.POST if request.method == "POST" else None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_services.plan_create(by=request.user, region=request.user.region, **form.cleaned_data)
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已新建“{plan.title}”。")
            return redirect("training:plan_detail", pk=plan.pk)
    return render(request, "training/plan_form.html", {"form": form})


@login_required
@require_GET
def plan_detail(request, pk: int):
    plan = _get_plan(request, pk)
    return render(request, "training/plan_detail.html", {
        "plan": plan, "classes": selectors.plan_classes(plan),
        "annual_plans": plan.annual_plans.annotate(class_count=Count("classes")).order_by("year"),
        "surveys": plan.surveys.all(),
        "can_manage": request.user.can("training.manage"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    plan = _get_plan(request, pk)
    _require_manage(request)
    form = PlanForm(request.POST if request.method == "POST" else None, instance=plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.plan_update(by=request.user, plan=plan, **form.cleaned_data)
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已保存。")
            return redirect("training:plan_detail", pk=plan.pk)
    if request.method == "POST":
        plan.refresh_from_db()
    return render(request, "training/plan_form.html", {"form": form, "plan": plan})


@login_required
@require_POST
def plan_publish(request, pk: int):
    plan = _get_plan(request, pk)
    _require_manage(request)
    try:
        plan_services.plan_publish(by=request.user, plan=plan)
    except TrainingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"“{plan.title}”已印发。")
    return redirect("training:plan_detail", pk=plan.pk)


# ---------------------------------------------------------------------------------------------------------------
# Surveys: the office's side


@login_required
@require_GET
def survey_list(request):
    if request.user.role == Role.DEPUTY:
        return render(request, "training/survey_list_deputy.html", {"surveys": open_surveys_for(request.user)})
    _require_staff(request)
    surveys = list(selectors.surveys_for_staff(request.user).select_related("plan").annotate(
        response_count=Count("responses", distinct=True), question_count=Count("questions", distinct=True)))
    today = timezone.localdate()
    for survey in surveys:
        survey.past_due = survey.status == NeedsSurvey.Status.OPEN and bool(survey.closes_on) and (
            survey.closes_on < today)
    return render(request, "training/survey_list.html", {
        "surveys": surveys, "can_manage": request.user.can("training.manage")})


def _levels_label(levels) -> str:
    return "、".join(LEVEL_DEPUTY_LABEL[Level(v)] for v in levels) if levels else "全部在任代表"


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request):
    _require_staff(request)
    _require_manage(request)
    form = SurveyForm(request.POST if request.method == "POST" else None, user=request.user, initial={"plan": request.GET.get("plan")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = plan_services.survey_create(by=request.user, region=request.user.region, **data)
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已新建调研。请添加问题，然后开始收集。")
            return redirect("training:survey_detail", pk=survey.pk)
    return render(request, "training/survey_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request, pk: int):
    survey = _get_survey(request, pk)
    _require_manage(request)
    form = SurveyForm(request.POST if request.method == "POST" else None, instance=survey, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.survey_update(by=request.user, survey=survey, **form.cleaned_data)
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已保存。")
            return redirect("training:survey_detail", pk=survey.pk)
    if request.method == "POST":
        survey.refresh_from_db()
    return render(request, "training/survey_form.html", {"form": form, "survey": survey})


@login_required
@require_GET
def survey_detail(request, pk: int):
    survey = _get_survey(request, pk)
    recipients = selectors.survey_recipients(survey).count()
    return render(request, "training/survey_detail.html", {
        "survey": survey, **selectors.survey_results(survey), "recipients": recipients,
        "levels_label": _levels_label(survey.levels), "question_form": SurveyQuestionForm(),
        "can_manage": request.user.can("training.manage"), "is_draft": survey.status == NeedsSurvey.Status.DRAFT,
        "past_due": survey.status == NeedsSurvey.Status.OPEN and not plan_services.survey_is_open(survey),
    })


@login_required
@require_POST
def survey_question_add(request, pk: int):
    survey = _get_survey(request, pk)
    _require_manage(request)
    form = SurveyQuestionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan_services.survey_question_add(by=request.user, survey=survey, kind=data["kind"], text=data["text"],
                                              options=data["options"], required=data["required"])
        except TrainingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已添加问题。")
            return redirect("training:survey_detail", pk=survey.pk)
    else:
        messages.error(request, "问题未添加：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("training:survey_detail", pk=survey.pk)


def _get_question(request, pk: int) -> SurveyQuestion:
    question = get_object_or_404(SurveyQuestion, pk=pk)
    question.survey = _get_survey(request, question.survey_id)
    _require_manage(request)
    return question


@login_required
@require_http_methods(["GET", "POST"])
def survey_question_edit(request, pk: int):
    question = _get_question(request, pk)
    form = SurveyQuestionForm(request.POST if request.method == "POST" else None, instance=question)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan_services.survey_question_update(by=request.user, question=question, kind=data["kind"],
                                                 text=data["text"], options=data["options"],
                                                 required=data["required"])
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已保存问题。")
            return redirect("training:survey_detail", pk=question.survey_id)
    return render(request, "training/survey_question_form.html", {"form": form, "question": question,
                                                                  "survey": question.survey})


@login_required
@require_POST
def survey_question_delete(request, pk: int):
    question = _get_question(request, pk)
    try:
        plan_services.survey_question_delete(by=request.user, question=question)
    except TrainingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已删除问题。")
    return redirect("training:survey_detail", pk=question.survey_id)


@login_required
@require_POST
def survey_open(request, pk: int):
    survey = _get_survey(request, pk)
    _require_manage(request)
    try:
        told = plan_services.survey_open(by=request.user, survey=survey)
    except TrainingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"调研已开始收集，已通知 {told} 位有账号的代表。")
    return redirect("training:survey_detail", pk=survey.pk)


@login_required
@require_POST
def survey_close(request, pk: int):
    survey = _get_survey(request, pk)
    _require_manage(request)
    try:
        plan_services.survey_close(by=request.user, survey=survey)
    except TrainingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "调研已结束收集。")
    return redirect("training:survey_detail", pk=survey.pk)


@login_required
@require_GET
def survey_export(request, pk: int):
    survey = _get_survey(request, pk)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    results = selectors.survey_results(survey)
    workbook = Workbook()
    summary = workbook.active
    summary.title = "汇总"
    summary.append([survey.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([f"回收 {results['response_count']} 份　导出日期：{chinese_date(timezone.localdate())}"])
    summary.column_dimensions["A"].width = 50
    summary.column_dimensions["B"].width = 10
    summary.column_dimensions["C"].width = 10
    for number, item in enumerate(results["questions"], start=1):
        q = item["question"]
        summary.append([])
        summary.append([safe_cell(f"{number}. {q.text}（{q.get_kind_display()}，{item['answered']}人作答）")])
        summary.cell(row=summary.max_row, column=1).font = Font(bold=True)
        if q.kind == SurveyQuestion.Kind.TEXT:
            for t in item["texts"]:
                summary.append([safe_cell(t["text"]), safe_cell(t["person"])])
        else:
            summary.append(["选项", "人数", "占比"])
            for row in item["rows"]:
                summary.append([safe_cell(row["option"]), row["count"], f"{row['share']}%"])
    answers = workbook.create_sheet("答卷明细")
    questions = [item["question"] for item in results["questions"]]
    answers.append(["姓名", "提交时间", *[safe_cell(q.text) for q in questions]])
    responses = SurveyResponse.objects.filter(survey=survey).select_related("person").order_by("submitted_at")
    for r in responses:
        row = [safe_cell(r.person.name), timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M")]
        for q in questions:
            value = r.answers.get(str(q.pk))
            if isinstance(value, list):
                value = "、".join(q.options[i] for i in value if 0 <= i < len(q.options))
            row.append(safe_cell(value or ""))
        answers.append(row)
    audit_event(survey, event="survey_export", actor=request.user, note=f"导出调研结果{results['response_count']}份")
    return xlsx_response(workbook_bytes(workbook), f"{survey.title}_调研结果.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# Surveys: the deputy's phone form


def open_surveys_for(user) -> list[dict]:
    if user.role != Role.DEPUTY or not user.person_id:
        return []
    surveys = list(selectors.surveys_for_person(user.person).order_by("-created_at"))
    answered = set(SurveyResponse.objects.filter(person_id=user.person_id, survey__in=surveys)
                   .values_list("survey_id", flat=True))
    return [{"survey": s, "answered": s.pk in answered, "open": plan_services.survey_is_open(s)} for s in surveys]


@login_required
@require_http_methods(["GET", "POST"])
def survey_answer(request, pk: int):
    if request.user.role != Role.DEPUTY or not request.user.person_id:
        raise PermissionDenied("调研问卷由代表本人填写")
    person = request.user.person
    survey = get_object_or_404(selectors.surveys_for_person(person), pk=pk)
    questions = list(survey.questions.all())
    response = selectors.survey_response_for(survey, person)
    is_open = plan_services.survey_is_open(survey)
    errors, values = {}, (response.answers if response else {})
    if request.method == "POST":
        raw = answers_from_post(survey, request.POST)
        _, errors = plan_services.clean_answers(survey, raw)
        if not errors:
            try:
                plan_services.survey_answer(by=request.user, survey=survey, answers=raw)
            except TrainingError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "已提交，谢谢！截止前可以再修改。")
                return redirect("training:survey_answer", pk=survey.pk)
        values = {k: ([int(i) for i in v if str(i).isdigit()] if isinstance(v, list) else
                      ([int(v)] if str(v).isdigit() else v)) for k, v in raw.items()}
    items = []
    for q in questions:
        key = str(q.pk)
        value = values.get(key)
        chosen = value if isinstance(value, list) else []
        items.append({"q": q, "name": f"q{q.pk}", "error": errors.get(key),
                      "text": value if isinstance(value, str) else "",
                      "options": [{"index": i, "label": o, "checked": i in chosen} for i, o in enumerate(q.options)]})
    return render(request, "training/survey_answer.html", {
        "survey": survey, "items": items, "response": response, "is_open": is_open, "has_errors": bool(errors)})


urlpatterns = [
    path("plans/", plan_list, name="plan_list"),
    path("plans/new/", plan_create, name="plan_create"),
    path("plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plan_edit, name="plan_edit"),
    path("plans/<int:pk>/publish/", plan_publish, name="plan_publish"),
    path("surveys/", survey_list, name="survey_list"),
    path("surveys/new/", survey_create, name="survey_create"),
    path("surveys/<int:pk>/", survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/edit/", survey_edit, name="survey_edit"),
    path("surveys/<int:pk>/questions/", survey_question_add, name="survey_question_add"),
    path("survey-questions/<int:pk>/edit/", survey_question_edit, name="survey_question_edit"),
    path("survey-questions/<int:pk>/delete/", survey_question_delete, name="survey_question_delete"),
    path("surveys/<int:pk>/open/", survey_open, name="survey_open"),
    path("surveys/<int:pk>/close/", survey_close, name="survey_close"),
    path("surveys/<int:pk>/export.xlsx", survey_export, name="survey_export"),
    path("surveys/<int:pk>/answer/", survey_answer, name="survey_answer"),
]

"""Plans (一届一规划、一年一计划) and training-needs surveys (培训需求调研).

A survey: the office writes the questions (草稿), opens it to deputies of chosen levels in its area (收集中, each
one told in the inbox), deputies answer once and may revise until it closes (已结束)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from lvzhi.core.audit import audit_event
from lvzhi.core.notify import notify
from lvzhi.people.models import Level, Person

from ..models import NeedsSurvey, SurveyQuestion, SurveyResponse, TrainingPlan
from ..selectors import in_region_scope, survey_recipients, surveys_for_person
from .classes import TrainingError, full_clean


def _require_region(by, region) -> None:
    if not (by.can("training.manage") and in_region_scope(by, region.code)):
        raise TrainingError("您没有管理该区划培训工作的权限")


# --------------------------------------------------------------------------------------------- plans

PLAN_FIELDS = ("kind", "title", "term", "year", "parent", "goals")


def _check_plan(plan: TrainingPlan) -> None:
    if plan.kind == TrainingPlan.Kind.TERM:
        if plan.parent_id:
            raise TrainingError("届期培训规划不隶属于其他规划")
        if plan.term_id is None:
            raise TrainingError("请选择届期培训规划所对应的届")
    else:
        if not plan.year:
            raise TrainingError("请填写年度培训计划的年度")
        if plan.parent_id:
            parent = plan.parent
            if parent.kind != TrainingPlan.Kind.TERM:
                raise TrainingError("年度计划只能隶属于届期培训规划")
            if parent.region_id != plan.region_id:
                raise TrainingError("年度计划应隶属于本机关的届期培训规划")
            term = parent.term
            if term and plan.year < term.start_date.year:
                raise TrainingError(f"{plan.year}年早于该届开始的年份")
            if term and term.end_date and plan.year > term.end_date.year:
                raise TrainingError(f"{plan.year}年晚于该届届满的年份")
            if plan.term_id is None:
                plan.term_id = parent.term_id
    if plan.year and not 2000 <= plan.year <= 2100:
        raise TrainingError("年度应为四位数的年份")
    full_clean(plan)


@transaction.atomic
def plan_create(*, by, region, **fields) -> TrainingPlan:
    _require_region(by, region)
    plan = TrainingPlan(region=region, created_by=by, **{k: v for k, v in fields.items() if k in PLAN_FIELDS})
    _check_plan(plan)
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, by, plan: TrainingPlan, **fields) -> TrainingPlan:
    _require_region(by, plan.region)
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    for key, value in fields.items():
        if key not in PLAN_FIELDS:
            raise TrainingError(f"规划的「{key}」不能在此修改")
        setattr(plan, key, value)
    if plan.kind == TrainingPlan.Kind.ANNUAL and plan.annual_plans.exists():
        raise TrainingError("该规划下已有年度计划，不能改为年度计划")
    _check_plan(plan)
    plan.save()
    return plan


@transaction.atomic
def plan_publish(*, by, plan: TrainingPlan) -> TrainingPlan:
    """草稿 → 已印发: a plan is published once it says what it aims at."""
    _require_region(by, plan.region)
    plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != TrainingPlan.Status.DRAFT:
        raise TrainingError("该规划已经印发")
    if not plan.goals.strip():
        raise TrainingError("请先填写目标与重点，再印发")
    plan.status = TrainingPlan.Status.PUBLISHED
    plan.save(update_fields=["status", "updated_at"])
    audit_event(plan, event="status_change", actor=by, changes={"status": ["draft", "published"]}, note="印发")
    return plan


# --------------------------------------------------------------------------------------------- surveys


def _require_survey(by, survey: NeedsSurvey) -> None:
    _require_region(by, survey.region)


def _require_draft(survey: NeedsSurvey) -> None:
    if NeedsSurvey.objects.filter(pk=survey.pk).values_list("status", flat=True).first() != NeedsSurvey.Status.DRAFT:
        raise TrainingError("调研已开始收集，问题不能再修改")


def _check_levels(levels) -> list[int]:
    levels = sorted({int(v) for v in levels or []})
    if any(v not in Level.values for v in levels):
        raise TrainingError("代表层级不正确")
    return levels


@transaction.atomic
def survey_create(*, by, region, title: str, intro: str = "", plan=None, levels=(), closes_on=None
                  ) -> NeedsSurvey:
    _require_region(by, region)
    if plan is not None and not region.code.startswith(plan.region.prefix):
        raise TrainingError("所选规划不属于本机关")
    survey = NeedsSurvey(region=region, title=title.strip(), intro=intro, plan=plan, levels=_check_levels(levels),
                         closes_on=closes_on, created_by=by)
    full_clean(survey)
    survey.save()
    return survey


@transaction.atomic
def survey_update(*, by, survey: NeedsSurvey, title: str, intro: str = "", plan=None, levels=(),
                  closes_on=None) -> NeedsSurvey:
    _require_survey(by, survey)
    survey = NeedsSurvey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == NeedsSurvey.Status.CLOSED:
        raise TrainingError("调研已结束，不能再修改")
    if survey.status == NeedsSurvey.Status.OPEN and sorted(survey.levels) != _check_levels(levels):
        raise TrainingError("调研已开始收集，面向的层级不能再改")
    survey.title, survey.intro, survey.plan, survey.closes_on = title.strip(), intro, plan, closes_on
    survey.levels = _check_levels(levels)
    full_clean(survey)
    survey.save()
    return survey


def _clean_options(kind: str, options) -> list[str]:
    options = [str(o).strip() for o in options or [] if str(o).strip()]
    if kind == SurveyQuestion.Kind.TEXT:
        return []
    if len(options) < 2:
        raise TrainingError("单选题、多选题至少要有两个选项（每行一个）")
    if len(set(options)) != len(options):
        raise TrainingError("选项不能重复")
    if len(options) > 20:
        raise TrainingError("选项最多 20 个")
    return options


@transaction.atomic
def survey_question_add(*, by, survey: NeedsSurvey, kind: str, text: str, options=(), required: bool = True
                        ) -> SurveyQuestion:
    _require_survey(by, survey)
    _require_draft(survey)
    question = SurveyQuestion(survey=survey, kind=kind, text=text.strip(), options=_clean_options(kind, options),
                              required=required, order=survey.questions.count() + 1)
    full_clean(question)
    question.save()
    return question


@transaction.atomic
def survey_question_update(*, by, question: SurveyQuestion, kind: str, text: str, options=(),
                           required: bool = True) -> SurveyQuestion:
    _require_survey(by, question.survey)
    _require_draft(question.survey)
    question.kind, question.text, question.required = kind, text.strip(), required
    question.options = _clean_options(kind, options)
    full_clean(question)
    question.save()
    return question


@transaction.atomic
def survey_question_delete(*, by, question: SurveyQuestion) -> None:
    _require_survey(by, question.survey)
    _require_draft(question.survey)
    question.delete()


@transaction.atomic
def survey_open(*, by, survey: NeedsSurvey, today: dt.date | None = None) -> int:
    """草稿 → 收集中; every addressed deputy with an account is told in the inbox. Returns how many were told."""
    from lvzhi.accounts.models import Role, User

    _require_survey(by, survey)
    survey = NeedsSurvey.objects.select_for_update().select_related("region").get(pk=survey.pk)
    today = today or timezone.localdate()
    if survey.status != NeedsSurvey.Status.DRAFT:
        raise TrainingError(f"调研当前为「{survey.get_status_display()}」，不能再开始")
    if not survey.questions.exists():
        raise TrainingError("请先添加问题，再开始收集")
    if survey.closes_on and survey.closes_on < today:
        raise TrainingError("截止日期已过，请先修改截止日期")
    survey.status = NeedsSurvey.Status.OPEN
    survey.save(update_fields=["status"])
    users = list(User.objects.filter(role=Role.DEPUTY, is_active=True,
                                     person__in=survey_recipients(survey)).select_related("person"))
    audit_event(survey, event="status_change", actor=by, changes={"status": ["draft", "open"]},
                note=f"开始收集，通知{len(users)}人")
    link = reverse("training:survey_answer", args=[survey.pk])
    closes = f"，请于{survey.closes_on.month}月{survey.closes_on.day}日前填写" if survey.closes_on else ""
    title = f"请填写培训需求调研：{survey.title}"

    def send():
        for user in users:
            notify(user=user, title=title, body=f"在手机上即可填写{closes}。", link=link)

    transaction.on_commit(send)
    return len(users)


@transaction.atomic
def survey_close(*, by, survey: NeedsSurvey) -> NeedsSurvey:
    _require_survey(by, survey)
    survey = NeedsSurvey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != NeedsSurvey.Status.OPEN:
        raise TrainingError("只有收集中的调研才能结束")
    survey.status = NeedsSurvey.Status.CLOSED
    survey.save(update_fields=["status"])
    audit_event(survey, event="status_change", actor=by, changes={"status": ["open", "closed"]}, note="结束收集")
    return survey


def survey_is_open(survey: NeedsSurvey, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return survey.status == NeedsSurvey.Status.OPEN and (survey.closes_on is None or survey.closes_on >= today)


def clean_answers(survey: NeedsSurvey, raw: dict) -> tuple[dict, dict]:
    """Answers as stored ({question id: [option indexes] or text}) and the errors by question id."""
    answers, errors = {}, {}
    for q in survey.questions.all():
        key = str(q.pk)
        value = raw.get(key)
        if q.kind == SurveyQuestion.Kind.TEXT:
            text = (value or "").strip() if isinstance(value, str) else ""
            if len(text) > 2000:
                errors[key] = "回答请不超过 2000 字"
            elif not text and q.required:
                errors[key] = "请填写此题"
            elif text:
                answers[key] = text
            continue
        values = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
        try:
            indexes = sorted({int(v) for v in values})
        except (TypeError, ValueError):
            errors[key] = "选项不正确"
            continue
        if any(i < 0 or i >= len(q.options) for i in indexes):
            errors[key] = "选项不正确"
        elif q.kind == SurveyQuestion.Kind.SINGLE and len(indexes) > 1:
            errors[key] = "此题只能选一项"
        elif not indexes and q.required:
            errors[key] = "请选择此题的答案"
        elif indexes:
            answers[key] = indexes
    return answers, errors


@transaction.atomic
def survey_answer(*, by, survey: NeedsSurvey, answers: dict) -> SurveyResponse:
    """A deputy's answers, given by themself; sent again before the survey closes, they replace the first ones."""
    person: Person | None = getattr(by, "person", None)
    if person is None or by.role != "deputy":
        raise TrainingError("只有代表本人可以填写调研")
    survey = NeedsSurvey.objects.get(pk=survey.pk)  # the status as it is now, not as the caller read it
    if not surveys_for_person(person).filter(pk=survey.pk).exists():
        raise TrainingError("该调研不面向您")
    if not survey_is_open(survey):
        raise TrainingError("调研已结束，不能再填写或修改")
    clean, errors = clean_answers(survey, answers)
    if errors:
        raise TrainingError("请按提示补全或修改后再提交")
    response = SurveyResponse.objects.filter(survey=survey, person=person).select_for_update().first()
    if response is None:
        try:
            with transaction.atomic():
                response = SurveyResponse.objects.create(survey=survey, person=person, answers=clean,
                                                         region_code=person.region_id)
        except IntegrityError:  # the same form sent twice at once: the second one revises the first
            response = SurveyResponse.objects.select_for_update().get(survey=survey, person=person)
            response.answers = clean
            response.save(update_fields=["answers", "submitted_at"])
    else:
        response.answers = clean
        response.save(update_fields=["answers", "submitted_at"])
    return response

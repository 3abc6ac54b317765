"""Reads of the training module's plans, surveys and classes.

Everything starts from ``scoped()``. On top of it, a class delegation's lead (带队领导) and staff member
(``lead_user``/``staff_user``) see the class and their own delegation's people even when the class lies
outside their region; a deputy sees the classes they are enrolled in.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db.models import Count, Exists, F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lvzhi.accounts.models import STAFF_ROLES, Role
from lvzhi.core.models import Region, prefix_range
from lvzhi.core.scoping import scoped
from lvzhi.people.models import Level, Mandate, Person

from .models import (
    ClassArea,
    ClassDelegation,
    Enrollment,
    Instructor,
    Lesson,
    NeedsSurvey,
    SurveyQuestion,
    SurveyResponse,
    TrainingClass,
    TrainingPlan,
)

# --------------------------------------------------------------------------------------------- who sees what


def in_region_scope(user, region_code: str) -> bool:
    """Whether a region lies in a staff user's subtree (their own region and everything below)."""
    prefix = getattr(user, "scope_prefix", "")
    return bool(prefix) and user.role in STAFF_ROLES and region_code.startswith(prefix)


def _delegation_roles(user) -> Q:
    return Q(lead_user=user) | Q(staff_user=user)


def classes_for(user) -> QuerySet[TrainingClass]:
    """The classes a user may open: those of their region (staff), those they are enrolled in (deputies), and those
    where they lead or staff a delegation. One row per class (no join multiplies them)."""
    if not getattr(user, "is_authenticated", False):
        return TrainingClass.objects.none()
    own = scoped(TrainingClass.objects.all(), user).values("pk")
    if user.role == Role.DEPUTY:
        # scoped() joins the enrolments; a withdrawn enrolment no longer opens the class.
        own = Enrollment.objects.filter(person_id=user.person_id, status=Enrollment.Status.ENROLLED).values(
            "training_class_id")
    led = ClassDelegation.objects.filter(_delegation_roles(user)).values("training_class_id")
    return TrainingClass.objects.filter(Q(pk__in=own) | Q(pk__in=led))


def can_manage_class(user, training_class: TrainingClass) -> bool:
    """Staff who may change a class: the capability, and the class's organiser region inside their scope."""
    return user.can("training.manage") and in_region_scope(user, training_class.region_id)


def sees_whole_class(user, training_class: TrainingClass) -> bool:
    return in_region_scope(user, training_class.region_id)


def delegations_led_by(user, training_class: TrainingClass) -> list[ClassDelegation]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(training_class.delegations.filter(_delegation_roles(user)))


def class_enrollments_for(user, training_class: TrainingClass) -> QuerySet[Enrollment]:
    """The enrolments of a class that a user may see and manage.

    Staff whose region covers the class's organiser see everyone; other staff see the people of their own region;
    a delegation's lead and staff member see their delegation's people as well, however narrow their region; a
    deputy sees only their own enrolment."""
    qs = Enrollment.objects.filter(training_class=training_class)
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if sees_whole_class(user, training_class):
        return qs
    condition = Q(pk__in=scoped(Enrollment.objects.filter(training_class=training_class), user).values("pk"))
    led = [d.pk for d in delegations_led_by(user, training_class)]
    if led:
        condition |= Q(delegation_id__in=led)
    return qs.filter(condition)


def can_manage_enrollment(user, enrollment: Enrollment) -> bool:
    """Withdraw or move one person: the class's managers, or the lead/staff of the person's delegation."""
    cls = enrollment.training_class
    if can_manage_class(user, cls):
        return True
    return enrollment.delegation_id is not None and enrollment.delegation_id in {
        d.pk for d in delegations_led_by(user, cls)}


# --------------------------------------------------------------------------------------------- optional links


def reverse_optional(name: str, *args) -> str:
    """The address of a page that may not exist (yet): with ``args`` if it takes them, else without; "" if absent."""
    for attempt in (args, ()) if args else ((),):
        try:
            return reverse(name, args=attempt)
        except NoReverseMatch:
            continue
    return ""


def optional_links(specs, *args) -> list[dict]:
    """Links to pages that may not exist (yet): each (label, url name) that reverses, with ``args`` or without."""
    links = []
    for label, name in specs:
        url = reverse_optional(name, *args)
        if url:
            links.append({"label": label, "url": url, "name": name})
    return links


CLASS_STAFF_LINKS = [
    ("座次", "training:seating"), ("分组", "training:groups"), ("考勤", "training:attendance"),
    ("请假", "training:leave_list"), ("通报", "training:discipline"), ("讨论", "training:discussion"),
    ("评价", "training:feedback"), ("结业证书", "training:certificates"), ("统计", "training:figures"),
]
CLASS_DEPUTY_LINKS = [
    ("签到", "training:checkin_home"), ("请假", "training:leave_apply"),
    ("评价与心得", "training:my_feedback"), ("结业证书", "training:my_certificate"),
]


def quiz_links(training_class: TrainingClass) -> list[dict]:
    """The class's before and after tests, on the handbook's quiz pages."""
    links = []
    for label, quiz_id in (("培训前测试", training_class.pre_quiz_id), ("培训后测试", training_class.post_quiz_id)):
        url = reverse_optional("handbook:quiz", quiz_id) if quiz_id else ""
        if url:
            links.append({"label": label, "url": url, "name": "handbook:quiz"})
    return links


def handbook_print_link(training_class: TrainingClass) -> str:
    for args, query in (([training_class.pk], ""), ([], f"?class={training_class.pk}")):
        try:
            return reverse("handbook:print_job_start", args=args) + query
        except NoReverseMatch:
            continue
    return ""


# --------------------------------------------------------------------------------------------- plans


def plans_for(user) -> QuerySet[TrainingPlan]:
    return scoped(TrainingPlan.objects.all(), user)


def plan_list(*, user) -> list[TrainingPlan]:
    """Term plans with their annual plans beneath them; annual plans without a term plan come last."""
    plans = list(
        plans_for(user).select_related("region", "term__congress", "parent")
        .annotate(class_count=Count("classes", distinct=True)).order_by("-year", "kind", "-id")
    )
    return plans


def plan_classes(plan: TrainingPlan) -> QuerySet[TrainingClass]:
    return plan.classes.annotate(
        enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED))
    ).order_by("start_date", "id")


# --------------------------------------------------------------------------------------------- surveys


def surveys_for_staff(user) -> QuerySet[NeedsSurvey]:
    return scoped(NeedsSurvey.objects.all(), user)


def surveys_for_person(person: Person) -> QuerySet[NeedsSurvey]:
    """Open or closed surveys addressed to a deputy: the survey's region covers theirs and, when the survey names
    levels, they hold an active current mandate of one of them."""
    region_codes = _ancestor_codes(person.region_id)
    qs = NeedsSurvey.objects.filter(region_id__in=region_codes).exclude(status=NeedsSurvey.Status.DRAFT)
    levels = set(
        Mandate.objects.filter(person=person, term__is_current=True, status=Mandate.Status.ACTIVE)
        .values_list("level", flat=True)
    )
    return qs.filter(pk__in=[s.pk for s in qs.only("pk", "levels") if not s.levels or levels & set(s.levels)])


def _ancestor_codes(code: str) -> list[str]:
    """The codes of a region and every region above it (12-digit codes padded with zeros)."""
    return sorted({code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)})


def survey_recipients(survey: NeedsSurvey) -> QuerySet[Person]:
    """Deputies a survey is addressed to: in the survey's region subtree, active current mandates of its levels."""
    low, high = prefix_range(survey.region.prefix)
    mandates = Mandate.objects.filter(person=OuterRef("pk"), term__is_current=True, status=Mandate.Status.ACTIVE,
                                      region_code__gte=low, region_code__lte=high)
    if survey.levels:
        mandates = mandates.filter(level__in=survey.levels)
    return Person.objects.filter(Exists(mandates))


def survey_results(survey: NeedsSurvey) -> dict:
    """Per question: counts of each option (single/multiple) or the written answers (text); and a chart option for
    ECharts (horizontal bars, one series per question is unreadable: one chart per choice question)."""
    questions = list(survey.questions.all())
    responses = list(survey.responses.select_related("person").order_by("submitted_at"))
    results = []
    for q in questions:
        key = str(q.pk)
        item = {"question": q, "answered": 0}
        if q.kind == SurveyQuestion.Kind.TEXT:
            item["texts"] = [
                {"person": r.person.name, "text": r.answers.get(key, "").strip()}
                for r in responses if str(r.answers.get(key, "")).strip()
            ]
            item["answered"] = len(item["texts"])
        else:
            counts = Counter()
            for r in responses:
                chosen = r.answers.get(key) or []
                if chosen:
                    item["answered"] += 1
                for index in chosen:
                    counts[index] += 1
            rows = [{"option": opt, "count": counts.get(i, 0),
                     "share": round(counts.get(i, 0) * 100 / item["answered"]) if item["answered"] else 0}
                    for i, opt in enumerate(q.options)]
            item["rows"] = rows
            item["chart"] = {
                "grid": {"left": 8, "right": 36, "top": 8, "bottom": 8, "containLabel": True},
                "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
                "xAxis": {"type": "value", "minInterval": 1, "axisLabel": {"color": "#555"}},
                "yAxis": {"type": "category", "inverse": True,
                          "data": [r["option"] for r in rows],
                          "axisLabel": {"width": 110, "overflow": "break", "color": "#333", "fontSize": 13}},
                "series": [{"type": "bar", "data": [r["count"] for r in rows], "itemStyle": {"color": "#b71c1c"},
                            "label": {"show": True, "position": "right", "color": "#333"},
                            "barMaxWidth": 28}],
            }
            item["chart_id"] = f"chart-q{q.pk}"
            item["chart_rows"] = min(len(rows), 12)
        results.append(item)
    return {"questions": results, "response_count": len(responses)}


# --------------------------------------------------------------------------------------------- classes


def class_list(*, user, status: str = "", form: str = "", year: int | None = None, q: str = ""
               ) -> QuerySet[TrainingClass]:
    qs = classes_for(user).select_related("region", "plan")
    if status:
        qs = qs.filter(status=status)
    if form:
        qs = qs.filter(form=form)
    if year:
        qs = qs.filter(start_date__year=year)
    if q:
        qs = qs.filter(title__icontains=q.strip())
    # Correlated counts rather than joins: computed for the page's rows only, and no enrolment × lesson product.
    return qs.annotate(
        enrolled=_count_of(Enrollment.objects.filter(status=Enrollment.Status.ENROLLED)),
        lesson_count=_count_of(Lesson.objects.all()),
    ).order_by("-start_date", "-id")


def _count_of(qs: QuerySet) -> Subquery:
    rows = qs.filter(training_class=OuterRef("pk")).order_by().values("training_class")
    return Coalesce(Subquery(rows.annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]), 0)


def class_detail(training_class: TrainingClass) -> dict:
    today = timezone.localdate()
    tasks = list(training_class.tasks.all())
    for task in tasks:
        task.overdue = task.done_on is None and task.due_date < today
        task.overdue_days = (today - task.due_date).days if task.overdue else 0
    areas = list(
        training_class.areas.select_related("venue_region").prefetch_related("regions")
        .annotate(enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED)))
    )
    delegations = list(
        training_class.delegations.select_related("home_region", "lead_user", "staff_user")
        .annotate(enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED)))
    )
    lessons = list(training_class.lessons.all())
    counts = Enrollment.objects.filter(training_class=training_class).aggregate(
        enrolled=Count("pk", filter=Q(status=Enrollment.Status.ENROLLED)),
        notified=Count("pk", filter=Q(status=Enrollment.Status.ENROLLED, notified_at__isnull=False)),
    )
    return {
        "tasks": tasks,
        "overdue_tasks": sum(1 for t in tasks if t.overdue),
        "areas": areas,
        "delegations": delegations,
        "lesson_count": len(lessons),
        "total_hours": sum((lesson.hours for lesson in lessons), Decimal(0)),
        "counts": counts,
    }


def timetable(training_class: TrainingClass, *, area: ClassArea | None = None) -> list[dict]:
    """Lessons grouped by day, with instructor, area and materials, in one query each."""
    lessons = (
        training_class.lessons.select_related("instructor", "area")
        .prefetch_related("materials").order_by("starts_at", "id")
    )
    if area is not None:
        lessons = lessons.filter(Q(area=area) | Q(area__isnull=True))
    days: dict[dt.date, list[Lesson]] = {}
    for lesson in lessons:
        day = timezone.localtime(lesson.starts_at).date()
        days.setdefault(day, []).append(lesson)
    return [{"day": day, "lessons": items} for day, items in days.items()]


def instructors_for(user) -> QuerySet[Instructor]:
    """Instructors entered by the user's region or any region above it: a county reuses the city's teachers."""
    if not user.region_id:
        return Instructor.objects.none()
    codes = _ancestor_codes(user.region_id)
    low, high = prefix_range(user.scope_prefix)
    return Instructor.objects.filter(Q(region_id__in=codes) | Q(region_id__gte=low, region_id__lte=high))


def people_rows(qs: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    return qs.select_related(
        "person__region", "mandate__term__congress", "delegation", "area", "zone", "group",
    ).defer("person__id_number").order_by("delegation__order", "delegation_id", "person__name_initials", "id")


def enrollment_counts(qs: QuerySet[Enrollment]) -> dict:
    return qs.aggregate(
        enrolled=Count("pk", filter=Q(status=Enrollment.Status.ENROLLED)),
        withdrawn=Count("pk", filter=Q(status=Enrollment.Status.WITHDRAWN)),
        notified=Count("pk", filter=Q(status=Enrollment.Status.ENROLLED, notified_at__isnull=False)),
    )


def my_classes(person: Person) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(person=person)
        .exclude(training_class__status=TrainingClass.Status.DRAFT)
        .select_related("training_class", "delegation", "area", "zone", "group")
        .order_by("-training_class__start_date", "-id")
    )


def staff_user_choices(training_class: TrainingClass):
    """Accounts that may lead or staff a delegation: staff of the class's region and below, and those above it."""
    from lvzhi.accounts.models import User

    region = training_class.region
    low, high = prefix_range(region.prefix)
    above = _ancestor_codes(region.code)
    return (
        User.objects.filter(is_active=True, role__in=list(STAFF_ROLES))
        .filter(Q(region_id__gte=low, region_id__lte=high) | Q(region_id__in=above))
        .order_by("role", "region_id", "username")
    )


def region_choices(user, *, min_level=Region.Level.COUNTY) -> QuerySet[Region]:
    """The user's region and the regions below it down to townships."""
    if not user.region_id:
        return Region.objects.none()
    low, high = prefix_range(user.scope_prefix)
    return Region.objects.filter(code__gte=low, code__lte=high, level__lte=Region.Level.TOWNSHIP,
                                 level__gte=min_level).order_by("code")


def township_choices(training_class: TrainingClass) -> QuerySet[Region]:
    low, high = prefix_range(training_class.region.prefix)
    return Region.objects.filter(code__gte=low, code__lte=high, level=Region.Level.TOWNSHIP).order_by("sort", "code")


LEVEL_CHOICES = [(int(level), f"{level.label}人大代表") for level in Level]


def lesson_prefetch():
    return Prefetch("lessons", queryset=Lesson.objects.select_related("instructor", "area").order_by("starts_at"))


def survey_response_for(survey: NeedsSurvey, person: Person) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(survey=survey, person=person).first()

"""Training figures: one class's effect summary and figures, and the figures of every class in a user's scope
for a year or a term. Every figure can be opened to the list of people behind it (DESIGN §7.9).

Each function reads with a fixed number of queries whatever the size of the class or the scope, then counts in
Python: a class has at most a few thousand people and a county's year a few dozen classes.

Definitions used throughout:
- a lesson counts for attendance once it has ended, and only for those it applies to (its area, in 分片培训);
- 出勤率 = lessons attended / lessons due (present + approved leave + absent), approved leave shown apart;
- 参训人次 = enrolments in which the person attended at least one lesson;
- 学时 = the hours of the lessons attended (a lesson without 学时 weighs its length, see certificates);
- 参训代表 = deputies in scope (an active mandate in a current term) who attended at least one lesson of a
  class in the period; 新任代表 = none of their active mandates is a re-election.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q
from django.utils import timezone

from lvzhi.core.scoping import scoped

from .models import (
    Attendance,
    Certificate,
    Enrollment,
    LeaveRequest,
    Lesson,
    LessonRating,
    Reflection,
    TrainingClass,
)
from .services.certificates import lesson_weight


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _avg(values) -> Decimal | None:
    values = [Decimal(v) for v in values if v is not None]
    if not values:
        return None
    return (sum(values) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)


# ------------------------------------------------------------------------------------------------ one class


@dataclass
class PersonRow:
    enrollment: Enrollment
    due: set = field(default_factory=set)  # lessons ended that apply to the person
    present: set = field(default_factory=set)
    late: set = field(default_factory=set)
    early: set = field(default_factory=set)
    leave: set = field(default_factory=set)  # approved leave and not present
    hours: Decimal = Decimal(0)

    @property
    def absent(self) -> set:
        return self.due - self.present - self.leave

    @property
    def rate(self):
        return percent(len(self.present), len(self.due))


@dataclass
class Tally:
    key: object
    label: str
    due: int = 0
    present: int = 0
    leave: int = 0
    late: int = 0
    early: int = 0

    @property
    def absent(self) -> int:
        return self.due - self.present - self.leave

    @property
    def rate(self):
        return percent(self.present, self.due)


class ClassGrid:
    """Who was where in one class: every enrolled person against every ended lesson (five queries)."""

    def __init__(self, training_class: TrainingClass, *, now=None):
        now = now or timezone.now()
        self.training_class = training_class
        self.lessons = list(Lesson.objects.filter(training_class=training_class)
                            .select_related("instructor", "area").order_by("starts_at", "id"))
        self.ended = [lesson for lesson in self.lessons if lesson.attendance_required and lesson.ends_at <= now]
        self.weights = {lesson.pk: lesson_weight(lesson) for lesson in self.lessons}
        enrollments = list(
            Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
            .select_related("person", "delegation", "area", "group")
            .order_by("delegation__order", "delegation_id", "id"))
        self.rows = {e.pk: PersonRow(enrollment=e) for e in enrollments}
        for row in self.rows.values():
            area = row.enrollment.area_id
            row.due = {lesson.pk for lesson in self.ended if lesson.area_id is None or lesson.area_id == area}
        for enrollment_id, lesson_id, late, early in Attendance.objects.filter(
                lesson__training_class=training_class).values_list(
                "enrollment_id", "lesson_id", "late_minutes", "early_minutes"):
            row = self.rows.get(enrollment_id)
            if row is None:
                continue
            row.present.add(lesson_id)
            row.hours += self.weights.get(lesson_id, Decimal(0))
            if late:
                row.late.add(lesson_id)
            if early:
                row.early.add(lesson_id)
        through = LeaveRequest.lessons.through
        for enrollment_id, lesson_id in through.objects.filter(
                leaverequest__enrollment__training_class=training_class,
                leaverequest__status=LeaveRequest.Status.APPROVED).values_list(
                "leaverequest__enrollment_id", "lesson_id"):
            row = self.rows.get(enrollment_id)
            if row is not None and lesson_id not in row.present:
                row.leave.add(lesson_id)
        for row in self.rows.values():
            row.present &= row.due | row.present  # attended lessons stay even if not required
            row.leave &= row.due

    def by_lesson(self) -> list[Tally]:
        tallies = {lesson.pk: Tally(lesson, lesson.topic) for lesson in self.ended}
        for row in self.rows.values():
            for pk in row.due:
                tally = tallies[pk]
                tally.due += 1
                tally.present += pk in row.present
                tally.leave += pk in row.leave
                tally.late += pk in row.late
                tally.early += pk in row.early
        return list(tallies.values())

    def by_delegation(self) -> list[Tally]:
        tallies: dict[object, Tally] = {}
        for row in self.rows.values():
            delegation = row.enrollment.delegation
            key = delegation.pk if delegation else None
            tally = tallies.setdefault(key, Tally(key, delegation.name if delegation else "未编团"))
            due = row.due
            tally.due += len(due)
            tally.present += len(row.present & due)
            tally.leave += len(row.leave)
            tally.late += len(row.late & due)
            tally.early += len(row.early & due)
        return list(tallies.values())


def _attendance_rates(training_class: TrainingClass, grid: ClassGrid) -> list[Tally]:
    """Per delegation, from the attendance service (one definition of the rate for the whole module), with the
    lateness and early leaving the grid adds."""
    from .services.attendance import attendance_rates

    return _tallies_from_rates(attendance_rates(training_class), grid)


def _tallies_from_rates(rates: dict, grid: ClassGrid) -> list[Tally]:
    """attendance_rates rows ({label, delegation_id, expected, attended, excused, absent, …}) as tallies, with the
    lateness and early leaving the grid knows."""
    mine = {t.key: t for t in grid.by_delegation()}
    tallies = []
    for row in rates.get("delegations", []):
        key = row.get("delegation_id")
        own = mine.get(key)
        tallies.append(Tally(key, row["label"], due=row["expected"], present=row["attended"], leave=row["excused"],
                             late=own.late if own else 0, early=own.early if own else 0))
    return tallies


def quiz_comparison(training_class: TrainingClass) -> dict | None:
    """Before/after scores of the class's two quizzes among its enrolled people (the handbook's comparison:
    each person's first graded attempt; averages over all and over those who took both)."""
    if not (training_class.pre_quiz_id and training_class.post_quiz_id):
        return None
    from lvzhi.handbook.quiz import quiz_compare

    persons = Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED
                                        ).values_list("person_id", flat=True)
    return quiz_compare(before=training_class.pre_quiz, after=training_class.post_quiz, persons=list(persons))


def class_feedback_summary(training_class: TrainingClass) -> dict:
    """The training effect summary (培训效果小结): ratings per lesson and per instructor, comments, reflections,
    quiz before/after, attendance."""
    lessons = list(Lesson.objects.filter(training_class=training_class).select_related("instructor")
                   .annotate(average=Avg("ratings__score"), count=Count("ratings"))
                   .order_by("starts_at", "id"))
    instructors: dict[int, dict] = {}
    for lesson in lessons:
        if lesson.instructor_id is None:
            continue
        entry = instructors.setdefault(lesson.instructor_id, {"instructor": lesson.instructor, "lessons": 0,
                                                              "scores": Decimal(0), "count": 0})
        entry["lessons"] += 1
        if lesson.count:
            entry["scores"] += Decimal(str(lesson.average)) * lesson.count
            entry["count"] += lesson.count
    for entry in instructors.values():
        entry["average"] = (entry["scores"] / entry["count"]).quantize(Decimal("0.1"), ROUND_HALF_UP) \
            if entry["count"] else None
    ratings = LessonRating.objects.filter(lesson__training_class=training_class)
    overall = ratings.aggregate(average=Avg("score"), count=Count("id"))
    distribution = Counter(ratings.values_list("score", flat=True))
    comments: dict[int, list] = {}
    for rating in ratings.exclude(comment="").order_by("-score", "-created_at"):
        comments.setdefault(rating.lesson_id, []).append(rating)
    reflections = list(Reflection.objects.filter(enrollment__training_class=training_class)
                       .select_related("enrollment__person", "enrollment__delegation").order_by("-submitted_at"))
    grid = ClassGrid(training_class)
    delegations = _attendance_rates(training_class, grid)
    due = sum(t.due for t in delegations)
    present = sum(t.present for t in delegations)
    leave = sum(t.leave for t in delegations)
    for lesson in lessons:
        lesson.average = _avg([lesson.average])
        lesson.comments = comments.get(lesson.pk, [])
    return {
        "lessons": lessons,
        "instructors": sorted(instructors.values(), key=lambda e: (-(e["average"] or 0), e["instructor"].name)),
        "overall_average": _avg([overall["average"]]),
        "rating_count": overall["count"],
        "distribution": [(score, distribution.get(score, 0)) for score in range(5, 0, -1)],
        "comment_count": sum(len(c) for c in comments.values()),
        "reflections": reflections,
        "quiz": quiz_comparison(training_class),
        "delegations": delegations,
        "attendance": {"due": due, "present": present, "leave": leave, "absent": due - present - leave,
                       "rate": percent(present, due), "with_leave": percent(present + leave, due)},
        "enrolled": len(grid.rows),
    }


def _bar(labels, series, *, horizontal=False, percent_axis=False, links=None, stack=False) -> dict:
    value_axis = {"type": "value"}
    if percent_axis:
        value_axis.update({"max": 100, "axisLabel": {"formatter": "{value}%"}})
    category_axis = {"type": "category", "data": labels,
                     "axisLabel": {"interval": 0, "width": 130 if horizontal else 90, "overflow": "truncate"}}
    if horizontal:
        category_axis["inverse"] = True
    label = {"show": True, "position": "right" if horizontal else "top"}
    if percent_axis:
        label["formatter"] = "{c}%"
    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 52 if horizontal else 16, "top": 36 if len(series) > 1 else 24, "bottom": 8,
                 "containLabel": True},
        "xAxis": value_axis if horizontal else category_axis,
        "yAxis": category_axis if horizontal else value_axis,
        "series": [{"type": "bar", "name": name, "data": data, **({"stack": "all"} if stack else {"label": label})}
                   for name, data in series],
    }
    if len(series) > 1:
        option["legend"] = {"top": 0}
    return {"option": option, "links": links or []}


def class_figures(training_class: TrainingClass, *, list_url) -> dict:
    """The figures page of one class; ``list_url(show, **params)`` makes the link to the list behind a figure."""
    grid = ClassGrid(training_class)
    delegations = _attendance_rates(training_class, grid)
    lessons = grid.by_lesson()
    rows = list(grid.rows.values())
    person_times = sum(1 for r in rows if r.present)
    total_hours = sum((r.hours for r in rows), Decimal(0))
    certificates = Certificate.objects.filter(enrollment__training_class=training_class).aggregate(
        valid=Count("id", filter=Q(revoked_at__isnull=True)), revoked=Count("id", filter=Q(revoked_at__isnull=False)))
    due = sum(t.due for t in lessons)
    present = sum(t.present for t in lessons)
    leave = sum(t.leave for t in lessons)
    cards = [
        {"label": "参训人数", "value": len(rows), "hint": "名单内在册", "url": list_url("enrolled")},
        {"label": "参训人次", "value": person_times, "hint": "至少出勤一节课", "url": list_url("attended")},
        {"label": "出勤率", "value": f"{percent(present, due) or 0}%", "hint": f"已结束课程 {len(lessons)} 节",
         "url": list_url("absent")},
        {"label": "准假", "value": leave, "hint": "节次", "url": list_url("leave")},
        {"label": "缺勤", "value": due - present - leave, "hint": "节次，未请假", "url": list_url("absent")},
        {"label": "迟到早退", "value": sum(t.late + t.early for t in lessons), "hint": "人次", "url": list_url("late")},
        {"label": "人均学时", "value": (total_hours / len(rows)).quantize(Decimal("0.1")) if rows else 0,
         "hint": f"合计 {total_hours.normalize():f} 学时", "url": list_url("hours")},
        {"label": "结业证书", "value": certificates["valid"], "hint": f"撤销 {certificates['revoked']}",
         "url": list_url("certified")},
    ]
    delegation_chart = _bar(
        [t.label for t in delegations], [("出勤率", [float(t.rate or 0) for t in delegations])],
        horizontal=True, percent_axis=True,
        links=[list_url("absent", delegation=t.key if t.key is not None else "none") for t in delegations])
    lesson_chart = _bar(
        [t.label for t in lessons],
        [("缺勤", [t.absent for t in lessons]), ("准假", [t.leave for t in lessons]),
         ("迟到早退", [t.late + t.early for t in lessons])], stack=True, horizontal=True,
        links=[list_url("absent", lesson=t.key.pk) for t in lessons])
    buckets = _hour_buckets(rows)
    hours_chart = _bar([b["label"] for b in buckets], [("人数", [b["count"] for b in buckets])],
                       links=[list_url("hours", band=b["band"]) for b in buckets])
    return {
        "cards": cards, "delegations": delegations, "lessons": lessons, "hour_buckets": buckets,
        "delegation_chart": delegation_chart, "lesson_chart": lesson_chart, "hours_chart": hours_chart,
        "quiz": quiz_comparison(training_class), "grid": grid,
    }


def _hour_bands(rows: list[PersonRow]) -> list[tuple]:
    """(band, label, test) for about four equal bands of attended hours, after a band for none at all."""
    top = max((r.hours for r in rows), default=Decimal(0))
    bands = [("0", "0", lambda h: h == 0)]
    if top > 0:
        step = max(Decimal(1), (top / 4).quantize(Decimal(1), ROUND_HALF_UP))
        low = Decimal(0)
        while low < top:
            high = low + step
            bands.append((f"{low}-{high}", f"{low}–{high}", (lambda lo, hi: lambda h: lo < h <= hi)(low, high)))
            low = high
    return bands


def _hour_buckets(rows: list[PersonRow]) -> list[dict]:
    if not rows:
        return []
    return [{"band": band, "label": label, "count": sum(1 for r in rows if test(r.hours))}
            for band, label, test in _hour_bands(rows)]


def class_list(grid: ClassGrid, *, show: str, lesson: str | None = None, delegation: str | None = None,
               band: str | None = None) -> tuple[str, list[PersonRow]]:
    """The people behind a figure of the class page: (title, rows)."""
    rows = list(grid.rows.values())
    title = {"enrolled": "参训人员", "attended": "出勤人员", "absent": "缺勤（未请假）", "leave": "准假",
             "late": "迟到或早退", "hours": "参训学时", "certified": "已获结业证书"}.get(show)
    if title is None:
        raise ValueError(show)
    lesson_id = int(lesson) if lesson and lesson.isdigit() else None
    if delegation:
        wanted = None if delegation == "none" else int(delegation) if delegation.isdigit() else -1
        rows = [r for r in rows if r.enrollment.delegation_id == wanted]
        name = next((r.enrollment.delegation.name for r in rows if r.enrollment.delegation), "未编团")
        title = f"{name} · {title}"
    if lesson_id is not None:
        topic = next((lesson.topic for lesson in grid.lessons if lesson.pk == lesson_id), None)
        if topic is None:
            raise ValueError(lesson)
        title = f"{topic} · {title}"

    def has(attr):
        return (lambda r: lesson_id in getattr(r, attr)) if lesson_id is not None else (lambda r: getattr(r, attr))

    if show == "attended":
        rows = [r for r in rows if has("present")(r)]
    elif show == "absent":
        rows = [r for r in rows if has("absent")(r)]
    elif show == "leave":
        rows = [r for r in rows if has("leave")(r)]
    elif show == "late":
        rows = [r for r in rows if has("late")(r) or has("early")(r)]
    elif show == "hours" and band:
        bucket = next((b for b in _hour_bands(rows) if b[0] == band), None)
        if bucket:
            rows = [r for r in rows if bucket[2](r.hours)]
            title = f"{title}（{band} 学时）"
    elif show == "certified":
        certified = set(Certificate.objects.filter(enrollment__training_class=grid.training_class,
                                                   revoked_at__isnull=True).values_list("enrollment_id", flat=True))
        rows = [r for r in rows if r.enrollment.pk in certified]
    return title, rows


# ------------------------------------------------------------------------------------------------ overview


@dataclass(frozen=True)
class Period:
    kind: str  # "year" or "term"
    start: dt.date
    end: dt.date
    label: str
    year: int | None = None
    term_id: int | None = None


def overview_period(user, *, kind: str = "year", year: int | None = None, term_id: int | None = None) -> Period:
    """A calendar year, or the current term of a congress in the user's region (届)."""
    if kind == "term":
        from lvzhi.people.models import Term

        terms = Term.objects.select_related("congress")
        term = terms.filter(pk=term_id).first() if term_id else None
        if term is None and user.region_id:
            term = terms.filter(congress__region_id=user.region_id, is_current=True).order_by("congress__level").first()
        if term is not None:
            end = term.end_date or dt.date(term.start_date.year + 5, term.start_date.month, term.start_date.day)
            return Period("term", term.start_date, end, f"{term.congress.name}第{term.number}届", term_id=term.pk)
    year = year or timezone.localdate().year
    return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年", year=year)


def term_choices(user) -> list:
    from lvzhi.people.models import Term

    if not user.region_id:
        return []
    return list(Term.objects.filter(congress__region_id=user.region_id).select_related("congress")
                .order_by("congress__level", "-number")[:10])


class Overview:
    """The classes the user's office held in the period, and the training of the people in the user's scope in any
    class of the period (a township sees its deputies at the county's class); seven queries."""

    def __init__(self, user, period: Period, *, now=None):
        from lvzhi.people.models import Mandate

        now = now or timezone.now()
        self.period = period
        in_period = {"training_class__start_date__lte": period.end, "training_class__end_date__gte": period.start}
        held = (scoped(TrainingClass.objects, user).filter(start_date__lte=period.end, end_date__gte=period.start)
                .exclude(status=TrainingClass.Status.CANCELLED))
        self.classes = list(held.select_related("region").order_by("start_date", "id"))
        # Everyone in the classes held, and the user's own people in anyone's classes.
        people = (Enrollment.objects.filter(status=Enrollment.Status.ENROLLED)
                  .exclude(training_class__status=TrainingClass.Status.CANCELLED)
                  .filter(Q(training_class__in=held.values("pk"))
                          | Q(pk__in=scoped(Enrollment.objects.filter(**in_period), user).values("pk"))))
        enrollments = list(people.values("id", "training_class_id", "area_id", "person_id", "person__name",
                                         "person__region__name", "delegation__home_region_id",
                                         "delegation__home_region__name", "delegation__name"))
        self.enrollments = {e["id"]: e for e in enrollments}
        class_ids = {e["training_class_id"] for e in enrollments} | {c.pk for c in self.classes}
        lessons = list(Lesson.objects.filter(training_class_id__in=class_ids))
        self.lesson_count = sum(1 for lesson in lessons if lesson.training_class_id in {c.pk for c in self.classes})
        weights = {lesson.pk: lesson_weight(lesson) for lesson in lessons}
        ended = [lesson for lesson in lessons if lesson.attendance_required and lesson.ends_at <= now]
        self._ended = defaultdict(list)
        present: dict[int, set] = defaultdict(set)
        for enrollment_id, lesson_id in Attendance.objects.filter(enrollment__in=people).values_list(
                "enrollment_id", "lesson_id"):
            present[enrollment_id].add(lesson_id)
        through = LeaveRequest.lessons.through
        leave: dict[int, set] = defaultdict(set)
        for enrollment_id, lesson_id in through.objects.filter(
                leaverequest__enrollment__in=people,
                leaverequest__status=LeaveRequest.Status.APPROVED).values_list(
                "leaverequest__enrollment_id", "lesson_id"):
            leave[enrollment_id].add(lesson_id)
        ended_by_class = self._ended
        for lesson in ended:
            ended_by_class[lesson.training_class_id].append(lesson)
        self.present, self.leave = present, leave
        self.by_person: dict[int, dict] = {}
        self.home: dict[object, Tally] = {}
        self.class_stats: dict[int, dict] = {c.pk: {"enrolled": 0, "attended": 0, "due": 0, "present": 0,
                                                    "hours": Decimal(0)} for c in self.classes}
        for e in enrollments:
            mine = present.get(e["id"], set())
            hours = sum((weights.get(pk, Decimal(0)) for pk in mine), Decimal(0))
            due = {lesson.pk for lesson in ended_by_class.get(e["training_class_id"], [])
                   if lesson.area_id is None or lesson.area_id == e["area_id"]}
            excused = (leave.get(e["id"], set()) - mine) & due
            person = self.by_person.setdefault(e["person_id"], {
                "person_id": e["person_id"], "name": e["person__name"], "region": e["person__region__name"],
                "classes": 0, "lessons": 0, "hours": Decimal(0)})
            if mine:
                person["classes"] += 1
            person["lessons"] += len(mine)
            person["hours"] += hours
            key = e["delegation__home_region_id"]
            tally = self.home.setdefault(key, Tally(key, e["delegation__home_region__name"] or "未编团"))
            tally.due += len(due)
            tally.present += len(mine & due)
            tally.leave += len(excused)
            stats = self.class_stats.get(e["training_class_id"])
            if stats is None:  # a class held by another office: its people count, the class is not ours
                continue
            stats["enrolled"] += 1
            stats["attended"] += bool(mine)
            stats["due"] += len(due)
            stats["present"] += len(mine & due)
            stats["hours"] += hours
        self.deputies: dict[int, dict] = {}
        for person_id, name, region, level, reelected in (
                scoped(Mandate.objects, user).filter(status=Mandate.Status.ACTIVE, term__is_current=True)
                .values_list("person_id", "person__name", "person__region__name", "level", "is_reelected")):
            deputy = self.deputies.setdefault(person_id, {"person_id": person_id, "name": name, "region": region,
                                                          "levels": set(), "new": True})
            deputy["levels"].add(level)
            if reelected:
                deputy["new"] = False
        self.quiz = self._quiz()

    def _quiz(self) -> list[dict]:
        """Each class's before/after averages over first graded attempts (as handbook.quiz.quiz_compare counts),
        for every class at once."""
        from lvzhi.handbook.models import QuizAttempt

        pairs = [(c, c.pre_quiz_id, c.post_quiz_id) for c in self.classes if c.pre_quiz_id and c.post_quiz_id]
        if not pairs:
            return []
        first: dict[tuple[int, int], Decimal] = {}
        for quiz_id, person_id, score in QuizAttempt.objects.filter(
                quiz_id__in={q for _, a, b in pairs for q in (a, b)}, submitted_at__isnull=False,
                score__isnull=False).order_by("submitted_at", "id").values_list("quiz_id", "person_id", "score"):
            first.setdefault((quiz_id, person_id), score)
        scores: dict[int, list] = defaultdict(list)
        for (quiz_id, _), score in first.items():
            scores[quiz_id].append(score)
        return [{"class": c, "before": _avg(scores[a]), "before_count": len(scores[a]),
                 "after": _avg(scores[b]), "after_count": len(scores[b])} for c, a, b in pairs]

    # -- the figures

    def trained_ids(self) -> set[int]:
        return {pid for pid, p in self.by_person.items() if p["classes"]}

    def figures(self, *, list_url) -> dict:
        trained = self.trained_ids()
        deputies = self.deputies
        new = {pid for pid, d in deputies.items() if d["new"]}
        trained_deputies = trained & set(deputies)
        hours = sum((p["hours"] for p in self.by_person.values()), Decimal(0))
        person_times = sum(1 for eid in self.enrollments if self.present.get(eid))
        due = sum(t.due for t in self.home.values())
        present = sum(t.present for t in self.home.values())
        cards = [
            {"label": "举办培训班", "value": len(self.classes), "hint": f"课程 {self.lesson_count} 节",
             "url": list_url("classes")},
            {"label": "参训人次", "value": person_times, "hint": f"涉及 {len(trained)} 人", "url": list_url("trained")},
            {"label": "人均学时", "value": (hours / len(deputies)).quantize(Decimal("0.1")) if deputies else 0,
             "hint": f"按辖区在任代表 {len(deputies)} 人计", "url": list_url("hours")},
            {"label": "代表参训率", "value": f"{percent(len(trained_deputies), len(deputies)) or 0}%",
             "hint": f"{len(trained_deputies)}/{len(deputies)} 人", "url": list_url("deputies_trained")},
            {"label": "新任代表参训率", "value": f"{percent(len(trained_deputies & new), len(new)) or 0}%",
             "hint": f"{len(trained_deputies & new)}/{len(new)} 人", "url": list_url("new_trained")},
            {"label": "未参训代表", "value": len(set(deputies) - trained), "hint": "本期一节课也没参加",
             "url": list_url("untrained"), "warn": bool(set(deputies) - trained)},
            {"label": "未参训新任代表", "value": len(new - trained), "hint": "优先安排培训",
             "url": list_url("new_untrained"), "warn": bool(new - trained)},
            {"label": "总出勤率", "value": f"{percent(present, due) or 0}%", "hint": "已结束课程", "url": list_url("absent")},
        ]
        homes = sorted(self.home.values(), key=lambda t: (t.rate is None, -(t.rate or 0), t.label))
        share = [("在任代表", len(deputies), len(trained_deputies), "deputies_trained", "untrained"),
                 ("其中新任", len(new), len(trained_deputies & new), "new_trained", "new_untrained")]
        share_chart = _bar([s[0] for s in share], [("已参训", [s[2] for s in share]),
                                                   ("未参训", [s[1] - s[2] for s in share])], stack=True,
                           links=[list_url(s[4]) for s in share])
        home_chart = _bar([t.label for t in homes], [("出勤率", [float(t.rate or 0) for t in homes])],
                          horizontal=True, percent_axis=True,
                          links=[list_url("absent", home=t.key or "none") for t in homes])
        quiz_chart = _bar([q["class"].title[:16] for q in self.quiz],
                          [("培训前", [float(q["before"] or 0) for q in self.quiz]),
                           ("培训后", [float(q["after"] or 0) for q in self.quiz])],
                          links=[list_url("classes") for _ in self.quiz]) if self.quiz else None
        classes = [{"class": c, **self.class_stats[c.pk],
                    "rate": percent(self.class_stats[c.pk]["present"], self.class_stats[c.pk]["due"])}
                   for c in self.classes]
        return {"cards": cards, "homes": homes, "home_chart": home_chart, "share_chart": share_chart,
                "quiz": self.quiz, "quiz_chart": quiz_chart, "classes": classes}

    def people(self, show: str, *, home: str | None = None) -> tuple[str, list[dict]]:
        """The deputies or enrolled people behind an overview figure: (title, rows)."""
        trained = self.trained_ids()
        deputies = self.deputies
        levels = _level_labels()

        def deputy_row(pid):
            d = deputies[pid]
            p = self.by_person.get(pid, {})
            return {**d, "levels": "、".join(levels[lv] for lv in sorted(d["levels"])),
                    "classes": p.get("classes", 0), "lessons": p.get("lessons", 0),
                    "hours": p.get("hours", Decimal(0))}

        def person_row(pid):
            p = self.by_person[pid]
            d = deputies.get(pid)
            return {**p, "levels": "、".join(levels[lv] for lv in sorted(d["levels"])) if d else "",
                    "new": d["new"] if d else False}

        def by_name(row):
            return row["region"] or "", row["name"]

        if show == "untrained":
            return "未参训代表", sorted((deputy_row(pid) for pid in set(deputies) - trained), key=by_name)
        if show == "new_untrained":
            return "未参训的新任代表", sorted((deputy_row(pid) for pid in set(deputies) - trained
                                             if deputies[pid]["new"]), key=by_name)
        if show == "deputies_trained":
            return "已参训代表", sorted((deputy_row(pid) for pid in trained & set(deputies)), key=by_name)
        if show == "new_trained":
            return "已参训的新任代表", sorted((deputy_row(pid) for pid in trained & set(deputies)
                                             if deputies[pid]["new"]), key=by_name)
        if show == "trained":
            return "参训人员", sorted((person_row(pid) for pid in trained), key=by_name)
        if show == "hours":
            ids = set(deputies) | set(self.by_person)
            rows = [deputy_row(pid) if pid in deputies else person_row(pid) for pid in ids]
            return "代表参训学时", sorted(rows, key=lambda r: (-r["hours"], r["name"]))
        if show == "absent":
            rows = []
            for eid, e in self.enrollments.items():
                key = e["delegation__home_region_id"]
                if home is not None and str(key or "none") != str(home):
                    continue
                count = self._absences(eid, e)
                if count:
                    rows.append({"person_id": e["person_id"], "name": e["person__name"],
                                 "region": e["person__region__name"], "class_id": e["training_class_id"],
                                 "absent": count, "delegation": e["delegation__name"] or "未编团"})
            title = "缺勤（未请假）"
            if home is not None:
                title = f"{self.home.get(None if home == 'none' else _int(home), Tally(0, '')).label} · {title}"
            return title, sorted(rows, key=lambda r: (-r["absent"], r["name"]))
        raise ValueError(show)

    def _absences(self, eid: int, e: dict) -> int:
        due = {lesson.pk for lesson in self._ended[e["training_class_id"]]
               if lesson.area_id is None or lesson.area_id == e["area_id"]}
        return len(due - self.present.get(eid, set()) - self.leave.get(eid, set()))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _level_labels() -> dict:
    from lvzhi.people.models import Level

    return {level.value: level.label for level in Level}

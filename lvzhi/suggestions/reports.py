"""Figures of suggestion handling, by unit and by category, for a year or a sitting, in the user's scope.

One row is counted per suggestion: the lead unit's assignment (主办) of the suggestion's latest round, so a
suggestion reopened after 不满意 is judged by its second round. For each row, in SQL (no per-row Python):

- 交办 (assigned): every such row;
- 应答复 (due): replied, or its time limit (延期至, else 办结时限) has passed;
- 按时答复 (on_time): a reply dated on or before the time limit;
- 答复前沟通 (contacted): a 办前 contact logged on or before the reply's date;
- 满意 (satisfied): the deputy's rating of that round is 满意 or 基本满意;
- 办成 (resolved): the reply is A (已解决或采纳), or B with commitments that are all delivered — a reply alone is
  never "done";
- 承诺 (c_due / c_delivered per row, summed as commitments_due / commitments_delivered): commitments of the reply
  due by today, and those delivered. (Row annotations never share a name with a figure: an aggregate named like
  an annotation replaces it.)

Every figure opens its list (``report_rows`` with the same filters and ``show``).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from lvzhi.core.scoping import scoped
from lvzhi.people.models import Sitting

from .models import Assignment, Commitment, ContactLog, Rating, Reply, Suggestion

SATISFIED = (Rating.Verdict.SATISFIED, Rating.Verdict.BASICALLY)

# show → (label, condition on the annotated rows)
SHOWS: dict[str, tuple[str, Q]] = {
    "assigned": ("交办", Q()),
    "due": ("应答复", Q()),  # replied or past its limit: the date is today's, see _condition
    "replied": ("已答复", Q(reply_day__isnull=False)),
    "on_time": ("按时答复", Q(reply_day__lte=F("limit"))),
    "late": ("逾期（未按时答复）", Q(reply_day__gt=F("limit"))),
    "contacted": ("答复前沟通", Q(contacts_before__gt=0)),
    "not_contacted": ("答复前未沟通", Q(reply_day__isnull=False, contacts_before=0)),
    "rated": ("已测评", Q(verdict__isnull=False)),
    "satisfied": ("满意或基本满意", Q(verdict__in=SATISFIED)),
    "unsatisfied": ("不满意", Q(verdict=Rating.Verdict.UNSATISFIED)),
    "resolved": ("办成", Q(result=Reply.Result.A) | Q(result=Reply.Result.B, commitments_all__gt=0,
                                                     commitments_open=0)),
    "open_commitments": ("承诺未落实", Q(c_due__gt=F("c_delivered"))),
}


@dataclass(frozen=True)
class Period:
    """A calendar year (by the date of assignment) or one sitting (建议 raised at that sitting)."""

    year: int | None = None
    sitting: Sitting | None = None

    @property
    def label(self) -> str:
        if self.sitting is not None:
            return str(self.sitting)
        return f"{self.year}年"

    def params(self) -> dict:
        return {"sitting": self.sitting.pk} if self.sitting is not None else {"year": self.year}


def period_from(params, user) -> Period:
    """A Period from query parameters; a sitting out of the user's reach or bad input falls back to this year."""
    sitting, year = str(params.get("sitting") or ""), str(params.get("year") or "")
    if sitting.isdigit():
        found = sittings_for(user).filter(pk=int(sitting)).first()
        if found is not None:
            return Period(sitting=found)
    if year.isdigit() and 2000 <= int(year) <= 2100:
        return Period(year=int(year))
    return Period(year=timezone.localdate().year)


def sittings_for(user) -> QuerySet:
    """Sittings of congresses whose suggestions the user may see (the user's region and below)."""
    from lvzhi.core.models import prefix_range

    qs = Sitting.objects.select_related("term__congress").order_by("-start_date")
    if getattr(user, "region_id", None):
        low, high = prefix_range(user.scope_prefix)
        return qs.filter(term__congress__region_id__gte=low, term__congress__region_id__lte=high)
    return qs


def handled_rows(user, period: Period, *, today: dt.date | None = None) -> QuerySet:
    """The annotated lead assignments (one per suggestion, its latest round) in the user's scope and the period."""
    today = today or timezone.localdate()
    reply = Reply.objects.filter(suggestion=OuterRef("suggestion_id"), round=OuterRef("round")).order_by()
    commitments = Commitment.objects.filter(reply__suggestion=OuterRef("suggestion_id"),
                                            reply__round=OuterRef("round")).order_by()

    def count_of(qs):
        return Coalesce(Subquery(qs.order_by().values("reply__suggestion").annotate(n=Count("pk")).values("n")[:1],
                                 output_field=IntegerField()), 0)

    qs = Assignment.objects.filter(role=Assignment.Role.LEAD, round=F("suggestion__round"),
                                   suggestion__kind=Suggestion.Kind.SUGGESTION).exclude(
        status=Assignment.Status.RETURNED)
    if period.sitting is not None:
        qs = qs.filter(suggestion__sitting=period.sitting)
    else:
        tz = timezone.get_current_timezone()
        start = dt.datetime(period.year, 1, 1, tzinfo=tz)
        qs = qs.filter(suggestion__assigned_at__gte=start, suggestion__assigned_at__lt=start.replace(year=period.year + 1))
    qs = scoped(qs, user).annotate(
        limit=Coalesce("extended_to", "deadline", output_field=DateField()),
        reply_day=Subquery(reply.annotate(day=TruncDate("replied_at")).values("day")[:1], output_field=DateField()),
        result=Subquery(reply.values("result")[:1]),
        verdict=Subquery(Rating.objects.filter(suggestion=OuterRef("suggestion_id"), round=OuterRef("round"))
                         .order_by().values("overall")[:1]),
        commitments_all=count_of(commitments),
        commitments_open=count_of(commitments.filter(delivered_at__isnull=True)),
        c_due=count_of(commitments.filter(due_date__lte=today)),
        c_delivered=count_of(commitments.filter(due_date__lte=today, delivered_at__isnull=False)),
        contacts_before=Coalesce(Subquery(_contacts().values("assignment").annotate(n=Count("pk")).values("n")[:1],
                                    output_field=IntegerField()), 0),
    )
    return qs


def _contacts() -> QuerySet:
    """办前 contacts of this assignment dated on or before the day of the round's reply."""
    return (ContactLog.objects.filter(
        assignment=OuterRef("pk"), stage=ContactLog.Stage.BEFORE,
        assignment__suggestion__replies__round=OuterRef("round"),
        date__lte=TruncDate("assignment__suggestion__replies__replied_at")).order_by())


def _condition(show: str, today: dt.date) -> Q:
    if show == "due":
        return Q(reply_day__isnull=False) | Q(limit__lt=today)
    return SHOWS[show][1]


def _sums(today: dt.date) -> dict:
    sums = {name: Count("pk", filter=_condition(name, today)) if name != "assigned" else Count("pk")
            for name in ("assigned", "due", "replied", "on_time", "contacted", "rated", "satisfied", "resolved")}

    sums["commitments_due"] = Coalesce(Sum("c_due"), 0)
    sums["commitments_delivered"] = Coalesce(Sum("c_delivered"), 0)
    return sums


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _rates(row: dict) -> dict:
    row["on_time_rate"] = _pct(row["on_time"], row["due"])
    row["contact_rate"] = _pct(row["contacted"], row["replied"])
    row["satisfied_rate"] = _pct(row["satisfied"], row["rated"])
    row["resolved_rate"] = _pct(row["resolved"], row["replied"])
    row["delivery_rate"] = _pct(row["commitments_delivered"], row["commitments_due"])
    return row


FIGURES = [  # (key of the count, label, key of the rate, how the rate is computed, show for its list)
    ("assigned", "交办建议", None, "本期交办（按最新一轮主办单位计）", "assigned"),
    ("on_time", "按时答复", "on_time_rate", "按时答复 ÷ 应答复（已答复或已过时限）", "on_time"),
    ("contacted", "答复前沟通", "contact_rate", "答复前有办前沟通记录 ÷ 已答复", "contacted"),
    ("satisfied", "满意或基本满意", "satisfied_rate", "满意、基本满意 ÷ 已测评", "satisfied"),
    ("resolved", "办成", "resolved_rate", "A类，或B类且承诺全部落实 ÷ 已答复", "resolved"),
    ("commitments_delivered", "承诺已落实", "delivery_rate", "已落实承诺 ÷ 到期承诺（办成率）", "open_commitments"),
]


def figures(user, period: Period, *, today: dt.date | None = None) -> dict:
    """Totals, by unit and by category, each a dict of counts and rates; three queries whatever the rows."""
    today = today or timezone.localdate()
    rows = handled_rows(user, period, today=today)
    sums = _sums(today)
    total = _rates(rows.aggregate(**sums))
    by_unit = [_rates(r) for r in rows.values("unit_id", "unit__name").annotate(**sums).order_by("unit__name")]
    by_category = [_rates(r) for r in rows.values("suggestion__category_id", "suggestion__category__name")
                   .annotate(**sums).order_by("suggestion__category__name")]
    for r in by_category:
        r["suggestion__category__name"] = r["suggestion__category__name"] or "未分类"
    return {"total": total, "by_unit": by_unit, "by_category": by_category}


def report_rows(user, period: Period, *, show: str = "assigned", unit: int | None = None,
                category: int | str | None = None, today: dt.date | None = None) -> tuple[str, QuerySet]:
    """The rows behind one figure: (title, queryset of annotated lead assignments with suggestion and unit)."""
    today = today or timezone.localdate()
    if show not in SHOWS:
        raise KeyError(show)
    rows = handled_rows(user, period, today=today).filter(_condition(show, today))
    if unit:
        rows = rows.filter(unit_id=unit)
    if category == "none":
        rows = rows.filter(suggestion__category__isnull=True)
    elif category:
        rows = rows.filter(suggestion__category_id=category)
    rows = rows.select_related("suggestion__category", "suggestion__lead", "unit").order_by(
        "suggestion__number", "suggestion_id")
    return SHOWS[show][0], rows


def verdict_label(value: str | None) -> str:
    return Rating.Verdict(value).label if value else ""


def result_label(value: str | None) -> str:
    return Reply.Result(value).label if value else ""



def key_and_second_round(user, period: Period) -> dict:
    """Key suggestions with their supervision records, and second-round cases, of the period (two-three queries)."""
    from django.db.models import Prefetch

    from .models import Supervision

    qs = scoped(Suggestion.objects.filter(kind=Suggestion.Kind.SUGGESTION), user).exclude(
        state__in=[Suggestion.State.DRAFT, Suggestion.State.WITHDRAWN])
    if period.sitting is not None:
        qs = qs.filter(sitting=period.sitting)
    else:
        qs = qs.filter(assigned_at__year=period.year)
    qs = qs.select_related("lead").order_by("number", "pk")
    key = list(qs.filter(is_key=True).prefetch_related(
        Prefetch("supervisions", queryset=Supervision.objects.order_by("date", "pk"), to_attr="supervision_list")))
    second = list(qs.filter(round__gte=2))
    return {"key_suggestions": key, "second_round": second}

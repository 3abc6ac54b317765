"""Reads of the archive: aggregates are computed in the database and lists are paged, so a page's query
count does not grow with a deputy's activities."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from lvzhi.core.scoping import scoped
from lvzhi.people.models import Mandate, Person

from .models import Activity, ActivityKind, DutyNote, DutyNotePhoto

# Where the archive links an activity back to the record it came from; other modules add their sources.
SOURCE_VIEWS = {("archive", "dutynote"): "archive:note_detail"}


@dataclass
class KindTotal:
    kind: str
    label: str
    count: int
    hours: Decimal


@dataclass
class YearTotal:
    year: int
    count: int = 0
    hours: Decimal = Decimal(0)
    kinds: list[KindTotal] = field(default_factory=list)


def archive_totals(person_id: int) -> list[YearTotal]:
    """Counts and hours per year and kind, newest year first, in one grouped query."""
    rows = (
        Activity.objects.filter(person_id=person_id)
        .annotate(year=ExtractYear("date"))
        .values("year", "kind")
        .annotate(count=Count("id"), hours=Sum("hours"))
        .order_by("-year", "kind")
    )
    years: dict[int, YearTotal] = {}
    for row in rows:
        total = years.setdefault(row["year"], YearTotal(year=row["year"]))
        hours = row["hours"] or Decimal(0)
        total.count += row["count"]
        total.hours += hours
        total.kinds.append(KindTotal(row["kind"], _kind_label(row["kind"]), row["count"], hours))
    for total in years.values():
        total.kinds.sort(key=lambda k: (-k.count, k.label))
    return list(years.values())


def kind_totals(years: list[YearTotal]) -> list[KindTotal]:
    """All years added up per kind."""
    kinds: dict[str, KindTotal] = {}
    for year in years:
        for k in year.kinds:
            total = kinds.setdefault(k.kind, KindTotal(k.kind, k.label, 0, Decimal(0)))
            total.count += k.count
            total.hours += k.hours
    return sorted(kinds.values(), key=lambda k: (-k.count, k.label))


def _kind_label(kind: str) -> str:
    try:
        return ActivityKind(kind).label
    except ValueError:
        return kind


def person_activities(person_id: int, *, year: int | None = None, kind: str | None = None) -> QuerySet:
    qs = Activity.objects.filter(person_id=person_id).select_related("source_type")
    if year:
        qs = qs.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-date", "-id")


def mandates_of(person: Person) -> list[Mandate]:
    return list(
        person.mandates.select_related("term__congress__region", "delegation", "district", "group", "station")
        .order_by("status", "level", "id")
    )


def year_summary(person_id: int, year: int | None = None) -> dict:
    year = year or timezone.localdate().year
    totals = Activity.objects.filter(
        person_id=person_id, date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)
    ).aggregate(count=Count("id"), hours=Sum("hours"))
    return {"year": year, "count": totals["count"], "hours": totals["hours"] or Decimal(0)}


def notes_for(user) -> QuerySet:
    return scoped(DutyNote.objects.all(), user).annotate(photo_count=Count("photos")).order_by("-date", "-id")


def note_status_counts(person_id: int) -> dict[str, int]:
    rows = DutyNote.objects.filter(person_id=person_id).values("status").annotate(n=Count("id"))
    counts = {value: 0 for value in DutyNote.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def review_queue(user, status: str = DutyNote.Status.SUBMITTED) -> QuerySet:
    """Notes in the reviewer's region; the waiting ones oldest first, so nobody waits forever."""
    qs = (
        scoped(DutyNote.objects.filter(status=status), user)
        .select_related("person__region", "reviewed_by")
        .annotate(photo_count=Count("photos"))
    )
    if status == DutyNote.Status.SUBMITTED:
        return qs.order_by("updated_at", "id")
    return qs.order_by("-reviewed_at", "-id")


def note_with_photos(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("person__region", "reviewed_by").prefetch_related(
        Prefetch("photos", queryset=DutyNotePhoto.objects.order_by("id"))
    )

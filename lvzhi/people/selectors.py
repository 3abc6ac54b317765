"""Reads of the roster: the filtered list and its choices, the person page, and the staff dashboard figures.

Everything here starts from ``scoped()``: a user's rows are those of their region subtree, nothing else.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from lvzhi.core.crypto import keyed_hash
from lvzhi.core.models import PREFIX_LENGTH, Region, prefix_range
from lvzhi.core.scoping import scoped
from lvzhi.core.textnorm import squeeze

from .models import (
    Delegation,
    DeputyGroup,
    Level,
    Mandate,
    MandateChange,
    Person,
    PersonNameKey,
    Station,
    Term,
)

# A query that looks like the end of an ID number: at least four characters, digits with an optional final X.
_ID_TAIL = re.compile(r"^\d{3,17}[\dX]$")


@dataclass
class RosterFilter:
    """The cleaned filter of the roster list; empty values filter nothing."""

    q: str = ""
    level: int | None = None
    region: Region | None = None
    delegation: Delegation | None = None
    group: DeputyGroup | None = None
    status: str = ""
    tenure: str = ""  # "new" (新任) or "reelected" (连任)
    occupation: str = ""
    labels: list[str] = field(default_factory=list)  # human description, for the export title

    def mandate_conditions(self) -> dict:
        conditions: dict = {}
        if self.level:
            conditions["level"] = self.level
        if self.status:
            conditions["status"] = self.status
        if self.delegation:
            conditions["delegation"] = self.delegation
        if self.group:
            conditions["group"] = self.group
        if self.tenure:
            conditions["is_reelected"] = self.tenure == "reelected"
        return conditions

    @property
    def description(self) -> str:
        return "；".join(self.labels) if self.labels else "全部人员"


def scope_range(user) -> tuple[str, str] | None:
    return prefix_range(user.scope_prefix) if user.scope_prefix else None


def search_kind(raw: str) -> str:
    """How the search box is read: "id" (the end of an ID number, or all of it), "initials" (latin letters:
    pinyin initials, zs for 张三), "name" (part of a name), or "" when empty."""
    q = squeeze(raw).upper()
    if not q:
        return ""
    if _ID_TAIL.match(q):
        return "id"
    if q.isascii() and q.isalpha():
        return "initials"
    return "name"


def roster_persons(*, user, flt: RosterFilter) -> QuerySet[Person]:
    """Persons in the user's scope matching the filter, in roster order (pinyin initials, then id).

    Mandate conditions go into one EXISTS subquery, so that a person matches when one of their mandates meets
    them all (a 县 mandate that is 在任), and so that no join multiplies rows or needs DISTINCT.
    """
    qs = scoped(Person.objects.all(), user)
    low_high = scope_range(user)
    if flt.region is not None:
        low_high = prefix_range(flt.region.prefix)
        qs = qs.filter(region_id__gte=low_high[0], region_id__lte=low_high[1])
    if flt.occupation:
        qs = qs.filter(occupation=flt.occupation)
    conditions = flt.mandate_conditions()
    if conditions:
        # The roster is of the current terms: a past term's mandate neither shows nor matches.
        mandates = Mandate.objects.filter(person=OuterRef("pk"), term__is_current=True, **conditions)
        if low_high:
            # Redundant with the person's region, but lets the (level, status, region_code) index do the work.
            mandates = mandates.filter(region_code__gte=low_high[0], region_code__lte=low_high[1])
        qs = qs.filter(Exists(mandates))
    qs = _search(qs, flt.q)
    # The list shows masked numbers only: the ciphertext is neither fetched nor decrypted.
    return qs.select_related("region", "region__parent").defer("id_number", "id_hash").order_by("name_initials", "id")


def _search(qs: QuerySet[Person], raw: str) -> QuerySet[Person]:
    kind = search_kind(raw)
    q = squeeze(raw)
    if kind == "id":
        number = q.upper()
        if len(number) == 18:
            return qs.filter(id_hash=keyed_hash(number))
        qs = qs.filter(id_tail=number[-4:])
        if len(number) > 4:
            # Only the last four characters are stored in clear; the few candidates are checked in full here.
            matching = [p.pk for p in qs.only("pk", "id_number") if p.id_number.endswith(number)]
            qs = qs.filter(pk__in=matching)
        return qs
    if kind == "initials":
        # A range rather than LIKE 'zs%': it uses the plain index under any collation, and keeps its order.
        initials = q.lower()
        return qs.filter(name_initials__gte=initials, name_initials__lt=initials[:-1] + chr(ord(initials[-1]) + 1))
    if kind == "name":
        return qs.filter(pk__in=_name_key_matches(q))
    return qs


def _name_key_matches(q: str) -> QuerySet[PersonNameKey]:
    """Persons whose name contains ``q``: one of the name's suffixes starts with it (see PersonNameKey)."""
    keys = PersonNameKey.objects.all()
    if connection.vendor == "postgresql":
        keys = keys.filter(key__startswith=q)  # LIKE 'q%' on the varchar_pattern_ops index
    else:
        # SQLite compares text by code point (BINARY), so the prefix is a range its index answers;
        # its LIKE is case-insensitive and would read the whole table.
        keys = keys.filter(key__gte=q, key__lt=q[:-1] + chr(ord(q[-1]) + 1))
    return keys.values("person_id")


# Above a county, the list says "more than 10,000" rather than counting a province's persons on every page.
ROSTER_COUNT_CAP = 10_000


def roster_count(*, user, flt: RosterFilter, cap: int | None = None) -> int:
    """How many persons the filter finds.

    With only mandate conditions (level, status, delegation, group, tenure) and a region, the count comes from the
    mandates alone, through their (level, status, region_code) index: a mandate's region_code is its person's
    region (services keep it so), so no person row needs to be read. Otherwise, over a city or a province and
    with ``cap``, counting stops at cap + 1 (“more than …”).
    """
    conditions = flt.mandate_conditions()
    if conditions and not flt.q and not flt.occupation and user.scope_prefix:
        low, high = prefix_range(flt.region.prefix) if flt.region is not None else scope_range(user)
        mandates = Mandate.objects.filter(term__is_current=True, region_code__gte=low, region_code__lte=high,
                                          **conditions)
        return mandates.values("person_id").distinct().count()
    persons = roster_persons(user=user, flt=flt)
    area = flt.region or user.region
    if cap is not None and area is not None and area.level < Region.Level.COUNTY:
        return persons.order_by()[: cap + 1].count()
    return persons.count()


class _CountedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def roster_page(*, user, flt: RosterFilter, number, per_page: int) -> Page:
    """One page of the roster, with each row's current mandates.

    A name search ("contains") matches few rows spread over the whole initials index: collecting and sorting the
    matching ids in one pass is cheaper than a COUNT plus an index walk for the first page, so that is done here.
    """
    persons = roster_persons(user=user, flt=flt)
    if search_kind(flt.q) != "name":
        count = roster_count(user=user, flt=flt, cap=ROSTER_COUNT_CAP)
        paginator = _CountedPaginator(with_roster_mandates(persons), per_page, count=count)
        return paginator.get_page(number)
    ids = list(persons.values_list("pk", flat=True))
    page = Paginator(ids, per_page).get_page(number)
    rows = with_roster_mandates(
        Person.objects.filter(pk__in=page.object_list).select_related("region", "region__parent")
        .defer("id_number", "id_hash")
    )
    by_pk = {person.pk: person for person in rows}
    page.object_list = [by_pk[pk] for pk in page.object_list]
    return page


def with_roster_mandates(qs: QuerySet[Person]) -> QuerySet[Person]:
    """The current-term mandates a roster row shows (as ``current_mandates``), for a whole page in one query."""
    mandates = (
        Mandate.objects.filter(term__is_current=True)
        .select_related("district", "delegation", "group")
        .order_by("level", "id")
    )
    return qs.prefetch_related(Prefetch("mandates", queryset=mandates, to_attr="current_mandates"))


def child_regions(user) -> QuerySet[Region]:
    """The regions one level below the user's own: townships for a county office, villages for a township."""
    region = user.region
    if region is None:
        return Region.objects.none()
    low, high = prefix_range(user.scope_prefix)
    return Region.objects.filter(parent_id=region.code, code__gte=low, code__lte=high).order_by("sort", "code")


def _within(user, prefix: str | None) -> tuple[str, str]:
    """The code range of ``prefix`` when it lies inside the user's scope, else the scope's own range."""
    scope = user.scope_prefix
    if prefix and scope and prefix.startswith(scope):
        return prefix_range(prefix)
    return scope_range(user) or ("", "")


def delegation_choices(user, within: str | None = None) -> QuerySet[Delegation]:
    """Delegations of current terms that belong to the area (the user's, or a region prefix inside it): by their
    own region or by their congress's."""
    low, high = _within(user, within)
    return (
        Delegation.objects.filter(term__is_current=True)
        .filter(
            Q(region_id__gte=low, region_id__lte=high)
            | Q(term__congress__region_id__gte=low, term__congress__region_id__lte=high)
        )
        .select_related("term__congress")
        .order_by("term__congress__level", "name")
    )


def group_choices(user, within: str | None = None) -> QuerySet[DeputyGroup]:
    low, high = _within(user, within)
    return scoped(DeputyGroup.objects.all(), user).filter(region_id__gte=low, region_id__lte=high).order_by(
        "region_id", "name")


def station_choices(user, within: str | None = None) -> QuerySet[Station]:
    low, high = _within(user, within)
    return scoped(Station.objects.all(), user).filter(region_id__gte=low, region_id__lte=high).order_by(
        "region_id", "name")


def occupation_choices(user) -> list[str]:
    """The occupations (职业构成) entered for persons in scope. A DISTINCT over a province's persons is not free,
    and the list changes only when the roster does, so it is kept for a few minutes."""
    low, high = scope_range(user) or ("", "")
    key = f"people:occupations:{low}"

    def distinct_values() -> list[str]:
        values = (
            Person.objects.filter(region_id__gte=low, region_id__lte=high)
            .exclude(occupation="")
            .values_list("occupation", flat=True)
            .distinct()
            .order_by("occupation")
        )
        return list(values[:100])

    return cache.get_or_set(key, distinct_values, timeout=300)


def term_choices(user) -> QuerySet[Term]:
    """Current terms a user may add mandates to: congresses in their area and those above it."""
    prefix = user.scope_prefix
    if not prefix:
        return Term.objects.none()
    low, high = prefix_range(prefix)
    above = [prefix[:n].ljust(12, "0") for n in sorted(set(PREFIX_LENGTH.values())) if n < len(prefix)]
    return (
        Term.objects.filter(is_current=True)
        .filter(
            Q(congress__level=Level.NATIONAL)
            | Q(congress__region_id__in=above)
            | Q(congress__region_id__gte=low, congress__region_id__lte=high)
        )
        .select_related("congress")
        .order_by("congress__level", "congress__region_id")
    )


def terms_for_region(user, region_code: str) -> QuerySet[Term]:
    """Current terms whose congress a resident of ``region_code`` may sit in: the national one and those of the
    regions above it (and of its own township)."""
    codes = [region_code[:n].ljust(12, "0") for n in sorted(set(PREFIX_LENGTH.values()))]
    return term_choices(user).filter(Q(congress__level=Level.NATIONAL) | Q(congress__region_id__in=codes))


def person_regions(user) -> QuerySet[Region]:
    """Where a person of the user's scope may live: the townships and villages (or deeper) of the scope."""
    prefix = user.scope_prefix
    if not prefix:
        return Region.objects.none()
    low, high = prefix_range(prefix)
    return (
        Region.objects.filter(code__gte=low, code__lte=high, level__gte=Region.Level.TOWNSHIP)
        .select_related("parent")
        .order_by("code")
    )


def person_detail(*, person: Person) -> dict:
    """What the person page shows besides the person: every mandate with its history, and this year's archive."""
    from lvzhi.archive.models import Activity, ActivityKind

    changes = MandateChange.objects.select_related("by").order_by("date", "id")
    mandates = list(
        person.mandates.select_related(
            "term__congress", "district", "delegation", "group", "station"
        ).prefetch_related(Prefetch("changes", queryset=changes)).order_by("-term__is_current", "level", "-id")
    )
    year = timezone.localdate().year
    by_kind = (
        Activity.objects.filter(person=person, date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31))
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("-n", "kind")
    )
    labels = dict(ActivityKind.choices)
    summary = [{"kind": row["kind"], "label": labels.get(row["kind"], row["kind"]), "count": row["n"]}
               for row in by_kind]
    return {
        "mandates": mandates,
        "has_current_mandate": any(m.term.is_current and m.status != Mandate.Status.ENDED for m in mandates),
        "year": year,
        "activity_summary": summary,
        "activity_total": sum(row["count"] for row in summary),
    }


# ---------------------------------------------------------------------------------------------------------------
# Staff home


def staff_dashboard(*, user) -> dict:
    """Totals for the staff home page: one count of persons and one pass over the current terms' mandates.

    Every figure counts what the roster shows for the same filter (current terms only), so that a card's number
    and the list it links to agree.
    """
    persons = scoped(Person.objects.all(), user).count()
    active = Q(status=Mandate.Status.ACTIVE)
    totals = scoped(Mandate.objects.filter(term__is_current=True), user).aggregate(
        **{f"level_{lvl.value}": Count("id", filter=active & Q(level=lvl.value)) for lvl in Level},
        new=Count("id", filter=active & Q(is_reelected=False)),
        by_election=Count("id", filter=active & Q(elected_by=Mandate.ElectedBy.BY_ELECTION)),
        suspended=Count("id", filter=Q(status=Mandate.Status.SUSPENDED)),
    )
    by_level = [{"level": lvl.value, "label": lvl.label, "count": totals[f"level_{lvl.value}"]} for lvl in Level]
    return {
        "persons": persons,
        "active_total": sum(row["count"] for row in by_level),
        "by_level": by_level,
        "new_this_term": totals["new"],
        "by_election": totals["by_election"],
        "suspended": totals["suspended"],
        "notes_waiting": _notes_waiting(user),
    }


def home_figures(*, user) -> dict:
    """The staff home page's figures. Above a county (a city or province office: hundreds of thousands of mandates)
    they are kept for a minute, which nobody reading totals can notice; a county or township counts live."""

    def compute() -> dict:
        return {"dash": staff_dashboard(user=user), "by_area": deputies_by_area(user=user)}

    region = user.region
    if region is None or region.level >= Region.Level.COUNTY:
        return compute()
    figures = cache.get_or_set(f"people:home:{user.scope_prefix}:{user.role}", compute, timeout=60)
    # Notes waiting for review are few and are the one figure staff act on at once: always live.
    figures["dash"]["notes_waiting"] = _notes_waiting(user)
    return figures


def _notes_waiting(user) -> int | None:
    if not user.can("notes.review"):
        return None
    from lvzhi.archive.models import DutyNote

    return scoped(DutyNote.objects.filter(status=DutyNote.Status.SUBMITTED), user).count()


LEVEL_COLORS = {
    Level.NATIONAL: "#6a1b9a", Level.PROVINCE: "#ad1457", Level.CITY: "#ef6c00", Level.COUNTY: "#b71c1c",
    Level.TOWNSHIP: "#1565c0",
}


def deputies_by_area(*, user) -> dict:
    """Active mandates by level for each region one level below the user's: the table behind the home chart,
    and its ECharts option (stacked bars)."""
    region = user.region
    if region is None or region.level >= Region.Level.VILLAGE:
        return {"rows": [], "option": None}
    child_length = PREFIX_LENGTH[region.level + 1]
    areas = list(child_regions(user).values_list("code", "name"))
    counted = (
        scoped(Mandate.objects.filter(status=Mandate.Status.ACTIVE, term__is_current=True), user)
        .annotate(area=Substr("region_code", 1, child_length))
        .values_list("area", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[str, int], int] = {}
    for area, level, n in counted:
        counts[(area, level)] = counts.get((area, level), 0) + n
    rows = []
    for code, name in areas:
        key = code[:child_length]
        by_level = [counts.get((key, lvl.value), 0) for lvl in Level]
        rows.append({"code": code, "name": name, "by_level": by_level, "total": sum(by_level),
                     "cells": [{"label": f"{lvl.label}级", "count": n} for lvl, n in zip(Level, by_level, strict=True)]})
    series = []
    for index, lvl in enumerate(Level):
        data = [row["by_level"][index] for row in rows]
        if any(data):
            series.append({"name": f"{lvl.label}级", "type": "bar", "stack": "level", "data": data,
                           "itemStyle": {"color": LEVEL_COLORS[lvl]}, "emphasis": {"focus": "series"},
                           "barMaxWidth": 36})
    if not series:
        return {"rows": rows, "option": None}
    names = [row["name"] for row in rows]
    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "type": "scroll", "itemWidth": 12, "itemHeight": 10, "itemGap": 8,
                   "textStyle": {"fontSize": 11}},
        "grid": {"left": 8, "right": 16, "bottom": 8, "top": 36, "containLabel": True},
        "xAxis": {"type": "category", "data": names,
                  "axisLabel": {"interval": 0, "rotate": 35 if len(names) > 6 else 0}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series,
    }
    return {"rows": rows, "option": option}

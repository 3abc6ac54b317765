"""The working-day calendar of mainland China, and deadlines counted in working days or in months.

Whether a day is worked: an office's ``CalendarDay`` correction first; then the chinese-calendar library, which
knows the State Council's holidays and 调休 working weekend days for the years it covers; outside those years
Monday to Friday (until the office enters the year's holidays on the calendar page)."""

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass

import chinese_calendar

from .documents import chinese_date

WEEKDAYS = "一二三四五六日"

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class WorkdayResult:
    date: dt.date
    explanation: str


@dataclass(frozen=True)
class DayInfo:
    working: bool
    name: str  # the holiday's name, or the holiday a 调休 working day makes up for; "" for an ordinary day
    known: bool  # False: a year neither the library nor the office's calendar knows (Monday to Friday assumed)


def library_years() -> range:
    """The years the installed chinese-calendar release has official data for."""
    years = sorted({day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays})
    return range(years[0], years[-1] + 1)


def _library_info(day: dt.date) -> DayInfo:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return DayInfo(working=day.weekday() < 5, name="", known=False)
    return DayInfo(working=not on_holiday, name=HOLIDAY_NAMES.get(name, name or ""), known=True)


class _Calendar:
    """Day lookups for one computation: the office's corrections are read once per stretch of days."""

    CHUNK = 120

    def __init__(self):
        self.overrides: dict[dt.date, DayInfo] = {}
        self.loaded: list[tuple[dt.date, dt.date]] = []

    def _load(self, day: dt.date) -> None:
        from .models import CalendarDay

        start, end = day - dt.timedelta(days=self.CHUNK), day + dt.timedelta(days=self.CHUNK)
        for row in CalendarDay.objects.filter(date__range=(start, end)).only("date", "is_working_day", "name"):
            self.overrides[row.date] = DayInfo(working=row.is_working_day, name=row.name, known=True)
        self.loaded.append((start, end))

    def info(self, day: dt.date) -> DayInfo:
        if not any(start <= day <= end for start, end in self.loaded):
            self._load(day)
        return self.overrides.get(day) or _library_info(day)


def day_info(day: dt.date) -> DayInfo:
    return _Calendar().info(day)


def is_working_day(day: dt.date) -> bool:
    return day_info(day).working


def _short(day: dt.date, start: dt.date) -> str:
    return chinese_date(day) if day.year != start.year else f"{day.month}月{day.day}日"


def _span(first: dt.date, last: dt.date, start: dt.date) -> str:
    if first == last:
        return _short(first, start)
    if (first.year, first.month) == (last.year, last.month):
        return f"{_short(first, start)}—{last.day}日"
    return f"{_short(first, start)}—{_short(last, start)}"


def _describe(start: dt.date, days: list[tuple[dt.date, DayInfo]]) -> list[str]:
    """Phrases for the holidays skipped and the 调休 weekend days counted among ``days``."""
    holidays: list[list] = []  # [name, first, last], consecutive days of one holiday merged
    made_up: list[dt.date] = []
    unknown_years: set[int] = set()
    for day, info in days:
        if not info.known:
            unknown_years.add(day.year)
        if not info.working and info.name:
            if holidays and holidays[-1][0] == info.name and (day - holidays[-1][2]).days <= 3:
                holidays[-1][2] = day
            else:
                holidays.append([info.name, day, day])
        elif info.working and day.weekday() >= 5:
            made_up.append(day)
    parts = []
    if holidays:
        parts.append("跳过" + "、".join(f"{name}（{_span(first, last, start)}）" for name, first, last in holidays))
    if made_up:
        parts.append("、".join(f"{_short(day, start)}（星期{WEEKDAYS[day.weekday()]}）" for day in made_up)
                     + "调休上班计入")
    if unknown_years:
        years = "、".join(f"{year}年" for year in sorted(unknown_years))
        parts.append(f"{years}的节假日尚未录入，按周一至周五计")
    return parts


def add_working_days(day: dt.date, n: int) -> WorkdayResult:
    """The n-th working day after ``day`` (``day`` itself not counted), with how it was counted, e.g.
    "自2026年9月28日起20个工作日，至2026年10月30日；跳过国庆节（10月1日—7日）；10月10日（星期六）调休上班计入"."""
    if n < 0:
        raise ValueError("n must not be negative")
    cal = _Calendar()
    current, counted, passed = day, 0, []
    while counted < n:
        current += dt.timedelta(days=1)
        info = cal.info(current)
        passed.append((current, info))
        counted += info.working
    head = f"自{chinese_date(day)}起{n}个工作日，至{chinese_date(current)}"
    return WorkdayResult(current, "；".join([head, *_describe(day, passed)]))


def add_months(day: dt.date, n: int) -> dt.date:
    """The same day ``n`` months later (or earlier), clamped to the month's end: 1月31日 + 1 month = 2月28/29日."""
    month_index = day.year * 12 + day.month - 1 + n
    year, month = divmod(month_index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def explain_months(day: dt.date, n: int, *, roll_forward: bool = True) -> WorkdayResult:
    """A deadline ``n`` months after ``day``. When it falls on a rest day or holiday, the period ends on the next
    working day (民法典第二百零三条), unless ``roll_forward`` is False; the explanation says so."""
    end = add_months(day, n)
    head = f"自{chinese_date(day)}起{n}个月，至{chinese_date(end)}"
    if not roll_forward:
        return WorkdayResult(end, head)
    cal = _Calendar()
    info = cal.info(end)
    if info.working:
        return WorkdayResult(end, head)
    first, rest = end, []
    while not info.working:
        rest.append((end, info))
        end += dt.timedelta(days=1)
        info = cal.info(end)
    reason = f"{info_name}假期" if (info_name := next((i.name for _, i in rest if i.name), "")) else "休息日"
    why = f"{_span(first, rest[-1][0], day)}为{reason}，顺延至{chinese_date(end)}"
    return WorkdayResult(end, f"{head}；{why}")


# ------------------------------------------------------------------------------------------- the office's calendar


def year_overview(year: int) -> list[dict]:
    """The days of ``year`` that are not ordinary (a holiday, a 调休 working weekend day, an office's correction),
    each {"date", "working", "name", "source": "office" | "library" | "weekday"} — what the calendar page lists."""
    from .models import CalendarDay

    overrides = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
    rows, day = [], dt.date(year, 1, 1)
    while day.year == year:
        row = overrides.get(day)
        if row is not None:
            rows.append({"date": day, "working": row.is_working_day, "name": row.name, "source": "office", "pk": row.pk})
        else:
            info = _library_info(day)
            if info.known and (info.name or info.working != (day.weekday() < 5)):
                rows.append({"date": day, "working": info.working, "name": info.name, "source": "library"})
        day += dt.timedelta(days=1)
    return rows


class CalendarError(ValueError):
    pass


def _may_edit_calendar(by) -> bool:
    return by.is_authenticated and (by.role == "admin" or (by.role == "office" and by.can("suggestions.manage")))


def calendar_day_save(*, date: dt.date, is_working_day: bool, name: str, by):
    """Enter a holiday or a 调休 working day the library does not know (or correct it); audited."""
    from django.db import transaction

    from .audit import audit_event
    from .models import CalendarDay

    if not _may_edit_calendar(by):
        raise PermissionError("只有代表工委工作人员可以修改节假日")
    name = (name or "").strip()
    if not name:
        raise CalendarError("请写明说明，如：国庆节、国庆节调休上班")
    if is_working_day == _library_info(date).working and not CalendarDay.objects.filter(date=date).exists():
        raise CalendarError(f"{chinese_date(date)}本来就是{'工作日' if is_working_day else '休息日'}，无须录入")
    with transaction.atomic():
        row, created = CalendarDay.objects.select_for_update().get_or_create(
            date=date, defaults={"is_working_day": is_working_day, "name": name[:40]})
        if not created:
            row.is_working_day, row.name = is_working_day, name[:40]
            row.save()
        audit_event(row, event="calendar_day_save", actor=by,
                    changes={"is_working_day": [None, str(is_working_day)], "name": [None, row.name]})
    return row


def calendar_day_delete(*, row, by) -> None:
    from django.db import transaction

    from .audit import audit_event

    if not _may_edit_calendar(by):
        raise PermissionError("只有代表工委工作人员可以修改节假日")
    with transaction.atomic():
        audit_event(row, event="calendar_day_delete", actor=by, note=f"{row.date} {row.name}")
        row.delete()

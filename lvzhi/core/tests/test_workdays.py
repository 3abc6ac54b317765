"""The working-day calendar. Expected dates are worked out by hand from the State Council's 2026 holiday notice:
中秋节 9月25日（周五）至27日放假；国庆节 10月1日至7日放假调休，9月20日（周日）、10月10日（周六）上班."""

import datetime as dt

import pytest

from lvzhi.core.models import CalendarDay
from lvzhi.core.workdays import add_months, add_working_days, explain_months, is_working_day, library_years

pytestmark = pytest.mark.django_db

D = dt.date


def test_official_holidays_and_made_up_working_days_2026():
    assert is_working_day(D(2026, 9, 30))  # Wednesday
    assert not is_working_day(D(2026, 10, 1))  # 国庆节
    assert not is_working_day(D(2026, 10, 7))
    assert not is_working_day(D(2026, 9, 25))  # 中秋节, a Friday
    assert is_working_day(D(2026, 10, 10))  # 调休 Saturday
    assert is_working_day(D(2026, 9, 20))  # 调休 Sunday
    assert not is_working_day(D(2026, 10, 11))  # an ordinary Sunday


def test_twenty_working_days_across_national_day():
    result = add_working_days(D(2026, 9, 28), 20)
    # 9/29, 9/30 (2); 10/1–7 off; 10/8, 10/9, 10/10 Sat (5); 10/12–16 (10); 10/19–23 (15); 10/26–30 (20).
    assert result.date == D(2026, 10, 30)
    assert result.explanation == (
        "自2026年9月28日起20个工作日，至2026年10月30日；跳过国庆节（10月1日—7日）；10月10日（星期六）调休上班计入"
    )


def test_working_days_across_mid_autumn_with_made_up_sunday():
    result = add_working_days(D(2026, 9, 18), 7)
    # 9/20 Sun (1); 9/21–24 (5); 9/25–27 off; 9/28 (6), 9/29 (7).
    assert result.date == D(2026, 9, 29)
    assert "跳过中秋节（9月25日—27日）" in result.explanation
    assert "9月20日（星期日）调休上班计入" in result.explanation


def test_zero_working_days_is_the_day_itself_and_negative_is_refused():
    assert add_working_days(D(2026, 10, 3), 0).date == D(2026, 10, 3)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 10, 3), -1)


def test_a_year_the_library_does_not_know_counts_monday_to_friday_and_says_so():
    year = library_years().stop + 1
    start = D(year, 1, 1)
    result = add_working_days(start, 5)
    expected, counted = start, 0
    while counted < 5:
        expected += dt.timedelta(days=1)
        counted += expected.weekday() < 5
    assert result.date == expected
    assert f"{year}年的节假日尚未录入，按周一至周五计" in result.explanation


def test_the_offices_correction_wins_over_the_library_and_the_weekday_rule():
    year = library_years().stop + 1
    monday = D(year, 3, 1) + dt.timedelta(days=(7 - D(year, 3, 1).weekday()) % 7)
    saturday = monday + dt.timedelta(days=5)
    CalendarDay.objects.create(date=monday, is_working_day=False, name="地方节日")
    CalendarDay.objects.create(date=saturday, is_working_day=True, name="调休上班")
    assert not is_working_day(monday) and is_working_day(saturday)
    result = add_working_days(monday - dt.timedelta(days=1), 5)  # from Sunday: Tue–Fri (4), Saturday (5)
    assert result.date == saturday
    assert "跳过地方节日" in result.explanation and "（星期六）调休上班计入" in result.explanation
    # And over the library inside its years: 2026-10-08 declared a local holiday.
    CalendarDay.objects.create(date=D(2026, 10, 8), is_working_day=False, name="地方节日")
    assert not is_working_day(D(2026, 10, 8))


@pytest.mark.parametrize(("start", "months", "end"), [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2028, 1, 31), 1, D(2028, 2, 29)),
    (D(2026, 11, 30), 3, D(2027, 2, 28)),
    (D(2026, 3, 15), 3, D(2026, 6, 15)),
    (D(2026, 3, 31), -1, D(2026, 2, 28)),
    (D(2026, 12, 8), 12, D(2027, 12, 8)),
])
def test_add_months_keeps_the_day_clamped_to_month_end(start, months, end):
    assert add_months(start, months) == end


def test_months_ending_in_a_holiday_roll_to_the_next_working_day():
    result = explain_months(D(2026, 7, 1), 3)
    assert result.date == D(2026, 10, 8)
    assert result.explanation == (
        "自2026年7月1日起3个月，至2026年10月1日；10月1日—7日为国庆节假期，顺延至2026年10月8日"
    )
    assert explain_months(D(2026, 7, 1), 3, roll_forward=False).date == D(2026, 10, 1)


def test_months_ending_on_a_weekend_roll_to_monday_and_a_working_day_stays():
    assert explain_months(D(2026, 8, 11), 2).date == D(2026, 10, 12)  # 10/11 Sunday → Monday
    assert "为休息日，顺延至2026年10月12日" in explain_months(D(2026, 8, 11), 2).explanation
    plain = explain_months(D(2026, 3, 10), 3)
    assert plain.date == D(2026, 6, 10) and plain.explanation == "自2026年3月10日起3个月，至2026年6月10日"

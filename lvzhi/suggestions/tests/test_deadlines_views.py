import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from lvzhi.core.models import CalendarDay
from lvzhi.core.workdays import is_working_day, library_years
from lvzhi.suggestions.models import HandlingRules
from lvzhi.suggestions.services import deadlines

pytestmark = pytest.mark.django_db

RULES = reverse("suggestions:rules")
CAL = reverse("suggestions:calendar")


def form_data(preset="重庆市条例", **changes):
    return {"preset": preset, **deadlines.PRESETS["重庆市条例"]["values"], **changes}


def test_rules_page_shows_defaults_examples_and_presets(login, office_user):
    response = login(office_user).get(RULES)
    assert response.status_code == 200
    text = response.text
    assert "本级未设置，按代表法默认" in text
    assert "以今天" in text and "起3个月，至" in text and "起7个工作日，至" in text
    for name in deadlines.PRESETS:
        assert f"选用{name}" in text
    assert "第十六条：交办之日起十个工作日内书面说明情况和理由" in text


def test_choosing_a_preset_fills_the_form_and_saving_it_is_audited(login, office_user, regions):
    client = login(office_user)
    response = client.get(RULES, {"preset": "北京市条例"})
    assert 'name="rating_working_days" value="15"' in response.text
    response = client.post(RULES, form_data(remind_before_days=10))
    assert response.status_code == 302
    rules = HandlingRules.objects.get(region=regions["county"])
    assert (rules.preset, rules.return_working_days, rules.remind_before_days) == ("重庆市条例", 10, 10)
    assert LogEntry.objects.filter(additional_data__event="rules_save", actor=office_user).exists()
    assert "依据：重庆市条例" in client.get(RULES).text


def test_bad_rules_input_gets_a_chinese_message_and_nothing_is_saved(login, office_user):
    client = login(office_user)
    response = client.post(RULES, form_data(reply_months=0))
    assert response.status_code == 400 and "不能小于1" in response.text
    response = client.post(RULES, form_data(reply_months=6, max_extension_months=3))
    assert response.status_code == 400 and "延期后最长期限不能短于答复期限" in response.text
    response = client.post(RULES, form_data(return_working_days="十"))
    assert response.status_code == 400 and "请填写整数" in response.text
    assert not HandlingRules.objects.exists()


def test_a_township_inherits_the_countys_rules_and_may_set_its_own(login, township_user, regions):
    HandlingRules.objects.create(region=regions["county"], preset="重庆市条例", return_working_days=10)
    client = login(township_user)
    assert "本级未设置，沿用清源县的规则" in client.get(RULES).text
    assert client.post(RULES, form_data(preset="代表法")).status_code == 302
    assert HandlingRules.objects.get(region=regions["town_a"]).preset == "代表法"


def test_leader_reads_but_may_not_change_rules(login, leader_user):
    client = login(leader_user)
    response = client.get(RULES)
    assert response.status_code == 200 and "保存规则" not in response.text
    assert client.post(RULES, form_data()).status_code == 403
    assert not HandlingRules.objects.exists()


@pytest.mark.parametrize("who", ["deputy_user", "unit_user"])
def test_deputies_and_units_find_no_rules_page(request, login, who):
    client = login(request.getfixturevalue(who))
    assert client.get(RULES).status_code == 404
    assert client.post(RULES, form_data()).status_code == 404
    assert client.get(CAL).status_code == 404


def test_rules_page_wrong_method_and_anonymous(client, login, office_user):
    assert client.get(RULES).status_code == 302  # to the login page
    assert login(office_user).delete(RULES).status_code == 405


def test_the_office_of_another_county_changes_only_its_own(login, outsider_user, regions):
    login(outsider_user).post(RULES, form_data(preset="代表法"))
    assert list(HandlingRules.objects.values_list("region_id", flat=True)) == [regions["other_county"].code]
    assert deadlines.rules_for("439901000000").pk is None


# ------------------------------------------------------------------------------------------- calendar


def test_calendar_lists_the_state_councils_days_and_the_htmx_fragment(login, office_user):
    client = login(office_user)
    response = client.get(CAL, {"year": 2026})
    assert response.status_code == 200
    assert "10月1日 星期四" in response.text and "国庆节" in response.text
    assert "10月10日 星期六" in response.text and "调休上班" in response.text
    fragment = client.get(CAL, {"year": 2026}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="calendar-year"') and "<html" not in fragment.text


def test_office_enters_a_holiday_for_a_year_the_library_does_not_know(login, office_user):
    year = library_years().stop
    day = dt.date(year, 10, 1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    client = login(office_user)
    page = client.get(CAL, {"year": year}).text
    assert f"{year}年的放假安排尚未内置" in page
    response = client.post(CAL, {"date": day.isoformat(), "is_working_day": "0", "name": "国庆节"})
    assert response.status_code == 302 and response.url.endswith(f"?year={year}")
    assert not is_working_day(day)
    assert LogEntry.objects.filter(additional_data__event="calendar_day_save").exists()
    assert "本地录入" in client.get(CAL, {"year": year}).text
    saturday = day + dt.timedelta(days=(5 - day.weekday()) % 7)
    client.post(CAL, {"date": saturday.isoformat(), "is_working_day": "1", "name": "国庆节调休上班"})
    assert is_working_day(saturday)
    row = CalendarDay.objects.get(date=day)
    assert client.post(CAL, {"delete": row.pk}).status_code == 302
    assert is_working_day(day) and not CalendarDay.objects.filter(date=day).exists()


def test_calendar_bad_input_is_explained(login, office_user):
    client = login(office_user)
    response = client.post(CAL, {"date": "2026-13-01", "is_working_day": "0", "name": "国庆节"})
    assert response.status_code == 400 and "请按 2027-10-01 的格式填写日期" in response.text
    response = client.post(CAL, {"date": "2026-10-12", "is_working_day": "1", "name": "多余"})
    assert response.status_code == 400 and "2026年10月12日本来就是工作日，无须录入" in response.text
    response = client.post(CAL, {"date": "2026-10-12", "is_working_day": "0", "name": ""})
    assert response.status_code == 400 and "请写明说明" in response.text
    assert not CalendarDay.objects.exists()


def test_only_the_office_changes_the_calendar(login, township_user, leader_user):
    for user in (township_user, leader_user):
        client = login(user)
        assert client.get(CAL).status_code == 200
        assert client.post(CAL, {"date": "2026-10-12", "is_working_day": "0", "name": "地方节日"}).status_code == 403
    assert not CalendarDay.objects.exists()


def test_an_administrator_finds_and_edits_the_calendar(login, admin_user):
    client = login(admin_user)
    assert CAL in client.get("/", follow=True).text  # the admin's menu
    response = client.post(CAL, {"date": "2026-10-12", "is_working_day": "0", "name": "地方节日"})
    assert response.status_code == 302 and not is_working_day(dt.date(2026, 10, 12))
    assert client.get(RULES).status_code == 404  # the rules belong to a congress's staff

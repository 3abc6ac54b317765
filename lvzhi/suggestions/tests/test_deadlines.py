"""Deadline rules. 2026 dates worked out by hand from the State Council's notice: 中秋节 9月25日—27日；
国庆节 10月1日—7日，9月20日（周日）、10月10日（周六）上班."""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from lvzhi.suggestions.models import HandlingRules
from lvzhi.suggestions.services import deadlines as svc

pytestmark = pytest.mark.django_db

D = dt.date
COUNTY = "439901000000"
TOWN = "439901001000"


def test_defaults_are_the_deputies_law_when_no_office_set_rules(regions):
    rules = svc.rules_for(COUNTY)
    assert rules.pk is None and rules.preset == "代表法"
    assert (rules.reply_months, rules.max_extension_months) == (3, 6)


def test_the_nearest_office_up_the_region_tree_wins(regions):
    HandlingRules.objects.create(region=regions["province"], preset="浙江省规定", reply_months=3,
                                 second_round_months=1)
    county = HandlingRules.objects.create(region=regions["county"], preset="重庆市条例", return_working_days=10)
    assert svc.rules_for(TOWN) == county  # a township congress without its own rules: the county's
    assert svc.rules_for("439901001001") == county
    assert svc.rules_for("439902001000").preset == "浙江省规定"  # another county: up to the province
    assert svc.rules_for("440100000000").pk is None  # outside: defaults


def test_reply_deadline_three_months_rolled_past_national_day(regions):
    deadline = svc.reply_deadline(region_code=COUNTY, assigned_on=D(2026, 7, 1))
    assert deadline.date == D(2026, 10, 8)
    assert deadline.note.startswith("答复期限（依据代表法）：自2026年7月1日起3个月，至2026年10月1日")
    assert "顺延至2026年10月8日" in deadline.note


def test_reply_deadline_second_round_uses_second_round_months(regions):
    HandlingRules.objects.create(region=regions["county"], preset="浙江省规定", second_round_months=1)
    deadline = svc.reply_deadline(region_code=TOWN, assigned_on=D(2026, 3, 10), round=2)
    assert deadline.date == D(2026, 4, 10)
    assert deadline.note.startswith("第2轮重新办理答复期限（依据浙江省规定）")


def test_an_aware_datetime_counts_from_its_local_date(regions):
    from django.utils import timezone

    late_evening = timezone.make_aware(dt.datetime(2026, 3, 10, 23, 30))
    assert svc.reply_deadline(region_code=COUNTY, assigned_on=late_evening).date == D(2026, 6, 10)


def test_extension_limit_is_six_months(regions):
    assert svc.extension_limit(region_code=COUNTY, assigned_on=D(2026, 3, 10)).date == D(2026, 9, 10)


def test_working_day_deadlines_across_national_day_and_a_made_up_saturday(regions):
    HandlingRules.objects.create(region=regions["county"], preset="重庆市条例",
                                 **svc.PRESETS["重庆市条例"]["values"])
    # 10 working days from 9/28: 9/29, 9/30, 10/8, 10/9, 10/10 (Sat, 调休), 10/12–16.
    back = svc.return_window_end(region_code=COUNTY, assigned_on=D(2026, 9, 28))
    assert back.date == D(2026, 10, 16)
    assert "跳过国庆节（10月1日—7日）" in back.note and "10月10日（星期六）调休上班计入" in back.note
    assert back.note.startswith("申请退回期限（依据重庆市条例）")
    # 20 working days: … 10/19–23 (15), 10/26–30 (20).
    assert svc.first_contact_due(region_code=COUNTY, assigned_on=D(2026, 9, 28)).date == D(2026, 10, 30)
    assert svc.rating_due(region_code=COUNTY, replied_on=D(2026, 9, 28)).date == D(2026, 10, 30)
    # 30 working days: … 11/2–6 (25), 11/9–13 (30).
    assert svc.co_opinion_due(region_code=COUNTY, assigned_on=D(2026, 9, 28)).date == D(2026, 11, 13)


def test_follow_up_and_effective_deadline(regions):
    assert svc.follow_up_due(region_code=COUNTY, closed_on=D(2026, 2, 28)) == D(2027, 2, 28)

    class A:
        deadline, extended_to = D(2026, 6, 10), None

    assert svc.effective_deadline(A) == D(2026, 6, 10)
    A.extended_to = D(2026, 9, 10)
    assert svc.effective_deadline(A) == D(2026, 9, 10)


def test_presets_are_complete_and_cite_articles():
    for name, preset in svc.PRESETS.items():
        assert set(preset["values"]) == set(svc.RULE_FIELDS), name
        assert preset["values"]["max_extension_months"] >= preset["values"]["reply_months"]
        assert set(preset["basis"]) <= set(svc.RULE_FIELDS)
        assert all(text.startswith("第") for text in preset["basis"].values())
    assert svc.PRESETS["重庆市条例"]["values"]["return_working_days"] == 10
    assert svc.PRESETS["北京市条例"]["values"]["rating_working_days"] == 15
    assert svc.PRESETS["浙江省规定"]["values"]["second_round_months"] == 1


def test_rules_save_is_audited_and_checked(regions, office_user, unit_user, leader_user):
    values = dict(svc.PRESETS["重庆市条例"]["values"], remind_before_days=10)
    rules = svc.rules_save(region=regions["county"], preset="重庆市条例", values=values, by=office_user)
    assert rules.remind_before_days == 10 and svc.rules_for(COUNTY) == rules
    entry = LogEntry.objects.filter(additional_data__event="rules_save").get()
    assert entry.actor == office_user and entry.changes["remind_before_days"] == ["None", "10"]
    with pytest.raises(PermissionError):
        svc.rules_save(region=regions["county"], preset="代表法", values=values, by=leader_user)
    with pytest.raises(PermissionError):
        svc.rules_save(region=regions["county"], preset="代表法", values=values, by=unit_user)
    with pytest.raises(svc.RulesError):
        svc.rules_save(region=regions["county"], preset="代表法", values=dict(values, max_extension_months=2),
                       by=office_user)
    with pytest.raises(svc.RulesError):
        svc.rules_save(region=regions["county"], preset="山东省", values=values, by=office_user)
    assert HandlingRules.objects.get().remind_before_days == 10

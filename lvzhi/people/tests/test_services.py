import datetime as dt

import pytest

from lvzhi.core.idnumber import make_id_number
from lvzhi.people.models import Mandate, MandateChange
from lvzhi.people.services import (
    RosterError,
    mandate_add,
    mandate_change_status,
    mandate_create,
    mandate_update,
    person_create_with_mandate,
    person_update,
    pinyin_initials,
)

pytestmark = pytest.mark.django_db


def test_pinyin_initials():
    assert pinyin_initials("张三") == "zs"
    assert pinyin_initials("欧阳娜娜") == "oynn"
    assert pinyin_initials("阿依古丽·买买提") == "aygl" + "mmt"


@pytest.fixture
def county_mandate(deputy_person):
    return deputy_person.mandates.get(level=4)


def test_suspend_then_resume_keeps_history(office_user, county_mandate):
    mandate_change_status(by=office_user, mandate=county_mandate, kind="suspended", date=dt.date(2024, 1, 2),
                          reason="因案被羁押")
    mandate_change_status(by=office_user, mandate=county_mandate, kind="resumed", date=dt.date(2024, 4, 2),
                          reason="羁押解除")
    county_mandate.refresh_from_db()
    assert county_mandate.status == Mandate.Status.ACTIVE
    history = [(c.kind, c.from_status, c.to_status, c.reason, c.by) for c in county_mandate.changes.all()]
    assert history == [
        ("elected", "", "active", "", None),
        ("suspended", "active", "suspended", "因案被羁押", office_user),
        ("resumed", "suspended", "active", "羁押解除", office_user),
    ]


def test_resume_an_active_mandate_is_refused_in_chinese(office_user, county_mandate):
    with pytest.raises(RosterError, match="当前状态为「在任」，不能办理「恢复执行职务」"):
        mandate_change_status(by=office_user, mandate=county_mandate, kind="resumed", date=dt.date(2024, 1, 2),
                              reason="x")
    assert county_mandate.changes.count() == 1


def test_an_ended_mandate_cannot_change_again(office_user, county_mandate):
    mandate_change_status(by=office_user, mandate=county_mandate, kind="recalled", date=dt.date(2024, 1, 2),
                          reason="选民罢免")
    county_mandate.refresh_from_db()
    assert (county_mandate.status, county_mandate.end_reason) == ("ended", "recalled")
    with pytest.raises(RosterError, match="当前状态为「终止」"):
        mandate_change_status(by=office_user, mandate=county_mandate, kind="suspended", date=dt.date(2024, 2, 2),
                              reason="x")


def test_ending_needs_a_legal_ground(office_user, county_mandate):
    with pytest.raises(RosterError, match="第六十二条"):
        mandate_change_status(by=office_user, mandate=county_mandate, kind="ended", date=dt.date(2024, 1, 2),
                              reason="x")
    county_mandate.refresh_from_db()
    assert county_mandate.status == "active"


def test_change_needs_a_reason_and_a_sensible_date(office_user, county_mandate):
    with pytest.raises(RosterError, match="原因或依据"):
        mandate_change_status(by=office_user, mandate=county_mandate, kind="suspended", date=dt.date(2024, 1, 2))
    with pytest.raises(RosterError, match="不能晚于今天"):
        mandate_change_status(by=office_user, mandate=county_mandate, kind="suspended",
                              date=dt.date.today() + dt.timedelta(days=1), reason="x")
    with pytest.raises(RosterError, match="不能早于代表资格起始日期"):
        mandate_change_status(by=office_user, mandate=county_mandate, kind="suspended", date=dt.date(2020, 1, 1),
                              reason="x")


def test_status_change_is_audited(office_user, county_mandate):
    from auditlog.models import LogEntry

    mandate_change_status(by=office_user, mandate=county_mandate, kind="suspended", date=dt.date(2024, 1, 2),
                          reason="因案被羁押")
    entry = LogEntry.objects.filter(additional_data__event="status_change").get()
    assert entry.actor == office_user
    assert entry.changes_dict["status"] == ["active", "suspended"]


@pytest.mark.parametrize("fixture", ["leader_user", "deputy_user", "unit_user"])
def test_users_without_roster_edit_are_refused(request, county_mandate, fixture):
    user = request.getfixturevalue(fixture)
    with pytest.raises(RosterError, match="权限"):
        mandate_change_status(by=user, mandate=county_mandate, kind="suspended", date=dt.date(2024, 1, 2), reason="x")


def test_by_election_records_its_kind_and_date(office_user, other_deputy_person, congresses):
    mandate = mandate_add(by=office_user, person=other_deputy_person, term=congresses["town_b"],
                          elected_by="by_election", start_date=dt.date(2024, 6, 1), district_name="河西第三选区")
    change = mandate.changes.get()
    assert (change.kind, change.date, change.by) == (MandateChange.Kind.BY_ELECTION, dt.date(2024, 6, 1), office_user)
    assert mandate.district.name == "河西第三选区"


def test_by_election_needs_a_date_within_the_term(office_user, other_deputy_person, congresses):
    with pytest.raises(RosterError, match="补选"):
        mandate_create(by=office_user, person=other_deputy_person, term=congresses["town_b"], elected_by="by_election")
    with pytest.raises(RosterError, match="任期之内"):
        mandate_create(by=office_user, person=other_deputy_person, term=congresses["town_b"],
                       elected_by="by_election", start_date=dt.date(2020, 1, 1))


def test_a_township_mandate_must_match_where_the_person_lives(office_user, other_deputy_person, congresses):
    with pytest.raises(RosterError, match="不属于城关镇人民代表大会的行政区域"):
        mandate_create(by=office_user, person=other_deputy_person, term=congresses["town_a"])


def test_higher_levels_attach_to_a_resident(office_user, other_deputy_person, congresses):
    mandate = mandate_create(by=office_user, person=other_deputy_person, term=congresses["city"])
    assert mandate.level == 3


def test_create_with_mandate_is_all_or_nothing(office_user, regions, congresses):
    from lvzhi.people.models import Person

    number = make_id_number("439901", dt.date(1980, 1, 1), 5, True)
    with pytest.raises(RosterError):
        person_create_with_mandate(by=office_user, id_number=number, name="周九", gender="男",
                                   region=regions["town_a"], mandate={"term": congresses["town_b"]})
    assert not Person.objects.exists()


def test_districts_and_delegations_are_found_by_name(office_user, deputy_person, congresses):
    mandate = deputy_person.mandates.get(level=4)
    mandate_update(by=office_user, mandate=mandate, district_name="城关第一选区", delegation_name="城关镇代表团")
    other = mandate_add(by=office_user, person=deputy_person, term=congresses["city"], district_name="城关第一选区")
    mandate.refresh_from_db()
    assert mandate.district.term == congresses["county"]
    assert other.district.term == congresses["city"]  # the same name in another term is another district
    same = mandate_update(by=office_user, mandate=mandate, district_name="城关第一选区")
    assert same.district_id == mandate.district_id


def test_mandate_update_does_not_touch_status(office_user, county_mandate):
    with pytest.raises(RosterError, match="不能在此修改"):
        mandate_update(by=office_user, mandate=county_mandate, status="ended")


def test_person_update_moves_mandates_and_initials(office_user, deputy_person, regions):
    person_update(by=office_user, person=deputy_person, name="章三", region=regions["village_a"])
    deputy_person.refresh_from_db()
    assert deputy_person.name_initials == "zs"
    assert set(deputy_person.mandates.values_list("region_code", flat=True)) == {regions["village_a"].code}


def test_person_update_refuses_an_id_number_of_another(office_user, deputy_person, other_deputy_person):
    with pytest.raises(RosterError, match="另一人"):
        person_update(by=office_user, person=deputy_person, id_number=other_deputy_person.id_number)


def test_moving_a_deputy_moves_their_archive(office_user, deputy_person, regions):
    from lvzhi.archive.models import Activity, ActivityKind
    from lvzhi.archive.services import activity_record
    from lvzhi.people.services import person_update

    activity_record(person=deputy_person, kind=ActivityKind.OTHER, when=dt.date(2026, 5, 1), source=deputy_person,
                    title="走访")
    person_update(by=office_user, person=deputy_person, region=regions["town_b"])
    assert set(Activity.objects.filter(person=deputy_person).values_list("region_code", flat=True)) == {
        regions["town_b"].code
    }

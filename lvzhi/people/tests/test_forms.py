"""The roster's forms through their views: add a person with a first mandate, edit, add a mandate (补选), adjust a
mandate, change its status. Bad input shows the form again with Chinese messages and writes nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from lvzhi.core.idnumber import make_id_number
from lvzhi.people.forms import PersonForm, StatusChangeForm
from lvzhi.people.models import Mandate, MandateChange, Person

pytestmark = pytest.mark.django_db

CREATE = reverse("people:person_create")
NEW_ID = make_id_number("439901", dt.date(1982, 7, 9), 77, male=False)


def person_data(regions, congresses, **over):
    data = {
        "name": "孙 丽", "id_number": NEW_ID.lower()[:-1] + NEW_ID[-1].lower(), "gender": "", "birth_date": "",
        "ethnicity": "土家族", "region": regions["village_a"].code, "employer_title": "东门社区 主任",
        "occupation": "其他", "phone": "139-0000-2222",
        "m-term": congresses["town_a"].pk, "m-elected_by": "general", "m-district_name": "东门选区",
        "m-delegation_name": "", "m-is_reelected": "on",
    }
    data.update(over)
    return data


# --- add a person -----------------------------------------------------------------------------------------------


def test_get_the_create_form(login, office_user, congresses):
    response = login(office_user).get(CREATE)
    assert response.status_code == 200
    assert "新增代表" in response.text
    assert "城关镇人民代表大会第十八届" in response.text
    assert "远山县" not in response.text  # terms of other counties are not offered


def test_it_creates_a_person_with_the_first_mandate(login, office_user, regions, congresses):
    response = login(office_user).post(CREATE, person_data(regions, congresses))
    person = Person.objects.get(name="孙丽")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:person", args=[person.pk])
    assert person.id_number == NEW_ID
    assert person.gender == "女"  # taken from the ID number
    assert person.birth_date == dt.date(1982, 7, 1)
    assert person.phone == "13900002222"
    assert person.name_initials == "sl"
    mandate = person.mandates.get()
    assert mandate.level == 5
    assert mandate.is_reelected
    assert mandate.district.name == "东门选区"
    assert mandate.changes.get().kind == MandateChange.Kind.ELECTED


def test_gender_contradicting_the_id_number_is_refused(login, office_user, regions, congresses):
    response = login(office_user).post(CREATE, person_data(regions, congresses, gender="男"))
    assert response.status_code == 200
    assert "性别与身份证号不符" in response.text
    assert not Person.objects.filter(name="孙丽").exists()


def test_birth_contradicting_the_id_number_is_refused(login, office_user, regions, congresses):
    response = login(office_user).post(CREATE, person_data(regions, congresses, birth_date="1982-08"))
    assert "出生年月与身份证号不符：按身份证号应为1982年7月" in response.text
    assert not Person.objects.exists()


def test_birth_in_office_formats_is_accepted(login, office_user, regions, congresses):
    login(office_user).post(CREATE, person_data(regions, congresses, birth_date="1982年7月"))
    assert Person.objects.get().birth_date == dt.date(1982, 7, 1)


def test_bad_checksum_is_refused(login, office_user, regions, congresses):
    wrong = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
    response = login(office_user).post(CREATE, person_data(regions, congresses, id_number=wrong))
    assert "身份证号校验位不正确" in response.text
    assert not Person.objects.exists()


def test_missing_fields_are_named(login, office_user, regions, congresses):
    response = login(office_user).post(CREATE, person_data(regions, congresses, name=" ", id_number="", **{"m-term": ""}))
    assert "请填写姓名" in response.text
    assert "请填写身份证号" in response.text
    assert response.text.count("field-error") >= 3
    assert not Person.objects.exists()


def test_a_duplicate_id_number_is_refused(login, office_user, deputy_person, regions, congresses):
    response = login(office_user).post(CREATE, person_data(regions, congresses, id_number=deputy_person.id_number,
                                                           gender="男", birth_date="1975-03"))
    assert "该身份证号已在名册中" in response.text
    assert Person.objects.count() == 1


def test_a_mandate_refused_by_the_service_writes_nothing(login, office_user, regions, congresses):
    # A 河西乡 deputy cannot live in 城关镇: the person is not kept either.
    data = person_data(regions, congresses, **{"m-term": congresses["town_b"].pk})
    response = login(office_user).post(CREATE, data)
    assert response.status_code == 200
    assert "不属于河西乡人民代表大会的行政区域" in response.text
    assert not Person.objects.exists()


def test_region_outside_scope_is_not_accepted(login, township_user, regions, congresses):
    data = person_data(regions, congresses, region=regions["town_b"].code)
    response = login(township_user).post(CREATE, data)
    assert response.status_code == 200
    assert not Person.objects.exists()


def test_a_bad_phone_is_refused(login, office_user, regions, congresses):
    response = login(office_user).post(CREATE, person_data(regions, congresses, phone="12345"))
    assert "联系电话应为11位手机号" in response.text


@pytest.mark.parametrize("fixture", ["leader_user", "deputy_user", "unit_user"])
def test_read_only_users_are_refused(request, login, regions, congresses, fixture):
    user = request.getfixturevalue(fixture)
    client = login(user)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, person_data(regions, congresses)).status_code == 403
    assert not Person.objects.filter(name="孙丽").exists()


def test_create_wrong_method(login, office_user):
    assert login(office_user).delete(CREATE).status_code == 405


# --- edit -------------------------------------------------------------------------------------------------------


def edit_data(person, **over):
    data = {
        "name": person.name, "id_number": "", "gender": person.gender, "birth_date": f"{person.birth_date:%Y-%m}",
        "ethnicity": person.ethnicity, "native_place": "", "political_status": "中共党员", "education": "大学",
        "region": person.region_id, "employer_title": "城关镇副镇长", "occupation": "党政干部",
        "phone": person.phone_masked,
    }
    data.update(over)
    return data


def test_edit_form_masks_the_id_and_phone(login, office_user, deputy_person):
    response = login(office_user).get(reverse("people:person_edit", args=[deputy_person.pk]))
    assert response.status_code == 200
    assert deputy_person.id_number not in response.text
    assert "13812345678" not in response.text
    assert deputy_person.id_masked in response.text


def test_edit_keeps_id_and_phone_when_left_as_shown(login, office_user, deputy_person):
    response = login(office_user).post(reverse("people:person_edit", args=[deputy_person.pk]), edit_data(deputy_person))
    assert response.status_code == 302
    deputy_person.refresh_from_db()
    assert deputy_person.employer_title == "城关镇副镇长"
    assert deputy_person.phone == "13812345678"
    assert deputy_person.id_number.endswith(deputy_person.id_tail)


def test_edit_checks_gender_against_the_stored_id(login, office_user, deputy_person):
    response = login(office_user).post(reverse("people:person_edit", args=[deputy_person.pk]),
                                       edit_data(deputy_person, gender="女"))
    assert response.status_code == 200
    assert "性别与身份证号不符" in response.text
    deputy_person.refresh_from_db()
    assert deputy_person.gender == "男"
    assert deputy_person.employer_title == "城关镇东门社区党委书记"


def test_edit_moves_the_mandates_with_the_person(login, office_user, deputy_person, regions):
    login(office_user).post(reverse("people:person_edit", args=[deputy_person.pk]),
                            edit_data(deputy_person, region=regions["village_a"].code))
    assert set(deputy_person.mandates.values_list("region_code", flat=True)) == {regions["village_a"].code}


def test_edit_out_of_scope_is_404(login, other_township_user, deputy_person):
    url = reverse("people:person_edit", args=[deputy_person.pk])
    assert login(other_township_user).get(url).status_code == 404
    assert login(other_township_user).post(url, edit_data(deputy_person)).status_code == 404


def test_edit_by_leader_is_403(login, leader_user, deputy_person):
    assert login(leader_user).post(reverse("people:person_edit", args=[deputy_person.pk]),
                                   edit_data(deputy_person)).status_code == 403


def test_a_deputy_cannot_edit_even_themself(login, deputy_user, deputy_person):
    assert login(deputy_user).get(reverse("people:person_edit", args=[deputy_person.pk])).status_code == 403


# --- mandates ---------------------------------------------------------------------------------------------------


def test_add_a_mandate_by_by_election(login, office_user, other_deputy_person, congresses):
    url = reverse("people:mandate_add", args=[other_deputy_person.pk])
    response = login(office_user).post(url, {"term": congresses["town_b"].pk, "elected_by": "by_election",
                                             "start_date": "2024-05-20", "delegation_name": ""})
    assert response.status_code == 302
    mandate = other_deputy_person.mandates.get(level=5)
    assert mandate.elected_by == Mandate.ElectedBy.BY_ELECTION
    assert mandate.start_date == dt.date(2024, 5, 20)
    assert mandate.changes.get().kind == MandateChange.Kind.BY_ELECTION


def test_a_by_election_needs_its_date(login, office_user, other_deputy_person, congresses):
    url = reverse("people:mandate_add", args=[other_deputy_person.pk])
    response = login(office_user).post(url, {"term": congresses["town_b"].pk, "elected_by": "by_election"})
    assert response.status_code == 200
    assert "补选产生的代表请填写补选当选之日" in response.text
    assert other_deputy_person.mandates.count() == 1


def test_a_second_mandate_in_the_same_term_is_refused(login, office_user, deputy_person, congresses):
    url = reverse("people:mandate_add", args=[deputy_person.pk])
    response = login(office_user).post(url, {"term": congresses["county"].pk, "elected_by": "general"})
    assert "已有代表资格" in response.text
    assert deputy_person.mandates.count() == 2


def test_add_mandate_permissions(login, leader_user, outsider_user, deputy_person):
    url = reverse("people:mandate_add", args=[deputy_person.pk])
    assert login(leader_user).get(url).status_code == 403
    assert login(outsider_user).get(url).status_code == 404


def test_adjust_a_mandate(login, office_user, deputy_person, regions):
    from lvzhi.people.models import DeputyGroup, Station

    group = DeputyGroup.objects.create(name="城关片区小组", region=regions["town_a"])
    station = Station.objects.create(name="东门社区代表联络站", region=regions["village_a"])
    mandate = deputy_person.mandates.get(level=4)
    response = login(office_user).post(reverse("people:mandate_edit", args=[mandate.pk]), {
        "district_name": "城关第二选区", "delegation_name": "城关镇代表团", "group": group.pk, "station": station.pk,
        "deputy_number": "18-0042",
    })
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert (mandate.district.name, mandate.delegation.name, mandate.group, mandate.station) == (
        "城关第二选区", "城关镇代表团", group, station)
    assert mandate.status == Mandate.Status.ACTIVE


def test_adjust_refuses_a_group_out_of_scope(login, township_user, deputy_person, regions):
    from lvzhi.people.models import DeputyGroup

    group = DeputyGroup.objects.create(name="河西小组", region=regions["town_b"])
    mandate = deputy_person.mandates.get(level=4)
    response = login(township_user).post(reverse("people:mandate_edit", args=[mandate.pk]), {"group": group.pk})
    assert response.status_code == 200
    mandate.refresh_from_db()
    assert mandate.group is None


# --- status change ----------------------------------------------------------------------------------------------


def status_url(mandate):
    return reverse("people:mandate_status", args=[mandate.pk])


def test_it_offers_only_allowed_changes(login, office_user, deputy_person):
    mandate = deputy_person.mandates.get(level=4)
    form = login(office_user).get(status_url(mandate)).context["form"]
    assert [value for value, _ in form.fields["kind"].choices] == ["suspended", "resigned", "recalled", "ended"]


def test_it_records_a_resignation(login, office_user, deputy_person):
    mandate = deputy_person.mandates.get(level=4)
    response = login(office_user).post(status_url(mandate), {
        "kind": "resigned", "date": "2025-06-30", "reason": "县人大常委会第二十次会议接受辞职",
    })
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert (mandate.status, mandate.end_reason, mandate.end_date) == ("ended", "resigned", dt.date(2025, 6, 30))
    assert [c.kind for c in mandate.changes.all()] == ["elected", "resigned"]


def test_ending_needs_a_ground_of_article_62(login, office_user, deputy_person):
    mandate = deputy_person.mandates.get(level=4)
    response = login(office_user).post(status_url(mandate), {"kind": "ended", "date": "2025-06-30", "reason": "迁出"})
    assert response.status_code == 200
    assert "终止代表资格须选择代表法第六十二条所列的情形" in response.text
    mandate.refresh_from_db()
    assert mandate.status == "active"


def test_ending_with_a_ground(login, office_user, deputy_person):
    mandate = deputy_person.mandates.get(level=4)
    login(office_user).post(status_url(mandate), {"kind": "ended", "date": "2025-06-30", "reason": "调往外省",
                                                  "end_reason": "moved"})
    mandate.refresh_from_db()
    assert (mandate.status, mandate.end_reason) == ("ended", "moved")


def test_a_change_not_allowed_now_is_refused_in_chinese(login, office_user, deputy_person):
    mandate = deputy_person.mandates.get(level=4)
    response = login(office_user).post(status_url(mandate), {"kind": "resumed", "date": "2025-06-30", "reason": "x"})
    assert response.status_code == 200
    assert "当前状态为「在任」，不能办理该变动" in response.text
    assert mandate.changes.count() == 1


def test_a_future_date_or_no_reason_is_refused(login, office_user, deputy_person):
    mandate = deputy_person.mandates.get(level=4)
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = login(office_user).post(status_url(mandate), {"kind": "suspended", "date": future, "reason": " "})
    assert "日期不能晚于今天" in response.text
    assert "请填写原因或依据" in response.text
    assert mandate.changes.count() == 1


def test_an_ended_mandate_offers_no_change(login, office_user, deputy_person):
    from lvzhi.people.services import mandate_change_status

    mandate = deputy_person.mandates.get(level=4)
    mandate_change_status(by=office_user, mandate=mandate, kind="recalled", date=dt.date(2025, 1, 1), reason="罢免")
    response = login(office_user).get(status_url(mandate))
    assert "已终止，不能再办理变动" in response.text


def test_status_change_permissions(login, leader_user, deputy_user, outsider_user, deputy_person):
    mandate = deputy_person.mandates.get(level=4)
    data = {"kind": "suspended", "date": "2025-01-01", "reason": "x"}
    assert login(leader_user).post(status_url(mandate), data).status_code == 403
    assert login(deputy_user).post(status_url(mandate), data).status_code == 403
    assert login(outsider_user).post(status_url(mandate), data).status_code == 404
    mandate.refresh_from_db()
    assert mandate.status == "active"


def test_status_change_wrong_method(login, office_user, deputy_person):
    assert login(office_user).put(status_url(deputy_person.mandates.first())).status_code == 405


# --- the forms on their own -------------------------------------------------------------------------------------


def test_person_form_accepts_lowercase_x_and_spaces(office_user, regions):
    from lvzhi.core.idnumber import make_id_number as make

    number = next(n for n in (make("439901", dt.date(1990, 1, 1), i, True) for i in range(300)) if n.endswith("X"))
    spaced = f"{number[:6]} {number[6:14]} {number[14:].lower()}"
    form = PersonForm({"name": "周 八", "id_number": spaced, "region": regions["town_a"].code}, user=office_user)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == number
    assert form.cleaned_data["name"] == "周八"


def test_person_form_says_when_excel_ate_the_number(office_user, regions):
    form = PersonForm({"name": "周八", "id_number": "4.39901E+17", "region": regions["town_a"].code}, user=office_user)
    assert not form.is_valid()
    assert "科学计数法" in form.errors["id_number"][0]


def test_status_form_kinds_follow_the_current_status(deputy_person):
    mandate = deputy_person.mandates.first()
    mandate.status = Mandate.Status.SUSPENDED
    kinds = [value for value, _ in StatusChangeForm(mandate=mandate).fields["kind"].choices]
    assert kinds == ["resumed", "resigned", "recalled", "ended"]

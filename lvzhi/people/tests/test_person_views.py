import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from lvzhi.people.models import Mandate, MandateChange

pytestmark = pytest.mark.django_db


def url(person):
    return reverse("people:person", args=[person.pk])


def reveal_url(person, field="id_number"):
    return reverse("people:person_reveal", args=[person.pk, field])


def test_it_shows_facts_masked_and_every_mandate(login, office_user, deputy_person):
    response = login(office_user).get(url(deputy_person))
    assert response.status_code == 200
    text = response.text
    assert deputy_person.id_masked in text
    assert deputy_person.id_number not in text
    assert "138****5678" in text
    assert "13812345678" not in text
    assert "清源县人民代表大会第十八届代表" in text
    assert "城关镇人民代表大会第十八届代表" in text
    assert "当选" in text  # the history of each mandate
    assert reverse("archive:person", args=[deputy_person.pk]) in text


def test_it_links_the_personal_handbook_of_a_serving_deputy_only(login, office_user, deputy_person, make_person):
    edition = reverse("handbook:edition", args=[deputy_person.pk])
    assert edition in login(office_user).get(url(deputy_person)).text
    nobody = make_person("王五")  # no mandate: no deputy card for a cover
    assert reverse("handbook:edition", args=[nobody.pk]) not in login(office_user).get(url(nobody)).text


def test_it_offers_reveal_only_with_the_capability(login, office_user, township_user, deputy_person):
    assert "显示完整号码" in login(office_user).get(url(deputy_person)).text
    assert "显示完整号码" not in login(township_user).get(url(deputy_person)).text


def test_it_summarises_this_years_activities(login, office_user, deputy_person):
    from django.contrib.contenttypes.models import ContentType

    from lvzhi.archive.models import Activity
    from lvzhi.core.models import Region

    today = dt.date.today()
    source_type = ContentType.objects.get_for_model(Region)
    for i, kind in enumerate(["training", "training", "reception"]):
        Activity.objects.create(person=deputy_person, kind=kind, date=today, title="x", source_type=source_type,
                                source_id=str(i), region_code=deputy_person.region_id)
    Activity.objects.create(person=deputy_person, kind="training", date=today.replace(year=today.year - 1),
                            title="去年", source_type=source_type, source_id="old", region_code=deputy_person.region_id)
    response = login(office_user).get(url(deputy_person))
    summary = {row["label"]: row["count"] for row in response.context["activity_summary"]}
    assert summary == {"参加培训": 2, "接待群众": 1}


def test_the_history_shows_status_changes(login, office_user, deputy_person):
    from lvzhi.people.services import mandate_change_status

    mandate = deputy_person.mandates.get(level=4)
    mandate_change_status(by=office_user, mandate=mandate, kind="suspended", date=dt.date(2024, 3, 1),
                          reason="因涉嫌犯罪被羁押")
    text = login(office_user).get(url(deputy_person)).text
    assert "因涉嫌犯罪被羁押" in text
    assert "暂停执行职务" in text
    assert "王工委" in text


@pytest.mark.parametrize("fixture", ["outsider_user", "other_township_user", "other_deputy_user", "unit_user"])
def test_out_of_scope_is_404(request, login, deputy_person, fixture):
    user = request.getfixturevalue(fixture)
    assert login(user).get(url(deputy_person)).status_code == 404


def test_a_deputy_sees_their_own_page_without_edit_links(login, deputy_user, deputy_person):
    response = login(deputy_user).get(url(deputy_person))
    assert response.status_code == 200
    assert "编辑信息" not in response.text
    assert "显示完整号码" not in response.text


def test_leader_reads_without_edit_links(login, leader_user, deputy_person):
    response = login(leader_user).get(url(deputy_person))
    assert response.status_code == 200
    assert "编辑信息" not in response.text
    assert "办理资格变动" not in response.text


def test_wrong_method(login, office_user, deputy_person):
    assert login(office_user).post(url(deputy_person)).status_code == 405


def test_unknown_person_is_404(login, office_user, regions):
    assert login(office_user).get(reverse("people:person", args=[999999])).status_code == 404


# --- reveal -----------------------------------------------------------------------------------------------------


def test_reveal_returns_the_full_number_and_audits_it(login, office_user, deputy_person):
    response = login(office_user).post(reveal_url(deputy_person), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert deputy_person.id_number in response.text
    assert "<html" not in response.text
    assert response.text.startswith('<span class="secret" id="secret-id_number">')
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.actor == office_user
    assert entry.object_pk == str(deputy_person.pk)
    assert entry.additional_data == {"event": "reveal", "note": "id_number"}
    assert "no-store" in response["Cache-Control"]


def test_reveal_phone(login, office_user, deputy_person):
    response = login(office_user).post(reveal_url(deputy_person, "phone"), HTTP_HX_REQUEST="true")
    assert "13812345678" in response.text
    assert LogEntry.objects.get(action=LogEntry.Action.ACCESS).additional_data["note"] == "phone"


def test_reveal_without_javascript_renders_the_page(login, office_user, deputy_person):
    response = login(office_user).post(reveal_url(deputy_person))
    assert response.status_code == 200
    assert "<html" in response.text
    assert deputy_person.id_number in response.text
    assert "13812345678" not in response.text  # only what was asked for


@pytest.mark.parametrize("fixture", ["township_user", "leader_user", "deputy_user"])
def test_reveal_needs_the_capability(request, login, deputy_person, fixture):
    user = request.getfixturevalue(fixture)
    response = login(user).post(reveal_url(deputy_person), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_reveal_out_of_scope_is_404(login, outsider_user, deputy_person):
    assert login(outsider_user).post(reveal_url(deputy_person)).status_code == 404
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_reveal_of_another_field_is_404(login, office_user, deputy_person):
    assert login(office_user).post(reveal_url(deputy_person, "name")).status_code == 404


def test_reveal_is_post_only(login, office_user, deputy_person):
    assert login(office_user).get(reveal_url(deputy_person)).status_code == 405
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_person_page_query_count_is_bounded(login, office_user, deputy_person, django_assert_max_num_queries):
    from lvzhi.people.services import mandate_change_status

    client = login(office_user)
    client.get(url(deputy_person))
    for mandate in Mandate.objects.filter(person=deputy_person):
        mandate_change_status(by=office_user, mandate=mandate, kind="suspended", date=dt.date(2024, 1, 1), reason="甲")
        mandate_change_status(by=office_user, mandate=mandate, kind="resumed", date=dt.date(2024, 2, 1), reason="乙")
    assert MandateChange.objects.filter(mandate__person=deputy_person).count() == 6
    with django_assert_max_num_queries(10):
        client.get(url(deputy_person))

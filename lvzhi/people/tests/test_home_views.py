import datetime as dt

import pytest
from django.urls import reverse

from lvzhi.people.services import mandate_change_status, mandate_create

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")


@pytest.fixture
def data(deputy_person, other_deputy_person, make_person, congresses, regions):
    wang = make_person("王五", region=regions["village_a"])
    mandate_create(by=None, person=wang, term=congresses["city"], is_reelected=True)
    zhao = make_person("赵六")
    m = mandate_create(by=None, person=zhao, term=congresses["county"])
    mandate_change_status(by=None, mandate=m, kind="suspended", date=dt.date(2024, 1, 1), reason="x")
    return locals()


def test_office_home_has_totals_and_chart(login, office_user, data):
    response = login(office_user).get(HOME)
    assert response.status_code == 200
    dash = response.context["dash"]
    assert dash["persons"] == 4
    assert {row["label"]: row["count"] for row in dash["by_level"]} == {"全国": 0, "省": 0, "市": 1, "县": 2, "乡镇": 1}
    assert dash["active_total"] == 4
    assert dash["new_this_term"] == 3  # 王五's city mandate is a re-election; 赵六 is suspended
    assert dash["suspended"] == 1
    assert dash["notes_waiting"] == 0
    option = response.context["chart"]
    assert option["xAxis"]["data"] == ["城关镇", "河西乡"]
    county = next(s for s in option["series"] if s["name"] == "县级")
    assert county["data"] == [1, 1]
    assert 'data-chart="chart-by-area"' in response.text
    assert '<script id="chart-by-area" type="application/json">' in response.text
    assert "vendor/echarts.min.js" in response.text


def test_figures_open_the_records_behind_them(login, office_user, data, regions):
    text = login(office_user).get(HOME).text
    assert f"/people/?region={regions['town_a'].code}&amp;status=active" in text
    assert "/people/?level=4&amp;status=active" in text


def test_township_home_is_by_village(login, township_user, data):
    response = login(township_user).get(HOME)
    assert response.context["dash"]["persons"] == 3
    assert response.context["area_label"] == "村（社区）"
    assert [row["name"] for row in response.context["area_rows"]] == ["东门社区"]


def test_leader_home_has_no_edit_links(login, leader_user, data):
    response = login(leader_user).get(HOME)
    assert response.status_code == 200
    assert "新增代表" not in response.text
    assert response.context["dash"]["notes_waiting"] is None


def test_notes_waiting_review_are_counted(login, office_user, deputy_user, data):
    from lvzhi.archive.services import duty_note_submit

    duty_note_submit(by=deputy_user, date=dt.date.today(), kind="duty", title="走访", text="走访东门社区")
    assert login(office_user).get(HOME).context["dash"]["notes_waiting"] == 1


def test_outsider_home_counts_nothing_of_ours(login, outsider_user, data):
    response = login(outsider_user).get(HOME)
    assert response.context["dash"]["persons"] == 0
    assert response.context["chart"] is None


def test_home_query_count_is_bounded(login, office_user, data, make_person, congresses,
                                     django_assert_max_num_queries):
    client = login(office_user)
    client.get(HOME)
    for i in range(20):
        mandate_create(by=None, person=make_person(f"丁{i}"), term=congresses["county"])
    with django_assert_max_num_queries(14):
        client.get(HOME)


def test_home_wrong_method(login, office_user):
    assert login(office_user).post(HOME).status_code == 405


def test_staff_home_refuses_other_roles_if_called(rf, deputy_user):
    from django.core.exceptions import PermissionDenied

    from lvzhi.people.views import staff_home

    request = rf.get("/")
    request.user = deputy_user
    with pytest.raises(PermissionDenied):
        staff_home(request)


def test_a_province_office_gets_figures_kept_for_a_minute(login, data, regions, django_assert_max_num_queries):
    from django.core.cache import cache

    from lvzhi.accounts.models import User

    cache.clear()
    province_user = User.objects.create_user("prov", password="x", role="office", region=regions["province"])
    client = login(province_user)
    first = client.get(HOME)
    assert first.context["dash"]["persons"] == 4
    assert [row["name"] for row in first.context["area_rows"]] == ["示范市"]
    with django_assert_max_num_queries(9):
        again = client.get(HOME)
    assert again.context["dash"]["persons"] == 4
    cache.clear()

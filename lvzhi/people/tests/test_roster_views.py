import pytest
from django.urls import reverse

from lvzhi.people.models import Mandate
from lvzhi.people.services import mandate_change_status, mandate_create

pytestmark = pytest.mark.django_db

URL = reverse("people:roster")


@pytest.fixture
def roster(deputy_person, other_deputy_person, make_person, congresses, regions):
    """张三 (county + 城关镇, 城关镇), 李四 (county, 河西乡), 王五 (城关镇, new), 赵六 (county, suspended)."""
    wang = make_person("王五", occupation="农民", region=regions["village_a"])
    mandate_create(by=None, person=wang, term=congresses["town_a"])
    zhao = make_person("赵六", occupation="工人", employer_title="清源县某厂工人")
    m = mandate_create(by=None, person=zhao, term=congresses["county"], is_reelected=True)
    import datetime as dt

    mandate_change_status(by=None, mandate=m, kind="suspended", date=dt.date(2024, 1, 5), reason="因案羁押")
    return {"zhang": deputy_person, "li": other_deputy_person, "wang": wang, "zhao": zhao}


def names(response):
    return [p.name for p in response.context["page"].object_list]


def test_it_lists_persons_in_scope_in_pinyin_order(login, office_user, roster):
    response = login(office_user).get(URL)
    assert response.status_code == 200
    assert names(response) == ["李四", "王五", "赵六", "张三"]
    assert "代表名册" in response.text
    assert 'class="responsive roster-table"' in response.text


def test_township_staff_see_only_their_township(login, township_user, roster):
    response = login(township_user).get(URL)
    assert names(response) == ["王五", "赵六", "张三"]


def test_outsider_sees_nobody(login, outsider_user, roster):
    response = login(outsider_user).get(URL)
    assert response.status_code == 200
    assert names(response) == []
    assert "没有符合条件的人员" in response.text


def test_leader_may_read(login, leader_user, roster):
    response = login(leader_user).get(URL)
    assert response.status_code == 200
    assert "新增代表" not in response.text


@pytest.mark.parametrize("fixture", ["deputy_user", "unit_user", "admin_user"])
def test_non_staff_are_refused(request, login, fixture):
    user = request.getfixturevalue(fixture)
    assert login(user).get(URL).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_wrong_method(login, office_user):
    assert login(office_user).post(URL).status_code == 405


def test_search_by_pinyin_initials(login, office_user, roster):
    response = login(office_user).get(URL, {"q": "zs"})
    assert names(response) == ["张三"]


def test_search_by_pinyin_initials_prefix_and_case(login, office_user, roster):
    assert names(login(office_user).get(URL, {"q": "Z"})) == ["赵六", "张三"]


def test_search_by_name_contains(login, office_user, roster):
    assert names(login(office_user).get(URL, {"q": "四"})) == ["李四"]
    assert names(login(office_user).get(URL, {"q": " 王 五 "})) == ["王五"]


def test_search_by_part_of_a_longer_name(login, office_user, make_person):
    make_person("欧阳修远")
    make_person("阿依古丽·买买提", gender="女")
    make_person("李李")
    client = login(office_user)
    for q in ("欧阳", "阳修", "修远", "远", "欧阳修远"):
        assert names(client.get(URL, {"q": q})) == ["欧阳修远"], q
    assert names(client.get(URL, {"q": "·买"})) == ["阿依古丽·买买提"]
    assert names(client.get(URL, {"q": "李"})) == ["李李"]  # two matching suffixes, one row
    assert names(client.get(URL, {"q": "欧阳修远大"})) == []


def test_search_follows_a_renamed_person(login, office_user, make_person):
    from lvzhi.people.services import person_update

    person = make_person("王伟")
    person_update(by=office_user, person=person, name="王卫东")
    client = login(office_user)
    assert names(client.get(URL, {"q": "卫东"})) == ["王卫东"]
    assert names(client.get(URL, {"q": "王伟"})) == []


def test_deleting_a_person_deletes_their_search_keys(make_person):
    from lvzhi.people.models import PersonNameKey

    person = make_person("赵钱孙")
    assert sorted(PersonNameKey.objects.filter(person=person).values_list("key", flat=True)) == ["孙", "赵钱孙", "钱孙"]
    person.delete()
    assert not PersonNameKey.objects.exists()


def test_search_by_id_tail(login, office_user, roster):
    zhang = roster["zhang"]
    assert names(login(office_user).get(URL, {"q": zhang.id_tail})) == ["张三"]


def test_search_by_longer_id_tail_and_full_number(login, office_user, roster):
    zhang = roster["zhang"]
    assert names(login(office_user).get(URL, {"q": zhang.id_number[-8:]})) == ["张三"]
    assert names(login(office_user).get(URL, {"q": zhang.id_number})) == ["张三"]
    # Same last four, different earlier digits: no match.
    wrong = ("1" if zhang.id_number[-8] != "1" else "2") + zhang.id_number[-7:]
    assert names(login(office_user).get(URL, {"q": wrong})) == []


def test_search_by_id_tail_ending_in_x(login, office_user, make_person, congresses):
    from lvzhi.core.idnumber import make_id_number

    number = next(n for n in (make_id_number("439901", __import__("datetime").date(1970, 1, 1), i, True)
                              for i in range(200)) if n.endswith("X"))
    from lvzhi.people.services import person_create

    person = person_create(by=None, id_number=number, name="钱七", gender="男", region=congresses["town_a"].congress.region)
    assert names(login(office_user).get(URL, {"q": number[-4:].lower()})) == [person.name]


def test_filter_by_level(login, office_user, roster):
    assert names(login(office_user).get(URL, {"level": 5})) == ["王五", "张三"]
    assert names(login(office_user).get(URL, {"level": 4})) == ["李四", "赵六", "张三"]


def test_filter_by_status_and_level_match_one_mandate(login, office_user, roster):
    assert names(login(office_user).get(URL, {"status": "suspended"})) == ["赵六"]
    assert names(login(office_user).get(URL, {"status": "suspended", "level": 5})) == []


def test_filter_by_region_includes_villages(login, office_user, roster, regions):
    assert names(login(office_user).get(URL, {"region": regions["town_a"].code})) == ["王五", "赵六", "张三"]
    assert names(login(office_user).get(URL, {"region": regions["town_b"].code})) == ["李四"]


def test_region_outside_scope_is_ignored_not_leaked(login, township_user, roster, regions):
    response = login(township_user).get(URL, {"region": regions["town_b"].code})
    assert names(response) == ["王五", "赵六", "张三"]
    assert "部分筛选条件无效" in response.text


def test_filter_by_tenure(login, office_user, roster):
    assert names(login(office_user).get(URL, {"tenure": "reelected"})) == ["赵六"]
    assert "赵六" not in names(login(office_user).get(URL, {"tenure": "new", "level": 4}))


def test_filter_by_occupation(login, office_user, roster):
    assert names(login(office_user).get(URL, {"occupation": "农民"})) == ["王五"]


def test_filter_by_delegation_and_group(login, office_user, roster, congresses, regions):
    from lvzhi.people.models import DeputyGroup
    from lvzhi.people.services import mandate_update

    group = DeputyGroup.objects.create(name="城关第一小组", region=regions["town_a"])
    mandate = Mandate.objects.get(person=roster["zhang"], level=4)
    mandate_update(by=None, mandate=mandate, delegation_name="城关镇代表团", group=group)
    delegation = mandate.delegation if mandate.delegation_id else Mandate.objects.get(pk=mandate.pk).delegation
    assert names(login(office_user).get(URL, {"delegation": delegation.pk})) == ["张三"]
    assert names(login(office_user).get(URL, {"group": group.pk})) == ["张三"]


def test_past_terms_neither_show_nor_match(login, office_user, roster, congresses):
    import datetime as dt

    from lvzhi.people.models import Term

    county = congresses["county"].congress
    old = Term.objects.create(congress=county, number=17, start_date=dt.date(2016, 10, 1), end_date=dt.date(2021, 9, 30))
    mandate_create(by=None, person=roster["wang"], term=old)
    assert "王五" not in names(login(office_user).get(URL, {"level": 4}))


def test_htmx_gets_only_the_results(login, office_user, roster):
    response = login(office_user).get(URL, {"q": "zs"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="roster-results"')
    assert "<html" not in response.text
    assert "张三" in response.text


def test_htmx_history_restore_gets_the_whole_page(login, office_user, roster):
    response = login(office_user).get(URL, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.text


def test_htmx_partial_is_scoped_too(login, deputy_user):
    assert login(deputy_user).get(URL, HTTP_HX_REQUEST="true").status_code == 403


def test_filter_form_works_without_javascript(login, office_user, roster):
    response = login(office_user).get(URL)
    assert 'method="get"' in response.text
    assert 'hx-get="/people/"' in response.text
    assert 'hx-push-url="true"' in response.text


def test_pagination(login, office_user, make_person):
    for i in range(45):
        make_person(f"测试{i:02d}")
    client = login(office_user)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 20
    assert first.context["page"].paginator.num_pages == 3
    third = client.get(URL, {"page": 3})
    assert len(third.context["page"].object_list) == 5
    assert client.get(URL, {"page": "abc"}).status_code == 200
    assert client.get(URL, {"page": 99}).context["page"].number == 3


def test_pagination_keeps_the_filter(login, office_user, make_person):
    for i in range(25):
        make_person(f"测试{i:02d}")
    response = login(office_user).get(URL, {"q": "测试"})
    assert "q=%E6%B5%8B%E8%AF%95&amp;page=2" in response.text


def test_query_count_does_not_grow_with_rows(login, office_user, make_person, congresses, django_assert_max_num_queries):
    client = login(office_user)
    for i in range(3):
        person = make_person(f"甲{i}")
        mandate_create(by=None, person=person, term=congresses["county"])
    client.get(URL)  # warm caches (content types, session)
    with django_assert_max_num_queries(14) as few:
        client.get(URL, {"level": 4})
    for i in range(25):
        person = make_person(f"乙{i}")
        mandate_create(by=None, person=person, term=congresses["county"])
        mandate_create(by=None, person=person, term=congresses["town_a"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL, {"level": 4})


def test_level_filter_uses_exists_not_join(login, office_user, roster):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        login(office_user).get(URL, {"level": 4, "status": "active"})
    page = [q["sql"] for q in ctx.captured_queries if 'FROM "people_person"' in q["sql"] and "EXISTS" in q["sql"]]
    assert len(page) == 1
    assert 'JOIN "people_mandate"' not in page[0] and "DISTINCT" not in page[0]
    # The count reads the mandates' index alone.
    assert any('FROM "people_mandate"' in q["sql"] and "COUNT" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize("params", [
    {"level": 4}, {"status": "suspended"}, {"level": 5, "tenure": "new"}, {"tenure": "reelected", "region": "town_a"},
    {"level": 4, "q": "z"}, {"status": "active", "occupation": "农民"}, {},
])
def test_the_count_agrees_with_the_list(office_user, township_user, roster, regions, params):
    from lvzhi.people.forms import RosterFilterForm
    from lvzhi.people.selectors import roster_count, roster_persons

    if params.get("region"):
        params = {**params, "region": regions[params["region"]].code}
    for user in (office_user, township_user):
        form = RosterFilterForm(params, user=user)
        form.is_valid()
        flt = form.to_filter()
        assert roster_count(user=user, flt=flt) == roster_persons(user=user, flt=flt).count()


def test_name_search_pages_in_roster_order(login, office_user, make_person, django_assert_max_num_queries):
    for i in range(23):
        make_person(f"测试{chr(0x4e00 + i)}")  # 一丁丂…: several initials, so the order is checked
    client = login(office_user)
    first = client.get(URL, {"q": "测试"})
    second = client.get(URL, {"q": "测试", "page": 2})
    assert first.context["page"].paginator.count == 23
    listed = names(first) + names(second)
    assert len(listed) == 23
    from lvzhi.people.models import Person

    assert listed == list(Person.objects.order_by("name_initials", "id").values_list("name", flat=True))
    with django_assert_max_num_queries(14):
        client.get(URL, {"q": "测试", "page": 2, "level": 4})


def test_selects_list_a_bounded_number_of_options(login, office_user, roster, regions, monkeypatch):
    from lvzhi.people import forms
    from lvzhi.people.models import DeputyGroup

    monkeypatch.setattr(forms, "CHOICE_LIMIT", 2)
    groups = [DeputyGroup.objects.create(name=f"城关第{i}小组", region=regions["town_a"]) for i in range(3)]
    mandate = Mandate.objects.get(person=roster["zhang"], level=4)
    from lvzhi.people.services import mandate_update

    mandate_update(by=None, mandate=mandate, group=groups[2])
    client = login(office_user)
    response = client.get(URL)
    assert "请先选择区域" in response.text
    assert "城关第0小组" not in response.text
    # A valid value still filters, and is shown as chosen.
    response = client.get(URL, {"group": groups[2].pk})
    assert names(response) == ["张三"]
    assert f'<option value="{groups[2].pk}" selected>城关第2小组</option>' in response.text


def test_choosing_a_region_narrows_the_group_select(login, office_user, roster, regions):
    from lvzhi.people.models import DeputyGroup

    DeputyGroup.objects.create(name="城关小组", region=regions["town_a"])
    DeputyGroup.objects.create(name="河西小组", region=regions["town_b"])
    client = login(office_user)
    assert "河西小组" in client.get(URL).text
    response = client.get(URL, {"region": regions["town_a"].code}, HTTP_HX_REQUEST="true")
    assert 'id="slot-group" class="select-slot" hx-swap-oob="true"' in response.text
    assert "城关小组" in response.text
    assert "河西小组" not in response.text


def test_the_full_page_has_no_out_of_band_copies(login, office_user, roster):
    assert "hx-swap-oob" not in login(office_user).get(URL).text


def test_a_province_list_stops_counting_at_the_cap(login, roster, regions, monkeypatch):
    from lvzhi.accounts.models import User
    from lvzhi.people import selectors

    monkeypatch.setattr(selectors, "ROSTER_COUNT_CAP", 2)
    province_user = User.objects.create_user("prov", password="x", role="office", region=regions["province"])
    response = login(province_user).get(URL)
    assert "超过 2 人" in response.text
    assert len(names(response)) == 3  # pages reach as far as was counted

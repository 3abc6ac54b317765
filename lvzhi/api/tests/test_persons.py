import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from lvzhi.archive.models import Activity, DutyNote
from lvzhi.archive.services import activity_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(deputy_person, other_deputy_person, make_person, regions, congresses):
    from lvzhi.people.services import mandate_create

    wang = make_person("王伟", region=regions["village_a"], phone="13700001234")
    mandate_create(by=None, person=wang, term=congresses["city"])
    far = make_person("赵远", region=regions["other_town"])
    mandate_create(by=None, person=far, term=congresses["other_county"])
    return {"zhang": deputy_person, "li": other_deputy_person, "wang": wang, "far": far}


def names(response):
    return [item["name"] for item in response.json()["items"]]


def test_office_lists_its_county_masked(api_as, office_user, roster):
    response = api_as(office_user).get("/api/persons")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3 and sorted(names(response)) == ["张三", "李四", "王伟"]
    zhang = next(item for item in data["items"] if item["name"] == "张三")
    assert zhang["id_masked"] == roster["zhang"].id_masked and "*" in zhang["id_masked"]
    assert zhang["phone_masked"] == "138****5678"
    assert zhang["region"] == {"code": "439901001000", "name": "城关镇"}
    assert roster["zhang"].id_number not in response.content.decode()


def test_township_sees_only_its_township(api_as, township_user, roster):
    assert sorted(names(api_as(township_user).get("/api/persons"))) == ["张三", "王伟"]


def test_a_deputy_sees_only_themself(api_as, deputy_user, roster):
    assert names(api_as(deputy_user).get("/api/persons")) == ["张三"]


def test_outsiders_and_units_see_nobody_here(api_as, outsider_user, unit_user, roster):
    assert names(api_as(outsider_user).get("/api/persons")) == ["赵远"]
    assert api_as(unit_user).get("/api/persons").json()["count"] == 0


@pytest.mark.parametrize("q, expected", [("zs", ["张三"]), ("ZS", ["张三"]), ("王", ["王伟"]), ("李四", ["李四"])])
def test_search_by_name_and_initials(api_as, office_user, roster, q, expected):
    assert names(api_as(office_user).get("/api/persons", {"q": q})) == expected


def test_search_by_id_tail(api_as, office_user, roster):
    tail = roster["li"].id_number[-4:]
    assert "李四" in names(api_as(office_user).get("/api/persons", {"q": tail}))


def test_filter_by_level_and_region(api_as, office_user, roster):
    client = api_as(office_user)
    assert names(client.get("/api/persons", {"level": 3})) == ["王伟"]
    assert sorted(names(client.get("/api/persons", {"region": "439901001000"}))) == ["张三", "王伟"]
    assert names(client.get("/api/persons", {"region": "439901001001"})) == ["王伟"]


def test_a_region_outside_scope_filters_to_nothing(api_as, township_user, roster):
    assert names(api_as(township_user).get("/api/persons", {"region": "439901002000"})) == []


def test_pagination(api_as, office_user, roster):
    client = api_as(office_user)
    first = client.get("/api/persons", {"page_size": 2}).json()
    second = client.get("/api/persons", {"page_size": 2, "page": 2}).json()
    beyond = client.get("/api/persons", {"page_size": 2, "page": 50}).json()
    assert (first["count"], len(first["items"]), len(second["items"]), beyond["items"]) == (3, 2, 1, [])
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})


@pytest.mark.parametrize("params, field", [
    ({"page": "abc"}, "页码"), ({"page": 0}, "页码"), ({"page": 10 ** 30}, "页码"), ({"page_size": 1000}, "每页条数"),
    ({"level": 9}, "层级"), ({"level": "县"}, "层级"), ({"region": "4399"}, "区划代码"),
    ({"region": "43990100100x"}, "区划代码"), ({"q": "x" * 51}, "搜索词"), ({"q": "a\x00b"}, "搜索词"),
])
def test_bad_query_parameters_are_422(api_as, office_user, params, field):
    response = api_as(office_user).get("/api/persons", params)
    assert response.status_code == 422
    data = response.json()
    assert data["detail"].startswith("请求参数有误") and field in data["detail"]
    assert data["errors"][0]["field"] == field


def test_an_unknown_region_is_404(api_as, office_user):
    response = api_as(office_user).get("/api/persons", {"region": "439901999000"})
    assert response.status_code == 404 and "不存在" in response.json()["detail"]


def test_list_query_count_does_not_grow(api_as, office_user, roster, make_person, congresses,
                                        django_assert_max_num_queries):
    from lvzhi.people.services import mandate_create

    client = api_as(office_user)
    client.get("/api/persons")  # the first use of a token records last_used_at
    with django_assert_max_num_queries(8) as few:
        client.get("/api/persons")
    for i in range(15):
        mandate_create(by=None, person=make_person(f"代表{i}"), term=congresses["county"])
    with django_assert_max_num_queries(8) as many:
        client.get("/api/persons")
    assert len(few) == len(many)


def test_persons_refuses_post(api_as, office_user):
    assert api_as(office_user).post("/api/persons", {}, content_type="application/json").status_code == 405


def test_persons_needs_authentication():
    assert Client().get("/api/persons").status_code == 401


# /api/persons/{id}

def test_person_detail_with_mandates(api_as, office_user, deputy_person):
    response = api_as(office_user).get(f"/api/persons/{deputy_person.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["name"] == "张三" and data["employer_title"] == "城关镇东门社区党委书记"
    assert data["id_masked"] == deputy_person.id_masked and data["phone_masked"] == "138****5678"
    assert {m["level_label"] for m in data["mandates"]} == {"县人大代表", "乡镇人大代表"}
    assert {m["congress"] for m in data["mandates"]} == {"清源县人民代表大会", "城关镇人民代表大会"}
    assert all(m["term"] == "第十八届" and m["status_label"] == "在任" for m in data["mandates"])
    assert deputy_person.id_number not in response.content.decode()


def test_a_deputy_reads_themself(api_as, deputy_user, deputy_person):
    assert api_as(deputy_user).get(f"/api/persons/{deputy_person.pk}").status_code == 200


@pytest.mark.parametrize("user", ["other_deputy_user", "outsider_user", "other_township_user", "unit_user",
                                  "admin_user"])
def test_person_out_of_scope_is_404(request, api_as, user, deputy_person):
    response = api_as(request.getfixturevalue(user)).get(f"/api/persons/{deputy_person.pk}")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到，或不在您的权限范围内"


def test_a_person_that_does_not_exist_is_404(api_as, office_user):
    assert api_as(office_user).get("/api/persons/987654").status_code == 404


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "1.5", str(2 ** 63), str(10 ** 40)])
def test_a_malformed_person_id_is_422(api_as, office_user, bad):
    response = api_as(office_user).get(f"/api/persons/{bad}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "人员编号"


def test_person_detail_refuses_delete(api_as, office_user, deputy_person):
    assert api_as(office_user).delete(f"/api/persons/{deputy_person.pk}").status_code == 405


# /api/persons/{id}/activities

@pytest.fixture
def activities(deputy_person, other_deputy_person):
    """One activity recorded through the service and six more in bulk, over 2025 and 2026."""
    activity_record(person=deputy_person, kind="reception", source=other_deputy_person, when=dt.date(2025, 3, 1),
                    title="接待群众", hours=0)
    ct = ContentType.objects.get_for_model(DutyNote)
    Activity.objects.bulk_create([
        Activity(person=deputy_person, kind="training" if i % 2 else "reception", date=dt.date(2025 + i % 2, 3, 1 + i),
                 title=f"批量{i}", hours=1, source_type=ct, source_id=str(1000 + i), region_code=deputy_person.region_id)
        for i in range(6)
    ])


def test_person_activities(api_as, township_user, deputy_person, activities):
    data = api_as(township_user).get(f"/api/persons/{deputy_person.pk}/activities").json()
    assert data["count"] == 7
    first = data["items"][0]
    assert set(first) == {"id", "date", "kind", "kind_label", "title", "hours", "source"}


def test_person_activities_filters(api_as, township_user, deputy_person, activities):
    client = api_as(township_user)
    data = client.get(f"/api/persons/{deputy_person.pk}/activities", {"year": 2026, "kind": "training"}).json()
    assert data["count"] == 3 and all(i["kind"] == "training" and i["date"].startswith("2026") for i in data["items"])


@pytest.mark.parametrize("params", [{"year": "今年"}, {"year": 1800}, {"kind": "dancing"}, {"page_size": 0}])
def test_person_activities_bad_params(api_as, township_user, deputy_person, params):
    response = api_as(township_user).get(f"/api/persons/{deputy_person.pk}/activities", params)
    assert response.status_code == 422


@pytest.mark.parametrize("user", ["other_deputy_user", "outsider_user", "other_township_user"])
def test_person_activities_out_of_scope(request, api_as, user, deputy_person, activities):
    response = api_as(request.getfixturevalue(user)).get(f"/api/persons/{deputy_person.pk}/activities")
    assert response.status_code == 404

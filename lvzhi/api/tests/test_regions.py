import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_top_level_regions(api_as, office_user):
    data = api_as(office_user).get("/api/regions").json()
    assert data == [{"code": "430000000000", "name": "湖南省", "level": 1, "level_label": "省", "kind": "",
                     "parent": None, "has_children": True}]


def test_children_of_a_region(api_as, deputy_user):
    data = api_as(deputy_user).get("/api/regions", {"parent": "439901000000"}).json()
    assert [(r["name"], r["has_children"]) for r in data] == [("城关镇", True), ("河西乡", False)]
    assert all(r["parent"] == "439901000000" for r in data)


@pytest.mark.parametrize("parent", ["4399", "abc", "4399010000001", "43990100000x"])
def test_a_malformed_code_is_422(api_as, office_user, parent):
    response = api_as(office_user).get("/api/regions", {"parent": parent})
    assert response.status_code == 422 and "上级区划代码" in response.json()["detail"]


def test_an_unknown_code_is_404(api_as, office_user, regions):
    assert api_as(office_user).get("/api/regions", {"parent": "439999000000"}).status_code == 404


def test_regions_need_authentication(regions):
    assert Client().get("/api/regions").status_code == 401


def test_regions_refuse_post(api_as, office_user):
    assert api_as(office_user).post("/api/regions").status_code == 405

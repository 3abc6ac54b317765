import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_me_for_a_deputy(api_as, deputy_user, deputy_person):
    data = api_as(deputy_user).get("/api/me").json()
    assert data["role"] == "deputy" and data["role_label"] == "代表"
    assert data["region"] is None and data["unit"] is None
    person = data["person"]
    assert person["id"] == deputy_person.pk and person["name"] == "张三"
    assert person["id_masked"] == deputy_person.id_masked and person["phone_masked"] == "138****5678"
    assert sorted(person["levels"]) == ["乡镇人大代表", "县人大代表"]
    assert data["capabilities"] == ["notes.write"]


def test_me_never_shows_full_personal_numbers(api_as, deputy_user, deputy_person):
    body = api_as(deputy_user).get("/api/me").content.decode()
    assert deputy_person.id_number not in body and "13812345678" not in body


def test_me_for_staff(api_as, township_user):
    data = api_as(township_user).get("/api/me").json()
    assert data["region"] == {"code": "439901001000", "name": "城关镇"}
    assert data["person"] is None
    assert "notes.review" in data["capabilities"]


def test_me_for_a_unit_handler(api_as, unit_user, unit):
    assert api_as(unit_user).get("/api/me").json()["unit"] == {"id": unit.pk, "name": "清源县交通运输局"}


def test_me_needs_authentication():
    assert Client().get("/api/me").status_code == 401


def test_me_refuses_post(api_as, deputy_user):
    assert api_as(deputy_user).post("/api/me").status_code == 405

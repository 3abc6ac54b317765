"""Named users for every role, on a small region tree: county 439901 with two townships, and a second
county 439902 whose staff are outsiders to everything in the first."""

import datetime as dt
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Lvzhi-Test-2026"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def regions(db):
    from lvzhi.core.models import Region

    L = Region.Level
    province = Region.objects.create(code="430000000000", name="湖南省", level=L.PROVINCE)
    city = Region.objects.create(code="439900000000", name="示范市", level=L.CITY, parent=province)
    county = Region.objects.create(code="439901000000", name="清源县", level=L.COUNTY, parent=city)
    town_a = Region.objects.create(code="439901001000", name="城关镇", level=L.TOWNSHIP, parent=county, kind="镇")
    town_b = Region.objects.create(code="439901002000", name="河西乡", level=L.TOWNSHIP, parent=county, kind="乡")
    village_a = Region.objects.create(code="439901001001", name="东门社区", level=L.VILLAGE, parent=town_a, kind="社区")
    other_county = Region.objects.create(code="439902000000", name="远山县", level=L.COUNTY, parent=city)
    other_town = Region.objects.create(code="439902001000", name="远山镇", level=L.TOWNSHIP, parent=other_county, kind="镇")
    return {
        "province": province, "city": city, "county": county, "town_a": town_a, "town_b": town_b,
        "village_a": village_a, "other_county": other_county, "other_town": other_town,
    }


@pytest.fixture
def congresses(regions):
    from lvzhi.people.models import Congress, Level, Term

    def make(level, region, name):
        congress = Congress.objects.create(level=level, region=region, name=name)
        term = Term.objects.create(congress=congress, number=18, start_date=dt.date(2021, 10, 1), is_current=True)
        return term

    return {
        "province": make(Level.PROVINCE, regions["province"], "湖南省人民代表大会"),
        "city": make(Level.CITY, regions["city"], "示范市人民代表大会"),
        "county": make(Level.COUNTY, regions["county"], "清源县人民代表大会"),
        "town_a": make(Level.TOWNSHIP, regions["town_a"], "城关镇人民代表大会"),
        "town_b": make(Level.TOWNSHIP, regions["town_b"], "河西乡人民代表大会"),
        "other_county": make(Level.COUNTY, regions["other_county"], "远山县人民代表大会"),
    }


@pytest.fixture
def make_person(regions):
    from lvzhi.core.idnumber import make_id_number
    from lvzhi.people.services import person_create

    counter = {"n": 0}

    def make(name="张三", region=None, gender="男", birth=dt.date(1975, 3, 12), phone="13812345678", **fields):
        counter["n"] += 1
        number = make_id_number("439901", birth, counter["n"], gender == "男")
        return person_create(by=None, id_number=number, name=name, gender=gender, birth_date=birth.replace(day=1),
                             phone=phone, region=region or regions["town_a"], **fields)

    return make


@pytest.fixture
def deputy_person(make_person, congresses):
    from lvzhi.people.services import mandate_create

    person = make_person("张三", ethnicity="汉族", employer_title="城关镇东门社区党委书记")
    mandate_create(by=None, person=person, term=congresses["county"])
    mandate_create(by=None, person=person, term=congresses["town_a"])
    return person


@pytest.fixture
def other_deputy_person(make_person, congresses, regions):
    from lvzhi.people.services import mandate_create

    person = make_person("李四", region=regions["town_b"], gender="女", birth=dt.date(1980, 6, 1), phone="13900001111")
    mandate_create(by=None, person=person, term=congresses["county"])
    return person


@pytest.fixture
def unit(regions):
    from lvzhi.people.models import Unit

    return Unit.objects.create(name="清源县交通运输局", short_name="交通局", region=regions["county"])


def _user(username, role, **fields):
    from lvzhi.accounts.models import User

    return User.objects.create_user(username=username, password=PASSWORD, role=role, **fields)


@pytest.fixture
def office_user(regions):
    return _user("office", "office", region=regions["county"], display_name="王工委")


@pytest.fixture
def township_user(regions):
    return _user("town", "township", region=regions["town_a"], display_name="城关镇人大")


@pytest.fixture
def other_township_user(regions):
    return _user("town_b", "township", region=regions["town_b"], display_name="河西乡人大")


@pytest.fixture
def leader_user(regions):
    return _user("leader", "leader", region=regions["county"], display_name="赵主任")


@pytest.fixture
def deputy_user(deputy_person):
    return _user("deputy", "deputy", person=deputy_person, display_name="张三")


@pytest.fixture
def other_deputy_user(other_deputy_person):
    return _user("deputy2", "deputy", person=other_deputy_person, display_name="李四")


@pytest.fixture
def unit_user(unit):
    return _user("unit", "unit", unit=unit, display_name="交通局经办人")


@pytest.fixture
def admin_user(regions):
    return _user("admin", "admin", region=regions["county"], display_name="管理员", is_staff=True)


@pytest.fixture
def outsider_user(regions):
    """Office staff of another county: everything in 439901 is out of their scope."""
    return _user("outsider", "office", region=regions["other_county"], display_name="远山县工委")


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do

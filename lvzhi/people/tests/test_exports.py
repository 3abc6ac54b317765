import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lvzhi.people.services import mandate_create

pytestmark = pytest.mark.django_db

XLSX = reverse("people:export_xlsx")
PDF = reverse("people:export_pdf")


@pytest.fixture
def persons(deputy_person, other_deputy_person, make_person, congresses):
    sneaky = make_person("王五", employer_title="=HYPERLINK(\"http://evil\")", native_place="+86")
    mandate_create(by=None, person=sneaky, term=congresses["county"])
    return [deputy_person, other_deputy_person, sneaky]


def sheet_rows(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_excel_export_of_the_current_filter(login, office_user, persons):
    response = login(office_user).get(XLSX, {"level": 5})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    rows = sheet_rows(response)
    assert rows[0][0] == "代表名册（乡镇级代表）"
    header = rows[1]
    assert header[:5] == ["序号", "姓名", "性别", "民族", "出生年月"]
    data = [r for r in rows[2:] if r and r[1]]
    assert [r[1] for r in data] == ["张三"]
    zhang = dict(zip(header, data[0], strict=False))
    assert zhang["代表层级"] == "县、乡镇"
    assert zhang["身份证号"] == persons[0].id_masked
    assert zhang["联系电话"] == "138****5678"
    assert zhang["出生年月"] == "1975.03"


def test_excel_cells_cannot_start_a_formula(login, office_user, persons):
    rows = sheet_rows(login(office_user).get(XLSX, {"q": "ww"}))
    header, wang = rows[1], next(r for r in rows[2:] if r[1] == "王五")
    record = dict(zip(header, wang, strict=False))
    assert record["工作单位及职务"] == "'=HYPERLINK(\"http://evil\")"
    assert record["籍贯"] == "'+86"


def test_excel_export_is_scoped(login, township_user, persons):
    rows = sheet_rows(login(township_user).get(XLSX))
    names = [r[1] for r in rows[2:] if r and r[1] and isinstance(r[0], int)]
    assert "李四" not in names
    assert set(names) == {"张三", "王五"}


def test_export_is_audited(login, office_user, persons):
    from auditlog.models import LogEntry

    login(office_user).get(XLSX, {"level": 4})
    entry = LogEntry.objects.get(additional_data__event="roster_export")
    assert entry.actor == office_user
    assert "县级代表" in entry.additional_data["note"]


def test_pdf_export(login, leader_user, persons):
    response = login(leader_user).get(PDF, {"status": "active"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_pdf_renders_the_title_and_date(persons, office_user, rf):
    from lvzhi.core.documents import render_pdf
    from lvzhi.people.selectors import RosterFilter

    pdf = render_pdf("people/roster_pdf.html", {"rows": [], "flt": RosterFilter(labels=["县级代表"]),
                                                "printed": "2026年11月22日", "area": "清源县"})
    assert pdf.startswith(b"%PDF")


def test_too_many_rows_are_refused_with_advice(login, office_user, persons, monkeypatch):
    from lvzhi.people import views

    monkeypatch.setattr(views, "PDF_MAX_ROWS", 2)
    response = login(office_user).get(PDF, {"q": ""}, follow=True)
    assert "超过PDF导出上限" in response.text


@pytest.mark.parametrize("url", [XLSX, PDF])
@pytest.mark.parametrize("fixture", ["deputy_user", "unit_user", "admin_user"])
def test_export_needs_the_capability(request, login, url, fixture):
    user = request.getfixturevalue(fixture)
    assert login(user).get(url).status_code == 403


@pytest.mark.parametrize("url", [XLSX, PDF])
def test_export_wrong_method(login, office_user, url):
    assert login(office_user).post(url).status_code == 405


def test_outsider_exports_nobody(login, outsider_user, persons):
    rows = sheet_rows(login(outsider_user).get(XLSX))
    assert not [r for r in rows[2:] if r and isinstance(r[0], int)]


def test_export_query_count_does_not_grow(login, office_user, make_person, congresses, django_assert_max_num_queries):
    client = login(office_user)
    client.get(XLSX)
    for i in range(30):
        person = make_person(f"丙{i}")
        mandate_create(by=None, person=person, term=congresses["county"])
    with django_assert_max_num_queries(14):
        client.get(XLSX)

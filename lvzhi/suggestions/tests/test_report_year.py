"""The year-end report: page, PDF and Excel with the figures, the ranking, key suggestions and second rounds."""

import datetime as dt
import subprocess
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lvzhi.suggestions.models import Supervision

from .test_reports import build  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_data(build):  # noqa: F811
    key = build(replied=dt.date(2026, 5, 1), verdict="satisfied", is_key=True, key_leader="李副主任")
    Supervision.objects.create(suggestion=key, kind="visit", date=dt.date(2026, 4, 10), participants="李副主任",
                               findings="现场查看东门路")
    build(replied=dt.date(2026, 5, 1), verdict="satisfied", round=2, title="关于河西乡饮水安全的建议")
    return key


def test_year_report_page(year_data, build, login, office_user, other_unit,  # noqa: F811
                          django_assert_max_num_queries):
    client = login(office_user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("suggestions:year_report") + "?year=2026")
    for _ in range(4):
        key = build(other_unit, replied=dt.date(2026, 5, 1), is_key=True, round=2)
        Supervision.objects.create(suggestion=key, kind="meeting", date=dt.date(2026, 4, 10), participants="委员会",
                                   findings="督办会")
    with django_assert_max_num_queries(14):
        response = client.get(reverse("suggestions:year_report") + "?year=2026")
    body = response.content.decode()
    assert response.status_code == 200
    assert "现场查看东门路" in body and "关于河西乡饮水安全的建议" in body and "百分考核排名" in body


def test_year_report_pdf(year_data, login, office_user, tmp_path):
    response = login(office_user).get(reverse("suggestions:year_report_pdf") + "?year=2026")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "代表建议办理情况通报" in text and "现场查看东门路" in text


def test_year_report_xlsx(year_data, login, office_user):
    response = login(office_user).get(reverse("suggestions:year_report_xlsx") + "?year=2026")
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["概况", "各承办单位", "各类别", "百分考核", "重点建议", "重新办理"]
    assert wb["重点建议"].cell(2, 4).value == "李副主任"
    assert wb["各承办单位"].cell(2, 2).value == 2


def test_year_report_staff_only(login, unit_user, deputy_user, client):
    for user in (unit_user, deputy_user):
        assert login(user).get(reverse("suggestions:year_report")).status_code == 403
    assert client.post(reverse("suggestions:year_report_pdf")).status_code == 405


def test_year_report_out_of_scope_sees_nothing(year_data, login, township_user):
    body = login(township_user).get(reverse("suggestions:year_report") + "?year=2026").content.decode()
    assert "现场查看东门路" not in body

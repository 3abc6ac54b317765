"""Roster export: the format import reads, full ID numbers as text, no formula from user text."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from lvzhi.core.excel import safe_cell, unquote_cell
from lvzhi.core.models import Region
from lvzhi.people.models import Level, Mandate, Person
from lvzhi.people.roster_io import export_roster, import_roster, roster_persons
from lvzhi.people.services import mandate_change_status, mandate_create

from .roster_files import id_number, person, xlsx

pytestmark = pytest.mark.django_db


def exported(scope_prefix="439901"):
    buffer = io.BytesIO()
    count = export_roster(roster_persons(scope_prefix), buffer, title="清源县人大代表名册")
    return count, buffer.getvalue()


def sheet_of(content):
    return load_workbook(io.BytesIO(content)).active


def rows_by_header(sheet):
    values = list(sheet.values)
    headers = values[1]
    return [dict(zip(headers, row, strict=True)) for row in values[2:]]


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("＝1+1", "'＝1+1"), ("\t=1", "'\t=1"), ("张三", "张三"), ("", ""), (None, None), (-5, -5), (1.5, 1.5),
    (dt.date(2026, 1, 1), dt.date(2026, 1, 1)),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_unquote_cell_undoes_safe_cell_only():
    assert unquote_cell(safe_cell("=1+2")) == "=1+2"
    assert unquote_cell("'普通文字") == "'普通文字"


def test_export_writes_title_header_and_one_row_per_person(congresses):
    import_roster(xlsx([person(1, 代表层级="市、县、乡镇"), person(2, 代表层级="乡镇", 选区="城关第三选区")]),
                  scope_prefix="439901")
    count, content = exported()
    sheet = sheet_of(content)
    assert count == 2
    assert sheet["A1"].value == "清源县人大代表名册"
    assert "A1:Q1" in {str(r) for r in sheet.merged_cells.ranges}
    rows = rows_by_header(sheet)
    assert [r["序号"] for r in rows] == [1, 2]
    first = next(r for r in rows if r["姓名"] == "测试乙1")
    assert first["代表层级"] == "市、县、乡镇"
    assert first["身份证号"] == id_number(1)
    assert first["出生年月"] == "1975.03"
    assert first["乡镇（街道）"] == "城关镇"
    assert first["选区"] == "第一选区" and first["代表团"] == "城关镇代表团" and first["代表小组"] == "东门小组"
    assert first["联系电话"] == "13812340001"
    assert first["是否连任"] == "否"
    second = next(r for r in rows if r["姓名"] == "测试丙2")
    assert second["代表层级"] == "乡镇" and second["选区"] == "城关第三选区"


def test_id_numbers_are_text_cells(congresses):
    import_roster(xlsx([person(1)]), scope_prefix="439901")
    sheet = sheet_of(exported()[1])
    headers = [c.value for c in sheet[2]]
    cell = sheet.cell(row=3, column=headers.index("身份证号") + 1)
    assert cell.data_type == "s"
    assert cell.number_format == "@"


def test_user_text_never_starts_a_formula(congresses, make_person):
    target = make_person("张三", employer_title="=HYPERLINK(\"http://evil\",\"点我\")", native_place="@SUM(1)",
                         phone="-13812345678")
    mandate_create(by=None, person=target, term=congresses["county"])
    sheet = sheet_of(exported()[1])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@"))
    [row] = rows_by_header(sheet)
    assert row["工作单位及职务"] == "'=HYPERLINK(\"http://evil\",\"点我\")"


def test_export_import_round_trip_changes_nothing(congresses):
    source = xlsx([person(1, 代表层级="市、县、乡镇", 是否连任="是"), person(2, 代表层级="乡镇"),
                   person(3, town="河西乡", 工作单位及职务="-负责人", male=False, 性别="女")])
    assert import_roster(source, scope_prefix="439901").ok
    _, content = exported()
    again = import_roster(content, scope_prefix="439901")
    assert again.ok, again.errors
    assert again.result["unchanged"] == 3
    assert again.result["created_persons"] == again.result["updated_persons"] == again.result["created_mandates"] == 0
    assert again.result["updated_mandates"] == 0


def test_export_import_round_trip_into_an_empty_roster(congresses):
    import_roster(xlsx([person(1, 代表层级="市、县、乡镇", 是否连任="是"), person(2, 代表层级="镇", 联系电话="0731-84561234"),
                        person(3)]), scope_prefix="439901")
    Person.objects.filter(name="测试丁3").update(employer_title="=1+2")  # typed in the roster form

    def snapshot():
        people = {p.id_number: (p.name, p.gender, p.birth_date, p.ethnicity, p.native_place, p.political_status,
                                p.education, p.employer_title, p.phone, p.region_id, p.name_initials)
                  for p in Person.objects.all()}
        mandates = sorted((m.person.id_number, m.term_id, m.district.name if m.district else "",
                           m.delegation.name if m.delegation else "", m.group.name if m.group else "", m.is_reelected)
                          for m in Mandate.objects.select_related("person", "district", "delegation", "group"))
        return people, mandates

    before = snapshot()
    _, content = exported()
    Person.objects.all().delete()
    assert import_roster(content, scope_prefix="439901").ok
    assert snapshot() == before
    assert Person.objects.get(name="测试丁3").employer_title == "=1+2"


def test_ended_mandates_and_persons_without_mandates_are_left_out(congresses, make_person):
    holder = make_person("张三")
    county = mandate_create(by=None, person=holder, term=congresses["county"])
    mandate_create(by=None, person=holder, term=congresses["town_a"])
    mandate_change_status(by=None, mandate=county, kind="resigned", date=dt.date(2024, 1, 1), reason="本人申请")
    make_person("李四", birth=dt.date(1980, 1, 1))
    [row] = rows_by_header(sheet_of(exported()[1]))
    assert row["姓名"] == "张三" and row["代表层级"] == "乡镇"


def test_same_township_names_are_qualified_with_the_county(congresses, regions, make_person):
    twin = Region.objects.create(code="439902002000", name="城关镇", level=Region.Level.TOWNSHIP,
                                 parent=regions["other_county"], kind="镇")
    a = make_person("张三")
    b = make_person("李四", region=twin, birth=dt.date(1980, 1, 1))
    mandate_create(by=None, person=a, term=congresses["city"])
    mandate_create(by=None, person=b, term=congresses["city"])
    rows = rows_by_header(sheet_of(exported("4399")[1]))
    assert {r["乡镇（街道）"] for r in rows} == {"清源县城关镇", "远山县城关镇"}
    assert import_roster(exported("4399")[1], scope_prefix="4399").result["unchanged"] == 2


def test_export_command(congresses, regions, make_person, tmp_path, capsys):
    here = make_person("张三")
    there = make_person("远方", region=regions["other_town"], birth=dt.date(1980, 1, 1))
    mandate_create(by=None, person=here, term=congresses["county"])
    mandate_create(by=None, person=there, term=congresses["other_county"])
    path = tmp_path / "名册.xlsx"
    call_command("export_roster", str(path), "--region", "439901000000")
    assert "已导出 1 人" in capsys.readouterr().out
    sheet = sheet_of(path.read_bytes())
    assert sheet["A1"].value == "清源县人大代表名册"
    assert [r["姓名"] for r in rows_by_header(sheet)] == ["张三"]
    call_command("export_roster", str(path))
    assert len(rows_by_header(sheet_of(path.read_bytes()))) == 2


def test_export_levels_are_joined_highest_first(congresses, make_person):
    holder = make_person("张三")
    for key in ("town_a", "county", "city"):
        mandate_create(by=None, person=holder, term=congresses[key])
    [row] = rows_by_header(sheet_of(exported()[1]))
    assert row["代表层级"] == "市、县、乡镇"
    assert Mandate.objects.filter(level=Level.CITY).exists()

"""Roster import from the Excel files offices keep: one test per case of the issue, each file built here."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from lvzhi.core.models import Region
from lvzhi.people import roster_io
from lvzhi.people.models import (
    Congress,
    Delegation,
    DeputyGroup,
    ElectoralDistrict,
    Level,
    Mandate,
    MandateChange,
    Person,
    PersonNameKey,
    Term,
)
from lvzhi.people.roster_io import import_roster, parse_levels, parse_roster

from .roster_files import HEADERS, id_number, person, xlsx

pytestmark = pytest.mark.django_db

SCOPE = "439901"
FIRST = 3  # title row, header row, then the first person


def run(content, **kwargs):
    kwargs.setdefault("scope_prefix", SCOPE)
    return import_roster(content, **kwargs)


def errors_of(content, **kwargs):
    return [str(e) for e in run(content, **kwargs).errors]


# --- the happy path -------------------------------------------------------------------------------


def test_it_imports_persons_and_mandates(congresses, regions):
    outcome = run(xlsx([person(1), person(2, 代表层级="乡镇", male=False, 性别="女")]))
    assert outcome.ok, outcome.errors
    assert outcome.result["created_persons"] == 2
    assert outcome.result["created_mandates"] == 3
    first = Person.objects.get(name="测试乙1")
    assert first.id_number == id_number(1)
    assert first.id_masked == "439901********" + id_number(1)[-4:]
    assert first.name_initials == "csy1"
    assert first.birth_date == dt.date(1975, 3, 1)
    assert first.region == regions["town_a"]
    assert first.phone == "13812340001"
    mandates = {m.level: m for m in first.mandates.all()}
    assert set(mandates) == {Level.COUNTY, Level.TOWNSHIP}
    assert mandates[Level.COUNTY].term == congresses["county"]
    assert mandates[Level.TOWNSHIP].term == congresses["town_a"]
    assert all(m.region_code == regions["town_a"].code for m in mandates.values())
    assert MandateChange.objects.filter(mandate__person=first, kind=MandateChange.Kind.ELECTED).count() == 2


def test_it_attaches_district_delegation_and_group_to_the_county_mandate(congresses, regions):
    run(xlsx([person(1)]))
    county = Mandate.objects.get(level=Level.COUNTY)
    town = Mandate.objects.get(level=Level.TOWNSHIP)
    assert county.district.name == "第一选区" and county.district.term == congresses["county"]
    assert county.delegation.name == "城关镇代表团" and county.delegation.term == congresses["county"]
    assert county.group.name == "东门小组" and county.group.region == regions["town_a"]
    assert town.district is None and town.delegation is None and town.group is None


def test_it_attaches_the_district_to_the_township_mandate_when_it_is_the_only_one(congresses):
    run(xlsx([person(1, 代表层级="镇人大代表", 代表团=None)]))
    mandate = Mandate.objects.get()
    assert mandate.level == Level.TOWNSHIP
    assert mandate.district.term == congresses["town_a"]


def test_it_reuses_existing_districts_and_groups(congresses, regions):
    district = ElectoralDistrict.objects.create(term=congresses["county"], name="第一选区")
    group = DeputyGroup.objects.create(region=regions["town_a"], name="东门小组")
    run(xlsx([person(1), person(2)]))
    assert ElectoralDistrict.objects.get() == district
    assert DeputyGroup.objects.get() == group
    assert Delegation.objects.count() == 1
    assert Mandate.objects.filter(district=district, group=group).count() == 2


def test_it_records_one_audit_row_per_person_created(congresses, office_user):
    run(xlsx([person(1), person(2)]), actor=office_user, source="测试.xlsx")
    entries = LogEntry.objects.filter(additional_data__event="import")
    assert entries.count() == 2
    assert {e.actor for e in entries} == {office_user}
    assert all(e.action == LogEntry.Action.CREATE for e in entries)
    assert not any(id_number(1) in str(e.changes) for e in entries)


def test_reelected_column_sets_the_mandate(congresses):
    run(xlsx([person(1, 是否连任="是"), person(2, 是否连任="新任")]))
    assert Mandate.objects.get(level=Level.COUNTY, person__name="测试乙1").is_reelected
    assert not Mandate.objects.get(level=Level.COUNTY, person__name="测试丙2").is_reelected


# --- where the header is and what it says ------------------------------------------------------------


def test_header_below_merged_title_and_filler_rows(congresses):
    content = xlsx([person(1), person(2, 身份证号="123")], above=[["填报单位：清源县人大常委会代表工委", None, "2026年1月"], []])
    errors = errors_of(content)
    # title, 填报单位, empty row, header → the second person is on Excel row 6
    assert errors == ["第6行 身份证号：身份证号应为18位，最后一位可以是X"]
    assert run(xlsx([person(1)], above=[["填报单位：清源县人大常委会"]])).ok


def test_header_as_the_very_first_row(congresses):
    assert run(xlsx([person(1)], title=None)).ok
    assert Person.objects.count() == 1


def test_columns_in_any_order(congresses):
    shuffled = list(reversed(HEADERS))
    outcome = run(xlsx([person(1)], headers=shuffled))
    assert outcome.ok, outcome.errors
    assert Person.objects.get().employer_title == "城关镇东门社区党委书记"


def test_header_cells_with_spaces_line_breaks_and_fullwidth_brackets(congresses):
    header_map = {"姓名": "姓　名", "出生年月": "出生\n年月", "乡镇（街道）": "乡镇(街道)", "身份证号": " 身份证号码 ",
                  "代表层级": "*代表层级", "工作单位及职务": "工作单位\n及职务", "联系电话": "联系 电话"}
    outcome = run(xlsx([person(1)], header_map=header_map))
    assert outcome.ok, outcome.errors
    saved = Person.objects.get()
    assert saved.employer_title == "城关镇东门社区党委书记"
    assert saved.phone == "13812340001"


def test_work_unit_and_title_in_two_columns(congresses):
    headers = [h for h in HEADERS if h != "工作单位及职务"] + ["工作单位", "职务"]
    run(xlsx([person(1, 工作单位="清源县交通运输局", 职务="局长")], headers=headers))
    assert Person.objects.get().employer_title == "清源县交通运输局局长"


def test_two_row_header_with_merged_cells(congresses):
    """工作单位及职务 merged over 工作单位 | 职务; the other header cells merged down over both rows."""
    workbook = Workbook()
    sheet = workbook.active
    top = ["姓名", "身份证号", "代表层级", "乡镇（街道）", "工作单位及职务", None]
    sub = [None, None, None, None, "工作单位", "职务"]
    sheet.append(["清源县人大代表名册"])
    sheet.merge_cells("A1:F1")
    sheet.append(top)
    sheet.append(sub)
    for col in "ABCD":
        sheet.merge_cells(f"{col}2:{col}3")
    sheet.merge_cells("E2:F2")
    sheet.append(["王伟", id_number(7), "县", "城关镇", "清源县教育局", "副局长"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = run(buffer.getvalue())
    assert outcome.ok, outcome.errors
    assert Person.objects.get().employer_title == "清源县教育局副局长"


def test_roster_on_a_later_sheet(congresses):
    def add_instructions_first(sheet):
        notes = sheet.parent.create_sheet("填表说明", 0)
        notes.append(["填表说明：身份证号请设为文本格式"])

    assert run(xlsx([person(1)], sheet_setup=add_instructions_first)).ok
    assert Person.objects.count() == 1


def test_missing_required_column(congresses):
    headers = [h for h in HEADERS if h != "身份证号"]
    assert errors_of(xlsx([person(1)], headers=headers)) == ["第2行 身份证号：表头中没有这一列（必填列）"]


def test_no_header_at_all(congresses):
    content = xlsx([], headers=["甲", "乙"], title="随便一个表")
    [error] = errors_of(content)
    assert error.startswith("表头：前30行中没有找到表头")


def test_not_an_xlsx_file(congresses):
    [error] = errors_of(b"\xd0\xcf\x11\xe0 an old xls file")
    assert "不是 .xlsx 格式" in error


def test_empty_table(congresses):
    assert errors_of(xlsx([])) == ["文件：表格中没有代表数据"]


def test_note_lines_under_the_table_are_skipped(congresses):
    def add_footer(sheet):
        sheet.append([])
        sheet.append([None, "填表人：李明"])
        sheet.append([None, "注：代表层级多个的用顿号分隔"])

    assert run(xlsx([person(1)], sheet_setup=add_footer)).ok


def test_a_hint_line_under_the_header_is_skipped(congresses):
    hint = {h: "（必填）" for h in ("姓名", "身份证号", "代表层级", "乡镇（街道）")}
    outcome = run(xlsx([hint, person(1)]))
    assert outcome.ok, outcome.errors
    assert Person.objects.count() == 1


# --- values as people type them ---------------------------------------------------------------------------


def test_whitespace_inside_names_removed_middle_dot_kept(congresses):
    run(xlsx([person(1, 姓名="王　伟"), person(2, 姓名=" 阿依古丽 · 买买提 ")]))
    assert set(Person.objects.values_list("name", flat=True)) == {"王伟", "阿依古丽·买买提"}


def test_fullwidth_digits_and_phones_with_dashes(congresses):
    wide = id_number(1).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    run(xlsx([person(1, 身份证号=wide, 联系电话="１３８-１２３４-５６７８"), person(2, 联系电话="0731 - 84561234")]))
    assert Person.objects.get(name="测试乙1").phone == "13812345678"
    assert Person.objects.get(name="测试丙2").phone == "0731-84561234"


def test_phone_stored_as_a_number(congresses):
    run(xlsx([person(1, 联系电话=13812345678)]))
    assert Person.objects.get().phone == "13812345678"


def test_id_number_with_spaces_and_lowercase_x(congresses):
    number = next(id_number(n) for n in range(1, 200) if id_number(n).endswith("X"))
    typed = f"{number[:6]} {number[6:14]} {number[14:-1]}x"
    outcome = run(xlsx([person(1, 身份证号=typed)]))
    assert outcome.ok, outcome.errors
    assert Person.objects.get().id_number == number


@pytest.mark.parametrize("written", ["1975.03", "1975年3月", "1975-03", "1975/3", 197503, "197503", 1975.03,
                                     dt.datetime(1975, 3, 12), dt.date(1975, 3, 1), "1975年03月12日"])
def test_birth_month_in_every_shape(congresses, written):
    outcome = run(xlsx([person(1, 出生年月=written)]))
    assert outcome.ok, outcome.errors
    assert Person.objects.get().birth_date == dt.date(1975, 3, 1)


@pytest.mark.parametrize("written, levels", [
    ("全国", [Level.NATIONAL]), ("省", [Level.PROVINCE]), ("省级", [Level.PROVINCE]), ("市", [Level.CITY]),
    ("市级", [Level.CITY]), ("县", [Level.COUNTY]), ("县级", [Level.COUNTY]), ("区", [Level.COUNTY]),
    ("区级", [Level.COUNTY]), ("乡", [Level.TOWNSHIP]), ("镇", [Level.TOWNSHIP]), ("乡镇", [Level.TOWNSHIP]),
    ("乡镇级", [Level.TOWNSHIP]), ("街道", [Level.TOWNSHIP]), ("县人大代表", [Level.COUNTY]),
    ("镇人大代表", [Level.TOWNSHIP]), ("全国人大代表", [Level.NATIONAL]), ("市、县", [Level.CITY, Level.COUNTY]),
    ("市，县", [Level.CITY, Level.COUNTY]), ("县/镇", [Level.COUNTY, Level.TOWNSHIP]),
    ("省级、市级、县级", [Level.PROVINCE, Level.CITY, Level.COUNTY]), ("乡（镇）", [Level.TOWNSHIP]),
    ("县人大代表、镇人大代表", [Level.COUNTY, Level.TOWNSHIP]),
])
def test_level_forms(written, levels):
    assert parse_levels(written) == levels


def test_several_levels_mean_several_mandates(congresses):
    outcome = run(xlsx([person(1, 代表层级="省、市、县、镇")]))
    assert outcome.ok, outcome.errors
    terms = set(Mandate.objects.values_list("term", flat=True))
    assert terms == {congresses[k].pk for k in ("province", "city", "county", "town_a")}
    # 选区 and 代表团 describe the lowest level above the township: the county mandate
    assert Mandate.objects.get(level=Level.COUNTY).district.name == "第一选区"
    assert Mandate.objects.get(level=Level.CITY).district is None


def test_national_level_attaches_to_the_national_congress(congresses, regions):
    national = Congress.objects.create(level=Level.NATIONAL, region=regions["province"], name="全国人民代表大会")
    term = Term.objects.create(congress=national, number=14, start_date=dt.date(2023, 3, 5), is_current=True)
    run(xlsx([person(1, 代表层级="全国")]))
    assert Mandate.objects.get().term == term


def test_township_decides_the_township_congress_and_region(congresses, regions):
    run(xlsx([person(1, town="河西乡")]))
    saved = Person.objects.get()
    assert saved.region == regions["town_b"]
    assert saved.mandates.get(level=Level.TOWNSHIP).term == congresses["town_b"]


@pytest.mark.parametrize("written", ["清源县城关镇", "城关", "城关镇人民政府", "示范市清源县城关镇"])
def test_township_full_names_and_names_without_suffix(congresses, regions, written):
    outcome = run(xlsx([person(1, town=written)]))
    assert outcome.ok, outcome.errors
    assert Person.objects.get().region == regions["town_a"]


def test_ambiguous_township_name_asks_for_the_full_name(congresses, regions):
    Region.objects.create(code="439902002000", name="城关镇", level=Region.Level.TOWNSHIP,
                          parent=regions["other_county"], kind="镇")
    content = xlsx([person(1), person(2, town="清源县城关镇")])
    errors = errors_of(content, scope_prefix="4399")
    assert errors == ["第3行 乡镇（街道）：「城关镇」对应多个乡镇（街道）：清源县城关镇、远山县城关镇，请写全称"]


# --- refusals --------------------------------------------------------------------------------------------------


def test_refuses_a_wrong_checksum(congresses):
    number = id_number(1)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert errors_of(xlsx([person(1, 身份证号=wrong)])) == [f"第{FIRST}行 身份证号：身份证号校验位不正确，请核对是否抄错"]


def test_refuses_an_impossible_birth_date_in_the_id(congresses):
    from lvzhi.core.idnumber import check_digit

    body = "43990119750231001"
    assert errors_of(xlsx([person(1, 身份证号=body + check_digit(body), 出生年月=None)])) == [
        f"第{FIRST}行 身份证号：身份证号中的出生日期不存在"
    ]


@pytest.mark.parametrize("stored", [439901197503120011, 4.39901197503120e17])
def test_refuses_an_id_stored_as_a_number(congresses, stored):
    [error] = errors_of(xlsx([person(1, 身份证号=stored)]))
    assert error.startswith(f"第{FIRST}行 身份证号：")
    assert "末几位已丢失" in error


@pytest.mark.parametrize("column", ["姓名", "身份证号", "代表层级", "乡镇（街道）"])
def test_refuses_a_missing_required_value(congresses, column):
    errors = errors_of(xlsx([person(1, **{column: "  "})]))
    assert f"第{FIRST}行 {column}：不能为空（必填）" in errors


def test_refuses_a_township_outside_the_region_tree(congresses):
    assert errors_of(xlsx([person(1, town="远山镇"), person(2, town="不存在镇")])) == [
        f"第{FIRST}行 乡镇（街道）：「远山镇」不是本单位管辖范围内的乡镇（街道），请核对名称",
        f"第{FIRST + 1}行 乡镇（街道）：「不存在镇」不是本单位管辖范围内的乡镇（街道），请核对名称",
    ]


def test_refuses_an_unknown_level(congresses):
    assert errors_of(xlsx([person(1, 代表层级="县、村")])) == [
        f"第{FIRST}行 代表层级：无法识别「村」，应为全国、省、市、县（区）、乡镇（街道）之一，多个层级用、分隔（如：市、县）"
    ]


def test_refuses_a_level_whose_congress_is_not_set_up(congresses):
    assert errors_of(xlsx([person(1, 代表层级="全国")])) == [
        f"第{FIRST}行 代表层级：系统中没有全国级人民代表大会的本届（届次），请管理员先在配置中建立"
    ]


def test_refuses_a_gender_contradicting_the_id(congresses):
    assert errors_of(xlsx([person(1, 性别="女")])) == [f"第{FIRST}行 性别：与身份证号不一致（身份证号显示为男）"]


def test_refuses_a_birth_month_contradicting_the_id(congresses):
    assert errors_of(xlsx([person(1, 出生年月="1976.03")])) == [
        f"第{FIRST}行 出生年月：与身份证号中的出生日期（1975年3月）不一致"
    ]


def test_refuses_an_unreadable_birth_month(congresses):
    assert errors_of(xlsx([person(1, 出生年月="七五年")])) == [
        f"第{FIRST}行 出生年月：无法识别「七五年」，请写成1975.03、1975年3月或1975-03"
    ]


def test_refuses_the_same_id_twice_in_the_file(congresses):
    assert errors_of(xlsx([person(1), person(2), person(1, 姓名="别名")])) == [
        f"第{FIRST + 2}行 身份证号：与第{FIRST}行重复；同一人只写一行，多个层级写在同一格，用、分隔"
    ]


def test_refuses_a_bad_phone(congresses):
    assert errors_of(xlsx([person(1, 联系电话="无")])) == [
        f"第{FIRST}行 联系电话：「无」不是有效的电话号码，请写成13812345678或0731-84561234"
    ]


def test_refuses_a_person_registered_outside_the_scope(congresses, regions, make_person):
    outsider = make_person("远方", region=regions["other_town"])
    errors = errors_of(xlsx([person(1, 身份证号=outsider.id_number)]))
    assert errors == [f"第{FIRST}行 身份证号：此人已登记在本单位管辖范围以外的地区；如已迁入，请先由原所在地办理迁出，或联系上级人大"]


def test_reports_every_error_of_every_row(congresses):
    content = xlsx([person(1, 性别="女", 出生年月="1980.01"), person(2), person(3, 代表层级="村", town="")])
    assert errors_of(content) == [
        f"第{FIRST}行 性别：与身份证号不一致（身份证号显示为男）",
        f"第{FIRST}行 出生年月：与身份证号中的出生日期（1975年3月）不一致",
        f"第{FIRST + 2}行 乡镇（街道）：不能为空（必填）",
        f"第{FIRST + 2}行 代表层级：无法识别「村」，应为全国、省、市、县（区）、乡镇（街道）之一，多个层级用、分隔（如：市、县）",
    ]


# --- all or nothing, idempotence, updates ----------------------------------------------------------------------------


def test_nothing_is_written_when_one_row_is_bad(congresses):
    outcome = run(xlsx([person(1), person(2), person(3, 身份证号="1234")]))
    assert not outcome.ok and not outcome.applied
    assert Person.objects.count() == 0
    assert Mandate.objects.count() == 0
    assert ElectoralDistrict.objects.count() == 0


def test_importing_the_same_file_twice_changes_nothing(congresses):
    content = xlsx([person(1), person(2)])
    run(content)
    stamps = dict(Person.objects.values_list("pk", "updated_at"))
    counts = (Person.objects.count(), Mandate.objects.count(), MandateChange.objects.count(), LogEntry.objects.count())
    again = run(content)
    assert again.ok
    assert again.result == {"created_persons": 0, "updated_persons": 0, "created_mandates": 0, "updated_mandates": 0,
                            "unchanged": 2}
    assert dict(Person.objects.values_list("pk", "updated_at")) == stamps
    assert counts == (Person.objects.count(), Mandate.objects.count(), MandateChange.objects.count(),
                      LogEntry.objects.count())


def test_a_changed_row_updates_the_person(congresses, regions):
    run(xlsx([person(1), person(2)]))
    outcome = run(xlsx([
        person(1, 姓名="张新", 联系电话="13900000000", 工作单位及职务="清源县财政局局长", town="河西乡",
               代表层级="市、县、乡", 选区="第二选区"),
        person(2),
    ]))
    assert outcome.ok, outcome.errors
    assert outcome.result["updated_persons"] == 1 and outcome.result["unchanged"] == 1
    changed = Person.objects.get(id_hash=roster_io.keyed_hash(id_number(1)))
    assert (changed.name, changed.name_initials, changed.phone) == ("张新", "zx", "13900000000")
    assert changed.employer_title == "清源县财政局局长"
    assert changed.region == regions["town_b"]
    assert set(changed.mandates.values_list("term", flat=True)) == {
        congresses["city"].pk, congresses["county"].pk, congresses["town_a"].pk, congresses["town_b"].pk}
    assert set(changed.mandates.values_list("region_code", flat=True)) == {regions["town_b"].code}
    assert changed.mandates.get(level=Level.COUNTY).district.name == "第二选区"
    [update] = LogEntry.objects.filter(action=LogEntry.Action.UPDATE, additional_data__event="import")
    assert update.changes["phone"] == ["138****0001", "139****0000"]
    # The name search follows both the imported and the renamed persons.
    keys = dict(PersonNameKey.objects.filter(key__in=["新", "丙2"]).values_list("key", "person__name"))
    assert keys == {"新": "张新", "丙2": "测试丙2"}


def test_empty_cells_do_not_erase_stored_values(congresses):
    run(xlsx([person(1)]))
    outcome = run(xlsx([person(1, 联系电话=None, 民族="", 选区=None)]))
    assert outcome.result["unchanged"] == 1
    saved = Person.objects.get()
    assert saved.phone == "13812340001" and saved.ethnicity == "汉族"


def test_a_person_entered_by_hand_is_matched_by_id_number(congresses, make_person):
    existing = make_person("张三", ethnicity="汉族")
    outcome = run(xlsx([person(1, 姓名="张三", 身份证号=existing.id_number, 联系电话=existing.phone,
                               工作单位及职务="", 籍贯="", 政治面貌="", 文化程度="", 代表层级="县")]))
    assert outcome.result["created_persons"] == 0
    assert outcome.result["created_mandates"] == 1
    assert outcome.result["updated_persons"] == 0
    assert Person.objects.count() == 1


def test_a_village_region_is_kept_when_the_township_is_the_same(congresses, regions, make_person):
    existing = make_person("张三", region=regions["village_a"])
    run(xlsx([person(1, 姓名="张三", 身份证号=existing.id_number, 联系电话=existing.phone)]))
    existing.refresh_from_db()
    assert existing.region == regions["village_a"]


def test_preview_lists_new_updated_and_unchanged(congresses):
    run(xlsx([person(1), person(2)]))
    content = xlsx([person(1, 联系电话="13900000000"), person(2, 代表层级="市、县、乡镇"), person(3)])
    parsed = parse_roster(content, scope_prefix=SCOPE)
    plan = roster_io.plan_import(parsed)
    summary = plan.summary()
    assert (summary["new_persons"], summary["updated_persons"], summary["new_mandates"], summary["unchanged"]) == (
        1, 1, 3, 0)
    assert summary["updated_persons_list"] == [
        {"row": FIRST, "name": "测试乙1", "changes": [["联系电话", "138****0001", "139****0000"]]}]
    assert summary["new_mandates_list"] == [{"row": FIRST + 1, "name": "测试丙2", "level": "市"}]
    assert summary["new_persons_list"][0]["levels"] == "县、乡镇"
    assert Person.objects.count() == 2  # planning writes nothing


def test_progress_is_reported(congresses, monkeypatch):
    monkeypatch.setattr(roster_io, "PROGRESS_EVERY", 2)
    seen = []
    parse_roster(xlsx([person(n) for n in range(1, 6)]), scope_prefix=SCOPE, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(2, 5), (4, 5), (5, 5)]


# --- the management command ---------------------------------------------------------------------------------------


def _file(tmp_path, content):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(content)
    return str(path)


def test_command_imports_and_exits_zero(congresses, tmp_path, capsys):
    call_command("import_roster", _file(tmp_path, xlsx([person(1)])), "--region", "439901000000")
    assert Person.objects.count() == 1
    assert "新增人员 1" in capsys.readouterr().out


def test_command_dry_run_writes_nothing_and_exits_zero(congresses, tmp_path, capsys):
    call_command("import_roster", _file(tmp_path, xlsx([person(1)])), "--dry-run", "--region", "439901000000")
    assert Person.objects.count() == 0
    assert "试导入" in capsys.readouterr().out


def test_command_dry_run_with_errors_exits_one_and_prints_every_error(congresses, tmp_path, capsys):
    content = xlsx([person(1, 性别="女"), person(2, 身份证号="12")])
    with pytest.raises(CommandError) as raised:
        call_command("import_roster", _file(tmp_path, content), "--dry-run", "--region", "439901000000")
    assert raised.value.returncode == 1
    err = capsys.readouterr().err
    assert f"第{FIRST}行 性别：与身份证号不一致（身份证号显示为男）" in err
    assert f"第{FIRST + 1}行 身份证号：身份证号应为18位，最后一位可以是X" in err


def test_command_with_errors_exits_one_and_writes_nothing(congresses, tmp_path):
    with pytest.raises(CommandError) as raised:
        call_command("import_roster", _file(tmp_path, xlsx([person(1), person(2, 代表层级="")])))
    assert raised.value.returncode == 1
    assert Person.objects.count() == 0


def test_command_exit_status_from_the_shell(congresses, tmp_path):
    """The documented contract: exit status 1 (not a traceback) for a bad file."""
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "import_roster", _file(tmp_path, xlsx([person(1, 代表层级="村")]))]).execute()
    assert exited.value.code == 1


def test_command_refuses_a_missing_file(congresses, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_roster", str(tmp_path / "nope.xlsx"))


def test_command_refuses_an_unknown_region(congresses, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_roster", _file(tmp_path, xlsx([person(1)])), "--region", "999999000000")

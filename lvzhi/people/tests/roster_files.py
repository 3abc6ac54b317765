"""Roster spreadsheets built in the tests, shaped like the ones offices keep."""

import datetime as dt
import io

from openpyxl import Workbook

from lvzhi.core.idnumber import make_id_number

HEADERS = [
    "序号", "姓名", "性别", "民族", "出生年月", "籍贯", "政治面貌", "文化程度", "工作单位及职务", "代表层级",
    "乡镇（街道）", "选区", "代表团", "代表小组", "联系电话", "身份证号", "是否连任",
]


def id_number(seq: int, *, birth=dt.date(1975, 3, 12), male: bool = True, region6: str = "439901") -> str:
    return make_id_number(region6, birth, seq, male)


def person(seq: int = 1, **overrides) -> dict:
    """One good row: a county and township deputy of 城关镇."""
    birth = overrides.pop("birth", dt.date(1975, 3, 12))
    male = overrides.pop("male", True)
    if "town" in overrides:
        overrides["乡镇（街道）"] = overrides.pop("town")
    row = {
        "姓名": f"测试{'甲乙丙丁戊己庚辛壬癸'[seq % 10]}{seq}", "性别": "男" if male else "女", "民族": "汉族",
        "出生年月": f"{birth.year}.{birth.month:02d}", "籍贯": "湖南清源", "政治面貌": "中共党员", "文化程度": "大学",
        "工作单位及职务": "城关镇东门社区党委书记", "代表层级": "县、乡镇", "乡镇（街道）": "城关镇", "选区": "第一选区",
        "代表团": "城关镇代表团", "代表小组": "东门小组", "联系电话": f"1381234{seq:04d}",
        "身份证号": id_number(seq, birth=birth, male=male), "是否连任": "否",
    }
    row.update(overrides)
    return row


def xlsx(rows: list[dict], headers: list[str] | None = None, *, title: str | None = "清源县第十八届人大代表名册",
         above: list[list] = (), header_map: dict | None = None, sheet_setup=None) -> bytes:
    """A workbook: an optional merged title row, any extra rows, the header row, then the rows.

    Row dicts are keyed by the standard header; ``header_map`` renames header cells as written in the file
    (e.g. {"姓名": "姓　名"}); a value may be any cell value (str, int, float, date).
    """
    headers = list(headers or HEADERS)
    header_map = header_map or {}
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for extra in above:
        sheet.append(list(extra))
    sheet.append([header_map.get(h, h) for h in headers])
    for n, row in enumerate(rows, 1):
        sheet.append([n if h == "序号" else row.get(h) for h in headers])
    if sheet_setup:
        sheet_setup(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def first_data_row(title: bool = True, above: int = 0) -> int:
    """The Excel row number of the first person (title row, extra rows, header row before it)."""
    return (1 if title else 0) + above + 2

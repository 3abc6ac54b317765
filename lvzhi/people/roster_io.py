"""The roster in and out of the Excel files offices really keep.

Import runs in three steps, each usable alone:

1. ``parse_roster`` reads the file and checks every row; it reads reference data (regions, congresses)
   but writes nothing. Result: one ``RowPlan`` per good row and every problem as ``第N行 列名：说明``,
   N being the row number Excel shows.
2. ``plan_import`` compares the plans with the database (reads only, a few queries per 500 rows) and
   says what would change; ``ImportPlan.summary()`` is the preview shown before applying.
3. ``apply_import`` writes the plan in the caller's transaction with bulk queries.

``import_roster`` runs the three for the management command and the background task: all or nothing.

Rules worth knowing (the offices' files are the source, but never the only one):

* A person is matched by ID number (its keyed hash). A column absent from the file, or an empty cell,
  leaves the stored value alone: an import never erases what someone typed in the roster form.
* Gender and birth month come from the ID number; the 性别 and 出生年月 columns are only checked
  against it. Birth dates are kept to the month (the first day), as 出生年月 says.
* 代表层级 may name several levels (市、县 → a city and a county mandate). The township decides the
  township congress; a higher level attaches to the current term of the congress of that level whose
  region contains the township (the one national congress for 全国). Mandates the file does not name
  are left as they are (ending a mandate is a status change with a reason, not an import).
* 选区, 代表团 and 是否连任 belong to one mandate of the row: the lowest-level one above the township
  (a county roster lists county deputies), or the township mandate when that is the only one.
  选区 and 代表团 are found or created by name under that mandate's term, 代表小组 under the township.
* A person already registered outside the importing user's region is refused, not moved.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import islice

from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException

from lvzhi.archive.services import archive_follow_person
from lvzhi.core.crypto import keyed_hash
from lvzhi.core.excel import safe_cell, unquote_cell
from lvzhi.core.idnumber import IdNumberError, parse_id_number
from lvzhi.core.masking import mask_phone
from lvzhi.core.models import Region, prefix_range
from lvzhi.core.textnorm import clean_name, clean_text, parse_year_month, squeeze

from .models import (
    Delegation,
    DeputyGroup,
    ElectoralDistrict,
    Level,
    Mandate,
    MandateChange,
    Person,
    Term,
)
from .services import pinyin_initials, sync_name_keys

CHUNK = 500
HEADER_SEARCH_ROWS = 30
PROGRESS_EVERY = 500

# ---------------------------------------------------------------------------------------------------
# Columns


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("name", "姓名", True, ("代表姓名",)),
    Column("gender", "性别"),
    Column("ethnicity", "民族"),
    Column("birth", "出生年月", aliases=("出生日期", "出生年月日", "出生时间")),
    Column("native_place", "籍贯"),
    Column("political_status", "政治面貌", aliases=("党派",)),
    Column("education", "文化程度", aliases=("学历", "文化程度学历")),
    Column("employer_title", "工作单位及职务", aliases=("工作单位和职务", "单位及职务", "工作单位及职务职称")),
    Column("employer", "工作单位", aliases=("单位",)),
    Column("title", "职务", aliases=("职务职称", "职称")),
    Column("level", "代表层级", True, ("层级", "代表级别", "代表层次")),
    Column("township", "乡镇（街道）", True, (
        "乡镇街道", "乡镇", "街道", "乡镇或街道", "乡镇/街道", "所在乡镇街道", "所属乡镇街道", "乡镇街道名称", "乡镇、街道",
    )),
    Column("district", "选区", aliases=("选区名称", "选举单位", "选区选举单位", "选区或选举单位")),
    Column("delegation", "代表团", aliases=("所在代表团", "所属代表团")),
    Column("group", "代表小组", aliases=("所在代表小组", "所属代表小组")),
    Column("phone", "联系电话", aliases=("电话", "手机", "手机号", "手机号码", "联系方式", "电话号码")),
    Column("id_number", "身份证号", True, ("身份证号码", "公民身份号码", "身份证", "身份证件号码")),
    Column("reelected", "是否连任", aliases=("连任", "是否连任代表")),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = tuple(c.key for c in COLUMNS if c.required)

# The columns export writes, in the order offices print them (import reads them in any order).
EXPORT_KEYS = (
    "name", "gender", "ethnicity", "birth", "native_place", "political_status", "education", "employer_title",
    "level", "township", "district", "delegation", "group", "phone", "id_number", "reelected",
)

_HEADER_JUNK = re.compile(r"[()\[\]【】〔〕<>《》*※:：'\"“”]")


def normalize_header(value) -> str:
    """`姓　名`, `出生\\n年月`, `乡镇（街道）`, `*身份证号：` → a key comparable with the labels."""
    return _HEADER_JUNK.sub("", squeeze(value))


_HEADER_INDEX = {}
for _col in COLUMNS:
    for _text in (_col.label, *_col.aliases):
        _HEADER_INDEX.setdefault(normalize_header(_text), _col.key)


def column_for_header(value) -> str | None:
    return _HEADER_INDEX.get(normalize_header(value)) if value is not None else None


# ---------------------------------------------------------------------------------------------------
# Errors and plans


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row:
            return f"第{self.row}行 {self.column}：{self.message}"
        return f"{self.column}：{self.message}" if self.column else self.message

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message, "text": str(self)}


@dataclass
class RowPlan:
    """One valid row: what the file says about one person."""

    row: int
    id_number: str
    id_hash: str
    name: str
    gender: str
    birth_date: dt.date
    township: str  # region code
    levels: list[int]
    term_ids: list[int]  # one per level, same order
    target_term_id: int
    fields: dict[str, str] = field(default_factory=dict)  # optional person fields given in the file
    district: str = ""
    delegation: str = ""
    group: str = ""
    reelected: bool | None = None


@dataclass
class ParseResult:
    plans: list[RowPlan]
    errors: list[RowError]
    context: RosterContext
    header_row: int | None = None
    columns: tuple[str, ...] = ()
    total_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------------------------------------------
# Reference data: townships in scope, their ancestors, current terms


_TOWN_SUFFIXES = ("街道办事处", "民族乡", "街道", "镇", "乡")


def _strip_town_suffix(name: str) -> str:
    for suffix in _TOWN_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class RosterContext:
    """Regions and current terms an import needs, loaded once (a handful of queries, whatever the file size)."""

    def __init__(self, scope_prefix: str = ""):
        self.scope_prefix = scope_prefix
        self.low, self.high = prefix_range(scope_prefix)
        uppers = Region.objects.filter(level__lt=Region.Level.TOWNSHIP).values_list("code", "name", "parent_id", "level")
        self.upper = {code: (name, parent, level) for code, name, parent, level in uppers}
        towns = Region.objects.filter(
            level=Region.Level.TOWNSHIP, code__gte=self.low, code__lte=self.high
        ).values_list("code", "name", "parent_id")
        self.town_name: dict[str, str] = {}
        self.town_ancestors: dict[str, dict[int, str]] = {}
        self._by_name: dict[str, list[str]] = defaultdict(list)
        self._by_full: dict[str, list[str]] = defaultdict(list)
        self._by_stem: dict[str, list[str]] = defaultdict(list)
        for code, name, parent in towns:
            key = squeeze(name)
            self.town_name[code] = name
            ancestors: dict[int, str] = {}
            chain: list[str] = []
            node = parent
            while node in self.upper:
                up_name, up_parent, up_level = self.upper[node]
                ancestors[up_level] = node
                chain.insert(0, squeeze(up_name))
                node = up_parent
            self.town_ancestors[code] = ancestors
            self._by_name[key].append(code)
            for i in range(len(chain)):
                self._by_full["".join(chain[i:]) + key].append(code)
            stem = _strip_town_suffix(key)
            if stem != key:
                self._by_stem[stem].append(code)
        self.terms: dict[tuple[int, str], Term] = {}
        self.national_term: Term | None = None
        for term in Term.objects.filter(is_current=True).select_related("congress").order_by("congress_id"):
            self.terms[(term.congress.level, term.congress.region_id)] = term
            if term.congress.level == Level.NATIONAL and self.national_term is None:
                self.national_term = term
        self.term_by_id = {t.pk: t for t in self.terms.values()}

    def in_scope(self, region_code: str) -> bool:
        return self.low <= region_code <= self.high

    def county_name(self, town: str) -> str:
        county = self.town_ancestors.get(town, {}).get(Region.Level.COUNTY)
        return self.upper[county][0] if county else ""

    def find_township(self, raw) -> tuple[str | None, str]:
        """The township code a cell names, or None and why not."""
        text = squeeze(raw)
        for noise in ("人民政府", "人大主席团", "人大工委"):
            if text.endswith(noise) and len(text) > len(noise):
                text = text[: -len(noise)]
        if text.endswith("办事处") and len(text) > 3:  # 城关街道办事处 → 城关街道
            text = text[: -len("办事处")]
        for index in (self._by_name, self._by_full):
            codes = index.get(text, [])
            if len(codes) == 1:
                return codes[0], ""
            if len(codes) > 1:
                return None, self._ambiguous(text, codes)
        if _strip_town_suffix(text) == text:  # written without 镇/乡/街道: accepted only when unambiguous
            codes = self._by_stem.get(text, [])
            if len(codes) == 1:
                return codes[0], ""
            if len(codes) > 1:
                return None, self._ambiguous(text, codes)
        return None, f"「{raw}」不是本单位管辖范围内的乡镇（街道），请核对名称"

    def _ambiguous(self, text: str, codes: list[str]) -> str:
        names = "、".join(sorted({self.county_name(c) + self.town_name[c] for c in codes}))
        return f"「{text}」对应多个乡镇（街道）：{names}，请写全称"

    def term_for(self, level: int, town: str) -> Term | None:
        if level == Level.NATIONAL:
            return self.national_term
        if level == Level.TOWNSHIP:
            return self.terms.get((Level.TOWNSHIP, town))
        region_level = {Level.PROVINCE: Region.Level.PROVINCE, Level.CITY: Region.Level.CITY,
                        Level.COUNTY: Region.Level.COUNTY}[level]
        region = self.town_ancestors.get(town, {}).get(region_level)
        return self.terms.get((level, region)) if region else None

    def level_region_name(self, level: int, town: str) -> str:
        if level == Level.TOWNSHIP:
            return self.town_name.get(town, "")
        region_level = {Level.PROVINCE: Region.Level.PROVINCE, Level.CITY: Region.Level.CITY,
                        Level.COUNTY: Region.Level.COUNTY}.get(level)
        code = self.town_ancestors.get(town, {}).get(region_level)
        return self.upper[code][0] if code else ""


# ---------------------------------------------------------------------------------------------------
# Values


class CellError(ValueError):
    pass


LEVEL_SHORT = {Level.NATIONAL: "全国", Level.PROVINCE: "省", Level.CITY: "市", Level.COUNTY: "县", Level.TOWNSHIP: "乡镇"}
_LEVEL_WORDS = {
    "全国": Level.NATIONAL, "国家": Level.NATIONAL,
    "省": Level.PROVINCE, "自治区": Level.PROVINCE,
    "市": Level.CITY, "州": Level.CITY, "地市": Level.CITY, "设区的市": Level.CITY,
    "县": Level.COUNTY, "区": Level.COUNTY, "县区": Level.COUNTY, "旗": Level.COUNTY, "县市区": Level.COUNTY,
    "乡": Level.TOWNSHIP, "镇": Level.TOWNSHIP, "乡镇": Level.TOWNSHIP, "街道": Level.TOWNSHIP,
    "乡镇街道": Level.TOWNSHIP, "苏木": Level.TOWNSHIP,
}
_LEVEL_SUFFIXES = ("人民代表大会代表", "人大代表", "代表", "人大", "级")
_LEVEL_SPLIT = re.compile(r"[、，,/;；+＋\s和及]+")


def parse_levels(raw) -> list[int]:
    """市、县 → [CITY, COUNTY]; 县人大代表, 乡镇级, 全国 …; highest level first, no repeats."""
    text = squeeze(raw).replace("(", "").replace(")", "")  # half-width, no spaces: 乡(镇) → 乡镇
    levels: set[int] = set()
    for token in filter(None, _LEVEL_SPLIT.split(text)):
        word = token
        changed = True
        while changed:
            changed = False
            for suffix in _LEVEL_SUFFIXES:
                if word.endswith(suffix) and len(word) > len(suffix):
                    word, changed = word[: -len(suffix)], True
        if word in _LEVEL_WORDS:
            levels.add(_LEVEL_WORDS[word])
        elif word and all(ch in _LEVEL_WORDS for ch in word):  # 县乡 written without a separator
            levels.update(_LEVEL_WORDS[ch] for ch in word)
        else:
            raise CellError(
                f"无法识别「{token}」，应为全国、省、市、县（区）、乡镇（街道）之一，多个层级用、分隔（如：市、县）"
            )
    if not levels:
        raise CellError("不能为空")
    return sorted(levels)


_GENDERS = {"男": "男", "女": "女", "男性": "男", "女性": "女", "M": "男", "F": "女"}
_YES = {"是", "连任", "Y", "YES", "√", "✓", "✔", "1", "TRUE", "是连任"}
_NO = {"否", "新任", "新当选", "首次", "N", "NO", "×", "✗", "0", "FALSE", "不是"}
_ETHNIC = set(
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split()
)
_PHONE_OK = re.compile(r"[0-9\-+()/、,;转]{5,30}")
_MOBILE = re.compile(r"(?:\+?86-?)?(1\d{2})-?(\d{4})-?(\d{4})")


def normalize_phone(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = squeeze(raw).replace("—", "-").replace("–", "-").replace("－", "-").replace("，", ",").replace("；", ";")
    mobile = _MOBILE.fullmatch(text)
    if mobile:
        return "".join(mobile.groups())
    if not _PHONE_OK.fullmatch(text) or sum(ch.isdigit() for ch in text) < 5:
        raise CellError(f"「{raw}」不是有效的电话号码，请写成13812345678或0731-84561234")
    return text


def normalize_ethnicity(raw) -> str:
    text = squeeze(raw)
    return text + "族" if text in _ETHNIC else text


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and squeeze(value) == "")


@cache
def _max_length(name: str) -> int:
    return Person._meta.get_field(name).max_length


_TEXT_FIELDS = ("native_place", "political_status", "education", "employer_title")
_GROUP_MAX = 60


# ---------------------------------------------------------------------------------------------------
# Step 1: read and check the file


def _read_table(content: bytes) -> tuple[list[tuple], tuple | None]:
    """The rows of the first sheet that has a roster header, and where that header is.

    Read-only mode: fast, and a merged cell reads as its top-left value. Only the first rows of the other
    sheets (instructions, dictionaries) are read to see that they are not the roster.
    """
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise CellError("文件不是 .xlsx 格式；如果是旧版 .xls 文件，请在Excel或WPS中“另存为”.xlsx 后再导入")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CellError("无法读取此文件，请确认是用Excel或WPS保存的 .xlsx 文件") from exc
    try:
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            head = list(islice(rows, HEADER_SEARCH_ROWS + 1))
            found = _find_header(head)
            if found:
                return head + list(rows), found
        return [], None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as exc:  # ParseError is a SyntaxError
        raise CellError("无法读取此文件，请确认是用Excel或WPS保存的 .xlsx 文件") from exc
    finally:
        workbook.close()


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int], int] | None:
    """(header row index, column key → index, first data row index), or None when no row looks like one."""
    best = None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {}
        for j, value in enumerate(row):
            key = column_for_header(value)
            if key and key not in keys:
                keys[key] = j
        found = sum(1 for k in REQUIRED_KEYS if k in keys)
        if found >= 2 and (best is None or found > best[0]):
            best = (found, i, keys)
            if found == len(REQUIRED_KEYS):
                break
    if best is None:
        return None
    _, i, keys = best
    start = i + 1
    # A second header row below (merged headers: 工作单位及职务 over 工作单位 | 职务; 姓名 merged down).
    if start < len(rows):
        below = rows[start]
        sub, only_labels = {}, True
        for j, value in enumerate(below):
            if _is_blank(value):
                continue
            key = column_for_header(value)
            if key:
                sub.setdefault(key, j)
            else:
                only_labels = False
        if sub and only_labels:  # a data row holds names and numbers, never only column labels
            for key, j in sub.items():
                keys = {k: v for k, v in keys.items() if v != j or k == key}
                keys[key] = j
            start += 1
    return i, keys, start


_FOOTER = re.compile(r"^(注|说明|备注|合计|总计|填表|填报|审核|制表|负责人|联系人)|[:：]")
_HINT = re.compile(r"^[(（].*[)）]$|必填|选填")  # a template's hint line under the header: （必填）


def _is_hint_row(cells: dict) -> bool:
    texts = [squeeze(v) for v in cells.values() if not _is_blank(v)]
    return bool(texts) and all(isinstance(v, str) and _HINT.search(v) for v in texts)


def parse_roster(content: bytes, *, scope_prefix: str = "", context: RosterContext | None = None,
                 progress: Callable[[int, int], None] | None = None) -> ParseResult:
    """Read and check every row; no writes. ``progress(done, total)`` is called every few hundred rows."""
    context = context or RosterContext(scope_prefix)
    try:
        rows, found = _read_table(content)
    except CellError as exc:
        return ParseResult([], [RowError(None, "文件", str(exc))], context)
    if not found:
        need = "、".join(f"「{COLUMN_BY_KEY[k].label}」" for k in REQUIRED_KEYS)
        return ParseResult([], [RowError(None, "表头", f"前{HEADER_SEARCH_ROWS}行中没有找到表头，表头应包含{need}等列")],
                           context)
    header_index, cols, start = found
    header_row = header_index + 1
    missing = [COLUMN_BY_KEY[k].label for k in REQUIRED_KEYS if k not in cols]
    if missing:
        return ParseResult(
            [], [RowError(header_row, label, "表头中没有这一列（必填列）") for label in missing], context,
            header_row=header_row, columns=tuple(cols),
        )
    data = rows[start:]
    total = len(data)
    plans: list[RowPlan] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for offset, values in enumerate(data):
        if progress and offset and offset % PROGRESS_EVERY == 0:
            progress(offset, total)
        row_number = start + offset + 1
        cells = {key: unquote_cell(values[j]) if j < len(values) else None for key, j in cols.items()}
        if all(_is_blank(v) for v in cells.values()):
            continue
        if all(_is_blank(cells[k]) for k in ("id_number", "level", "township")) and (
            _is_blank(cells["name"]) or _FOOTER.search(squeeze(cells["name"]))
        ):
            continue  # a note or total line under the table
        if offset < 2 and _is_hint_row(cells):
            continue
        plan = _parse_row(row_number, cells, context, errors)
        if plan is None:
            continue
        if plan.id_hash in seen:
            errors.append(RowError(row_number, "身份证号", f"与第{seen[plan.id_hash]}行重复；同一人只写一行，"
                                                         "多个层级写在同一格，用、分隔"))
            continue
        seen[plan.id_hash] = row_number
        plans.append(plan)
    if progress:
        progress(total, total)
    if not plans and not errors:
        errors.append(RowError(None, "文件", "表格中没有代表数据"))
    return ParseResult(plans, errors, context, header_row=header_row, columns=tuple(cols), total_rows=total)


def _parse_row(row: int, cells: dict, context: RosterContext, errors: list[RowError]) -> RowPlan | None:
    before = len(errors)

    def error(key: str, message: str) -> None:
        errors.append(RowError(row, COLUMN_BY_KEY[key].label, message))

    def required(key: str) -> bool:
        if _is_blank(cells.get(key)):
            error(key, "不能为空（必填）")
            return False
        return True

    name = ""
    if required("name"):
        name = clean_name(cells["name"])
        if len(name) > _max_length("name"):
            error("name", f"超过{_max_length('name')}个字")
    info = None
    if required("id_number"):
        try:
            info = parse_id_number(cells["id_number"])
        except IdNumberError as exc:
            error("id_number", str(exc))
    town = None
    if required("township"):
        town, why = context.find_township(cells["township"])
        if town is None:
            error("township", why)
    levels: list[int] = []
    if required("level"):
        try:
            levels = parse_levels(cells["level"])
        except CellError as exc:
            error("level", str(exc))

    gender = cells.get("gender")
    if not _is_blank(gender):
        text = squeeze(gender)
        value = _GENDERS.get(text.upper() if text.isascii() else text)
        if value is None:
            error("gender", f"「{gender}」应为男或女")
        elif info and value != info.gender:
            error("gender", f"与身份证号不一致（身份证号显示为{info.gender}）")
    birth = cells.get("birth")
    if not _is_blank(birth):
        month = parse_year_month(birth)
        if month is None:
            error("birth", f"无法识别「{birth}」，请写成1975.03、1975年3月或1975-03")
        elif info and month != info.birth_date.replace(day=1):
            error("birth", f"与身份证号中的出生日期（{info.birth_date.year}年{info.birth_date.month}月）不一致")

    fields: dict[str, str] = {}
    if not _is_blank(cells.get("ethnicity")):
        fields["ethnicity"] = normalize_ethnicity(cells["ethnicity"])
    for key in _TEXT_FIELDS:
        if not _is_blank(cells.get(key)):
            fields[key] = clean_text(cells[key])
    if "employer_title" not in fields:
        parts = [clean_text(cells[k]) for k in ("employer", "title") if not _is_blank(cells.get(k))]
        if parts:
            fields["employer_title"] = "".join(parts)
    if not _is_blank(cells.get("phone")):
        try:
            fields["phone"] = normalize_phone(cells["phone"])
        except CellError as exc:
            error("phone", str(exc))
    for key, value in fields.items():
        limit = _max_length(key)
        if len(value) > limit:
            error(key, f"超过{limit}个字")

    names = {}
    for key in ("district", "delegation", "group"):
        names[key] = clean_text(cells.get(key)) if not _is_blank(cells.get(key)) else ""
        if len(names[key]) > _GROUP_MAX:
            error(key, f"超过{_GROUP_MAX}个字")
    reelected = None
    if not _is_blank(cells.get("reelected")):
        text = squeeze(cells["reelected"]).upper()
        if text in _YES:
            reelected = True
        elif text in _NO:
            reelected = False
        else:
            error("reelected", f"「{cells['reelected']}」应为是或否")

    term_ids: list[int] = []
    if town and levels:
        for level in levels:
            term = context.term_for(level, town)
            if term is None:
                where = context.level_region_name(level, town)
                error("level", f"系统中没有{where}{LEVEL_SHORT[level]}级人民代表大会的本届（届次），请管理员先在配置中建立")
            else:
                term_ids.append(term.pk)
    if len(errors) > before or info is None:
        return None
    target = _target_term(levels, term_ids)
    return RowPlan(
        row=row, id_number=info.number, id_hash=keyed_hash(info.number), name=name, gender=info.gender,
        birth_date=info.birth_date.replace(day=1), township=town, levels=levels, term_ids=term_ids,
        target_term_id=target, fields=fields, district=names["district"], delegation=names["delegation"],
        group=names["group"], reelected=reelected,
    )


def _target_term(levels: list[int], term_ids: list[int]) -> int:
    """The mandate 选区/代表团/代表小组/是否连任 describe: the lowest level above the township, else the township."""
    above = [(lvl, t) for lvl, t in zip(levels, term_ids, strict=True) if lvl != Level.TOWNSHIP]
    return max(above)[1] if above else term_ids[-1]


# ---------------------------------------------------------------------------------------------------
# Step 2: compare with the database


PERSON_LABELS = {
    "name": "姓名", "gender": "性别", "birth_date": "出生年月", "ethnicity": "民族", "native_place": "籍贯",
    "political_status": "政治面貌", "education": "文化程度", "employer_title": "工作单位及职务", "phone": "联系电话",
    "region": "乡镇（街道）",
}
MANDATE_LABELS = {"district": "选区", "delegation": "代表团", "group": "代表小组", "is_reelected": "是否连任"}


@dataclass
class PersonUpdate:
    plan: RowPlan
    person: Person
    changes: dict[str, tuple]  # field → (old, new)


@dataclass
class MandateUpdate:
    plan: RowPlan
    mandate: Mandate
    changes: dict[str, tuple]  # district/delegation/group by name, is_reelected, region_code


@dataclass
class ImportPlan:
    parsed: ParseResult
    errors: list[RowError] = field(default_factory=list)
    creates: list[RowPlan] = field(default_factory=list)
    updates: list[PersonUpdate] = field(default_factory=list)
    new_mandates: list[tuple[RowPlan, int]] = field(default_factory=list)  # (row, term id)
    mandate_updates: list[MandateUpdate] = field(default_factory=list)
    unchanged: int = 0
    existing: dict[str, Person] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.creates or self.updates or self.new_mandates or self.mandate_updates)

    def summary(self, limit: int = 300) -> dict:
        """The preview as plain JSON: counts and the first ``limit`` entries of each list (phones masked)."""
        context = self.parsed.context

        def level_label(term_id: int) -> str:
            return LEVEL_SHORT[Level(context.term_by_id[term_id].congress.level)]

        existing_new = [(p, t) for p, t in self.new_mandates if p.id_hash in self.existing]
        visible = [u for u in self.mandate_updates if any(k in MANDATE_LABELS for k in u.changes)]
        return {
            "rows": len(self.parsed.plans),
            "new_persons": len(self.creates),
            "updated_persons": len(self.updates),
            "new_mandates": len(self.new_mandates),
            "updated_mandates": len(visible),
            "unchanged": self.unchanged,
            "new_persons_list": [
                {"row": p.row, "name": p.name, "township": context.town_name.get(p.township, ""),
                 "levels": "、".join(LEVEL_SHORT[Level(lv)] for lv in p.levels)}
                for p in self.creates[:limit]
            ],
            "updated_persons_list": [
                {"row": u.plan.row, "name": u.plan.name,
                 "changes": [[PERSON_LABELS[k], _show(k, old, context), _show(k, new, context)]
                             for k, (old, new) in u.changes.items()]}
                for u in self.updates[:limit]
            ],
            "new_mandates_list": [
                {"row": p.row, "name": p.name, "level": level_label(t)} for p, t in existing_new[:limit]
            ],
            "updated_mandates_list": [
                {"row": u.plan.row, "name": u.plan.name, "level": level_label(u.mandate.term_id),
                 "changes": [[MANDATE_LABELS[k], _show(k, old, context), _show(k, new, context)]
                             for k, (old, new) in u.changes.items() if k in MANDATE_LABELS]}
                for u in visible[:limit]
            ],
            "limit": limit,
        }


def _show(key: str, value, context: RosterContext) -> str:
    if value is None or value == "":
        return "（空）"
    if key == "phone":
        return mask_phone(value)
    if key == "birth_date":
        return f"{value.year}.{value.month:02d}"
    if key == "region":
        return context.town_name.get(value[:9] + "000", value)
    if key == "is_reelected":
        return "是" if value else "否"
    return str(value)


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def plan_import(parsed: ParseResult) -> ImportPlan:
    """What applying would change; reads the database in chunks, writes nothing."""
    context = parsed.context
    plan = ImportPlan(parsed=parsed)
    existing: dict[str, Person] = {}
    for chunk in _chunks([p.id_hash for p in parsed.plans]):
        for person in Person.objects.filter(id_hash__in=chunk).defer("id_number"):
            existing[person.id_hash] = person
    plan.existing = existing
    mandates: dict[int, dict[int, Mandate]] = defaultdict(dict)
    for chunk in _chunks([p.pk for p in existing.values()]):
        for mandate in Mandate.objects.filter(person_id__in=chunk).only(
            "id", "person_id", "term_id", "district_id", "delegation_id", "group_id", "is_reelected", "region_code"
        ):
            mandates[mandate.person_id][mandate.term_id] = mandate
    names = _NameLookup.load(parsed.plans)

    for row in parsed.plans:
        person = existing.get(row.id_hash)
        if person is None:
            plan.creates.append(row)
            plan.new_mandates.extend((row, term_id) for term_id in row.term_ids)
            continue
        if not context.in_scope(person.region_id):
            plan.errors.append(RowError(row.row, "身份证号", "此人已登记在本单位管辖范围以外的地区；如已迁入，"
                                                             "请先由原所在地办理迁出，或联系上级人大"))
            continue
        changes = _person_changes(person, row)
        if changes:
            plan.updates.append(PersonUpdate(row, person, changes))
        held = mandates.get(person.pk, {})
        new_region = changes.get("region", (None, person.region_id))[1]
        touched = False
        for term_id in row.term_ids:
            if term_id not in held:
                plan.new_mandates.append((row, term_id))
                touched = True
        for mandate in held.values():
            mandate_changes = {}
            if mandate.term_id == row.target_term_id:
                mandate_changes = names.mandate_changes(mandate, row)
            if mandate.region_code != new_region:
                mandate_changes["region_code"] = (mandate.region_code, new_region)
            if mandate_changes:
                plan.mandate_updates.append(MandateUpdate(row, mandate, mandate_changes))
                touched = touched or any(k in MANDATE_LABELS for k in mandate_changes)
        if not changes and not touched:
            plan.unchanged += 1
    return plan


def _person_changes(person: Person, row: RowPlan) -> dict[str, tuple]:
    changes = {}
    if person.name != row.name:
        changes["name"] = (person.name, row.name)
    if person.gender != row.gender:
        changes["gender"] = (person.gender, row.gender)
    if person.birth_date is None or person.birth_date.replace(day=1) != row.birth_date:
        changes["birth_date"] = (person.birth_date, row.birth_date)
    for key, value in row.fields.items():
        if getattr(person, key) != value:
            changes[key] = (getattr(person, key), value)
    if person.region_id[:9] != row.township[:9]:  # a village of the same township stays where it is
        changes["region"] = (person.region_id, row.township)
    return changes


class _NameLookup:
    """Districts and delegations by (term, name), groups by (township, name): found, or to be created."""

    def __init__(self):
        self.districts: dict[tuple[int, str], int] = {}
        self.delegations: dict[tuple[int, str], int] = {}
        self.groups: dict[tuple[str, str], int] = {}
        self.names: dict[tuple[str, int], str] = {}

    @classmethod
    def load(cls, plans: Iterable[RowPlan]) -> _NameLookup:
        lookup = cls()
        terms, towns = set(), set()
        for p in plans:
            terms.add(p.target_term_id)
            towns.add(p.township)
        for chunk in _chunks(sorted(terms)):
            for pk, term_id, name in ElectoralDistrict.objects.filter(term_id__in=chunk).values_list("pk", "term_id", "name"):
                lookup.districts[(term_id, name)] = pk
                lookup.names[("district", pk)] = name
            for pk, term_id, name in Delegation.objects.filter(term_id__in=chunk).values_list("pk", "term_id", "name"):
                lookup.delegations[(term_id, name)] = pk
                lookup.names[("delegation", pk)] = name
        for chunk in _chunks(sorted(towns)):
            for pk, region_id, name in DeputyGroup.objects.filter(region_id__in=chunk).values_list("pk", "region_id", "name"):
                lookup.groups[(region_id, name)] = pk
                lookup.names[("group", pk)] = name
        return lookup

    def mandate_changes(self, mandate: Mandate, row: RowPlan) -> dict[str, tuple]:
        changes = {}
        for key, wanted in (("district", row.district), ("delegation", row.delegation), ("group", row.group)):
            if not wanted:
                continue
            current_id = getattr(mandate, f"{key}_id")
            current = self.names.get((key, current_id), "") if current_id else ""
            if current != wanted:
                changes[key] = (current, wanted)
        if row.reelected is not None and mandate.is_reelected != row.reelected:
            changes["is_reelected"] = (mandate.is_reelected, row.reelected)
        return changes


# ---------------------------------------------------------------------------------------------------
# Step 3: write


def apply_import(plan: ImportPlan, *, actor=None, source: str = "", remote_addr: str | None = None) -> dict:
    """Write the plan with bulk queries; call inside ``transaction.atomic`` (``import_roster`` does).

    bulk_create batches by itself (SQLite's parameter limit; one UNNEST insert per table on PostgreSQL).
    """
    if not plan.ok:
        raise ValueError("有错误的导入不能写入")
    context = plan.parsed.context
    now = timezone.now()
    by = actor if getattr(actor, "pk", None) else None
    ids = _ensure_names(plan, context)

    created = []
    for row in plan.creates:
        person = Person(name=row.name, gender=row.gender, birth_date=row.birth_date, region_id=row.township,
                        name_initials=pinyin_initials(row.name), **row.fields)
        person.set_id_number(row.id_number)
        created.append(person)
    Person.objects.bulk_create(created)
    people = dict(plan.existing)
    people.update({p.id_hash: p for p in created})

    changed_fields: set[str] = set()
    for update in plan.updates:
        person = update.person
        for key, (_, new) in update.changes.items():
            if key == "region":
                person.region_id = new
                changed_fields.add("region")
            else:
                setattr(person, key, new)
                changed_fields.add(key)
        if "name" in update.changes:
            person.name_initials = pinyin_initials(person.name)
            changed_fields.add("name_initials")
        person.updated_at = now
    if plan.updates:
        Person.objects.bulk_update([u.person for u in plan.updates], [*sorted(changed_fields), "updated_at"],
                                   batch_size=CHUNK)
    sync_name_keys(created, created=True)
    sync_name_keys([u.person for u in plan.updates if "name" in u.changes])
    for update in plan.updates:
        if "region" in update.changes:  # a deputy who moved takes their archive to the staff now in charge
            archive_follow_person(person=update.person)

    new_mandates = []
    for row, term_id in plan.new_mandates:
        person = people[row.id_hash]
        term = context.term_by_id[term_id]
        mandate = Mandate(person=person, term_id=term_id, level=term.congress.level, start_date=term.start_date,
                          region_code=person.region_id)
        if term_id == row.target_term_id:
            mandate.district_id = ids.get(("district", term_id, row.district))
            mandate.delegation_id = ids.get(("delegation", term_id, row.delegation))
            mandate.group_id = ids.get(("group", row.township, row.group))
            mandate.is_reelected = bool(row.reelected)
        new_mandates.append(mandate)
    Mandate.objects.bulk_create(new_mandates)
    MandateChange.objects.bulk_create(
        [MandateChange(mandate=m, kind=MandateChange.Kind.ELECTED, date=m.start_date or now.date(),
                       to_status=m.status, by=by, reason="名册导入") for m in new_mandates]
    )

    mandate_fields: set[str] = set()
    for update in plan.mandate_updates:
        mandate, row = update.mandate, update.plan
        for key, (_, new) in update.changes.items():
            if key == "district":
                mandate.district_id = ids[("district", mandate.term_id, new)]
            elif key == "delegation":
                mandate.delegation_id = ids[("delegation", mandate.term_id, new)]
            elif key == "group":
                mandate.group_id = ids[("group", row.township, new)]
            else:
                setattr(mandate, key, new)
            mandate_fields.add(key)
    if plan.mandate_updates:
        Mandate.objects.bulk_update([u.mandate for u in plan.mandate_updates], sorted(mandate_fields), batch_size=CHUNK)

    _audit(plan, created, actor=by, source=source, remote_addr=remote_addr, now=now)
    return {
        "created_persons": len(created), "updated_persons": len(plan.updates),
        "created_mandates": len(new_mandates), "updated_mandates": len(plan.mandate_updates),
        "unchanged": plan.unchanged,
    }


def _ensure_names(plan: ImportPlan, context: RosterContext) -> dict[tuple, int]:
    """Create the districts, delegations and groups the plan names that do not exist yet; return every id."""
    lookup = _NameLookup.load(plan.parsed.plans)
    wanted: set[tuple] = set()
    rows_needing = [(row, row.target_term_id) for row, term_id in plan.new_mandates if term_id == row.target_term_id]
    rows_needing += [(u.plan, u.mandate.term_id) for u in plan.mandate_updates]
    for row, term_id in rows_needing:
        if row.district:
            wanted.add(("district", term_id, row.district))
        if row.delegation:
            wanted.add(("delegation", term_id, row.delegation))
        if row.group:
            wanted.add(("group", row.township, row.group))
    ids: dict[tuple, int] = {}
    missing = defaultdict(list)
    for kind, owner, name in wanted:
        table = {"district": lookup.districts, "delegation": lookup.delegations, "group": lookup.groups}[kind]
        if (owner, name) in table:
            ids[(kind, owner, name)] = table[(owner, name)]
        else:
            missing[kind].append((owner, name))
    objects = {
        "district": [ElectoralDistrict(term_id=t, name=n, region_id=_district_region(context, t))
                     for t, n in sorted(missing["district"])],
        "delegation": [Delegation(term_id=t, name=n) for t, n in sorted(missing["delegation"])],
        "group": [DeputyGroup(region_id=r, name=n) for r, n in sorted(missing["group"])],
    }
    model = {"district": ElectoralDistrict, "delegation": Delegation, "group": DeputyGroup}
    for kind, objs in objects.items():
        if objs:
            model[kind].objects.bulk_create(objs)
        for obj in objs:
            owner = obj.region_id if kind == "group" else obj.term_id
            ids[(kind, owner, obj.name)] = obj.pk
    return ids


def _district_region(context: RosterContext, term_id: int) -> str | None:
    term = context.term_by_id[term_id]
    # A township congress's districts lie in that township; a higher congress's may lie anywhere in its region.
    return term.congress.region_id if term.congress.level == Level.TOWNSHIP else None


def _audit(plan: ImportPlan, created: list[Person], *, actor, source: str, remote_addr, now) -> None:
    """One audit row per person created or changed, written in bulk (no ID numbers, phones masked)."""
    from auditlog.cid import get_cid
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Person)
    context = plan.parsed.context
    extra = {"event": "import", "note": source}
    cid = get_cid()
    entries = [
        LogEntry(content_type=content_type, object_pk=str(p.pk), object_id=p.pk, object_repr=p.name,
                 action=LogEntry.Action.CREATE, actor=actor, remote_addr=remote_addr, timestamp=now, cid=cid,
                 changes={"name": [None, p.name], "id_number": [None, p.id_masked],
                          "region": [None, context.town_name.get(p.region_id, p.region_id)]},
                 additional_data=extra)
        for p in created
    ]
    entries += [
        LogEntry(content_type=content_type, object_pk=str(u.person.pk), object_id=u.person.pk,
                 object_repr=u.person.name, action=LogEntry.Action.UPDATE, actor=actor, remote_addr=remote_addr,
                 timestamp=now, cid=cid, additional_data=extra,
                 changes={k: [_show(k, old, context), _show(k, new, context)] for k, (old, new) in u.changes.items()})
        for u in plan.updates
    ]
    LogEntry.objects.bulk_create(entries)


# ---------------------------------------------------------------------------------------------------
# The three together


@dataclass
class ImportOutcome:
    errors: list[RowError]
    summary: dict | None = None
    result: dict | None = None
    total_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.result is not None


def import_roster(content: bytes, *, scope_prefix: str = "", actor=None, dry_run: bool = False, source: str = "",
                  remote_addr: str | None = None, progress: Callable[[int, int], None] | None = None) -> ImportOutcome:
    """Check the whole file and, when every row is good and ``dry_run`` is off, write it in one transaction."""
    parsed = parse_roster(content, scope_prefix=scope_prefix, progress=progress)
    if not parsed.ok:
        return ImportOutcome(parsed.errors, total_rows=parsed.total_rows)
    if dry_run:
        plan = plan_import(parsed)
        return ImportOutcome(plan.errors, summary=plan.summary() if plan.ok else None, total_rows=parsed.total_rows)
    try:
        with transaction.atomic():
            plan = plan_import(parsed)
            if not plan.ok:
                return ImportOutcome(plan.errors, total_rows=parsed.total_rows)
            result = apply_import(plan, actor=actor, source=source, remote_addr=remote_addr)
    except IntegrityError:
        # Someone imported or added the same person between our check and our write.
        return ImportOutcome([RowError(None, "文件", "导入时名册被同时修改（可能有人在同时导入），未写入任何数据，请重新导入")],
                             total_rows=parsed.total_rows)
    return ImportOutcome([], summary=plan.summary(), result=result, total_rows=parsed.total_rows)


# ---------------------------------------------------------------------------------------------------
# Export


def roster_persons(scope_prefix: str = ""):
    """Persons of a region subtree who hold a mandate of a current term that has not ended."""
    low, high = prefix_range(scope_prefix)
    return Person.objects.filter(
        region_id__gte=low, region_id__lte=high,
        mandates__term__is_current=True, mandates__status__in=[Mandate.Status.ACTIVE, Mandate.Status.SUSPENDED],
    ).distinct().order_by("region_id", "name_initials", "id")


def export_roster(persons, out, *, title: str = "人大代表名册") -> int:
    """Write ``persons`` (a queryset) in the format ``parse_roster`` reads: a title row, the header row and one
    row per person, levels joined by 、, full ID numbers as text. Returns the number of persons written."""
    labels = [COLUMN_BY_KEY[k].label for k in EXPORT_KEYS]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("代表名册")
    widths = {"name": 10, "employer_title": 30, "id_number": 21, "township": 14, "level": 12, "phone": 14}
    for i, key in enumerate(EXPORT_KEYS):
        sheet.column_dimensions[_column_letter(i + 2)].width = widths.get(key, 10)
    sheet.column_dimensions["A"].width = 6
    title_cell = _cell(sheet, title, bold=True, size=14)
    sheet.append([title_cell])
    sheet.merged_cells.add(f"A1:{_column_letter(len(labels) + 1)}1")
    sheet.append([_cell(sheet, text, bold=True) for text in ["序号", *labels]])

    person_ids = list(dict.fromkeys(persons.values_list("pk", flat=True)))
    region_ids = set()
    for chunk in _chunks(person_ids, 2000):
        region_ids.update(Person.objects.filter(pk__in=chunk).values_list("region_id", flat=True).distinct())
    town_label = _town_labels({code[:9] + "000" for code in region_ids})
    written = 0
    for chunk in _chunks(person_ids, 1000):
        people = Person.objects.in_bulk(chunk)
        held: dict[int, list[Mandate]] = defaultdict(list)
        for m in (Mandate.objects.filter(person_id__in=chunk, term__is_current=True)
                  .exclude(status=Mandate.Status.ENDED)
                  .select_related("district", "delegation", "group").order_by("level")):
            held[m.person_id].append(m)
        for person in (people[pk] for pk in chunk):
            mandates = held.get(person.pk, [])
            target = _target_mandate(mandates)
            values = {
                "name": person.name, "gender": person.gender, "ethnicity": person.ethnicity,
                "birth": f"{person.birth_date.year}.{person.birth_date.month:02d}" if person.birth_date else "",
                "native_place": person.native_place, "political_status": person.political_status,
                "education": person.education, "employer_title": person.employer_title,
                "level": "、".join(LEVEL_SHORT[Level(m.level)] for m in mandates),
                "township": town_label.get(person.region_id[:9] + "000", ""),
                "district": target.district.name if target and target.district else "",
                "delegation": target.delegation.name if target and target.delegation else "",
                "group": target.group.name if target and target.group else "",
                "phone": person.phone, "id_number": person.id_number,
                "reelected": ("是" if target.is_reelected else "否") if target else "",
            }
            written += 1
            sheet.append([written, *(_text_cell(sheet, values[k]) for k in EXPORT_KEYS)])
    workbook.save(out)
    return written


def _target_mandate(mandates: list[Mandate]) -> Mandate | None:
    above = [m for m in mandates if m.level != Level.TOWNSHIP]
    if above:
        return max(above, key=lambda m: m.level)
    return mandates[0] if mandates else None


def _town_labels(codes: set[str]) -> dict[str, str]:
    """Township names, qualified with the county (清源县城关镇) when the plain name occurs twice in the file."""
    towns = {}
    for chunk in _chunks(sorted(codes)):
        towns.update({code: (name, parent) for code, name, parent in
                      Region.objects.filter(code__in=chunk).values_list("code", "name", "parent__name")})
    counts = Counter(name for name, _ in towns.values())
    return {code: (f"{parent}{name}" if counts[name] > 1 and parent else name) for code, (name, parent) in towns.items()}


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _cell(sheet, value, *, bold=False, size=11):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    cell.font = Font(bold=bold, size=size)
    cell.alignment = Alignment(horizontal="center", vertical="center")
    return cell


def _text_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=safe_cell(value if value not in (None, "") else None))
    cell.number_format = "@"
    return cell


def errors_workbook(errors: Iterable[dict | RowError]) -> Workbook:
    """The errors of an import as a sheet the user can work down while fixing the file."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "导入错误"
    sheet.append(["行号", "列名", "说明"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for error in errors:
        item = error.as_dict() if isinstance(error, RowError) else error
        sheet.append([item.get("row"), safe_cell(item.get("column", "")), safe_cell(item.get("message", ""))])
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["C"].width = 80
    return workbook

"""China's resident ID number (GB 11643-1999): checksum, birth date and sex."""

import datetime as dt
import re
from dataclasses import dataclass

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    gender: str  # 男 / 女


class IdNumberError(ValueError):
    pass


def parse_id_number(raw) -> IdInfo:
    """Validate an ID number as typed (spaces, lower-case x allowed) and return its facts, or raise with a reason."""
    if isinstance(raw, int | float):
        raise IdNumberError("身份证号被Excel存成了数字，末几位已丢失；请把该列设为文本后重新填写")
    text = re.sub(r"[\s\u3000-]", "", str(raw or "")).upper()
    text = text.translate(str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX"))
    if re.fullmatch(r"\d\.\d+E\+?\d+", text):
        raise IdNumberError("身份证号被Excel存成了科学计数法数字，末几位已丢失；请把该列设为文本后重新填写")
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise IdNumberError("身份证号应为18位，最后一位可以是X")
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError as exc:
        raise IdNumberError("身份证号中的出生日期不存在") from exc
    if birth.year < 1900 or birth > dt.date.today():
        raise IdNumberError("身份证号中的出生日期不合理")
    if check_digit(text[:17]) != text[17]:
        raise IdNumberError("身份证号校验位不正确，请核对是否抄错")
    return IdInfo(number=text, birth_date=birth, gender="男" if int(text[16]) % 2 else "女")


def make_id_number(region6: str, birth: dt.date, seq: int, male: bool) -> str:
    """Build a valid number (for demo data and tests): sequence digits end odd for men, even for women."""
    order = (seq * 2 + (1 if male else 0)) % 1000
    body = f"{region6}{birth:%Y%m%d}{order:03d}"
    return body + check_digit(body)

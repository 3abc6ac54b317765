"""Normalising what people type into Excel: full-width characters, stray spaces, dates in many shapes."""

import datetime as dt
import re
import unicodedata

_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def to_halfwidth(value: str) -> str:
    return unicodedata.normalize("NFKC", value)


def squeeze(value) -> str:
    """Half-width text with every run of whitespace removed (for headers, names, codes)."""
    if value is None:
        return ""
    return _SPACES.sub("", to_halfwidth(str(value)))


def clean_text(value) -> str:
    """Half-width text with outer whitespace stripped and inner runs collapsed to one space."""
    if value is None:
        return ""
    return _SPACES.sub(" ", to_halfwidth(str(value))).strip()


def clean_name(value) -> str:
    # NFKC would turn the middle dot of minority names into something else; keep it.
    text = "" if value is None else str(value)
    text = text.replace("．", "·").replace("•", "·").replace("・", "·")
    return _SPACES.sub("", text)


def parse_year_month(value) -> dt.date | None:
    """1975.03, 1975年3月, 1975-03, 197503, 1975/3, 1975.3.12 or a date cell → the first of that month."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = squeeze(value)
    if isinstance(value, float):
        # 1975.03 typed into a number cell arrives as 1975.03 (or 1975.1 for October).
        year, _, frac = f"{value:.2f}".partition(".")
        text = f"{year}.{frac}"
    match = re.fullmatch(r"(\d{4})(?:[.\-/年])?(\d{1,2})(?:月)?(?:[.\-/](\d{1,2})日?|(\d{1,2})日)?", text)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)

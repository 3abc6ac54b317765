"""The current texts of the laws the handbook cites (data/laws.json), read once per process.

A citation is {"law": "代表法", "article": 33}; its label is 代表法第三十三条 and its text the article as the
law says it, so a deputy can open the article beside the answer that rests on it.
"""

import functools
import json
import re
from pathlib import Path

from .models import Law

LAWS_FILE = Path(__file__).resolve().parent / "data" / "laws.json"
DIGITS = "零一二三四五六七八九"


@functools.cache
def laws() -> dict:
    try:
        with LAWS_FILE.open(encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {}


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五, 143 → 一百四十三 (article numbers as laws write them)."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return DIGITS[n // 10] + "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        if rest == 0:
            tail = ""
        elif rest < 10:
            tail = "零" + DIGITS[rest]
        else:
            tail = chinese_numeral(rest) if rest >= 20 else "一" + chinese_numeral(rest)
        return DIGITS[n // 100] + "百" + tail
    return str(n)


def article_label(article: int) -> str:
    return f"第{chinese_numeral(article)}条"


def citation_label(citation: dict) -> str:
    return f"{citation.get('law', '')}{article_label(int(citation.get('article', 0)))}"


def article_text(law: str, article: int) -> str | None:
    return laws().get(law, {}).get("articles", {}).get(str(article))


def law_title(law: str) -> str:
    info = laws().get(law)
    if info:
        return info["title"]
    try:
        return Law(law).label
    except ValueError:
        return law


def law_version(law: str) -> str:
    return laws().get(law, {}).get("version", "")


def citation_error(citation) -> str | None:
    """Why a citation is not acceptable, in Chinese; None when it is."""
    if not isinstance(citation, dict):
        return "每条法律依据应写成 {\"law\": 法律简称, \"article\": 条号}"
    law = citation.get("law")
    article = citation.get("article")
    if law not in Law.values:
        return f"法律“{law}”不在可引用的范围内（可引用：{'、'.join(Law.values)}）"
    if isinstance(article, bool) or not isinstance(article, int) or article < 1:
        return f"{law}的条号应为正整数，而不是“{article}”"
    articles = laws().get(law, {}).get("articles")
    if articles and str(article) not in articles:
        return f"{law}（{law_version(law)}）没有{article_label(article)}（共{len(articles)}条）"
    return None


CITATION_RE = re.compile(r"^\s*(?:《)?(?P<law>[^》\s第0-9]+?)(?:》)?\s*第?\s*(?P<number>[0-9]+|[零一二三四五六七八九十百]+)\s*条?\s*$")


def parse_chinese_numeral(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in DIGITS:
            current = DIGITS.index(char)
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current or None


def parse_citations(text: str) -> tuple[list[dict], list[str]]:
    """Lines such as 代表法第三十三条, 《代表法》第33条 or 代表法 33 → citations, and an error per bad line."""
    citations, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = CITATION_RE.match(line.replace("　", " "))
        article = parse_chinese_numeral(match["number"]) if match else None
        if not match or article is None:
            errors.append(f"第{number}行“{line.strip()}”看不懂，请写成“代表法第三十三条”或“代表法 33”")
            continue
        citation = {"law": match["law"], "article": article}
        problem = citation_error(citation)
        if problem:
            errors.append(f"第{number}行：{problem}")
        elif citation not in citations:
            citations.append(citation)
    return citations, errors


def citations_text(citations: list[dict]) -> str:
    return "\n".join(citation_label(c) for c in citations)


def expand(citations: list[dict]) -> list[dict]:
    """What a page or the PDF shows of each citation: its label, the law's full title and the article's text."""
    return [
        {"law": c["law"], "article": c["article"], "label": citation_label(c), "title": law_title(c["law"]),
         "version": law_version(c["law"]), "text": article_text(c["law"], c["article"]) or ""}
        for c in citations
    ]

"""Build laws.json: the article texts of the five laws the handbook cites, from the Markdown texts in shared/law.

Run again whenever a law text is replaced by a newer one:

    .venv/bin/python lvzhi/handbook/data/build_laws.py [/work/shared/law]

Each law's articles must run 1..N without a gap and N must match the expected count below; otherwise the script
stops with an error and writes nothing.
"""

import json
import re
import sys
from pathlib import Path

DEFAULT_SOURCE = Path("/work/shared/law")
TARGET = Path(__file__).with_name("laws.json")

# short name → (file name, full title, version, expected number of articles)
LAWS = {
    "代表法": ("全国人民代表大会和地方各级人民代表大会代表法(2025-03-11).md",
            "全国人民代表大会和地方各级人民代表大会代表法", "2025年3月11日修正", 65),
    "地方组织法": ("地方各级人民代表大会和地方各级人民政府组织法(2022-03-11).md",
              "地方各级人民代表大会和地方各级人民政府组织法", "2022年3月11日修正", 90),
    "选举法": ("全国人民代表大会和地方各级人民代表大会选举法(2020-10-17).md",
            "全国人民代表大会和地方各级人民代表大会选举法", "2020年10月17日修正", 60),
    "监督法": ("各级人民代表大会常务委员会监督法(2024-11-08).md",
            "各级人民代表大会常务委员会监督法", "2024年11月8日修正", 65),
    "宪法": ("宪法.md", "中华人民共和国宪法", "2018年3月11日修正", 143),
}

DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ARTICLE = re.compile(r"^第([一二三四五六七八九十百零]+)条[ \u3000]+(.*)$")


def chinese_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 一百零三 → 103, 一百四十三 → 143."""
    total, current = 0, 0
    for char in text:
        if char in DIGITS:
            current = DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            raise ValueError(f"不是中文数字：{text}")
    return total + current


def articles(text: str) -> dict[str, str]:
    """The articles of a law text: number (as a string) → text, paragraphs joined by a line break.

    An article runs from its "第…条" line to the next article or heading; the preamble and headings are left out."""
    body = text.split("<!-- INFO END -->", 1)[-1]
    result: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            current = None
            continue
        match = ARTICLE.match(line)
        if match:
            number = chinese_number(match.group(1))
            key = str(number)
            if key in result:
                raise ValueError(f"第{match.group(1)}条出现两次")
            current = result[key] = [f"第{match.group(1)}条\u3000{match.group(2).strip()}"]
        elif current is not None:
            current.append(line)
    return {key: "\n".join(lines) for key, lines in result.items()}


def build(source: Path) -> dict:
    laws = {}
    for short, (filename, title, version, expected) in LAWS.items():
        arts = articles((source / filename).read_text(encoding="utf-8"))
        numbers = sorted(int(n) for n in arts)
        if numbers != list(range(1, expected + 1)):
            missing = sorted(set(range(1, expected + 1)) - set(numbers))
            raise SystemExit(f"{short}：应为第1至{expected}条，实得{len(numbers)}条，缺{missing[:10]}")
        laws[short] = {"title": title, "version": version,
                       "articles": {str(n): arts[str(n)] for n in numbers}}
    return laws


def main(argv: list[str]) -> None:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    laws = build(source)
    TARGET.write_text(json.dumps(laws, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for short, law in laws.items():
        print(f"{short}：{len(law['articles'])}条")


if __name__ == "__main__":
    main(sys.argv)

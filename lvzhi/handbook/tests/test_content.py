"""The built-in content: the 履职常识问答 handbook (data/handbook.json) and the law texts it cites (data/laws.json).

No database: the files are read as they ship. ``handbook_problems`` lists everything wrong with a handbook
document; the real file must have none, and the mutation tests show that each rule does catch a broken file.
"""

import copy
import importlib.util
import json
import re
from pathlib import Path

import pytest

from lvzhi.handbook.models import Law, Part

DATA = Path(__file__).resolve().parent.parent / "data"
LAW_SOURCE = Path("/work/shared/law")
PART_ORDER = [Part.SHOULD, Part.MAY, Part.MUST_NOT, Part.GUARANTEE]
TRUE_FALSE = ["正确", "错误"]

# The article counts of the current texts, counted in shared/law: 代表法 as amended on 2025-03-11 has 65
# articles (the 2015 text had 52), 地方组织法 2022 has 90, 选举法 2020 has 60, 监督法 2024 has 65, 宪法 has 143.
ARTICLE_COUNTS = {"代表法": 65, "地方组织法": 90, "选举法": 60, "监督法": 65, "宪法": 143}


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def laws() -> dict:
    return load("laws.json")


@pytest.fixture(scope="module")
def handbook() -> dict:
    return load("handbook.json")


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。！？]", text) if s.strip()]


def handbook_problems(doc: dict, laws: dict) -> list[str]:
    """Every rule the shipped handbook must keep, as a list of problems (empty when the document is sound)."""
    problems = []
    if doc.get("format") != "lvzhi-handbook" or doc.get("version") != 1:
        problems.append("format/version")
    if not doc.get("title"):
        problems.append("title")
    entries, questions = doc.get("entries", []), doc.get("questions", [])

    # entries: at least 100, at least 20 a part, numbered 1..N, parts in the order of the book
    if len(entries) < 100:
        problems.append(f"only {len(entries)} entries")
    for part in PART_ORDER:
        count = sum(1 for e in entries if e.get("part") == part)
        if count < 20:
            problems.append(f"part {part} has {count} entries")
    if [e.get("number") for e in entries] != list(range(1, len(entries) + 1)):
        problems.append("entry numbers are not 1..N in order")
    ranks = [PART_ORDER.index(e["part"]) if e.get("part") in PART_ORDER else -1 for e in entries]
    if -1 in ranks:
        problems.append("unknown part")
    elif ranks != sorted(ranks):
        problems.append("parts out of order")
    seen_questions = set()
    for e in entries:
        n = e.get("number")
        q, a = e.get("question", ""), e.get("answer", "")
        if not q.endswith("？") or len(q) > 200:
            problems.append(f"entry {n}: question must end with ？ and fit 200 characters")
        if q in seen_questions:
            problems.append(f"entry {n}: duplicate question")
        seen_questions.add(q)
        if not 2 <= len(sentences(a)) <= 6:
            problems.append(f"entry {n}: answer has {len(sentences(a))} sentences")
        citations = e.get("citations") or []
        if not citations:
            problems.append(f"entry {n}: no citation")
        pairs = [(c.get("law"), c.get("article")) for c in citations]
        if len(set(pairs)) != len(pairs):
            problems.append(f"entry {n}: duplicate citation")
        for law, article in pairs:
            if law not in Law.values:
                problems.append(f"entry {n}: law {law!r} is not one of the five")
                continue
            if not isinstance(article, int) or str(article) not in laws.get(law, {}).get("articles", {}):
                problems.append(f"entry {n}: {law} has no article {article!r}")
            if law == "代表法" and isinstance(article, int) and not 1 <= article <= ARTICLE_COUNTS["代表法"]:
                problems.append(f"entry {n}: 代表法 article {article} beyond the current text")

    # questions: at least 150, well formed per kind, each linked to an entry, no duplicates
    if len(questions) < 150:
        problems.append(f"only {len(questions)} questions")
    numbers = {e.get("number"): e for e in entries}
    texts = set()
    for i, q in enumerate(questions, start=1):
        kind, options, answer = q.get("kind"), q.get("options", []), q.get("answer", [])
        where = f"question {i} ({q.get('text', '')[:20]})"
        if not q.get("text") or len(q["text"]) > 400:
            problems.append(f"{where}: text")
        if q.get("text") in texts:
            problems.append(f"{where}: duplicate question")
        texts.add(q.get("text"))
        if q.get("entry") not in numbers:
            problems.append(f"{where}: entry {q.get('entry')!r} does not exist")
        if len(set(options)) != len(options) or not all(isinstance(o, str) and o.strip() for o in options):
            problems.append(f"{where}: duplicate or empty options")
        if not answer or not all(isinstance(x, int) and 0 <= x < len(options) for x in answer):
            problems.append(f"{where}: answer indexes out of range")
        elif answer != sorted(set(answer)):
            problems.append(f"{where}: answer indexes not sorted or repeated")
        if kind == "single":
            if len(options) != 4 or len(answer) != 1:
                problems.append(f"{where}: single needs 4 options and one answer")
        elif kind == "multiple":
            if not 4 <= len(options) <= 5 or len(answer) < 2 or len(answer) == len(options):
                problems.append(f"{where}: multiple needs 4-5 options and 2+ (not all) answers")
        elif kind == "true_false":
            if options != TRUE_FALSE or answer not in ([0], [1]):
                problems.append(f"{where}: true_false needs options 正确/错误 and one answer")
        else:
            problems.append(f"{where}: unknown kind {kind!r}")
    return problems


# ---------------------------------------------------------------- laws.json

def test_laws_are_the_five_current_texts(laws):
    assert set(laws) == set(Law.values)
    assert laws["代表法"]["title"] == "全国人民代表大会和地方各级人民代表大会代表法"
    assert laws["代表法"]["version"] == "2025年3月11日修正"
    for name, law in laws.items():
        assert law["title"] == Law(name).label
        assert [int(k) for k in law["articles"]] == list(range(1, ARTICLE_COUNTS[name] + 1)), name


def test_article_texts_are_whole_and_numbered(laws):
    build = build_module()
    for name, law in laws.items():
        for key, text in law["articles"].items():
            match = re.match(r"第([一二三四五六七八九十百零]+)条\u3000\S", text)
            assert match, (name, key, text[:20])
            assert build.chinese_number(match.group(1)) == int(key)
            # no later paragraph is the start of another article swallowed by this one
            assert not any(build.ARTICLE.match(line) for line in text.split("\n")[1:]), (name, key)
    # an article of several paragraphs keeps all of them, the last one included
    assert laws["代表法"]["articles"]["62"].endswith("代表去世的，其代表资格自然终止。")
    assert laws["代表法"]["articles"]["51"].count("\n") == 2
    assert laws["宪法"]["articles"]["143"] == "第一百四十三条\u3000中华人民共和国首都是北京。"


def build_module():
    spec = importlib.util.spec_from_file_location("build_laws", DATA / "build_laws.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("text,number", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("六十五", 65),
                                         ("一百零二", 102), ("一百一十", 110), ("一百四十三", 143)])
def test_chinese_numbers(text, number):
    assert build_module().chinese_number(text) == number


@pytest.mark.skipif(not LAW_SOURCE.is_dir(), reason="law texts (shared/law) not on this machine")
def test_laws_json_is_what_the_script_builds_from_the_texts(laws):
    assert build_module().build(LAW_SOURCE) == laws


# ---------------------------------------------------------------- handbook.json

def test_shipped_handbook_has_no_problems(handbook, laws):
    assert handbook_problems(handbook, laws) == []


def test_counts(handbook):
    entries, questions = handbook["entries"], handbook["questions"]
    assert len(entries) >= 100
    assert {p: sum(e["part"] == p for e in entries) >= 20 for p in PART_ORDER} == dict.fromkeys(PART_ORDER, True)
    assert len(questions) >= 150
    kinds = {k: sum(q["kind"] == k for q in questions) for k in ("single", "multiple", "true_false")}
    assert min(kinds.values()) >= 20, kinds


def test_questions_cover_every_entry_and_every_part(handbook):
    part_of = {e["number"]: e["part"] for e in handbook["entries"]}
    linked = {q["entry"] for q in handbook["questions"]}
    assert linked == set(part_of), "every handbook entry has at least one question"
    per_part = {p: sum(part_of[q["entry"]] == p for q in handbook["questions"]) for p in PART_ORDER}
    assert min(per_part.values()) >= 25, per_part


def test_true_false_and_single_answers_are_not_all_alike(handbook):
    """A bank where every statement is true, or the right option always comes first, teaches guessing."""
    tf = [q["answer"][0] for q in handbook["questions"] if q["kind"] == "true_false"]
    assert 0.25 <= tf.count(1) / len(tf) <= 0.75
    single = [q["answer"][0] for q in handbook["questions"] if q["kind"] == "single"]
    assert all(single.count(i) >= len(single) // 8 for i in range(4))


# Read in the law: which article each of these entries rests on, and a phrase that article really contains.
# They pin the 2025 numbering of the 代表法 (suggestions are art. 24 and 36, inspections 29, research 30, report
# to voters 58, termination 62 ...), which differs from the 2015 text.
SPOT_CHECKS = [
    (5, "会通知", "地方组织法", 14, "一般每年举行两次"),
    (13, "视察", "代表法", 29, "对本级人民政府和有关单位的工作进行视察"),
    (14, "专题调研", "代表法", 30, "开展专题调研"),
    (15, "报告交给谁", "代表法", 31, "转交有关机关、组织"),
    (18, "选民", "宪法", 102, "乡、民族乡、镇的人民代表大会代表受选民的监督"),
    (21, "报告履职情况", "代表法", 58, "向原选区选民或者原选举单位报告履职情况"),
    (25, "不能出席", "代表法", 13, "应当按照规定请假"),
    (26, "建议、批评和意见", "代表法", 24, "建议、批评和意见应当明确具体"),
    (32, "提出议案", "地方组织法", 22, "乡、民族乡、镇的人民代表大会代表五人以上联名"),
    (35, "闭会", "代表法", 36, "在本级人民代表大会闭会期间，有权向本级人民代表大会常务委员会"),
    (38, "质询", "地方组织法", 24, "代表十人以上联名可以书面提出"),
    (40, "罢免", "地方组织法", 31, "主席团或者五分之一以上代表联名"),
    (48, "常委会会议", "监督法", 13, "列席常务委员会会议"),
    (52, "辞去", "选举法", 55, "乡级的人民代表大会代表可以向本级人民代表大会书面提出辞职"),
    (53, "网络", "代表法", 45, "代表履职网络平台"),
    (59, "执法、司法案件", "代表法", 59, "不得利用执行代表职务干预具体执法、司法案件"),
    (60, "招标投标", "代表法", 59, "插手招标投标等经济活动"),
    (64, "不请假", "代表法", 62, "未经批准两次不出席本级人民代表大会会议"),
    (66, "两个地方", "选举法", 48, "不得同时担任两个以上无隶属关系的行政区域"),
    (67, "乡镇人大主席", "地方组织法", 18, "不得担任国家行政机关的职务"),
    (76, "暂时停止", "代表法", 61, "暂时停止执行代表职务"),
    (82, "不中听", "代表法", 38, "发言和表决，不受法律追究"),
    (83, "人身特别保护", "代表法", 39, "不受逮捕或者刑事审判"),
    (84, "乡镇人大代表", "代表法", 39, "执行机关应当立即报告乡、民族乡、镇的人民代表大会"),
    (86, "时间", "代表法", 40, "代表所在单位必须给予时间保障"),
    (88, "补贴", "代表法", 41, "无固定工资收入的代表"),
    (90, "经费", "代表法", 42, "专款专用"),
    (91, "了解", "代表法", 46, "保障代表的知情权"),
    (92, "年度代表工作计划", "代表法", 43, "年度代表工作计划"),
    (93, "代表证", "代表法", 49, "制发代表证"),
    (94, "培训", "代表法", 47, "有计划地组织代表参加履职学习培训"),
    (95, "答复", "代表法", 51, "自交办之日起三个月内答复"),
    (97, "重点督办", "代表法", 52, "确定重点督促办理的代表建议"),
    (100, "阻碍", "代表法", 55, "阻碍代表依法执行代表职务的"),
]


@pytest.mark.parametrize("number,keyword,law,article,phrase", SPOT_CHECKS)
def test_spot_checked_citations_say_what_the_answer_rests_on(handbook, laws, number, keyword, law, article, phrase):
    entry = next(e for e in handbook["entries"] if e["number"] == number)
    assert keyword in entry["question"], f"entry {number} is no longer the one about {keyword}"
    assert {"law": law, "article": article} in entry["citations"]
    assert phrase in laws[law]["articles"][str(article)]


def test_answers_quote_the_deadlines_and_thresholds_the_laws_set(handbook):
    """Figures a deputy acts on, as the answers state them, checked against the laws."""
    by_number = {e["number"]: e["answer"] for e in handbook["entries"]}
    assert "三个月" in by_number[95] and "六个月" in by_number[95]
    assert "五人以上联名" in by_number[32] and "十人以上联名" in by_number[32]
    assert "五分之一以上代表联名" in by_number[40] and "十分之一以上代表联名" in by_number[40]
    assert "两次" in by_number[64]
    assert "五年" in by_number[2]


# ---------------------------------------------------------------- the rules catch broken files

def mutated(doc, change):
    doc = copy.deepcopy(doc)
    change(doc)
    return doc


def _cite(doc, law, article):
    doc["entries"][0]["citations"] = [{"law": law, "article": article}]


def _first(kind):
    return lambda d: next(q for q in d["questions"] if q["kind"] == kind)


MUTATIONS = {
    "2015 numbering beyond the current 代表法": (lambda d: _cite(d, "代表法", 66), "beyond the current text"),
    "article that does not exist": (lambda d: _cite(d, "选举法", 61), "has no article 61"),
    "law outside the five": (lambda d: _cite(d, "预算法", 1), "not one of the five"),
    "article as a string": (lambda d: _cite(d, "代表法", "24"), "has no article '24'"),
    "no citation": (lambda d: d["entries"][0].update(citations=[]), "no citation"),
    "gap in numbers": (lambda d: d["entries"][5].update(number=99), "not 1..N"),
    "parts out of order": (lambda d: d["entries"][0].update(part="guarantee"), "parts out of order"),
    "too few entries": (lambda d: d.update(entries=d["entries"][:99]), "only 99 entries"),
    "one-sentence answer": (lambda d: d["entries"][0].update(answer="可以。"), "answer has 1 sentences"),
    "question without question mark": (lambda d: d["entries"][0].update(question="代表是什么"), "must end with"),
    "too few questions": (lambda d: d.update(questions=d["questions"][:149]), "only 149 questions"),
    "true_false with other options": (lambda d: _first("true_false")(d).update(options=["对", "错"]),
                                      "true_false needs"),
    "single with two answers": (lambda d: _first("single")(d).update(answer=[0, 1]), "single needs"),
    "multiple with one answer": (lambda d: _first("multiple")(d).update(answer=[0]), "multiple needs"),
    "index out of range": (lambda d: _first("single")(d).update(answer=[4]), "out of range"),
    "duplicate option": (lambda d: _first("single")(d).update(options=["甲", "甲", "乙", "丙"]), "duplicate or empty"),
    "unsorted multiple answer": (lambda d: _first("multiple")(d).update(answer=[3, 1]), "not sorted"),
    "question linked to no entry": (lambda d: d["questions"][0].update(entry=500), "entry 500 does not exist"),
    "duplicate question": (lambda d: d["questions"].append(copy.deepcopy(d["questions"][0])), "duplicate question"),
    "unknown kind": (lambda d: d["questions"][0].update(kind="essay"), "unknown kind"),
    "wrong format": (lambda d: d.update(format="other"), "format/version"),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_each_rule_catches_a_broken_file(handbook, laws, name):
    change, expected = MUTATIONS[name]
    problems = handbook_problems(mutated(handbook, change), laws)
    assert any(expected in p for p in problems), (name, problems)

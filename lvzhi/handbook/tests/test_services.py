"""Editing the handbook and the question bank: versions, rights, refusals."""

import pytest
from django.core.exceptions import PermissionDenied

from lvzhi.handbook import laws, services
from lvzhi.handbook.models import HandbookEntry, HandbookEntryVersion, Question

pytestmark = pytest.mark.django_db

GOOD = {"part": "should", "question": "代表应当怎样联系选民？", "answer": "经常走访。\n听取意见。",
        "citations": [{"law": "代表法", "article": 4}]}


def test_entry_update_keeps_previous_text_and_bumps_version(small_handbook, office_user):
    entry = small_handbook[1]
    old_question, old_answer = entry.question, entry.answer
    entry = services.entry_update(entry=entry, by=office_user, question="新的问题？", answer="新的回答。",
                                  citations=[{"law": "代表法", "article": 5}], part="may", note="按新法修改")
    assert entry.version == 2
    assert entry.question == "新的问题？" and entry.part == "may" and entry.updated_by == office_user
    version = HandbookEntryVersion.objects.get(entry=entry)
    assert (version.version, version.question, version.answer) == (1, old_question, old_answer)
    assert version.part == "should" and version.note == "按新法修改" and version.edited_by == office_user
    # The questions of the entry move to its new part.
    assert set(Question.objects.filter(entry=entry).values_list("part", flat=True)) == {"may"}


def test_entry_update_without_change_writes_no_version(small_handbook, office_user):
    entry = small_handbook[2]
    same = services.entry_update(entry=entry, by=office_user, question=entry.question, answer=entry.answer,
                                 citations=entry.citations, part=entry.part)
    assert same.version == 1
    assert not HandbookEntryVersion.objects.exists()


def test_second_edit_keeps_both_versions(small_handbook, office_user):
    entry = small_handbook[1]
    for n in (2, 3):
        entry = services.entry_update(entry=entry, by=office_user, question=f"第{n}版？", answer="回答",
                                      citations=GOOD["citations"], part="should")
    assert entry.version == 3
    assert list(entry.versions.values_list("version", flat=True)) == [2, 1]


@pytest.mark.parametrize("user", ["township_user", "leader_user", "deputy_user", "admin_user"])
def test_only_office_staff_edit(small_handbook, user, request):
    with pytest.raises(PermissionDenied):
        services.entry_update(entry=small_handbook[1], by=request.getfixturevalue(user), note="", **GOOD)
    with pytest.raises(PermissionDenied):
        services.entry_create(by=request.getfixturevalue(user), **GOOD)
    assert HandbookEntry.objects.get(number=1).version == 1


@pytest.mark.parametrize("change, message", [
    ({"question": "  "}, "问题（question）不能为空"),
    ({"answer": ""}, "回答（answer）不能为空"),
    ({"part": "later"}, "部分（part）"),
    ({"citations": []}, "至少要有一条"),
    ({"citations": [{"law": "刑法", "article": 1}]}, "不在可引用的范围内"),
    ({"citations": [{"law": "代表法", "article": 66}]}, "没有第六十六条"),
    ({"citations": [{"law": "代表法", "article": "3"}]}, "条号应为正整数"),
])
def test_entry_refusals_say_what_to_fix(small_handbook, office_user, change, message):
    with pytest.raises(services.HandbookError) as exc:
        services.entry_update(entry=small_handbook[1], by=office_user, note="", **{**GOOD, **change})
    assert message in str(exc.value)
    assert HandbookEntry.objects.get(number=1).version == 1


def test_entry_create_numbers_next_and_refuses_taken_number(small_handbook, office_user):
    entry = services.entry_create(by=office_user, **GOOD)
    assert entry.number == 9 and entry.version == 1
    with pytest.raises(services.HandbookError, match="序号3已被"):
        services.entry_create(by=office_user, number=3, **GOOD)


def test_deactivate_and_restore(small_handbook, office_user):
    entry = services.entry_set_active(entry=small_handbook[1], by=office_user, active=False)
    assert not entry.is_active
    assert services.entry_set_active(entry=entry, by=office_user, active=True).is_active


def test_question_create_update_deactivate(small_handbook, office_user):
    q = services.question_create(by=office_user, kind="multiple", text="哪些属于代表的权利？",
                                 options=["提出议案", "提出建议", "代替法院判决"], answer=[1, 0],
                                 entry=small_handbook[3])
    assert q.answer == [0, 1] and q.part == small_handbook[3].part
    q = services.question_update(question=q, by=office_user, kind="true_false", text="代表可以提出建议。",
                                 options=[], answer=[0], entry=7)
    assert q.options == ["正确", "错误"] and q.entry.number == 7 and q.part == "guarantee"
    assert not services.question_set_active(question=q, by=office_user, active=False).is_active


@pytest.mark.parametrize("kind, options, answer, message", [
    ("single", ["甲"], [0], "选项（options）应有2至8个"),
    ("single", ["甲", "乙"], [0, 1], "只能有一个正确答案"),
    ("multiple", ["甲", "乙", "丙"], [1], "多选题至少要有两个正确选项"),
    ("single", ["甲", "乙"], [2], "超出了选项范围"),
    ("single", ["甲", "甲"], [0], "选项（options）有重复"),
    ("true_false", ["对", "错"], [0], "判断题的选项"),
    ("essay", [], [0], "题型（kind）"),
])
def test_question_refusals(small_handbook, office_user, kind, options, answer, message):
    with pytest.raises(services.HandbookError) as exc:
        services.question_create(by=office_user, kind=kind, text="题目", options=options, answer=answer,
                                 entry=small_handbook[1])
    assert message in str(exc.value)


def test_question_needs_an_entry(small_handbook, office_user):
    with pytest.raises(services.HandbookError, match="对应的问答"):
        services.question_create(by=office_user, kind="true_false", text="题目", options=[], answer=[0], entry=None)


@pytest.mark.parametrize("text, expected", [
    ("代表法第三十三条", {"law": "代表法", "article": 33}),
    ("《代表法》第33条", {"law": "代表法", "article": 33}),
    ("宪法 104", {"law": "宪法", "article": 104}),
    ("宪法第一百零五条", {"law": "宪法", "article": 105}),
    ("地方组织法第十一条", {"law": "地方组织法", "article": 11}),
    ("监督法第十条", {"law": "监督法", "article": 10}),
])
def test_parse_citations(text, expected):
    citations, errors = laws.parse_citations(text)
    assert errors == [] and citations == [expected]


def test_parse_citations_reports_each_bad_line():
    citations, errors = laws.parse_citations("代表法第三条\n随便写写\n代表法第99条")
    assert citations == [{"law": "代表法", "article": 3}]
    assert errors[0].startswith("第2行") and "第3行" in errors[1] and "没有第九十九条" in errors[1]


@pytest.mark.parametrize("n, label", [(1, "一"), (10, "十"), (21, "二十一"), (100, "一百"), (105, "一百零五"),
                                      (110, "一百一十"), (143, "一百四十三")])
def test_chinese_numerals_round_trip(n, label):
    assert laws.chinese_numeral(n) == label
    assert laws.parse_chinese_numeral(label) == n


def test_citation_expands_to_current_article_text():
    [c] = laws.expand([{"law": "代表法", "article": 3}])
    assert c["label"] == "代表法第三条" and c["text"].startswith("第三条")
    assert c["version"] == "2025年3月11日修正"

"""A small handbook of our own (two entries per part, four questions per part), independent of the built-in
content, and quizzes over it."""

import copy

import pytest

PARTS = ("should", "may", "must_not", "guarantee")
CITES = {
    "should": [{"law": "代表法", "article": 3}],
    "may": [{"law": "代表法", "article": 9}],
    "must_not": [{"law": "代表法", "article": 4}],
    "guarantee": [{"law": "代表法", "article": 33}, {"law": "宪法", "article": 74}],
}
WORDS = {"should": "联系选民", "may": "提出建议", "must_not": "谋取私利", "guarantee": "误工补贴"}


def handbook_data() -> dict:
    entries, questions = [], []
    number = 0
    for part in PARTS:
        for i in range(2):
            number += 1
            entries.append({
                "number": number, "part": part, "question": f"代表{WORDS[part]}的第{i + 1}个问题？",
                "answer": f"关于{WORDS[part]}，第{i + 1}条回答的第一段。\n第二段：依法履职。",
                "citations": CITES[part],
            })
            questions += [
                {"kind": "single", "text": f"{WORDS[part]}单选题{i + 1}", "options": ["甲", "乙", "丙", "丁"],
                 "answer": [1], "entry": number},
                {"kind": "multiple", "text": f"{WORDS[part]}多选题{i + 1}", "options": ["甲", "乙", "丙", "丁"],
                 "answer": [0, 2], "entry": number},
            ]
        questions.append({"kind": "true_false", "text": f"{WORDS[part]}判断题", "options": ["正确", "错误"],
                          "answer": [0], "entry": number})
    return {"format": "lvzhi-handbook", "version": 1, "title": "测试手册", "entries": entries,
            "questions": questions}


@pytest.fixture
def hb_data():
    return copy.deepcopy(handbook_data())


@pytest.fixture
def small_handbook(db):
    from lvzhi.handbook.services import handbook_import

    handbook_import(handbook_data(), by=None)
    from lvzhi.handbook.models import HandbookEntry

    return {e.number: e for e in HandbookEntry.objects.all()}


@pytest.fixture
def make_quiz(small_handbook, office_user):
    from lvzhi.handbook.quiz import quiz_create

    def make(**fields):
        fields.setdefault("title", "履职常识自测")
        fields.setdefault("question_count", 8)
        return quiz_create(by=office_user, **fields)

    return make


def right_answers(attempt) -> dict:
    from lvzhi.handbook.models import Question

    return {str(q.pk): q.answer for q in Question.objects.filter(pk__in=attempt.question_ids)}

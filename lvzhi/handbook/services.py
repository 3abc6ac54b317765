"""Changes to the handbook and the question bank, and their JSON exchange format.

Only office staff edit (capability ``handbook.edit``); ``by=None`` is the system (management commands, the
built-in handbook). Every edit of an entry keeps the text it replaces as a HandbookEntryVersion and bumps
the entry's version, so nothing an office once published is lost.

The exchange format (export_handbook / import_handbook, and the built-in data/handbook.json)::

    {"format": "lvzhi-handbook", "version": 1, "title": "…",
     "entries": [{"number": 1, "part": "should", "question": "…", "answer": "…",
                  "citations": [{"law": "代表法", "article": 3}]}],
     "questions": [{"kind": "single", "text": "…", "options": ["…", "…"], "answer": [0], "entry": 1}]}

An import validates the whole file first and writes nothing if anything is wrong. Entries are matched by
number (an existing one is updated and keeps its previous text as a version), questions by their text.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from lvzhi.core.audit import audit_event

from . import laws
from .models import HandbookEntry, HandbookEntryVersion, Part, Question

FORMAT = "lvzhi-handbook"
FORMAT_VERSION = 1
DEFAULT_TITLE = "人大代表履职常识问答"
BUILTIN_FILE = Path(__file__).resolve().parent / "data" / "handbook.json"
TRUE_FALSE_OPTIONS = ["正确", "错误"]
MAX_OPTIONS = 8
QUESTION_MAX = HandbookEntry._meta.get_field("question").max_length
TEXT_MAX = Question._meta.get_field("text").max_length


class HandbookError(ValueError):
    """A refusal with the reasons, in Chinese, ready to show."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("；".join(self.errors))


def _require_editor(by) -> None:
    if by is not None and not by.can("handbook.edit"):
        raise PermissionDenied("只有代表工委工作人员可以修改履职常识问答和题库")


def _actor(by):
    return by if getattr(by, "pk", None) else None


# ------------------------------------------------------------------------------------------ validation


def entry_errors(*, part, question, answer, citations, where: str = "") -> list[str]:
    prefix = f"{where}：" if where else ""
    errors = []
    if part not in Part.values:
        errors.append(f"{prefix}部分（part）应为 should、may、must_not、guarantee 之一，而不是“{part}”")
    if not isinstance(question, str) or not question.strip():
        errors.append(f"{prefix}问题（question）不能为空")
    elif len(question.strip()) > QUESTION_MAX:
        errors.append(f"{prefix}问题（question）不能超过{QUESTION_MAX}字，现有{len(question.strip())}字")
    if not isinstance(answer, str) or not answer.strip():
        errors.append(f"{prefix}回答（answer）不能为空")
    if not isinstance(citations, list) or not citations:
        errors.append(f"{prefix}法律依据（citations）至少要有一条，写明法律简称和条号")
    else:
        for index, citation in enumerate(citations, start=1):
            problem = laws.citation_error(citation)
            if problem:
                errors.append(f"{prefix}第{index}条法律依据：{problem}")
    return errors


def question_errors(*, kind, text, options, answer, where: str = "") -> list[str]:
    prefix = f"{where}：" if where else ""
    errors = []
    if kind not in Question.Kind.values:
        return [f"{prefix}题型（kind）应为 single、multiple、true_false 之一，而不是“{kind}”"]
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{prefix}题目（text）不能为空")
    elif len(text.strip()) > TEXT_MAX:
        errors.append(f"{prefix}题目（text）不能超过{TEXT_MAX}字")
    if kind == Question.Kind.TRUE_FALSE:
        if options not in (None, [], TRUE_FALSE_OPTIONS):
            errors.append(f"{prefix}判断题的选项（options）只能是“正确”“错误”")
        options = TRUE_FALSE_OPTIONS
    elif (not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS
          or not all(isinstance(o, str) and o.strip() for o in options)):
        errors.append(f"{prefix}选项（options）应有2至{MAX_OPTIONS}个，且都不能为空")
        return errors
    elif len({o.strip() for o in options}) != len(options):
        errors.append(f"{prefix}选项（options）有重复")
    if (not isinstance(answer, list) or not answer
            or not all(isinstance(a, int) and not isinstance(a, bool) for a in answer)):
        errors.append(f"{prefix}答案（answer）应为正确选项的序号列表（从0开始），例如 [0] 或 [0, 2]")
        return errors
    if len(set(answer)) != len(answer):
        errors.append(f"{prefix}答案（answer）有重复的序号")
    if any(a < 0 or a >= len(options) for a in answer):
        errors.append(f"{prefix}答案（answer）的序号超出了选项范围（共{len(options)}个选项，序号0至{len(options) - 1}）")
    if kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE) and len(answer) != 1:
        errors.append(f"{prefix}{Question.Kind(kind).label}只能有一个正确答案")
    if kind == Question.Kind.MULTIPLE and len(set(answer)) < 2:
        errors.append(f"{prefix}多选题至少要有两个正确选项；只有一个正确选项请改为单选题")
    return errors


def _clean_options(kind: str, options) -> list[str]:
    return list(TRUE_FALSE_OPTIONS) if kind == Question.Kind.TRUE_FALSE else [o.strip() for o in options]


# ------------------------------------------------------------------------------------------ entries


def _snapshot(entry: HandbookEntry) -> tuple:
    return entry.part, entry.question, entry.answer, entry.citations


def _keep_version(entry: HandbookEntry, *, by, note: str) -> None:
    HandbookEntryVersion.objects.create(
        entry=entry, version=entry.version, part=entry.part, question=entry.question, answer=entry.answer,
        citations=entry.citations, note=note[:200], edited_by=_actor(by),
    )


@transaction.atomic
def entry_create(*, by, part: str, question: str, answer: str, citations: list, number: int | None = None
                 ) -> HandbookEntry:
    _require_editor(by)
    errors = entry_errors(part=part, question=question, answer=answer, citations=citations)
    if number is not None and HandbookEntry.objects.filter(number=number).exists():
        errors.append(f"序号{number}已被第{number}条问答使用，请换一个序号或留空自动编号")
    if errors:
        raise HandbookError(errors)
    if number is None:
        last = HandbookEntry.objects.select_for_update().order_by("-number").values_list("number", flat=True).first()
        number = (last or 0) + 1
    entry = HandbookEntry.objects.create(
        number=number, part=part, question=question.strip(), answer=answer.strip(), citations=citations,
        updated_by=_actor(by),
    )
    return entry


@transaction.atomic
def entry_update(*, entry: HandbookEntry, by, question: str, answer: str, citations: list, part: str,
                 note: str = "") -> HandbookEntry:
    """Replace the entry's text; the previous text is kept as a version and the version number goes up.
    An edit that changes nothing writes nothing."""
    _require_editor(by)
    errors = entry_errors(part=part, question=question, answer=answer, citations=citations)
    if errors:
        raise HandbookError(errors)
    entry = HandbookEntry.objects.select_for_update().get(pk=entry.pk)
    new = (part, question.strip(), answer.strip(), citations)
    if new == _snapshot(entry):
        return entry
    _keep_version(entry, by=by, note=note)
    entry.part, entry.question, entry.answer, entry.citations = new
    entry.version += 1
    entry.updated_by = _actor(by)
    entry.save()
    # The questions that test this entry belong to its part.
    Question.objects.filter(entry=entry).exclude(part=entry.part).update(part=entry.part)
    return entry


@transaction.atomic
def entry_set_active(*, entry: HandbookEntry, by, active: bool) -> HandbookEntry:
    """Take an entry out of the handbook (or put it back). Its questions leave the quizzes with it."""
    _require_editor(by)
    entry = HandbookEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.is_active == active:
        return entry
    entry.is_active = active
    entry.updated_by = _actor(by)
    entry.save(update_fields=["is_active", "updated_by", "updated_at"])
    audit_event(entry, event="handbook_entry_" + ("restore" if active else "deactivate"), actor=_actor(by),
                note=f"第{entry.number}条问答{'恢复使用' if active else '停用'}")
    return entry


# ------------------------------------------------------------------------------------------ questions


def _entry_for_question(entry) -> HandbookEntry:
    if entry is None:
        raise HandbookError("请选择这道题对应的问答：答错的人要能读到它")
    if isinstance(entry, int):
        found = HandbookEntry.objects.filter(number=entry).first()
        if found is None:
            raise HandbookError(f"没有序号为{entry}的问答")
        return found
    return entry


@transaction.atomic
def question_create(*, by, kind: str, text: str, options: list, answer: list, entry) -> Question:
    _require_editor(by)
    errors = question_errors(kind=kind, text=text, options=options, answer=answer)
    if errors:
        raise HandbookError(errors)
    entry = _entry_for_question(entry)
    return Question.objects.create(kind=kind, text=text.strip(), options=_clean_options(kind, options),
                                   answer=sorted(answer), entry=entry, part=entry.part)


@transaction.atomic
def question_update(*, question: Question, by, kind: str, text: str, options: list, answer: list, entry
                    ) -> Question:
    """Change a question. Attempts already graded keep their own snapshot, so their scores do not move."""
    _require_editor(by)
    errors = question_errors(kind=kind, text=text, options=options, answer=answer)
    if errors:
        raise HandbookError(errors)
    entry = _entry_for_question(entry)
    question = Question.objects.select_for_update().get(pk=question.pk)
    question.kind, question.text = kind, text.strip()
    question.options, question.answer = _clean_options(kind, options), sorted(answer)
    question.entry, question.part = entry, entry.part
    question.save()
    return question


@transaction.atomic
def question_set_active(*, question: Question, by, active: bool) -> Question:
    _require_editor(by)
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.is_active != active:
        question.is_active = active
        question.save(update_fields=["is_active", "updated_at"])
    return question


# ------------------------------------------------------------------------------------------ exchange


@dataclass
class ImportResult:
    entries_created: int = 0
    entries_updated: int = 0
    entries_unchanged: int = 0
    questions_created: int = 0
    questions_updated: int = 0
    questions_unchanged: int = 0
    title: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"问答：新增{self.entries_created}条，更新{self.entries_updated}条，未变{self.entries_unchanged}条；"
                f"试题：新增{self.questions_created}道，更新{self.questions_updated}道，"
                f"未变{self.questions_unchanged}道")

    @property
    def changed(self) -> bool:
        return bool(self.entries_created or self.entries_updated or self.questions_created or self.questions_updated)


def _entry_where(index: int, item) -> str:
    number = item.get("number") if isinstance(item, dict) else None
    return f"问答第{index}项（序号{number}）" if number is not None else f"问答第{index}项"


def _question_where(index: int) -> str:
    return f"试题第{index}题"


def handbook_validate(data) -> list[str]:
    """Every problem of a file in the exchange format, each naming the entry or question and the field."""
    if not isinstance(data, dict):
        return ["文件内容应是一个 JSON 对象（以 { 开头）"]
    errors = []
    if data.get("format") != FORMAT:
        errors.append(f"不是履职常识问答文件：format 应为“{FORMAT}”")
    if data.get("version") != FORMAT_VERSION:
        errors.append(f"文件格式版本（version）应为 {FORMAT_VERSION}，而不是“{data.get('version')}”")
    entries = data.get("entries")
    questions = data.get("questions", [])
    if not isinstance(entries, list):
        errors.append("缺少问答列表（entries）")
        entries = []
    if not isinstance(questions, list):
        errors.append("试题列表（questions）应为列表")
        questions = []
    numbers: set[int] = set()
    for index, item in enumerate(entries, start=1):
        where = _entry_where(index, item)
        if not isinstance(item, dict):
            errors.append(f"{where}：应为一个对象")
            continue
        number = item.get("number")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 32767:
            errors.append(f"{where}：序号（number）应为1至32767的整数")
        elif number in numbers:
            errors.append(f"{where}：序号（number）{number}重复了")
        else:
            numbers.add(number)
        errors += entry_errors(part=item.get("part"), question=item.get("question"), answer=item.get("answer"),
                               citations=item.get("citations"), where=where)
    known = numbers | set(HandbookEntry.objects.values_list("number", flat=True))
    texts: set[str] = set()
    for index, item in enumerate(questions, start=1):
        where = _question_where(index)
        if not isinstance(item, dict):
            errors.append(f"{where}：应为一个对象")
            continue
        errors += question_errors(kind=item.get("kind"), text=item.get("text"), options=item.get("options"),
                                  answer=item.get("answer"), where=where)
        text = item.get("text").strip() if isinstance(item.get("text"), str) else ""
        if text and text in texts:
            errors.append(f"{where}：题目与前面的一道题重复")
        texts.add(text)
        entry = item.get("entry")
        if isinstance(entry, bool) or not isinstance(entry, int):
            errors.append(f"{where}：对应问答（entry）应为问答的序号（整数）")
        elif entry not in known:
            errors.append(f"{where}：对应问答（entry）序号{entry}在文件和系统中都不存在")
    return errors


@transaction.atomic
def handbook_import(data, *, by, note: str = "导入") -> ImportResult:
    """Validate the whole file, then write it in one transaction; nothing is written if anything is wrong."""
    _require_editor(by)
    errors = handbook_validate(data)
    if errors:
        raise HandbookError(errors)
    result = ImportResult(title=data.get("title") or DEFAULT_TITLE)
    existing = {e.number: e for e in HandbookEntry.objects.select_for_update()}
    entries: dict[int, HandbookEntry] = dict(existing)
    actor = _actor(by)
    for item in data["entries"]:
        new = (item["part"], item["question"].strip(), item["answer"].strip(), item["citations"])
        entry = existing.get(item["number"])
        if entry is None:
            entries[item["number"]] = HandbookEntry.objects.create(
                number=item["number"], part=new[0], question=new[1], answer=new[2], citations=new[3],
                updated_by=actor)
            result.entries_created += 1
        elif new == _snapshot(entry) and entry.is_active:
            result.entries_unchanged += 1
        else:
            if new != _snapshot(entry):
                _keep_version(entry, by=by, note=note)
                entry.part, entry.question, entry.answer, entry.citations = new
                entry.version += 1
            entry.is_active = True
            entry.updated_by = actor
            entry.save()
            result.entries_updated += 1
    by_text = {q.text: q for q in Question.objects.select_for_update()}
    for item in data.get("questions", []):
        entry = entries[item["entry"]]
        values = {"kind": item["kind"], "options": _clean_options(item["kind"], item.get("options")),
                  "answer": sorted(item["answer"]), "entry": entry, "part": entry.part, "is_active": True}
        text = item["text"].strip()
        question = by_text.get(text)
        if question is None:
            by_text[text] = Question.objects.create(text=text, **values)
            result.questions_created += 1
            continue
        changed = [k for k, v in values.items() if getattr(question, k) != v]
        if not changed:
            result.questions_unchanged += 1
            continue
        for key in changed:
            setattr(question, key, values[key])
        question.save()
        result.questions_updated += 1
    # Questions follow their entry's part (an imported entry may have moved to another part).
    for entry in entries.values():
        Question.objects.filter(entry=entry).exclude(part=entry.part).update(part=entry.part)
    if result.changed:
        anchor = next(iter(entries.values()), None)
        if anchor is not None:
            audit_event(anchor, event="handbook_import", actor=actor, note=f"{note}：{result.summary()}")
    return result


def handbook_export(*, title: str = DEFAULT_TITLE) -> dict:
    """The active handbook and question bank in the exchange format (what import reads back)."""
    entries = HandbookEntry.objects.filter(is_active=True).order_by("number")
    questions = (Question.objects.filter(is_active=True, entry__is_active=True).select_related("entry")
                 .order_by("entry__number", "id"))
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "title": title,
        "exported_at": timezone.localtime().isoformat(timespec="seconds"),
        "entries": [
            {"number": e.number, "part": e.part, "question": e.question, "answer": e.answer,
             "citations": [{"law": c["law"], "article": c["article"]} for c in e.citations]}
            for e in entries
        ],
        "questions": [
            {"kind": q.kind, "text": q.text, "options": q.options, "answer": q.answer, "entry": q.entry.number}
            for q in questions
        ],
    }


def handbook_dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


def handbook_load_default(*, path: Path = BUILTIN_FILE) -> ImportResult | None:
    """Load the built-in handbook (seed_demo, a new installation). Entries an office has edited since keep
    the office's text: only numbers the system does not have yet are added. Returns None if the file is absent."""
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    have = set(HandbookEntry.objects.values_list("number", flat=True))
    have_questions = set(Question.objects.values_list("text", flat=True))
    data = {
        **data,
        "entries": [e for e in data.get("entries", []) if not isinstance(e, dict) or e.get("number") not in have],
        "questions": [q for q in data.get("questions", [])
                      if not isinstance(q, dict) or not isinstance(q.get("text"), str)
                      or q["text"].strip() not in have_questions],
    }
    return handbook_import(data, by=None, note="载入内置手册")

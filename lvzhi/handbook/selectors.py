"""Reads of the handbook: the parts with their entries, search, the question bank and a quiz's results."""

from django.db.models import Count, Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import HandbookEntry, Part, Question, Quiz, QuizAttempt

MAX_TERMS = 5
SNIPPET_BEFORE, SNIPPET_AFTER = 30, 70


def search_terms(q: str) -> list[str]:
    return [t for t in (q or "").replace("　", " ").split() if t][:MAX_TERMS]


def parts_with_entries(*, include_inactive: bool = False) -> list[dict]:
    entries = HandbookEntry.objects.only("number", "part", "question", "is_active").order_by("number")
    if not include_inactive:
        entries = entries.filter(is_active=True)
    by_part: dict[str, list] = {p: [] for p in Part.values}
    for entry in entries:
        by_part[entry.part].append(entry)
    return [{"code": p.value, "label": p.label, "entries": by_part[p.value]} for p in Part]


def search_entries(q: str, *, include_inactive: bool = False, limit: int = 50) -> list[dict]:
    """Entries whose question or answer holds every term (a number finds that entry); when none holds them
    all, those holding some. Best first: more terms, and terms in the question, count before the number."""
    terms = search_terms(q)
    if not terms:
        return []
    qs = HandbookEntry.objects.all()
    if not include_inactive:
        qs = qs.filter(is_active=True)
    each = [Q(question__icontains=t) | Q(answer__icontains=t) for t in terms]
    every, some = Q(), Q()
    for condition in each:
        every &= condition
        some |= condition
    if len(terms) == 1 and terms[0].isdigit():
        every |= Q(number=int(terms[0]))
    found = list(qs.filter(every).order_by("number")[:limit])
    all_terms = bool(found)
    if not found and len(terms) > 1:
        found = list(qs.filter(some).order_by("number")[:limit])
    rows = []
    for entry in found:
        question, answer = entry.question.lower(), entry.answer.lower()
        in_question = sum(t.lower() in question for t in terms)
        matched = sum(t.lower() in question or t.lower() in answer for t in terms)
        rows.append({"entry": entry, "question": highlight(entry.question, terms),
                     "snippet": snippet(entry.answer, terms), "all_terms": all_terms,
                     "rank": (-matched, -in_question, entry.number)})
    rows.sort(key=lambda r: r["rank"])
    return rows


def highlight(text: str, terms: list[str]) -> str:
    """``text`` escaped, with each occurrence of a term wrapped in <mark>."""
    lowered = text.lower()
    marks = [False] * len(text)
    for term in terms:
        t = term.lower()
        start = lowered.find(t)
        while t and start >= 0:
            for i in range(start, start + len(t)):
                marks[i] = True
            start = lowered.find(t, start + len(t))
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        piece = escape(text[i:j])
        out.append(f"<mark>{piece}</mark>" if marks[i] else piece)
        i = j
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def snippet(text: str, terms: list[str]) -> str:
    flat = " ".join(text.split())
    lowered = flat.lower()
    positions = [lowered.find(t.lower()) for t in terms if lowered.find(t.lower()) >= 0]
    start = max(min(positions) - SNIPPET_BEFORE, 0) if positions else 0
    end = min(start + SNIPPET_BEFORE + SNIPPET_AFTER, len(flat))
    piece = flat[start:end]
    result = highlight(piece, terms)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    return mark_safe(f"{prefix}{result}{suffix}")  # noqa: S308 - highlight escapes


def neighbours(entry: HandbookEntry) -> tuple[HandbookEntry | None, HandbookEntry | None]:
    active = HandbookEntry.objects.filter(is_active=True).only("number", "question")
    previous = active.filter(number__lt=entry.number).order_by("-number").first()
    following = active.filter(number__gt=entry.number).order_by("number").first()
    return previous, following


def question_bank(*, q: str = "", part: str = "", kind: str = "", status: str = ""):
    questions = Question.objects.select_related("entry").order_by("entry__number", "id")
    if status == "inactive":
        questions = questions.filter(is_active=False)
    elif status != "all":
        questions = questions.filter(is_active=True)
    if part in Part.values:
        questions = questions.filter(part=part)
    if kind in Question.Kind.values:
        questions = questions.filter(kind=kind)
    for term in search_terms(q):
        questions = questions.filter(text__icontains=term)
    return questions


def bank_counts() -> dict:
    """How many active questions of each part and kind (for the bank's header and the quiz form)."""
    rows = (Question.objects.filter(is_active=True, entry__is_active=True).values("part", "kind")
            .annotate(n=Count("id")))
    counts = {"total": 0, "parts": {p: 0 for p in Part.values}, "kinds": {k: 0 for k in Question.Kind.values}}
    for row in rows:
        counts["total"] += row["n"]
        counts["parts"][row["part"]] += row["n"]
        counts["kinds"][row["kind"]] += row["n"]
    return counts


def quiz_results(quiz: Quiz) -> dict:
    """Each person's graded attempts of the quiz (first and best score) and the quiz's figures."""
    attempts = (QuizAttempt.objects.filter(quiz=quiz, submitted_at__isnull=False).select_related("person")
                .only("person__name", "person_id", "score", "passed", "submitted_at", "late", "correct",
                      "question_ids").order_by("submitted_at", "id"))
    people: dict[int, dict] = {}
    for a in attempts:
        row = people.get(a.person_id)
        if row is None:
            people[a.person_id] = {"person": a.person, "first": a, "best": a, "count": 1}
        else:
            row["count"] += 1
            if a.score > row["best"].score:
                row["best"] = a
    rows = sorted(people.values(), key=lambda r: (-r["best"].score, r["person"].name))
    in_progress = QuizAttempt.objects.filter(quiz=quiz, submitted_at__isnull=True).count()
    firsts = [r["first"].score for r in rows]
    return {
        "rows": rows,
        "takers": len(rows),
        "in_progress": in_progress,
        "average": (sum(firsts) / len(firsts)).quantize(firsts[0]) if firsts else None,
        "passed": sum(1 for r in rows if r["best"].passed),
    }

"""The quiz engine: tests drawn at random from the question bank, timed, graded at once.

Training uses it before and after a class (``quiz_compare``); the pre-appointment legal exam will use it
as it is, so nothing here knows about classes.

An attempt's life: ``attempt_start`` draws the questions and sets the deadline (now + time limit) →
``attempt_save`` keeps the answers given so far (the page saves on every change) → ``attempt_submit``
grades. Only the person themself, signed in as a deputy, starts, saves and submits.

Late submission (the rule, chosen once): the server's deadline is what counts, with ``GRACE`` for the
network. A submission that arrives later is still graded, but only with the answers saved before the
deadline; what it carries is ignored, and the attempt is marked ``late``. An attempt never submitted is
graded the same way as soon as anyone looks at it after its deadline (``attempt_close_if_expired``), so a
closed browser does not leave a test open for ever.

Grading: a question counts only if the set of chosen options equals the set of correct ones (a multiple
choice half right is wrong); the score is the share of questions right, out of 100 with one decimal.
A passed quiz enters the deputy's archive (ActivityKind.QUIZ), once per quiz and person.
"""

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lvzhi.archive.models import ActivityKind
from lvzhi.archive.services import activity_record
from lvzhi.core.audit import audit_event
from lvzhi.core.models import Region

from .models import Part, Question, Quiz, QuizAttempt

GRACE = dt.timedelta(seconds=30)


class QuizError(ValueError):
    pass


# ------------------------------------------------------------------------------------------ quizzes


def _quiz_errors(*, title, parts, question_count, time_limit_minutes, pass_mark, opens_at, closes_at,
                 max_attempts) -> list[str]:
    errors = []
    if not title or not title.strip():
        errors.append("请填写测试名称")
    if any(p not in Part.values for p in parts):
        errors.append("抽题范围只能是四个部分中的一个或几个")
    if not 1 <= question_count <= 200:
        errors.append("题量应在1至200道之间")
    if not 1 <= time_limit_minutes <= 600:
        errors.append("限时应在1至600分钟之间")
    if not 0 <= pass_mark <= 100:
        errors.append("及格分应在0至100之间")
    if opens_at and closes_at and closes_at <= opens_at:
        errors.append("截止时间应晚于开放时间")
    if max_attempts < 0:
        errors.append("可答次数不能为负数")
    available = Question.objects.filter(is_active=True, entry__is_active=True)
    if parts:
        available = available.filter(part__in=parts)
    count = available.count()
    if question_count > count:
        errors.append(f"所选范围内只有{count}道在用试题，题量不能超过{count}")
    return errors


@transaction.atomic
def quiz_create(*, by, title: str, purpose: str = Quiz.Purpose.PRACTICE, parts: list[str] | None = None,
                question_count: int = 20, time_limit_minutes: int = 20, pass_mark: int = 60,
                opens_at: dt.datetime | None = None, closes_at: dt.datetime | None = None, max_attempts: int = 0,
                region: Region | None = None) -> Quiz:
    """A quiz of the office's region (or of ``region``, which must be within it)."""
    if not by.can("quiz.manage") or not by.region_id:
        raise PermissionDenied("只有代表工委工作人员可以组织测试")
    region = region or by.region
    if not region.code.startswith(by.scope_prefix):
        raise PermissionDenied("只能为本机关管辖范围组织测试")
    parts = [p for p in Part.values if p in (parts or [])]
    errors = _quiz_errors(title=title, parts=parts, question_count=question_count,
                          time_limit_minutes=time_limit_minutes, pass_mark=pass_mark, opens_at=opens_at,
                          closes_at=closes_at, max_attempts=max_attempts)
    if purpose not in Quiz.Purpose.values:
        errors.append("请选择测试用途")
    if errors:
        raise QuizError("；".join(errors))
    return Quiz.objects.create(
        title=title.strip(), purpose=purpose, parts=parts, question_count=question_count,
        time_limit_minutes=time_limit_minutes, pass_mark=pass_mark, opens_at=opens_at, closes_at=closes_at,
        max_attempts=max_attempts, region=region, created_by=by,
    )


def quiz_covers(quiz: Quiz, person) -> bool:
    """The quiz's organiser is responsible for the person's region (its own region or one below it)."""
    region = quiz.region
    return person.region_id.startswith(region.prefix)


def quiz_state(quiz: Quiz, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if quiz.opens_at and now < quiz.opens_at:
        return "not_open"
    if quiz.closes_at and now >= quiz.closes_at:
        return "closed"
    return "open"


def quizzes_for_person(person, now: dt.datetime | None = None):
    """The quizzes a deputy may see: those whose organiser covers their region, not yet closed."""
    now = now or timezone.now()
    code = person.region_id
    ancestors = [code[:n].ljust(12, "0") for n in (2, 4, 6, 9)] + [code]
    return (Quiz.objects.filter(region_id__in=set(ancestors))
            .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now)).select_related("region"))


# ------------------------------------------------------------------------------------------ attempts


def _require_self(by, person) -> None:
    if by is None or getattr(by, "role", None) != "deputy" or by.person_id != person.pk:
        raise PermissionDenied("测试只能由代表本人登录后作答")


def draw_questions(quiz: Quiz, *, rng: random.Random | None = None) -> list[int]:
    """``question_count`` active questions at random, spread as evenly as the bank allows over the parts."""
    rng = rng or random.SystemRandom()
    parts = quiz.parts or list(Part.values)
    pools: dict[str, list[int]] = {part: [] for part in parts}
    for pk, part in (Question.objects.filter(is_active=True, entry__is_active=True, part__in=parts)
                     .values_list("pk", "part")):
        pools[part].append(pk)
    for pool in pools.values():
        rng.shuffle(pool)
    order = list(parts)
    rng.shuffle(order)  # which parts get the odd extra questions changes from attempt to attempt
    drawn: list[int] = []
    while len(drawn) < quiz.question_count and any(pools.values()):
        for part in order:
            if pools[part] and len(drawn) < quiz.question_count:
                drawn.append(pools[part].pop())
    rng.shuffle(drawn)
    return drawn


def attempts_used(quiz: Quiz, person) -> int:
    return QuizAttempt.objects.filter(quiz=quiz, person=person).count()


@transaction.atomic
def attempt_start(*, quiz: Quiz, person, by=None, rng: random.Random | None = None,
                  now: dt.datetime | None = None) -> QuizAttempt:
    """Start (or resume) the person's attempt. ``by`` is the signed-in user, checked to be the person."""
    if by is not None:
        _require_self(by, person)
    now = now or timezone.now()
    if not quiz_covers(quiz, person):
        raise QuizError("这项测试不面向您所在的地区")
    open_attempt = (QuizAttempt.objects.select_for_update()
                    .filter(quiz=quiz, person=person, submitted_at__isnull=True).first())
    if open_attempt is not None:
        if now <= open_attempt.deadline + GRACE:
            return open_attempt
        _grade(open_attempt, answers=open_attempt.answers, now=now, late=True)
    state = quiz_state(quiz, now)
    if state == "not_open":
        raise QuizError(f"测试尚未开放，开放时间：{_when(quiz.opens_at)}")
    if state == "closed":
        raise QuizError("测试已截止")
    if quiz.max_attempts and attempts_used(quiz, person) >= quiz.max_attempts:
        raise QuizError(f"这项测试每人可答{quiz.max_attempts}次，您已用完")
    questions = draw_questions(quiz, rng=rng)
    if not questions:
        raise QuizError("题库中暂无可用的试题，请联系组织测试的工作人员")
    deadline = now + dt.timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at:
        deadline = min(deadline, quiz.closes_at)
    try:
        with transaction.atomic():
            return QuizAttempt.objects.create(quiz=quiz, person=person, question_ids=questions, deadline=deadline,
                                              region_code=person.region_id)
    except IntegrityError:  # a parallel request started it first: resume that one
        return QuizAttempt.objects.get(quiz=quiz, person=person, submitted_at__isnull=True)


def _when(value: dt.datetime) -> str:
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def clean_answers(attempt: QuizAttempt, answers: dict) -> dict[str, list[int]]:
    """Keep only answers to the attempt's questions, as sorted lists of option indexes."""
    allowed = {str(pk) for pk in attempt.question_ids}
    cleaned = {}
    for key, value in (answers or {}).items():
        key = str(key)
        if key not in allowed:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        try:
            chosen = sorted({int(v) for v in values if str(v).strip() != ""})
        except (TypeError, ValueError):
            continue
        if chosen:
            cleaned[key] = chosen
    return cleaned


@transaction.atomic
def attempt_save(*, attempt: QuizAttempt, answers: dict, by, now: dt.datetime | None = None) -> QuizAttempt:
    """Keep the answers given so far; refused once the time is up."""
    _require_self(by, attempt.person)
    now = now or timezone.now()
    attempt = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.submitted_at:
        raise QuizError("已经交卷，不能再修改作答")
    if now > attempt.deadline + GRACE:
        raise QuizError("答题时间已到，本次作答没有保存")
    attempt.answers = clean_answers(attempt, answers)
    attempt.save(update_fields=["answers"])
    return attempt


@transaction.atomic
def attempt_submit(*, attempt: QuizAttempt, answers: dict, by, now: dt.datetime | None = None) -> QuizAttempt:
    """Grade at once. Past the deadline (and the grace), only the answers saved in time are graded."""
    _require_self(by, attempt.person)
    now = now or timezone.now()
    attempt = QuizAttempt.objects.select_for_update().select_related("quiz", "person").get(pk=attempt.pk)
    if attempt.submitted_at:
        return attempt  # a second click, a replayed form: the first grading stands
    late = now > attempt.deadline + GRACE
    given = attempt.answers if late else clean_answers(attempt, answers)
    return _grade(attempt, answers=given, now=now, late=late)


def attempt_close_if_expired(attempt: QuizAttempt, *, now: dt.datetime | None = None) -> QuizAttempt:
    """An attempt left open past its deadline is graded with what was saved (nobody submits it)."""
    now = now or timezone.now()
    if attempt.submitted_at or now <= attempt.deadline + GRACE:
        return attempt
    with transaction.atomic():
        locked = QuizAttempt.objects.select_for_update().select_related("quiz", "person").get(pk=attempt.pk)
        if locked.submitted_at:
            return locked
        return _grade(locked, answers=locked.answers, now=now, late=True)


def attempts_close_expired(*, quiz: Quiz | None = None, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    expired = QuizAttempt.objects.filter(submitted_at__isnull=True, deadline__lt=now - GRACE)
    if quiz is not None:
        expired = expired.filter(quiz=quiz)
    count = 0
    for attempt in expired.select_related("quiz", "person"):
        attempt_close_if_expired(attempt, now=now)
        count += 1
    return count


def _grade(attempt: QuizAttempt, *, answers: dict, now: dt.datetime, late: bool) -> QuizAttempt:
    questions = Question.objects.select_related("entry").in_bulk(attempt.question_ids)
    results, correct = [], 0
    for pk in attempt.question_ids:
        question = questions.get(pk)
        if question is None:  # deleted from the bank since the draw: nobody can answer it, so it is not counted
            continue
        chosen = sorted(set(answers.get(str(pk), [])))
        right = sorted(set(question.answer))
        ok = chosen == right
        correct += ok
        results.append({
            "id": pk, "kind": question.kind, "text": question.text, "options": question.options,
            "answer": right, "given": chosen, "ok": ok,
            "entry": question.entry.number if question.entry else None,
            "entry_question": question.entry.question if question.entry else "",
        })
    total = len(results)
    score = (Decimal(correct * 100) / total).quantize(Decimal("0.1"), ROUND_HALF_UP) if total else Decimal("0")
    attempt.answers = answers
    attempt.results = results
    attempt.correct = correct
    attempt.score = score
    attempt.passed = score >= attempt.quiz.pass_mark
    attempt.submitted_at = now
    attempt.late = late
    attempt.save(update_fields=["answers", "results", "correct", "score", "passed", "submitted_at", "late"])
    audit_event(attempt.quiz, event="quiz_submit", note=(
        f"{attempt.person.name}交卷：{score}分（{correct}/{total}）" + ("，超时按保存的作答评分" if late else "")))
    if attempt.passed:
        _record_pass(attempt)
    return attempt


def _record_pass(attempt: QuizAttempt) -> None:
    """One archive activity per quiz and person, carrying the best passing score."""
    best = (QuizAttempt.objects.filter(quiz=attempt.quiz, person=attempt.person, passed=True)
            .order_by("-score", "submitted_at").first())
    quiz = attempt.quiz
    activity_record(
        person=attempt.person, kind=ActivityKind.QUIZ, when=timezone.localdate(best.submitted_at), source=quiz,
        title=f"{quiz.get_purpose_display()}：{quiz.title}（{best.score}分，合格）",
        details={"quiz": quiz.pk, "attempt": best.pk, "score": str(best.score), "pass_mark": quiz.pass_mark},
    )


# ------------------------------------------------------------------------------------------ comparison


def first_scores(quiz: Quiz, persons=None) -> dict[int, Decimal]:
    """Each person's first graded score in the quiz: a retake does not improve a before/after comparison."""
    attempts = QuizAttempt.objects.filter(quiz=quiz, submitted_at__isnull=False)
    if persons is not None:
        attempts = attempts.filter(person__in=persons)
    scores: dict[int, Decimal] = {}
    for person_id, score in attempts.order_by("submitted_at", "id").values_list("person_id", "score"):
        scores.setdefault(person_id, score)
    return scores


def _average(values) -> Decimal | None:
    values = list(values)
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def quiz_compare(*, before: Quiz, after: Quiz, persons=None) -> dict:
    """Scores before and after (e.g. a class): per person and on average.

    ``persons``: a queryset or list of Person (or ids) to restrict to (a class's enrolled people); every
    person who took either quiz when None. Each person's first graded attempt counts. Averages are given
    over everyone who took each quiz and over those who took both (``paired``)."""
    from lvzhi.people.models import Person

    now = timezone.now()
    attempts_close_expired(quiz=before, now=now)
    attempts_close_expired(quiz=after, now=now)
    person_ids = None
    if persons is not None:
        person_ids = [p if isinstance(p, int) else p.pk for p in persons]
    scores_before = first_scores(before, person_ids)
    scores_after = first_scores(after, person_ids)
    ids = set(scores_before) | set(scores_after)
    names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name"))
    rows = []
    for pk in sorted(ids, key=lambda i: (names.get(i, ""), i)):
        b, a = scores_before.get(pk), scores_after.get(pk)
        rows.append({"person_id": pk, "name": names.get(pk, ""), "before": b, "after": a,
                     "change": (a - b) if a is not None and b is not None else None})
    paired = [r for r in rows if r["change"] is not None]
    return {
        "rows": rows,
        "before_count": len(scores_before),
        "after_count": len(scores_after),
        "before_average": _average(scores_before.values()),
        "after_average": _average(scores_after.values()),
        "paired": len(paired),
        "paired_before_average": _average(r["before"] for r in paired),
        "paired_after_average": _average(r["after"] for r in paired),
        "before_pass_rate": _rate(before, scores_before),
        "after_pass_rate": _rate(after, scores_after),
    }


def _rate(quiz: Quiz, scores: dict) -> Decimal | None:
    if not scores:
        return None
    passed = sum(1 for s in scores.values() if s >= quiz.pass_mark)
    return (Decimal(passed * 100) / len(scores)).quantize(Decimal("0.1"), ROUND_HALF_UP)

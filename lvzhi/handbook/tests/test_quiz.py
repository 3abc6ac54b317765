"""The quiz engine: drawing, deadlines, grading, attempts, archive, comparison."""

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from lvzhi.archive.models import Activity, ActivityKind
from lvzhi.handbook import quiz as engine
from lvzhi.handbook.models import Question, QuizAttempt

from .conftest import right_answers

pytestmark = pytest.mark.django_db


def test_quiz_create_by_office_only(make_quiz, township_user, leader_user):
    assert make_quiz().region.code == "439901000000"
    for user in (township_user, leader_user):
        with pytest.raises(PermissionDenied):
            engine.quiz_create(by=user, title="x", question_count=4)


@pytest.mark.parametrize("fields, message", [
    ({"question_count": 30}, "只有20道在用试题"),
    ({"parts": ["may"], "question_count": 6}, "只有5道"),
    ({"title": " "}, "请填写测试名称"),
    ({"pass_mark": 120}, "及格分"),
])
def test_quiz_create_refusals(make_quiz, fields, message):
    with pytest.raises(engine.QuizError, match=message):
        make_quiz(**fields)


def test_draw_is_balanced_across_parts(make_quiz):
    quiz = make_quiz(question_count=8)
    for seed in range(5):
        drawn = engine.draw_questions(quiz, rng=random.Random(seed))
        parts = Counter(Question.objects.filter(pk__in=drawn).values_list("part", flat=True))
        assert len(drawn) == len(set(drawn)) == 8
        assert set(parts.values()) == {2}


def test_draw_uneven_count_differs_by_at_most_one_and_respects_parts(make_quiz):
    quiz = make_quiz(question_count=7, parts=["should", "must_not"])
    drawn = engine.draw_questions(quiz, rng=random.Random(3))
    parts = Counter(Question.objects.filter(pk__in=drawn).values_list("part", flat=True))
    assert set(parts) == {"should", "must_not"} and sorted(parts.values()) == [3, 4]


def test_draw_fills_from_other_parts_and_skips_inactive(make_quiz, small_handbook):
    quiz = make_quiz(question_count=12)
    Question.objects.filter(part="may").exclude(kind="true_false").update(is_active=False)
    drawn = engine.draw_questions(quiz, rng=random.Random(1))
    parts = Counter(Question.objects.filter(pk__in=drawn).values_list("part", flat=True))
    assert len(drawn) == 12 and parts["may"] == 1
    assert not Question.objects.filter(pk__in=drawn, is_active=False).exists()


def test_attempt_start_sets_deadline_and_resumes(make_quiz, deputy_user, deputy_person):
    quiz = make_quiz(time_limit_minutes=15)
    now = timezone.now()
    attempt = engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user, now=now)
    assert attempt.deadline == now + dt.timedelta(minutes=15) and len(attempt.question_ids) == 8
    assert attempt.region_code == deputy_person.region_id
    again = engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user, now=now + dt.timedelta(minutes=1))
    assert again.pk == attempt.pk


def test_only_the_person_themself(make_quiz, deputy_person, other_deputy_user, office_user, deputy_user):
    quiz = make_quiz()
    for user in (other_deputy_user, office_user):
        with pytest.raises(PermissionDenied):
            engine.attempt_start(quiz=quiz, person=deputy_person, by=user)
    attempt = engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user)
    for user in (other_deputy_user, office_user, None):
        with pytest.raises(PermissionDenied):
            engine.attempt_submit(attempt=attempt, answers={}, by=user)
        with pytest.raises(PermissionDenied):
            engine.attempt_save(attempt=attempt, answers={}, by=user)
    assert QuizAttempt.objects.get(pk=attempt.pk).submitted_at is None


def test_all_right_scores_100_and_records_the_archive(make_quiz, deputy_user, deputy_person):
    quiz = make_quiz(pass_mark=80)
    attempt = engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user)
    attempt = engine.attempt_submit(attempt=attempt, answers=right_answers(attempt), by=deputy_user)
    assert (attempt.score, attempt.correct, attempt.passed, attempt.late) == (Decimal("100"), 8, True, False)
    activity = Activity.objects.get(person=deputy_person, kind=ActivityKind.QUIZ)
    assert "履职常识自测" in activity.title and "100" in activity.title


def test_multiple_choice_half_right_is_wrong(make_quiz, deputy_user, deputy_person):
    quiz = make_quiz(pass_mark=100)
    attempt = engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user, rng=random.Random(2))
    answers = right_answers(attempt)
    multiple = Question.objects.filter(pk__in=attempt.question_ids, kind="multiple").first()
    answers[str(multiple.pk)] = [0]  # one of the two right options
    attempt = engine.attempt_submit(attempt=attempt, answers=answers, by=deputy_user)
    assert attempt.correct == 7 and attempt.score == Decimal("87.5") and attempt.passed is False
    wrong = [r for r in attempt.results if not r["ok"]]
    assert wrong == [{**wrong[0], "id": multiple.pk, "given": [0], "answer": [0, 2], "entry": multiple.entry.number}]
    assert not Activity.objects.filter(person=deputy_person).exists()


def test_extra_option_on_multiple_is_wrong_and_unanswered_is_wrong(make_quiz, deputy_user, deputy_person):
    quiz = make_quiz()
    attempt = engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user, rng=random.Random(2))
    answers = right_answers(attempt)
    multiple = Question.objects.filter(pk__in=attempt.question_ids, kind="multiple").first()
    answers[str(multiple.pk)] = [0, 1, 2]
    single = Question.objects.filter(pk__in=attempt.question_ids, kind="single").first()
    del answers[str(single.pk)]
    attempt = engine.attempt_submit(attempt=attempt, answers=answers, by=deputy_user)
    assert attempt.correct == 6 and attempt.score == Decimal("75.0")


def test_answers_to_other_questions_are_ignored(make_quiz, deputy_user, deputy_person):
    attempt = engine.attempt_start(quiz=make_quiz(), person=deputy_person, by=deputy_user)
    outside = Question.objects.exclude(pk__in=attempt.question_ids).first()
    attempt = engine.attempt_submit(attempt=attempt, answers={str(outside.pk): [0], "x": ["y"]}, by=deputy_user)
    assert attempt.answers == {} and attempt.correct == 0


def test_second_submit_changes_nothing(make_quiz, deputy_user, deputy_person):
    attempt = engine.attempt_start(quiz=make_quiz(), person=deputy_person, by=deputy_user)
    first = engine.attempt_submit(attempt=attempt, answers={}, by=deputy_user)
    second = engine.attempt_submit(attempt=attempt, answers=right_answers(attempt), by=deputy_user)
    assert first.score == second.score == Decimal("0")


def test_grading_snapshot_survives_question_edits(make_quiz, deputy_user, deputy_person, office_user):
    from lvzhi.handbook.services import question_update

    attempt = engine.attempt_start(quiz=make_quiz(), person=deputy_person, by=deputy_user)
    attempt = engine.attempt_submit(attempt=attempt, answers=right_answers(attempt), by=deputy_user)
    q = Question.objects.get(pk=attempt.question_ids[0])
    question_update(question=q, by=office_user, kind="single", text="改过的题", options=["甲", "乙", "丙"],
                    answer=[2], entry=q.entry)
    attempt.refresh_from_db()
    assert attempt.score == Decimal("100") and attempt.results[0]["text"] != "改过的题"


def test_late_submission_is_graded_with_what_was_saved(make_quiz, deputy_user, deputy_person):
    quiz = make_quiz(time_limit_minutes=10)
    start = timezone.now()
    attempt = engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user, now=start)
    right = right_answers(attempt)
    first_two = dict(list(right.items())[:2])
    engine.attempt_save(attempt=attempt, answers=first_two, by=deputy_user, now=start + dt.timedelta(minutes=9))
    with pytest.raises(engine.QuizError, match="答题时间已到"):
        engine.attempt_save(attempt=attempt, answers=right, by=deputy_user, now=start + dt.timedelta(minutes=11))
    attempt = engine.attempt_submit(attempt=attempt, answers=right, by=deputy_user,
                                    now=start + dt.timedelta(minutes=12))
    assert attempt.late and attempt.correct == 2 and attempt.score == Decimal("25.0")


def test_submission_within_grace_counts_in_full(make_quiz, deputy_user, deputy_person):
    start = timezone.now()
    attempt = engine.attempt_start(quiz=make_quiz(time_limit_minutes=10), person=deputy_person, by=deputy_user,
                                   now=start)
    attempt = engine.attempt_submit(attempt=attempt, answers=right_answers(attempt), by=deputy_user,
                                    now=start + dt.timedelta(minutes=10, seconds=20))
    assert not attempt.late and attempt.score == Decimal("100")


def test_abandoned_attempt_is_graded_after_deadline(make_quiz, deputy_user, deputy_person):
    start = timezone.now() - dt.timedelta(hours=1)
    attempt = engine.attempt_start(quiz=make_quiz(time_limit_minutes=10), person=deputy_person, by=deputy_user,
                                   now=start)
    engine.attempt_save(attempt=attempt, answers=dict(list(right_answers(attempt).items())[:4]), by=deputy_user,
                        now=start + dt.timedelta(minutes=5))
    assert engine.attempts_close_expired() == 1
    attempt.refresh_from_db()
    assert attempt.late and attempt.score == Decimal("50.0") and attempt.submitted_at is not None


def test_max_attempts(make_quiz, deputy_user, deputy_person):
    quiz = make_quiz(max_attempts=2)
    for _ in range(2):
        attempt = engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user)
        engine.attempt_submit(attempt=attempt, answers={}, by=deputy_user)
    with pytest.raises(engine.QuizError, match="每人可答2次，您已用完"):
        engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user)


def test_window_and_region(make_quiz, deputy_user, deputy_person, office_user, regions, other_deputy_user):
    now = timezone.now()
    later = make_quiz(opens_at=now + dt.timedelta(days=1))
    with pytest.raises(engine.QuizError, match="尚未开放"):
        engine.attempt_start(quiz=later, person=deputy_person, by=deputy_user)
    closed = make_quiz(closes_at=now + dt.timedelta(minutes=5))
    with pytest.raises(engine.QuizError, match="已截止"):
        engine.attempt_start(quiz=closed, person=deputy_person, by=deputy_user, now=now + dt.timedelta(minutes=6))
    # A quiz of one township is not for the deputies of another.
    town = make_quiz(region=regions["town_b"])
    with pytest.raises(engine.QuizError, match="不面向"):
        engine.attempt_start(quiz=town, person=deputy_person, by=deputy_user)
    assert engine.attempt_start(quiz=town, person=other_deputy_user.person, by=other_deputy_user)


def test_deadline_never_passes_the_closing_time(make_quiz, deputy_user, deputy_person):
    now = timezone.now()
    quiz = make_quiz(time_limit_minutes=30, closes_at=now + dt.timedelta(minutes=10))
    attempt = engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user, now=now)
    assert attempt.deadline == quiz.closes_at


def test_best_pass_is_one_archive_activity(make_quiz, deputy_user, deputy_person):
    quiz = make_quiz(pass_mark=50)
    scores = []
    for count in (4, 8):
        attempt = engine.attempt_start(quiz=quiz, person=deputy_person, by=deputy_user)
        answers = dict(list(right_answers(attempt).items())[:count])
        scores.append(engine.attempt_submit(attempt=attempt, answers=answers, by=deputy_user).score)
    activities = Activity.objects.filter(person=deputy_person, kind=ActivityKind.QUIZ)
    assert activities.count() == 1 and "100" in activities.get().title


def test_quiz_compare(make_quiz, deputy_user, deputy_person, other_deputy_user, other_deputy_person):
    before, after = make_quiz(title="培训前测试", purpose="before"), make_quiz(title="培训后测试", purpose="after")

    def sit(quiz, user, right):
        attempt = engine.attempt_start(quiz=quiz, person=user.person, by=user)
        answers = dict(list(right_answers(attempt).items())[:right])
        return engine.attempt_submit(attempt=attempt, answers=answers, by=user)

    sit(before, deputy_user, 4)  # 50
    sit(before, deputy_user, 8)  # a retake does not count
    sit(after, deputy_user, 7)  # 87.5
    sit(before, other_deputy_user, 2)  # 25, never took the after test
    result = engine.quiz_compare(before=before, after=after)
    rows = {r["name"]: r for r in result["rows"]}
    assert rows["张三"]["before"] == Decimal("50.0") and rows["张三"]["after"] == Decimal("87.5")
    assert rows["张三"]["change"] == Decimal("37.5")
    assert rows["李四"]["after"] is None and rows["李四"]["change"] is None
    assert result["before_average"] == Decimal("37.5") and result["after_average"] == Decimal("87.5")
    assert result["paired"] == 1 and result["paired_before_average"] == Decimal("50.0")
    assert result["before_pass_rate"] == Decimal("0.0") and result["after_pass_rate"] == Decimal("100.0")
    only = engine.quiz_compare(before=before, after=after, persons=[other_deputy_person])
    assert [r["name"] for r in only["rows"]] == ["李四"]


def test_quizzes_for_person(make_quiz, deputy_person, regions):
    county = make_quiz(title="县")
    town = make_quiz(title="镇", region=regions["town_a"])
    make_quiz(title="别的乡", region=regions["town_b"])
    ended = make_quiz(title="已截止", closes_at=timezone.now() + dt.timedelta(minutes=1))
    found = set(engine.quizzes_for_person(deputy_person, now=timezone.now() + dt.timedelta(minutes=2)))
    assert found == {county, town} and ended not in found

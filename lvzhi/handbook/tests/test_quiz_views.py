"""Quiz pages: the deputy's list, intro, taking (timer, autosave), submitting and the result; staff pages."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from lvzhi.handbook import quiz as engine
from lvzhi.handbook.models import Question, QuizAttempt

from .conftest import right_answers

pytestmark = pytest.mark.django_db


def _post_answers(answers: dict) -> dict:
    return {f"q{pk}": [str(i) for i in indexes] for pk, indexes in answers.items()}


def test_deputy_sees_quizzes_of_their_area(make_quiz, login, deputy_user, regions):
    make_quiz(title="县里的自测")
    make_quiz(title="河西乡的测试", region=regions["town_b"])
    body = login(deputy_user).get(reverse("handbook:quizzes")).content.decode()
    assert "县里的自测" in body and "河西乡的测试" not in body


def test_staff_list_and_scope(make_quiz, login, office_user, outsider_user, unit_user):
    make_quiz(title="县里的自测")
    assert "县里的自测" in login(office_user).get(reverse("handbook:quizzes")).content.decode()
    assert "县里的自测" not in login(outsider_user).get(reverse("handbook:quizzes")).content.decode()
    assert login(unit_user).get(reverse("handbook:quizzes")).status_code == 403


def test_office_creates_a_quiz(small_handbook, login, office_user):
    client = login(office_user)
    assert client.get(reverse("handbook:quiz_create")).status_code == 200
    response = client.post(reverse("handbook:quiz_create"), {
        "title": "培训前测试", "purpose": "before", "parts": ["should", "may"], "question_count": 6,
        "time_limit_minutes": 10, "pass_mark": 60, "max_attempts": 1})
    assert response.status_code == 302
    quiz = engine.Quiz.objects.get(title="培训前测试")
    assert quiz.parts == ["should", "may"] and quiz.region_id == office_user.region_id


def test_quiz_create_error_is_shown(small_handbook, login, office_user):
    response = login(office_user).post(reverse("handbook:quiz_create"), {
        "title": "太多题", "purpose": "practice", "question_count": 50, "time_limit_minutes": 10, "pass_mark": 60,
        "max_attempts": 0})
    assert response.status_code == 200 and "只有20道在用试题" in response.content.decode()


@pytest.mark.parametrize("user", ["township_user", "leader_user", "deputy_user"])
def test_only_office_creates_quizzes(small_handbook, login, user, request):
    assert login(request.getfixturevalue(user)).get(reverse("handbook:quiz_create")).status_code == 403


def test_quiz_page_out_of_scope(make_quiz, login, regions, deputy_user, outsider_user, office_user):
    other = make_quiz(region=regions["town_b"])
    assert login(deputy_user).get(reverse("handbook:quiz", args=[other.pk])).status_code == 404
    assert login(outsider_user).get(reverse("handbook:quiz", args=[other.pk])).status_code == 404
    assert login(office_user).get(reverse("handbook:quiz", args=[other.pk])).status_code == 200


def test_start_is_post_only_and_for_deputies(make_quiz, login, deputy_user, office_user):
    quiz = make_quiz()
    url = reverse("handbook:quiz_start", args=[quiz.pk])
    assert login(deputy_user).get(url).status_code == 405
    assert login(office_user).post(url).status_code == 403
    assert not QuizAttempt.objects.exists()


def test_deputy_takes_a_quiz_answers_one_wrong_and_reads_the_entry(make_quiz, login, deputy_user):
    quiz = make_quiz(time_limit_minutes=20)
    client = login(deputy_user)
    intro = client.get(reverse("handbook:quiz", args=[quiz.pk])).content.decode()
    assert "开始答题" in intro
    response = client.post(reverse("handbook:quiz_start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get()
    assert response["Location"] == reverse("handbook:attempt", args=[attempt.pk])
    page = client.get(response["Location"]).content.decode()
    remaining = int(re.search(r'data-remaining="(\d+)"', page).group(1))
    assert 1190 <= remaining <= 1200
    assert page.count('class="quiz-q panel"') == 8 and "handbook/quiz.js" in page

    answers = right_answers(attempt)
    single = Question.objects.filter(pk__in=attempt.question_ids, kind="single").first()
    answers[str(single.pk)] = [3]
    saved = client.post(reverse("handbook:attempt_save", args=[attempt.pk]), _post_answers(answers),
                        HTTP_HX_REQUEST="true")
    assert "已自动保存" in saved.content.decode() and "已答8/8题" in saved.content.decode()
    done = client.post(reverse("handbook:attempt_submit", args=[attempt.pk]), _post_answers(answers), follow=True)
    body = done.content.decode()
    assert "87.5" in body and "答错的 1 题" in body
    assert single.text in body and "正确答案：B. 乙" in body and "您的答案：D. 丁" in body
    assert reverse("handbook:entry", args=[single.entry.number]) in body
    # Submitting again (a second click) changes nothing.
    client.post(reverse("handbook:attempt_submit", args=[attempt.pk]), {})
    assert QuizAttempt.objects.get().score == attempt.__class__.objects.get().score


def test_another_deputy_cannot_see_or_submit(make_quiz, login, deputy_user, deputy_person, other_deputy_user):
    attempt = engine.attempt_start(quiz=make_quiz(), person=deputy_person, by=deputy_user)
    client = login(other_deputy_user)
    assert client.get(reverse("handbook:attempt", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("handbook:attempt_submit", args=[attempt.pk]), {}).status_code == 404
    assert client.post(reverse("handbook:attempt_save", args=[attempt.pk]), {}).status_code == 404
    assert QuizAttempt.objects.get().submitted_at is None


def test_staff_see_but_cannot_submit(make_quiz, login, deputy_user, deputy_person, office_user, outsider_user):
    attempt = engine.attempt_start(quiz=make_quiz(), person=deputy_person, by=deputy_user)
    client = login(office_user)
    assert "正在答题" in client.get(reverse("handbook:attempt", args=[attempt.pk])).content.decode()
    assert client.post(reverse("handbook:attempt_submit", args=[attempt.pk]), {}).status_code == 403
    assert login(outsider_user).get(reverse("handbook:attempt", args=[attempt.pk])).status_code == 404
    engine.attempt_submit(attempt=attempt, answers={}, by=deputy_user)
    assert "0.0" in login(office_user).get(reverse("handbook:attempt", args=[attempt.pk])).content.decode()


def test_submit_and_save_are_post_only(make_quiz, login, deputy_user, deputy_person):
    attempt = engine.attempt_start(quiz=make_quiz(), person=deputy_person, by=deputy_user)
    client = login(deputy_user)
    assert client.get(reverse("handbook:attempt_submit", args=[attempt.pk])).status_code == 405
    assert client.get(reverse("handbook:attempt_save", args=[attempt.pk])).status_code == 405


def test_late_page_is_graded_with_saved_answers(make_quiz, login, deputy_user, deputy_person):
    start = timezone.now() - dt.timedelta(minutes=30)
    attempt = engine.attempt_start(quiz=make_quiz(time_limit_minutes=10), person=deputy_person, by=deputy_user,
                                   now=start)
    engine.attempt_save(attempt=attempt, answers=dict(list(right_answers(attempt).items())[:2]), by=deputy_user,
                        now=start + dt.timedelta(minutes=5))
    client = login(deputy_user)
    saved = client.post(reverse("handbook:attempt_save", args=[attempt.pk]), _post_answers(right_answers(attempt)))
    assert "答题时间已到" in saved.content.decode()
    assert saved["HX-Redirect"] == reverse("handbook:attempt", args=[attempt.pk])
    done = client.post(reverse("handbook:attempt_submit", args=[attempt.pk]),
                       _post_answers(right_answers(attempt)), follow=True)
    body = done.content.decode()
    assert "25.0" in body and "超过答题时限" in body


def test_staff_results_page(make_quiz, login, deputy_user, deputy_person, other_deputy_user, office_user,
                            django_assert_max_num_queries):
    quiz = make_quiz()
    for user in (deputy_user, other_deputy_user):
        attempt = engine.attempt_start(quiz=quiz, person=user.person, by=user)
        engine.attempt_submit(attempt=attempt, answers=right_answers(attempt), by=user)
    client = login(office_user)
    with django_assert_max_num_queries(12):
        body = client.get(reverse("handbook:quiz", args=[quiz.pk])).content.decode()
    assert "张三" in body and "李四" in body and "100.0" in body

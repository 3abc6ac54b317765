"""Lesson ratings, reflections and the training effect summary: the services and their pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from lvzhi.training.models import Attendance, LeaveRequest, LessonRating, Reflection
from lvzhi.training.services import feedback as services

from .conftest import at

REFLECTION = "通过这次培训，我对代表的职责有了更深的认识，今后要多联系选民，提出高质量的建议。"


@pytest.fixture
def clock(monkeypatch):
    """clock(datetime): what timezone.now() answers from then on."""

    def set_to(when):
        monkeypatch.setattr(timezone, "now", lambda: when)

    return set_to


@pytest.fixture
def lessons(training_class):
    return list(training_class.lessons.order_by("starts_at"))


@pytest.fixture
def mine(enroll, deputy_person):
    return enroll(deputy_person)


@pytest.fixture
def after_class(clock, class_day):
    clock(at(class_day, 18))


def _attend(enrollment, lesson):
    return Attendance.objects.create(enrollment=enrollment, lesson=lesson, checked_in_at=lesson.starts_at,
                                     method=Attendance.Method.SCAN, region_code=enrollment.region_code)


def _approved_leave(enrollment, *lessons):
    leave = LeaveRequest.objects.create(enrollment=enrollment, reason="出差", status=LeaveRequest.Status.APPROVED,
                                        region_code=enrollment.region_code)
    leave.lessons.set(lessons)
    return leave


# ------------------------------------------------------------------------------------------------ services


def test_it_rates_a_started_lesson(mine, lessons, deputy_user, clock, class_day):
    clock(at(class_day, 9, 30))
    rating = services.lesson_rate(lesson=lessons[0], score="5", comment=" 讲得透彻 ", by=deputy_user)
    assert (rating.score, rating.comment, rating.enrollment) == (5, "讲得透彻", mine)


def test_it_refuses_a_lesson_not_started(mine, lessons, deputy_user, clock, class_day):
    clock(at(class_day, 10))
    with pytest.raises(services.FeedbackError, match="开始后"):
        services.lesson_rate(lesson=lessons[1], score=4, by=deputy_user)


def test_it_rates_once_per_lesson(mine, lessons, deputy_user, after_class):
    services.lesson_rate(lesson=lessons[0], score=4, by=deputy_user)
    with pytest.raises(services.FeedbackError, match="已评价"):
        services.lesson_rate(lesson=lessons[0], score=5, by=deputy_user)
    assert LessonRating.objects.get().score == 4


@pytest.mark.parametrize("score", ["0", "6", "", "五", None])
def test_it_refuses_a_score_out_of_range(mine, lessons, deputy_user, after_class, score):
    with pytest.raises(services.FeedbackError, match="1 到 5"):
        services.lesson_rate(lesson=lessons[0], score=score, by=deputy_user)


def test_it_refuses_someone_not_enrolled(training_class, lessons, other_deputy_user, after_class):
    with pytest.raises(PermissionDenied):
        services.lesson_rate(lesson=lessons[0], score=5, by=other_deputy_user)


def test_it_refuses_a_lesson_missed_on_leave(mine, lessons, deputy_user, after_class):
    _approved_leave(mine, lessons[1])
    with pytest.raises(services.FeedbackError, match="请假"):
        services.lesson_rate(lesson=lessons[1], score=5, by=deputy_user)


def test_it_lets_someone_on_leave_who_came_after_all_rate(mine, lessons, deputy_user, after_class):
    _approved_leave(mine, lessons[1])
    _attend(mine, lessons[1])
    assert services.lesson_rate(lesson=lessons[1], score=3, by=deputy_user).score == 3


def test_it_refuses_a_lesson_of_another_area(training_class, mine, lessons, deputy_user, after_class, regions):
    from lvzhi.training.models import ClassArea

    east = ClassArea.objects.create(training_class=training_class, name="东片", venue_region=regions["town_a"])
    west = ClassArea.objects.create(training_class=training_class, name="西片", venue_region=regions["town_b"])
    mine.area = east
    mine.save()
    lessons[0].area = west
    lessons[0].save()
    with pytest.raises(services.FeedbackError, match="其他片区"):
        services.lesson_rate(lesson=lessons[0], score=5, by=deputy_user)


def test_it_takes_a_reflection(mine, training_class, deputy_user, after_class):
    reflection = services.reflection_submit(training_class=training_class, title="学习体会", text=REFLECTION,
                                            by=deputy_user)
    assert reflection.enrollment == mine
    again = services.reflection_submit(training_class=training_class, title="学习体会", text=REFLECTION,
                                       by=deputy_user)
    assert again == reflection and Reflection.objects.count() == 1


@pytest.mark.parametrize(("title", "text", "message"), [("", REFLECTION, "标题"), ("体会", "太短了", "至少"),
                                                        ("长" * 101, REFLECTION, "标题最多")])
def test_it_refuses_an_incomplete_reflection(mine, training_class, deputy_user, after_class, title, text, message):
    with pytest.raises(services.FeedbackError, match=message):
        services.reflection_submit(training_class=training_class, title=title, text=text, by=deputy_user)


def test_it_refuses_a_reflection_before_the_class(mine, training_class, deputy_user, clock, class_day):
    clock(at(class_day - dt.timedelta(days=1), 12))
    with pytest.raises(services.FeedbackError, match="开班后"):
        services.reflection_submit(training_class=training_class, title="体会", text=REFLECTION, by=deputy_user)


def test_only_its_author_corrects_a_reflection(mine, enroll, other_deputy_person, other_deputy_user, training_class,
                                               deputy_user, after_class):
    enroll(other_deputy_person, 1)
    reflection = services.reflection_submit(training_class=training_class, title="体会", text=REFLECTION,
                                            by=deputy_user)
    with pytest.raises(PermissionDenied):
        services.reflection_update(reflection=reflection, title="改", text=REFLECTION, by=other_deputy_user)
    services.reflection_update(reflection=reflection, title="新标题", text=REFLECTION, by=deputy_user)
    reflection.refresh_from_db()
    assert reflection.title == "新标题"


# ------------------------------------------------------------------------------------------------ the deputy's page


def test_the_deputy_sees_their_lessons(client, deputy_user, mine, training_class, password, clock, class_day):
    clock(at(class_day, 12))
    client.force_login(deputy_user)
    response = client.get(reverse("training:my_feedback", args=[training_class.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "人大代表的职责与权利" in html and "提交评价" in html
    assert "课程开始后才能评价" in html  # the afternoon lesson


def test_the_deputy_rates_from_the_page(client, deputy_user, mine, training_class, lessons, password, after_class):
    client.force_login(deputy_user)
    url = reverse("training:lesson_rate", args=[training_class.pk, lessons[0].pk])
    response = client.post(url, {"score": "4", "comment": "很实用"})
    assert response.status_code == 302
    assert LessonRating.objects.get().score == 4


def test_the_rating_form_answers_htmx_with_the_row(client, deputy_user, mine, training_class, lessons, password,
                                                    after_class):
    client.force_login(deputy_user)
    url = reverse("training:lesson_rate", args=[training_class.pk, lessons[0].pk])
    response = client.post(url, {"score": "5"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'id="lesson-{lessons[0].pk}"' in html and "已评价" in html
    again = client.post(url, {"score": "3"}, HTTP_HX_REQUEST="true").content.decode()
    assert "已评价" in again and LessonRating.objects.get().score == 5


def test_the_rating_form_shows_the_error_in_the_row(client, deputy_user, mine, training_class, lessons, password,
                                                    after_class):
    client.force_login(deputy_user)
    url = reverse("training:lesson_rate", args=[training_class.pk, lessons[0].pk])
    html = client.post(url, {"comment": "没选分"}, HTTP_HX_REQUEST="true").content.decode()
    assert "请选择 1 到 5 分" in html and "没选分" in html


def test_rating_wants_post(client, deputy_user, mine, training_class, lessons, password):
    client.force_login(deputy_user)
    assert client.get(reverse("training:lesson_rate", args=[training_class.pk, lessons[0].pk])).status_code == 405


def test_a_deputy_not_enrolled_does_not_find_the_class(client, other_deputy_user, training_class, password):
    client.force_login(other_deputy_user)
    assert client.get(reverse("training:my_feedback", args=[training_class.pk])).status_code == 404


def test_staff_have_no_rating_page(client, office_user, training_class, password):
    client.force_login(office_user)
    assert client.get(reverse("training:my_feedback", args=[training_class.pk])).status_code == 403


def test_the_deputy_writes_a_reflection(client, deputy_user, mine, training_class, password, after_class):
    client.force_login(deputy_user)
    url = reverse("training:reflection_submit", args=[training_class.pk])
    response = client.post(url, {"title": "学习体会", "text": REFLECTION})
    assert response.status_code == 302
    bad = client.post(url, {"title": "短", "text": "太短"})
    assert bad.status_code == 400 and "至少" in bad.content.decode() and "太短" in bad.content.decode()
    assert Reflection.objects.count() == 1


def test_the_deputy_corrects_a_reflection(client, deputy_user, mine, training_class, password, after_class):
    reflection = services.reflection_submit(training_class=training_class, title="体会", text=REFLECTION,
                                            by=deputy_user)
    client.force_login(deputy_user)
    url = reverse("training:reflection_edit", args=[reflection.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "修改后", "text": REFLECTION}).status_code == 302
    reflection.refresh_from_db()
    assert reflection.title == "修改后"


def test_another_deputy_cannot_open_a_reflection(client, deputy_user, other_deputy_user, mine, training_class,
                                                 password, after_class):
    reflection = services.reflection_submit(training_class=training_class, title="体会", text=REFLECTION,
                                            by=deputy_user)
    client.force_login(other_deputy_user)
    assert client.get(reverse("training:reflection_edit", args=[reflection.pk])).status_code == 404


# ------------------------------------------------------------------------------------------------ the summary


@pytest.fixture
def rated(training_class, lessons, enroll, make_person, after_class, deputy_user, mine):
    from lvzhi.training.models import Instructor

    teacher = Instructor.objects.create(name="周明", title="教授", organisation="省委党校",
                                        region=training_class.region)
    for lesson in lessons:
        lesson.instructor = teacher
        lesson.save()
    for n, score in enumerate((5, 4, 3)):
        enrollment = enroll(make_person(f"代表{n}"), n % 2)
        _attend(enrollment, lessons[0])
        LessonRating.objects.create(lesson=lessons[0], enrollment=enrollment, score=score,
                                    comment="案例丰富" if n == 0 else "")
    services.reflection_submit(training_class=training_class, title="我的心得", text=REFLECTION, by=deputy_user)
    return lessons


def test_staff_read_the_effect_summary(client, office_user, training_class, rated, password):
    client.force_login(office_user)
    response = client.get(reverse("training:feedback", args=[training_class.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "4.0" in html  # (5 + 4 + 3) / 3
    assert "周明" in html and "案例丰富" in html and "我的心得" in html and "张三" in html


def test_the_summary_counts_attendance_by_delegation(training_class, rated):
    from lvzhi.training.figures import class_feedback_summary

    summary = class_feedback_summary(training_class)
    assert summary["overall_average"] == 4 and summary["rating_count"] == 3
    assert summary["attendance"]["due"] == 8  # four people, two ended lessons
    assert summary["attendance"]["present"] == 3
    assert summary["instructors"][0]["average"] == 4


def test_the_summary_is_for_staff(client, deputy_user, mine, training_class, password):
    client.force_login(deputy_user)
    assert client.get(reverse("training:feedback", args=[training_class.pk])).status_code == 403


def test_the_summary_of_another_county_is_not_found(client, outsider_user, training_class, password):
    client.force_login(outsider_user)
    assert client.get(reverse("training:feedback", args=[training_class.pk])).status_code == 404


def test_the_summary_wants_get(client, office_user, training_class, password):
    client.force_login(office_user)
    assert client.post(reverse("training:feedback", args=[training_class.pk])).status_code == 405


def test_the_summary_reads_a_fixed_number_of_queries(client, office_user, training_class, rated, enroll,
                                                     make_person, password, django_assert_max_num_queries):
    client.force_login(office_user)
    url = reverse("training:feedback", args=[training_class.pk])
    client.get(url)
    for n in range(10):
        enrollment = enroll(make_person(f"加{n}"), n % 2)
        _attend(enrollment, rated[1])
        LessonRating.objects.create(lesson=rated[1], enrollment=enrollment, score=4, comment=f"意见{n}")
    with django_assert_max_num_queries(24):
        assert client.get(url).status_code == 200

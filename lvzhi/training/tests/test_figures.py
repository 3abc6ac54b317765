"""Training figures: one class's and the county's, every figure opening its list, Excel, constant query counts."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lvzhi.training.models import Attendance, LeaveRequest

from .conftest import at


@pytest.fixture
def clock(monkeypatch):
    def set_to(when):
        monkeypatch.setattr(timezone, "now", lambda: when)

    return set_to


@pytest.fixture
def lessons(training_class):
    return list(training_class.lessons.order_by("starts_at"))


@pytest.fixture
def after_class(clock, class_day):
    clock(at(class_day, 18))


def _attend(enrollment, lesson, late=0):
    Attendance.objects.create(enrollment=enrollment, lesson=lesson, checked_in_at=lesson.starts_at, late_minutes=late,
                              method=Attendance.Method.SCAN, region_code=enrollment.region_code)


@pytest.fixture
def people(enroll, make_person, deputy_person, lessons, congresses, regions):
    """张三 (delegation 0) came to both, 迟到 (0) came late to the first only, 请假 (1) had leave for the
    afternoon, 缺席 (1) never came. 未参训 is a county deputy not in the class."""
    from lvzhi.people.services import mandate_create

    zhang = enroll(deputy_person)
    late = enroll(make_person("迟到"), 0)
    leave = enroll(make_person("请假", region=regions["town_b"]), 1)
    absent = enroll(make_person("缺席", region=regions["town_b"]), 1)
    _attend(zhang, lessons[0])
    _attend(zhang, lessons[1])
    _attend(late, lessons[0], late=12)
    _attend(leave, lessons[0])
    request = LeaveRequest.objects.create(enrollment=leave, reason="住院", status=LeaveRequest.Status.APPROVED,
                                          region_code=leave.region_code)
    request.lessons.set([lessons[1]])
    untrained = make_person("未参训")
    mandate_create(by=None, person=untrained, term=congresses["county"], is_reelected=True)
    return {"zhang": zhang, "late": late, "leave": leave, "absent": absent, "untrained": untrained}


# ------------------------------------------------------------------------------------------------ one class


def test_the_class_grid_counts_each_lesson(training_class, people, lessons, after_class):
    from lvzhi.training.figures import ClassGrid

    grid = ClassGrid(training_class)
    morning, afternoon = grid.by_lesson()
    assert (morning.due, morning.present, morning.leave, morning.absent, morning.late) == (4, 3, 0, 1, 1)
    assert (afternoon.due, afternoon.present, afternoon.leave, afternoon.absent) == (4, 1, 1, 2)
    delegations = {t.label: t for t in grid.by_delegation()}
    assert delegations["城关镇代表团"].rate == 75  # 3 of 4
    assert delegations["河西乡代表团"].absent == 2


def test_lessons_not_yet_over_do_not_count(training_class, people, clock, class_day):
    from lvzhi.training.figures import ClassGrid

    clock(at(class_day, 12))
    assert [t.label for t in ClassGrid(training_class).by_lesson()] == ["人大代表的职责与权利"]


def test_staff_see_the_class_figures(client, office_user, training_class, people, after_class):
    client.force_login(office_user)
    response = client.get(reverse("training:figures", args=[training_class.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "参训人次" in html and 'data-training-chart="chart-delegations"' in html
    assert 'id="chart-delegations"' in html and "training-figures.js" in html
    assert "?show=absent" in html


def test_the_absent_figure_opens_the_absent(client, office_user, training_class, people, lessons, after_class):
    client.force_login(office_user)
    url = reverse("training:figures_list", args=[training_class.pk])
    html = client.get(url, {"show": "absent", "lesson": lessons[1].pk}).content.decode()
    assert "缺席" in html and "迟到" in html and "请假" not in html.split("<tbody>")[1] and "张三" not in html
    by_delegation = client.get(url, {"show": "absent", "delegation": people["absent"].delegation_id}).content.decode()
    assert "河西乡代表团" in by_delegation and "缺席" in by_delegation and "迟到</td>" not in by_delegation


def test_an_unknown_list_is_not_found(client, office_user, training_class, people):
    client.force_login(office_user)
    url = reverse("training:figures_list", args=[training_class.pk])
    assert client.get(url, {"show": "everything"}).status_code == 404
    assert client.get(url, {"show": "absent", "lesson": "99999"}).status_code == 404


def test_the_class_figures_export_to_excel(client, office_user, training_class, people, after_class):
    client.force_login(office_user)
    response = client.get(reverse("training:figures_xlsx", args=[training_class.pk]))
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:4] == ["概况", "各代表团出勤", "各课程出勤", "人员出勤与学时"]
    people_rows = {row[0]: row for row in wb["人员出勤与学时"].iter_rows(min_row=2, values_only=True)}
    assert people_rows["张三"][7] == 5 and people_rows["缺席"][5] == 2
    assert "代表建议的撰写" in people_rows["缺席"][8]


def test_class_figures_are_for_staff(client, deputy_user, people, training_class):
    client.force_login(deputy_user)
    assert client.get(reverse("training:figures", args=[training_class.pk])).status_code == 403
    assert client.get(reverse("training:figures_xlsx", args=[training_class.pk])).status_code == 403


def test_class_figures_of_another_county_are_not_found(client, outsider_user, training_class):
    client.force_login(outsider_user)
    assert client.get(reverse("training:figures", args=[training_class.pk])).status_code == 404
    assert client.get(reverse("training:figures_list", args=[training_class.pk])).status_code == 404


def test_figures_want_get(client, office_user, training_class):
    client.force_login(office_user)
    assert client.post(reverse("training:figures", args=[training_class.pk])).status_code == 405
    assert client.post(reverse("training:figures_overview")).status_code == 405


def test_class_figures_read_a_fixed_number_of_queries(client, office_user, training_class, people, lessons, enroll,
                                                      make_person, after_class, django_assert_max_num_queries):
    client.force_login(office_user)
    url = reverse("training:figures", args=[training_class.pk])
    list_url = reverse("training:figures_list", args=[training_class.pk]) + "?show=enrolled"
    for n in range(15):
        _attend(enroll(make_person(f"加{n}"), n % 2), lessons[n % 2])
    with django_assert_max_num_queries(18):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(list_url).status_code == 200


# ------------------------------------------------------------------------------------------------ the county


def test_the_overview_counts_the_year(training_class, people, office_user, after_class):
    from lvzhi.training.figures import Overview, overview_period

    overview = Overview(office_user, overview_period(office_user, year=2026))
    figures = {c["label"]: c["value"] for c in overview.figures(list_url=lambda show, **p: show)["cards"]}
    assert figures["举办培训班"] == 1
    assert figures["参训人次"] == 3  # the one who never came is no 人次
    # deputies in scope: 张三 (county + township mandate) and 未参训 (county); 张三 trained
    assert figures["代表参训率"] == "50.0%"
    assert figures["未参训代表"] == 1
    assert figures["新任代表参训率"] == "100.0%"  # 张三 is new; 未参训 was re-elected
    assert figures["未参训新任代表"] == 0


def test_the_untrained_figure_opens_the_untrained(client, office_user, training_class, people, after_class):
    client.force_login(office_user)
    response = client.get(reverse("training:figures_overview_list"), {"show": "untrained", "year": "2026"})
    html = response.content.decode()
    assert response.status_code == 200 and "未参训" in html and "张三" not in html


def test_another_year_has_no_classes(training_class, people, office_user, after_class):
    from lvzhi.training.figures import Overview, overview_period

    overview = Overview(office_user, overview_period(office_user, year=2025))
    assert overview.classes == [] and overview.figures(list_url=lambda s, **p: s)["cards"][0]["value"] == 0


def test_the_term_period_follows_the_users_congress(office_user, congresses):
    from lvzhi.training.figures import overview_period

    period = overview_period(office_user, kind="term")
    assert period.kind == "term" and period.start == congresses["county"].start_date


def test_staff_see_the_overview(client, office_user, training_class, people, after_class):
    client.force_login(office_user)
    response = client.get(reverse("training:figures_overview"), {"year": "2026"})
    html = response.content.decode()
    assert response.status_code == 200 and "举办培训班" in html and training_class.title in html
    assert 'data-training-chart="chart-share"' in html


def test_the_absent_list_of_a_township(client, office_user, training_class, people, regions, after_class):
    client.force_login(office_user)
    response = client.get(reverse("training:figures_overview_list"),
                          {"show": "absent", "year": "2026", "home": regions["town_b"].pk})
    html = response.content.decode()
    assert "河西乡" in html and "缺席" in html and "迟到" not in html


def test_the_overview_exports_to_excel(client, office_user, training_class, people, after_class):
    client.force_login(office_user)
    response = client.get(reverse("training:figures_overview_xlsx"), {"year": "2026"})
    wb = load_workbook(io.BytesIO(response.content))
    assert {"概况", "培训班", "各代表团出勤", "代表参训学时", "未参训代表"} <= set(wb.sheetnames)
    assert [row[0] for row in wb["未参训代表"].iter_rows(min_row=2, values_only=True)] == ["未参训"]


def test_a_township_sees_its_deputies_at_the_countys_class(client, township_user, training_class, people,
                                                           after_class):
    from lvzhi.training.figures import Overview, overview_period

    overview = Overview(township_user, overview_period(township_user, year=2026))
    assert overview.classes == []  # the county's class is not one they held
    assert set(overview.deputies) == {people["zhang"].person_id, people["untrained"].pk}
    figures = {c["label"]: c["value"] for c in overview.figures(list_url=lambda show, **p: show)["cards"]}
    # 张三 and 迟到 are 城关镇's (people of 河西乡 are not theirs); 张三 is one of their two deputies
    assert figures["参训人次"] == 2 and figures["代表参训率"] == "50.0%" and figures["举办培训班"] == 0
    assert {r["name"] for r in overview.people("untrained")[1]} == {"未参训"}


def test_the_overview_is_for_staff(client, deputy_user, unit_user):
    for user in (deputy_user, unit_user):
        client.force_login(user)
        assert client.get(reverse("training:figures_overview")).status_code == 403
        assert client.get(reverse("training:figures_overview_list"), {"show": "untrained"}).status_code == 403


def test_a_leader_reads_the_overview(client, leader_user, training_class, people, after_class):
    client.force_login(leader_user)
    assert client.get(reverse("training:figures_overview")).status_code == 200


def test_the_overview_reads_a_fixed_number_of_queries(client, office_user, training_class, people, lessons, enroll,
                                                      make_person, congresses, after_class,
                                                      django_assert_max_num_queries):
    from lvzhi.people.services import mandate_create

    client.force_login(office_user)
    for n in range(15):
        person = make_person(f"加{n}")
        mandate_create(by=None, person=person, term=congresses["county"])
        _attend(enroll(person, n % 2), lessons[n % 2])
    for url in (reverse("training:figures_overview") + "?year=2026",
                reverse("training:figures_overview_list") + "?show=hours&year=2026"):
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200


@pytest.fixture
def quizzes(training_class, people, regions):
    from decimal import Decimal

    from lvzhi.handbook.models import Quiz, QuizAttempt

    before = Quiz.objects.create(title="培训前测试", purpose=Quiz.Purpose.BEFORE, region=regions["county"])
    after = Quiz.objects.create(title="培训后测试", purpose=Quiz.Purpose.AFTER, region=regions["county"])
    when = at(training_class.start_date, 8)
    for quiz, scores in ((before, {"zhang": 60, "late": 50}), (after, {"zhang": 90, "late": 80, "leave": 70})):
        for key, score in scores.items():
            person = people[key].person
            QuizAttempt.objects.create(quiz=quiz, person=person, deadline=when, submitted_at=when,
                                       score=Decimal(score), passed=score >= 60, region_code=person.region_id)
    training_class.pre_quiz, training_class.post_quiz = before, after
    training_class.save()
    return before, after


def test_the_class_compares_quiz_scores_before_and_after(training_class, quizzes, after_class):
    from lvzhi.training.figures import quiz_comparison

    quiz = quiz_comparison(training_class)
    assert (quiz["before_average"], quiz["after_average"], quiz["paired"]) == (55, 80, 2)
    assert (quiz["paired_before_average"], quiz["paired_after_average"]) == (55, 85)


def test_quiz_scores_show_on_the_pages_and_in_excel(client, office_user, training_class, quizzes, after_class):
    client.force_login(office_user)
    summary = client.get(reverse("training:feedback", args=[training_class.pk])).content.decode()
    assert "培训前后测试" in summary and "55.0" in summary and "85.0" in summary
    response = client.get(reverse("training:figures_xlsx", args=[training_class.pk]))
    rows = list(load_workbook(io.BytesIO(response.content))["培训前后测试"].iter_rows(min_row=2, values_only=True))
    assert ("张三", 60, 90, 30) in rows
    overview = client.get(reverse("training:figures_overview"), {"year": "2026"}).content.decode()
    assert 'data-training-chart="chart-quiz"' in overview


def test_a_list_exports_itself_to_excel(client, office_user, training_class, people, lessons, after_class):
    client.force_login(office_user)
    url = reverse("training:figures_list", args=[training_class.pk])
    page = client.get(url, {"show": "absent", "lesson": lessons[1].pk}).content.decode()
    assert "format=xlsx" in page
    response = client.get(url, {"show": "absent", "lesson": lessons[1].pk, "format": "xlsx"})
    names = [row[0] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2,
                                                                                          values_only=True)]
    assert sorted(names) == ["缺席", "迟到"]
    overview = client.get(reverse("training:figures_overview_list"),
                          {"show": "untrained", "year": "2026", "format": "xlsx"})
    assert [row[0] for row in load_workbook(io.BytesIO(overview.content)).active.iter_rows(
        min_row=2, values_only=True)] == ["未参训"]

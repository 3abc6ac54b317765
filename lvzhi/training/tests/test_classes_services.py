"""Class services: creation, the state machine (publish, finish, cancel), lessons, areas, tasks, rights."""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from lvzhi.core.models import Notification
from lvzhi.training.models import ClassForm, Enrollment, Lesson, TrainingClass
from lvzhi.training.services import classes as svc
from lvzhi.training.services.classes import TrainingError

from .conftest import at

pytestmark = pytest.mark.django_db


def _new_class(by, region, **fields):
    defaults = {"title": "新任代表培训班", "organiser": "清源县人大常委会", "start_date": dt.date(2026, 12, 8),
                "end_date": dt.date(2026, 12, 9), "venue": "县委党校"}
    return svc.class_create(by=by, region=region, **{**defaults, **fields})


def test_office_creates_a_draft_class(office_user, regions):
    cls = _new_class(office_user, regions["county"])
    assert cls.status == TrainingClass.Status.DRAFT
    assert cls.leave_chain == ["home_office", "organiser"]
    assert cls.created_by == office_user


def test_township_creates_only_in_its_own_region(township_user, regions):
    assert _new_class(township_user, regions["town_a"]).region == regions["town_a"]
    with pytest.raises(TrainingError):
        _new_class(township_user, regions["county"])


def test_leader_and_outsider_cannot_create(leader_user, outsider_user, regions):
    for user in (leader_user, outsider_user):
        with pytest.raises(TrainingError):
            _new_class(user, regions["county"])


def test_end_before_start_is_refused(office_user, regions):
    with pytest.raises(TrainingError, match="结业日期不能早于开班日期"):
        _new_class(office_user, regions["county"], end_date=dt.date(2026, 12, 1))


def test_publish_needs_lessons(office_user, regions):
    cls = _new_class(office_user, regions["county"])
    with pytest.raises(TrainingError, match="请先在日程中添加课程"):
        svc.class_publish(by=office_user, training_class=cls)
    svc.lesson_create(by=office_user, training_class=cls, topic="代表法解读", starts_at=at(dt.date(2026, 12, 8), 9),
                      ends_at=at(dt.date(2026, 12, 8), 11))
    svc.class_publish(by=office_user, training_class=cls)
    cls.refresh_from_db()
    assert cls.status == TrainingClass.Status.PUBLISHED
    entry = LogEntry.objects.filter(additional_data__event="status_change").latest("timestamp")
    assert entry.changes == {"status": ["draft", "published"]}
    with pytest.raises(TrainingError, match="不能发布"):
        svc.class_publish(by=office_user, training_class=cls)


def test_areas_class_needs_areas_to_publish(office_user, regions):
    cls = _new_class(office_user, regions["county"], form=ClassForm.AREAS)
    svc.lesson_create(by=office_user, training_class=cls, topic="代表法解读", starts_at=at(dt.date(2026, 12, 8), 9),
                      ends_at=at(dt.date(2026, 12, 8), 11))
    with pytest.raises(TrainingError, match="划分片区"):
        svc.class_publish(by=office_user, training_class=cls)


def test_finish_not_before_the_last_day(office_user, training_class):
    with pytest.raises(TrainingError, match="届时再办理结业"):
        svc.class_finish(by=office_user, training_class=training_class, today=dt.date(2026, 12, 7))
    svc.class_finish(by=office_user, training_class=training_class, today=dt.date(2026, 12, 8))
    training_class.refresh_from_db()
    assert training_class.status == TrainingClass.Status.FINISHED
    with pytest.raises(TrainingError):
        svc.class_cancel(by=office_user, training_class=training_class, reason="x")


def test_draft_cannot_finish(office_user, regions):
    cls = _new_class(office_user, regions["county"])
    with pytest.raises(TrainingError, match="不能结业"):
        svc.class_finish(by=office_user, training_class=cls, today=dt.date(2027, 1, 1))


def test_cancel_needs_a_reason_and_tells_the_notified(office_user, training_class, enroll, deputy_user,
                                                      other_deputy_user, django_capture_on_commit_callbacks):
    from django.utils import timezone

    enroll(deputy_user.person, notified_at=timezone.now())
    enroll(other_deputy_user.person, delegation=1)
    with pytest.raises(TrainingError, match="原因"):
        svc.class_cancel(by=office_user, training_class=training_class, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        svc.class_cancel(by=office_user, training_class=training_class, reason="因天气原因延期")
    training_class.refresh_from_db()
    assert training_class.status == TrainingClass.Status.CANCELLED
    assert Notification.objects.filter(user=deputy_user, title__contains="已取消").count() == 1
    assert not Notification.objects.filter(user=other_deputy_user).exists()


def test_lesson_default_hours_from_duration(office_user, training_class, class_day):
    lesson = svc.lesson_create(by=office_user, training_class=training_class, topic="分组讨论",
                               starts_at=at(class_day, 19), ends_at=at(class_day, 20, 40))
    assert lesson.hours == Decimal("1.5")
    assert svc.default_hours(at(class_day, 9), at(class_day, 11, 30)) == Decimal("2.5")


def test_lesson_outside_the_class_dates_or_overlapping_is_refused(office_user, training_class, class_day):
    with pytest.raises(TrainingError, match="培训期间"):
        svc.lesson_create(by=office_user, training_class=training_class, topic="x",
                          starts_at=at(class_day + dt.timedelta(days=1), 9),
                          ends_at=at(class_day + dt.timedelta(days=1), 10))
    with pytest.raises(TrainingError, match="时间重叠"):
        svc.lesson_create(by=office_user, training_class=training_class, topic="x", starts_at=at(class_day, 10),
                          ends_at=at(class_day, 12))
    with pytest.raises(TrainingError, match="晚于开始"):
        svc.lesson_create(by=office_user, training_class=training_class, topic="x", starts_at=at(class_day, 13),
                          ends_at=at(class_day, 12))


def test_lessons_of_different_areas_may_share_a_time(office_user, regions, class_day):
    cls = _new_class(office_user, regions["county"], form=ClassForm.AREAS, start_date=class_day, end_date=class_day)
    east = svc.area_create(by=office_user, training_class=cls, name="东片", venue_region=regions["town_a"],
                           regions=[regions["town_a"]])
    west = svc.area_create(by=office_user, training_class=cls, name="西片", venue_region=regions["town_b"],
                           regions=[regions["town_b"]])
    svc.lesson_create(by=office_user, training_class=cls, topic="东片课", area=east, starts_at=at(class_day, 9),
                      ends_at=at(class_day, 11))
    svc.lesson_create(by=office_user, training_class=cls, topic="西片课", area=west, starts_at=at(class_day, 9),
                      ends_at=at(class_day, 11))
    assert Lesson.objects.filter(training_class=cls).count() == 2


def test_a_township_belongs_to_one_area(office_user, regions):
    cls = _new_class(office_user, regions["county"], form=ClassForm.AREAS)
    svc.area_create(by=office_user, training_class=cls, name="东片", venue_region=regions["town_a"],
                    regions=[regions["town_a"]])
    with pytest.raises(TrainingError, match="只能属于一个片区"):
        svc.area_create(by=office_user, training_class=cls, name="西片", venue_region=regions["town_b"],
                        regions=[regions["town_a"], regions["town_b"]])
    with pytest.raises(TrainingError, match="不在主办机关"):
        svc.area_create(by=office_user, training_class=cls, name="北片", venue_region=regions["other_town"],
                        regions=[regions["other_town"]])


def test_areas_only_for_areas_classes(office_user, training_class, regions):
    with pytest.raises(TrainingError, match="只有分片培训"):
        svc.area_create(by=office_user, training_class=training_class, name="东片", venue_region=regions["town_a"])


def test_tasks_complete_and_reopen(office_user, training_class):
    task = svc.task_create(by=office_user, training_class=training_class, title="印制学员手册", owner="代表工委",
                           due_date=dt.date(2026, 12, 1))
    svc.task_complete(by=office_user, task=task, done_on=dt.date(2026, 11, 20))
    task.refresh_from_db()
    assert task.done_on == dt.date(2026, 11, 20)
    with pytest.raises(TrainingError, match="已经完成"):
        svc.task_complete(by=office_user, task=task)
    svc.task_reopen(by=office_user, task=task)
    task.refresh_from_db()
    assert task.done_on is None


def test_overdue_tasks_are_flagged(office_user, training_class):
    from lvzhi.training.selectors import class_detail

    svc.task_create(by=office_user, training_class=training_class, title="发通知", owner="办公室",
                    due_date=dt.date(2020, 1, 1))
    detail = class_detail(training_class)
    assert detail["overdue_tasks"] == 1
    assert detail["tasks"][0].overdue_days > 0


def test_leader_cannot_change_a_class(leader_user, training_class):
    with pytest.raises(TrainingError, match="没有管理"):
        svc.class_update(by=leader_user, training_class=training_class, title="改名")


def test_update_refuses_dates_that_leave_lessons_outside(office_user, training_class):
    with pytest.raises(TrainingError, match="不在新的培训日期"):
        svc.class_update(by=office_user, training_class=training_class, start_date=dt.date(2026, 12, 9),
                         end_date=dt.date(2026, 12, 10))


def _quiz(region, title="培训测试"):
    from lvzhi.handbook.models import Quiz

    return Quiz.objects.create(title=title, region=region)


def test_update_sets_the_before_and_after_quizzes(office_user, training_class, regions):
    before, after = _quiz(regions["county"], "培训前"), _quiz(regions["city"], "培训后")
    svc.class_update(by=office_user, training_class=training_class, pre_quiz=before, post_quiz=after)
    training_class.refresh_from_db()
    assert (training_class.pre_quiz, training_class.post_quiz) == (before, after)


def test_update_refuses_a_quiz_the_class_cannot_reach(office_user, training_class, regions):
    with pytest.raises(TrainingError, match="培训前测试应是本机关或上级机关"):
        svc.class_update(by=office_user, training_class=training_class, pre_quiz=_quiz(regions["other_county"]))
    with pytest.raises(TrainingError, match="两份不同"):
        quiz = _quiz(regions["county"])
        svc.class_update(by=office_user, training_class=training_class, pre_quiz=quiz, post_quiz=quiz)


def test_delegation_lead_and_staff(office_user, township_user, training_class, django_capture_on_commit_callbacks):
    delegation = training_class.delegations.first()
    with django_capture_on_commit_callbacks(execute=True):
        svc.class_delegation_update(by=office_user, delegation=delegation, lead_name="刘主席",
                                    staff_user=township_user)
        svc.class_delegation_update(by=office_user, delegation=delegation, lead_name="刘主席",
                                    staff_user=township_user)
    assert Notification.objects.filter(user=township_user, title__contains="城关镇代表团的工作人员").count() == 1
    delegation.refresh_from_db()
    assert delegation.lead_name == "刘主席"
    assert delegation.staff_user == township_user
    assert delegation.staff_name == "城关镇人大"


def test_lesson_delete_refused_with_attendance(office_user, training_class, enroll, deputy_person):
    from django.utils import timezone

    from lvzhi.training.models import Attendance

    lesson = training_class.lessons.first()
    enrollment = enroll(deputy_person)
    Attendance.objects.create(enrollment=enrollment, lesson=lesson, checked_in_at=timezone.now(),
                              method=Attendance.Method.MANUAL, region_code=enrollment.region_code)
    with pytest.raises(TrainingError, match="考勤记录"):
        svc.lesson_delete(by=office_user, lesson=lesson)
    assert Enrollment.objects.count() == 1

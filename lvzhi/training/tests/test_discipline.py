"""Discipline notices (通报): the rows per delegation, and sending a notice to the home office."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from lvzhi.core.models import Notification
from lvzhi.training.models import DisciplineNotice, LeaveRequest
from lvzhi.training.services import attendance as attendance_svc
from lvzhi.training.services import discipline as svc


@pytest.fixture
def lessons(training_class):
    return list(training_class.lessons.order_by("starts_at"))


@pytest.fixture
def scene(training_class, lessons, enroll, deputy_person, other_deputy_person, make_person, regions, deputy_user):
    """Morning lesson: 张三 12 minutes late and leaves 30 minutes early; 李四 (河西乡) absent; 王五 on approved leave."""
    zhang = enroll(deputy_person)
    li = enroll(other_deputy_person, 1)
    wang = enroll(make_person("王五", region=regions["town_a"]))
    first = lessons[0]
    when = first.starts_at + dt.timedelta(minutes=12)
    attendance_svc.attendance_check_in(lesson=first, token=attendance_svc.checkin_token(first, when), by=deputy_user,
                                       now=when)
    attendance_svc.attendance_check_out(lesson=first, by=deputy_user, now=first.ends_at - dt.timedelta(minutes=30))
    leave = LeaveRequest.objects.create(enrollment=wang, reason="出差", chain=["organiser"], step=1,
                                        status=LeaveRequest.Status.APPROVED, region_code=wang.region_code)
    leave.lessons.add(first)
    return {"zhang": zhang, "li": li, "wang": wang, "first": first}


def test_rows_list_unexcused_absence_lateness_and_early_leaving(training_class, scene):
    entries = svc.discipline_rows(training_class, now=scene["first"].ends_at)
    by_name = {e["delegation"].name: e for e in entries}
    town_a = by_name["城关镇代表团"]
    assert [(r["name"], r["kind"], r["minutes"]) for r in town_a["rows"]] == [
        ("张三", "late", 12), ("张三", "early", 30)]
    assert (town_a["absent"], town_a["late"], town_a["early"]) == (0, 1, 1)
    town_b = by_name["河西乡代表团"]
    assert [(r["name"], r["kind"]) for r in town_b["rows"]] == [("李四", "absent")]


def test_only_finished_lessons_count(training_class, scene):
    entries = svc.discipline_rows(training_class, now=scene["first"].starts_at + dt.timedelta(minutes=30))
    assert all(not e["rows"] for e in entries)


def test_send_snapshots_rows_and_notifies_the_home_office(training_class, scene, office_user, other_township_user,
                                                          township_user, django_capture_on_commit_callbacks):
    delegation = training_class.delegations.get(name="河西乡代表团")
    with django_capture_on_commit_callbacks(execute=True):
        notice = svc.discipline_notice_send(training_class=training_class, delegation=delegation, by=office_user,
                                            now=scene["first"].ends_at)
    assert notice.content["absent"] == 1 and notice.content["rows"][0]["name"] == "李四"
    assert Notification.objects.filter(user=other_township_user, title__contains="考勤通报").count() == 1
    assert not Notification.objects.filter(user=township_user).exists()
    # A later correction does not rewrite what was sent.
    scene["li"].delete()
    notice.refresh_from_db()
    assert notice.content["rows"][0]["name"] == "李四"


def test_send_is_refused_to_read_only_and_outsiders(training_class, scene, leader_user, outsider_user, deputy_user):
    delegation = training_class.delegations.first()
    for user in (leader_user, outsider_user, deputy_user):
        with pytest.raises(PermissionDenied):
            svc.discipline_notice_send(training_class=training_class, delegation=delegation, by=user,
                                       now=scene["first"].ends_at)
    assert not DisciplineNotice.objects.exists()


def test_send_before_any_lesson_ended_is_refused(training_class, lessons, office_user):
    with pytest.raises(svc.DisciplineError, match="还没有结束的课程"):
        svc.discipline_notice_send(training_class=training_class, delegation=training_class.delegations.first(),
                                   by=office_user, now=lessons[0].starts_at)

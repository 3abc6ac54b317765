"""Check-in by the rotating lesson code, check-out, lateness, roll call, closing a lesson and its archive records."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from lvzhi.archive.models import Activity, ActivityKind
from lvzhi.training.models import Attendance, Enrollment, LeaveRequest, SeatZone
from lvzhi.training.services import attendance as svc
from lvzhi.training.services.attendance import AttendanceError


@pytest.fixture
def lesson(training_class):
    return training_class.lessons.order_by("starts_at").first()


@pytest.fixture
def afternoon(training_class):
    return training_class.lessons.order_by("starts_at").last()


@pytest.fixture
def enrolled(enroll, deputy_person):
    return enroll(deputy_person)


def start(lesson, minutes=0, seconds=0):
    return lesson.starts_at + dt.timedelta(minutes=minutes, seconds=seconds)


def check_in(lesson, user, when):
    return svc.attendance_check_in(lesson=lesson, token=svc.checkin_token(lesson, when), by=user, now=when)


# ----------------------------------------------------------------------------------------------- the code


def test_token_changes_every_period_and_verifies(lesson):
    t0 = start(lesson)
    slot_start = t0 - dt.timedelta(seconds=int(t0.timestamp()) % 30)
    assert svc.checkin_token(lesson, slot_start) == svc.checkin_token(lesson, slot_start + dt.timedelta(seconds=29))
    assert svc.checkin_token(lesson, slot_start) != svc.checkin_token(lesson, slot_start + dt.timedelta(seconds=30))
    svc.verify_token(lesson, svc.checkin_token(lesson, slot_start), slot_start + dt.timedelta(seconds=45))


def test_old_code_is_refused_with_a_clear_message(lesson, enrolled, deputy_user):
    when = start(lesson, 1)
    old = svc.checkin_token(lesson, when - dt.timedelta(seconds=61))
    with pytest.raises(AttendanceError, match="签到码已过期"):
        svc.attendance_check_in(lesson=lesson, token=old, by=deputy_user, now=when)
    assert not Attendance.objects.exists()


def test_code_of_another_lesson_or_forged_is_refused(lesson, afternoon, enrolled, deputy_user):
    when = start(afternoon, 1)
    with pytest.raises(AttendanceError, match="签到码无效"):
        svc.attendance_check_in(lesson=afternoon, token=svc.checkin_token(lesson, when), by=deputy_user, now=when)
    good = svc.checkin_token(afternoon, when)
    for forged in (good[:-1] + ("A" if good[-1] != "A" else "B"), "zz-abc", "", "123"):
        with pytest.raises(AttendanceError, match="签到码无效"):
            svc.attendance_check_in(lesson=afternoon, token=forged, by=deputy_user, now=when)


def test_future_slot_is_refused(lesson, enrolled, deputy_user):
    when = start(lesson, 1)
    with pytest.raises(AttendanceError, match="签到码无效"):
        svc.attendance_check_in(lesson=lesson, token=svc.checkin_token(lesson, when + dt.timedelta(seconds=90)),
                                by=deputy_user, now=when)


def test_changed_secret_invalidates_codes(lesson, enrolled, deputy_user):
    when = start(lesson, 1)
    token = svc.checkin_token(lesson, when)
    lesson.checkin_secret = "another-secret"
    with pytest.raises(AttendanceError, match="签到码无效"):
        svc.attendance_check_in(lesson=lesson, token=token, by=deputy_user, now=when)


# ----------------------------------------------------------------------------------------------- window, enrolment


def test_check_in_opens_30_minutes_before_start(lesson, enrolled, deputy_user):
    with pytest.raises(AttendanceError, match="签到尚未开始"):
        check_in(lesson, deputy_user, start(lesson, -31))
    attendance, created = check_in(lesson, deputy_user, start(lesson, -30))
    assert created and attendance.late_minutes == 0 and attendance.method == Attendance.Method.SCAN


def test_check_in_refused_after_the_end(lesson, enrolled, deputy_user):
    with pytest.raises(AttendanceError, match="已于.*结束"):
        check_in(lesson, deputy_user, lesson.ends_at)


def test_not_enrolled_is_refused(lesson, deputy_user):
    with pytest.raises(AttendanceError, match="不在本培训班的参训名单"):
        check_in(lesson, deputy_user, start(lesson))


def test_withdrawn_enrolment_is_refused(lesson, enrolled, deputy_user):
    Enrollment.objects.filter(pk=enrolled.pk).update(status=Enrollment.Status.WITHDRAWN)
    with pytest.raises(AttendanceError, match="不在本培训班的参训名单"):
        check_in(lesson, deputy_user, start(lesson))


def test_staff_without_person_cannot_check_in(lesson, office_user):
    with pytest.raises(AttendanceError, match="代表本人"):
        check_in(lesson, office_user, start(lesson))


def test_double_check_in_keeps_the_first(lesson, enrolled, deputy_user):
    first, created = check_in(lesson, deputy_user, start(lesson, 2))
    again, created_again = check_in(lesson, deputy_user, start(lesson, 20))
    assert created and not created_again
    assert again.pk == first.pk and again.late_minutes == 0
    assert Attendance.objects.count() == 1
    svc.lesson_close(lesson=lesson, now=lesson.ends_at)
    assert Activity.objects.filter(kind=ActivityKind.TRAINING).count() == 1


# ----------------------------------------------------------------------------------------------- lateness


@pytest.mark.parametrize(("minutes", "seconds", "late"), [(0, 0, 0), (5, 59, 0), (6, 0, 6), (25, 30, 25)])
def test_lateness_counts_beyond_the_grace(lesson, enrolled, deputy_user, minutes, seconds, late):
    attendance, _ = check_in(lesson, deputy_user, start(lesson, minutes, seconds))
    assert attendance.late_minutes == late


def test_grace_is_configurable(lesson, enrolled, deputy_user, training_class):
    training_class.late_grace_minutes = 0
    training_class.save()
    lesson.refresh_from_db()
    attendance, _ = check_in(lesson, deputy_user, start(lesson, 1))
    assert attendance.late_minutes == 1


def test_check_out_early_and_once(lesson, enrolled, deputy_user):
    check_in(lesson, deputy_user, start(lesson))
    out = svc.attendance_check_out(lesson=lesson, by=deputy_user, now=lesson.ends_at - dt.timedelta(minutes=40))
    assert out.early_minutes == 40
    again = svc.attendance_check_out(lesson=lesson, by=deputy_user, now=lesson.ends_at)
    assert again.early_minutes == 40 and again.checked_out_at == out.checked_out_at
    svc.lesson_close(lesson=lesson, now=lesson.ends_at)
    activity = Activity.objects.get(kind=ActivityKind.TRAINING)
    assert activity.details["early_minutes"] == 40


def test_check_out_within_grace_is_not_early(lesson, enrolled, deputy_user):
    check_in(lesson, deputy_user, start(lesson))
    out = svc.attendance_check_out(lesson=lesson, by=deputy_user, now=lesson.ends_at - dt.timedelta(minutes=5))
    assert out.early_minutes == 0


def test_check_out_without_check_in_is_refused(lesson, enrolled, deputy_user):
    with pytest.raises(AttendanceError, match="还没有签到"):
        svc.attendance_check_out(lesson=lesson, by=deputy_user, now=start(lesson, 30))


# ----------------------------------------------------------------------------------------------- archive


def test_attended_lesson_reaches_the_archive_when_it_ends(lesson, enrolled, deputy_user, deputy_person):
    check_in(lesson, deputy_user, start(lesson, 12))
    assert not Activity.objects.exists()  # the check-in itself is one insert; the lesson's outcome comes at its end
    svc.lesson_close(lesson=lesson, now=lesson.ends_at)
    activity = Activity.objects.get(person=deputy_person)
    assert activity.kind == ActivityKind.TRAINING
    assert activity.hours == Decimal("2.5")
    assert activity.date == dt.date(2026, 12, 8)
    assert activity.details["late_minutes"] == 12
    assert lesson.topic in activity.title


def test_close_records_absence_leave_and_attendance_once(lesson, enroll, deputy_person, other_deputy_person,
                                                         make_person, deputy_user, regions):
    present = enroll(deputy_person)
    absent = enroll(other_deputy_person, 1)
    excused = enroll(make_person("王五", region=regions["town_a"]))
    check_in(lesson, deputy_user, start(lesson))
    leave = LeaveRequest.objects.create(enrollment=excused, reason="出差", chain=["organiser"], step=1,
                                        status=LeaveRequest.Status.APPROVED, region_code=excused.region_code)
    leave.lessons.add(lesson)
    result = svc.lesson_close(lesson=lesson, now=lesson.ends_at)
    assert (result.attended, result.on_leave, result.absent) == (1, 1, 1)
    kinds = dict(Activity.objects.values_list("person_id", "kind"))
    assert kinds == {present.person_id: ActivityKind.TRAINING, absent.person_id: ActivityKind.TRAINING_ABSENCE,
                     excused.person_id: ActivityKind.TRAINING_LEAVE}
    again = svc.lesson_close(lesson=lesson, now=lesson.ends_at + dt.timedelta(hours=1))
    assert again.changed == 0
    assert Activity.objects.count() == 3


def test_close_before_the_end_is_refused(lesson, enrolled):
    with pytest.raises(AttendanceError, match="尚未结束"):
        svc.lesson_close(lesson=lesson, now=lesson.ends_at - dt.timedelta(minutes=1))


def test_pending_leave_does_not_excuse(lesson, enrolled):
    leave = LeaveRequest.objects.create(enrollment=enrolled, reason="病假", chain=["organiser"],
                                        region_code=enrolled.region_code)
    leave.lessons.add(lesson)
    svc.lesson_close(lesson=lesson, now=lesson.ends_at)
    assert Activity.objects.get().kind == ActivityKind.TRAINING_ABSENCE


def test_close_withdraws_activity_of_a_withdrawn_enrolment(lesson, enrolled):
    svc.lesson_close(lesson=lesson, now=lesson.ends_at)
    assert Activity.objects.count() == 1
    Enrollment.objects.filter(pk=enrolled.pk).update(status=Enrollment.Status.WITHDRAWN)
    result = svc.lesson_close(lesson=lesson, now=lesson.ends_at)
    assert result.changed == 1 and not Activity.objects.exists()


def test_close_ended_lessons_closes_only_those_ended_long_enough(training_class, lesson, afternoon, enrolled):
    now = lesson.ends_at + dt.timedelta(minutes=svc.CLOSE_AFTER_MINUTES + 1)
    assert svc.close_ended_lessons(now=now) == 1
    assert Activity.objects.get().details["lesson_id"] == lesson.pk
    assert svc.close_ended_lessons(now=afternoon.ends_at + dt.timedelta(hours=1)) == 2
    assert Activity.objects.count() == 2


def test_close_lessons_command_runs_the_close(lesson, enrolled):
    from django.core.management import call_command

    # The fixture's lessons lie in the future; the command uses the clock, so move one into the past.
    lesson.starts_at -= dt.timedelta(days=400)
    lesson.ends_at -= dt.timedelta(days=400)
    lesson.save()
    call_command("close_lessons", "--lookback-days", "1000")
    assert Activity.objects.get().kind == ActivityKind.TRAINING_ABSENCE


# ----------------------------------------------------------------------------------------------- roll call


@pytest.fixture
def zone(training_class, township_user):
    return SeatZone.objects.create(training_class=training_class, name="A区", rows=2, seats_per_row=3,
                                   staff_user=township_user)


@pytest.fixture
def seated(enrolled, zone):
    enrolled.zone, enrolled.seat_row, enrolled.seat_number = zone, 1, 2
    enrolled.save()
    return enrolled


def test_roll_call_marks_and_undoes(lesson, seated, township_user, deputy_person):
    attendance = svc.attendance_roll_call(lesson=lesson, enrollment=seated, by=township_user, now=start(lesson, 8))
    assert attendance.method == Attendance.Method.ROLL_CALL and attendance.late_minutes == 8
    assert attendance.marked_by == township_user
    assert svc.attendance_roll_call(lesson=lesson, enrollment=seated, by=township_user, present=True,
                                    now=start(lesson, 9)).pk == attendance.pk
    svc.attendance_roll_call(lesson=lesson, enrollment=seated, by=township_user, present=False, now=start(lesson, 9))
    assert not Attendance.objects.exists()


def test_roll_call_undo_after_the_end_turns_into_absence(lesson, seated, office_user, deputy_person):
    svc.attendance_roll_call(lesson=lesson, enrollment=seated, by=office_user, now=start(lesson))
    svc.lesson_close(lesson=lesson, now=lesson.ends_at)
    svc.attendance_roll_call(lesson=lesson, enrollment=seated, by=office_user, present=False,
                             now=lesson.ends_at + dt.timedelta(minutes=5))
    assert Activity.objects.get(person=deputy_person).kind == ActivityKind.TRAINING_ABSENCE


def test_roll_call_after_the_end_is_a_correction_without_lateness(lesson, seated, office_user):
    attendance = svc.attendance_roll_call(lesson=lesson, enrollment=seated, by=office_user,
                                          now=lesson.ends_at + dt.timedelta(minutes=10))
    assert attendance.method == Attendance.Method.MANUAL and attendance.late_minutes == 0


def test_roll_call_cannot_undo_a_scan(lesson, seated, deputy_user, township_user):
    check_in(lesson, deputy_user, start(lesson))
    with pytest.raises(AttendanceError, match="已扫码签到"):
        svc.attendance_roll_call(lesson=lesson, enrollment=seated, by=township_user, present=False,
                                 now=start(lesson, 3))


def test_roll_call_by_someone_else_is_refused(lesson, seated, other_township_user, leader_user, outsider_user):
    for user in (other_township_user, leader_user, outsider_user):
        with pytest.raises(PermissionDenied):
            svc.attendance_roll_call(lesson=lesson, enrollment=seated, by=user, now=start(lesson))


def test_roll_call_needs_a_seat(lesson, enrolled, office_user):
    with pytest.raises(AttendanceError, match="还没有安排座位"):
        svc.attendance_roll_call(lesson=lesson, enrollment=enrolled, by=office_user, now=start(lesson))


# ----------------------------------------------------------------------------------------------- rates


def test_attendance_rates_per_delegation_and_lesson(training_class, lesson, afternoon, enroll, deputy_person,
                                                    other_deputy_person, deputy_user):
    enroll(deputy_person)
    enroll(other_deputy_person, 1)
    check_in(lesson, deputy_user, start(lesson))
    rates = svc.attendance_rates(training_class, now=lesson.ends_at)
    assert [r["label"] for r in rates["lessons"]] == [lesson.topic]
    assert rates["lessons"][0]["rate"] == 50.0
    by_name = {r["label"]: r for r in rates["delegations"]}
    assert by_name["城关镇代表团"]["rate"] == 100.0
    assert by_name["河西乡代表团"]["absent"] == 1 and by_name["河西乡代表团"]["rate"] == 0.0
    later = svc.attendance_rates(training_class, now=afternoon.ends_at)
    assert later["overall"]["expected"] == 4 and later["overall"]["attended"] == 1


# ----------------------------------------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_check_ins_yield_one_record(training_class, lesson, enroll, deputy_person, deputy_user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    enrolled = enroll(deputy_person)
    when = start(lesson, 1)
    token = svc.checkin_token(lesson, when)
    barrier = threading.Barrier(20)
    outcomes, errors = [], []

    def send():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            outcomes.append(svc.attendance_check_in(lesson=lesson, token=token, by=deputy_user, now=when)[1])
        except Exception as exc:  # noqa: BLE001 - any failure is what the test is looking for
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert outcomes.count(True) == 1 and len(outcomes) == 20
    assert Attendance.objects.filter(enrollment=enrolled, lesson=lesson).count() == 1
    svc.lesson_close(lesson=lesson, now=lesson.ends_at)
    assert Activity.objects.filter(person=deputy_person).count() == 1


def test_late_check_out_after_close_corrects_the_archive(lesson, enrolled, deputy_user, deputy_person):
    check_in(lesson, deputy_user, start(lesson))
    svc.lesson_close(lesson=lesson, now=lesson.ends_at)
    assert "early_minutes" not in Activity.objects.get(person=deputy_person).details
    # Checking out after the end is not early; the record stays as it is, once.
    svc.attendance_check_out(lesson=lesson, by=deputy_user, now=lesson.ends_at + dt.timedelta(minutes=1))
    assert Activity.objects.filter(person=deputy_person).count() == 1


def test_close_lessons_command_can_hand_the_work_to_the_worker(lesson, enrolled):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("close_lessons", "--enqueue", stdout=out)  # tests run tasks at once (ImmediateBackend)
    assert "已排入后台任务" in out.getvalue()

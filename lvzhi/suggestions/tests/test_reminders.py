import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lvzhi.accounts.models import User
from lvzhi.core.models import Notification
from lvzhi.suggestions import tasks
from lvzhi.suggestions.models import Assignment, HandlingRules, ReminderSent, Suggestion
from lvzhi.suggestions.services import deadlines as svc

pytestmark = pytest.mark.django_db

D = dt.date
COUNTY = "439901000000"


@pytest.fixture
def assignment(make_suggestion, unit):
    suggestion = make_suggestion(state=Suggestion.State.HANDLING, number_label="清源〔2026〕12号")
    assigned = D(2026, 7, 1)
    deadline = svc.reply_deadline(region_code=COUNTY, assigned_on=assigned)
    assert deadline.date == D(2026, 10, 8)  # three months end on 国庆节: the next working day
    return Assignment.objects.create(suggestion=suggestion, unit=unit, role=Assignment.Role.LEAD,
                                     assigned_at=timezone.make_aware(dt.datetime(2026, 7, 1, 9)),
                                     deadline=deadline.date)


@pytest.fixture
def people(office_user, leader_user, unit_user, outsider_user, other_unit, township_user):
    other_unit_user = User.objects.create_user(username="unit2", password="x", role="unit", unit=other_unit)
    return {"office": office_user, "leader": leader_user, "unit": unit_user, "outsider": outsider_user,
            "other_unit": other_unit_user, "township": township_user}


def inbox(user):
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def run(today, capture):
    with capture(execute=True):
        return svc.reminders_send(today=today)


def test_reminder_before_the_deadline_goes_to_the_unit_and_the_office_once(
        assignment, people, django_capture_on_commit_callbacks):
    report = run(D(2026, 9, 25), django_capture_on_commit_callbacks)  # 13 days before 10/8, within 15
    assert (report.reminded, report.escalated, report.notices) == (1, 0, 2)
    assert inbox(people["unit"]) == ["建议办理即将到期：关于改善城关镇东门路交通秩序的建议"]
    assert len(inbox(people["office"])) == 1
    body = Notification.objects.get(user=people["unit"]).body
    assert "清源〔2026〕12号" in body and "2026年10月8日" in body and "还有13天" in body
    for name in ("leader", "outsider", "other_unit", "township"):
        assert inbox(people[name]) == [], name
    # The job runs again (the next day, or twice by mistake): nothing more.
    again = run(D(2026, 9, 26), django_capture_on_commit_callbacks)
    assert (again.reminded, again.notices) == (0, 0)
    assert Notification.objects.count() == 2
    assert list(ReminderSent.objects.values_list("kind", flat=True)) == ["due_soon:2026-10-08"]


def test_nothing_before_the_reminder_window(assignment, people, django_capture_on_commit_callbacks):
    assert run(D(2026, 9, 22), django_capture_on_commit_callbacks).notices == 0  # 16 days before
    assert Notification.objects.count() == 0 and ReminderSent.objects.count() == 0


def test_the_offices_own_reminder_window(assignment, people, regions, django_capture_on_commit_callbacks):
    HandlingRules.objects.create(region=regions["county"], preset="代表法", remind_before_days=5)
    assert run(D(2026, 9, 25), django_capture_on_commit_callbacks).reminded == 0
    assert run(D(2026, 10, 3), django_capture_on_commit_callbacks).reminded == 1


def test_overdue_escalates_to_office_and_leader_once(assignment, people, django_capture_on_commit_callbacks):
    report = run(D(2026, 10, 12), django_capture_on_commit_callbacks)
    assert (report.reminded, report.escalated, report.notices) == (0, 1, 2)
    assert inbox(people["office"]) == ["建议办理超期：关于改善城关镇东门路交通秩序的建议"]
    assert len(inbox(people["leader"])) == 1
    assert "已超期4天" in Notification.objects.get(user=people["leader"]).body
    assert inbox(people["unit"]) == [] and inbox(people["outsider"]) == []
    assert run(D(2026, 10, 13), django_capture_on_commit_callbacks).notices == 0
    assert Notification.objects.count() == 2


def test_an_extension_makes_the_old_dates_reminders_moot(assignment, people, django_capture_on_commit_callbacks):
    run(D(2026, 9, 25), django_capture_on_commit_callbacks)  # reminded for 10/8
    assignment.extended_to = D(2026, 12, 8)
    assignment.save()
    # Past the old date: no escalation, and no reminder for the old date.
    assert run(D(2026, 10, 12), django_capture_on_commit_callbacks).notices == 0
    # Near the new date: a reminder for it, once.
    report = run(D(2026, 11, 30), django_capture_on_commit_callbacks)
    assert report.reminded == 1
    assert "2026年12月8日" in Notification.objects.filter(user=people["unit"]).first().body
    assert set(ReminderSent.objects.values_list("kind", flat=True)) == {"due_soon:2026-10-08", "due_soon:2026-12-08"}


def test_an_extension_granted_before_any_reminder(assignment, people, django_capture_on_commit_callbacks):
    assignment.extended_to = D(2026, 12, 8)
    assignment.save()
    assert run(D(2026, 10, 1), django_capture_on_commit_callbacks).notices == 0
    assert ReminderSent.objects.count() == 0


def test_replied_and_co_assignments_are_not_reminded(assignment, people, other_unit,
                                                     django_capture_on_commit_callbacks):
    Assignment.objects.create(suggestion=assignment.suggestion, unit=other_unit, role=Assignment.Role.CO,
                              assigned_at=assignment.assigned_at, deadline=assignment.deadline)
    assignment.status = Assignment.Status.DONE
    assignment.save()
    assert run(D(2026, 10, 12), django_capture_on_commit_callbacks).notices == 0


def test_a_rolled_back_run_sends_nothing(assignment, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        svc.reminders_send(today=D(2026, 9, 25))
    assert len(callbacks) == 2 and Notification.objects.count() == 0  # notices wait for the commit


def test_the_command_and_the_background_task(assignment, people, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("suggestion_reminders", "--today", "2026-09-25", stdout=out)
    assert "到期提醒 1 件，超期督办 0 件，发出通知 2 条" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("suggestion_reminders", "--enqueue", "--today", "2026-10-12", stdout=io.StringIO())
    assert len(inbox(people["leader"])) == 1  # the immediate backend in tests ran the task
    assert tasks.send_reminders.call("2026-10-13") == {"reminded": 0, "escalated": 0, "notices": 0}
    with pytest.raises(CommandError):
        call_command("suggestion_reminders", "--today", "10/12", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_two_jobs_running_at_once_send_each_notice_once(assignment, people):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    import threading

    barrier = threading.Barrier(4)
    errors = []

    def job():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            svc.reminders_send(today=D(2026, 9, 25))
        except Exception as exc:  # noqa: BLE001 - any failure is what the test is looking for
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=job) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ReminderSent.objects.count() == 1
    assert Notification.objects.count() == 2  # the unit's handler and the office, once each

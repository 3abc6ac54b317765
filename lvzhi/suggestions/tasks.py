"""Background tasks of suggestions (django-tasks: the db_worker in production, run at once in tests)."""

import datetime as dt

from django_tasks import task

from .services import deadlines


@task()
def send_reminders(today: str | None = None) -> dict:
    """Deadline reminders and overdue escalations; enqueued daily by ``manage.py suggestion_reminders --enqueue``."""
    report = deadlines.reminders_send(today=dt.date.fromisoformat(today) if today else None)
    return {"reminded": report.reminded, "escalated": report.escalated, "notices": report.notices}

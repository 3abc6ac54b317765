"""Remind lead units and the office before a suggestion's deadline; escalate when it has passed (cron, daily).

    manage.py suggestion_reminders                    # do it now
    manage.py suggestion_reminders --enqueue          # hand it to the background worker (db_worker)
    manage.py suggestion_reminders --today 2026-10-01 # as of another day (checking, catching up)

Each reminder goes once per assignment and deadline date, however often this runs."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from lvzhi.suggestions import tasks
from lvzhi.suggestions.services import deadlines


class Command(BaseCommand):
    help = "建议办理到期提醒和超期督办（可重复运行，同一提醒只发一次）"

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务进程执行")
        parser.add_argument("--today", help="按哪一天计算（YYYY-MM-DD，默认今天）")

    def handle(self, *args, enqueue, today, **options):
        if today:
            try:
                dt.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError("--today 请写成 2026-10-01 这样的日期") from exc
        if enqueue:
            result = tasks.send_reminders.enqueue(today)
            self.stdout.write(f"已排入后台任务：{result.id}")
            return
        report = deadlines.reminders_send(today=dt.date.fromisoformat(today) if today else None)
        self.stdout.write(f"到期提醒 {report.reminded} 件，超期督办 {report.escalated} 件，发出通知 {report.notices} 条")

"""Close the lessons that ended a while ago: absences and approved leave go to the archive (cron, every 10 minutes).

    manage.py close_lessons            # do it now
    manage.py close_lessons --enqueue  # hand it to the background worker (db_worker)
"""

from django.core.management.base import BaseCommand

from lvzhi.training.services import attendance


class Command(BaseCommand):
    help = "结束已下课一段时间的课程的考勤：缺勤、准假记入履职档案（可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--after-minutes", type=int, default=attendance.CLOSE_AFTER_MINUTES,
                            help="下课多少分钟后结束考勤（默认 %(default)s）")
        parser.add_argument("--lookback-days", type=int, default=attendance.CLOSE_LOOKBACK_DAYS,
                            help="向前检查多少天内下课的课程（默认 %(default)s）")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务进程执行")

    def handle(self, *args, after_minutes, lookback_days, enqueue, **options):
        if enqueue:
            result = attendance.close_ended_lessons_task.enqueue()
            self.stdout.write(f"已排入后台任务：{result.id}")
            return
        closed = attendance.close_ended_lessons(after_minutes=after_minutes, lookback_days=lookback_days)
        self.stdout.write(f"已结束 {closed} 节课程的考勤")

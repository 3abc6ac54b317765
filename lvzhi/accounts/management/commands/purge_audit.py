import datetime as dt

from auditlog.models import LogEntry
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "删除早于保存期限的审计记录（保存期限不少于180天，默认取 AUDIT_RETENTION_DAYS）。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.AUDIT_RETENTION_DAYS,
                            help=f"保留最近多少天的记录（至少{settings.AUDIT_RETENTION_DAYS}天）")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args, days: int, dry_run: bool, **options):
        minimum = max(180, settings.AUDIT_RETENTION_DAYS)
        if days < minimum:
            raise CommandError(f"审计记录至少保存{minimum}天，--days 不能小于{minimum}。")
        cutoff = timezone.now() - dt.timedelta(days=days)
        old = LogEntry.objects.filter(timestamp__lt=cutoff)
        if dry_run:
            self.stdout.write(f"将删除{old.count()}条早于{timezone.localtime(cutoff):%Y-%m-%d %H:%M}的审计记录。")
            return
        deleted = 0
        # In batches, so a first purge of a large trail neither holds one huge transaction nor all ids in memory.
        while True:
            batch = list(old.order_by("pk").values_list("pk", flat=True)[:5000])
            if not batch:
                break
            deleted += LogEntry.objects.filter(pk__in=batch).delete()[0]
        self.stdout.write(f"已删除{deleted}条早于{timezone.localtime(cutoff):%Y-%m-%d %H:%M}的审计记录。")

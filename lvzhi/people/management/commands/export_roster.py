"""manage.py export_roster FILE.xlsx [--region CODE]: the roster in the format import_roster reads."""

from django.core.management.base import BaseCommand, CommandError

from lvzhi.core.models import Region, region_prefix
from lvzhi.people.roster_io import export_roster, roster_persons


class Command(BaseCommand):
    help = "把代表名册导出为Excel（与导入格式相同，身份证号完整）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要写入的 .xlsx 文件")
        parser.add_argument("--region", help="只导出该区划（12位代码）范围内的人员，默认全部")

    def handle(self, *args, file, region=None, **options):
        scope_prefix, title = "", "人大代表名册"
        if region:
            found = Region.objects.filter(code=region).first()
            if found is None:
                raise CommandError(f"没有区划代码为 {region} 的行政区划")
            scope_prefix, title = region_prefix(found.code, found.level), f"{found.full_name()}人大代表名册"
        try:
            with open(file, "wb") as out:
                count = export_roster(roster_persons(scope_prefix), out, title=title)
        except OSError as exc:
            raise CommandError(f"无法写入 {file}：{exc.strerror}") from exc
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 人到 {file}"))

"""manage.py import_roster FILE.xlsx [--dry-run] [--region CODE]: all or nothing; exit status 1 on any error."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lvzhi.core.models import Region, region_prefix
from lvzhi.people.roster_io import import_roster


class Command(BaseCommand):
    help = "从Excel导入代表名册（先校验全部行，有任何错误则不写入）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="名册 .xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只校验并显示将发生的变化，不写入")
        parser.add_argument("--region", help="只接受该区划（12位代码）范围内的乡镇（街道），默认不限")

    def handle(self, *args, file, dry_run=False, region=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        scope_prefix = ""
        if region:
            found = Region.objects.filter(code=region).first()
            if found is None:
                raise CommandError(f"没有区划代码为 {region} 的行政区划")
            scope_prefix = region_prefix(found.code, found.level)
        outcome = import_roster(path.read_bytes(), scope_prefix=scope_prefix, dry_run=dry_run,
                                source=f"命令行导入 {path.name}")
        if not outcome.ok:
            for error in outcome.errors:
                self.stderr.write(str(error))
            raise CommandError(f"共 {len(outcome.errors)} 处错误，未写入任何数据；请修改文件后重新导入", returncode=1)
        s = outcome.summary
        figures = (f"新增人员 {s['new_persons']}，更新人员 {s['updated_persons']}，新增代表资格 {s['new_mandates']}，"
                   f"更新代表资格 {s['updated_mandates']}，无变化 {s['unchanged']}")
        if dry_run:
            self.stdout.write(f"试导入：共 {s['rows']} 行，全部通过校验。将会：{figures}（未写入）")
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入 {s['rows']} 行：{figures}"))

from django.core.management.base import BaseCommand, CommandError

from lvzhi.handbook import services


class Command(BaseCommand):
    help = "载入内置的履职常识问答和题库（handbook/data/handbook.json）；只补充系统中还没有的问答和试题，可重复运行。"

    def handle(self, *args, **options):
        try:
            result = services.handbook_load_default()
        except services.HandbookError as exc:
            raise CommandError("内置手册有问题，没有写入：\n" + "\n".join(f"  {e}" for e in exc.errors)) from exc
        if result is None:
            self.stdout.write("没有找到内置手册文件，跳过")
            return
        self.stdout.write(f"内置履职常识问答：{result.summary()}")

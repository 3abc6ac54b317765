from pathlib import Path

from django.core.management.base import BaseCommand

from lvzhi.handbook import services


class Command(BaseCommand):
    help = "把在用的履职常识问答和题库导出为 JSON 文件（import_handbook 可读回）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="输出文件，如 handbook.json；写 - 输出到屏幕")
        parser.add_argument("--title", default=services.DEFAULT_TITLE, help="文件中的书名")

    def handle(self, *args, file: str, title: str, **options):
        data = services.handbook_export(title=title)
        text = services.handbook_dumps(data)
        if file == "-":
            self.stdout.write(text)
            return
        Path(file).write_text(text + "\n", encoding="utf-8")
        self.stderr.write(f"已导出问答 {len(data['entries'])} 条、试题 {len(data['questions'])} 道到 {file}")

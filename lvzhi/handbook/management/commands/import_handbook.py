import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lvzhi.handbook import services


class Command(BaseCommand):
    help = ("从 JSON 文件导入履职常识问答和题库：按序号更新问答（原文本存为历史版本），按题目文字更新试题。"
            "整份文件校验通过才写入。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="由 export_handbook 导出或按同一格式编写的 JSON 文件")
        parser.add_argument("--check", action="store_true", help="只校验，不写入")

    def handle(self, *args, file: str, check: bool, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"找不到文件 {file}")
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file} 不是有效的 JSON：{exc}") from exc
        if check:
            errors = services.handbook_validate(data)
            if errors:
                raise CommandError(self._errors(errors))
            self.stdout.write("校验通过，没有写入（去掉 --check 即导入）")
            return
        try:
            result = services.handbook_import(data, by=None, note=f"命令行导入 {path.name}")
        except services.HandbookError as exc:
            raise CommandError(self._errors(exc.errors)) from exc
        self.stdout.write(f"已导入 {path.name}：{result.summary()}")

    @staticmethod
    def _errors(errors: list[str]) -> str:
        shown = "\n".join(f"  {e}" for e in errors[:200])
        more = f"\n  ……另有 {len(errors) - 200} 处" if len(errors) > 200 else ""
        return f"文件有 {len(errors)} 处问题，没有写入任何内容：\n{shown}{more}"

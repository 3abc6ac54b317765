"""The JSON exchange: export, import (validated whole first), round trip, and the built-in handbook."""

import json

import pytest
from django.core.management import CommandError, call_command

from lvzhi.handbook import services
from lvzhi.handbook.models import HandbookEntry, HandbookEntryVersion, Question

pytestmark = pytest.mark.django_db


def test_import_creates_entries_and_questions(hb_data):
    result = services.handbook_import(hb_data, by=None)
    assert (result.entries_created, result.questions_created) == (8, 20)
    assert HandbookEntry.objects.count() == 8
    q = Question.objects.get(text="提出建议判断题")
    assert q.entry.number == 4 and q.part == "may" and q.options == ["正确", "错误"]


def test_export_then_import_round_trip_changes_nothing(small_handbook, tmp_path):
    exported = services.handbook_export()
    assert exported["format"] == "lvzhi-handbook" and len(exported["entries"]) == 8
    assert len(exported["questions"]) == 20
    again = services.handbook_import(json.loads(services.handbook_dumps(exported)), by=None)
    assert not again.changed and again.entries_unchanged == 8 and again.questions_unchanged == 20
    assert services.handbook_export()["entries"] == exported["entries"]


def test_round_trip_into_an_empty_database(small_handbook):
    exported = services.handbook_export()
    Question.objects.all().delete()
    HandbookEntry.objects.all().delete()
    services.handbook_import(exported, by=None)
    assert services.handbook_export()["entries"] == exported["entries"]
    assert services.handbook_export()["questions"] == exported["questions"]


def test_import_updates_by_number_and_keeps_the_old_text(small_handbook, hb_data):
    hb_data["entries"][0]["answer"] = "修订后的回答。"
    hb_data["questions"][0]["answer"] = [2]
    result = services.handbook_import(hb_data, by=None)
    assert (result.entries_updated, result.questions_updated) == (1, 1)
    entry = HandbookEntry.objects.get(number=1)
    assert entry.version == 2 and entry.answer == "修订后的回答。"
    assert HandbookEntryVersion.objects.get(entry=entry).answer.startswith("关于联系选民")
    assert Question.objects.get(text=hb_data["questions"][0]["text"]).answer == [2]


def test_import_refused_as_a_whole_naming_entry_question_and_field(small_handbook, hb_data):
    hb_data["entries"][0]["answer"] = "这条是好的改动。"
    hb_data["entries"][2]["citations"] = [{"law": "代表法", "article": 999}]
    hb_data["entries"][3]["part"] = "other"
    hb_data["questions"][4]["answer"] = [7]
    hb_data["questions"][5]["entry"] = 77
    with pytest.raises(services.HandbookError) as exc:
        services.handbook_import(hb_data, by=None)
    errors = exc.value.errors
    assert any(e.startswith("问答第3项（序号3）：第1条法律依据") and "没有第九百九十九条" in e for e in errors)
    assert any(e.startswith("问答第4项（序号4）：部分（part）") for e in errors)
    assert any(e.startswith("试题第5题：答案（answer）的序号超出了选项范围") for e in errors)
    assert any(e.startswith("试题第6题：对应问答（entry）序号77") for e in errors)
    assert HandbookEntry.objects.get(number=1).version == 1  # the good change was not written either


@pytest.mark.parametrize("broken, message", [
    ({"format": "something"}, "format 应为"),
    ({"version": 2}, "格式版本"),
    ({"entries": "no"}, "缺少问答列表"),
])
def test_import_refuses_other_files(hb_data, broken, message):
    with pytest.raises(services.HandbookError) as exc:
        services.handbook_import({**hb_data, **broken}, by=None)
    assert message in str(exc.value)
    assert not HandbookEntry.objects.exists()


def test_duplicate_numbers_and_questions_are_named(hb_data):
    hb_data["entries"][1]["number"] = 1
    hb_data["questions"][1]["text"] = hb_data["questions"][0]["text"]
    errors = services.handbook_validate(hb_data)
    assert "问答第2项（序号1）：序号（number）1重复了" in errors
    assert "试题第2题：题目与前面的一道题重复" in errors


def test_import_requires_office_rights(hb_data, leader_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.handbook_import(hb_data, by=leader_user)


def test_commands_export_and_import(small_handbook, tmp_path, capsys):
    path = tmp_path / "out.json"
    call_command("export_handbook", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["entries"]) == 8
    data["entries"][0]["question"] = "改过的问题？"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("import_handbook", str(path))
    assert "更新1条" in capsys.readouterr().out
    assert HandbookEntry.objects.get(number=1).question == "改过的问题？"


def test_import_command_reports_every_error_and_writes_nothing(small_handbook, tmp_path, hb_data):
    hb_data["entries"][0]["question"] = ""
    hb_data["questions"][0]["kind"] = "essay"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(hb_data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_handbook", str(path))
    assert "2 处问题" in str(exc.value) and "问答第1项（序号1）：问题（question）不能为空" in str(exc.value)
    assert HandbookEntry.objects.get(number=1).question != ""


def test_import_command_check_only(tmp_path, hb_data, capsys):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(hb_data, ensure_ascii=False), encoding="utf-8")
    call_command("import_handbook", str(path), "--check")
    assert "校验通过" in capsys.readouterr().out
    assert not HandbookEntry.objects.exists()


def test_load_default_is_idempotent_and_keeps_office_edits(tmp_path, hb_data, office_user):
    path = tmp_path / "builtin.json"
    path.write_text(json.dumps(hb_data, ensure_ascii=False), encoding="utf-8")
    first = services.handbook_load_default(path=path)
    assert first.entries_created == 8 and first.questions_created == 20
    entry = HandbookEntry.objects.get(number=1)
    services.entry_update(entry=entry, by=office_user, question="工委改写的问题？", answer=entry.answer,
                          citations=entry.citations, part=entry.part)
    second = services.handbook_load_default(path=path)
    assert not second.changed
    assert HandbookEntry.objects.get(number=1).question == "工委改写的问题？"
    assert services.handbook_load_default(path=tmp_path / "none.json") is None


def test_load_handbook_command_loads_the_builtin_file():
    if not services.BUILTIN_FILE.exists():
        pytest.skip("the built-in handbook is not written yet")
    call_command("load_handbook")
    assert HandbookEntry.objects.count() >= 100
    assert Question.objects.count() >= 150
    call_command("load_handbook")  # a second run finds everything in place
    assert HandbookEntry.objects.filter(version__gt=1).count() == 0

"""The handbook pages: reading and searching for everyone, editing for the office, the question bank and the
JSON exchange; each with its rights, wrong methods and HTMX fragments."""

import json

import pytest
from django.urls import reverse

from lvzhi.handbook.models import HandbookEntry, HandbookEntryVersion, Question

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------ reading


@pytest.mark.parametrize("user", ["deputy_user", "office_user", "township_user", "leader_user"])
def test_home_lists_the_four_parts(small_handbook, login, user, request):
    response = login(request.getfixturevalue(user)).get(reverse("handbook:home"))
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("应该做什么", "可以做什么", "不能做什么", "履职保障"):
        assert label in body
    assert "代表联系选民的第1个问题？" in body


def test_home_requires_login(client, small_handbook):
    response = client.get(reverse("handbook:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_search_page_and_htmx_fragment(small_handbook, login, deputy_user):
    client = login(deputy_user)
    page = client.get(reverse("handbook:home"), {"q": "误工补贴"})
    assert page.status_code == 200 and "<html" in page.content.decode()
    fragment = client.get(reverse("handbook:home"), {"q": "误工补贴"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and 'id="hb-results"' in body
    assert "找到 2 条" in body and "<mark>误工补贴</mark>" in body


def test_search_finds_answer_text_every_term_and_escapes(small_handbook, login, deputy_user, office_user):
    from lvzhi.handbook.services import entry_update

    entry = small_handbook[3]
    entry_update(entry=entry, by=office_user, question=entry.question, answer="<script>x</script> 依法履职",
                 citations=entry.citations, part=entry.part)
    body = login(deputy_user).get(reverse("handbook:home"), {"q": "script 依法"}, HTTP_HX_REQUEST="true")
    body = body.content.decode()
    assert "找到 1 条" in body and "<script>" not in body and "&lt;" in body


def test_search_with_no_common_term_falls_back_to_any(small_handbook, login, deputy_user):
    body = login(deputy_user).get(reverse("handbook:home"), {"q": "误工补贴 谋取私利"}).content.decode()
    assert "找到 4 条" in body and "没有同时包含全部字词" in body


def test_search_nothing_found(small_handbook, login, deputy_user):
    body = login(deputy_user).get(reverse("handbook:home"), {"q": "火星"}).content.decode()
    assert "没有找到包含这些字词的问答" in body


def test_home_query_count_does_not_grow(small_handbook, login, deputy_user, office_user,
                                        django_assert_max_num_queries):
    from lvzhi.handbook.services import entry_create

    client = login(deputy_user)
    client.get(reverse("handbook:home"))
    with django_assert_max_num_queries(8):
        client.get(reverse("handbook:home"))
    for n in range(30):
        entry_create(by=office_user, part="may", question=f"新问题{n}？", answer="回答",
                     citations=[{"law": "代表法", "article": 9}])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("handbook:home"))
    assert "新问题29？" in response.content.decode()


def test_entry_page_shows_answer_and_expandable_articles(small_handbook, login, deputy_user):
    response = login(deputy_user).get(reverse("handbook:entry", args=[7]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "代表误工补贴的第1个问题？" in body
    assert '<details class="hb-citation">' in body and "代表法第三十三条" in body and "宪法第七十四条" in body
    assert "第三十三条　县级以上的各级人民代表大会代表可以应邀列席" in body  # the article's text itself
    assert "编辑" not in body  # a deputy does not edit


def test_entry_unknown_and_inactive_are_404_for_readers(small_handbook, login, deputy_user, office_user):
    from lvzhi.handbook.services import entry_set_active

    client = login(deputy_user)
    assert client.get(reverse("handbook:entry", args=[99])).status_code == 404
    entry_set_active(entry=small_handbook[2], by=office_user, active=False)
    assert client.get(reverse("handbook:entry", args=[2])).status_code == 404
    assert "代表联系选民的第2个问题" not in client.get(reverse("handbook:home")).content.decode()
    assert login(office_user).get(reverse("handbook:entry", args=[2])).status_code == 200


def test_entry_page_wrong_method(small_handbook, login, deputy_user):
    assert login(deputy_user).post(reverse("handbook:entry", args=[1])).status_code == 405


# ------------------------------------------------------------------------------------------ editing


def test_office_edits_an_entry_and_sees_the_history(small_handbook, login, office_user):
    client = login(office_user)
    url = reverse("handbook:entry_edit", args=[1])
    form = client.get(url)
    assert "代表法第三条" in form.content.decode()  # citations shown as editable lines
    response = client.post(url, {"part": "should", "question": "改写后的问题？", "answer": "第一段。\n第二段。",
                                 "citations": "代表法第三条\n《宪法》第3条", "note": "补充宪法依据"})
    assert response.status_code == 302 and response["Location"] == reverse("handbook:entry", args=[1])
    entry = HandbookEntry.objects.get(number=1)
    assert entry.version == 2 and entry.citations == [{"law": "代表法", "article": 3}, {"law": "宪法", "article": 3}]
    history = client.get(reverse("handbook:entry_history", args=[1])).content.decode()
    assert "第2版（现行）" in history and "改写后的问题？" in history
    assert "第1版" in history and "代表联系选民的第1个问题？" in history and "补充宪法依据" in history


def test_edit_with_bad_citation_shows_the_line_and_saves_nothing(small_handbook, login, office_user):
    response = login(office_user).post(reverse("handbook:entry_edit", args=[1]), {
        "part": "should", "question": "问题？", "answer": "回答", "citations": "代表法第三条\n代表法第200条"})
    body = response.content.decode()
    assert response.status_code == 200 and "第2行" in body and "没有第二百条" in body
    assert HandbookEntry.objects.get(number=1).version == 1


def test_office_creates_an_entry(small_handbook, login, office_user):
    response = login(office_user).post(reverse("handbook:entry_create"), {
        "part": "may", "question": "代表可以要求约见吗？", "answer": "可以。", "citations": "代表法 9"})
    assert response.status_code == 302
    assert HandbookEntry.objects.get(number=9).question == "代表可以要求约见吗？"


@pytest.mark.parametrize("user", ["township_user", "leader_user", "deputy_user", "unit_user"])
@pytest.mark.parametrize("name, method", [
    ("handbook:entry_edit", "get"), ("handbook:entry_edit", "post"), ("handbook:entry_history", "get"),
    ("handbook:entry_active", "post"), ("handbook:entry_create", "get"), ("handbook:questions", "get"),
    ("handbook:question_create", "post"), ("handbook:exchange", "get"), ("handbook:export", "get"),
])
def test_only_office_edits(small_handbook, login, user, name, method, request):
    args = [1] if name.startswith("handbook:entry_") and name != "handbook:entry_create" else []
    client = login(request.getfixturevalue(user))
    response = getattr(client, method)(reverse(name, args=args), {"part": "should", "question": "x", "answer": "y",
                                                                   "citations": "代表法 3"})
    assert response.status_code == 403
    assert HandbookEntry.objects.get(number=1).version == 1 and HandbookEntry.objects.count() == 8


def test_deactivate_entry_post_only(small_handbook, login, office_user):
    client = login(office_user)
    url = reverse("handbook:entry_active", args=[3])
    assert client.get(url).status_code == 405
    client.post(url, {"active": "0"})
    assert not HandbookEntry.objects.get(number=3).is_active
    client.post(url, {"active": "1"})
    assert HandbookEntry.objects.get(number=3).is_active


# ------------------------------------------------------------------------------------------ question bank


def test_bank_filters_and_fragment(small_handbook, login, office_user):
    client = login(office_user)
    body = client.get(reverse("handbook:questions"), {"part": "may", "kind": "multiple"}).content.decode()
    assert "共 2 道" in body and "提出建议多选题1" in body and "误工补贴多选题1" not in body
    fragment = client.get(reverse("handbook:questions"), {"q": "判断题"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "共 4 道" in fragment


def test_bank_query_count_does_not_grow(small_handbook, login, office_user, django_assert_max_num_queries):
    client = login(office_user)
    with django_assert_max_num_queries(10):
        client.get(reverse("handbook:questions"))
    Question.objects.bulk_create([Question(kind="single", text=f"新题{n}", options=["甲", "乙"], answer=[0],
                                           entry=small_handbook[1], part="should") for n in range(20)])
    with django_assert_max_num_queries(10):
        client.get(reverse("handbook:questions"))


def test_question_create_with_letters_and_edit(small_handbook, login, office_user):
    client = login(office_user)
    response = client.post(reverse("handbook:question_create"), {
        "kind": "multiple", "text": "哪些是代表的权利？", "options": "提出议案\n提出建议\n审判案件",
        "answer": "a, b", "entry": small_handbook[3].pk})
    assert response.status_code == 302
    q = Question.objects.get(text="哪些是代表的权利？")
    assert q.answer == [0, 1] and q.part == "may"
    edit = client.get(reverse("handbook:question_edit", args=[q.pk])).content.decode()
    assert "AB" in edit
    client.post(reverse("handbook:question_edit", args=[q.pk]), {
        "kind": "true_false", "text": "代表可以提出建议。", "options": "", "answer": "正确", "entry": q.entry_id})
    q.refresh_from_db()
    assert (q.kind, q.options, q.answer) == ("true_false", ["正确", "错误"], [0])


def test_question_form_errors(small_handbook, login, office_user):
    response = login(office_user).post(reverse("handbook:question_create"), {
        "kind": "single", "text": "题目", "options": "只有一个", "answer": "B", "entry": small_handbook[1].pk})
    body = response.content.decode()
    assert response.status_code == 200 and "选项（options）应有2至8个" in body
    response = login(office_user).post(reverse("handbook:question_create"), {
        "kind": "single", "text": "题目", "options": "甲\n乙", "answer": "第一个", "entry": small_handbook[1].pk})
    assert "请用选项字母填写正确答案" in response.content.decode()


def test_question_deactivate(small_handbook, login, office_user):
    q = Question.objects.first()
    client = login(office_user)
    response = client.post(reverse("handbook:question_active", args=[q.pk]),
                           {"active": "0", "next": "//evil.example/"})
    assert response["Location"] == reverse("handbook:questions")
    q.refresh_from_db()
    assert not q.is_active
    assert client.get(reverse("handbook:question_active", args=[q.pk])).status_code == 405
    assert client.post(reverse("handbook:question_active", args=[99999]), {"active": "1"}).status_code == 404


# ------------------------------------------------------------------------------------------ exchange


def test_export_download_and_import_upload(small_handbook, login, office_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(office_user)
    response = client.get(reverse("handbook:export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert len(data["entries"]) == 8 and len(data["questions"]) == 20
    data["entries"][1]["answer"] = "网页导入的新回答。"
    upload = SimpleUploadedFile("shared.json", json.dumps(data, ensure_ascii=False).encode())
    body = client.post(reverse("handbook:exchange"), {"file": upload}).content.decode()
    assert "已导入" in body and "更新1条" in body
    assert HandbookEntry.objects.get(number=2).answer == "网页导入的新回答。"
    assert HandbookEntryVersion.objects.filter(entry__number=2).exists()


def test_import_upload_with_errors_writes_nothing(small_handbook, login, office_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"format": "lvzhi-handbook", "version": 1, "entries": [
        {"number": 1, "part": "should", "question": "", "answer": "新", "citations": [{"law": "代表法", "article": 3}]}]}
    upload = SimpleUploadedFile("bad.json", json.dumps(data, ensure_ascii=False).encode())
    body = login(office_user).post(reverse("handbook:exchange"), {"file": upload}).content.decode()
    assert "没有写入任何内容" in body and "问答第1项（序号1）：问题（question）不能为空" in body
    broken = SimpleUploadedFile("broken.json", b"{not json")
    body = login(office_user).post(reverse("handbook:exchange"), {"file": broken}).content.decode()
    assert "不是有效的 JSON" in body
    assert HandbookEntry.objects.get(number=1).version == 1


def test_menu_items(small_handbook, login, office_user, deputy_user, leader_user):
    assert "题库" in login(office_user).get(reverse("handbook:home")).content.decode()
    body = login(leader_user).get(reverse("handbook:home")).content.decode()
    assert "履职常识" in body and ">题库<" not in body
    body = login(deputy_user).get(reverse("handbook:home")).content.decode()
    assert "履职常识" in body and "我的测试" in body

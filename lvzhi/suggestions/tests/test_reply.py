# ruff: noqa: F811  (pytest fixtures imported from test_unit are used as arguments)
"""The lead unit's reply: result class, commitments, attachments; flagged without contact; only in its state."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lvzhi.core.models import Notification
from lvzhi.suggestions.models import Assignment, Commitment, Reply, Suggestion
from lvzhi.suggestions.services import unit as services
from lvzhi.suggestions.tests.test_unit import (  # noqa: F401  (fixtures)
    assign,
    assignment,
    co_assignment,
    contact,
    media,
    other_unit_user,
)

pytestmark = pytest.mark.django_db
S = Suggestion.State
LATER = timezone.localdate() + dt.timedelta(days=60)


def reply(assignment, by, **fields):
    values = {"text": "经研究，拟于明年在东门路增设信号灯。", "result": "B", "signer": "王局长",
              "commitments": [{"text": "东门路口增设信号灯", "due_date": LATER}], "attachments": [], **fields}
    return services.reply_submit(assignment=assignment, by=by, **values)


def test_reply_after_contact(assignment, co_assignment, unit_user, deputy_user, office_user,
                             django_capture_on_commit_callbacks):
    contact(assignment, unit_user)
    letter = SimpleUploadedFile("答复函.pdf", b"%PDF-1.4 reply", content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        r = reply(assignment, unit_user, attachments=[letter])
    suggestion = Suggestion.objects.get(pk=assignment.suggestion_id)
    assert suggestion.state == S.REPLIED and suggestion.replied_at
    assert (r.result, r.round, r.signer, r.without_contact) == ("B", 1, "王局长", False)
    assert list(r.commitments.values_list("text", "due_date", "delivered_at")) == [("东门路口增设信号灯", LATER, None)]
    assert r.attachments.get().title == "答复函.pdf"
    assert set(Assignment.objects.values_list("status", flat=True)) == {Assignment.Status.DONE}
    note = Notification.objects.get(user=deputy_user)
    assert "已答复，请测评" in note.title
    assert not Notification.objects.filter(user=office_user).exists()
    assert LogEntry.objects.filter(additional_data__event="suggestion_reply", actor=unit_user).exists()
    assert suggestion.events.filter(action="reply").exists()


def test_reply_without_contact_is_accepted_flagged_and_the_office_told(assignment, unit_user, office_user,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = reply(assignment, unit_user, result="A", commitments=[])
    assert r.without_contact is True
    note = Notification.objects.get(user=office_user, title__contains="答复前未与代表沟通")
    assert note.link == reverse("suggestions:review", args=[assignment.suggestion_id])
    assert "未与代表沟通" in Suggestion.objects.get(pk=assignment.suggestion_id).events.get(action="reply").comment


def test_a_co_unit_cannot_reply(co_assignment, other_unit_user):
    with pytest.raises(services.UnitError, match="主办单位统一作出"):
        reply(co_assignment, other_unit_user)
    assert not Reply.objects.exists()


def test_another_unit_cannot_reply(assignment, other_unit_user):
    with pytest.raises(PermissionDenied):
        reply(assignment, other_unit_user)


@pytest.mark.parametrize("state", [S.ACCEPTED, S.REPLIED, S.RATED, S.CLOSED])
def test_reply_in_the_wrong_state_is_refused(assign, unit_user, state):
    a = assign(state=state)
    with pytest.raises(services.UnitError, match="不能答复"):
        reply(a, unit_user)
    assert not Reply.objects.exists()


def test_result_b_needs_a_commitment(assignment, unit_user):
    with pytest.raises(services.UnitError, match="B类"):
        reply(assignment, unit_user, commitments=[{"text": "", "due_date": None}])
    assert not Reply.objects.exists()
    assert Suggestion.objects.get(pk=assignment.suggestion_id).state == S.ASSIGNED


@pytest.mark.parametrize("fields, message", [
    ({"text": " "}, "请填写答复内容"),
    ({"result": "D"}, "请选择办理结果"),
    ({"signer": ""}, "请填写签发人"),
    ({"commitments": [{"text": "修路", "due_date": None}]}, "第1项承诺：请填写承诺完成时间"),
    ({"commitments": [{"text": "修路", "due_date": dt.date(2020, 1, 1)}]}, "早于今天"),
    ({"attachments": [SimpleUploadedFile("a.exe", b"MZ")]}, "格式不支持"),
])
def test_reply_refusals_write_nothing(assignment, unit_user, fields, message):
    with pytest.raises(services.UnitError, match=message):
        reply(assignment, unit_user, **fields)
    assert not Reply.objects.exists() and not Commitment.objects.exists()


def test_second_round_reply(assign, unit_user, make_suggestion):
    suggestion = make_suggestion(state=S.ASSIGNED, round=2)
    assign(suggestion=suggestion, round=1, status=Assignment.Status.DONE)
    current = assign(suggestion=suggestion)
    r = reply(current, unit_user, result="A", commitments=[])
    assert r.round == 2


def test_reply_view_with_commitments(login, unit_user, assignment):
    contact(assignment, unit_user)
    client = login(unit_user)
    url = reverse("suggestions:reply", args=[assignment.pk])
    data = {"text": "已列入计划。", "result": "B", "signer": "王局长", "c-TOTAL_FORMS": "3", "c-INITIAL_FORMS": "0",
            "c-0-text": "", "c-0-due_date": ""}
    response = client.post(url, data)
    assert response.status_code == 400 and "B类" in response.content.decode()
    data.update({"c-0-text": "增设信号灯", "c-0-due_date": LATER.isoformat(), "c-1-text": "划定停车区域",
                 "c-1-due_date": LATER.isoformat(), "attachments": SimpleUploadedFile("函.pdf", b"%PDF")})
    response = client.post(url, data)
    assert response.status_code == 302
    r = Reply.objects.get()
    assert r.commitments.count() == 2 and r.attachments.count() == 1
    page = client.get(reverse("suggestions:unit_detail", args=[assignment.pk])).content.decode()
    assert "B类：正在解决或列入计划解决" in page and "划定停车区域" in page and "登记落实" in page
    assert client.get(url).status_code == 405
    download = client.get(reverse("suggestions:reply_file", args=["reply", r.attachments.get().pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF"


def test_reply_files_are_scoped(login, unit_user, other_unit_user, deputy_user, other_deputy_user, assignment):
    r = reply(assignment, unit_user, attachments=[SimpleUploadedFile("函.pdf", b"%PDF")])
    url = reverse("suggestions:reply_file", args=["reply", r.attachments.get().pk])
    assert login(deputy_user).get(url).status_code == 200
    assert login(other_unit_user).get(url).status_code == 404
    assert login(other_deputy_user).get(url).status_code == 404


def test_co_unit_page_has_no_reply_form(login, other_unit_user, co_assignment):
    page = login(other_unit_user).get(reverse("suggestions:unit_detail", args=[co_assignment.pk])).content.decode()
    assert "提交答复" not in page and "送主办单位" in page
    assert login(other_unit_user).post(reverse("suggestions:reply", args=[co_assignment.pk]),
                                       {"text": "x", "result": "A", "signer": "x", "c-TOTAL_FORMS": "0",
                                        "c-INITIAL_FORMS": "0"}).status_code == 400

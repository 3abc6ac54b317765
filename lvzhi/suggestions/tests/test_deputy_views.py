"""The deputy's pages: my list, the draft form with similar suggestions, co-signing, the detail, the rating."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from lvzhi.suggestions.models import Assignment, ContactLog, Rating, Reply, Signature, Suggestion
from lvzhi.suggestions.similarity import index_suggestion

pytestmark = pytest.mark.django_db
S = Suggestion.State
GOOD = {"title": "关于改善城关镇东门路交通秩序的建议",
        "background": "东门路是城关镇通往县城的主干道，早晚高峰车辆拥堵，学生上下学存在安全隐患。",
        "request": "在东门路与解放路交叉口增设信号灯，并在路边划定临时停车区域。"}
RATING = {"leadership": "satisfied", "attitude": "satisfied", "communication": "basically",
          "reply_quality": "satisfied", "implementation": "basically"}


def _handled(make_suggestion, unit, state=S.REPLIED, **fields):
    suggestion = make_suggestion(state=state, deadline=timezone.localdate() + dt.timedelta(days=20),
                                 number_label="十八届二次会议第015号", **fields)
    assignment = Assignment.objects.create(suggestion=suggestion, unit=unit, role=Assignment.Role.LEAD,
                                           assigned_at=timezone.now(), deadline=suggestion.deadline,
                                           handler="赵六", handler_phone="13700001234")
    ContactLog.objects.create(assignment=assignment, stage="before", form="phone", date=timezone.localdate(),
                              participants="赵六、张三", summary="电话了解路口情况")
    if state in (S.REPLIED, S.RATED):
        reply = Reply.objects.create(suggestion=suggestion, assignment=assignment, text="已列入明年计划。",
                                     result="B", replied_at=timezone.now())
        reply.commitments.create(text="安装信号灯", due_date=dt.date(2027, 6, 30))
    return suggestion


def test_pages_for_deputies_only(login, office_user, unit_user):
    for user in (office_user, unit_user):
        client = login(user)
        assert client.get(reverse("suggestions:my_list")).status_code == 403
        assert client.get(reverse("suggestions:draft_new")).status_code == 403


def test_my_list_shows_state_units_and_days_left(login, deputy_user, make_suggestion, unit):
    _handled(make_suggestion, unit, state=S.HANDLING)
    make_suggestion(title="关于修缮河西乡中心小学围墙的建议")
    response = login(deputy_user).get(reverse("suggestions:my_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "清源县交通运输局" in body and "20天" in body and "办理中" in body and "关于修缮河西乡中心小学围墙的建议" in body
    assert login(deputy_user).post(reverse("suggestions:my_list")).status_code == 405


def test_my_list_queries_do_not_grow(login, deputy_user, make_suggestion, unit, django_assert_max_num_queries):
    client = login(deputy_user)
    _handled(make_suggestion, unit, state=S.HANDLING)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("suggestions:my_list"))
    for _ in range(10):
        _handled(make_suggestion, unit, state=S.HANDLING)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("suggestions:my_list"))


def test_draft_new_then_edit_then_submit(login, deputy_user, congresses):
    client = login(deputy_user)
    page = client.get(reverse("suggestions:draft_new"))
    assert page.status_code == 200 and "一事一议" in page.content.decode() and "第二十四条" in page.content.decode()
    response = client.post(reverse("suggestions:draft_new"),
                           {"term": congresses["county"].pk, "kind": "suggestion", "title": GOOD["title"],
                            "background": "", "request": ""})
    suggestion = Suggestion.objects.get()
    assert response.status_code == 302 and response.url == reverse("suggestions:draft_edit", args=[suggestion.pk])
    bad = client.post(reverse("suggestions:draft_edit", args=[suggestion.pk]),
                      {"kind": "suggestion", "title": GOOD["title"], "background": "", "request": "",
                       "action": "submit"})
    assert "请填写情况和问题" in bad.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.state == S.DRAFT
    done = client.post(reverse("suggestions:draft_edit", args=[suggestion.pk]),
                       {"kind": "suggestion", **GOOD, "action": "submit"})
    assert done.url == reverse("suggestions:detail", args=[suggestion.pk])
    suggestion.refresh_from_db()
    assert suggestion.state == S.SUBMITTED


def test_draft_edit_of_another_deputy_is_404(login, other_deputy_user, make_suggestion):
    suggestion = make_suggestion()
    client = login(other_deputy_user)
    for name in ("draft_edit", "detail", "rate", "cosign"):
        assert client.get(reverse(f"suggestions:{name}", args=[suggestion.pk])).status_code == 404
    assert client.post(reverse("suggestions:withdraw", args=[suggestion.pk])).status_code == 404


def test_similar_fragment(login, deputy_user, make_suggestion, other_deputy_person):
    past = make_suggestion(state=S.CLOSED, lead=other_deputy_person, title="关于东门路交叉口增设交通信号灯的建议",
                           request="在解放路口安装红绿灯。", number_label="十七届五次会议第088号")
    index_suggestion(past)
    client = login(deputy_user)
    response = client.get(reverse("suggestions:similar"), {"title": "东门路口增设信号灯", "request": ""},
                          HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "十七届五次会议第088号" in body and "联名附议" in body
    empty = client.get(reverse("suggestions:similar"), {"title": "养老服务补贴"}, HTTP_HX_REQUEST="true")
    assert "第088号" not in empty.content.decode()


def test_cosign_request_from_similar(login, deputy_user, other_deputy_user, make_suggestion, other_deputy_person,
                                    django_capture_on_commit_callbacks):
    from lvzhi.core.models import Notification

    past = make_suggestion(state=S.SUBMITTED, lead=other_deputy_person)
    client = login(deputy_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("suggestions:cosign", args=[past.pk]), {"action": "request"},
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "已请李四代表" in response.content.decode()
    assert Notification.objects.filter(user=other_deputy_user, title__contains="张三代表希望联名附议").exists()
    again = client.post(reverse("suggestions:cosign", args=[past.pk]), {"action": "request"}, HTTP_HX_REQUEST="true")
    assert "这是您领衔" not in again.content.decode()
    own = make_suggestion(state=S.SUBMITTED)
    refused = client.post(reverse("suggestions:cosign", args=[own.pk]), {"action": "request"}, HTTP_HX_REQUEST="true")
    assert "这是您领衔的建议" in refused.content.decode()


def test_invite_and_confirm_through_pages(login, client, deputy_user, other_deputy_user, other_deputy_person,
                                         make_suggestion):
    suggestion = make_suggestion()
    client.force_login(deputy_user)
    response = client.post(reverse("suggestions:cosign", args=[suggestion.pk]),
                           {"action": "invite", "person": other_deputy_person.pk})
    assert response.status_code == 302
    assert suggestion.signatures.get(person=other_deputy_person).status == Signature.Status.INVITED
    client.force_login(other_deputy_user)
    page = client.get(reverse("suggestions:cosign", args=[suggestion.pk]))
    assert "确认附议" in page.content.decode()
    assert client.post(reverse("suggestions:cosign", args=[suggestion.pk]), {"action": "invite",
                       "person": other_deputy_person.pk}).status_code == 404  # only the lead invites
    client.post(reverse("suggestions:cosign", args=[suggestion.pk]), {"action": "confirm"})
    assert suggestion.signatures.get(person=other_deputy_person).status == Signature.Status.CONFIRMED
    # the co-signer sees it in their list, and its page, but cannot edit it
    assert suggestion.title in client.get(reverse("suggestions:my_list")).content.decode()
    assert client.get(reverse("suggestions:detail", args=[suggestion.pk])).status_code == 200
    assert client.get(reverse("suggestions:draft_edit", args=[suggestion.pk])).status_code == 404


def test_detail_shows_reply_commitments_contacts(login, deputy_user, make_suggestion, unit):
    suggestion = _handled(make_suggestion, unit)
    body = login(deputy_user).get(reverse("suggestions:detail", args=[suggestion.pk])).content.decode()
    for text in ("十八届二次会议第015号", "清源县交通运输局", "赵六", "137****1234", "电话了解路口情况",
                 "已列入明年计划", "安装信号灯", "未落实", "测评答复"):
        assert text in body, text
    assert "13700001234" not in body


def test_rate_page_by_lead(login, deputy_user, make_suggestion, unit):
    suggestion = _handled(make_suggestion, unit)
    client = login(deputy_user)
    assert "组织领导" in client.get(reverse("suggestions:rate", args=[suggestion.pk])).content.decode()
    bad = client.post(reverse("suggestions:rate", args=[suggestion.pk]), {**RATING, "overall": "unsatisfied"})
    assert "不满意的原因" in bad.content.decode()
    done = client.post(reverse("suggestions:rate", args=[suggestion.pk]), {**RATING, "overall": "satisfied"})
    assert done.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == S.RATED and Rating.objects.count() == 1


def test_rate_refused_to_cosigner(client, other_deputy_user, other_deputy_person, make_suggestion, unit):
    suggestion = _handled(make_suggestion, unit)
    Signature.objects.create(suggestion=suggestion, person=other_deputy_person, role=Signature.Role.CO,
                             status=Signature.Status.CONFIRMED)
    client.force_login(other_deputy_user)
    response = client.post(reverse("suggestions:rate", args=[suggestion.pk]), {**RATING, "overall": "satisfied"})
    assert response.status_code == 403 and not Rating.objects.exists()


def test_withdraw_page(login, deputy_user, make_suggestion):
    suggestion = make_suggestion(state=S.SUBMITTED)
    client = login(deputy_user)
    assert client.get(reverse("suggestions:withdraw", args=[suggestion.pk])).status_code == 405
    client.post(reverse("suggestions:withdraw", args=[suggestion.pk]), {"reason": "重复"})
    suggestion.refresh_from_db()
    assert suggestion.state == S.WITHDRAWN

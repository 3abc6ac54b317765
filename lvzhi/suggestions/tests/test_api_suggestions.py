"""API: a deputy's own suggestions, one suggestion in scope (404 outside), a unit's inbox; auth and roles."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from lvzhi.accounts.models import ApiToken
from lvzhi.suggestions.models import Assignment, Commitment, Reply, Signature, Suggestion

pytestmark = pytest.mark.django_db
S = Suggestion.State


def bearer(user) -> Client:
    _, key = ApiToken.issue(user=user, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def handled(make_suggestion, unit, other_deputy_person):
    today = timezone.localdate()
    s = make_suggestion(state=S.HANDLING, number_label="第001号", deadline=today + dt.timedelta(days=10))
    Signature.objects.create(suggestion=s, person=other_deputy_person, role="co", status="confirmed")
    a = Assignment.objects.create(suggestion=s, unit=unit, role="lead", assigned_at=timezone.now(),
                                  deadline=today + dt.timedelta(days=10), extended_to=today + dt.timedelta(days=40))
    return s, a


def test_mine_lists_lead_and_co_signed(handled, deputy_user, other_deputy_user, make_suggestion,
                                       other_deputy_person):
    s, _ = handled
    make_suggestion(lead=other_deputy_person, title="李四自己的建议")
    data = bearer(deputy_user).get("/api/suggestions/mine").json()
    assert data["count"] == 1
    item = data["items"][0]
    assert (item["number_label"], item["my_role"], item["days_left"]) == ("第001号", "lead", 10)
    assert item["units"][0]["name"] == "清源县交通运输局" and item["state_label"] == "办理中"
    other = bearer(other_deputy_user).get("/api/suggestions/mine").json()
    assert {i["my_role"] for i in other["items"]} == {"co", "lead"} and other["count"] == 2


def test_mine_is_for_deputies(office_user, unit_user, client):
    assert bearer(office_user).get("/api/suggestions/mine").status_code == 403
    assert bearer(unit_user).get("/api/suggestions/mine").status_code == 403
    response = client.get("/api/suggestions/mine")
    assert response.status_code == 401 and "令牌" in response.json()["detail"]


def test_detail_in_scope_with_reply_and_commitments(handled, deputy_user, unit_user, office_user):
    s, a = handled
    r = Reply.objects.create(suggestion=s, assignment=a, round=1, text="已列入计划", result="B",
                             replied_at=timezone.now())
    Commitment.objects.create(reply=r, text="增设信号灯", due_date=dt.date(2026, 12, 31))
    for user in (deputy_user, unit_user, office_user):
        response = bearer(user).get(f"/api/suggestions/{s.pk}")
        assert response.status_code == 200, user
        body = response.json()
        assert body["replies"][0]["commitments"][0] == {"text": "增设信号灯", "due_date": "2026-12-31",
                                                        "delivered": False, "delivered_at": None}


def test_detail_out_of_scope_is_404(handled, make_suggestion, other_deputy_person, deputy_user, township_user,
                                    unit, other_unit):
    from lvzhi.accounts.models import User

    s, _ = handled
    theirs = make_suggestion(lead=other_deputy_person)
    assert bearer(deputy_user).get(f"/api/suggestions/{theirs.pk}").status_code == 404
    other_handler = User.objects.create_user("unit2", password="x" * 12, role="unit", unit=other_unit)
    response = bearer(other_handler).get(f"/api/suggestions/{s.pk}")
    assert response.status_code == 404 and response.json()["detail"] == "未找到，或不在您的权限范围内"
    assert bearer(township_user).get(f"/api/suggestions/{s.pk}").status_code == 404  # a county suggestion
    assert bearer(deputy_user).get("/api/suggestions/999999").status_code == 404
    assert bearer(deputy_user).get("/api/suggestions/0").status_code == 422


def test_declined_co_signer_no_longer_sees_it(handled, other_deputy_user):
    s, _ = handled
    Signature.objects.filter(suggestion=s, role="co").update(status="declined")
    assert bearer(other_deputy_user).get(f"/api/suggestions/{s.pk}").status_code == 404
    assert bearer(other_deputy_user).get("/api/suggestions/mine").json()["count"] == 0


def test_unit_inbox(handled, unit_user, make_suggestion, unit, other_unit, deputy_user):
    s, a = handled
    done = make_suggestion(state=S.REPLIED)
    Assignment.objects.create(suggestion=done, unit=unit, role="lead", assigned_at=timezone.now(),
                              deadline=timezone.localdate(), status="done")
    elsewhere = make_suggestion(state=S.HANDLING)
    Assignment.objects.create(suggestion=elsewhere, unit=other_unit, role="lead", assigned_at=timezone.now(),
                              deadline=timezone.localdate())
    data = bearer(unit_user).get("/api/units/inbox").json()
    assert data["count"] == 1
    assert data["items"][0]["suggestion_id"] == s.pk and data["items"][0]["days_left"] == 40  # the extension
    assert bearer(deputy_user).get("/api/units/inbox").status_code == 403


def test_inbox_and_mine_queries_constant(handled, unit_user, deputy_user, make_suggestion, unit,
                                         django_assert_max_num_queries):
    for _ in range(5):
        s = make_suggestion(state=S.HANDLING)
        Assignment.objects.create(suggestion=s, unit=unit, role="lead", assigned_at=timezone.now(),
                                  deadline=timezone.localdate())
    unit_client, deputy_client = bearer(unit_user), bearer(deputy_user)
    with django_assert_max_num_queries(6):
        assert unit_client.get("/api/units/inbox").json()["count"] == 6
    with django_assert_max_num_queries(8):
        assert deputy_client.get("/api/suggestions/mine").json()["count"] == 6


def test_wrong_method_and_bad_page(deputy_user):
    client = bearer(deputy_user)
    assert client.post("/api/suggestions/mine").status_code == 405
    response = client.get("/api/suggestions/mine?page=0")
    assert response.status_code == 422 and "页码" in response.json()["detail"]

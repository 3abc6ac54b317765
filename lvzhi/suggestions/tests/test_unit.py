"""The handling unit: inbox, assignment page, contact log, co-unit opinion, return request; who may do what."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from lvzhi.core.models import Notification
from lvzhi.suggestions.models import Assignment, ContactLog, Suggestion
from lvzhi.suggestions.services import unit as services

pytestmark = pytest.mark.django_db
S = Suggestion.State


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def assign(make_suggestion, unit, office_user):
    """assign(unit=unit, role="lead", state="assigned", days_ago=2, suggestion=None, **fields) → Assignment."""

    def make(unit_=None, role=Assignment.Role.LEAD, state=S.ASSIGNED, days_ago=2, suggestion=None, **fields):
        suggestion = suggestion or make_suggestion(state=state)
        at = timezone.now() - dt.timedelta(days=days_ago)
        values = {"deadline": timezone.localdate(at) + dt.timedelta(days=90), "round": suggestion.round, **fields}
        return Assignment.objects.create(suggestion=suggestion, unit=unit_ or unit, role=role, assigned_at=at,
                                         assigned_by=office_user, **values)

    return make


@pytest.fixture
def assignment(assign):
    return assign()


@pytest.fixture
def co_assignment(assign, assignment, other_unit):
    return assign(other_unit, role=Assignment.Role.CO, suggestion=assignment.suggestion)


@pytest.fixture
def other_unit_user(other_unit):
    from lvzhi.accounts.models import User

    return User.objects.create_user(username="edu", password="x", role="unit", unit=other_unit,
                                    display_name="教育局经办人")


def contact(assignment, by, **fields):
    values = {"stage": ContactLog.Stage.BEFORE, "form": ContactLog.Form.PHONE, "date": timezone.localdate(),
              "participants": "张三代表、交通局李科长", "summary": "电话了解东门路拥堵情况。", **fields}
    return services.contact_log_add(assignment=assignment, by=by, **values)


# ---------------------------------------------------------------------------------------------------------------
# Contact log


def test_first_contact_starts_handling_and_is_audited(assignment, unit_user):
    log = contact(assignment, unit_user)
    suggestion = assignment.suggestion
    suggestion.refresh_from_db()
    assert suggestion.state == S.HANDLING
    assert suggestion.events.get().action == "start"
    assert log.created_by == unit_user and log.stage == "before"
    assert LogEntry.objects.filter(additional_data__event="suggestion_contact_add", actor=unit_user).exists()
    contact(assignment, unit_user, stage=ContactLog.Stage.DURING)
    assert suggestion.events.count() == 1  # started once


@pytest.mark.parametrize("fields, message", [
    ({"date": None}, "请填写沟通日期"),
    ({"participants": " "}, "请填写参加人员"),
    ({"summary": ""}, "请填写沟通情况"),
    ({"form": "email"}, "请选择沟通方式"),
    ({"stage": ContactLog.Stage.AFTER}, "尚未答复"),
])
def test_contact_refusals(assignment, unit_user, fields, message):
    with pytest.raises(services.UnitError, match=message):
        contact(assignment, unit_user, **fields)
    assert not ContactLog.objects.exists()
    assignment.suggestion.refresh_from_db()
    assert assignment.suggestion.state == S.ASSIGNED


def test_contact_dates_between_assignment_and_today(assignment, unit_user):
    with pytest.raises(services.UnitError, match="晚于今天"):
        contact(assignment, unit_user, date=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(services.UnitError, match="早于交办日期"):
        contact(assignment, unit_user, date=timezone.localdate() - dt.timedelta(days=30))


def test_only_the_assigned_units_handler_may_act(assignment, other_unit_user, office_user, deputy_user):
    for user in (other_unit_user, office_user, deputy_user):
        with pytest.raises(PermissionDenied):
            contact(assignment, user)
    assert not ContactLog.objects.exists()


# ---------------------------------------------------------------------------------------------------------------
# Co-unit opinion


def test_co_unit_sends_its_opinion_to_the_lead_unit(co_assignment, assignment, other_unit_user, unit_user,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.co_opinion_submit(assignment=co_assignment, by=other_unit_user, text="学校门口可同步设置护学岗。")
    co_assignment.refresh_from_db()
    assert co_assignment.co_opinion == "学校门口可同步设置护学岗。" and co_assignment.co_opinion_at
    note = Notification.objects.get(user=unit_user)
    assert "清源县教育局提交了协办意见" in note.title
    assert note.link == reverse("suggestions:unit_detail", args=[assignment.pk])
    assignment.suggestion.refresh_from_db()
    assert assignment.suggestion.state == S.HANDLING


def test_the_lead_unit_has_no_co_opinion_to_send(assignment, unit_user):
    with pytest.raises(services.UnitError, match="协办单位提出"):
        services.co_opinion_submit(assignment=assignment, by=unit_user, text="意见")


# ---------------------------------------------------------------------------------------------------------------
# Return request


def test_return_request_within_the_window(assignment, unit_user, office_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.return_request(assignment=assignment, by=unit_user, reason="道路属城关镇管理，不属本局职责")
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.RETURN_REQUESTED
    assert assignment.return_reason == "道路属城关镇管理，不属本局职责" and assignment.return_requested_at
    note = Notification.objects.get(user=office_user, title__contains="申请退回")
    assert note.link == reverse("suggestions:return_requests")
    assert LogEntry.objects.filter(additional_data__event="suggestion_return_request").exists()
    with pytest.raises(services.UnitError, match="等待"):
        contact(assignment, unit_user)


def test_return_request_after_the_window_is_refused(assign, unit_user):
    late = assign(days_ago=20)  # 20 calendar days are more than 7 working days whatever the holidays
    with pytest.raises(services.UnitError, match="申请退回的期限已于"):
        services.return_request(assignment=late, by=unit_user, reason="不属本局职责")
    late.refresh_from_db()
    assert late.status == Assignment.Status.ACTIVE


def test_return_window_counts_working_days(assign):
    from lvzhi.core.models import CalendarDay

    a = assign()
    a.assigned_at = timezone.make_aware(dt.datetime(2026, 9, 28, 10))  # a Monday before National Day
    for day in range(1, 9):
        CalendarDay.objects.create(date=dt.date(2026, 10, day), is_working_day=False, name="国庆节")
    CalendarDay.objects.create(date=dt.date(2026, 10, 10), is_working_day=True, name="国庆节调休上班")
    # 9.29, 9.30 (2), 10.9 (3), 10.10 Saturday 调休 (4), 10.12–10.14 (7)
    assert services.return_window_end(a) == dt.date(2026, 10, 14)


# ---------------------------------------------------------------------------------------------------------------
# Views


def test_inbox_lists_lead_and_co_assignments_with_days_left(login, unit_user, assign, other_unit, unit):
    lead = assign()
    co = assign(role=Assignment.Role.CO)
    overdue = assign(days_ago=100, deadline=timezone.localdate() - dt.timedelta(days=3))
    assign(other_unit)  # another unit's
    response = login(unit_user).get(reverse("suggestions:unit_inbox"))
    assert response.status_code == 200
    rows = {r["a"].pk: r for r in response.context["rows"]}
    assert set(rows) == {lead.pk, co.pk, overdue.pk}
    assert rows[overdue.pk]["overdue"] and rows[overdue.pk]["late"] == 3
    assert rows[lead.pk]["left"] == 88
    html = response.content.decode()
    assert "超期 3 天" in html and "88 天" in html
    assert response.context["overdue_count"] == 1


def test_inbox_filters_and_htmx_fragment(login, unit_user, assign):
    lead = assign()
    co = assign(role=Assignment.Role.CO)
    client = login(unit_user)
    response = client.get(reverse("suggestions:unit_inbox"), {"role": "co"})
    assert [r["a"].pk for r in response.context["rows"]] == [co.pk]
    fragment = client.get(reverse("suggestions:unit_inbox"), {"role": "co"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and b'id="unit-results"' in fragment.content
    assert co.suggestion.title.encode() in fragment.content
    response = client.get(reverse("suggestions:unit_inbox"), {"show": "overdue"})
    assert response.context["rows"] == []
    response = client.get(reverse("suggestions:unit_inbox"), {"q": lead.suggestion.lead.name})
    assert len(response.context["rows"]) == 2


def test_inbox_shows_only_the_current_round(login, unit_user, assign, make_suggestion):
    suggestion = make_suggestion(state=S.ASSIGNED, round=2)
    first = assign(suggestion=suggestion, round=1, status=Assignment.Status.DONE)
    current = assign(suggestion=suggestion, round=2)
    response = login(unit_user).get(reverse("suggestions:unit_inbox"))
    assert [r["a"].pk for r in response.context["rows"]] == [current.pk]
    with pytest.raises(services.UnitError, match="上一轮"):
        contact(first, unit_user)


def test_inbox_query_count_does_not_grow(login, unit_user, assign, django_assert_max_num_queries):
    client = login(unit_user)
    assign()
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("suggestions:unit_inbox"))
    for _ in range(15):
        assign()
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("suggestions:unit_inbox"))
    assert len(response.context["rows"]) == 16


def test_inbox_is_for_units_only(login, office_user, deputy_user):
    for user in (office_user, deputy_user):
        assert login(user).get(reverse("suggestions:unit_inbox")).status_code == 403


def test_inbox_wrong_method(login, unit_user):
    assert login(unit_user).post(reverse("suggestions:unit_inbox")).status_code == 405


def test_detail_shows_the_suggestion_and_masks_the_phone(login, unit_user, assignment):
    response = login(unit_user).get(reverse("suggestions:unit_detail", args=[assignment.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "东门路早晚高峰拥堵" in html and "张三" in html
    assert "138****5678" in html and "13812345678" not in html
    assignment.suggestion.refresh_from_db()
    assert assignment.suggestion.state == S.ASSIGNED  # opening is not handling


def test_another_units_assignment_is_404(login, other_unit_user, assignment):
    client = login(other_unit_user)
    for name in ("unit_detail", "contact_add", "reply", "return_request", "co_opinion", "unit_reveal_phone"):
        method = client.get if name == "unit_detail" else client.post
        assert method(reverse(f"suggestions:{name}", args=[assignment.pk])).status_code == 404, name


def test_other_roles_may_not_use_the_unit_pages(login, office_user, assignment):
    client = login(office_user)
    assert client.get(reverse("suggestions:unit_detail", args=[assignment.pk])).status_code == 403
    assert client.post(reverse("suggestions:contact_add", args=[assignment.pk])).status_code == 403


def test_reveal_phone_is_audited(login, unit_user, assignment):
    response = login(unit_user).post(reverse("suggestions:unit_reveal_phone", args=[assignment.pk]),
                                     HTTP_HX_REQUEST="true")
    assert "13812345678" in response.content.decode() and b"<html" not in response.content
    entry = LogEntry.objects.get(additional_data__event="reveal")
    assert entry.actor == unit_user and entry.object_pk == str(assignment.suggestion.lead_id)
    assert login(unit_user).get(reverse("suggestions:unit_reveal_phone", args=[assignment.pk])).status_code == 405


def test_contact_view_saves_and_explains_errors(login, unit_user, assignment):
    client = login(unit_user)
    url = reverse("suggestions:contact_add", args=[assignment.pk])
    response = client.post(url, {"stage": "before", "form": "in_person", "date": "", "participants": "张三",
                                 "summary": "面商"})
    assert response.status_code == 400 and "请填写沟通日期" in response.content.decode()
    assert not ContactLog.objects.exists()
    response = client.post(url, {"stage": "before", "form": "in_person", "date": timezone.localdate().isoformat(),
                                 "participants": "张三代表", "summary": "到现场面商"})
    assert response.status_code == 302
    assert ContactLog.objects.get().form == "in_person"
    assert client.get(url).status_code == 405


def test_co_opinion_view_and_lead_sees_it(login, unit_user, other_unit_user, assignment, co_assignment):
    response = login(other_unit_user).post(reverse("suggestions:co_opinion", args=[co_assignment.pk]),
                                           {"text": "建议同步整治校门口停车。"})
    assert response.status_code == 302
    page = login(unit_user).get(reverse("suggestions:unit_detail", args=[assignment.pk])).content.decode()
    assert "建议同步整治校门口停车。" in page and "清源县教育局" in page


def test_return_request_view(login, unit_user, assign):
    late = assign(days_ago=20)
    response = login(unit_user).post(reverse("suggestions:return_request", args=[late.pk]), {"reason": "不属本局"})
    assert response.status_code == 400 and "申请退回的期限已于" in response.content.decode()
    fresh = assign()
    response = login(unit_user).post(reverse("suggestions:return_request", args=[fresh.pk]), {"reason": "不属本局"})
    assert response.status_code == 302
    fresh.refresh_from_db()
    assert fresh.status == Assignment.Status.RETURN_REQUESTED


def test_menu_has_the_inbox_for_units(login, unit_user):
    html = login(unit_user).get(reverse("suggestions:unit_inbox")).content.decode()
    assert "承办建议" in html and reverse("suggestions:unit_inbox") in html


def test_inbox_marks_suggestions_with_no_contact_yet(login, unit_user, assign):
    quiet = assign()
    talked = assign()
    contact(talked, unit_user)
    response = login(unit_user).get(reverse("suggestions:unit_inbox"))
    rows = {r["a"].pk: r["a"].contacted for r in response.context["rows"]}
    assert rows == {quiet.pk: False, talked.pk: True}
    assert response.content.decode().count("未联系代表") == 1


def test_detail_shows_first_contact_and_co_opinion_due_dates(login, unit_user, other_unit_user, assignment,
                                                             co_assignment):
    page = login(unit_user).get(reverse("suggestions:unit_detail", args=[assignment.pk])).content.decode()
    assert "首次联系代表" in page and "工作日" in page
    co_page = login(other_unit_user).get(reverse("suggestions:unit_detail", args=[co_assignment.pk])).content.decode()
    assert "前送主办单位" in co_page
    contact(assignment, unit_user)
    page = login(unit_user).get(reverse("suggestions:unit_detail", args=[assignment.pk])).content.decode()
    assert "首次联系代表" not in page

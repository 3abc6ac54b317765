"""The office's pages: who sees and who changes what, the list's filters and query count, the review actions,
assignment (one and batch), the 交办表 as PDF and Excel, return requests, extension, supervision, publishing and
the categories page."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from lvzhi.suggestions.models import Assignment, Suggestion
from lvzhi.suggestions.services import office as services

S = Suggestion.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def category(regions):
    return services.categories_for(regions["county"].code).get(name="交通运输")


@pytest.fixture
def accepted(office_user, make_suggestion, sitting, category):
    def make(**fields):
        s = make_suggestion(state=S.SUBMITTED, sitting=sitting, **fields)
        return services.suggestion_accept(suggestion=s, by=office_user, category=category)

    return make


@pytest.fixture
def assigned(accepted, office_user, unit, other_unit):
    s = accepted()
    services.suggestion_assign(suggestion=s, lead_unit=unit, co_units=[other_unit], leader="李副县长",
                               handler="张科长", supervisor="城建环保工委", by=office_user)
    return s


# ---------------------------------------------------------------------------------------------------------------
# Who may open what


def test_list_for_staff_only(client, login, office_user, leader_user, township_user, unit_user, deputy_user,
                             make_suggestion):
    make_suggestion(state=S.SUBMITTED, title="关于东门路信号灯的建议")
    url = reverse("suggestions:office_list")
    for user, status in ((office_user, 200), (leader_user, 200), (township_user, 200), (unit_user, 404),
                         (deputy_user, 404)):
        login(user)
        assert client.get(url).status_code == status, user
    login(township_user)
    assert "东门路信号灯" not in client.get(url).content.decode()  # a county suggestion is not the township's
    login(leader_user)
    body = client.get(url).content.decode()
    assert "东门路信号灯" in body and "建议办理" in body


def test_review_scope_and_read_only(client, login, make_suggestion, outsider_user, other_township_user,
                                    leader_user, unit_user, deputy_user, office_user, category):
    s = make_suggestion(state=S.SUBMITTED)
    url = reverse("suggestions:review", args=[s.pk])
    for user in (outsider_user, other_township_user, unit_user, deputy_user):
        login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "accept", "category": category.pk}).status_code == 404
    login(leader_user)
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="accept"' not in page.content.decode()
    assert client.post(url, {"action": "accept", "category": category.pk}).status_code == 403
    s.refresh_from_db()
    assert s.state == S.SUBMITTED
    login(office_user)
    assert 'value="accept"' in client.get(url).content.decode()
    assert client.put(url).status_code == 405


def test_township_manages_its_own_congress(client, login, township_user, make_suggestion, make_person, regions,
                                           congresses):
    s = make_suggestion(state=S.SUBMITTED, term=congresses["town_a"])
    category = services.categories_for(regions["town_a"].code).first()
    login(township_user)
    response = client.post(reverse("suggestions:review", args=[s.pk]), {"action": "accept", "category": category.pk})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.state == S.ACCEPTED and s.number_label == "闭会期间第001号"
    assert s.category == category


# ---------------------------------------------------------------------------------------------------------------
# The list


def test_list_filters_and_counts(client, login, office_user, make_suggestion, assigned, accepted, sitting,
                                 unit, other_unit, category):
    recess = make_suggestion(state=S.SUBMITTED, title="闭会期间提出的建议")
    key = accepted()
    services.suggestion_classify(suggestion=key, by=office_user, category=category, is_key=True, key_leader="主任")
    Suggestion.objects.filter(pk=assigned.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    login(office_user)
    url = reverse("suggestions:office_list")

    def titles(**params):
        body = client.get(url, params).content.decode()
        return {s.pk for s in Suggestion.objects.all() if f'href="/suggestions/office/{s.pk}/"' in body}

    assert titles(period="recess") == {recess.pk}
    assert titles(period=sitting.pk) == {assigned.pk, key.pk}
    assert titles(state="accepted") == {key.pk}
    assert titles(key="on") == {key.pk}
    assert titles(unit=other_unit.pk) == {assigned.pk}
    assert titles(overdue="on") == {assigned.pk}
    assert titles(q="闭会期间") == {recess.pk}
    assert titles(q=assigned.lead.name) == {assigned.pk, key.pk, recess.pk}
    body = client.get(url).content.decode()
    assert "已提交 <span class=\"count\">1</span>" in body and "已立案 <span class=\"count\">1</span>" in body
    assert "逾期 3 天" in body
    fragment = client.get(url, {"state": "accepted"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert 'id="office-results"' in fragment.content.decode()


def test_list_query_count_does_not_grow(client, login, office_user, accepted, unit, django_assert_max_num_queries):
    login(office_user)
    url = reverse("suggestions:office_list")

    def add(n):
        for _ in range(n):
            s = accepted()
            services.suggestion_assign(suggestion=s, lead_unit=unit, by=office_user)

    add(2)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_list_paginates(client, login, office_user, make_suggestion):
    for i in range(35):
        make_suggestion(state=S.SUBMITTED, title=f"第{i}件建议")
    login(office_user)
    body = client.get(reverse("suggestions:office_list")).content.decode()
    assert "第 1 / 2 页" in body
    assert "第 2 / 2 页" in client.get(reverse("suggestions:office_list"), {"page": 2}).content.decode()


# ---------------------------------------------------------------------------------------------------------------
# Review actions


def test_accept_through_the_page(client, login, office_user, make_suggestion, sitting, category):
    s = make_suggestion(state=S.SUBMITTED, sitting=sitting)
    login(office_user)
    url = reverse("suggestions:review", args=[s.pk])
    bad = client.post(url, {"action": "accept", "category": category.pk, "is_key": "on"})
    assert bad.status_code == 400 and "重点建议须指定领衔督办的领导" in bad.content.decode()
    response = client.post(url, {"action": "accept", "category": category.pk, "is_key": "on", "key_leader": "王主任"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.state == S.ACCEPTED and s.is_key and s.number_label == "十八届二次会议第001号"
    assert "十八届二次会议第001号" in client.get(url).content.decode()
    again = client.post(url, {"action": "accept", "category": category.pk}, follow=True)
    assert "不能立案" in again.content.decode()


def test_return_opinion_merge_through_the_page(client, login, office_user, make_suggestion, other_deputy_person):
    a, b, target = make_suggestion(state=S.SUBMITTED), make_suggestion(state=S.SUBMITTED), \
        make_suggestion(state=S.SUBMITTED)
    dup = make_suggestion(state=S.SUBMITTED, lead=other_deputy_person)
    login(office_user)
    empty = client.post(reverse("suggestions:review", args=[a.pk]), {"action": "return", "comment": ""})
    assert empty.status_code == 400 and "请填写意见" in empty.content.decode()
    client.post(reverse("suggestions:review", args=[a.pk]), {"action": "return", "comment": "请补充数据"})
    client.post(reverse("suggestions:review", args=[b.pk]), {"action": "opinion", "comment": "个人诉求"})
    r = client.post(reverse("suggestions:review", args=[dup.pk]), {"action": "merge", "into": target.pk})
    assert r.status_code == 302 and r.url == reverse("suggestions:review", args=[target.pk])
    for s, state in ((a, S.RETURNED), (b, S.OPINION), (dup, S.MERGED)):
        s.refresh_from_db()
        assert s.state == state
    assert target.signatures.filter(person=other_deputy_person, role="co").exists()
    assert client.post(reverse("suggestions:review", args=[a.pk]), {"action": "nonsense"}).status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# Assignment


def test_assign_page(client, login, office_user, leader_user, accepted, unit, other_unit):
    s = accepted()
    url = reverse("suggestions:assign", args=[s.pk])
    login(leader_user)
    assert client.get(url).status_code == 403
    login(office_user)
    assert client.get(url).status_code == 200
    same = client.post(url, {"lead_unit": unit.pk, "co_units": [unit.pk]})
    assert same.status_code == 400 and "主办单位不必再列为协办单位" in same.content.decode()
    r = client.post(url, {"lead_unit": unit.pk, "co_units": [other_unit.pk], "leader": "李副县长",
                          "handler": "张科长", "supervisor": "城建环保工委",
                          "assigned_on": timezone.localdate().isoformat()})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.state == S.ASSIGNED and s.deadline
    page = client.get(reverse("suggestions:review", args=[s.pk])).content.decode()
    assert "答复期限" in page and "清源县教育局" in page
    assert client.get(url).status_code == 302  # no longer assignable


def test_batch_assign_page(client, login, office_user, accepted, make_suggestion, unit):
    a, b = accepted(), accepted()
    other = make_suggestion(state=S.SUBMITTED)
    login(office_user)
    url = reverse("suggestions:assign_batch")
    page = client.post(url, {"ids": [a.pk, b.pk, other.pk]})
    assert page.status_code == 200 and a.number_label in page.content.decode()
    assert page.content.decode().count('name="ids"') == 2  # the submitted one is left out
    r = client.post(url, {"ids": [a.pk, b.pk], "lead_unit": unit.pk})
    assert r.status_code == 302
    assert Assignment.objects.filter(unit=unit, suggestion__in=[a, b], role="lead").count() == 2
    assert client.post(url, {"ids": []}).status_code == 302


# ---------------------------------------------------------------------------------------------------------------
# 交办表


def test_assignment_sheet_pdf_and_excel(client, login, office_user, assigned, outsider_user, leader_user):
    import openpyxl
    from pypdf import PdfReader

    login(office_user)
    url = reverse("suggestions:assignment_sheet")
    r = client.get(url, {"pk": assigned.pk})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    for expected in ("交办表", assigned.number_label, "清源县交通运输局", "清源县教育局", "张科长", "领办人", "办结时限"):
        assert expected in text.replace(" ", "").replace("\n", ""), expected
    x = client.get(url, {"state": "assigned", "format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert [c.value for c in ws[2]][:4] == ["建议编号", "领衔代表", "建议内容", "承办单位"]
    assert ws["A3"].value == assigned.number_label and ws["D3"].value == "清源县交通运输局"
    assert ws["E3"].value == "清源县教育局" and ws.max_row == 3
    login(leader_user)
    assert client.get(url, {"pk": assigned.pk}).status_code == 200  # leaders may read it
    login(outsider_user)
    assert client.get(url, {"pk": assigned.pk}).status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# Return requests, extension


def test_return_requests_page(client, login, office_user, leader_user, assigned, unit, outsider_user):
    lead = assigned.assignments.get(unit=unit)
    lead.status, lead.return_reason, lead.return_requested_at = "return_requested", "不属本局职责", timezone.now()
    lead.save()
    url = reverse("suggestions:return_requests")
    login(leader_user)
    assert "不属本局职责" in client.get(url).content.decode()
    assert client.post(url, {"assignment": lead.pk, "decision": "approve"}).status_code == 403
    login(outsider_user)
    assert "不属本局职责" not in client.get(url).content.decode()
    assert client.post(url, {"assignment": lead.pk, "decision": "approve"}).status_code == 404
    login(office_user)
    assert "不属本局职责" in client.get(url).content.decode()
    refused = client.post(url, {"assignment": lead.pk, "decision": "refuse"}, follow=True)
    assert "不同意退回的理由" in refused.content.decode()
    client.post(url, {"assignment": lead.pk, "decision": "approve"})
    lead.refresh_from_db(), assigned.refresh_from_db()
    assert lead.status == "returned" and assigned.state == S.ACCEPTED


def test_extend_page(client, login, office_user, leader_user, assigned, unit):
    lead = assigned.assignments.get(unit=unit)
    url = reverse("suggestions:extend", args=[lead.pk])
    login(leader_user)
    assert client.get(url).status_code == 403
    login(office_user)
    assert "延期最长至" in client.get(url).content.decode()
    too_far = (lead.deadline + dt.timedelta(days=200)).isoformat()
    bad = client.post(url, {"to": too_far, "reason": "调研"})
    assert bad.status_code == 400 and "不能晚于" in bad.content.decode()
    to = lead.deadline + dt.timedelta(days=30)
    assert client.post(url, {"to": to.isoformat(), "reason": "需列入预算"}).status_code == 302
    lead.refresh_from_db()
    assert lead.extended_to == to


# ---------------------------------------------------------------------------------------------------------------
# Supervision, publishing, categories


def test_supervision_page(client, login, office_user, leader_user, accepted, category):
    s = accepted()
    services.suggestion_classify(suggestion=s, by=office_user, category=category, is_key=True, key_leader="主任")
    url = reverse("suggestions:supervision", args=[s.pk])
    data = {"kind": "meeting", "date": timezone.localdate().isoformat(), "participants": "主任、代表",
            "findings": "召开督办会，明确两处信号灯年内安装"}
    login(leader_user)
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 403
    login(office_user)
    assert client.post(url, data).status_code == 302
    assert "明确两处信号灯年内安装" in client.get(url).content.decode()


def test_publish_page(client, login, office_user, leader_user, accepted):
    s = accepted()
    url = reverse("suggestions:publish")
    login(leader_user)
    assert client.post(url, {"ids": [s.pk], "action": "publish"}).status_code == 403
    login(office_user)
    assert s.title in client.get(url).content.decode()
    client.post(url, {"ids": [s.pk], "action": "publish"})
    s.refresh_from_db()
    assert s.is_public and s.published_at
    assert s.title in client.get(url, {"show": "public"}).content.decode()


def test_categories_page(client, login, office_user, leader_user, unit_user):
    url = reverse("suggestions:categories")
    login(unit_user)
    assert client.get(url).status_code == 404
    login(leader_user)
    body = client.get(url).content.decode()
    assert "农林水牧" in body and "上移" not in body
    assert client.post(url, {"name": "生态环境"}).status_code == 403
    login(office_user)
    assert client.post(url, {"name": "生态环境", "committee": "城建环保工委", "is_active": "on"}).status_code == 302
    assert "生态环境" in client.get(url).content.decode()
    dup = client.post(url, {"name": "生态环境"})
    assert dup.status_code == 400 and "已有名为" in dup.content.decode()

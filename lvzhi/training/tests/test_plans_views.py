"""Plan pages: list, create, detail with its classes, edit, publish."""

import datetime as dt

import pytest
from django.urls import reverse

from lvzhi.training.models import TrainingClass, TrainingPlan
from lvzhi.training.services.plans import plan_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def term_plan(office_user, regions, congresses):
    return plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.TERM,
                       title="第十八届代表履职培训规划", term=congresses["county"], goals="届内全员轮训")


def test_create_term_then_annual_plan(login, office_user, congresses):
    client = login(office_user)
    assert client.get(reverse("training:plan_create")).status_code == 200
    client.post(reverse("training:plan_create"), {"kind": "term", "title": "届期规划", "term": congresses["county"].pk,
                                                  "goals": "全员轮训"})
    term = TrainingPlan.objects.get(kind="term")
    response = client.post(reverse("training:plan_create"), {"kind": "annual", "title": "2026年计划", "year": "2026",
                                                             "parent": term.pk})
    annual = TrainingPlan.objects.get(kind="annual")
    assert response.url == reverse("training:plan_detail", args=[annual.pk])
    assert annual.parent == term and annual.term == term.term


def test_create_says_what_to_fix(login, office_user):
    response = login(office_user).post(reverse("training:plan_create"), {"kind": "annual", "title": ""})
    body = response.content.decode()
    assert "请填写名称" in body and "年度培训计划请填写年度" in body


def test_list_and_detail_with_classes(login, leader_user, office_user, term_plan, regions):
    annual = plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.ANNUAL, title="2026年计划",
                         year=2026, parent=term_plan)
    TrainingClass.objects.create(title="新任代表培训班", region=regions["county"], organiser="县人大常委会", plan=annual,
                                 start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 5, 2),
                                 audience=TrainingClass.Audience.MIXED)
    client = login(leader_user)
    body = client.get(reverse("training:plan_list")).content.decode()
    assert term_plan.title in body and "2026年计划" in body
    body = client.get(reverse("training:plan_detail", args=[annual.pk])).content.decode()
    assert "新任代表培训班" in body and "代表及工作人员" in body and "筹备中" in body
    assert client.get(reverse("training:plan_edit", args=[annual.pk])).status_code == 403


def test_list_query_count_does_not_grow(login, office_user, regions, term_plan, django_assert_max_num_queries):
    client = login(office_user)
    with django_assert_max_num_queries(10) as small:
        client.get(reverse("training:plan_list"))
    for year in range(2022, 2027):
        plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.ANNUAL, title=f"{year}年计划",
                    year=year, parent=term_plan)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("training:plan_list"))


def test_scope(login, outsider_user, deputy_user, term_plan):
    assert login(outsider_user).get(reverse("training:plan_detail", args=[term_plan.pk])).status_code == 404
    assert login(deputy_user).get(reverse("training:plan_detail", args=[term_plan.pk])).status_code == 403
    assert login(deputy_user).get(reverse("training:plan_list")).status_code == 403


def test_publish(login, office_user, leader_user, term_plan):
    url = reverse("training:plan_publish", args=[term_plan.pk])
    assert login(office_user).get(url).status_code == 405
    assert login(leader_user).post(url).status_code == 403
    login(office_user).post(url)
    term_plan.refresh_from_db()
    assert term_plan.status == TrainingPlan.Status.PUBLISHED


def test_edit(login, office_user, term_plan, congresses):
    login(office_user).post(reverse("training:plan_edit", args=[term_plan.pk]),
                            {"kind": "term", "title": "改名的规划", "term": congresses["county"].pk, "goals": "g"})
    term_plan.refresh_from_db()
    assert term_plan.title == "改名的规划"

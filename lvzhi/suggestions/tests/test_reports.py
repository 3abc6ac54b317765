"""Figures by unit and category: on time, contacted before replying, satisfied, resolved (never just replied)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from lvzhi.suggestions import reports
from lvzhi.suggestions.models import (
    Assignment,
    Category,
    Commitment,
    ContactLog,
    Rating,
    Reply,
    Suggestion,
)

pytestmark = pytest.mark.django_db
S = Suggestion.State
TODAY = dt.date(2026, 11, 1)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


@pytest.fixture
def build(make_suggestion, unit, regions, sitting):
    """build(unit, replied=date|None, contact=date|None, verdict=…, result=…, commitments=[(due, delivered)])."""
    counter = iter(range(1, 1000))

    def make(to_unit=None, *, replied=None, contact=None, verdict=None, result="A", commitments=(), category=None,
             deadline=dt.date(2026, 6, 1), extended_to=None, state=None, round=1, **fields):
        n = next(counter)
        s = make_suggestion(state=state or (S.RATED if verdict else S.REPLIED if replied else S.ASSIGNED),
                            sitting=sitting, number=n, number_label=f"第{n:03d}号", category=category,
                            assigned_at=at(dt.date(2026, 3, 1)), round=round, **fields)
        a = Assignment.objects.create(suggestion=s, unit=to_unit or unit, role="lead", round=round,
                                      assigned_at=at(dt.date(2026, 3, 1)), deadline=deadline, extended_to=extended_to)
        if contact:
            ContactLog.objects.create(assignment=a, stage="before", form="phone", date=contact, participants="代表",
                                      summary="电话沟通")
        if replied:
            r = Reply.objects.create(suggestion=s, assignment=a, round=round, text="答复", result=result,
                                     replied_at=at(replied))
            for due, delivered in commitments:
                Commitment.objects.create(reply=r, text="修路", due_date=due, delivered_at=delivered)
        if verdict:
            Rating.objects.create(suggestion=s, round=round, person=s.lead, leadership=verdict, attitude=verdict,
                                  communication=verdict, reply_quality=verdict, implementation=verdict,
                                  overall=verdict)
        return s

    return make


def test_figures_count_what_was_resolved_not_what_was_replied(build, office_user, unit, other_unit, regions):
    traffic = Category.objects.create(name="交通运输", region=regions["county"])
    # on time, contacted before, satisfied, A → resolved
    build(replied=dt.date(2026, 5, 1), contact=dt.date(2026, 4, 1), verdict="satisfied", category=traffic)
    # late (no extension), contacted only after the reply, unsatisfied, B with an undelivered commitment
    build(replied=dt.date(2026, 7, 1), contact=dt.date(2026, 7, 2), verdict="unsatisfied", result="B",
          commitments=[(dt.date(2026, 9, 1), None)], category=traffic)
    # late by the deadline but within the extension; B with all commitments delivered → resolved
    build(other_unit, replied=dt.date(2026, 7, 1), extended_to=dt.date(2026, 8, 1), verdict="basically", result="B",
          commitments=[(dt.date(2026, 9, 1), dt.date(2026, 8, 20)), (dt.date(2027, 1, 1), dt.date(2026, 10, 1))])
    # not replied, past its deadline → due but not on time
    build(other_unit)
    # C class, replied on time: replied, never resolved
    build(other_unit, replied=dt.date(2026, 5, 1), result="C")

    data = reports.figures(office_user, reports.Period(year=2026), today=TODAY)
    t = data["total"]
    assert (t["assigned"], t["due"], t["replied"], t["on_time"]) == (5, 5, 4, 3)
    assert (t["contacted"], t["rated"], t["satisfied"], t["resolved"]) == (1, 3, 2, 2)
    assert (t["commitments_due"], t["commitments_delivered"]) == (2, 1)  # the 2027 one is not yet due
    assert t["on_time_rate"] == 60.0 and t["resolved_rate"] == 50.0 and t["delivery_rate"] == 50.0
    units = {r["unit__name"]: r for r in data["by_unit"]}
    assert units["清源县交通运输局"]["resolved"] == 1 and units["清源县教育局"]["assigned"] == 3
    cats = {r["suggestion__category__name"]: r for r in data["by_category"]}
    assert cats["交通运输"]["assigned"] == 2 and cats["未分类"]["assigned"] == 3


def test_second_round_is_judged_by_its_own_reply_and_rating(build, office_user):
    s = build(replied=dt.date(2026, 5, 1), verdict="unsatisfied")
    s.round = 2
    s.save()
    a2 = Assignment.objects.create(suggestion=s, unit=s.assignments.get().unit, role="lead", round=2,
                                   assigned_at=at(dt.date(2026, 6, 1)), deadline=dt.date(2026, 8, 1))
    Reply.objects.create(suggestion=s, assignment=a2, round=2, text="再答复", result="A", replied_at=at(dt.date(2026, 7, 1)))
    Rating.objects.create(suggestion=s, round=2, person=s.lead, leadership="satisfied", attitude="satisfied",
                          communication="satisfied", reply_quality="satisfied", implementation="satisfied",
                          overall="satisfied")
    t = reports.figures(office_user, reports.Period(year=2026), today=TODAY)["total"]
    assert (t["assigned"], t["satisfied"], t["resolved"]) == (1, 1, 1)


def test_period_by_sitting_and_year(build, office_user, sitting):
    build(replied=dt.date(2026, 5, 1))
    assert reports.figures(office_user, reports.Period(sitting=sitting), today=TODAY)["total"]["assigned"] == 1
    assert reports.figures(office_user, reports.Period(year=2025), today=TODAY)["total"]["assigned"] == 0


def test_scope_unit_sees_its_own_township_none(build, unit_user, other_unit, township_user, office_user):
    build(replied=dt.date(2026, 5, 1))
    build(other_unit)
    period = reports.Period(year=2026)
    assert reports.figures(unit_user, period, today=TODAY)["total"]["assigned"] == 1
    assert reports.figures(township_user, period, today=TODAY)["total"]["assigned"] == 0  # county suggestions
    assert reports.figures(office_user, period, today=TODAY)["total"]["assigned"] == 2


def test_rows_behind_a_figure(build, office_user, other_unit):
    a = build(replied=dt.date(2026, 5, 1), result="A")
    build(other_unit, replied=dt.date(2026, 5, 1), result="C")
    title, rows = reports.report_rows(office_user, reports.Period(year=2026), show="resolved", today=TODAY)
    assert title == "办成" and [r.suggestion_id for r in rows] == [a.pk]
    _, rows = reports.report_rows(office_user, reports.Period(year=2026), show="replied", unit=other_unit.pk)
    assert len(rows) == 1 and rows[0].unit == other_unit


# --- views -----------------------------------------------------------------------------------------------------


def test_report_page_and_lists(build, login, office_user, other_unit, django_assert_max_num_queries):
    for _ in range(3):
        build(replied=dt.date(2026, 5, 1), verdict="satisfied")
        build(other_unit)
    client = login(office_user)
    url = reverse("suggestions:report") + "?year=2026"
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "按时答复" in body and "chart-units" in body
    list_url = reverse("suggestions:report_list") + "?show=satisfied&year=2026"
    assert list_url.replace("&", "&amp;") in body
    with django_assert_max_num_queries(12):
        response = client.get(list_url)
    assert response.status_code == 200 and response.content.decode().count("第00") == 3
    for _ in range(5):
        build(replied=dt.date(2026, 5, 1), verdict="satisfied")
    with django_assert_max_num_queries(12):
        assert client.get(list_url).status_code == 200


def test_report_list_bad_show_404_and_post_405(login, office_user):
    client = login(office_user)
    assert client.get(reverse("suggestions:report_list") + "?show=nope").status_code == 404
    assert client.post(reverse("suggestions:report")).status_code == 405


def test_report_refuses_deputy_and_anonymous(client, login, deputy_user):
    assert client.get(reverse("suggestions:report")).status_code == 302
    assert login(deputy_user).get(reverse("suggestions:report")).status_code == 403


def test_report_list_excel(build, login, office_user):
    build(replied=dt.date(2026, 5, 1))
    response = login(office_user).get(reverse("suggestions:report_list") + "?year=2026&show=replied&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(response.content)).active
    assert ws.cell(2, 1).value == "第001号"

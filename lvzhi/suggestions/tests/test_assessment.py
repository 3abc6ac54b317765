"""百分考核: weights summing to 100, the office's own scores, parts computed from the data, ranked, audited."""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from lvzhi.suggestions.models import AssessmentWeights, UnitAssessment
from lvzhi.suggestions.services import assessment as svc

from .test_reports import TODAY, build  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_weights_must_sum_to_100(office_user, regions):
    with pytest.raises(svc.AssessmentError, match="之和应为 100，现在是 90"):
        svc.assessment_weights_save(region=regions["county"], year=2026, leadership=20, management=20, procedure=20,
                                    satisfaction=30, by=office_user)
    assert not AssessmentWeights.objects.exists()
    w = svc.assessment_weights_save(region=regions["county"], year=2026, leadership=10, management=10,
                                    procedure=40, satisfaction=40, by=office_user)
    assert (w.procedure, w.satisfaction) == (40, 40)
    assert LogEntry.objects.filter(additional_data__event="assessment_weights").count() == 1


def test_only_office_sets_weights_and_scores(township_user, leader_user, unit_user, regions, unit):
    for user in (township_user, leader_user, unit_user):
        with pytest.raises(PermissionDenied):
            svc.assessment_weights_save(region=regions["county"], year=2026, leadership=25, management=25,
                                        procedure=25, satisfaction=25, by=user)
        with pytest.raises(PermissionDenied):
            svc.unit_assessment_save(region=regions["county"], year=2026, unit=unit, leadership=90, management=90,
                                     by=user)


def test_unit_score_out_of_range_refused(office_user, regions, unit):
    with pytest.raises(svc.AssessmentError, match="0 到 100"):
        svc.unit_assessment_save(region=regions["county"], year=2026, unit=unit, leadership=101, management=1,
                                 by=office_user)
    with pytest.raises(svc.AssessmentError, match="应为数字"):
        svc.unit_assessment_save(region=regions["county"], year=2026, unit=unit, leadership="九十", management=1,
                                 by=office_user)


def test_total_is_weighted_and_ranked(build, office_user, regions, unit, other_unit):  # noqa: F811
    # unit: 1 due, replied on time with a contact before, satisfied → procedure 100, satisfaction 100
    build(replied=dt.date(2026, 5, 1), contact=dt.date(2026, 4, 1), verdict="satisfied")
    # other unit: replied late, no contact, unsatisfied → procedure 0, satisfaction 0
    build(other_unit, replied=dt.date(2026, 7, 1), verdict="unsatisfied")
    svc.unit_assessment_save(region=regions["county"], year=2026, unit=other_unit, leadership=100, management=100,
                             by=office_user)
    svc.unit_assessment_save(region=regions["county"], year=2026, unit=unit, leadership=50, management="60.25",
                             by=office_user)
    weights, rows = svc.assessment_table(office_user, 2026, today=TODAY)
    assert (weights.leadership, weights.procedure) == (20, 30)  # defaults
    first, second = rows
    # (20×50 + 20×60.3 + 30×100 + 30×100) / 100 = 82.06 → 82.1; other: 20×100 + 20×100 = 4000 → 40.0
    assert (first.unit_id, first.total, first.rank) == (unit.pk, Decimal("82.1"), 1)
    assert (second.unit_id, second.total, second.rank) == (other_unit.pk, Decimal("40.0"), 2)
    assert first.parts["procedure"] == Decimal("100.0") and second.parts["satisfaction"] == Decimal("0.0")


def test_assessment_page_office_edits(build, login, office_user, unit):  # noqa: F811
    build(replied=dt.date(2026, 5, 1), verdict="satisfied")
    client = login(office_user)
    url = reverse("suggestions:assessment") + "?year=2026"
    response = client.get(url)
    assert response.status_code == 200 and "计分方法" in response.content.decode()
    bad = client.post(url, {"action": "weights", "year": 2026, "leadership": 50, "management": 20, "procedure": 30,
                            "satisfaction": 30})
    assert bad.status_code == 422 and "现在是 130" in bad.content.decode()
    ok = client.post(url, {"action": "weights", "year": 2026, "leadership": 10, "management": 20, "procedure": 35,
                           "satisfaction": 35})
    assert ok.status_code == 302 and AssessmentWeights.objects.get(year=2026).procedure == 35
    client.post(url, {"action": "unit", "year": 2026, "unit": unit.pk, "leadership": 80, "management": 70})
    assert UnitAssessment.objects.get(unit=unit).leadership == Decimal("80.0")


def test_assessment_page_read_only_roles(login, leader_user, deputy_user, client):
    url = reverse("suggestions:assessment")
    assert login(leader_user).get(url).status_code == 200
    assert client.post(url, {"action": "weights", "leadership": 25, "management": 25, "procedure": 25,
                             "satisfaction": 25}).status_code == 403
    assert login(deputy_user).get(url).status_code == 403
    assert client.put(url).status_code in (403, 405)


def test_assessment_other_region_unit_404(login, office_user, regions):
    from lvzhi.people.models import Unit

    far = Unit.objects.create(name="远山县交通局", region=regions["other_county"])
    response = login(office_user).post(reverse("suggestions:assessment"),
                                       {"action": "unit", "unit": far.pk, "leadership": 1, "management": 1})
    assert response.status_code == 404

"""Plans: a term plan, annual plans under it, publishing; rights."""

import pytest

from lvzhi.training.models import TrainingPlan
from lvzhi.training.services.classes import TrainingError
from lvzhi.training.services.plans import plan_create, plan_publish, plan_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def term_plan(office_user, regions, congresses):
    return plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.TERM,
                       title="第十八届代表履职培训规划", term=congresses["county"], goals="每名代表届内至少参加一次集中培训")


def test_annual_plan_under_a_term_plan_takes_its_term(office_user, regions, term_plan, congresses):
    annual = plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.ANNUAL,
                         title="2026年代表培训计划", year=2026, parent=term_plan)
    assert annual.term == congresses["county"]
    assert list(term_plan.annual_plans.all()) == [annual]


def test_annual_plan_needs_a_year_within_the_term(office_user, regions, term_plan):
    with pytest.raises(TrainingError, match="年度"):
        plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.ANNUAL, title="x", parent=term_plan)
    with pytest.raises(TrainingError, match="早于该届"):
        plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.ANNUAL, title="x", year=2019,
                    parent=term_plan)


def test_annual_plan_cannot_sit_under_an_annual_plan(office_user, regions, term_plan):
    annual = plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.ANNUAL, title="a",
                         year=2026, parent=term_plan)
    with pytest.raises(TrainingError, match="只能隶属于届期"):
        plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.ANNUAL, title="b", year=2026,
                    parent=annual)


def test_term_plan_needs_a_term(office_user, regions):
    with pytest.raises(TrainingError, match="届"):
        plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.TERM, title="规划")


def test_publish_needs_goals_and_happens_once(office_user, regions, term_plan):
    draft = plan_create(by=office_user, region=regions["county"], kind=TrainingPlan.Kind.ANNUAL, title="a",
                        year=2026, parent=term_plan)
    with pytest.raises(TrainingError, match="目标与重点"):
        plan_publish(by=office_user, plan=draft)
    plan_publish(by=office_user, plan=term_plan)
    term_plan.refresh_from_db()
    assert term_plan.status == TrainingPlan.Status.PUBLISHED
    with pytest.raises(TrainingError, match="已经印发"):
        plan_publish(by=office_user, plan=term_plan)


def test_rights(leader_user, outsider_user, township_user, regions, term_plan):
    for user in (leader_user, outsider_user, township_user):
        with pytest.raises(TrainingError):
            plan_update(by=user, plan=term_plan, title="改")
    township_plan = plan_create(by=township_user, region=regions["town_a"], kind=TrainingPlan.Kind.ANNUAL,
                                title="城关镇2026年培训计划", year=2026)
    assert township_plan.region == regions["town_a"]

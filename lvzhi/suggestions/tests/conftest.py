"""Suggestion fixtures: the county's current term and second sitting, two units, a suggestion factory."""

import datetime as dt

import pytest


@pytest.fixture
def sitting(congresses):
    from lvzhi.people.models import Sitting

    return Sitting.objects.create(term=congresses["county"], number=2, start_date=dt.date(2026, 1, 10),
                                  end_date=dt.date(2026, 1, 13))


@pytest.fixture
def other_unit(regions):
    from lvzhi.people.models import Unit

    return Unit.objects.create(name="清源县教育局", short_name="教育局", region=regions["county"])


@pytest.fixture
def make_suggestion(congresses, deputy_person):
    """make_suggestion(state="draft", lead=deputy_person, **fields), written directly with its lead signature."""
    from lvzhi.suggestions.models import Signature, Suggestion

    def make(state=Suggestion.State.DRAFT, lead=None, **fields):
        lead = lead or deputy_person
        values = {"title": "关于改善城关镇东门路交通秩序的建议", "background": "东门路早晚高峰拥堵。",
                  "request": "增设信号灯并划定停车区域。", "term": congresses["county"], **fields}
        suggestion = Suggestion.objects.create(state=state, lead=lead,
                                               region_code=values["term"].congress.region_id, **values)
        Signature.objects.create(suggestion=suggestion, person=lead, role=Signature.Role.LEAD,
                                 status=Signature.Status.CONFIRMED)
        return suggestion

    return make

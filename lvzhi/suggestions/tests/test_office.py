"""The office's services: review with numbering, classification, merge, assignment with the rules' deadline,
return decisions, extensions, supervision, publishing, categories; who may act."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from lvzhi.suggestions.models import Assignment, Category, Signature, Suggestion, SuggestionEvent
from lvzhi.suggestions.services import office as services
from lvzhi.suggestions.workflow import SuggestionError

S = Suggestion.State
pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def county_code(regions):
    return regions["county"].code


@pytest.fixture
def category(county_code):
    return services.categories_for(county_code).get(name="交通运输")


def _accept(s, user, category, **kw):
    return services.suggestion_accept(suggestion=s, by=user, category=category, **kw)


# ---------------------------------------------------------------------------------------------------------------
# Categories


def test_default_categories_are_the_seeds_classes(county_code):
    names = list(services.categories_for(county_code).values_list("name", flat=True))
    assert names[:5] == ["农林水牧", "交通运输", "城乡建设", "教科文卫", "财税金融"]
    assert len(names) == 7
    assert list(services.categories_for(county_code).values_list("name", flat=True)) == names  # not doubled


def test_category_add_rename_reorder_deactivate(office_user, county_code, township_user):
    services.categories_for(county_code)
    new = services.category_save(by=office_user, region_code=county_code, name="生态环境", committee="城建环保工委")
    assert list(services.categories_for(county_code))[-1] == new
    with pytest.raises(SuggestionError, match="已有名为"):
        services.category_save(by=office_user, region_code=county_code, name="交通运输")
    services.category_move(by=office_user, category=new, up=True)
    names = list(services.categories_for(county_code).values_list("name", flat=True))
    assert names[-2:] == ["生态环境", "政法综合"]
    services.category_save(by=office_user, region_code=county_code, category=new, name="生态环保", is_active=False)
    assert "生态环保" not in services.categories_for(county_code).values_list("name", flat=True)
    assert Category.objects.get(pk=new.pk).name == "生态环保"
    with pytest.raises(PermissionDenied):
        services.category_save(by=township_user, region_code=county_code, name="别的")


# ---------------------------------------------------------------------------------------------------------------
# Review and numbering


def test_accept_numbers_per_sitting_and_recess(office_user, make_suggestion, sitting, category, deputy_user):
    a = make_suggestion(state=S.SUBMITTED, sitting=sitting)
    b = make_suggestion(state=S.SUBMITTED, sitting=sitting)
    r = make_suggestion(state=S.SUBMITTED)
    _accept(a, office_user, category)
    _accept(r, office_user, category)
    _accept(b, office_user, category, is_key=True, key_leader="常委会副主任 王某某")
    a.refresh_from_db(), b.refresh_from_db(), r.refresh_from_db()
    assert (a.number, b.number, r.number) == (1, 2, 1)
    assert a.number_label == "十八届二次会议第001号"
    assert b.number_label == "十八届二次会议第002号"
    assert r.number_label == "闭会期间第001号"
    assert a.state == S.ACCEPTED and a.category == category and a.accepted_at
    assert b.is_key and b.key_leader == "常委会副主任 王某某"
    assert SuggestionEvent.objects.filter(suggestion=a, action="accept", by=office_user).exists()


def test_refused_accept_takes_no_number(office_user, make_suggestion, sitting, category):
    draft = make_suggestion(state=S.DRAFT, sitting=sitting)
    with pytest.raises(SuggestionError, match="不能立案"):
        _accept(draft, office_user, category)
    key = make_suggestion(state=S.SUBMITTED, sitting=sitting)
    with pytest.raises(SuggestionError, match="领衔督办领导"):
        _accept(key, office_user, category, is_key=True)
    with pytest.raises(SuggestionError, match="分类"):
        _accept(key, office_user, None)
    ok = make_suggestion(state=S.SUBMITTED, sitting=sitting)
    _accept(ok, office_user, category)
    ok.refresh_from_db()
    assert ok.number == 1  # no gap left by the refusals
    with pytest.raises(SuggestionError, match="不能立案"):
        _accept(ok, office_user, category)


def test_label_uses_term_number(make_suggestion, congresses, sitting):
    s = make_suggestion(state=S.SUBMITTED, sitting=sitting)
    s.term.number = 9
    assert services.number_label(s, 15) == "九届二次会议第015号"
    s.kind = Suggestion.Kind.MOTION
    assert services.number_label(s, 3) == "九届二次会议议案第003号"


def test_accept_in_another_county_refused(outsider_user, leader_user, township_user, make_suggestion, category):
    s = make_suggestion(state=S.SUBMITTED)
    for user in (outsider_user, leader_user, township_user):
        with pytest.raises(PermissionDenied):
            _accept(s, user, category)
    s.refresh_from_db()
    assert s.state == S.SUBMITTED and s.number is None


def test_category_of_another_office_refused(office_user, make_suggestion, regions):
    s = make_suggestion(state=S.SUBMITTED)
    foreign = services.categories_for(regions["other_county"].code).first()
    with pytest.raises(SuggestionError, match="分类不存在"):
        _accept(s, office_user, foreign)


def test_return_opinion_withdraw(office_user, make_suggestion):
    a, b, c = (make_suggestion(state=S.SUBMITTED) for _ in range(3))
    with pytest.raises(SuggestionError, match="请填写退回修改意见"):
        services.suggestion_return(suggestion=a, by=office_user, comment=" ")
    services.suggestion_return(suggestion=a, by=office_user, comment="请补充具体路段")
    services.suggestion_to_opinion(suggestion=b, by=office_user, comment="属于个人诉求")
    services.suggestion_withdraw(suggestion=c, by=office_user, comment="代表电话要求")
    for s, state in ((a, S.RETURNED), (b, S.OPINION), (c, S.WITHDRAWN)):
        s.refresh_from_db()
        assert s.state == state
    assert a.review_comment == "请补充具体路段"
    with pytest.raises(SuggestionError, match="不能退回修改"):
        services.suggestion_return(suggestion=a, by=office_user, comment="再退")


def test_deputy_notified_on_accept_and_return(office_user, make_suggestion, category, deputy_user,
                                              django_capture_on_commit_callbacks):
    from lvzhi.core.models import Notification

    a, b = make_suggestion(state=S.SUBMITTED), make_suggestion(state=S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        _accept(a, office_user, category)
        services.suggestion_return(suggestion=b, by=office_user, comment="请补充")
    titles = list(Notification.objects.filter(user=deputy_user).values_list("title", flat=True))
    assert any("已立案" in t for t in titles) and any("退回修改" in t for t in titles)


def test_merge_makes_lead_a_cosigner(office_user, make_suggestion, other_deputy_person, deputy_person, category):
    target = make_suggestion(state=S.SUBMITTED)
    dup = make_suggestion(state=S.SUBMITTED, lead=other_deputy_person)
    services.suggestion_merge(suggestion=dup, into=target, by=office_user)
    dup.refresh_from_db()
    assert dup.state == S.MERGED and dup.merged_into == target
    sig = Signature.objects.get(suggestion=target, person=other_deputy_person)
    assert sig.role == Signature.Role.CO and sig.status == Signature.Status.CONFIRMED
    with pytest.raises(SuggestionError, match="本身"):
        services.suggestion_merge(suggestion=target, into=target, by=office_user)
    closed = make_suggestion(state=S.CLOSED)
    other = make_suggestion(state=S.SUBMITTED)
    with pytest.raises(SuggestionError, match="只能并入"):
        services.suggestion_merge(suggestion=other, into=closed, by=office_user)
    # the same person already on the target is not doubled
    again = make_suggestion(state=S.SUBMITTED, lead=deputy_person)
    services.suggestion_merge(suggestion=again, into=target, by=office_user)
    assert Signature.objects.filter(suggestion=target, person=deputy_person).count() == 1


# ---------------------------------------------------------------------------------------------------------------
# Assignment


@pytest.fixture
def accepted(office_user, make_suggestion, sitting, category):
    def make(**fields):
        s = make_suggestion(state=S.SUBMITTED, sitting=sitting, **fields)
        return _accept(s, office_user, category)

    return make


def test_assign_with_deadline_and_note(office_user, accepted, unit, other_unit, unit_user,
                                       django_capture_on_commit_callbacks):
    from lvzhi.core.models import Notification

    s = accepted()
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_assign(suggestion=s, lead_unit=unit, co_units=[other_unit, unit], leader="李副县长",
                                   handler="张科长", supervisor="财经工委", by=office_user,
                                   assigned_on=dt.date(2026, 3, 2))
    s.refresh_from_db()
    assert s.state == S.ASSIGNED
    assert s.deadline == dt.date(2026, 6, 2)
    assert "答复期限" in s.deadline_note and s.deadline_note
    rows = {a.unit_id: a for a in s.assignments.all()}
    assert set(rows) == {unit.pk, other_unit.pk}
    assert rows[unit.pk].role == Assignment.Role.LEAD and rows[other_unit.pk].role == Assignment.Role.CO
    assert rows[unit.pk].deadline == s.deadline and rows[unit.pk].handler == "张科长"
    assert timezone.localtime(rows[unit.pk].assigned_at).date() == dt.date(2026, 3, 2)
    assert Notification.objects.filter(user=unit_user, title__contains="新交办").exists()


def test_assign_refusals(office_user, accepted, make_suggestion, unit, regions, leader_user):
    from lvzhi.people.models import Unit

    submitted = make_suggestion(state=S.SUBMITTED)
    with pytest.raises(SuggestionError, match="不能交办"):
        services.suggestion_assign(suggestion=submitted, lead_unit=unit, by=office_user)
    s = accepted()
    far = Unit.objects.create(name="远山县教育局", region=regions["other_county"])
    with pytest.raises(SuggestionError, match="不在本级范围"):
        services.suggestion_assign(suggestion=s, lead_unit=far, by=office_user)
    with pytest.raises(SuggestionError, match="主办单位"):
        services.suggestion_assign(suggestion=s, lead_unit=None, by=office_user)
    with pytest.raises(SuggestionError, match="不能晚于今天"):
        services.suggestion_assign(suggestion=s, lead_unit=unit, by=office_user,
                                   assigned_on=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.suggestion_assign(suggestion=s, lead_unit=unit, by=leader_user)
    s.refresh_from_db()
    assert s.state == S.ACCEPTED and not s.assignments.exists()


def test_batch_assign_all_or_none(office_user, accepted, make_suggestion, unit, other_unit):
    a, b = accepted(), accepted()
    done = services.suggestion_assign_batch(suggestions=[a, b], by=office_user, lead_unit=unit,
                                            co_units=[other_unit])
    assert [x.state for x in done] == [S.ASSIGNED, S.ASSIGNED]
    assert Assignment.objects.filter(unit=unit, role="lead").count() == 2
    c, bad = accepted(), make_suggestion(state=S.SUBMITTED)
    with pytest.raises(SuggestionError, match="不能交办"):
        services.suggestion_assign_batch(suggestions=[c, bad], by=office_user, lead_unit=unit)
    c.refresh_from_db()
    assert c.state == S.ACCEPTED and not c.assignments.exists()


def _request_return(assignment, reason="不属于本单位职责"):
    assignment.status = Assignment.Status.RETURN_REQUESTED
    assignment.return_reason = reason
    assignment.return_requested_at = timezone.now()
    assignment.save()
    return assignment


def test_return_approved_unassigns_and_reassign(office_user, accepted, unit, other_unit):
    s = accepted()
    services.suggestion_assign(suggestion=s, lead_unit=unit, by=office_user)
    lead = _request_return(s.assignments.get(unit=unit))
    services.assignment_return_decide(assignment=lead, by=office_user, approve=True)
    lead.refresh_from_db(), s.refresh_from_db()
    assert lead.status == Assignment.Status.RETURNED and s.state == S.ACCEPTED
    assert SuggestionEvent.objects.filter(suggestion=s, action="unassign").exists()
    services.suggestion_assign(suggestion=s, lead_unit=other_unit, by=office_user)
    s.refresh_from_db()
    assert s.state == S.ASSIGNED
    assert s.assignments.get(unit=other_unit).status == Assignment.Status.ACTIVE
    assert s.assignments.get(unit=unit).status == Assignment.Status.RETURNED
    with pytest.raises(SuggestionError, match="没有待处理"):
        services.assignment_return_decide(assignment=lead, by=office_user, approve=True)


def test_return_refused_needs_reason_and_keeps_assignment(office_user, accepted, unit):
    s = accepted()
    services.suggestion_assign(suggestion=s, lead_unit=unit, by=office_user)
    lead = _request_return(s.assignments.get())
    with pytest.raises(SuggestionError, match="不同意退回的理由"):
        services.assignment_return_decide(assignment=lead, by=office_user, approve=False)
    services.assignment_return_decide(assignment=lead, by=office_user, approve=False, reason="属于贵局职责")
    lead.refresh_from_db(), s.refresh_from_db()
    assert lead.status == Assignment.Status.ACTIVE and s.state == S.ASSIGNED


def test_co_unit_return_keeps_suggestion_assigned(office_user, accepted, unit, other_unit):
    s = accepted()
    services.suggestion_assign(suggestion=s, lead_unit=unit, co_units=[other_unit], by=office_user)
    co = _request_return(s.assignments.get(unit=other_unit))
    services.assignment_return_decide(assignment=co, by=office_user, approve=True)
    s.refresh_from_db()
    assert s.state == S.ASSIGNED


def test_unit_return_request_within_window_then_refused_after(office_user, accepted, unit, unit_user):
    from lvzhi.suggestions.services import unit as unit_services

    s = accepted()
    services.suggestion_assign(suggestion=s, lead_unit=unit, by=office_user)
    lead = s.assignments.get()
    unit_services.return_request(assignment=lead, by=unit_user, reason="不属于本单位职责")
    services.assignment_return_decide(assignment=lead, by=office_user, approve=False, reason="属于贵局职责")
    late = accepted()
    services.suggestion_assign(suggestion=late, lead_unit=unit, by=office_user,
                               assigned_on=timezone.localdate() - dt.timedelta(days=40))
    with pytest.raises(Exception, match="期限"):
        unit_services.return_request(assignment=late.assignments.get(), by=unit_user, reason="不属于本单位职责")


def test_extend_up_to_the_maximum(office_user, accepted, unit):
    s = accepted()
    services.suggestion_assign(suggestion=s, lead_unit=unit, by=office_user, assigned_on=dt.date(2026, 3, 2))
    lead = s.assignments.get()
    limit = services.extension_limit(lead).date
    assert limit == dt.date(2026, 9, 2)
    with pytest.raises(SuggestionError, match="不能晚于"):
        services.assignment_extend(assignment=lead, by=office_user, to=limit + dt.timedelta(days=1), reason="调研")
    with pytest.raises(SuggestionError, match="应晚于"):
        services.assignment_extend(assignment=lead, by=office_user, to=dt.date(2026, 5, 1), reason="调研")
    with pytest.raises(SuggestionError, match="延期理由"):
        services.assignment_extend(assignment=lead, by=office_user, to=limit, reason="")
    services.assignment_extend(assignment=lead, by=office_user, to=dt.date(2026, 8, 1), reason="需财政预算安排")
    lead.refresh_from_db(), s.refresh_from_db()
    assert lead.extended_to == dt.date(2026, 8, 1) and s.deadline == dt.date(2026, 8, 1)
    assert "延期" in s.deadline_note


# ---------------------------------------------------------------------------------------------------------------
# Supervision, publishing


def test_supervision_only_for_key(office_user, accepted):
    plain = accepted()
    with pytest.raises(SuggestionError, match="重点建议"):
        services.supervision_record(suggestion=plain, by=office_user, kind="visit", date=timezone.localdate(),
                                    participants="王主任", findings="现场查看")
    key = accepted()
    services.suggestion_classify(suggestion=key, by=office_user, category=key.category, is_key=True,
                                 key_leader="常委会主任")
    record = services.supervision_record(suggestion=key, by=office_user, kind="visit", date=timezone.localdate(),
                                         participants="王主任、代表三人", findings="信号灯已安装两处")
    assert record.suggestion_id == key.pk and record.created_by == office_user
    with pytest.raises(SuggestionError, match="督办方式"):
        services.supervision_record(suggestion=key, by=office_user, kind="x", date=timezone.localdate(),
                                    participants="a", findings="b")


def test_publish_and_unpublish(office_user, accepted, make_suggestion, leader_user):
    s = accepted()
    services.suggestion_publish(suggestion=s, by=office_user)
    s.refresh_from_db()
    assert s.is_public and s.published_at
    services.suggestion_publish(suggestion=s, by=office_user, public=False)
    s.refresh_from_db()
    assert not s.is_public and s.published_at is None
    with pytest.raises(SuggestionError, match="立案后才能公开"):
        services.suggestion_publish(suggestion=make_suggestion(state=S.SUBMITTED), by=office_user)
    with pytest.raises(PermissionDenied):
        services.suggestion_publish(suggestion=s, by=leader_user)

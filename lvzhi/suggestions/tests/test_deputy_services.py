"""The deputy's services: drafting, co-signing, submitting, withdrawing, rating — and every refusal."""

import datetime as dt

import pytest
from django.utils import timezone

from lvzhi.archive.models import Activity, ActivityKind
from lvzhi.core.models import Notification
from lvzhi.suggestions.models import (
    Assignment,
    Rating,
    Signature,
    Suggestion,
    SuggestionEvent,
    SuggestionGram,
)
from lvzhi.suggestions.services import deputy as services
from lvzhi.suggestions.workflow import SuggestionError

pytestmark = pytest.mark.django_db

S = Suggestion.State
GOOD = {"title": "关于改善城关镇东门路交通秩序的建议",
        "background": "东门路是城关镇通往县城的主干道，早晚高峰车辆拥堵，学生上下学存在安全隐患。",
        "request": "在东门路与解放路交叉口增设信号灯，并在路边划定临时停车区域。"}
RATING = {"leadership": "satisfied", "attitude": "satisfied", "communication": "basically",
          "reply_quality": "satisfied", "implementation": "basically"}


@pytest.fixture
def draft(deputy_user, congresses):
    return services.suggestion_draft_create(by=deputy_user, term=congresses["county"], **GOOD)


def _replied(make_suggestion, unit):
    suggestion = make_suggestion(state=S.REPLIED)
    Assignment.objects.create(suggestion=suggestion, unit=unit, role=Assignment.Role.LEAD, round=1,
                              assigned_at=timezone.now(), deadline=dt.date(2027, 2, 1),
                              status=Assignment.Status.DONE, handler="赵六")
    return suggestion


def test_draft_makes_the_deputy_lead(draft, deputy_person):
    assert draft.state == S.DRAFT and draft.lead == deputy_person and draft.sitting is None
    assert draft.region_code == draft.term.congress.region_id
    assert list(draft.signatures.values_list("person_id", "role", "status")) == [
        (deputy_person.pk, "lead", "confirmed")]


def test_draft_refused_to_staff_and_without_mandate(office_user, deputy_user, congresses):
    with pytest.raises(SuggestionError, match="代表本人"):
        services.suggestion_draft_create(by=office_user, term=congresses["county"], **GOOD)
    with pytest.raises(SuggestionError, match="不是.*在任代表"):
        services.suggestion_draft_create(by=deputy_user, term=congresses["city"], **GOOD)


def test_draft_needs_a_title(deputy_user, congresses):
    with pytest.raises(SuggestionError, match="请填写标题"):
        services.suggestion_draft_create(by=deputy_user, term=congresses["county"], title="  ")


def test_sitting_only_in_its_submission_window(deputy_user, congresses, sitting):
    from lvzhi.people.models import Sitting

    with pytest.raises(SuggestionError, match="不在建议提交期内"):  # the fixture's sitting closed in January
        services.suggestion_draft_create(by=deputy_user, term=congresses["county"], sitting=sitting, **GOOD)
    today = timezone.localdate()
    upcoming = Sitting.objects.create(term=congresses["county"], number=3, start_date=today + dt.timedelta(days=10),
                                      end_date=today + dt.timedelta(days=13))
    made = services.suggestion_draft_create(by=deputy_user, term=congresses["county"], sitting=upcoming,
                                            kind="motion", **GOOD)
    assert made.sitting == upcoming and made.kind == "motion"
    with pytest.raises(SuggestionError, match="议案只能在.*会议期间"):
        services.suggestion_draft_create(by=deputy_user, term=congresses["county"], kind="motion", **GOOD)


def test_update_only_by_lead_and_only_draft(draft, deputy_user, other_deputy_user):
    with pytest.raises(SuggestionError, match="只有领衔代表"):
        services.suggestion_draft_update(suggestion=draft, by=other_deputy_user, **GOOD)
    services.suggestion_draft_update(suggestion=draft, by=deputy_user, **{**GOOD, "title": "关于东门路增设信号灯的建议"})
    draft.refresh_from_db()
    assert draft.title == "关于东门路增设信号灯的建议"
    services.suggestion_submit(suggestion=draft, by=deputy_user)
    with pytest.raises(SuggestionError, match="不能再修改"):
        services.suggestion_draft_update(suggestion=draft, by=deputy_user, **GOOD)


def test_invite_confirm_and_archive(draft, deputy_user, other_deputy_user, other_deputy_person,
                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.cosigner_invite(suggestion=draft, persons=[other_deputy_person], by=deputy_user)
    assert Notification.objects.filter(user=other_deputy_user, title__contains="邀请您附议").exists()
    with django_capture_on_commit_callbacks(execute=True):
        signature = services.cosign_confirm(suggestion=draft, by=other_deputy_user)
    assert signature.status == Signature.Status.CONFIRMED
    assert Notification.objects.filter(user=deputy_user, title__contains="已确认附议").exists()
    assert Activity.objects.get(person=other_deputy_person).kind == ActivityKind.CO_SIGN
    with pytest.raises(SuggestionError, match="已确认"):
        services.cosign_confirm(suggestion=draft, by=other_deputy_user)


def test_invite_refusals(draft, deputy_user, other_deputy_user, other_deputy_person, make_person, congresses):
    with pytest.raises(SuggestionError, match="只有领衔代表"):
        services.cosigner_invite(suggestion=draft, persons=[other_deputy_person], by=other_deputy_user)
    stranger = make_person("王五")  # no mandate in the county congress
    with pytest.raises(SuggestionError, match="王五不是.*在任代表"):
        services.cosigner_invite(suggestion=draft, persons=[stranger], by=deputy_user)
    with pytest.raises(SuggestionError, match="不需要邀请自己"):
        services.cosigner_invite(suggestion=draft, persons=[deputy_user.person], by=deputy_user)
    assert draft.signatures.count() == 1


def test_only_the_invited_person_confirms(draft, deputy_user, other_deputy_person, make_person, congresses):
    from lvzhi.accounts.models import User
    from lvzhi.people.services import mandate_create

    services.cosigner_invite(suggestion=draft, persons=[other_deputy_person], by=deputy_user)
    third = make_person("赵七")
    mandate_create(by=None, person=third, term=congresses["county"])
    third_user = User.objects.create_user("deputy3", password="x-Secret-123", role="deputy", person=third)
    with pytest.raises(SuggestionError, match="没有收到"):
        services.cosign_confirm(suggestion=draft, by=third_user)
    with pytest.raises(SuggestionError, match="没有收到"):
        services.cosign_confirm(suggestion=draft, by=deputy_user)  # the lead cannot confirm for the invitee


def test_decline_then_withdraws_archive(draft, deputy_user, other_deputy_user, other_deputy_person):
    services.cosigner_invite(suggestion=draft, persons=[other_deputy_person], by=deputy_user)
    services.cosign_confirm(suggestion=draft, by=other_deputy_user)
    services.cosign_decline(suggestion=draft, by=other_deputy_user)
    assert not Activity.objects.filter(person=other_deputy_person).exists()
    assert draft.signatures.get(person=other_deputy_person).status == Signature.Status.DECLINED


def test_submit_validates_and_records(deputy_user, congresses, deputy_person):
    short = services.suggestion_draft_create(by=deputy_user, term=congresses["county"], title="关于东门路的建议",
                                             background="太堵了", request="")
    with pytest.raises(SuggestionError, match="情况和问题太短"):
        services.suggestion_submit(suggestion=short, by=deputy_user)
    short.background = GOOD["background"]
    short.save()
    with pytest.raises(SuggestionError, match="请填写具体建议"):
        services.suggestion_submit(suggestion=short, by=deputy_user)
    short.refresh_from_db()
    assert short.state == S.DRAFT
    short.request = GOOD["request"]
    short.save()
    services.suggestion_submit(suggestion=short, by=deputy_user)
    short.refresh_from_db()
    assert short.state == S.SUBMITTED and short.number is None and short.submitted_at
    activity = Activity.objects.get(person=deputy_person)
    assert activity.kind == ActivityKind.SUGGESTION and activity.details["suggestion"] == short.pk
    assert SuggestionGram.objects.filter(suggestion=short, gram="信号").exists()


def test_submit_only_by_lead_and_motion_to_presidium(draft, deputy_user, other_deputy_user, office_user, congresses):
    for who in (other_deputy_user, office_user):
        with pytest.raises(SuggestionError):
            services.suggestion_submit(suggestion=draft, by=who)
    from lvzhi.people.models import Sitting

    today = timezone.localdate()
    now_sitting = Sitting.objects.create(term=congresses["county"], number=4, start_date=today, end_date=today)
    motion = services.suggestion_draft_create(by=deputy_user, term=congresses["county"], sitting=now_sitting,
                                              kind="motion", **GOOD)
    services.suggestion_submit(suggestion=motion, by=deputy_user)
    motion.refresh_from_db()
    assert motion.state == S.PRESIDIUM


def test_withdraw(draft, deputy_user, other_deputy_user, deputy_person):
    services.suggestion_submit(suggestion=draft, by=deputy_user)
    with pytest.raises(SuggestionError, match="只有领衔代表"):
        services.suggestion_withdraw(suggestion=draft, by=other_deputy_user)
    services.suggestion_withdraw(suggestion=draft, by=deputy_user, reason="已另行反映")
    draft.refresh_from_db()
    assert draft.state == S.WITHDRAWN
    assert not Activity.objects.filter(person=deputy_person).exists()
    assert not SuggestionGram.objects.filter(suggestion=draft).exists()


def test_rating_satisfied(make_suggestion, unit, deputy_user):
    suggestion = _replied(make_suggestion, unit)
    rating = services.rating_submit(suggestion=suggestion, by=deputy_user, overall="satisfied", comment="", **RATING)
    suggestion.refresh_from_db()
    assert suggestion.state == S.RATED and rating.round == 1
    assert SuggestionEvent.objects.filter(suggestion=suggestion, action="rate").exists()
    assert Activity.objects.get(person=deputy_user.person).details["rating"] == {"1": "satisfied"}


def test_rating_refused_to_anyone_but_the_lead(make_suggestion, unit, office_user, other_deputy_user,
                                              other_deputy_person, unit_user):
    suggestion = _replied(make_suggestion, unit)
    Signature.objects.create(suggestion=suggestion, person=other_deputy_person, role=Signature.Role.CO,
                             status=Signature.Status.CONFIRMED)
    for who in (office_user, other_deputy_user, unit_user):
        with pytest.raises(SuggestionError, match="领衔代表本人"):
            services.rating_submit(suggestion=suggestion, by=who, overall="satisfied", **RATING)
    assert not Rating.objects.exists()


def test_rating_twice_and_before_reply(make_suggestion, unit, deputy_user):
    early = make_suggestion(state=S.HANDLING)
    with pytest.raises(SuggestionError, match="收到答复后才能测评"):
        services.rating_submit(suggestion=early, by=deputy_user, overall="satisfied", **RATING)
    suggestion = _replied(make_suggestion, unit)
    services.rating_submit(suggestion=suggestion, by=deputy_user, overall="basically", **RATING)
    with pytest.raises(SuggestionError, match="已测评过"):
        services.rating_submit(suggestion=suggestion, by=deputy_user, overall="satisfied", **RATING)


def test_rating_needs_every_dimension(make_suggestion, unit, deputy_user):
    suggestion = _replied(make_suggestion, unit)
    with pytest.raises(SuggestionError, match="答复质量"):
        services.rating_submit(suggestion=suggestion, by=deputy_user, overall="satisfied",
                               **{**RATING, "reply_quality": ""})


def test_unsatisfied_reopens_a_second_round(make_suggestion, unit, unit_user, deputy_user,
                                           django_capture_on_commit_callbacks):
    suggestion = _replied(make_suggestion, unit)
    with pytest.raises(SuggestionError, match="不满意的原因"):
        services.rating_submit(suggestion=suggestion, by=deputy_user, overall="unsatisfied", **RATING)
    with django_capture_on_commit_callbacks(execute=True):
        services.rating_submit(suggestion=suggestion, by=deputy_user, overall="unsatisfied",
                               comment="信号灯仍未安装", **RATING)
    suggestion.refresh_from_db()
    assert suggestion.state == S.ASSIGNED and suggestion.round == 2 and suggestion.deadline > timezone.localdate()
    second = Assignment.objects.get(suggestion=suggestion, round=2)
    assert second.unit == unit and second.status == Assignment.Status.ACTIVE and second.handler == "赵六"
    assert Notification.objects.filter(user=unit_user, title__contains="重新办理").exists()

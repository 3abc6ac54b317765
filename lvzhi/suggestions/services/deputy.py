"""The deputy's side of a suggestion: drafting, co-signing (附议), submitting, withdrawing and rating the reply.

Who may act:
- Only a deputy (their own account) with a current mandate (在任) in the term drafts; they become the lead (领衔).
- Only the lead edits the draft, invites co-signers, submits, withdraws and rates. Co-signers must be deputies of
  the same term (same congress) with a current mandate; each confirms or declines from their own account.
- Rating is the lead deputy's own: no one, not office staff and not a co-signer, can rate for them.

In session or in recess (decided here): a suggestion tied to a sitting (大会期间) may be drafted and submitted from
``SESSION_OPEN_DAYS_BEFORE`` days before the opening day until the closing day (the submission window, in which
deputies prepare their suggestions before the sitting; 代表法第二十四条). Outside that window it is a recess
suggestion (闭会期间, ``sitting=None``; 代表法第三十六条), which may be drafted and submitted at any time.

Archive: the lead's submission is an activity (SUGGESTION) sourced on the suggestion; a co-signer's confirmation is
an activity (CO_SIGN) sourced on their Signature; the rating goes into the details of the lead's SUGGESTION
activity (``rating``: the verdict of each round), since it is part of the same piece of work.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lvzhi.accounts.models import Role
from lvzhi.archive.models import ActivityKind
from lvzhi.archive.services import activity_record, activity_withdraw
from lvzhi.core.audit import audit_event
from lvzhi.core.notify import notify
from lvzhi.people.models import Mandate, Person, Sitting, Term

from .. import workflow
from ..models import Assignment, HandlingRules, Rating, Signature, Suggestion
from ..workflow import SuggestionError

S = Suggestion.State

SESSION_OPEN_DAYS_BEFORE = 30
TITLE_MIN, TITLE_MAX = 6, Suggestion._meta.get_field("title").max_length
BACKGROUND_MIN, BACKGROUND_MAX = 20, 5000
REQUEST_MIN, REQUEST_MAX = 10, 3000
COMMENT_MAX = 1000
MAX_COSIGNERS = 30


# ---------------------------------------------------------------------------------------------------------------
# Checks


def _person_of(by) -> Person:
    if getattr(by, "role", None) != Role.DEPUTY or not getattr(by, "person_id", None):
        raise SuggestionError("只有代表本人可以提出建议，请用代表本人的账号登录")
    return by.person


def holds_mandate(person_id: int, term: Term) -> bool:
    return Mandate.objects.filter(person_id=person_id, term=term, status=Mandate.Status.ACTIVE).exists()


def terms_for(person_id: int):
    """The current terms in which the person holds a current mandate (where they may file suggestions)."""
    return (Term.objects.filter(is_current=True, mandates__person_id=person_id, mandates__status=Mandate.Status.ACTIVE)
            .select_related("congress").distinct().order_by("congress__level", "id"))


def sitting_open(sitting: Sitting, today: dt.date | None = None) -> bool:
    """Whether suggestions tied to this sitting may be drafted and submitted today (the submission window)."""
    today = today or timezone.localdate()
    last = sitting.end_date or sitting.start_date
    return sitting.start_date - dt.timedelta(days=SESSION_OPEN_DAYS_BEFORE) <= today <= last


def open_sittings(term: Term, today: dt.date | None = None) -> list[Sitting]:
    return [s for s in Sitting.objects.filter(term=term).order_by("number") if sitting_open(s, today)]


def _check_term(person: Person, term: Term, sitting: Sitting | None) -> None:
    if term is None:
        raise SuggestionError("请选择向哪一级人民代表大会提出")
    if not term.is_current or not holds_mandate(person.pk, term):
        raise SuggestionError(f"您不是{term.congress.name}本届在任代表，不能向其提出建议")
    if sitting is not None:
        if sitting.term_id != term.pk:
            raise SuggestionError("所选会议不属于该届人民代表大会")
        if not sitting_open(sitting):
            raise SuggestionError(f"第{sitting.number}次会议不在建议提交期内（开幕前{SESSION_OPEN_DAYS_BEFORE}天至闭幕），"
                                  "请作为闭会期间建议提出")


def _check_lead(suggestion: Suggestion, by) -> None:
    person = _person_of(by)
    if person.pk != suggestion.lead_id:
        raise SuggestionError("只有领衔代表本人可以办理此事")


def _lock(suggestion: Suggestion) -> Suggestion:
    return Suggestion.objects.select_for_update().get(pk=suggestion.pk)


def _text(value, label: str, *, low: int, high: int, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise SuggestionError(f"请填写{label}")
        return ""
    if len(value) > high:
        raise SuggestionError(f"{label}不能超过{high}字（现有{len(value)}字），请精简")
    if required and len(value) < low:
        raise SuggestionError(f"{label}太短（至少{low}字），请写清楚")
    return value


def _clean_content(*, title, background, request, strict: bool) -> dict:
    """A draft needs only a title; a submission needs every part, of a reasonable length."""
    return {
        "title": _text(title, "标题（案由）", low=TITLE_MIN, high=TITLE_MAX, required=True),
        "background": _text(background, "情况和问题", low=BACKGROUND_MIN, high=BACKGROUND_MAX, required=strict),
        "request": _text(request, "具体建议", low=REQUEST_MIN, high=REQUEST_MAX, required=strict),
    }


def _kind(kind) -> str:
    if kind not in Suggestion.Kind.values:
        raise SuggestionError("请选择类型：建议或议案")
    return kind


def _link(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _users_of(person_ids):
    from lvzhi.accounts.models import User

    return list(User.objects.filter(role=Role.DEPUTY, person_id__in=list(person_ids), is_active=True))


def _notify_on_commit(users, **kwargs) -> None:
    for user in users:
        transaction.on_commit(lambda user=user: notify(user=user, **kwargs))


def _label(suggestion: Suggestion) -> str:
    return suggestion.number_label or f"《{suggestion.title}》"


# ---------------------------------------------------------------------------------------------------------------
# Drafting


@transaction.atomic
def suggestion_draft_create(*, by, term: Term, sitting: Sitting | None = None, title: str, background: str = "",
                            request: str = "", kind: str = Suggestion.Kind.SUGGESTION) -> Suggestion:
    """A new draft with ``by``'s person as the lead (领衔); only a deputy with a current mandate in ``term``."""
    person = _person_of(by)
    _check_term(person, term, sitting)
    content = _clean_content(title=title, background=background, request=request, strict=False)
    if _kind(kind) == Suggestion.Kind.MOTION and sitting is None:
        raise SuggestionError("议案只能在人民代表大会会议期间提出，请选择会议")
    suggestion = Suggestion.objects.create(kind=kind, term=term, sitting=sitting, lead=person,
                                           region_code=term.congress.region_id, created_by=by, **content)
    Signature.objects.create(suggestion=suggestion, person=person, role=Signature.Role.LEAD,
                             status=Signature.Status.CONFIRMED, decided_at=timezone.now())
    audit_event(suggestion, event="suggestion_draft", actor=by, changes={"title": [None, suggestion.title]})
    return suggestion


@transaction.atomic
def suggestion_draft_update(*, suggestion: Suggestion, by, title: str, background: str = "", request: str = "",
                            sitting: Sitting | None = None, kind: str | None = None) -> Suggestion:
    """The lead corrects their draft (or a suggestion returned for changes)."""
    _check_lead(suggestion, by)
    suggestion = _lock(suggestion)
    if suggestion.state not in (S.DRAFT, S.RETURNED):
        raise SuggestionError(f"该建议当前为「{suggestion.get_state_display()}」，不能再修改")
    content = _clean_content(title=title, background=background, request=request, strict=False)
    kind = _kind(kind) if kind else suggestion.kind
    if suggestion.state == S.DRAFT and sitting != suggestion.sitting:
        _check_term(by.person, suggestion.term, sitting)
        suggestion.sitting = sitting
    if kind == Suggestion.Kind.MOTION and suggestion.sitting_id is None:
        raise SuggestionError("议案只能在人民代表大会会议期间提出，请选择会议")
    changes = {k: [getattr(suggestion, k), v] for k, v in content.items() if getattr(suggestion, k) != v}
    for key, value in content.items():
        setattr(suggestion, key, value)
    suggestion.kind = kind
    suggestion.save()
    if changes:
        audit_event(suggestion, event="suggestion_edit", actor=by, changes={k: ["…", "…"] for k in changes})
    if suggestion.state == S.RETURNED:
        from ..similarity import index_suggestion

        index_suggestion(suggestion)
    return suggestion


# ---------------------------------------------------------------------------------------------------------------
# Co-signing (附议)


@transaction.atomic
def cosigner_invite(*, suggestion: Suggestion, persons, by) -> list[Signature]:
    """The lead invites deputies of the same term (current mandate) to co-sign; each is told and confirms later."""
    _check_lead(suggestion, by)
    suggestion = _lock(suggestion)
    if suggestion.state not in (S.DRAFT, S.RETURNED):
        raise SuggestionError("建议提交后不能再邀请附议代表")
    persons = list(persons)
    if not persons:
        raise SuggestionError("请选择要邀请的代表")
    existing = set(Signature.objects.filter(suggestion=suggestion).values_list("person_id", flat=True))
    active = set(Mandate.objects.filter(term=suggestion.term, status=Mandate.Status.ACTIVE,
                                        person_id__in=[p.pk for p in persons]).values_list("person_id", flat=True))
    made = []
    for person in persons:
        if person.pk == suggestion.lead_id:
            raise SuggestionError("领衔代表不需要邀请自己附议")
        if person.pk not in active:
            raise SuggestionError(f"{person.name}不是{suggestion.term.congress.name}本届在任代表，不能附议")
        if person.pk in existing:
            continue
        made.append(Signature.objects.create(suggestion=suggestion, person=person, role=Signature.Role.CO))
    if len(existing) - 1 + len(made) > MAX_COSIGNERS:
        raise SuggestionError(f"附议代表最多{MAX_COSIGNERS}人")
    for signature in made:
        audit_event(suggestion, event="cosign_invite", actor=by, changes={"cosigner": [None, signature.person.name]})
    _notify_on_commit(_users_of(s.person_id for s in made),
                      title=f"{suggestion.lead.name}代表邀请您附议建议",
                      body=f"《{suggestion.title}》。请在“我的建议”中确认或谢绝。",
                      link=_link("suggestions:cosign", suggestion.pk))
    return made


def _own_invitation(suggestion: Suggestion, by) -> Signature:
    person = _person_of(by)
    signature = (Signature.objects.select_for_update()
                 .filter(suggestion=suggestion, person=person, role=Signature.Role.CO).first())
    if signature is None:
        raise SuggestionError("您没有收到这件建议的附议邀请；附议须由受邀代表本人确认")
    return signature


@transaction.atomic
def cosign_confirm(*, suggestion: Suggestion, by) -> Signature:
    """The invited deputy confirms from their own account; it goes into their archive as a co-signature."""
    suggestion = _lock(suggestion)
    signature = _own_invitation(suggestion, by)
    if signature.status == Signature.Status.CONFIRMED:
        raise SuggestionError("您已确认附议这件建议")
    if suggestion.state in (S.WITHDRAWN, S.MERGED, S.OPINION, S.CLOSED):
        raise SuggestionError(f"该建议当前为「{suggestion.get_state_display()}」，不能再附议")
    signature.status, signature.decided_at = Signature.Status.CONFIRMED, timezone.now()
    signature.save(update_fields=["status", "decided_at"])
    audit_event(suggestion, event="cosign_confirm", actor=by, changes={"cosigner": [None, signature.person.name]})
    activity_record(person=signature.person, kind=ActivityKind.CO_SIGN, when=timezone.localdate(), source=signature,
                    title=f"附议建议：{suggestion.title}", details={"suggestion": suggestion.pk,
                                                                "lead": suggestion.lead.name})
    _notify_on_commit(_users_of([suggestion.lead_id]), title=f"{signature.person.name}代表已确认附议",
                      body=f"《{suggestion.title}》", link=_link("suggestions:detail", suggestion.pk))
    return signature


@transaction.atomic
def cosign_decline(*, suggestion: Suggestion, by) -> Signature:
    """The invited deputy declines (or takes back a confirmation while the suggestion is still a draft)."""
    suggestion = _lock(suggestion)
    signature = _own_invitation(suggestion, by)
    if signature.status == Signature.Status.DECLINED:
        raise SuggestionError("您已谢绝附议这件建议")
    if signature.status == Signature.Status.CONFIRMED and suggestion.state not in (S.DRAFT, S.RETURNED):
        raise SuggestionError("建议已提交，已确认的附议不能撤回")
    signature.status, signature.decided_at = Signature.Status.DECLINED, timezone.now()
    signature.save(update_fields=["status", "decided_at"])
    activity_withdraw(source=signature, person=signature.person)
    audit_event(suggestion, event="cosign_decline", actor=by, changes={"cosigner": [signature.person.name, None]})
    _notify_on_commit(_users_of([suggestion.lead_id]), title=f"{signature.person.name}代表谢绝附议",
                      body=f"《{suggestion.title}》", link=_link("suggestions:detail", suggestion.pk))
    return signature


@transaction.atomic
def cosign_request(*, suggestion: Suggestion, by) -> None:
    """A deputy who found a similar suggestion asks its lead to add them as a co-signer instead of filing a
    duplicate. Only while it is still a draft can the lead invite them; otherwise the lead is told of the support."""
    person = _person_of(by)
    if person.pk == suggestion.lead_id:
        raise SuggestionError("这是您领衔的建议")
    if not holds_mandate(person.pk, suggestion.term):
        raise SuggestionError(f"您不是{suggestion.term.congress.name}本届在任代表，不能附议这件建议")
    if Signature.objects.filter(suggestion=suggestion, person=person).exists():
        raise SuggestionError("您已在这件建议的联名代表中")
    audit_event(suggestion, event="cosign_request", actor=by, changes={"requested_by": [None, person.name]})
    _notify_on_commit(_users_of([suggestion.lead_id]), title=f"{person.name}代表希望联名附议您的建议",
                      body=f"《{suggestion.title}》。如仍在起草，可在建议页邀请其附议。",
                      link=_link("suggestions:detail", suggestion.pk))


# ---------------------------------------------------------------------------------------------------------------
# Submitting and withdrawing


@transaction.atomic
def suggestion_submit(*, suggestion: Suggestion, by) -> Suggestion:
    """The lead submits: every part filled in, of a reasonable length; a motion goes to the presidium. The number
    is given by the office when it accepts the suggestion, not here."""
    _check_lead(suggestion, by)
    suggestion = _lock(suggestion)
    _clean_content(title=suggestion.title, background=suggestion.background, request=suggestion.request, strict=True)
    if suggestion.state == S.DRAFT:
        _check_term(suggestion.lead, suggestion.term, suggestion.sitting)
    pending = Signature.objects.filter(suggestion=suggestion, status=Signature.Status.INVITED).count()
    action = "submit_motion" if suggestion.kind == Suggestion.Kind.MOTION else "submit"
    workflow.transition(suggestion, action, by=by,
                        comment=f"尚有{pending}位附议代表未确认" if pending else "")
    co = list(Signature.objects.filter(suggestion=suggestion, role=Signature.Role.CO,
                                       status=Signature.Status.CONFIRMED).select_related("person"))
    activity_record(person=suggestion.lead, kind=ActivityKind.SUGGESTION, when=timezone.localdate(),
                    source=suggestion, title=f"领衔提出{suggestion.get_kind_display()}：{suggestion.title}",
                    details={"suggestion": suggestion.pk, "kind": suggestion.kind,
                             "cosigners": [s.person.name for s in co]})
    from ..similarity import index_suggestion

    index_suggestion(suggestion)
    _notify_on_commit(_users_of(s.person_id for s in co), title="您附议的建议已提交",
                      body=f"{suggestion.lead.name}代表领衔的《{suggestion.title}》",
                      link=_link("suggestions:detail", suggestion.pk))
    return suggestion


@transaction.atomic
def suggestion_withdraw(*, suggestion: Suggestion, by, reason: str = "") -> Suggestion:
    """The lead withdraws their suggestion before it is accepted; it leaves the archive again."""
    _check_lead(suggestion, by)
    reason = (reason or "").strip()[:300]
    suggestion = _lock(suggestion)
    workflow.transition(suggestion, "withdraw", by=by, comment=reason)
    activity_withdraw(source=suggestion, person=suggestion.lead)
    from ..similarity import unindex_suggestion

    unindex_suggestion(suggestion)
    return suggestion


# ---------------------------------------------------------------------------------------------------------------
# Rating the reply (测评)


RATING_FIELDS = ("leadership", "attitude", "communication", "reply_quality", "implementation", "overall")


def _second_round_deadline(suggestion: Suggestion, today: dt.date) -> tuple[dt.date, str]:
    try:
        from . import deadlines
    except ImportError:
        deadlines = None
    if deadlines is not None and hasattr(deadlines, "reply_deadline"):
        result = deadlines.reply_deadline(region_code=suggestion.region_code, assigned_on=today,
                                          round=suggestion.round)
        return result.date, result.note
    rules = HandlingRules.objects.filter(region_id=suggestion.region_code).first()
    months = rules.second_round_months if rules else 2
    day = today + relativedelta(months=months)
    return day, f"测评不满意，{today:%Y-%m-%d}起重新办理{months}个月"


def _reassign_second_round(suggestion: Suggestion, by) -> None:
    """After 不满意 the same units handle it again in the new round, with a new deadline; the office may change
    the units by assigning again."""
    previous = list(Assignment.objects.filter(suggestion=suggestion, round=suggestion.round - 1)
                    .exclude(status=Assignment.Status.RETURNED))
    today = timezone.localdate()
    deadline, note = _second_round_deadline(suggestion, today)
    now = timezone.now()
    for old in previous:
        Assignment.objects.create(
            suggestion=suggestion, unit=old.unit, role=old.role, round=suggestion.round, leader=old.leader,
            handler=old.handler, handler_phone=old.handler_phone, supervisor=old.supervisor, assigned_at=now,
            deadline=deadline, assigned_by=by)
    suggestion.deadline, suggestion.deadline_note, suggestion.assigned_at = deadline, note[:200], now
    suggestion.save(update_fields=["deadline", "deadline_note", "assigned_at", "updated_at"])
    from lvzhi.accounts.models import User

    users = list(User.objects.filter(role=Role.UNIT, unit_id__in=[a.unit_id for a in previous], is_active=True))
    users += list(User.objects.filter(role=Role.OFFICE, region_id=suggestion.region_code, is_active=True))
    _notify_on_commit(users, title=f"代表测评不满意，重新办理：{_label(suggestion)}",
                      body=f"第{suggestion.round}轮办理，办结时限{deadline.year}年{deadline.month}月{deadline.day}日。")


@transaction.atomic
def rating_submit(*, suggestion: Suggestion, by, leadership: str, attitude: str, communication: str,
                  reply_quality: str, implementation: str, overall: str, comment: str = "") -> Rating:
    """The lead deputy rates the reply of the current round, themself; 不满意 sends it back for a second round."""
    if getattr(by, "role", None) != Role.DEPUTY or getattr(by, "person_id", None) != suggestion.lead_id:
        raise SuggestionError("测评只能由领衔代表本人登录后进行，他人（包括工作人员、附议代表）不能代为测评")
    values = {"leadership": leadership, "attitude": attitude, "communication": communication,
              "reply_quality": reply_quality, "implementation": implementation, "overall": overall}
    for key, value in values.items():
        if value not in Rating.Verdict.values:
            label = Rating._meta.get_field(key).verbose_name
            raise SuggestionError(f"请为“{label}”选择满意、基本满意或不满意")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise SuggestionError(f"意见不能超过{COMMENT_MAX}字")
    if overall == Rating.Verdict.UNSATISFIED and not comment:
        raise SuggestionError("测评不满意时，请写明不满意的原因和您的要求，以便重新办理")
    suggestion = _lock(suggestion)
    if Rating.objects.filter(suggestion=suggestion, round=suggestion.round).exists():
        raise SuggestionError(f"第{suggestion.round}轮答复您已测评过，不能重复测评")
    if suggestion.state != S.REPLIED:
        raise SuggestionError(f"该建议当前为「{suggestion.get_state_display()}」，收到答复后才能测评")
    rating = Rating.objects.create(suggestion=suggestion, round=suggestion.round, person=suggestion.lead,
                                   comment=comment, **values)
    verdict = rating.get_overall_display()
    if overall == Rating.Verdict.UNSATISFIED:
        workflow.transition(suggestion, "reopen", by=by, comment=f"测评不满意：{comment}")
        _reassign_second_round(suggestion, by)
    else:
        workflow.transition(suggestion, "rate", by=by, comment=f"测评{verdict}" + (f"：{comment}" if comment else ""))
    _record_rating(suggestion, rating)
    return rating


def _record_rating(suggestion: Suggestion, rating: Rating) -> None:
    """The verdict of each round goes into the details of the lead's SUGGESTION activity."""
    from django.contrib.contenttypes.models import ContentType

    from lvzhi.archive.models import Activity

    existing = Activity.objects.filter(source_type=ContentType.objects.get_for_model(Suggestion),
                                       source_id=str(suggestion.pk), person_id=suggestion.lead_id).first()
    details = dict(existing.details or {}) if existing else {"suggestion": suggestion.pk, "kind": suggestion.kind}
    details["rating"] = {**details.get("rating", {}), str(rating.round): rating.overall}
    when = existing.date if existing else timezone.localdate()
    activity_record(person=suggestion.lead, kind=ActivityKind.SUGGESTION, when=when, source=suggestion,
                    title=f"领衔提出{suggestion.get_kind_display()}：{suggestion.title}", details=details)

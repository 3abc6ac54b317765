"""The office's side of suggestions (建议办理): review (立案、退回修改、转为意见、并案、撤回), numbering at acceptance,
classification and key suggestions, assignment (交办) to a lead unit and co-units with the deadline of the rules,
decisions on a unit's request to return an assignment, extensions, supervision records and publishing.

Each service checks that the actor may manage the suggestion (capability ``suggestions.manage`` and the row in
their scope), locks the row, and changes the state only through ``workflow.transition``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from lvzhi.accounts.models import Role
from lvzhi.core.audit import audit_event
from lvzhi.core.documents import chinese_date
from lvzhi.core.notify import notify
from lvzhi.core.scoping import scoped
from lvzhi.people.models import Unit, chinese_number

from .. import workflow
from ..models import Assignment, Category, Signature, Suggestion, Supervision
from ..workflow import SuggestionError

S = Suggestion.State

MAX_SHORT = 300
MAX_TEXT = 4000

# The seed's classes (七类建议) with the committee that supervises each; an office's defaults, then its own.
DEFAULT_CATEGORIES: list[tuple[str, str]] = [
    ("农林水牧", "农业农村工作委员会"),
    ("交通运输", "城建环保工作委员会"),
    ("城乡建设", "城建环保工作委员会"),
    ("教科文卫", "教科文卫工作委员会"),
    ("财税金融", "财政经济工作委员会"),
    ("社会保障", "社会建设工作委员会"),
    ("政法综合", "法制工作委员会"),
]


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def may_manage(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.can("suggestions.manage")


def _check(by, suggestion: Suggestion) -> None:
    if not may_manage(by):
        raise PermissionDenied("只有人大常委会办事机构可以办理此事")
    if not scoped(Suggestion.objects.filter(pk=suggestion.pk), by).exists():
        raise PermissionDenied("该建议不在您的管辖范围内")


def _lock(suggestion: Suggestion) -> Suggestion:
    return (Suggestion.objects.select_for_update(of=("self",)).select_related("term__congress", "sitting")
            .get(pk=suggestion.pk))


def _clean(value, label: str, *, limit: int = MAX_SHORT, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise SuggestionError(f"请填写{label}")
    if len(text) > limit:
        raise SuggestionError(f"{label}不能超过{limit}个字（现有{len(text)}个字）")
    return text


def _label(suggestion: Suggestion) -> str:
    return suggestion.number_label or f"《{suggestion.title}》"


def _link(name: str, pk: int) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _deputy_link(suggestion: Suggestion) -> str:
    for name in ("suggestions:my_detail", "suggestions:deputy_detail", "suggestions:detail"):
        if url := _link(name, suggestion.pk):
            return url
    return ""


def _notify_deputy(suggestion: Suggestion, *, title: str, body: str = "") -> None:
    from lvzhi.accounts.models import User

    users = list(User.objects.filter(role=Role.DEPUTY, person_id=suggestion.lead_id, is_active=True))
    link = _deputy_link(suggestion)
    for user in users:
        transaction.on_commit(lambda user=user: notify(user=user, title=title, body=body, link=link))


def _notify_units(assignments: list[Assignment], suggestion: Suggestion, *, title: str, body: str = "") -> None:
    from lvzhi.accounts.models import User

    by_unit = {a.unit_id: a for a in assignments}
    for user in User.objects.filter(role=Role.UNIT, unit_id__in=by_unit, is_active=True):
        link = _link("suggestions:unit_detail", by_unit[user.unit_id].pk)
        transaction.on_commit(lambda user=user, link=link: notify(user=user, title=title, body=body, link=link))


def extension_limit(assignment: Assignment):
    """The latest date an extension may reach (the rules' maximum counted from the assignment), explained."""
    from . import deadlines

    return deadlines.extension_limit(region_code=assignment.suggestion.region_code,
                                     assigned_on=assignment.assigned_at)


def categories_for(region_code: str, *, active_only: bool = True):
    """The office's classes; the seed's seven are written the first time an office asks for them."""
    qs = Category.objects.filter(region_id=region_code)
    if not qs.exists():
        Category.objects.bulk_create(
            [Category(region_id=region_code, name=name, committee=committee, order=i * 10)
             for i, (name, committee) in enumerate(DEFAULT_CATEGORIES, start=1)],
            ignore_conflicts=True,
        )
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("order", "id")


# ---------------------------------------------------------------------------------------------------------------
# Numbering


def number_key(suggestion: Suggestion) -> str:
    return f"suggestion:{suggestion.term_id}:{suggestion.sitting_id or 'recess'}:{suggestion.kind}"


def number_label(suggestion: Suggestion, number: int) -> str:
    """十八届二次会议第015号 (in session) or 闭会期间第003号 (in recess); motions say 议案."""
    kind = "议案" if suggestion.kind == Suggestion.Kind.MOTION else ""
    if suggestion.sitting_id:
        sitting = suggestion.sitting
        prefix = f"{chinese_number(suggestion.term.number)}届{chinese_number(sitting.number)}次会议"
    else:
        prefix = "闭会期间"
    return f"{prefix}{kind}第{number:03d}号"


def _give_number(suggestion: Suggestion) -> None:
    from lvzhi.core.numbering import next_number

    if suggestion.number:
        return
    suggestion.number = next_number(number_key(suggestion))
    suggestion.number_label = number_label(suggestion, suggestion.number)


# ---------------------------------------------------------------------------------------------------------------
# Review


def _resolve_category(category, suggestion: Suggestion) -> Category:
    if category in (None, ""):
        raise SuggestionError("请选择建议的分类")
    if not isinstance(category, Category):
        category = Category.objects.filter(pk=category).first()
    if category is None or category.region_id != suggestion.region_code or not category.is_active:
        raise SuggestionError("所选分类不存在或已停用，请重新选择")
    return category


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, by, category, is_key: bool = False, key_leader: str = "",
                      comment: str = "") -> Suggestion:
    """立案: classify, mark a key suggestion with its leading leader (领衔督办), and give the number."""
    _check(by, suggestion)
    suggestion = _lock(suggestion)
    category = _resolve_category(category, suggestion)
    key_leader = _clean(key_leader, "领衔督办领导", limit=60, required=bool(is_key))
    action = "motion_accept" if suggestion.state == S.PRESIDIUM else "accept"
    if suggestion.state not in workflow.TRANSITIONS[action][0]:
        workflow.transition(suggestion, action, by=by)  # raises the explained refusal
    suggestion.category = category
    suggestion.is_key = bool(is_key)
    suggestion.key_leader = key_leader if is_key else ""
    suggestion.review_comment = _clean(comment, "审查意见", limit=MAX_TEXT, required=False)
    _give_number(suggestion)
    workflow.transition(suggestion, action, by=by, comment=f"分类：{category.name}" + ("；重点建议" if is_key else ""))
    _notify_deputy(suggestion, title=f"您的建议已立案：{suggestion.number_label}",
                   body=f"《{suggestion.title}》已立案，分类为{category.name}，将交有关单位办理。")
    return suggestion


@transaction.atomic
def suggestion_classify(*, suggestion: Suggestion, by, category, is_key: bool = False,
                        key_leader: str = "") -> Suggestion:
    """Change the class or the key mark of an accepted suggestion (no change of state)."""
    _check(by, suggestion)
    suggestion = _lock(suggestion)
    if not suggestion.number:
        raise SuggestionError("只有已立案的建议可以调整分类")
    category = _resolve_category(category, suggestion)
    key_leader = _clean(key_leader, "领衔督办领导", limit=60, required=bool(is_key))
    before = [suggestion.category_id, suggestion.is_key, suggestion.key_leader]
    suggestion.category, suggestion.is_key = category, bool(is_key)
    suggestion.key_leader = key_leader if is_key else ""
    suggestion.save(update_fields=["category", "is_key", "key_leader", "updated_at"])
    audit_event(suggestion, event="suggestion_classify", actor=by,
                changes={"category": [before[0], category.pk], "is_key": [before[1], suggestion.is_key]})
    return suggestion


@transaction.atomic
def suggestion_return(*, suggestion: Suggestion, by, comment: str) -> Suggestion:
    """退回修改: the deputy revises and submits again; the comments say what to change."""
    _check(by, suggestion)
    comment = _clean(comment, "退回修改意见", limit=MAX_TEXT)
    suggestion = _lock(suggestion)
    workflow.transition(suggestion, "return", by=by, comment=comment)
    suggestion.review_comment = comment
    suggestion.save(update_fields=["review_comment", "updated_at"])
    _notify_deputy(suggestion, title=f"您的建议《{suggestion.title}》已退回修改", body=comment)
    return suggestion


@transaction.atomic
def suggestion_to_opinion(*, suggestion: Suggestion, by, comment: str) -> Suggestion:
    """不予立案，转为意见: kept as an opinion for the units' reference, with the reason."""
    _check(by, suggestion)
    comment = _clean(comment, "不予立案的理由", limit=MAX_TEXT)
    suggestion = _lock(suggestion)
    workflow.transition(suggestion, "to_opinion", by=by, comment=comment)
    suggestion.review_comment = comment
    suggestion.save(update_fields=["review_comment", "updated_at"])
    _notify_deputy(suggestion, title=f"您的建议《{suggestion.title}》不予立案，转为意见", body=comment)
    return suggestion


MERGE_TARGET_STATES = {S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.HANDLING}


@transaction.atomic
def suggestion_merge(*, suggestion: Suggestion, into: Suggestion, by, comment: str = "") -> Suggestion:
    """并案: a duplicate goes into another suggestion; its lead and co-signers become co-signers of the target."""
    _check(by, suggestion)
    _check(by, into)
    if suggestion.pk == into.pk:
        raise SuggestionError("不能并入建议本身，请选择另一件建议")
    first, second = sorted([suggestion.pk, into.pk])  # lock in a fixed order
    locked = {s.pk: s for s in Suggestion.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    suggestion, into = locked[suggestion.pk], locked[into.pk]
    if into.state not in MERGE_TARGET_STATES:
        raise SuggestionError(f"并入的建议当前为「{into.get_state_display()}」，只能并入审查中或已立案、办理中的建议")
    if into.term_id != suggestion.term_id:
        raise SuggestionError("只能并入同一届的建议")
    label = _label(into)
    workflow.transition(suggestion, "merge", by=by, comment=f"并入{label}" + (f"：{comment}" if comment else ""))
    suggestion.merged_into = into
    suggestion.save(update_fields=["merged_into", "updated_at"])
    people = list(Signature.objects.filter(suggestion=suggestion)
                  .exclude(status=Signature.Status.DECLINED).values_list("person_id", flat=True))
    existing = set(Signature.objects.filter(suggestion=into).values_list("person_id", flat=True))
    now = timezone.now()
    Signature.objects.bulk_create([
        Signature(suggestion=into, person_id=pid, role=Signature.Role.CO, status=Signature.Status.CONFIRMED,
                  decided_at=now) for pid in people if pid not in existing
    ])
    audit_event(into, event="suggestion_merged_in", actor=by, changes={"merged": [None, suggestion.pk]})
    _notify_deputy(suggestion, title=f"您的建议《{suggestion.title}》已并入{label}办理",
                   body="您已列为该建议的附议代表，可在该建议中跟踪办理情况。")
    return suggestion


@transaction.atomic
def suggestion_withdraw(*, suggestion: Suggestion, by, comment: str) -> Suggestion:
    """撤回 on the deputy's request (the office records who asked and why)."""
    _check(by, suggestion)
    comment = _clean(comment, "撤回原因（代表本人提出）", limit=MAX_SHORT)
    suggestion = _lock(suggestion)
    workflow.transition(suggestion, "withdraw", by=by, comment=f"应代表要求撤回：{comment}")
    return suggestion


# ---------------------------------------------------------------------------------------------------------------
# Assignment (交办)


def _deadline_for(suggestion: Suggestion, assigned_on: dt.date):
    from . import deadlines

    return deadlines.reply_deadline(region_code=suggestion.region_code, assigned_on=assigned_on,
                                    round=suggestion.round)


def _resolve_unit(unit, by) -> Unit:
    if unit in (None, ""):
        raise SuggestionError("请选择主办单位")
    if not isinstance(unit, Unit):
        unit = Unit.objects.filter(pk=unit).first()
    if unit is None or not unit.is_active or not scoped(Unit.objects.filter(pk=unit.pk), by).exists():
        raise SuggestionError("所选承办单位不存在或不在本级范围内")
    return unit


@transaction.atomic
def suggestion_assign(*, suggestion: Suggestion, lead_unit, co_units=(), leader: str = "", handler: str = "",
                      supervisor: str = "", by, assigned_on: dt.date | None = None,
                      handler_phone: str = "") -> Suggestion:
    """交办 to a lead unit (主办) and co-units (协办); the deadline follows the rules, explained in deadline_note."""
    _check(by, suggestion)
    lead_unit = _resolve_unit(lead_unit, by)
    co = []
    for unit in co_units or ():
        unit = _resolve_unit(unit, by)
        if unit.pk != lead_unit.pk and unit.pk not in {u.pk for u in co}:
            co.append(unit)
    leader = _clean(leader, "分管领导", limit=60, required=False)
    handler = _clean(handler, "领办人", limit=60, required=False)
    supervisor = _clean(supervisor, "督办人", limit=60, required=False)
    handler_phone = _clean(handler_phone, "领办人电话", limit=30, required=False)
    today = timezone.localdate()
    assigned_on = assigned_on or today
    if assigned_on > today:
        raise SuggestionError("交办时间不能晚于今天")
    suggestion = _lock(suggestion)
    if suggestion.state != S.ACCEPTED:
        workflow.transition(suggestion, "assign", by=by)  # raises the explained refusal
    deadline = _deadline_for(suggestion, assigned_on)
    now = timezone.now()
    assigned_at = now if assigned_on == today else timezone.make_aware(
        dt.datetime.combine(assigned_on, dt.time(9, 0)))
    wanted = [(lead_unit, Assignment.Role.LEAD)] + [(unit, Assignment.Role.CO) for unit in co]
    # Earlier assignments of this round that are not in the new one stay on record as returned.
    (Assignment.objects.filter(suggestion=suggestion, round=suggestion.round)
     .exclude(unit__in=[u for u, _ in wanted]).exclude(status=Assignment.Status.RETURNED)
     .update(status=Assignment.Status.RETURNED))
    made = []
    for unit, role in wanted:
        assignment, _ = Assignment.objects.update_or_create(
            suggestion=suggestion, unit=unit, round=suggestion.round,
            defaults={"role": role, "status": Assignment.Status.ACTIVE, "leader": leader, "handler": handler,
                      "handler_phone": handler_phone, "supervisor": supervisor, "assigned_at": assigned_at,
                      "deadline": deadline.date, "extended_to": None, "extension_reason": "",
                      "return_reason": "", "return_requested_at": None, "assigned_by": by},
        )
        made.append(assignment)
    suggestion.deadline, suggestion.deadline_note = deadline.date, deadline.note[:200]
    units_text = lead_unit.name + (f"（协办：{'、'.join(u.name for u in co)}）" if co else "")
    workflow.transition(suggestion, "assign", by=by, comment=f"交{units_text}办理")
    suggestion.assigned_at = assigned_at
    suggestion.save(update_fields=["assigned_at", "updated_at"])
    _notify_units(made, suggestion, title=f"新交办建议：{_label(suggestion)}",
                  body=f"《{suggestion.title}》，办结时限{deadline.date.year}年{deadline.date.month}月"
                       f"{deadline.date.day}日。")
    _notify_deputy(suggestion, title=f"您的建议已交办：{_label(suggestion)}", body=f"由{units_text}办理。")
    return suggestion


def suggestion_assign_batch(*, suggestions, by, **fields) -> list[Suggestion]:
    """Several accepted suggestions to the same units, all or none."""
    suggestions = list(suggestions)
    if not suggestions:
        raise SuggestionError("请至少选择一件已立案的建议")
    done = []
    with transaction.atomic():
        for suggestion in suggestions:
            try:
                done.append(suggestion_assign(suggestion=suggestion, by=by, **fields))
            except SuggestionError as exc:
                raise SuggestionError(f"{_label(suggestion)}：{exc}") from exc
    return done


def _lock_assignment(assignment: Assignment) -> tuple[Assignment, Suggestion]:
    suggestion = _lock(assignment.suggestion)
    assignment = Assignment.objects.select_for_update().select_related("unit").get(pk=assignment.pk)
    return assignment, suggestion


@transaction.atomic
def assignment_return_decide(*, assignment: Assignment, by, approve: bool, reason: str = "") -> Assignment:
    """The office decides a unit's request to return an assignment: approved, the assignment is returned (and a lead
    unit's return sends the suggestion back to 已立案 for a new assignment); refused, the unit keeps it."""
    _check(by, assignment.suggestion)
    assignment, suggestion = _lock_assignment(assignment)
    if assignment.status != Assignment.Status.RETURN_REQUESTED:
        raise SuggestionError("该承办单位没有待处理的退回申请")
    if approve:
        assignment.status = Assignment.Status.RETURNED
        assignment.save(update_fields=["status"])
        if assignment.role == Assignment.Role.LEAD:
            workflow.transition(suggestion, "unassign", by=by,
                                comment=f"同意{assignment.unit.name}退回：{assignment.return_reason}")
        audit_event(suggestion, event="suggestion_return_approved", actor=by, note=assignment.unit.name,
                    changes={"assignment_status": [Assignment.Status.RETURN_REQUESTED, Assignment.Status.RETURNED]})
        title = f"退回申请已同意：{_label(suggestion)}"
        body = "该建议不再由贵单位承办。"
    else:
        reason = _clean(reason, "不同意退回的理由")
        assignment.status = Assignment.Status.ACTIVE
        assignment.save(update_fields=["status"])
        audit_event(suggestion, event="suggestion_return_refused", actor=by, note=reason[:200],
                    changes={"assignment_status": [Assignment.Status.RETURN_REQUESTED, Assignment.Status.ACTIVE]})
        title = f"退回申请未同意：{_label(suggestion)}"
        body = f"{reason}。请按交办要求继续办理。"
    _notify_units([assignment], suggestion, title=title, body=body)
    return assignment


@transaction.atomic
def assignment_extend(*, assignment: Assignment, by, to: dt.date, reason: str) -> Assignment:
    """延期 with a reason, up to the rules' maximum counted from the assignment; the suggestion's deadline follows
    the lead unit's."""
    _check(by, assignment.suggestion)
    reason = _clean(reason, "延期理由")
    assignment, suggestion = _lock_assignment(assignment)
    if assignment.status not in (Assignment.Status.ACTIVE, Assignment.Status.RETURN_REQUESTED):
        raise SuggestionError("只有正在办理的交办可以延期")
    if to is None:
        raise SuggestionError("请填写延期后的办结时限")
    current = assignment.extended_to or assignment.deadline
    if to <= current:
        raise SuggestionError(f"延期后的时限应晚于现在的时限（{current.year}年{current.month}月{current.day}日）")
    limit = extension_limit(assignment)
    if to > limit.date:
        raise SuggestionError(f"延期后的时限不能晚于{chinese_date(limit.date)}（{limit.note}）")
    before = assignment.extended_to
    assignment.extended_to, assignment.extension_reason = to, reason
    assignment.save(update_fields=["extended_to", "extension_reason"])
    if assignment.role == Assignment.Role.LEAD:
        suggestion.deadline = to
        suggestion.deadline_note = f"延期至{to.year}年{to.month}月{to.day}日：{reason}"[:200]
        suggestion.save(update_fields=["deadline", "deadline_note", "updated_at"])
    audit_event(suggestion, event="suggestion_extend", actor=by, note=reason[:200],
                changes={"extended_to": [str(before) if before else None, str(to)]})
    _notify_units([assignment], suggestion, title=f"办理时限已延期：{_label(suggestion)}",
                  body=f"延期至{to.year}年{to.month}月{to.day}日。{reason}")
    return assignment


# ---------------------------------------------------------------------------------------------------------------
# Supervision and publishing


@transaction.atomic
def supervision_record(*, suggestion: Suggestion, by, kind: str, date: dt.date, participants: str,
                       findings: str) -> Supervision:
    """督办 of a key suggestion: a visit, a meeting or a hearing, with what was found."""
    _check(by, suggestion)
    suggestion = _lock(suggestion)
    if not suggestion.is_key:
        raise SuggestionError("督办记录用于重点建议；请先将其标为重点建议")
    if kind not in Supervision.Kind.values:
        raise SuggestionError("请选择督办方式")
    if date is None or date > timezone.localdate():
        raise SuggestionError("请填写督办日期（不能晚于今天）")
    record = Supervision.objects.create(
        suggestion=suggestion, kind=kind, date=date, participants=_clean(participants, "参加人员"),
        findings=_clean(findings, "督办情况", limit=MAX_TEXT), created_by=by)
    audit_event(suggestion, event="suggestion_supervision", actor=by, note=record.get_kind_display())
    return record


PUBLISHABLE = {S.ACCEPTED, S.ASSIGNED, S.HANDLING, S.REPLIED, S.RATED, S.CLOSED}


@transaction.atomic
def suggestion_publish(*, suggestion: Suggestion, by, public: bool = True) -> Suggestion:
    """Show (or withdraw) a suggestion and its reply on the public page."""
    _check(by, suggestion)
    suggestion = _lock(suggestion)
    if public and suggestion.state not in PUBLISHABLE:
        raise SuggestionError(f"该建议当前为「{suggestion.get_state_display()}」，立案后才能公开")
    if suggestion.is_public == bool(public):
        return suggestion
    suggestion.is_public = bool(public)
    suggestion.published_at = timezone.now() if public else None
    suggestion.save(update_fields=["is_public", "published_at", "updated_at"])
    audit_event(suggestion, event="suggestion_publish" if public else "suggestion_unpublish", actor=by,
                changes={"is_public": [not public, bool(public)]})
    return suggestion


# ---------------------------------------------------------------------------------------------------------------
# Categories


def _check_office(by, region_code: str) -> None:
    if not may_manage(by) or by.region_id != region_code:
        raise PermissionDenied("只有本级人大常委会办事机构可以设置建议分类")


@transaction.atomic
def category_save(*, by, region_code: str, name: str, committee: str = "", category: Category | None = None,
                  is_active: bool = True) -> Category:
    _check_office(by, region_code)
    name = _clean(name, "分类名称", limit=30)
    committee = _clean(committee, "督办委员会", limit=60, required=False)
    clash = Category.objects.filter(region_id=region_code, name=name)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise SuggestionError(f"已有名为「{name}」的分类")
    if category is None:
        last = Category.objects.filter(region_id=region_code).order_by("-order").first()
        category = Category(region_id=region_code, order=(last.order + 10) if last else 10)
    elif category.region_id != region_code:
        raise PermissionDenied("不能修改其他人大的分类")
    category.name, category.committee, category.is_active = name, committee, bool(is_active)
    category.save()
    audit_event(category, event="suggestion_category_save", actor=by, note=name)
    return category


@transaction.atomic
def category_move(*, by, category: Category, up: bool) -> None:
    _check_office(by, category.region_id)
    items = list(Category.objects.select_for_update().filter(region_id=category.region_id).order_by("order", "id"))
    index = next(i for i, c in enumerate(items) if c.pk == category.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for i, item in enumerate(items, start=1):
        if item.order != i * 10:
            item.order = i * 10
            item.save(update_fields=["order"])

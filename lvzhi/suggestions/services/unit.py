"""The handling unit's side (承办单位): contact log with the deputy, the co-unit's opinion to the lead unit, the reply
with its result class and dated commitments, evidence that a commitment was delivered, and the request to return a
wrongly assigned suggestion.

Only a user of the assignment's own unit (role unit, ``user.unit``) may act; another unit never sees the row (the
views answer 404). Every action runs in one transaction with the suggestion's row locked, is audited, and sends its
notices on commit. The unit's first action on a new assignment (a contact, a co-unit's opinion) moves the suggestion
from 已交办 to 办理中 ("start"); opening the page does not, since reading is not handling.

A reply with no contact record in its round is accepted but flagged (``Reply.without_contact``) and the office is
told. A reply never counts as done: each commitment is delivered separately, with evidence.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lvzhi.accounts.models import Role
from lvzhi.core.audit import audit_event
from lvzhi.core.notify import notify

from .. import workflow
from ..models import (
    Assignment,
    Commitment,
    CommitmentEvidence,
    ContactLog,
    Reply,
    ReplyAttachment,
    Suggestion,
)
from ..workflow import SuggestionError
from . import deadlines

S = Suggestion.State
MAX_TEXT = 10_000
MAX_SHORT = 300
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
FILE_TYPES = {".pdf", ".doc", ".docx", ".jpg", ".jpeg", ".png", ".heic", ".xls", ".xlsx", ".ofd"}
HANDLING_STATES = {S.ASSIGNED, S.HANDLING}


class UnitError(SuggestionError):
    """A unit action refused by the rules; the message says what is wrong and what to do."""


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def may_act(user, assignment: Assignment) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.UNIT
                and user.unit_id and user.unit_id == assignment.unit_id)


def _check_actor(assignment: Assignment, by) -> None:
    if not may_act(by, assignment):
        raise PermissionDenied("只有承办该建议的单位经办人才能办理")


def _lock(assignment: Assignment) -> tuple[Assignment, Suggestion]:
    suggestion = Suggestion.objects.select_for_update().get(pk=assignment.suggestion_id)
    assignment = Assignment.objects.select_for_update().select_related("unit").get(pk=assignment.pk)
    assignment.suggestion = suggestion
    return assignment, suggestion


def _check_current(assignment: Assignment, suggestion: Suggestion) -> None:
    if assignment.round != suggestion.round:
        raise UnitError("这是上一轮的交办，已不能再办理；请在本轮交办中办理")
    if assignment.status == Assignment.Status.RETURNED:
        raise UnitError("该建议已退回交办机关，本单位无需再办理")
    if assignment.status == Assignment.Status.RETURN_REQUESTED:
        raise UnitError("本单位已申请退回，请等待人大常委会办事机构决定")


def _clean(value, label: str, *, limit: int = MAX_TEXT, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise UnitError(f"请填写{label}")
    if len(value) > limit:
        raise UnitError(f"{label}不能超过{limit}字")
    return value


def _check_files(files, *, label: str) -> list:
    files = [f for f in (files or []) if f]
    if len(files) > MAX_FILES:
        raise UnitError(f"{label}最多{MAX_FILES}个")
    for f in files:
        if Path(f.name).suffix.lower() not in FILE_TYPES:
            raise UnitError(f"{label}“{f.name}”的格式不支持；请上传 PDF、Word、Excel、OFD 文档或照片（jpg、png）")
        if f.size > MAX_FILE_BYTES:
            raise UnitError(f"{label}“{f.name}”超过 20 MB，请压缩后再上传")
    return files


def _start_if_new(suggestion: Suggestion, by) -> None:
    if suggestion.state == S.ASSIGNED:
        workflow.transition(suggestion, "start", by=by, comment="承办单位开始办理")


def _unit_users(unit_id):
    from lvzhi.accounts.models import User

    return list(User.objects.filter(role=Role.UNIT, unit_id=unit_id, is_active=True))


def _office_users(suggestion: Suggestion):
    from lvzhi.accounts.models import User

    return list(User.objects.filter(role=Role.OFFICE, region_id=suggestion.region_code, is_active=True))


def _deputy_users(suggestion: Suggestion):
    from lvzhi.accounts.models import User

    return list(User.objects.filter(role=Role.DEPUTY, person_id=suggestion.lead_id, is_active=True))


def _first_url(names: tuple[str, ...], pk: int) -> str:
    for name in names:
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            continue
    return ""


def deputy_link(suggestion: Suggestion) -> str:
    """The deputy's page of the suggestion (where they rate the reply), whatever the deputy side names it."""
    return _first_url(("suggestions:detail",), suggestion.pk)


def office_link(suggestion: Suggestion) -> str:
    return _first_url(("suggestions:review",), suggestion.pk)


def office_returns_link(suggestion: Suggestion) -> str:
    try:
        return reverse("suggestions:return_requests")
    except NoReverseMatch:  # the office pages not installed
        return office_link(suggestion)


def unit_link(assignment: Assignment) -> str:
    return reverse("suggestions:unit_detail", args=[assignment.pk])


def _notify_on_commit(users, **kwargs) -> None:
    for user in users:
        transaction.on_commit(lambda user=user: notify(user=user, **kwargs))


def _label(suggestion: Suggestion) -> str:
    return suggestion.number_label or f"《{suggestion.title}》"


# ---------------------------------------------------------------------------------------------------------------
# The return window


def return_window(assignment: Assignment) -> tuple[dt.date, str]:
    """The last day a unit may ask to return this assignment (the rules' working days after assignment, with
    official holidays and 调休), and how that date was computed."""
    result = deadlines.return_window_end(region_code=assignment.suggestion.region_code,
                                         assigned_on=assignment.assigned_at)
    return result.date, result.note


def return_window_end(assignment: Assignment) -> dt.date:
    return return_window(assignment)[0]


# ---------------------------------------------------------------------------------------------------------------
# Contact log


@transaction.atomic
def contact_log_add(*, assignment: Assignment, by, stage: str, form: str, date: dt.date, participants: str,
                    summary: str) -> ContactLog:
    """办前/办中/办后沟通 with the deputy. The first one moves a new assignment to 办理中."""
    _check_actor(assignment, by)
    assignment, suggestion = _lock(assignment)
    _check_current(assignment, suggestion)
    if suggestion.state not in HANDLING_STATES | {S.REPLIED, S.RATED, S.CLOSED}:
        raise UnitError(f"该建议当前为「{S(suggestion.state).label}」，不能登记沟通情况")
    if stage not in ContactLog.Stage.values:
        raise UnitError("请选择沟通阶段（办前、办中或办后）")
    if form not in ContactLog.Form.values:
        raise UnitError("请选择沟通方式（面商、电话、座谈或走访）")
    replied = Reply.objects.filter(suggestion=suggestion, round=assignment.round).exists()
    if stage == ContactLog.Stage.AFTER and not replied:
        raise UnitError("尚未答复，不能登记办后沟通；请选择办前或办中")
    if stage != ContactLog.Stage.AFTER and replied:
        raise UnitError("本轮已经答复，答复后的沟通请登记为办后沟通")
    if not isinstance(date, dt.date):
        raise UnitError("请填写沟通日期")
    if date > timezone.localdate():
        raise UnitError("沟通日期不能晚于今天；尚未进行的沟通请在进行后登记")
    if date < timezone.localdate(assignment.assigned_at):
        raise UnitError("沟通日期不能早于交办日期")
    participants = _clean(participants, "参加人员", limit=MAX_SHORT)
    summary = _clean(summary, "沟通情况")
    contact = ContactLog.objects.create(assignment=assignment, stage=stage, form=form, date=date,
                                        participants=participants, summary=summary, created_by=by)
    _start_if_new(suggestion, by)
    audit_event(suggestion, event="suggestion_contact_add", actor=by,
                changes={"contact": [None, f"{contact.get_stage_display()} {contact.get_form_display()} {date}"]},
                note=assignment.unit.name)
    return contact


# ---------------------------------------------------------------------------------------------------------------
# Co-unit's opinion


@transaction.atomic
def co_opinion_submit(*, assignment: Assignment, by, text: str) -> Assignment:
    """A co-unit (协办) sends its opinion to the lead unit; it may revise it until the lead unit replies."""
    _check_actor(assignment, by)
    assignment, suggestion = _lock(assignment)
    if assignment.role != Assignment.Role.CO:
        raise UnitError("协办意见由协办单位提出；主办单位请直接答复代表")
    _check_current(assignment, suggestion)
    if suggestion.state not in HANDLING_STATES or assignment.status != Assignment.Status.ACTIVE:
        raise UnitError("主办单位已经答复，不能再提交协办意见")
    text = _clean(text, "协办意见")
    first = not assignment.co_opinion
    assignment.co_opinion = text
    assignment.co_opinion_at = timezone.now()
    assignment.save(update_fields=["co_opinion", "co_opinion_at"])
    _start_if_new(suggestion, by)
    audit_event(suggestion, event="suggestion_co_opinion", actor=by, note=assignment.unit.name)
    lead = Assignment.objects.filter(suggestion=suggestion, round=assignment.round, role=Assignment.Role.LEAD) \
        .exclude(status=Assignment.Status.RETURNED).first()
    if lead is not None:
        verb = "提交" if first else "修改"
        _notify_on_commit(_unit_users(lead.unit_id), title=f"{assignment.unit.name}{verb}了协办意见：{_label(suggestion)}",
                          body=text[:200], link=unit_link(lead))
    return assignment


# ---------------------------------------------------------------------------------------------------------------
# Reply


def _clean_commitments(commitments, *, today: dt.date) -> list[tuple[str, dt.date]]:
    cleaned = []
    for index, item in enumerate(commitments or [], start=1):
        text = (item.get("text") or "").strip()
        due = item.get("due_date")
        if not text and not due:
            continue
        if not text:
            raise UnitError(f"第{index}项承诺：请填写承诺事项")
        if len(text) > MAX_SHORT:
            raise UnitError(f"第{index}项承诺不能超过{MAX_SHORT}字")
        if not isinstance(due, dt.date):
            raise UnitError(f"第{index}项承诺：请填写承诺完成时间")
        if due < today:
            raise UnitError(f"第{index}项承诺的完成时间早于今天；请填写将来的日期，已完成的事项请写入答复内容")
        cleaned.append((text, due))
    return cleaned


@transaction.atomic
def reply_submit(*, assignment: Assignment, by, text: str, result: str, signer: str, commitments=(),
                 attachments=(), sms: bool = False) -> Reply:
    """The lead unit's reply letter for the current round, with its result class and dated commitments.

    Result B (正在解决或列入计划) needs at least one commitment with its date. The deputy is notified with a link to rate
    the reply; a reply with no contact record in this round is flagged and the office is told."""
    _check_actor(assignment, by)
    assignment, suggestion = _lock(assignment)
    if assignment.role != Assignment.Role.LEAD:
        raise UnitError("答复由主办单位统一作出；协办单位请向主办单位提交协办意见")
    _check_current(assignment, suggestion)
    if suggestion.state not in HANDLING_STATES or assignment.status != Assignment.Status.ACTIVE:
        raise UnitError(f"该建议当前为「{S(suggestion.state).label}」，不能答复")
    text = _clean(text, "答复内容")
    if result not in Reply.Result.values:
        raise UnitError("请选择办理结果（A、B或C类）")
    signer = _clean(signer, "签发人", limit=60)
    today = timezone.localdate()
    items = _clean_commitments(commitments, today=today)
    if result == Reply.Result.B and not items:
        raise UnitError("B类（正在解决或列入计划解决）须写明至少一项承诺事项及完成时间")
    files = _check_files(attachments, label="附件")
    without_contact = not ContactLog.objects.filter(assignment__suggestion=suggestion,
                                                    assignment__round=assignment.round).exists()
    reply = Reply.objects.create(suggestion=suggestion, assignment=assignment, round=suggestion.round, text=text,
                                 result=result, signer=signer, without_contact=without_contact,
                                 replied_at=timezone.now(), created_by=by)
    for f in files:
        ReplyAttachment.objects.create(reply=reply, title=Path(f.name).name[:200], file=f)
    Commitment.objects.bulk_create([Commitment(reply=reply, text=t, due_date=d) for t, d in items])
    Assignment.objects.filter(suggestion=suggestion, round=assignment.round, status=Assignment.Status.ACTIVE) \
        .update(status=Assignment.Status.DONE)
    comment = f"{assignment.unit.name}答复，{Reply.Result(result).label}"
    if without_contact:
        comment += "（答复前未与代表沟通）"
    workflow.transition(suggestion, "reply", by=by, comment=comment)
    audit_event(reply, event="suggestion_reply", actor=by, action=LogEntry.Action.CREATE,
                changes={"result": [None, result], "commitments": [None, len(items)],
                         "without_contact": [None, without_contact]})
    _notify_on_commit(_deputy_users(suggestion), title=f"您的建议{_label(suggestion)}已答复，请测评",
                      body=f"{assignment.unit.name}已答复（{Reply.Result(result).label}），请查看答复并进行满意度测评。",
                      link=deputy_link(suggestion), sms=sms)
    if without_contact:
        _notify_on_commit(_office_users(suggestion), title=f"答复前未与代表沟通：{_label(suggestion)}",
                          body=f"{assignment.unit.name}答复前没有登记与代表的沟通情况。",
                          link=office_link(suggestion))
    return reply


# ---------------------------------------------------------------------------------------------------------------
# Commitment delivered


@transaction.atomic
def commitment_deliver(*, commitment: Commitment, by, delivered_on: dt.date, note: str, files) -> Commitment:
    """Evidence that a commitment was carried out: the date, a note and at least one photo or document."""
    reply = Reply.objects.select_related("assignment").get(pk=commitment.reply_id)
    _check_actor(reply.assignment, by)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    suggestion = Suggestion.objects.get(pk=reply.suggestion_id)
    if commitment.delivered_at:
        raise UnitError(f"该承诺已于{commitment.delivered_at:%Y年%m月%d日}登记落实")
    if not isinstance(delivered_on, dt.date):
        raise UnitError("请填写落实日期")
    if delivered_on > timezone.localdate():
        raise UnitError("落实日期不能晚于今天")
    if delivered_on < timezone.localdate(reply.replied_at):
        raise UnitError("落实日期不能早于答复日期；答复前已完成的事项不是承诺")
    note = _clean(note, "落实情况")
    files = _check_files(files, label="佐证材料")
    if not files:
        raise UnitError("请上传至少一份佐证材料（照片或文件）；没有佐证不能登记为已落实")
    commitment.delivered_at = delivered_on
    commitment.evidence_note = note
    commitment.recorded_by = by
    commitment.save(update_fields=["delivered_at", "evidence_note", "recorded_by"])
    for f in files:
        CommitmentEvidence.objects.create(commitment=commitment, title=Path(f.name).name[:200], file=f)
    audit_event(suggestion, event="suggestion_commitment_deliver", actor=by,
                changes={"commitment": [None, commitment.text[:80]], "delivered_at": [None, str(delivered_on)]})
    _notify_on_commit(_deputy_users(suggestion), title=f"建议{_label(suggestion)}的承诺事项已落实",
                      body=f"{commitment.text}：{note[:150]}", link=deputy_link(suggestion))
    return commitment


# ---------------------------------------------------------------------------------------------------------------
# Return request


@transaction.atomic
def return_request(*, assignment: Assignment, by, reason: str) -> Assignment:
    """Ask the office to return a wrongly assigned suggestion, within the rules' window; the office decides."""
    _check_actor(assignment, by)
    assignment, suggestion = _lock(assignment)
    _check_current(assignment, suggestion)
    if suggestion.state not in HANDLING_STATES or assignment.status != Assignment.Status.ACTIVE:
        raise UnitError("已经答复的建议不能申请退回")
    end = return_window_end(assignment)
    if timezone.localdate() > end:
        raise UnitError(f"申请退回的期限已于{end.year}年{end.month}月{end.day}日届满；请按交办要求办理，"
                        "确有困难请与人大常委会办事机构联系")
    reason = _clean(reason, "退回理由", limit=MAX_SHORT)
    assignment.status = Assignment.Status.RETURN_REQUESTED
    assignment.return_reason = reason
    assignment.return_requested_at = timezone.now()
    assignment.save(update_fields=["status", "return_reason", "return_requested_at"])
    audit_event(suggestion, event="suggestion_return_request", actor=by, note=reason[:200],
                changes={"assignment_status": [Assignment.Status.ACTIVE, Assignment.Status.RETURN_REQUESTED]})
    _notify_on_commit(_office_users(suggestion), title=f"{assignment.unit.name}申请退回：{_label(suggestion)}",
                      body=reason, link=office_returns_link(suggestion))
    return assignment

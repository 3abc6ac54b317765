"""The one state machine of a suggestion (and a motion). Every change of ``Suggestion.state`` happens in
``transition()``: it checks that the action is allowed from the current state, changes the state and the dates
that go with it, and writes the history row (SuggestionEvent) and the audit trail, in the caller's transaction.

Who may take an action (the lead deputy, the office, the unit) is checked by the domain services in
``suggestions/services/`` before they call ``transition()``; a refusal there or here is a SuggestionError with
a Chinese message saying what is wrong and what to do.

    草稿 → 已提交 → 审查（退回修改 | 不予立案，转为意见 | 并案 | 撤回）→ 已立案 → 已交办 → 办理中 → 已答复 →
    已测评 → 办结；测评不满意 → 重新办理（第二轮，重新交办）；办结后回头看（FollowUp，不改变状态）。
    议案：草稿 → 主席团审议 → 立案（交办办理）或转为建议（回到已提交，按建议审查）。
"""

from django.db import transaction
from django.utils import timezone

from lvzhi.core.audit import audit_event

from .models import Suggestion, SuggestionEvent

S = Suggestion.State


class SuggestionError(Exception):
    """A refused action; the message is shown to the user as it is."""


# action → (states it may start from, state it leads to, label for messages and history)
TRANSITIONS: dict[str, tuple[frozenset, str, str]] = {
    "submit": (frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, "提交"),
    "submit_motion": (frozenset({S.DRAFT, S.RETURNED}), S.PRESIDIUM, "提交议案"),
    "withdraw": (frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.PRESIDIUM}), S.WITHDRAWN, "撤回"),
    "return": (frozenset({S.SUBMITTED}), S.RETURNED, "退回修改"),
    "to_opinion": (frozenset({S.SUBMITTED}), S.OPINION, "不予立案，转为意见"),
    "merge": (frozenset({S.SUBMITTED}), S.MERGED, "并案"),
    "accept": (frozenset({S.SUBMITTED}), S.ACCEPTED, "立案"),
    "motion_accept": (frozenset({S.PRESIDIUM}), S.ACCEPTED, "议案立案"),
    "motion_to_suggestion": (frozenset({S.PRESIDIUM}), S.SUBMITTED, "议案转为建议"),
    "assign": (frozenset({S.ACCEPTED}), S.ASSIGNED, "交办"),
    "unassign": (frozenset({S.ASSIGNED, S.HANDLING}), S.ACCEPTED, "同意退回，待重新交办"),
    "start": (frozenset({S.ASSIGNED}), S.HANDLING, "开始办理"),
    "reply": (frozenset({S.ASSIGNED, S.HANDLING}), S.REPLIED, "答复"),
    "rate": (frozenset({S.REPLIED}), S.RATED, "测评"),
    "reopen": (frozenset({S.REPLIED}), S.ASSIGNED, "测评不满意，重新办理"),
    "close": (frozenset({S.RATED}), S.CLOSED, "办结"),
}

_STAMPS = {S.SUBMITTED: "submitted_at", S.ACCEPTED: "accepted_at", S.ASSIGNED: "assigned_at",
           S.REPLIED: "replied_at", S.RATED: "rated_at", S.CLOSED: "closed_at"}


def allowed_actions(suggestion: Suggestion) -> list[str]:
    return [action for action, (sources, _, _) in TRANSITIONS.items() if suggestion.state in sources]


def transition(suggestion: Suggestion, action: str, *, by, comment: str = "") -> Suggestion:
    """Move ``suggestion`` by ``action``; call inside a transaction holding its row lock (select_for_update)."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown action {action!r}")  # a programming error, not a user's
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() must run inside transaction.atomic")
    sources, target, label = TRANSITIONS[action]
    if suggestion.state not in sources:
        current = Suggestion.State(suggestion.state).label
        raise SuggestionError(f"该建议当前为「{current}」，不能{label}")
    before = suggestion.state
    suggestion.state = target
    stamp = _STAMPS.get(target)
    if stamp and action != "reopen":
        setattr(suggestion, stamp, timezone.now())
    if action == "reopen":
        suggestion.round += 1
    if action == "motion_to_suggestion":
        suggestion.kind = Suggestion.Kind.SUGGESTION
    suggestion.save()
    actor = by if getattr(by, "pk", None) else None
    SuggestionEvent.objects.create(suggestion=suggestion, action=action, from_state=before, to_state=target,
                                   by=actor, comment=comment)
    audit_event(suggestion, event=f"suggestion_{action}", actor=actor,
                changes={"state": [before, target]}, note=comment[:200])
    return suggestion

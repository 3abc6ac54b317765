"""The API's suggestion operations: a deputy's own suggestions, one suggestion in the caller's scope, and a
handling unit's inbox. Read-only; scoped like the pages (a suggestion out of scope answers 404)."""

import datetime as dt
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.db.models import DateField, F, Prefetch
from django.db.models.functions import Coalesce
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from lvzhi.accounts.models import Role
from lvzhi.core.scoping import get_scoped_or_404, scoped
from lvzhi.suggestions.models import Assignment, Commitment, Reply, Signature, Suggestion

from .schemas import ErrorOut, ValidationErrorOut

router = Router(tags=["代表建议"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
HANDLING = (Suggestion.State.ASSIGNED, Suggestion.State.HANDLING)


class PageParams(Schema):
    page: int = Field(1, ge=1, le=100_000, description="页码，从 1 开始")
    page_size: int = Field(20, ge=1, le=100, description="每页条数，最多 100")


class UnitRef(Schema):
    id: int
    name: str
    role: str = Field(description="lead 主办 / co 协办")
    round: int


class MySuggestionOut(Schema):
    id: int
    number_label: str
    title: str
    state: str
    state_label: str
    my_role: str = Field(description="lead 领衔 / co 附议")
    deadline: dt.date | None
    days_left: int | None = Field(description="距办结时限的天数（逾期为负数）；不在办理中时为空")
    units: list[UnitRef]


class MySuggestionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MySuggestionOut]


class CommitmentOut(Schema):
    text: str
    due_date: dt.date
    delivered: bool
    delivered_at: dt.date | None


class ReplyOut(Schema):
    round: int
    result: str
    result_label: str
    text: str
    replied_at: dt.datetime
    commitments: list[CommitmentOut]


class SuggestionOut(Schema):
    id: int
    number_label: str
    title: str
    background: str
    request: str
    state: str
    state_label: str
    round: int
    lead: str = Field(description="领衔代表姓名")
    is_key: bool
    deadline: dt.date | None
    days_left: int | None
    units: list[UnitRef]
    replies: list[ReplyOut]


class InboxItemOut(Schema):
    assignment_id: int
    suggestion_id: int
    number_label: str
    title: str
    lead: str
    role: str
    round: int
    state: str
    state_label: str
    deadline: dt.date = Field(description="办结时限（已延期的为延期后日期）")
    days_left: int


class InboxPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InboxItemOut]


def _days_left(suggestion: Suggestion, today: dt.date) -> int | None:
    if not suggestion.deadline or suggestion.state not in HANDLING:
        return None
    return (suggestion.deadline - today).days


def _units(suggestion: Suggestion) -> list[dict]:
    return [{"id": a.unit_id, "name": a.unit.name, "role": a.role, "round": a.round}
            for a in suggestion.assignment_list if a.round == suggestion.round]


def _page(queryset, params: PageParams, convert) -> dict:
    count = queryset.count()
    start = (params.page - 1) * params.page_size
    items = [convert(obj) for obj in queryset[start:start + params.page_size]] if start < count else []
    return {"count": count, "page": params.page, "page_size": params.page_size, "items": items}


_ASSIGNMENTS = Prefetch("assignments", to_attr="assignment_list",
                        queryset=Assignment.objects.exclude(status=Assignment.Status.RETURNED)
                        .select_related("unit").order_by("round", "-role", "pk"))


@router.get("/suggestions/mine", response={200: MySuggestionPage, **ERRORS}, url_name="my_suggestions",
            summary="我的建议（领衔或附议）")
def my_suggestions(request, params: Query[PageParams]):
    user = request.auth
    if user.role != Role.DEPUTY or not user.person_id:
        raise PermissionDenied("此接口仅供代表本人使用")
    qs = (Suggestion.objects.filter(signatures__person_id=user.person_id)
          .exclude(signatures__person_id=user.person_id, signatures__status=Signature.Status.DECLINED)
          .select_related("lead").prefetch_related(
              _ASSIGNMENTS, Prefetch("signatures", to_attr="mine",
                                     queryset=Signature.objects.filter(person_id=user.person_id)))
          .distinct().order_by("-created_at", "-pk"))
    today = timezone.localdate()

    def convert(s: Suggestion) -> dict:
        return {"id": s.pk, "number_label": s.number_label, "title": s.title, "state": s.state,
                "state_label": s.get_state_display(), "my_role": s.mine[0].role if s.mine else "",
                "deadline": s.deadline, "days_left": _days_left(s, today), "units": _units(s)}

    return _page(qs, params, convert)


@router.get("/suggestions/{suggestion_id}", response={200: SuggestionOut, **ERRORS}, url_name="suggestion",
            summary="一件建议（限本人权限范围）")
def suggestion_detail(request, suggestion_id: Id):
    qs = Suggestion.objects.select_related("lead").prefetch_related(
        _ASSIGNMENTS,
        Prefetch("replies", to_attr="reply_list", queryset=Reply.objects.order_by("round").prefetch_related(
            Prefetch("commitments", to_attr="commitment_list",
                     queryset=Commitment.objects.order_by("due_date", "pk")))))
    if request.auth.role == Role.DEPUTY:
        # a co-signer who declined no longer follows the suggestion; another deputy's draft is never theirs
        qs = qs.exclude(signatures__person_id=request.auth.person_id,
                        signatures__status=Signature.Status.DECLINED)
    s = get_scoped_or_404(qs.distinct(), request.auth, pk=suggestion_id)
    return {
        "id": s.pk, "number_label": s.number_label, "title": s.title, "background": s.background,
        "request": s.request, "state": s.state, "state_label": s.get_state_display(), "round": s.round,
        "lead": s.lead.name, "is_key": s.is_key, "deadline": s.deadline,
        "days_left": _days_left(s, timezone.localdate()), "units": _units(s),
        "replies": [{"round": r.round, "result": r.result, "result_label": r.get_result_display(), "text": r.text,
                     "replied_at": r.replied_at,
                     "commitments": [{"text": c.text, "due_date": c.due_date, "delivered": c.delivered_at is not None,
                                      "delivered_at": c.delivered_at} for c in r.commitment_list]}
                    for r in s.reply_list],
    }


@router.get("/units/inbox", response={200: InboxPage, **ERRORS}, url_name="unit_inbox",
            summary="承办单位待办（含剩余天数）")
def unit_inbox(request, params: Query[PageParams]):
    user = request.auth
    if user.role != Role.UNIT or not user.unit_id:
        raise PermissionDenied("此接口仅供承办单位使用")
    qs = (scoped(Assignment.objects.all(), user)
          .filter(status__in=[Assignment.Status.ACTIVE, Assignment.Status.RETURN_REQUESTED],
                  round=F("suggestion__round"), suggestion__state__in=HANDLING)
          .annotate(limit=Coalesce("extended_to", "deadline", output_field=DateField()))
          .select_related("suggestion__lead").order_by("limit", "pk"))
    today = timezone.localdate()

    def convert(a: Assignment) -> dict:
        s = a.suggestion
        return {"assignment_id": a.pk, "suggestion_id": s.pk, "number_label": s.number_label, "title": s.title,
                "lead": s.lead.name, "role": a.role, "round": a.round, "state": s.state,
                "state_label": s.get_state_display(), "deadline": a.limit, "days_left": (a.limit - today).days}

    return _page(qs, params, convert)

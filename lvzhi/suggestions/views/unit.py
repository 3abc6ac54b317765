"""Suggestion views: the handling unit (承办单位) — its inbox, the assignment page (the suggestion, the deputy to
contact, contact log, co-unit opinions, reply with commitments), delivery of a commitment with evidence, and the
request to return a wrongly assigned suggestion. Joined in suggestions/urls.py.

The deputy's phone is masked here as everywhere; the unit must contact the deputy, so the handler of this
assignment may reveal it with one click, and each reveal is audited (as on the roster's person page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import DateField, Exists, F, OuterRef, Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from lvzhi.accounts.models import Role
from lvzhi.core.audit import audit_access
from lvzhi.core.masking import mask_phone
from lvzhi.core.scoping import get_scoped_or_404, scoped

from .. import unit_forms as forms
from ..models import (
    Assignment,
    Commitment,
    CommitmentEvidence,
    ContactLog,
    Reply,
    ReplyAttachment,
    Signature,
    Suggestion,
)
from ..services import deadlines
from ..services import unit as services

PAGE_SIZE = 30
S = Suggestion.State


# ---------------------------------------------------------------------------------------------------------------
# Access helpers


def _require_unit(request) -> None:
    if request.user.role != Role.UNIT or not request.user.unit_id:
        raise PermissionDenied("此页面仅供承办单位经办人使用")


def _assignments(user):
    return scoped(Assignment.objects.all(), user)


def _get_assignment(request, pk: int) -> Assignment:
    _require_unit(request)
    return get_scoped_or_404(Assignment.objects.select_related("suggestion__lead", "suggestion__category", "unit"),
                             request.user, pk=pk)


def _partial(request) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.history_restore_request


def days_left(assignment: Assignment, today) -> int:
    return ((assignment.extended_to or assignment.deadline) - today).days


# ---------------------------------------------------------------------------------------------------------------
# Inbox

STATE_FILTERS = [("", "全部"), ("todo", "待办理"), ("replied", "已答复"), ("overdue", "已超期"),
                 ("return", "申请退回")]
ROLE_FILTERS = [("", "主办和协办"), ("lead", "主办"), ("co", "协办")]


@login_required
@require_GET
def unit_inbox(request):
    """The unit's assigned suggestions in their current round, most urgent first."""
    _require_unit(request)
    today = timezone.localdate()
    qs = (_assignments(request.user).filter(round=F("suggestion__round"))
          .exclude(status=Assignment.Status.RETURNED)
          .annotate(due=Coalesce("extended_to", "deadline", output_field=DateField()),
                    contacted=Exists(ContactLog.objects.filter(assignment__suggestion=OuterRef("suggestion"),
                                                               assignment__round=OuterRef("round"))))
          .select_related("suggestion__lead", "suggestion__category"))
    show = request.GET.get("show", "")
    todo = Q(status=Assignment.Status.ACTIVE, suggestion__state__in=[S.ASSIGNED, S.HANDLING])
    if show == "todo":
        qs = qs.filter(todo)
    elif show == "replied":
        qs = qs.filter(status=Assignment.Status.DONE)
    elif show == "overdue":
        qs = qs.filter(todo, due__lt=today)
    elif show == "return":
        qs = qs.filter(status=Assignment.Status.RETURN_REQUESTED)
    role = request.GET.get("role", "")
    if role in Assignment.Role.values:
        qs = qs.filter(role=role)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(Q(suggestion__title__icontains=q) | Q(suggestion__number_label__icontains=q)
                       | Q(suggestion__lead__name__icontains=q))
    qs = qs.order_by("status", "due", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for a in page.object_list:
        left = (a.due - today).days
        open_ = a.status == Assignment.Status.ACTIVE and a.suggestion.state in (S.ASSIGNED, S.HANDLING)
        rows.append({"a": a, "s": a.suggestion, "left": left, "open": open_, "overdue": open_ and left < 0,
                     "late": -left})
    counts = _assignments(request.user).filter(round=F("suggestion__round")).exclude(
        status=Assignment.Status.RETURNED).annotate(due=Coalesce("extended_to", "deadline", output_field=DateField()))
    context = {
        "rows": rows, "page": page, "show": show, "role": role, "q": q, "today": today,
        "state_filters": STATE_FILTERS, "role_filters": ROLE_FILTERS,
        "todo_count": counts.filter(todo).count(),
        "overdue_count": counts.filter(todo, due__lt=today).count(),
        "unit": request.user.unit,
    }
    if _partial(request):
        return render(request, "suggestions/unit/inbox.html#results", context)
    return render(request, "suggestions/unit/inbox.html", context)


# ---------------------------------------------------------------------------------------------------------------
# The assignment page


def _reply_qs():
    return Reply.objects.select_related("assignment__unit").prefetch_related(
        Prefetch("attachments", queryset=ReplyAttachment.objects.order_by("id")),
        Prefetch("commitments", queryset=Commitment.objects.prefetch_related("evidence").order_by("due_date", "id")),
    )


def reply_context(suggestion: Suggestion) -> dict:
    """The replies of every round, for ``suggestions/unit/_reply_block.html`` (also used by the deputy's page)."""
    return {"replies": list(_reply_qs().filter(suggestion=suggestion).order_by("round"))}


def _detail_context(request, assignment: Assignment, **forms_given) -> dict:
    suggestion = assignment.suggestion
    today = timezone.localdate()
    current = assignment.round == suggestion.round
    open_ = (current and assignment.status == Assignment.Status.ACTIVE
             and suggestion.state in (S.ASSIGNED, S.HANDLING))
    siblings = list(Assignment.objects.filter(suggestion=suggestion, round=assignment.round)
                    .exclude(pk=assignment.pk).select_related("unit").order_by("-role", "id"))
    contacts = list(ContactLog.objects.filter(assignment__suggestion=suggestion, assignment__round=assignment.round)
                    .select_related("assignment__unit").order_by("date", "id"))
    cosigners = list(Signature.objects.filter(suggestion=suggestion, role=Signature.Role.CO,
                                              status=Signature.Status.CONFIRMED).select_related("person"))
    replies = reply_context(suggestion)["replies"]
    this_reply = next((r for r in replies if r.round == assignment.round), None)
    is_lead = assignment.role == Assignment.Role.LEAD
    window_end, window_note = services.return_window(assignment) if open_ else (None, "")
    due_kwargs = {"region_code": suggestion.region_code, "assigned_on": assignment.assigned_at}
    first_contact = deadlines.first_contact_due(**due_kwargs) if open_ and not contacts else None
    co_due = deadlines.co_opinion_due(**due_kwargs) if open_ and not is_lead and not assignment.co_opinion else None
    context = {
        "assignment": assignment, "suggestion": suggestion, "lead": suggestion.lead,
        "lead_phone_masked": mask_phone(suggestion.lead.phone), "cosigners": cosigners,
        "siblings": siblings, "contacts": contacts, "replies": replies, "this_reply": this_reply,
        "is_lead": is_lead, "open": open_, "current": current,
        "left": days_left(assignment, today), "today": today,
        "can_contact": current and assignment.status in (Assignment.Status.ACTIVE, Assignment.Status.DONE)
        and suggestion.state in (S.ASSIGNED, S.HANDLING, S.REPLIED, S.RATED, S.CLOSED),
        "can_reply": open_ and is_lead,
        "can_co_opinion": open_ and not is_lead,
        "can_deliver": is_lead and this_reply is not None,
        "window_end": window_end, "window_note": window_note,
        "first_contact": first_contact, "co_due": co_due, "can_return": open_ and window_end is not None and today <= window_end,
        "contact_form": forms_given.get("contact_form") or forms.ContactForm(
            initial={"stage": ContactLog.Stage.AFTER if this_reply else ContactLog.Stage.BEFORE}),
        "co_form": forms_given.get("co_form") or forms.CoOpinionForm(initial={"text": assignment.co_opinion}),
        "reply_form": forms_given.get("reply_form") or forms.ReplyForm(),
        "commitment_formset": forms_given.get("commitment_formset") or forms.CommitmentFormSet(prefix="c"),
        "return_form": forms_given.get("return_form") or forms.ReturnForm(),
    }
    return context


@login_required
@require_GET
def unit_detail(request, pk: int):
    assignment = _get_assignment(request, pk)
    return render(request, "suggestions/unit/detail.html", _detail_context(request, assignment))


@never_cache
@login_required
@require_POST
def unit_reveal_phone(request, pk: int):
    """The handler must call the deputy: show the full number, and audit each time."""
    assignment = _get_assignment(request, pk)
    person = assignment.suggestion.lead
    audit_access(person, field="phone", actor=request.user)
    context = {"assignment": assignment, "full": person.phone or "（未填写）"}
    if _partial(request):
        return render(request, "suggestions/unit/_phone.html", context)
    detail = _detail_context(request, assignment)
    detail["full_phone"] = context["full"]
    return render(request, "suggestions/unit/detail.html", detail)


def _refused(request, assignment, refusal, **forms_given):
    context = _detail_context(request, assignment, **forms_given)
    context["refusal"] = str(refusal)
    return render(request, "suggestions/unit/detail.html", context, status=400)


@login_required
@require_POST
def contact_add(request, pk: int):
    assignment = _get_assignment(request, pk)
    form = forms.ContactForm(request.POST)
    if not form.is_valid():
        return _refused(request, assignment, "沟通记录没有保存，请按提示修改", contact_form=form)
    try:
        services.contact_log_add(assignment=assignment, by=request.user, **form.cleaned_data)
    except services.UnitError as refusal:
        return _refused(request, assignment, refusal, contact_form=form)
    messages.success(request, "沟通记录已保存")
    return redirect("suggestions:unit_detail", pk=assignment.pk)


@login_required
@require_POST
def co_opinion(request, pk: int):
    assignment = _get_assignment(request, pk)
    form = forms.CoOpinionForm(request.POST)
    if not form.is_valid():
        return _refused(request, assignment, "协办意见没有提交，请按提示修改", co_form=form)
    try:
        services.co_opinion_submit(assignment=assignment, by=request.user, text=form.cleaned_data["text"])
    except services.UnitError as refusal:
        return _refused(request, assignment, refusal, co_form=form)
    messages.success(request, "协办意见已送主办单位")
    return redirect("suggestions:unit_detail", pk=assignment.pk)


@login_required
@require_POST
def reply(request, pk: int):
    assignment = _get_assignment(request, pk)
    form = forms.ReplyForm(request.POST, request.FILES)
    formset = forms.CommitmentFormSet(request.POST, prefix="c")
    if not (form.is_valid() and formset.is_valid()):
        return _refused(request, assignment, "答复没有提交，请按提示修改", reply_form=form,
                        commitment_formset=formset)
    data = form.cleaned_data
    try:
        services.reply_submit(assignment=assignment, by=request.user, text=data["text"], result=data["result"],
                              signer=data["signer"], attachments=data["attachments"], sms=data["sms"],
                              commitments=[f.cleaned_data for f in formset.forms if f.cleaned_data])
    except services.UnitError as refusal:
        return _refused(request, assignment, refusal, reply_form=form, commitment_formset=formset)
    messages.success(request, "答复已提交，已通知代表测评")
    return redirect("suggestions:unit_detail", pk=assignment.pk)


@login_required
@require_POST
def return_request(request, pk: int):
    assignment = _get_assignment(request, pk)
    form = forms.ReturnForm(request.POST)
    if not form.is_valid():
        return _refused(request, assignment, "退回申请没有提交，请按提示修改", return_form=form)
    try:
        services.return_request(assignment=assignment, by=request.user, reason=form.cleaned_data["reason"])
    except services.UnitError as refusal:
        return _refused(request, assignment, refusal, return_form=form)
    messages.success(request, "退回申请已提交，等待人大常委会办事机构决定")
    return redirect("suggestions:unit_detail", pk=assignment.pk)


@login_required
def commitment_deliver(request, pk: int):
    """Record that a commitment was carried out, with the date, a note and evidence."""
    if request.method not in ("GET", "POST"):
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["GET", "POST"])
    _require_unit(request)
    commitment = get_object_or_404(
        Commitment.objects.select_related("reply__assignment__unit", "reply__suggestion__lead")
        .filter(reply__assignment__in=_assignments(request.user)), pk=pk)
    assignment = commitment.reply.assignment
    form = forms.DeliverForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.commitment_deliver(commitment=commitment, by=request.user, delivered_on=data["delivered_on"],
                                        note=data["note"], files=data["files"])
        except services.UnitError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "承诺事项已登记落实")
            return redirect("suggestions:unit_detail", pk=assignment.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "suggestions/unit/deliver.html",
                  {"commitment": commitment, "assignment": assignment, "suggestion": commitment.reply.suggestion,
                   "form": form}, status=status)


# ---------------------------------------------------------------------------------------------------------------
# Files of replies and evidence: whoever may see the suggestion may open them


@login_required
@require_GET
def reply_file(request, kind: str, pk: int):
    if kind == "reply":
        row = get_object_or_404(ReplyAttachment.objects.select_related("reply"), pk=pk)
        suggestion_id = row.reply.suggestion_id
    elif kind == "evidence":
        row = get_object_or_404(CommitmentEvidence.objects.select_related("commitment__reply"), pk=pk)
        suggestion_id = row.commitment.reply.suggestion_id
    else:
        raise Http404("未知的文件")
    if not scoped(Suggestion.objects.filter(pk=suggestion_id), request.user).exists():
        raise Http404("未找到，或不在您的权限范围内")
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.title)


urlpatterns = [
    path("unit/", unit_inbox, name="unit_inbox"),
    path("unit/<int:pk>/", unit_detail, name="unit_detail"),
    path("unit/<int:pk>/phone/", unit_reveal_phone, name="unit_reveal_phone"),
    path("unit/<int:pk>/contact/", contact_add, name="contact_add"),
    path("unit/<int:pk>/co-opinion/", co_opinion, name="co_opinion"),
    path("unit/<int:pk>/reply/", reply, name="reply"),
    path("unit/<int:pk>/return/", return_request, name="return_request"),
    path("unit/commitment/<int:pk>/deliver/", commitment_deliver, name="commitment_deliver"),
    path("file/<str:kind>/<int:pk>/", reply_file, name="reply_file"),
]

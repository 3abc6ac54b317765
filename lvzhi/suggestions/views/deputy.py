"""Suggestion views, the deputy's side: my suggestions, the draft form with similar suggestions beside it, the
co-signer invitation, the suggestion as its deputy follows it, and the rating of the reply (joined in urls.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lvzhi.accounts.models import Role
from lvzhi.core.masking import mask_phone

from .. import selectors, similarity
from ..forms import DraftForm, InviteForm, RatingForm
from ..models import Rating, Signature, Suggestion
from ..services import deputy as services
from ..workflow import SuggestionError

S = Suggestion.State


def _require_deputy(request) -> None:
    if request.user.role != Role.DEPUTY or not request.user.person_id:
        raise PermissionDenied("此页面供代表本人使用")


def _partial(request) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.history_restore_request


def _own_led(request, pk: int) -> Suggestion:
    """A suggestion the deputy leads; 404 for anyone else's (co-signers see it, but cannot edit it)."""
    suggestion = selectors.deputy_suggestion(request.user, pk)
    if suggestion.lead_id != request.user.person_id:
        raise Http404("未找到，或不在您的权限范围内")
    return suggestion


def _row(suggestion: Suggestion, person_id: int, today) -> dict:
    mine = suggestion.my_signatures[0] if suggestion.my_signatures else None
    units = selectors.current_units(suggestion)
    return {"s": suggestion, "is_lead": suggestion.lead_id == person_id, "signature": mine,
            "units": [a for a in units if a.role == "lead"], "co_units": [a for a in units if a.role == "co"],
            "days_left": selectors.days_left(suggestion, today), "badge": STATE_BADGES.get(suggestion.state, "")}


STATE_BADGES = {S.DRAFT: "", S.RETURNED: "badge-warn", S.SUBMITTED: "", S.REPLIED: "badge-warn",
                S.RATED: "badge-ok", S.CLOSED: "badge-ok", S.OPINION: "badge-bad", S.WITHDRAWN: "badge-bad"}


@login_required
@require_GET
def my_list(request):
    _require_deputy(request)
    today = timezone.localdate()
    rows = [_row(s, request.user.person_id, today) for s in selectors.my_suggestions(request.user)]
    invitations = [r for r in rows if r["signature"] and r["signature"].role == Signature.Role.CO
                   and r["signature"].status == Signature.Status.INVITED]
    return render(request, "suggestions/deputy/my_list.html", {
        "led": [r for r in rows if r["is_lead"]],
        "cosigned": [r for r in rows if not r["is_lead"] and r not in invitations],
        "invitations": invitations,
    })


def _draft_page(request, form, suggestion=None, invite_form=None):
    text = f"{form['title'].value() or ''} {form['request'].value() or ''}"
    similar = similarity.similar_suggestions(text=text, user=request.user,
                                             exclude=suggestion.pk if suggestion else None)
    return render(request, "suggestions/deputy/draft_form.html", {
        "form": form, "suggestion": suggestion, "similar": similar, "invite_form": invite_form,
        "signatures": list(suggestion.signatures.all()) if suggestion else [],
    })


@login_required
@require_http_methods(["GET", "POST"])
def draft_new(request):
    _require_deputy(request)
    form = DraftForm(request.POST or None, user=request.user)
    if not form.fields["term"].queryset.exists():
        raise PermissionDenied("您目前没有在任的代表资格，不能提出建议")
    if request.method == "POST" and form.is_valid():
        try:
            fields = form.service_fields()
            suggestion = services.suggestion_draft_create(by=request.user, term=form.cleaned_data["term"], **fields)
        except SuggestionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "草稿已保存。可以继续修改、邀请代表附议，写好后提交。")
            return redirect("suggestions:draft_edit", suggestion.pk)
    return _draft_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def draft_edit(request, pk: int):
    _require_deputy(request)
    suggestion = _own_led(request, pk)
    if suggestion.state not in (S.DRAFT, S.RETURNED):
        return redirect("suggestions:detail", suggestion.pk)
    initial = {"term": suggestion.term_id, "sitting": suggestion.sitting_id, "kind": suggestion.kind,
               "title": suggestion.title, "background": suggestion.background, "request": suggestion.request}
    form = DraftForm(request.POST or None, initial=initial, user=request.user, suggestion=suggestion)
    if request.method == "POST" and form.is_valid():
        try:
            services.suggestion_draft_update(suggestion=suggestion, by=request.user, **form.service_fields())
            if request.POST.get("action") == "submit":
                services.suggestion_submit(suggestion=suggestion, by=request.user)
                messages.success(request, "已提交。工作机构审查立案后会给出建议编号，交办后可在此查看办理进度。")
                return redirect("suggestions:detail", suggestion.pk)
        except SuggestionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "草稿已保存。")
            return redirect("suggestions:draft_edit", suggestion.pk)
    return _draft_page(request, form, suggestion, InviteForm(suggestion=suggestion))


@login_required
@require_GET
def similar(request):
    """The HTMX fragment beside the draft form: similar suggestions for what the deputy has typed so far."""
    _require_deputy(request)
    text = f"{request.GET.get('title', '')} {request.GET.get('request', '')}"[:similarity.MAX_TEXT]
    exclude = request.GET.get("draft")
    found = similarity.similar_suggestions(text=text, user=request.user,
                                           exclude=int(exclude) if (exclude or "").isdigit() else None)
    return render(request, "suggestions/deputy/draft_form.html#similar", {"similar": found})


def _similar_scope_suggestion(request, pk: int) -> Suggestion:
    """A suggestion the deputy may ask to join: one the similar list may show them."""
    scope = similarity._scope_filter(request.user) or {"pk__in": []}
    qs = Suggestion.objects.filter(**scope).exclude(state__in=similarity.HIDDEN_STATES)
    return get_object_or_404(qs.select_related("term__congress", "lead"), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def cosign(request, pk: int):
    """GET: the invitation as the invited deputy sees it. POST action=invite (the lead), confirm / decline (the
    invited deputy), request (a deputy asking the lead of a similar suggestion to add them)."""
    _require_deputy(request)
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "request":
        suggestion = _similar_scope_suggestion(request, pk)
        try:
            services.cosign_request(suggestion=suggestion, by=request.user)
        except SuggestionError as exc:
            message, ok = str(exc), False
        else:
            message, ok = f"已请{suggestion.lead.name}代表将您列为附议代表。", True
        if _partial(request):
            return render(request, "suggestions/deputy/draft_form.html#cosign_requested",
                          {"message": message, "ok": ok})
        (messages.success if ok else messages.error)(request, message)
        return redirect(request.POST.get("next") or "suggestions:my_list")
    suggestion = selectors.deputy_suggestion(request.user, pk)
    if request.method == "POST":
        try:
            if action == "invite":
                form = InviteForm(request.POST, suggestion=suggestion)
                if suggestion.lead_id != request.user.person_id:
                    raise Http404("未找到，或不在您的权限范围内")
                if not form.is_valid():
                    raise SuggestionError("请选择要邀请的本届在任代表")
                services.cosigner_invite(suggestion=suggestion, persons=[form.cleaned_data["person"]],
                                         by=request.user)
                messages.success(request, f"已邀请{form.cleaned_data['person'].name}代表附议，待其本人确认。")
                return redirect("suggestions:draft_edit", suggestion.pk)
            if action == "confirm":
                services.cosign_confirm(suggestion=suggestion, by=request.user)
                messages.success(request, "您已确认附议，已记入您的履职档案。")
            elif action == "decline":
                services.cosign_decline(suggestion=suggestion, by=request.user)
                messages.success(request, "您已谢绝附议。")
            else:
                raise SuggestionError("无法识别的操作")
        except SuggestionError as exc:
            messages.error(request, str(exc))
            if action == "invite":
                return redirect("suggestions:draft_edit", suggestion.pk)
        return redirect("suggestions:detail", suggestion.pk)
    mine = next((s for s in suggestion.signatures.all() if s.person_id == request.user.person_id), None)
    return render(request, "suggestions/deputy/cosign.html", {"s": suggestion, "signature": mine})


@login_required
@require_GET
def detail(request, pk: int):
    _require_deputy(request)
    suggestion = selectors.deputy_suggestion(request.user, pk)
    assignments = list(suggestion.assignments.all())
    current = [a for a in assignments if a.round == suggestion.round and a.status != "returned"]
    replies = list(suggestion.replies.all())
    ratings = {r.round: r for r in suggestion.ratings.all()}
    is_lead = suggestion.lead_id == request.user.person_id
    return render(request, "suggestions/deputy/detail.html", {
        "s": suggestion, "is_lead": is_lead, "signatures": list(suggestion.signatures.all()),
        "current": [{"a": a, "phone": mask_phone(a.handler_phone)} for a in current],
        "contacts": [c for a in assignments for c in a.contacts.all()],
        "replies": [{"reply": r, "rating": ratings.get(r.round)} for r in replies],
        "days_left": selectors.days_left(suggestion), "events": list(suggestion.events.all()),
        "can_rate": is_lead and suggestion.state == S.REPLIED and suggestion.round not in ratings,
        "can_withdraw": is_lead and suggestion.state in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.PRESIDIUM),
        "can_edit": is_lead and suggestion.state in (S.DRAFT, S.RETURNED),
        "badge": STATE_BADGES.get(suggestion.state, ""),
    })


@login_required
@require_POST
def withdraw(request, pk: int):
    _require_deputy(request)
    suggestion = _own_led(request, pk)
    try:
        services.suggestion_withdraw(suggestion=suggestion, by=request.user, reason=request.POST.get("reason", ""))
    except SuggestionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已撤回。")
    return redirect("suggestions:detail", suggestion.pk)


@login_required
@require_http_methods(["GET", "POST"])
def rate(request, pk: int):
    _require_deputy(request)
    suggestion = selectors.deputy_suggestion(request.user, pk)
    if suggestion.lead_id != request.user.person_id:
        raise PermissionDenied("测评只能由领衔代表本人进行，附议代表不能代为测评")
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rating = services.rating_submit(suggestion=suggestion, by=request.user, **form.cleaned_data)
        except SuggestionError as exc:
            form.add_error(None, str(exc))
        else:
            if rating.overall == Rating.Verdict.UNSATISFIED:
                messages.success(request, "已提交测评。您不满意，建议将重新办理，新的办结时限见下方。")
            else:
                messages.success(request, f"已提交测评：{rating.get_overall_display()}。谢谢！")
            return redirect("suggestions:detail", suggestion.pk)
    reply = next((r for r in suggestion.replies.all() if r.round == suggestion.round), None)
    return render(request, "suggestions/deputy/rate.html", {"s": suggestion, "form": form, "reply": reply,
                                                            "open": suggestion.state == S.REPLIED})


urlpatterns = [
    path("mine/", my_list, name="my_list"),
    path("mine/new/", draft_new, name="draft_new"),
    path("mine/similar/", similar, name="similar"),
    path("mine/<int:pk>/edit/", draft_edit, name="draft_edit"),
    path("mine/<int:pk>/", detail, name="detail"),
    path("mine/<int:pk>/cosign/", cosign, name="cosign"),
    path("mine/<int:pk>/withdraw/", withdraw, name="withdraw"),
    path("mine/<int:pk>/rate/", rate, name="rate"),
]

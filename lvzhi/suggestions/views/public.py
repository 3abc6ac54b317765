"""Public pages (no login): the suggestions and replies the office chose to publish (``is_public``).

Only what a published reply shows: number, title, content, the handling unit, the reply text and its result
class, the commitments and whether each was delivered, and the lead deputy's name and level. Nothing else about
any person. Rate-limited by address.
"""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from lvzhi.core.views import ratelimited

from ..models import Assignment, Commitment, Reply, Suggestion

PUBLIC_RATE = "60/m"
PAGE_SIZE = 20


def _published():
    return (Suggestion.objects.filter(is_public=True, kind=Suggestion.Kind.SUGGESTION)
            .exclude(state__in=[Suggestion.State.DRAFT, Suggestion.State.WITHDRAWN])
            .select_related("lead", "term__congress", "category"))


@require_GET
@ratelimit(key="ip", rate=PUBLIC_RATE, method="GET", block=False)
def public_list(request):
    if getattr(request, "limited", False):
        return ratelimited(request)
    q = request.GET.get("q", "").strip()[:50].replace("\x00", "")
    rows = _published()
    if q:
        rows = rows.filter(title__icontains=q)
    rows = rows.order_by("-published_at", "-pk").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.filter(role=Assignment.Role.LEAD)
                 .exclude(status=Assignment.Status.RETURNED).select_related("unit").order_by("-round"),
                 to_attr="lead_assignments"),
        Prefetch("replies", queryset=Reply.objects.order_by("-round"), to_attr="reply_list"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "suggestions/public/list.html", {"page": page, "q": q})


@require_GET
@ratelimit(key="ip", rate=PUBLIC_RATE, method="GET", block=False)
def public_detail(request, pk: int):
    if getattr(request, "limited", False):
        return ratelimited(request)
    suggestion = _published().filter(pk=pk).prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.exclude(status=Assignment.Status.RETURNED)
                 .select_related("unit").order_by("round", "-role", "pk"), to_attr="assignment_list"),
        Prefetch("replies", queryset=Reply.objects.order_by("round").prefetch_related(
            Prefetch("commitments", queryset=Commitment.objects.order_by("due_date", "pk"), to_attr="commitment_list")),
            to_attr="reply_list")).first()
    if suggestion is None:
        raise Http404("未找到该公开建议")
    return render(request, "suggestions/public/detail.html", {"s": suggestion})


urlpatterns = [
    path("public/", public_list, name="public_list"),
    path("public/<int:pk>/", public_detail, name="public_detail"),
]

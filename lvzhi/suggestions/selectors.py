"""Read helpers of the suggestions module (shared). The deputy's helpers come first; other sides add theirs below."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from lvzhi.core.scoping import get_scoped_or_404, scoped

from .models import Assignment, ContactLog, Rating, Reply, Signature, Suggestion, SuggestionEvent

# ---------------------------------------------------------------------------------------------------------------
# Deputy


def days_left(suggestion: Suggestion, today: dt.date | None = None) -> int | None:
    """Days until the deadline (negative when overdue) while a unit is handling it; None otherwise."""
    if not suggestion.deadline or suggestion.state not in (Suggestion.State.ASSIGNED, Suggestion.State.HANDLING):
        return None
    return (suggestion.deadline - (today or timezone.localdate())).days


def my_suggestions(user):
    """The suggestions a deputy leads or co-signs (not those they declined), newest first, with what the list
    shows: the lead, the term, the sitting and the units of the current round (a fixed number of queries)."""
    return (scoped(Suggestion.objects.all(), user)
            .exclude(signatures__person_id=user.person_id, signatures__status=Signature.Status.DECLINED)
            .select_related("lead", "term__congress", "sitting")
            .prefetch_related(Prefetch("assignments", to_attr="all_assignments",
                                       queryset=Assignment.objects.select_related("unit")
                                       .exclude(status=Assignment.Status.RETURNED).order_by("-role", "id")),
                              Prefetch("signatures", to_attr="my_signatures",
                                       queryset=Signature.objects.filter(person_id=user.person_id)))
            .distinct().order_by("-created_at", "-id"))


def current_units(suggestion: Suggestion) -> list[Assignment]:
    assignments = getattr(suggestion, "all_assignments", None)
    if assignments is None:
        assignments = list(suggestion.assignments.select_related("unit")
                           .exclude(status=Assignment.Status.RETURNED).order_by("-role", "id"))
    return [a for a in assignments if a.round == suggestion.round]


def deputy_suggestion(user, pk: int) -> Suggestion:
    """One suggestion the deputy leads or was invited to co-sign, with everything the detail page shows; 404
    for anyone else's."""
    qs = (Suggestion.objects.select_related("lead", "term__congress", "sitting", "category")
          .prefetch_related(
              Prefetch("signatures", queryset=Signature.objects.select_related("person").order_by("-role", "id")),
              Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("round", "-role")),
              Prefetch("assignments__contacts", queryset=ContactLog.objects.order_by("date", "id")),
              Prefetch("replies", queryset=Reply.objects.prefetch_related("commitments__evidence", "attachments")),
              Prefetch("ratings", queryset=Rating.objects.order_by("round")),
              Prefetch("events", queryset=SuggestionEvent.objects.select_related("by").order_by("at", "id"))))
    return get_scoped_or_404(qs, user, pk=pk)

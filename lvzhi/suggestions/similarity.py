"""Similar suggestions while a deputy drafts: Chinese text similarity with no downloaded model.

A text is cut into character bigrams inside each run of Chinese characters, letters and digits (punctuation and
spaces break runs). Each submitted suggestion's distinct bigrams of title + request are kept in an inverted index
(``SuggestionGram``: gram → suggestion), written when it is submitted or edited after being returned.

A lookup takes the draft's bigrams, counts how many indexed suggestions hold each (document frequency, one grouped
query), keeps the rarest ones as probes (common bigrams such as 建议、关于 say little), takes the suggestions in the
user's scope that share the most probes (a second grouped query), and scores those candidates in Python: a cosine
over bigram sets weighted by IDF (log N/df), so sharing rare words counts more than sharing common ones.
"""

from __future__ import annotations

import math
import re

from django.db.models import Count

from lvzhi.accounts.models import Role
from lvzhi.core.models import prefix_range

from .models import Suggestion, SuggestionGram

S = Suggestion.State

_BREAK = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|关于|的建议|建议|的议案|议案")
# Common phrasing of every suggestion; not worth probing or scoring.
STOP_GRAMS = frozenset({"关于", "建议", "的建", "议案", "问题", "进一步", "一步", "进一", "加强", "我们", "相关",
                        "有关", "工作", "部门", "情况", "目前", "存在", "以及", "进行", "希望", "要求", "的问", "题的"})
HIDDEN_STATES = (S.DRAFT, S.WITHDRAWN)
PROBES = 12  # rarest bigrams used to find candidates
CANDIDATES = 200  # candidates scored in Python
MIN_SCORE = 0.12
MAX_TEXT = 4000


def grams(text: str) -> set[str]:
    """The distinct character bigrams of ``text`` (lower-cased; punctuation and spaces break runs)."""
    out: set[str] = set()
    for run in _BREAK.split((text or "")[:MAX_TEXT].lower()):
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out - STOP_GRAMS


def suggestion_text(suggestion: Suggestion) -> str:
    return f"{suggestion.title} {suggestion.request}"


def index_suggestion(suggestion: Suggestion) -> int:
    """(Re)write the suggestion's bigrams in the index; a draft or withdrawn suggestion is kept out of it."""
    SuggestionGram.objects.filter(suggestion=suggestion).delete()
    if suggestion.state in HIDDEN_STATES:
        return 0
    rows = [SuggestionGram(suggestion=suggestion, gram=g) for g in sorted(grams(suggestion_text(suggestion)))]
    SuggestionGram.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def unindex_suggestion(suggestion: Suggestion) -> None:
    SuggestionGram.objects.filter(suggestion=suggestion).delete()


def _scope_filter(user) -> dict | None:
    """Suggestions a user may see among the similar ones: a deputy sees those of the congresses in which they hold a
    current mandate (every deputy's, any year); staff those of their region; a unit and others nothing."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.role == Role.DEPUTY and user.person_id:
        from lvzhi.people.models import Mandate

        regions = list(Mandate.objects.filter(person_id=user.person_id, status=Mandate.Status.ACTIVE,
                                              term__is_current=True)
                       .values_list("term__congress__region_id", flat=True).distinct())
        return {"region_code__in": regions} if regions else None
    if user.role in (Role.OFFICE, Role.TOWNSHIP, Role.LEADER) and user.region_id:
        low, high = prefix_range(user.scope_prefix)
        return {"region_code__gte": low, "region_code__lte": high}
    return None


def similar_suggestions(*, text: str, user, limit: int = 5, exclude=None) -> list[tuple[Suggestion, float]]:
    """The submitted suggestions in ``user``'s scope most like ``text`` (title + request of a draft), best first,
    each with a score in 0..1; ``exclude`` is a suggestion id (or ids) to leave out (the draft itself)."""
    query = grams(text)
    scope = _scope_filter(user)
    if len(query) < 2 or scope is None:
        return []
    df = dict(SuggestionGram.objects.filter(gram__in=query).values("gram").annotate(n=Count("id"))
              .values_list("gram", "n"))
    known = [g for g in query if df.get(g)]
    if not known:
        return []
    total = max(_indexed_count(), 1)
    idf = {g: math.log(1 + total / df[g]) for g in known}
    probes = sorted(known, key=lambda g: df[g])[:PROBES]
    excluded = [exclude] if isinstance(exclude, int) else list(exclude or [])
    candidate_rows = (SuggestionGram.objects.filter(gram__in=probes)
                      .filter(**{f"suggestion__{k}": v for k, v in scope.items()})
                      .exclude(suggestion__state__in=HIDDEN_STATES)
                      .exclude(suggestion_id__in=excluded)
                      .values("suggestion_id").annotate(hits=Count("id")).order_by("-hits", "-suggestion_id")
                      .values_list("suggestion_id", flat=True)[:CANDIDATES])
    ids = list(candidate_rows)
    if not ids:
        return []
    mean_idf = sum(idf.values()) / len(idf)
    query_norm = math.sqrt(sum(idf.get(g, mean_idf) ** 2 for g in query))
    scored = []
    for suggestion in Suggestion.objects.filter(pk__in=ids).only("id", "title", "request"):
        theirs = grams(suggestion_text(suggestion))
        if not theirs:
            continue
        shared = query & theirs
        dot = sum(idf.get(g, mean_idf) ** 2 for g in shared)
        norm = math.sqrt(sum(idf.get(g, mean_idf) ** 2 for g in theirs))
        score = dot / (query_norm * norm) if norm else 0.0
        if score >= MIN_SCORE:
            scored.append((score, suggestion.pk))
    scored.sort(reverse=True)
    best = scored[:limit]
    full = Suggestion.objects.select_related("lead", "term__congress", "sitting").in_bulk([pk for _, pk in best])
    return [(full[pk], round(score, 3)) for score, pk in best if pk in full]


def _indexed_count() -> int:
    """How many suggestions are indexed (N of the IDF); counted on the index's distinct suggestions."""
    return Suggestion.objects.exclude(state__in=HIDDEN_STATES).count()

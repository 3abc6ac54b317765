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
from collections import Counter

from django.db import connection

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
DF_CAP = 2000  # document frequencies are counted up to this (a gram this common says little)
PROBE_CAP = 1500  # ids taken from each probe's postings, newest first
CANDIDATES = 200  # candidates scored in Python (twice as many are read, before the scope is applied)
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


def _capped_df(query: set[str]) -> dict[str, int]:
    """How many indexed suggestions hold each gram, counted up to DF_CAP (one query; bounded cost however common
    a gram is: anything at the cap is simply "common")."""
    table = connection.ops.quote_name(SuggestionGram._meta.db_table)
    parts, params = [], []
    for i, gram in enumerate(sorted(query)):
        parts.append(f"SELECT %s, COUNT(*) FROM (SELECT 1 FROM {table} WHERE gram = %s LIMIT {DF_CAP}) AS d{i}")
        params += [gram, gram]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {gram: n for gram, n in cursor.fetchall() if n}


def _probe_hits(probes: list[str]) -> Counter:
    """Suggestion id → how many probes it holds; each probe contributes at most PROBE_CAP ids, newest first."""
    table = connection.ops.quote_name(SuggestionGram._meta.db_table)
    parts = [f"SELECT suggestion_id FROM (SELECT suggestion_id FROM {table} WHERE gram = %s "
             f"ORDER BY suggestion_id DESC LIMIT {PROBE_CAP}) AS p{i}" for i in range(len(probes))]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), probes)
        return Counter(row[0] for row in cursor.fetchall())


def similar_suggestions(*, text: str, user, limit: int = 5, exclude=None) -> list[tuple[Suggestion, float]]:
    """The submitted suggestions in ``user``'s scope most like ``text`` (title + request of a draft), best first,
    each with a score in 0..1; ``exclude`` is a suggestion id (or ids) to leave out (the draft itself)."""
    query = grams(text)
    scope = _scope_filter(user)
    if len(query) < 2 or scope is None:
        return []
    df = _capped_df(query)
    if not df:
        return []
    total = max(_indexed_estimate(), DF_CAP)
    idf = {g: math.log(1 + total / n) for g, n in df.items()}
    probes = sorted(df, key=lambda g: (df[g], g))[:PROBES]
    hits = _probe_hits(probes)
    excluded = {exclude} if isinstance(exclude, int) else set(exclude or [])
    ids = [pk for pk, _ in hits.most_common(CANDIDATES * 2) if pk not in excluded]
    if not ids:
        return []
    mean_idf = sum(idf.values()) / len(idf)
    query_norm = math.sqrt(sum(idf.get(g, mean_idf) ** 2 for g in query))
    scored = []
    rows = (Suggestion.objects.filter(pk__in=ids, **scope).exclude(state__in=HIDDEN_STATES)
            .values_list("pk", "title", "request"))
    for pk, title, request in rows:
        theirs = grams(f"{title} {request}")
        if not theirs:
            continue
        dot = sum(idf.get(g, mean_idf) ** 2 for g in query & theirs)
        norm = math.sqrt(sum(idf.get(g, mean_idf) ** 2 for g in theirs))
        score = dot / (query_norm * norm) if norm else 0.0
        if score >= MIN_SCORE:
            scored.append((score, pk))
    scored.sort(reverse=True)
    best = scored[:limit]
    full = Suggestion.objects.select_related("lead", "term__congress", "sitting").in_bulk([pk for _, pk in best])
    return [(full[pk], round(score, 3)) for score, pk in best if pk in full]


def _indexed_estimate() -> int:
    """N of the IDF: the highest suggestion id is close enough to how many there are, and costs nothing."""
    return Suggestion.objects.order_by("-pk").values_list("pk", flat=True).first() or 1

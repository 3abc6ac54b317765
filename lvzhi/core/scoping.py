"""One scoping mechanism for every queryset: the user's region subtree and role decide what rows exist for them.

Each scoped model declares ``scope = ScopeRule(...)`` naming the lookups that lead from the row to a region
code, a person and a unit. A row outside the user's scope is simply absent, so direct access answers 404.
"""

from dataclasses import dataclass

from django.db import models
from django.http import Http404

from .models import prefix_range


@dataclass(frozen=True)
class ScopeRule:
    region: str | None = None  # lookup to a region code, e.g. "region_id" or "person__region_id"
    person: str | None = None  # lookup to the person a deputy must be, e.g. "id" or "person_id"
    unit: str | None = None  # lookup to the unit a handler must belong to
    public: bool = False  # reference data every signed-in user may read (regions, dictionaries)


def scoped(queryset: models.QuerySet, user) -> models.QuerySet:
    from lvzhi.accounts.models import Role

    rule: ScopeRule | None = getattr(queryset.model, "scope", None)
    if rule is None:
        raise TypeError(f"{queryset.model.__name__} 没有声明 scope，不能按用户范围查询")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if rule.public:
        return queryset
    role = user.role
    if role in (Role.OFFICE, Role.TOWNSHIP, Role.LEADER):
        if rule.region is None or not user.region_id:
            return queryset.none()
        low, high = prefix_range(user.scope_prefix)
        return queryset.filter(**{f"{rule.region}__gte": low, f"{rule.region}__lte": high})
    if role == Role.DEPUTY:
        if rule.person is None or not user.person_id:
            return queryset.none()
        return queryset.filter(**{rule.person: user.person_id})
    if role == Role.UNIT:
        if rule.unit is None or not user.unit_id:
            return queryset.none()
        return queryset.filter(**{rule.unit: user.unit_id})
    return queryset.none()


def get_scoped_or_404(queryset: models.QuerySet, user, **lookup):
    try:
        return scoped(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到，或不在您的权限范围内") from exc

"""Reads for the administrator pages: the account list and the audit trail, each in a fixed number of queries."""

import datetime as dt

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from lvzhi.core.audit import EVENT_LABELS

from .models import User

ACTION_LABELS = {
    LogEntry.Action.CREATE: "新增",
    LogEntry.Action.UPDATE: "修改",
    LogEntry.Action.DELETE: "删除",
    LogEntry.Action.ACCESS: "查看",
}


def locked_usernames_query():
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return (
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .values("username")
    )


def user_list(*, q: str = "", role: str = "", status: str = "") -> QuerySet:
    users = User.objects.select_related("region", "person", "unit").order_by("username")
    q = q.strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q) | Q(person__name=q))
    if role:
        users = users.filter(role=role)
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "disabled":
        users = users.filter(is_active=False)
    elif status == "locked":
        users = users.filter(username__in=locked_usernames_query())
    elif status == "must_change":
        users = users.filter(must_change_password=True)
    return users


def audited_content_types() -> list[ContentType]:
    """The object types an administrator can filter the trail by: every model audit covers."""
    models = [*auditlog.get_models(), User]
    types = ContentType.objects.get_for_models(*models)
    return sorted(set(types.values()), key=lambda ct: str(ct.model_class()._meta.verbose_name))


def audit_entries(*, actor: str = "", content_type: int | None = None, operation: str = "",
                  date_from: dt.date | None = None, date_to: dt.date | None = None, text: str = "") -> QuerySet:
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id")
    actor = actor.strip()
    if actor:
        entries = entries.filter(
            Q(actor__username__icontains=actor) | Q(actor__display_name__icontains=actor)
            | Q(actor_email__icontains=actor)
        )
    if content_type:
        entries = entries.filter(content_type_id=content_type)
    if operation.startswith("action:"):
        entries = entries.filter(action=int(operation.split(":", 1)[1]))
    elif operation.startswith("event:"):
        entries = entries.filter(additional_data__event=operation.split(":", 1)[1])
    tz = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(timestamp__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        entries = entries.filter(timestamp__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    text = text.strip()
    if text:
        condition = Q(object_repr__icontains=text) | Q(additional_data__note__icontains=text)
        if text.isdigit():
            condition |= Q(object_pk=text)
        entries = entries.filter(condition)
    return entries


def operation_choices() -> list:
    return [
        ("", "全部操作"),
        ("基本操作", [(f"action:{value}", label) for value, label in ACTION_LABELS.items()]),
        ("事件", [(f"event:{name}", label) for name, label in EVENT_LABELS.items()]),
    ]


def _field_label(model, name: str) -> str:
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field since removed, or an event key that is not a field
        return name


def describe_entry(entry: LogEntry) -> dict:
    """What a person reads in the trail: the operation in Chinese and each change as field: old → new."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    event = data.get("event", "")
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    rows = []
    for name, values in changes.items():
        if isinstance(values, list | tuple) and len(values) == 2:
            old, new = values
        else:  # many-to-many changes and other shapes: show them as they are
            old, new = "", values
        rows.append({"field": _field_label(model, name), "old": _plain(old), "new": _plain(new)})
    return {
        "entry": entry,
        "operation": EVENT_LABELS.get(event, event) if event else ACTION_LABELS.get(entry.action, str(entry.action)),
        "object_type": str(model._meta.verbose_name) if model else "",
        "note": data.get("note", ""),
        "changes": rows,
        "actor": str(entry.actor) if entry.actor_id else (entry.actor_email or "系统"),
        "actor_username": entry.actor.username if entry.actor_id else "",
    }


def _plain(value) -> str:
    if value is None or value == "None":
        return "（空）"
    return str(value)


def person_candidates(*, name: str, tail: str, selected=None) -> list:
    """Persons a deputy's account may be linked to, found by name and the last four ID digits together, so
    an administrator finds the one person they were asked to link and does not browse the roster."""
    from lvzhi.people.models import Person

    found = []
    if name.strip() and tail:
        found = list(
            Person.objects.filter(name__icontains=name.strip(), id_tail=tail.upper())
            .select_related("region", "account")
            .order_by("name", "id")[:10]
        )
    if selected is not None and selected not in found:
        found.insert(0, selected)
    return found

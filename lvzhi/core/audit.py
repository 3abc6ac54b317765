"""The audit trail: django-auditlog records creates, updates and deletes of registered models; this module
records what it cannot see (state transitions, bulk writes, revealing personal data) in the same log."""

from auditlog.models import LogEntry


def audit_event(obj, *, event: str, actor=None, changes: dict | None = None, note: str = "",
                action: int = LogEntry.Action.UPDATE) -> LogEntry:
    """Record one event about ``obj``; actor and address come from the request context when not given."""
    kwargs = {"action": action, "changes": changes or {}, "additional_data": {"event": event, "note": note}}
    if actor is not None and getattr(actor, "is_authenticated", False):
        kwargs["actor"] = actor
    return LogEntry.objects.log_create(obj, force_log=True, **kwargs)


def audit_access(obj, *, field: str, actor=None) -> LogEntry:
    return audit_event(obj, event="reveal", actor=actor, note=field, action=LogEntry.Action.ACCESS)


EVENT_LABELS = {
    "reveal": "查看完整信息",
    "status_change": "状态变更",
    "import": "名册导入",
    "login": "登录",
    "account_disabled": "停用账号",
    "sessions_ended": "结束会话",
    "review": "审核",
}

"""The audit trail: django-auditlog records creates, updates and deletes of registered models; this module
records what it cannot see (state transitions, bulk writes, revealing personal data) in the same log."""

from auditlog.middleware import AuditlogMiddleware
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
    "logout": "退出登录",
    "login_failed": "登录失败",
    "locked_out": "账号锁定",
    "user_create": "新建账号",
    "user_update": "修改账号",
    "account_enabled": "启用账号",
    "account_unlocked": "解除锁定",
    "password_reset": "重置密码",
    "password_changed": "修改密码",
    "two_factor_enabled": "启用两步验证",
    "two_factor_reset": "重置两步验证",
    "audit_export": "导出审计日志",
    "person_create": "新增人员",
    "person_update": "修改人员",
    "note_submit": "提交笔记",
    "note_resubmit": "重新提交笔记",
}


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, but the address is REMOTE_ADDR only: its default believes the first
    X-Forwarded-For entry, which any client can write. Behind our proxy, ClientAddressMiddleware has already
    put the real client address into REMOTE_ADDR."""

    @staticmethod
    def _get_remote_addr(request):
        return request.META.get("REMOTE_ADDR") or None

    @staticmethod
    def _get_remote_port(request):
        return None

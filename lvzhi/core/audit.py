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
    "certificate_revoke": "撤销结业证书",
    "certificates_issue": "颁发结业证书",
    "checkout": "培训签退",
    "class_list_export": "导出参训名单",
    "class_notice": "发送培训通知",
    "discipline_notice": "发送考勤通报",
    "discussion_delete": "删除讨论意见",
    "discussion_reply": "答复讨论意见",
    "enrol_manual": "手工添加参训人员",
    "enrol_rules": "按条件添加参训人员",
    "group_convener": "指定召集人",
    "group_move": "调整讨论分组",
    "groups_split": "生成讨论分组",
    "handbook_entry_restore": "恢复问答",
    "handbook_entry_deactivate": "停用问答",
    "handbook_import": "导入履职常识问答",
    "handbook_print": "批量印制履职手册",
    "leave_apply": "申请请假",
    "leave_decide": "审批请假",
    "leave_withdraw": "撤回请假",
    "lesson_close": "课程结束考勤归档",
    "lesson_delete": "删除课程",
    "lesson_rate": "课程评价",
    "material_add": "上传课程资料",
    "material_delete": "删除课程资料",
    "quiz_submit": "提交测试",
    "reflection_submit": "提交心得体会",
    "reflection_update": "修改心得体会",
    "roll_call": "座次点名",
    "roll_call_undo": "撤销点名",
    "seat_move": "调整座位",
    "seat_swap": "交换座位",
    "seats_assign": "编排座次",
    "seats_clear": "清空座次",
    "survey_export": "导出调研结果",
    "task_done": "完成任务",
    "task_reopen": "重新打开任务",
    "suggestion_submit": "提交建议",
    "suggestion_submit_motion": "提交议案",
    "suggestion_withdraw": "撤回建议",
    "suggestion_return": "退回建议修改",
    "suggestion_to_opinion": "不予立案转为意见",
    "suggestion_merge": "并案",
    "suggestion_accept": "建议立案",
    "suggestion_motion_accept": "议案立案",
    "suggestion_motion_to_suggestion": "议案转为建议",
    "suggestion_assign": "交办建议",
    "suggestion_unassign": "同意退回交办",
    "suggestion_start": "开始办理建议",
    "suggestion_reply": "答复建议",
    "suggestion_rate": "测评建议答复",
    "suggestion_reopen": "重新办理建议",
    "suggestion_close": "建议办结",
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

"""Deadlines of handling a suggestion, from the congress's HandlingRules (or the 代表法 defaults).

Month periods run from the day of assignment to the same day n months later (clamped to the month's end) and, when
that day is a rest day or a holiday, end on the next working day; working-day periods count the working-day
calendar (core/workdays.py). Each result carries a Chinese note saying how the date was computed."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from lvzhi.core.audit import audit_event
from lvzhi.core.documents import chinese_date
from lvzhi.core.models import Region
from lvzhi.core.workdays import add_months, add_working_days, explain_months
from lvzhi.suggestions.models import HandlingRules

RULE_FIELDS = ["reply_months", "max_extension_months", "return_working_days", "co_opinion_working_days",
               "first_contact_working_days", "rating_working_days", "second_round_months", "remind_before_days",
               "review_after_months"]

# Presets from the regulations in force (texts in shared/law). "basis" names the article for each value; a value
# a regulation does not set keeps the system default and says so; "notes" flags where a regulation counts
# differently from the field (calendar days or months where the system counts working days).
SYSTEM_DEFAULTS = {
    "return_working_days": 7, "co_opinion_working_days": 30, "first_contact_working_days": 20,
    "rating_working_days": 20, "second_round_months": 2, "remind_before_days": 15, "review_after_months": 12,
}
PRESETS: dict[str, dict] = {
    "代表法": {
        "title": "全国人民代表大会和地方各级人民代表大会代表法（2025年修正）",
        "values": {**SYSTEM_DEFAULTS, "reply_months": 3, "max_extension_months": 6},
        "basis": {"reply_months": "第五十一条：自交办之日起三个月内答复",
                  "max_extension_months": "第五十一条：涉及面广、处理难度大的，自交办之日起六个月内答复"},
        "notes": ["代表法未规定退回、协办意见、首次联系、测评和重新办理的期限，沿用本系统默认值，可按本地规定调整。"],
    },
    "浙江省规定": {
        "title": "浙江省人民代表大会代表建议、批评和意见办理的规定（2016年）",
        "values": {**SYSTEM_DEFAULTS, "reply_months": 3, "max_extension_months": 6, "return_working_days": 7,
                   "co_opinion_working_days": 40, "second_round_months": 1},
        "basis": {"reply_months": "第二十一条：接到交办后三个月内书面答复",
                  "max_extension_months": "第二十一条：量大或复杂的，经交办机构同意可延长至六个月",
                  "return_working_days": "第十四条：收到之日起十日内说明情况，经同意后退回",
                  "co_opinion_working_days": "第十八条：会办单位收到之日起两个月内将书面办理意见告知主办单位",
                  "second_round_months": "第二十四条：对答复不满意的，一个月内重新书面答复"},
        "notes": ["退回期限规定为十日（自然日），本系统按工作日计，取7个工作日；遇长假时请核对。",
                  "会办意见期限规定为两个月，本系统按工作日计，取40个工作日。"],
    },
    "重庆市条例": {
        "title": "重庆市人民代表大会代表建议批评和意见工作条例（2017年）",
        "values": {**SYSTEM_DEFAULTS, "reply_months": 3, "max_extension_months": 6, "return_working_days": 10,
                   "co_opinion_working_days": 30, "first_contact_working_days": 20, "rating_working_days": 20,
                   "second_round_months": 2},
        "basis": {"reply_months": "第二十一条：自交办之日起三个月内答复",
                  "max_extension_months": "第二十一条：涉及面广、处理难度大的，六个月内答复",
                  "return_working_days": "第十六条：交办之日起十个工作日内书面说明情况和理由",
                  "co_opinion_working_days": "第二十条：协办单位自交办之日起三十个工作日内报送协办意见",
                  "first_contact_working_days": "第十八条：收到之日起二十个工作日内与代表沟通、联系",
                  "rating_working_days": "第二十七条：代表自收到答复函之日起二十个工作日内评价",
                  "second_round_months": "第二十七条：收到重新办理要求后两个月内书面答复"},
        "notes": [],
    },
    "北京市条例": {
        "title": "北京市人民代表大会代表建议、批评和意见办理条例（2014年）",
        "values": {**SYSTEM_DEFAULTS, "reply_months": 3, "max_extension_months": 6, "rating_working_days": 15,
                   "second_round_months": 2},
        "basis": {"reply_months": "第二十一条：自交办之日起三个月内答复",
                  "max_extension_months": "第二十一条：涉及面广、处理难度大的，经交办机关同意，至迟不超过六个月",
                  "rating_working_days": "第二十三条：代表收到答复意见后十五个工作日内反馈书面意见",
                  "second_round_months": "第二十七条：需要重新办理的，二个月内重新答复"},
        "notes": ["北京市条例未规定退回、协办意见和首次联系的期限，沿用本系统默认值。"],
    },
}
DEFAULT_PRESET = "代表法"


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    note: str


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _candidate_codes(region_code: str) -> list[str]:
    """The region itself and its ancestors' codes, nearest first (township, county, city, province)."""
    codes = []
    for length in (12, 9, 6, 4, 2):
        code = region_code[:length].ljust(12, "0")
        if code not in codes:
            codes.append(code)
    return codes


def default_rules() -> HandlingRules:
    """Unsaved rules with the 代表法 preset, for a congress whose office has not chosen its own."""
    return HandlingRules(preset=DEFAULT_PRESET, **PRESETS[DEFAULT_PRESET]["values"])


def rules_for(region_code: str) -> HandlingRules:
    """The handling rules of the nearest congress up the region tree that has set its own; else the defaults."""
    codes = _candidate_codes(region_code)
    found = {rules.region_id: rules for rules in HandlingRules.objects.filter(region_id__in=codes)}
    return next((found[code] for code in codes if code in found), None) or default_rules()


def _preset_label(rules: HandlingRules) -> str:
    return rules.preset or "本级规则"


def _note(rules: HandlingRules, what: str, explanation: str) -> str:
    return f"{what}（依据{_preset_label(rules)}）：{explanation}"[:200]


def reply_deadline(*, region_code: str, assigned_on: dt.date | dt.datetime, round: int = 1,  # noqa: A002
                   rules: HandlingRules | None = None) -> Deadline:
    """When the reply is due: reply_months after assignment (round 2 and later: second_round_months)."""
    rules = rules or rules_for(region_code)
    months = rules.reply_months if round <= 1 else rules.second_round_months
    result = explain_months(_as_date(assigned_on), months)
    what = "答复期限" if round <= 1 else f"第{round}轮重新办理答复期限"
    return Deadline(result.date, _note(rules, what, result.explanation))


def extension_limit(*, region_code: str, assigned_on: dt.date | dt.datetime,
                    rules: HandlingRules | None = None) -> Deadline:
    """The latest date an extension may reach: max_extension_months after assignment."""
    rules = rules or rules_for(region_code)
    result = explain_months(_as_date(assigned_on), rules.max_extension_months)
    return Deadline(result.date, _note(rules, "延期最长至", result.explanation))


def _working(rules: HandlingRules, days: int, start, what: str) -> Deadline:
    result = add_working_days(_as_date(start), days)
    return Deadline(result.date, _note(rules, what, result.explanation))


def return_window_end(*, region_code: str, assigned_on: dt.date | dt.datetime,
                      rules: HandlingRules | None = None) -> Deadline:
    """The last day a unit may ask to return a suggestion that is not its business."""
    rules = rules or rules_for(region_code)
    return _working(rules, rules.return_working_days, assigned_on, "申请退回期限")


def co_opinion_due(*, region_code: str, assigned_on: dt.date | dt.datetime,
                   rules: HandlingRules | None = None) -> Deadline:
    """When a co-unit's written opinion is due to the lead unit."""
    rules = rules or rules_for(region_code)
    return _working(rules, rules.co_opinion_working_days, assigned_on, "协办意见期限")


def first_contact_due(*, region_code: str, assigned_on: dt.date | dt.datetime,
                      rules: HandlingRules | None = None) -> Deadline:
    """When the lead unit must first have contacted the deputy."""
    rules = rules or rules_for(region_code)
    return _working(rules, rules.first_contact_working_days, assigned_on, "首次联系代表期限")


def rating_due(*, region_code: str, replied_on: dt.date | dt.datetime,
               rules: HandlingRules | None = None) -> Deadline:
    """When the deputy's rating of a reply is due."""
    rules = rules or rules_for(region_code)
    return _working(rules, rules.rating_working_days, replied_on, "代表测评期限")


def follow_up_due(*, region_code: str, closed_on: dt.date | dt.datetime,
                  rules: HandlingRules | None = None) -> dt.date:
    """The 回头看 date: review_after_months after closing."""
    rules = rules or rules_for(region_code)
    return add_months(_as_date(closed_on), rules.review_after_months)


def effective_deadline(assignment) -> dt.date:
    """An assignment's deadline as it stands: the extension when granted, else the original."""
    return assignment.extended_to or assignment.deadline


# ------------------------------------------------------------------------------------------- rules page service


class RulesError(ValueError):
    pass


def rules_save(*, region: Region, preset: str, values: dict, by) -> HandlingRules:
    """Set a congress's rules: a preset's values adjusted by the office; audited."""
    if not by.can("suggestions.manage") or by.role not in {"office", "township"}:
        raise PermissionError("无权修改办理时限规则")
    if preset and preset not in PRESETS:
        raise RulesError("请选择列出的规定")
    if values.get("max_extension_months", 0) < values.get("reply_months", 0):
        raise RulesError("延期后最长期限不能短于答复期限")
    with transaction.atomic():
        rules = HandlingRules.objects.select_for_update().filter(region=region).first() or HandlingRules(region=region)
        before = {field: getattr(rules, field) for field in ["preset", *RULE_FIELDS]} if rules.pk else {}
        rules.preset = preset
        for field in RULE_FIELDS:
            setattr(rules, field, values[field])
        rules.full_clean()
        rules.save()
        after = {field: getattr(rules, field) for field in ["preset", *RULE_FIELDS]}
        changes = {field: [before.get(field), value] for field, value in after.items() if before.get(field) != value}
        audit_event(rules, event="rules_save", actor=by, changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
                    note=preset)
    return rules


# ------------------------------------------------------------------------------------------- reminders


@dataclass
class ReminderReport:
    reminded: int = 0  # assignments whose lead unit and office were reminded before the deadline
    escalated: int = 0  # overdue assignments escalated to the office and the supervising leader
    notices: int = 0  # notices handed to notify()


def _reminder_kind(prefix: str, deadline: dt.date) -> str:
    """One kind per deadline date: an extension gives a new date, so the reminders for the old one are moot."""
    return f"{prefix}:{deadline.isoformat()}"


def _recipients(assignments):
    """Active accounts to notify, read once for all assignments: unit handlers by unit, office staff and leaders by
    the congress's region code."""
    from lvzhi.accounts.models import Role, User

    unit_ids = {a.unit_id for a in assignments}
    codes = {a.suggestion.region_code for a in assignments}
    by_unit, office, leaders = {}, {}, {}
    users = User.objects.filter(is_active=True).filter(
        models.Q(role=Role.UNIT, unit_id__in=unit_ids)
        | models.Q(role__in=[Role.OFFICE, Role.TOWNSHIP, Role.LEADER], region_id__in=codes)
    ).select_related("person")
    for user in users:
        if user.role == Role.UNIT:
            by_unit.setdefault(user.unit_id, []).append(user)
        elif user.role == Role.LEADER:
            leaders.setdefault(user.region_id, []).append(user)
        else:
            office.setdefault(user.region_id, []).append(user)
    return by_unit, office, leaders


def _claim(assignment, kind: str) -> bool:
    """Record that ``kind`` went to ``assignment``; False when it had already gone (a second run, a parallel one)."""
    from lvzhi.suggestions.models import ReminderSent

    try:
        with transaction.atomic():
            ReminderSent.objects.create(assignment=assignment, kind=kind)
    except IntegrityError:
        return False
    return True


def _send_later(users, *, title: str, body: str, link: str) -> int:
    from lvzhi.core.notify import notify

    for user in users:
        transaction.on_commit(lambda user=user: notify(user=user, title=title, body=body, link=link, sms=True))
    return len(users)


def reminders_send(*, today: dt.date | None = None) -> ReminderReport:
    """Remind before and escalate after each lead unit's deadline; each kind once per assignment and deadline date.

    Before the deadline (rules.remind_before_days): the lead unit's handler accounts and the office. After it: the
    office and the congress's leaders. Safe to run any number of times, also concurrently (ReminderSent is unique)."""
    from django.db.models.functions import Coalesce
    from django.urls import reverse

    from lvzhi.suggestions.models import Assignment, Suggestion

    today = today or timezone.localdate()
    widest = max([default_rules().remind_before_days,
                  *HandlingRules.objects.values_list("remind_before_days", flat=True)])
    assignments = list(
        Assignment.objects.filter(role=Assignment.Role.LEAD, status=Assignment.Status.ACTIVE,
                                  suggestion__state__in=[Suggestion.State.ASSIGNED, Suggestion.State.HANDLING])
        .annotate(effective=Coalesce("extended_to", "deadline"))
        .filter(effective__lte=today + dt.timedelta(days=widest))
        .select_related("suggestion", "unit")
        .prefetch_related("reminders")
        .order_by("effective", "id")
    )
    report = ReminderReport()
    if not assignments:
        return report
    by_unit, office, leaders = _recipients(assignments)
    rules_by_code: dict[str, HandlingRules] = {}
    for assignment in assignments:
        suggestion = assignment.suggestion
        code = suggestion.region_code
        rules = rules_by_code.setdefault(code, rules_for(code))
        due = assignment.effective
        sent = {reminder.kind for reminder in assignment.reminders.all()}
        label = f"{suggestion.number_label}《{suggestion.title}》" if suggestion.number_label else f"《{suggestion.title}》"
        if due < today:
            kind = _reminder_kind("overdue", due)
            if kind in sent:
                continue
            with transaction.atomic():
                if not _claim(assignment, kind):
                    continue
                days = (today - due).days
                body = (f"{label}由{assignment.unit.name}主办，办结时限为{chinese_date(due)}，已超期{days}天，"
                        "请督促承办单位尽快答复代表。")
                report.notices += _send_later(office.get(code, []) + leaders.get(code, []),
                                              title=f"建议办理超期：{suggestion.title}", body=body,
                                              link=reverse("suggestions:review", args=[suggestion.pk]))
                report.escalated += 1
        elif due - dt.timedelta(days=rules.remind_before_days) <= today:
            kind = _reminder_kind("due_soon", due)
            if kind in sent:
                continue
            with transaction.atomic():
                if not _claim(assignment, kind):
                    continue
                days = (due - today).days
                left = f"还有{days}天" if days else "今天到期"
                body = f"{label}的办结时限为{chinese_date(due)}，{left}，请按时答复代表。"
                title = f"建议办理即将到期：{suggestion.title}"
                report.notices += _send_later(by_unit.get(assignment.unit_id, []), title=title, body=body,
                                              link=reverse("suggestions:unit_detail", args=[assignment.pk]))
                report.notices += _send_later(office.get(code, []), title=title,
                                              body=f"{label}由{assignment.unit.name}主办，办结时限为{chinese_date(due)}，{left}。",
                                              link=reverse("suggestions:review", args=[suggestion.pk]))
                report.reminded += 1
    return report

"""百分考核: the 100-point assessment of handling units for one office and year.

Four parts, each scored 0–100, weighted by the office's AssessmentWeights for the year (summing to 100):

- 领导职责 and 组织管理: entered by the office (UnitAssessment);
- 办理规范 = 100 × (按时答复率 + 答复前沟通率) / 2, where 按时答复率 = replied on time ÷ due (replied or past the
  limit) and 答复前沟通率 = replies with a 办前 contact on or before the reply ÷ replies;
- 代表满意度 = 100 × (满意 + 基本满意) ÷ rated, from the deputies' own ratings of the latest round.

Total = Σ weight × part / 100, ranked from the highest. A unit with nothing due or rated scores 0 in that part.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from lvzhi.accounts.models import Role
from lvzhi.core.audit import audit_event
from lvzhi.people.models import Unit

from .. import reports
from ..models import AssessmentWeights, UnitAssessment

PARTS = (("leadership", "领导职责"), ("management", "组织管理"), ("procedure", "办理规范"),
         ("satisfaction", "代表满意度"))
FORMULA = (
    "总分 = Σ（权重 × 分项得分）÷ 100；各分项满分 100。办理规范 = (按时答复率 + 答复前沟通率) ÷ 2，"
    "按时答复率 = 在时限（含延期）内答复 ÷ 应答复（已答复或已过时限），答复前沟通率 = 答复前有办前沟通记录 ÷ 已答复；"
    "代表满意度 = 满意和基本满意 ÷ 已测评（最新一轮）。领导职责、组织管理由人大常委会办事机构评定录入。"
)
ONE = Decimal("0.1")


class AssessmentError(Exception):
    """Bad input for the assessment; the message is shown as it is."""


def _require_office(by) -> None:
    if getattr(by, "role", None) != Role.OFFICE or not by.region_id:
        raise PermissionDenied("只有人大常委会办事机构工作人员可以设置百分考核")


def weights_for(region, year: int) -> AssessmentWeights:
    """The weights in force (unsaved defaults 20/20/30/30 when the office has set none)."""
    found = AssessmentWeights.objects.filter(region=region, year=year).first()
    return found or AssessmentWeights(region=region, year=year)


def assessment_weights_save(*, region, year: int, leadership: int, management: int, procedure: int,
                            satisfaction: int, by) -> AssessmentWeights:
    _require_office(by)
    values = {"leadership": leadership, "management": management, "procedure": procedure,
              "satisfaction": satisfaction}
    for name, label in PARTS:
        value = values[name]
        if not isinstance(value, int) or value < 0 or value > 100:
            raise AssessmentError(f"「{label}」的权重应为 0 到 100 的整数")
    total = sum(values.values())
    if total != 100:
        raise AssessmentError(f"四项权重之和应为 100，现在是 {total}，请调整后再保存")
    with transaction.atomic():
        weights, created = AssessmentWeights.objects.select_for_update().get_or_create(
            region=region, year=year, defaults=values)
        before = {k: getattr(weights, k) for k in values}
        if not created:
            for name, value in values.items():
                setattr(weights, name, value)
            weights.save()
        audit_event(weights, event="assessment_weights", actor=by,
                    changes={k: [before[k] if not created else None, v] for k, v in values.items()},
                    note=f"{year}年百分考核权重")
    return weights


def _score(value, label: str) -> Decimal:
    try:
        score = Decimal(str(value).strip() or "0")
    except ArithmeticError as exc:
        raise AssessmentError(f"「{label}」应为数字") from exc
    if not score.is_finite() or score < 0 or score > 100:
        raise AssessmentError(f"「{label}」得分应在 0 到 100 之间")
    return score.quantize(ONE, ROUND_HALF_UP)


def unit_assessment_save(*, region, year: int, unit: Unit, leadership, management, note: str = "",
                         by) -> UnitAssessment:
    """The office's own scores (领导职责、组织管理) for one unit; the other two parts are computed."""
    _require_office(by)
    values = {"leadership": _score(leadership, "领导职责"), "management": _score(management, "组织管理"),
              "note": (note or "").strip()[:2000]}
    with transaction.atomic():
        row, created = UnitAssessment.objects.select_for_update().get_or_create(
            region=region, year=year, unit=unit, defaults=values)
        before = {k: str(getattr(row, k)) for k in values}
        if not created:
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
        audit_event(row, event="unit_assessment", actor=by,
                    changes={k: [None if created else before[k], str(v)] for k, v in values.items()},
                    note=f"{year}年 {unit.name}")
    return row


@dataclass
class AssessmentRow:
    unit_id: int
    unit_name: str
    figures: dict
    parts: dict = field(default_factory=dict)
    total: Decimal = Decimal(0)
    rank: int = 0
    note: str = ""


def _rate(part: int, whole: int) -> Decimal:
    return Decimal(part) / Decimal(whole) if whole else Decimal(0)


def assessment_table(user, year: int, *, today=None, by_unit: list[dict] | None = None,
                     ) -> tuple[AssessmentWeights, list[AssessmentRow]]:
    """Every unit with suggestions in the year (in the user's scope), scored and ranked; constant queries.
    ``by_unit``: the year's figures by unit when the caller has them already (reports.figures)."""
    weights = weights_for(user.region, year) if user.region_id else AssessmentWeights(year=year)
    figures = by_unit if by_unit is not None else reports.figures(user, reports.Period(year=year), today=today)["by_unit"]
    entered = {a.unit_id: a for a in UnitAssessment.objects.filter(region_id=user.region_id, year=year)}
    rows = []
    for f in figures:
        a = entered.get(f["unit_id"])
        procedure = 100 * (_rate(f["on_time"], f["due"]) + _rate(f["contacted"], f["replied"])) / 2
        satisfaction = 100 * _rate(f["satisfied"], f["rated"])
        parts = {"leadership": a.leadership if a else Decimal(0), "management": a.management if a else Decimal(0),
                 "procedure": procedure.quantize(ONE, ROUND_HALF_UP),
                 "satisfaction": satisfaction.quantize(ONE, ROUND_HALF_UP)}
        total = sum(Decimal(getattr(weights, name)) * parts[name] for name, _ in PARTS) / 100
        rows.append(AssessmentRow(unit_id=f["unit_id"], unit_name=f["unit__name"], figures=f, parts=parts,
                                  total=total.quantize(ONE, ROUND_HALF_UP), note=a.note if a else ""))
    rows.sort(key=lambda r: (-r.total, r.unit_name))
    for i, row in enumerate(rows):
        row.rank = rows[i - 1].rank if i and rows[i - 1].total == row.total else i + 1
    return weights, rows

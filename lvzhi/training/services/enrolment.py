"""Who is in a class (参训): enrolment by rules and by hand, withdrawal, and the class notice.

Every enrolment belongs to a class delegation (代表团: from the person's delegation, else their home township,
whose congress office approves their leave and receives the discipline notice) and, in 分片培训, to the area that
covers their township. Applying the same rules again adds only those still missing."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from lvzhi.core.audit import audit_event
from lvzhi.core.models import Region, prefix_range
from lvzhi.core.notify import notify
from lvzhi.people.models import LEVEL_DEPUTY_LABEL, Delegation, Level, Mandate, Person

from ..models import ClassArea, ClassDelegation, ClassForm, Enrollment, TrainingClass
from ..selectors import can_manage_class, delegations_led_by, timetable
from .classes import TrainingError, require_manage


@dataclass
class EnrolmentRules:
    """Who a class is for. Empty lists mean "any"."""

    region: Region
    levels: list[int] = field(default_factory=list)
    delegations: list[Delegation] = field(default_factory=list)
    new_only: bool = False  # 新任代表 (not re-elected)
    active_only: bool = True  # 在任 only, not 暂停执行职务
    kind: str = Enrollment.Kind.DEPUTY
    area: ClassArea | None = None  # 分片培训: only the townships of this area

    @property
    def description(self) -> str:
        parts = [self.region.full_name() or self.region.name]
        if self.area is not None:
            parts.append(f"{self.area.name}（{'、'.join(r.name for r in self.area.regions.all())}）")
        parts.append("、".join(LEVEL_DEPUTY_LABEL[Level(v)] for v in self.levels) if self.levels else "各级代表")
        if self.delegations:
            parts.append("、".join(d.name for d in self.delegations))
        if self.new_only:
            parts.append("仅新任")
        parts.append("仅在任" if self.active_only else "含暂停执行职务")
        parts.append(f"身份：{Enrollment.Kind(self.kind).label}")
        return "；".join(parts)


def _check_rules(training_class: TrainingClass, rules: EnrolmentRules) -> None:
    if not rules.region.code.startswith(training_class.region.prefix):
        raise TrainingError(f"{rules.region.name}不在主办机关的行政区域内")
    if any(v not in Level.values for v in rules.levels):
        raise TrainingError("代表层级不正确")
    if rules.kind not in Enrollment.Kind.values:
        raise TrainingError("参训身份不正确")
    if rules.area is not None and rules.area.training_class_id != training_class.pk:
        raise TrainingError("所选片区不属于本培训班")


def rule_mandates(rules: EnrolmentRules) -> QuerySet[Mandate]:
    """The current-term mandates that qualify under the rules (a person may hold several)."""
    low, high = prefix_range(rules.region.prefix)
    qs = Mandate.objects.filter(term__is_current=True, region_code__gte=low, region_code__lte=high)
    qs = qs.filter(status=Mandate.Status.ACTIVE) if rules.active_only else qs.exclude(status=Mandate.Status.ENDED)
    if rules.levels:
        qs = qs.filter(level__in=rules.levels)
    if rules.delegations:
        qs = qs.filter(delegation__in=rules.delegations)
    if rules.new_only:
        qs = qs.filter(is_reelected=False)
    if rules.area is not None:
        within = Q(pk__in=[])
        for region in rules.area.regions.all():
            area_low, area_high = prefix_range(region.prefix)
            within |= Q(region_code__gte=area_low, region_code__lte=area_high)
        qs = qs.filter(within)
    return qs


def enrolment_preview(*, training_class: TrainingClass, rules: EnrolmentRules) -> dict:
    """How many the rules find, how many are already in the class, and how many applying them would add."""
    _check_rules(training_class, rules)
    persons = rule_mandates(rules).values("person_id")
    matched = Person.objects.filter(pk__in=persons).count()
    existing = Enrollment.objects.filter(training_class=training_class, person_id__in=persons)
    counts = existing.aggregate(
        enrolled=Count("pk", filter=Q(status=Enrollment.Status.ENROLLED)),
        withdrawn=Count("pk", filter=Q(status=Enrollment.Status.WITHDRAWN)),
    )
    enrolled, withdrawn = counts["enrolled"] or 0, counts["withdrawn"] or 0
    return {"matched": matched, "already": enrolled, "withdrawn": withdrawn, "to_add": matched - enrolled - withdrawn,
            "description": rules.description}


def township_code(region_code: str) -> str:
    return region_code[:9] + "000"


class _Placer:
    """Finds (and creates on first use) each person's class delegation and area."""

    def __init__(self, training_class: TrainingClass):
        self.cls = training_class
        self.by_name = {d.name: d for d in training_class.delegations.all()}
        self.next_order = max((d.order for d in self.by_name.values()), default=-1) + 1
        self.areas: dict[str, ClassArea] = {}
        if training_class.form == ClassForm.AREAS:
            for area in training_class.areas.prefetch_related("regions"):
                for region in area.regions.all():
                    self.areas[region.prefix] = area
        self.townships: dict[str, Region] = {}

    def load_townships(self, region_codes) -> None:
        codes = {township_code(c) for c in region_codes if len(c) == 12}
        self.townships.update({r.code: r for r in Region.objects.filter(code__in=codes - set(self.townships))})

    def area_for(self, region_code: str) -> ClassArea | None:
        for prefix, area in self.areas.items():
            if region_code.startswith(prefix):
                return area
        return None

    def delegation_for(self, person: Person, mandate: Mandate | None) -> ClassDelegation:
        township = self.townships.get(township_code(person.region_id)) or person.region
        if mandate is not None and mandate.delegation_id:
            name = mandate.delegation.name
            home = mandate.delegation.region or township
            source = mandate.delegation
        else:
            name, home, source = f"{township.name}代表团", township, None
        existing = self.by_name.get(name)
        if existing is None:
            existing = ClassDelegation.objects.create(training_class=self.cls, name=name, delegation=source,
                                                      home_region=home, order=self.next_order)
            self.next_order += 1
            self.by_name[name] = existing
        elif source is not None and existing.delegation_id is None:
            # A delegation first met through a deputy without one (by home township) gets its link now.
            existing.delegation = source
            existing.save(update_fields=["delegation"])
        return existing


@transaction.atomic
def enrollment_apply_rules(*, by, training_class: TrainingClass, rules: EnrolmentRules) -> dict:
    """Enrol everyone the rules find who is not yet in the class (one withdrawn stays withdrawn)."""
    require_manage(by, training_class)
    cls = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    _require_open(cls)
    _check_rules(cls, rules)
    present = set(Enrollment.objects.filter(training_class=cls).values_list("person_id", flat=True))
    mandates = (
        rule_mandates(rules).exclude(person_id__in=present)
        .select_related("person", "delegation__region").order_by("person_id", "level", "id")
    )
    chosen: dict[int, Mandate] = {}
    for mandate in mandates:
        chosen.setdefault(mandate.person_id, mandate)  # the highest level that qualifies
    placer = _Placer(cls)
    placer.load_townships(m.person.region_id for m in chosen.values())
    rows = []
    for mandate in chosen.values():
        person = mandate.person
        rows.append(Enrollment(
            training_class=cls, person=person, mandate=mandate, kind=rules.kind, source=Enrollment.Source.RULE,
            delegation=placer.delegation_for(person, mandate), area=placer.area_for(person.region_id),
            region_code=person.region_id,
        ))
    Enrollment.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    audit_event(cls, event="enrol_rules", actor=by, note=f"按条件参训：{rules.description}；新增{len(rows)}人")
    return {"added": len(rows), "already": len(present)}


def _require_open(cls: TrainingClass) -> None:
    if cls.status in (TrainingClass.Status.FINISHED, TrainingClass.Status.CANCELLED):
        raise TrainingError(f"培训班{cls.get_status_display()}，名单不能再变动")


def qualifying_mandate(person: Person, training_class: TrainingClass) -> Mandate | None:
    return (
        Mandate.objects.filter(person=person, term__is_current=True, status=Mandate.Status.ACTIVE)
        .select_related("delegation__region").order_by("level", "id").first()
    )


@transaction.atomic
def enrollment_add(*, by, training_class: TrainingClass, person: Person, kind: str = Enrollment.Kind.DEPUTY,
                   delegation: ClassDelegation | None = None) -> Enrollment:
    """Enrol one person by hand (or bring back one withdrawn). A delegation's lead and staff may add to their own."""
    cls = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    _require_open(cls)
    if kind not in Enrollment.Kind.values:
        raise TrainingError("参训身份不正确")
    manager = can_manage_class(by, cls)
    led = delegations_led_by(by, cls)
    if not manager and not led:
        raise TrainingError("您没有管理该培训班名单的权限")
    if delegation is not None and delegation.training_class_id != cls.pk:
        raise TrainingError("所选代表团不属于本培训班")
    if not manager:
        if delegation is None and len(led) == 1:
            delegation = led[0]
        if delegation is None or delegation not in led:
            raise TrainingError("您只能把人员加入自己负责的代表团")
    mandate = qualifying_mandate(person, cls)
    if kind == Enrollment.Kind.DEPUTY and mandate is None:
        raise TrainingError(f"{person.name}没有在任的本届代表资格：如是工作人员，请选择身份“工作人员”")
    placer = _Placer(cls)
    placer.load_townships([person.region_id])
    enrollment = Enrollment.objects.select_for_update().filter(training_class=cls, person=person).order_by("pk").first()
    if enrollment is not None and enrollment.status == Enrollment.Status.ENROLLED:
        raise TrainingError(f"{person.name}已在名单中")
    if enrollment is None:
        enrollment = Enrollment(training_class=cls, person=person)
    enrollment.kind = kind
    enrollment.source = Enrollment.Source.MANUAL
    enrollment.status = Enrollment.Status.ENROLLED
    enrollment.mandate = mandate if kind != Enrollment.Kind.STAFF else None
    enrollment.delegation = delegation or placer.delegation_for(person, mandate)
    enrollment.area = placer.area_for(person.region_id)
    enrollment.region_code = person.region_id
    enrollment.save()
    audit_event(enrollment, event="enrol_manual", actor=by, note=f"手工加入：{person.name}")
    return enrollment


@transaction.atomic
def enrollment_withdraw(*, by, enrollment: Enrollment, reason: str = "") -> Enrollment:
    """Take a person off the class list; their seat and group are freed. A notified person is told."""
    from ..selectors import can_manage_enrollment

    enrollment = Enrollment.objects.select_for_update().select_related("training_class", "person").get(
        pk=enrollment.pk)
    if not can_manage_enrollment(by, enrollment):
        raise TrainingError("您没有管理此人参训的权限")
    _require_open(enrollment.training_class)
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise TrainingError(f"{enrollment.person.name}已不在名单中")
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.zone, enrollment.seat_row, enrollment.seat_number = None, None, None
    enrollment.group, enrollment.is_convener = None, False
    enrollment.save()
    audit_event(enrollment, event="status_change", actor=by, changes={"status": ["enrolled", "withdrawn"]},
                note=f"撤销参训：{reason.strip()}" if reason.strip() else "撤销参训")
    if enrollment.notified_at:
        account = getattr(enrollment.person, "account", None)
        title = f"您已不在{enrollment.training_class.title}的参训名单中"
        transaction.on_commit(lambda: notify(user=account, title=title, body=reason.strip()))
    return enrollment


# --------------------------------------------------------------------------------------------- the class notice


def notice_text(training_class: TrainingClass) -> str:
    """The notice as it reaches a phone: dates, venue, and the timetable line by line."""
    cls = training_class

    def day(d):
        return f"{d.month}月{d.day}日"

    when = day(cls.start_date) if cls.start_date == cls.end_date else f"{day(cls.start_date)}至{day(cls.end_date)}"
    lines = [f"{cls.organiser}定于{when}举办{cls.title}" + (f"，地点：{cls.venue}" if cls.venue else "") + "。"]
    for block in timetable(cls):
        lines.append(f"{day(block['day'])}：")
        for lesson in block["lessons"]:
            start, end = timezone.localtime(lesson.starts_at), timezone.localtime(lesson.ends_at)
            place = f"（{lesson.room}）" if lesson.room else ""
            area = f"[{lesson.area.name}]" if lesson.area_id else ""
            lines.append(f"{start:%H:%M}–{end:%H:%M} {area}{lesson.topic}{place}")
    if cls.requirements.strip():
        lines.append("要求：" + cls.requirements.strip())
    return "\n".join(lines)


@transaction.atomic
def class_notice_send(*, by, training_class: TrainingClass, sms: bool = False, email: bool = False,
                      resend_all: bool = False) -> dict:
    """The class notice with the timetable, in the inbox (and by SMS when asked) of every enrolled person who has
    an account; those already notified are skipped unless ``resend_all``. A class still 筹备中 is published."""
    from lvzhi.accounts.models import User

    from .classes import class_publish

    require_manage(by, training_class)
    cls = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if cls.status == TrainingClass.Status.DRAFT:
        class_publish(by=by, training_class=cls)
        cls.refresh_from_db()
    if cls.status != TrainingClass.Status.PUBLISHED:
        raise TrainingError(f"培训班当前为「{cls.get_status_display()}」，不能发送通知")
    targets = Enrollment.objects.filter(training_class=cls, status=Enrollment.Status.ENROLLED)
    if not resend_all:
        targets = targets.filter(notified_at__isnull=True)
    accounts = {u.person_id: u for u in User.objects.filter(person_id__in=targets.values("person_id"), is_active=True)
                .select_related("person")}
    total = targets.count()
    reached = list(targets.filter(person_id__in=list(accounts)).values_list("pk", "person_id"))
    now = timezone.now()
    Enrollment.objects.filter(pk__in=[pk for pk, _ in reached]).update(notified_at=now)
    users = [accounts[person_id] for _, person_id in reached]
    title = f"培训通知：{cls.title}"
    body = notice_text(cls)
    link = reverse("training:my_class", args=[cls.pk])
    audit_event(cls, event="class_notice", actor=by,
                note=f"发送参训通知{len(users)}人{'（含短信）' if sms else ''}{'（含邮件）' if email else ''}；无账号{total - len(users)}人")

    def send():
        for user in users:
            notify(user=user, title=title, body=body, link=link, sms=sms, email=email)

    transaction.on_commit(send)
    return {"sent": len(users), "without_account": total - len(users)}

"""State changes of the roster: persons, mandates and their status history. Each checks its rules, writes
the audit trail and runs in one transaction."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from lvzhi.archive.services import archive_follow_person
from lvzhi.core.audit import audit_event

from .models import (
    Delegation,
    ElectoralDistrict,
    Level,
    Mandate,
    MandateChange,
    Person,
    PersonNameKey,
    Term,
    name_keys,
)


class RosterError(ValueError):
    pass


def pinyin_initials(name: str) -> str:
    """张三 → zs; characters that have no pinyin (letters, ·) are kept in lower case or dropped."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda chars: [c for c in chars if c.isalnum()])
    return "".join(letters).lower()


def _require(by, capability: str) -> None:
    if by is not None and not by.can(capability):
        raise RosterError("您没有执行此操作的权限")


PERSON_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "native_place", "political_status", "education",
    "employer_title", "occupation", "phone", "region",
)


def sync_name_keys(persons, *, created: bool = False) -> None:
    """Rewrite the name-search keys of these (saved) persons; whoever writes a name calls this.
    ``created``: the persons are new, there is nothing to delete."""
    persons = list(persons)
    if not created:
        PersonNameKey.objects.filter(person_id__in=[p.pk for p in persons]).delete()
    PersonNameKey.objects.bulk_create(
        [PersonNameKey(person_id=p.pk, key=key) for p in persons for key in name_keys(p.name)], batch_size=2000,
    )


@transaction.atomic
def person_create(*, by, id_number: str, **fields) -> Person:
    _require(by, "roster.edit")
    person = Person(**{k: v for k, v in fields.items() if k in PERSON_FIELDS})
    person.set_id_number(id_number)
    person.name_initials = pinyin_initials(person.name)
    if Person.objects.filter(id_hash=person.id_hash).exists():
        raise RosterError("该身份证号已在名册中，请直接编辑原有人员")
    person.full_clean(exclude=["id_number"])
    person.save()
    sync_name_keys([person], created=True)
    return person


@transaction.atomic
def person_update(*, by, person: Person, id_number: str | None = None, **fields) -> Person:
    _require(by, "roster.edit")
    person = Person.objects.select_for_update().get(pk=person.pk)
    for key, value in fields.items():
        if key in PERSON_FIELDS:
            setattr(person, key, value)
    if id_number and id_number != person.id_number:
        person.set_id_number(id_number)
        if Person.objects.filter(id_hash=person.id_hash).exclude(pk=person.pk).exists():
            raise RosterError("该身份证号已属于名册中的另一人")
    person.name_initials = pinyin_initials(person.name)
    person.full_clean(exclude=["id_number"])
    person.save()
    sync_name_keys([person])
    # Saved one by one (not queryset.update) so that the audit trail sees each mandate's change.
    for mandate in person.mandates.exclude(region_code=person.region_id):
        mandate.region_code = person.region_id
        mandate.save(update_fields=["region_code"])
    archive_follow_person(person=person)
    return person


@transaction.atomic
def mandate_create(*, by, person: Person, term: Term, elected_by: str = Mandate.ElectedBy.GENERAL,
                   start_date: dt.date | None = None, **fields) -> Mandate:
    _require(by, "roster.edit")
    if Mandate.objects.filter(person=person, term=term).exists():
        raise RosterError(f"{person.name}在{term}已有代表资格")
    congress = term.congress
    if congress.level != Level.NATIONAL and not person.region_id.startswith(congress.region.prefix):
        raise RosterError(f"{person.name}所在的{person.region}不属于{congress.name}的行政区域，不能作为该级代表")
    if elected_by == Mandate.ElectedBy.BY_ELECTION and start_date is None:
        raise RosterError("补选产生的代表请填写资格起始日期（补选当选之日）")
    if start_date and (start_date < term.start_date or (term.end_date and start_date > term.end_date)):
        raise RosterError(f"资格起始日期应在{term.label}的任期之内")
    mandate = Mandate(
        person=person, term=term, level=term.congress.level, elected_by=elected_by,
        start_date=start_date or term.start_date, region_code=person.region_id, **fields,
    )
    try:
        mandate.full_clean()
    except ValidationError as exc:
        raise RosterError("；".join(exc.messages)) from exc
    mandate.save()
    kind = MandateChange.Kind.BY_ELECTION if elected_by == Mandate.ElectedBy.BY_ELECTION else MandateChange.Kind.ELECTED
    MandateChange.objects.create(mandate=mandate, kind=kind, date=mandate.start_date, to_status=mandate.status,
                                 by=by if getattr(by, "pk", None) else None)
    return mandate


def district_for(*, term: Term, name: str) -> ElectoralDistrict | None:
    """The electoral district of ``term`` called ``name``, created on first use (offices type district names)."""
    name = (name or "").strip()
    if not name:
        return None
    district, _ = ElectoralDistrict.objects.get_or_create(term=term, name=name)
    return district


def delegation_for(*, term: Term, name: str) -> Delegation | None:
    name = (name or "").strip()
    if not name:
        return None
    delegation, _ = Delegation.objects.get_or_create(term=term, name=name)
    return delegation


@transaction.atomic
def person_create_with_mandate(*, by, id_number: str, mandate: dict, **fields) -> Person:
    """A new deputy as offices enter one: the person and their first mandate, both or neither."""
    person = person_create(by=by, id_number=id_number, **fields)
    mandate_add(by=by, person=person, **mandate)
    return person


@transaction.atomic
def mandate_add(*, by, person: Person, term: Term, district_name: str = "", delegation_name: str = "",
                **fields) -> Mandate:
    """mandate_create with the district and delegation given by name, as forms and imports have them."""
    _require(by, "roster.edit")
    return mandate_create(
        by=by, person=person, term=term,
        district=district_for(term=term, name=district_name),
        delegation=delegation_for(term=term, name=delegation_name),
        **fields,
    )


MANDATE_EDITABLE = ("district", "delegation", "group", "station", "deputy_number", "is_reelected", "start_date")


@transaction.atomic
def mandate_update(*, by, mandate: Mandate, district_name: str | None = None,
                   delegation_name: str | None = None, **fields) -> Mandate:
    """Change where a mandate belongs (district, delegation, group, station); its status only changes through
    mandate_change_status."""
    _require(by, "roster.edit")
    mandate = Mandate.objects.select_for_update().select_related("term").get(pk=mandate.pk)
    if district_name is not None:
        fields["district"] = district_for(term=mandate.term, name=district_name)
    if delegation_name is not None:
        fields["delegation"] = delegation_for(term=mandate.term, name=delegation_name)
    for key, value in fields.items():
        if key not in MANDATE_EDITABLE:
            raise RosterError(f"代表资格的「{key}」不能在此修改")
        setattr(mandate, key, value)
    try:
        mandate.full_clean()
    except ValidationError as exc:
        raise RosterError("；".join(exc.messages)) from exc
    mandate.save()
    return mandate


# Which status each kind of change leads to, and from which statuses it is allowed.
TRANSITIONS = {
    MandateChange.Kind.SUSPENDED: ({Mandate.Status.ACTIVE}, Mandate.Status.SUSPENDED),
    MandateChange.Kind.RESUMED: ({Mandate.Status.SUSPENDED}, Mandate.Status.ACTIVE),
    MandateChange.Kind.RESIGNED: ({Mandate.Status.ACTIVE, Mandate.Status.SUSPENDED}, Mandate.Status.ENDED),
    MandateChange.Kind.RECALLED: ({Mandate.Status.ACTIVE, Mandate.Status.SUSPENDED}, Mandate.Status.ENDED),
    MandateChange.Kind.ENDED: ({Mandate.Status.ACTIVE, Mandate.Status.SUSPENDED}, Mandate.Status.ENDED),
}
KIND_END_REASON = {
    MandateChange.Kind.RESIGNED: Mandate.EndReason.RESIGNED,
    MandateChange.Kind.RECALLED: Mandate.EndReason.RECALLED,
}


@transaction.atomic
def mandate_change_status(*, by, mandate: Mandate, kind: str, date: dt.date, reason: str = "",
                          end_reason: str = "") -> MandateChange:
    """Suspend, resume, accept a resignation, recall or end a mandate; the change and its reason are kept."""
    _require(by, "roster.edit")
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if kind not in TRANSITIONS:
        raise RosterError("未知的资格变动类型")
    allowed_from, to_status = TRANSITIONS[kind]
    label = MandateChange.Kind(kind).label
    if mandate.status not in allowed_from:
        raise RosterError(f"当前状态为「{mandate.get_status_display()}」，不能办理「{label}」")
    if date > timezone.localdate():
        raise RosterError("变动日期不能晚于今天")
    if mandate.start_date and date < mandate.start_date:
        raise RosterError("变动日期不能早于代表资格起始日期")
    if not reason.strip():
        raise RosterError(f"请填写「{label}」的原因或依据（如会议决定、文号）")
    before = mandate.status
    mandate.status = to_status
    if to_status == Mandate.Status.ENDED:
        end_reason = KIND_END_REASON.get(kind, end_reason)
        if end_reason not in Mandate.EndReason.values:
            raise RosterError("请选择终止原因（代表法第六十二条所列情形之一）")
        mandate.end_reason = end_reason
        mandate.end_date = date
    mandate.save()
    change = MandateChange.objects.create(
        mandate=mandate, kind=kind, date=date, reason=reason.strip(), from_status=before,
        to_status=to_status, by=by if getattr(by, "pk", None) else None,
    )
    audit_event(mandate, event="status_change", actor=by, changes={"status": [before, to_status]},
                note=f"{label}：{reason.strip()}")
    return change

"""The one way anything reaches a deputy's archive."""

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from lvzhi.core.audit import audit_event

from .models import Activity, ActivityKind, DutyNote


@transaction.atomic
def activity_record(*, person, kind: str, when: dt.date, source, title: str, hours: Decimal | float = 0,
                    details: dict | None = None) -> Activity:
    """Record (or correct) what ``source`` says ``person`` did; the same source never yields two activities."""
    ActivityKind(kind)  # an unknown kind is a programming error, refused loudly
    activity, _ = Activity.objects.update_or_create(
        source_type=ContentType.objects.get_for_model(source, for_concrete_model=True),
        source_id=str(source.pk),
        person=person,
        defaults={
            "kind": kind,
            "date": when,
            "title": title[:200],
            "hours": Decimal(str(hours)),
            "details": details or {},
            "region_code": person.region_id,
        },
    )
    return activity


@transaction.atomic
def activity_withdraw(*, source, person=None) -> int:
    """Remove what ``source`` put in the archive (it was deleted, rejected or corrected away)."""
    qs = Activity.objects.filter(
        source_type=ContentType.objects.get_for_model(source, for_concrete_model=True), source_id=str(source.pk)
    )
    if person is not None:
        qs = qs.filter(person=person)
    count, _ = qs.delete()
    return count


NOTE_KIND_TO_ACTIVITY = {
    DutyNote.Kind.DUTY: ActivityKind.DUTY_NOTE,
    DutyNote.Kind.PUBLIC_OPINION: ActivityKind.PUBLIC_OPINION,
}


class NoteError(ValueError):
    pass


@transaction.atomic
def duty_note_submit(*, by, date: dt.date, kind: str, title: str, text: str, photos=()) -> DutyNote:
    person = by.person
    if person is None or not by.can("notes.write"):
        raise NoteError("只有代表本人可以写履职笔记")
    if date > timezone.localdate():
        raise NoteError("日期不能晚于今天")
    note = DutyNote(person=person, date=date, kind=kind, title=title.strip(), text=text.strip(),
                    region_code=person.region_id)
    note.full_clean()
    note.save()
    for image in photos:
        note.photos.create(image=image)
    audit_event(note, event="note_submit", actor=by, changes={"status": [None, note.status]})
    return note


@transaction.atomic
def duty_note_update(*, note: DutyNote, by, date: dt.date, kind: str, title: str, text: str, photos=()) -> DutyNote:
    note = DutyNote.objects.select_for_update().get(pk=note.pk)
    if by.person_id != note.person_id:
        raise NoteError("只能修改自己的履职笔记")
    if note.status == DutyNote.Status.ACCEPTED:
        raise NoteError("已采纳的笔记不能再修改；如需更正，请联系代表工委退回")
    if date > timezone.localdate():
        raise NoteError("日期不能晚于今天")
    before = note.status
    note.date, note.kind, note.title, note.text = date, kind, title.strip(), text.strip()
    note.status = DutyNote.Status.SUBMITTED
    note.full_clean()
    note.save()
    for image in photos:
        note.photos.create(image=image)
    audit_event(note, event="note_resubmit", actor=by, changes={"status": [before, note.status]})
    return note


@transaction.atomic
def duty_note_review(*, note: DutyNote, by, accept: bool, comment: str = "") -> DutyNote:
    """Staff accept a note (it enters the archive) or return it with a comment saying what to fix."""
    note = DutyNote.objects.select_for_update().get(pk=note.pk)
    if not by.can("notes.review"):
        raise NoteError("您没有审核履职笔记的权限")
    comment = comment.strip()
    if not accept and not comment:
        raise NoteError("退回时请写明需要修改的地方")
    before = note.status
    if accept and before == DutyNote.Status.ACCEPTED:
        return note
    note.status = DutyNote.Status.ACCEPTED if accept else DutyNote.Status.RETURNED
    note.review_comment = comment
    note.reviewed_by = by
    note.reviewed_at = timezone.now()
    note.save()
    if accept:
        activity_record(person=note.person, kind=NOTE_KIND_TO_ACTIVITY[note.kind], when=note.date, source=note,
                        title=note.title)
    else:
        activity_withdraw(source=note)
    audit_event(note, event="review", actor=by, changes={"status": [before, note.status]}, note=comment)
    from lvzhi.core.notify import notify

    transaction.on_commit(lambda: notify(
        user=getattr(note.person, "account", None),
        title=f"履职笔记「{note.title}」{note.get_status_display()}",
        body=comment or "已记入您的履职档案",
        link=f"/archive/notes/{note.pk}/",
    ))
    return note

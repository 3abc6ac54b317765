"""The one way anything reaches a deputy's archive, and the duty notes that feed it.

Duty note states: 待审核 (submitted) → 已采纳 (accepted, enters the archive) | 已退回 (returned with a comment).
A returned note is corrected and resubmitted by its deputy; an accepted note is frozen unless staff return it,
which takes it out of the archive again.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lvzhi.core.audit import audit_event
from lvzhi.core.notify import notify
from lvzhi.core.scoping import scoped

from .models import Activity, ActivityKind, DutyNote, DutyNotePhoto

MAX_NOTE_PHOTOS = 9
MAX_REVIEW_COMMENT = DutyNote._meta.get_field("review_comment").max_length


@transaction.atomic
def activity_record(*, person, kind: str, when: dt.date, source, title: str, hours: Decimal | float = 0,
                    details: dict | None = None) -> Activity:
    """Record (or correct) what ``source`` says ``person`` did; the same source never yields two activities."""
    ActivityKind(kind)  # an unknown kind is a programming error, refused loudly
    hours = Decimal(str(hours))
    if hours < 0:
        raise ValueError("学时不能为负数")
    activity, _ = Activity.objects.update_or_create(
        source_type=ContentType.objects.get_for_model(source, for_concrete_model=True),
        source_id=str(source.pk),
        person=person,
        defaults={
            "kind": kind,
            "date": when,
            "title": title.strip()[:200],
            "hours": hours,
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


@transaction.atomic
def archive_follow_person(*, person) -> int:
    """The person moved to another region: their archive and notes move with them, so that the staff now in
    charge see them (scoping reads the rows' own region_code). people.services.person_update should call this."""
    moved = Activity.objects.filter(person=person).exclude(region_code=person.region_id).update(
        region_code=person.region_id)
    moved += DutyNote.objects.filter(person=person).exclude(region_code=person.region_id).update(
        region_code=person.region_id)
    return moved


NOTE_KIND_TO_ACTIVITY = {
    DutyNote.Kind.DUTY: ActivityKind.DUTY_NOTE,
    DutyNote.Kind.PUBLIC_OPINION: ActivityKind.PUBLIC_OPINION,
}


class NoteError(ValueError):
    """A duty-note action refused by its rules; the message is shown to the user as it is."""


def _check_note_fields(date: dt.date) -> None:
    if date > timezone.localdate():
        raise NoteError("日期不能晚于今天")


def _add_photos(note: DutyNote, photos: Iterable) -> None:
    photos = list(photos)
    if not photos:
        return
    if note.photos.count() + len(photos) > MAX_NOTE_PHOTOS:
        raise NoteError(f"每篇笔记最多 {MAX_NOTE_PHOTOS} 张照片")
    for image in photos:
        DutyNotePhoto.objects.create(note=note, image=image)


@transaction.atomic
def duty_note_submit(*, by, date: dt.date, kind: str, title: str, text: str, photos: Iterable = ()) -> DutyNote:
    """A deputy writes a note about their own duties; only they can, and it waits for staff to check it."""
    person = by.person if by.can("notes.write") else None
    if person is None:
        raise NoteError("只有代表本人可以写履职笔记")
    _check_note_fields(date)
    note = DutyNote(person=person, date=date, kind=kind, title=title.strip(), text=text.strip(),
                    region_code=person.region_id)
    note.full_clean()
    note.save()
    _add_photos(note, photos)
    audit_event(note, event="note_submit", actor=by, changes={"status": [None, note.status]})
    return note


@transaction.atomic
def duty_note_update(*, note: DutyNote, by, date: dt.date, kind: str, title: str, text: str,
                     photos: Iterable = (), remove_photo_ids: Iterable[int] = ()) -> DutyNote:
    """The deputy corrects a waiting or returned note; it goes back to the staff as 待审核."""
    note = DutyNote.objects.select_for_update().get(pk=note.pk)
    if not by.can("notes.write") or by.person_id != note.person_id:
        raise NoteError("只能修改自己的履职笔记")
    if note.status == DutyNote.Status.ACCEPTED:
        raise NoteError("已采纳的笔记不能再修改；如需更正，请联系代表工委退回")
    _check_note_fields(date)
    before = note.status
    note.date, note.kind, note.title, note.text = date, kind, title.strip(), text.strip()
    note.status = DutyNote.Status.SUBMITTED
    note.full_clean()
    note.save()
    remove_photo_ids = [int(pk) for pk in remove_photo_ids]
    if remove_photo_ids:
        removed = list(note.photos.filter(pk__in=remove_photo_ids))
        for photo in removed:
            photo.delete()
        # Files go only once the rows are surely gone: a rolled-back edit keeps its photos.
        transaction.on_commit(lambda: [photo.image.delete(save=False) for photo in removed])
    _add_photos(note, photos)
    audit_event(note, event="note_resubmit", actor=by, changes={"status": [before, note.status]})
    return note


@transaction.atomic
def duty_note_review(*, note: DutyNote, by, accept: bool, comment: str = "") -> DutyNote:
    """Staff accept a note (it enters the archive) or return it with a comment saying what to fix.

    Accepting an accepted note or returning a returned one changes nothing (a double-clicked form); returning
    an accepted note takes its activity out of the archive again.
    """
    if not by.can("notes.review"):
        raise NoteError("您没有审核履职笔记的权限")
    note = DutyNote.objects.select_for_update().get(pk=note.pk)
    if not scoped(DutyNote.objects.filter(pk=note.pk), by).exists():
        raise NoteError("该笔记不在您的审核范围内")
    comment = comment.strip()
    if not accept and not comment:
        raise NoteError("退回时请写明需要修改的地方")
    if len(comment) > MAX_REVIEW_COMMENT:
        raise NoteError(f"审核意见不能超过 {MAX_REVIEW_COMMENT} 字")
    before = note.status
    target = DutyNote.Status.ACCEPTED if accept else DutyNote.Status.RETURNED
    if before == target:
        return note
    if accept and before == DutyNote.Status.RETURNED:
        raise NoteError("该笔记已退回代表修改，请待代表修改后重新提交再审核")
    note.status = target
    note.review_comment = comment
    note.reviewed_by = by
    note.reviewed_at = timezone.now()
    note.save()
    if accept:
        activity_record(person=note.person, kind=NOTE_KIND_TO_ACTIVITY[note.kind], when=note.date, source=note,
                        title=note.title, details={"note_kind": note.kind})
    else:
        activity_withdraw(source=note)
    audit_event(note, event="review", actor=by, changes={"status": [before, note.status]}, note=comment)

    account = getattr(note.person, "account", None)
    title = f"履职笔记「{note.title}」{note.get_status_display()}"
    body = comment or "已记入您的履职档案"
    link = reverse("archive:note_detail", args=[note.pk])
    transaction.on_commit(lambda: notify(user=account, title=title, body=body, link=link))
    return note

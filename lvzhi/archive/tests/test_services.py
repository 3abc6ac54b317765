import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from lvzhi.archive.models import Activity, ActivityKind, DutyNote
from lvzhi.archive.services import (
    NoteError,
    activity_record,
    activity_withdraw,
    archive_follow_person,
    duty_note_review,
    duty_note_submit,
    duty_note_update,
)
from lvzhi.core.models import Notification

pytestmark = pytest.mark.django_db


# activity_record / activity_withdraw

def test_it_records_an_activity(deputy_person, note):
    activity = activity_record(person=deputy_person, kind=ActivityKind.TRAINING, when=dt.date(2026, 3, 1),
                               source=note, title="代表履职培训班", hours=6)
    assert activity.person == deputy_person
    assert activity.hours == Decimal("6.0")
    assert activity.region_code == deputy_person.region_id
    assert activity.source_type == ContentType.objects.get_for_model(DutyNote)
    assert activity.source_id == str(note.pk)


def test_the_same_source_twice_gives_one_corrected_activity(deputy_person, note):
    first = activity_record(person=deputy_person, kind=ActivityKind.TRAINING, when=dt.date(2026, 3, 1),
                            source=note, title="培训", hours=3)
    second = activity_record(person=deputy_person, kind=ActivityKind.QUIZ, when=dt.date(2026, 3, 2),
                             source=note, title="培训测试", hours=1.5, details={"score": 90})
    assert second.pk == first.pk
    assert Activity.objects.count() == 1
    second.refresh_from_db()
    assert (second.kind, second.date, second.title, second.hours, second.details) == (
        ActivityKind.QUIZ, dt.date(2026, 3, 2), "培训测试", Decimal("1.5"), {"score": 90})


def test_one_source_may_record_several_persons(deputy_person, other_deputy_person, note):
    activity_record(person=deputy_person, kind=ActivityKind.GROUP_ACTIVITY, when=dt.date(2026, 3, 1), source=note,
                    title="小组活动")
    activity_record(person=other_deputy_person, kind=ActivityKind.GROUP_ACTIVITY, when=dt.date(2026, 3, 1),
                    source=note, title="小组活动")
    assert Activity.objects.count() == 2


def test_it_follows_the_person_to_a_new_region(deputy_person, note, regions):
    activity_record(person=deputy_person, kind=ActivityKind.OTHER, when=dt.date(2026, 3, 1), source=note, title="x")
    deputy_person.region = regions["town_b"]
    activity = activity_record(person=deputy_person, kind=ActivityKind.OTHER, when=dt.date(2026, 3, 1),
                               source=note, title="x")
    assert activity.region_code == regions["town_b"].code


def test_it_refuses_an_unknown_kind(deputy_person, note):
    with pytest.raises(ValueError):
        activity_record(person=deputy_person, kind="dancing", when=dt.date(2026, 3, 1), source=note, title="x")


def test_it_refuses_negative_hours(deputy_person, note):
    with pytest.raises(ValueError):
        activity_record(person=deputy_person, kind=ActivityKind.OTHER, when=dt.date(2026, 3, 1), source=note,
                        title="x", hours=-1)


def test_it_withdraws_a_source(deputy_person, other_deputy_person, note):
    for person in (deputy_person, other_deputy_person):
        activity_record(person=person, kind=ActivityKind.OTHER, when=dt.date(2026, 3, 1), source=note, title="x")
    assert activity_withdraw(source=note, person=other_deputy_person) == 1
    assert list(Activity.objects.values_list("person", flat=True)) == [deputy_person.pk]
    assert activity_withdraw(source=note) == 1
    assert not Activity.objects.exists()


def test_withdrawing_what_was_never_recorded_is_harmless(note):
    assert activity_withdraw(source=note) == 0


def test_the_archive_follows_a_person_who_moves(deputy_person, note, regions, township_user, other_township_user):
    activity_record(person=deputy_person, kind=ActivityKind.OTHER, when=dt.date(2026, 3, 1), source=note, title="x")
    deputy_person.region = regions["town_b"]
    deputy_person.save()
    assert archive_follow_person(person=deputy_person) == 2
    assert set(Activity.objects.values_list("region_code", flat=True)) == {regions["town_b"].code}
    note.refresh_from_db()
    assert note.region_code == regions["town_b"].code
    with pytest.raises(NoteError, match="不在您的审核范围"):
        duty_note_review(note=note, by=township_user, accept=True)
    duty_note_review(note=note, by=other_township_user, accept=True)


# duty_note_submit

def test_a_deputy_submits_a_note(deputy_user, deputy_person, jpeg, today):
    note = duty_note_submit(by=deputy_user, date=today, kind="public_opinion", title="  民情  ", text=" 内容 ",
                            photos=[jpeg(), jpeg("b.jpg")])
    assert note.person == deputy_person
    assert note.status == DutyNote.Status.SUBMITTED
    assert (note.title, note.text) == ("民情", "内容")
    assert note.region_code == deputy_person.region_id
    assert note.photos.count() == 2
    assert not Activity.objects.exists()  # not in the archive until staff accept it
    assert LogEntry.objects.filter(additional_data__event="note_submit").exists()


@pytest.mark.parametrize("user", ["office_user", "township_user", "leader_user", "unit_user", "admin_user"])
def test_only_a_deputy_writes_notes(request, user, today):
    with pytest.raises(NoteError, match="只有代表本人"):
        duty_note_submit(by=request.getfixturevalue(user), date=today, kind="duty", title="t", text="x")


def test_a_note_cannot_be_dated_in_the_future(deputy_user, today):
    with pytest.raises(NoteError, match="日期不能晚于今天"):
        duty_note_submit(by=deputy_user, date=today + dt.timedelta(days=1), kind="duty", title="t", text="x")


def test_a_note_needs_title_text_and_a_known_kind(deputy_user, today):
    with pytest.raises(ValidationError):
        duty_note_submit(by=deputy_user, date=today, kind="duty", title="  ", text="x")
    with pytest.raises(ValidationError):
        duty_note_submit(by=deputy_user, date=today, kind="poem", title="t", text="x")
    assert not DutyNote.objects.exists()


def test_a_note_has_at_most_nine_photos(deputy_user, today, jpeg):
    with pytest.raises(NoteError, match="最多 9 张"):
        duty_note_submit(by=deputy_user, date=today, kind="duty", title="t", text="x",
                         photos=[jpeg(f"{i}.jpg") for i in range(10)])
    assert not DutyNote.objects.exists()


# duty_note_update

def test_the_deputy_corrects_a_returned_note(deputy_user, township_user, note, today, jpeg):
    duty_note_review(note=note, by=township_user, accept=False, comment="请补充照片")
    note = duty_note_update(note=note, by=deputy_user, date=today, kind="duty", title="新标题", text="新内容",
                            photos=[jpeg()])
    assert note.status == DutyNote.Status.SUBMITTED
    assert (note.title, note.text, note.date) == ("新标题", "新内容", today)
    assert note.photos.count() == 1


def test_the_deputy_removes_photos(deputy_user, make_note, today, jpeg):
    note = make_note(photos=[jpeg(), jpeg()])
    first = note.photos.order_by("id").first()
    duty_note_update(note=note, by=deputy_user, date=today, kind="duty", title="t", text="x",
                     remove_photo_ids=[first.pk])
    assert list(note.photos.values_list("pk", flat=True)) != [first.pk]
    assert note.photos.count() == 1


def test_removing_photos_cannot_touch_another_note(deputy_user, make_note, other_note, today, jpeg):
    other_note.photos.create(image=jpeg())
    note = make_note()
    duty_note_update(note=note, by=deputy_user, date=today, kind="duty", title="t", text="x",
                     remove_photo_ids=list(other_note.photos.values_list("pk", flat=True)))
    assert other_note.photos.count() == 1


@pytest.mark.parametrize("user", ["other_deputy_user", "office_user", "township_user"])
def test_only_the_author_updates_a_note(request, user, note, today):
    with pytest.raises(NoteError, match="只能修改自己的"):
        duty_note_update(note=note, by=request.getfixturevalue(user), date=today, kind="duty", title="t", text="x")
    note.refresh_from_db()
    assert note.title == "走访东门社区"


def test_an_accepted_note_cannot_be_edited(deputy_user, township_user, note, today):
    duty_note_review(note=note, by=township_user, accept=True)
    with pytest.raises(NoteError, match="已采纳的笔记不能再修改"):
        duty_note_update(note=note, by=deputy_user, date=today, kind="duty", title="t", text="x")


# duty_note_review

def test_accepting_a_note_puts_it_in_the_archive(township_user, deputy_person, note):
    note = duty_note_review(note=note, by=township_user, accept=True)
    assert note.status == DutyNote.Status.ACCEPTED
    assert note.reviewed_by == township_user and note.reviewed_at is not None
    activity = Activity.objects.get()
    assert (activity.person, activity.kind, activity.date, activity.title) == (
        deputy_person, ActivityKind.DUTY_NOTE, note.date, note.title)
    assert LogEntry.objects.filter(additional_data__event="review").exists()


def test_a_public_opinion_diary_becomes_its_own_kind(township_user, make_note):
    note = make_note(kind="public_opinion")
    duty_note_review(note=note, by=township_user, accept=True)
    assert Activity.objects.get().kind == ActivityKind.PUBLIC_OPINION


def test_accepting_twice_gives_no_second_activity(township_user, office_user, note):
    duty_note_review(note=note, by=township_user, accept=True)
    again = duty_note_review(note=note, by=office_user, accept=True)
    assert Activity.objects.count() == 1
    assert again.reviewed_by == township_user  # the second click changed nothing


def test_returning_needs_a_comment(township_user, note):
    with pytest.raises(NoteError, match="退回时请写明"):
        duty_note_review(note=note, by=township_user, accept=False, comment="   ")
    note.refresh_from_db()
    assert note.status == DutyNote.Status.SUBMITTED


def test_a_review_comment_has_a_length_limit(township_user, note):
    with pytest.raises(NoteError, match="不能超过"):
        duty_note_review(note=note, by=township_user, accept=False, comment="改" * 301)


def test_returning_a_note(township_user, note):
    note = duty_note_review(note=note, by=township_user, accept=False, comment="请写明走访时间")
    assert note.status == DutyNote.Status.RETURNED
    assert note.review_comment == "请写明走访时间"
    assert not Activity.objects.exists()


def test_returning_an_accepted_note_withdraws_its_activity(township_user, note):
    duty_note_review(note=note, by=township_user, accept=True)
    note = duty_note_review(note=note, by=township_user, accept=False, comment="日期有误")
    assert note.status == DutyNote.Status.RETURNED
    assert not Activity.objects.exists()


def test_a_returned_note_is_not_accepted_before_it_is_resubmitted(township_user, note):
    duty_note_review(note=note, by=township_user, accept=False, comment="请补充")
    with pytest.raises(NoteError, match="重新提交"):
        duty_note_review(note=note, by=township_user, accept=True)


def test_a_resubmitted_note_can_be_accepted(township_user, deputy_user, note, today):
    duty_note_review(note=note, by=township_user, accept=False, comment="请补充")
    duty_note_update(note=note, by=deputy_user, date=today, kind="duty", title="补充后", text="x")
    duty_note_review(note=note, by=township_user, accept=True)
    assert Activity.objects.get().title == "补充后"


@pytest.mark.parametrize("user", ["leader_user", "deputy_user", "unit_user", "admin_user"])
def test_only_reviewers_review(request, user, note):
    with pytest.raises(NoteError, match="没有审核"):
        duty_note_review(note=note, by=request.getfixturevalue(user), accept=True)
    assert not Activity.objects.exists()


@pytest.mark.parametrize("user", ["other_township_user", "outsider_user"])
def test_reviewers_only_review_their_region(request, user, note):
    with pytest.raises(NoteError, match="不在您的审核范围"):
        duty_note_review(note=note, by=request.getfixturevalue(user), accept=True)


def test_the_deputy_is_notified_on_commit(township_user, deputy_user, note, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        duty_note_review(note=note, by=township_user, accept=False, comment="请补充照片")
    assert not Notification.objects.exists()  # nothing goes out before the change is committed
    for callback in callbacks:
        callback()
    notice = Notification.objects.get()
    assert notice.user == deputy_user
    assert "已退回" in notice.title and notice.body == "请补充照片"
    assert notice.link == f"/archive/notes/{note.pk}/"


def test_accepting_notifies_the_deputy(township_user, deputy_user, note, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        duty_note_review(note=note, by=township_user, accept=True)
    assert Notification.objects.get(user=deputy_user).body == "已记入您的履职档案"


def test_a_second_click_sends_no_second_notice(township_user, note, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        duty_note_review(note=note, by=township_user, accept=True)
        duty_note_review(note=note, by=township_user, accept=True)
    assert Notification.objects.count() == 1


def test_a_deputy_without_an_account_is_simply_not_notified(township_user, make_note, deputy_user,
                                                            django_capture_on_commit_callbacks):
    note = make_note()
    deputy_user.delete()
    with django_capture_on_commit_callbacks(execute=True):
        duty_note_review(note=note, by=township_user, accept=True)
    assert not Notification.objects.exists()

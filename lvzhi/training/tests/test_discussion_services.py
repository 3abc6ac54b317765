"""Discussion items: recorded by the group's convener or the office, classified, answered, counted."""

import pytest
from auditlog.models import LogEntry

from lvzhi.core.models import Notification
from lvzhi.training.models import DiscussionItem
from lvzhi.training.services import discussion as services
from lvzhi.training.services import groups as group_services
from lvzhi.training.services.seating import SeatingError

pytestmark = pytest.mark.django_db


@pytest.fixture
def split(training_class, office_user, deputy_person, other_deputy_person, enroll):
    mine = enroll(deputy_person)
    other = enroll(other_deputy_person, 1)
    groups = group_services.groups_split(training_class=training_class, by=office_user, count=2)
    mine.refresh_from_db()
    other.refresh_from_db()
    group_services.group_set_convener(group=mine.group, enrollment=mine, by=office_user)
    return {"mine": mine, "other": other, "groups": groups}


def test_convener_records_for_their_own_group_only(split, deputy_user):
    mine, other = split["mine"], split["other"]
    item = services.discussion_item_create(group=mine.group, category="training", aspect="培训方式",
                                           text="  希望增加案例教学  ", author=mine, by=deputy_user)
    assert (item.text, item.training_class_id, item.author) == ("希望增加案例教学", mine.training_class_id, mine)
    with pytest.raises(SeatingError, match="只有本组召集人"):
        services.discussion_item_create(group=other.group, category="duty", aspect="", text="x", by=deputy_user)


def test_non_convener_deputy_cannot_record(split, other_deputy_user):
    with pytest.raises(SeatingError, match="只有本组召集人"):
        services.discussion_item_create(group=split["other"].group, category="duty", aspect="", text="x",
                                        by=other_deputy_user)


def test_bad_input_is_refused_with_what_to_fix(split, office_user):
    group = split["mine"].group
    with pytest.raises(SeatingError, match="请选择意见建议的类别"):
        services.discussion_item_create(group=group, category="nonsense", aspect="", text="x", by=office_user)
    with pytest.raises(SeatingError, match="请填写意见建议的内容"):
        services.discussion_item_create(group=group, category="duty", aspect="", text="   ", by=office_user)
    with pytest.raises(SeatingError, match="方面"):
        services.discussion_item_create(group=group, category="duty", aspect="很" * 31, text="x", by=office_user)
    with pytest.raises(SeatingError, match="不是第"):
        services.discussion_item_create(group=group, category="duty", aspect="", text="x", by=office_user,
                                        author=split["other"])
    assert not DiscussionItem.objects.exists()


def test_office_reply_notifies_author_and_convener(split, office_user, deputy_user, other_deputy_user,
                                                   django_capture_on_commit_callbacks):
    item = services.discussion_item_create(group=split["mine"].group, category="office", aspect="监督工作",
                                           text="加强对民生实事的监督", by=office_user)
    with django_capture_on_commit_callbacks(execute=True):
        replied = services.discussion_reply(item=item, reply="已纳入明年监督计划", by=office_user)
    assert (replied.reply, replied.replied_by) == ("已纳入明年监督计划", office_user)
    assert replied.replied_at is not None
    assert Notification.objects.filter(user=deputy_user, title__contains="已答复").count() == 1
    assert not Notification.objects.filter(user=other_deputy_user).exists()
    assert LogEntry.objects.filter(additional_data__event="discussion_reply").exists()


def test_only_managers_reply(split, deputy_user, leader_user, office_user):
    item = services.discussion_item_create(group=split["mine"].group, category="office", aspect="", text="x",
                                           by=office_user)
    for user in (deputy_user, leader_user):
        with pytest.raises(SeatingError):
            services.discussion_reply(item=item, reply="好", by=user)
    with pytest.raises(SeatingError, match="请填写答复内容"):
        services.discussion_reply(item=item, reply=" ", by=office_user)


def test_classify_and_counts(split, office_user):
    group = split["mine"].group
    for category, aspect in [("training", "培训方式"), ("training", "培训方式"), ("training", "培训内容"),
                             ("duty", "代表建议办理"), ("development", "")]:
        services.discussion_item_create(group=group, category=category, aspect=aspect, text="内容", by=office_user)
    last = DiscussionItem.objects.get(category="development")
    services.discussion_item_classify(item=last, category="development", aspect="民生保障", by=office_user)
    services.discussion_reply(item=DiscussionItem.objects.filter(category="duty").get(), reply="已转交", by=office_user)
    counts = services.discussion_counts(DiscussionItem.objects.all())
    assert (counts["total"], counts["aspects"], counts["replied"]) == (5, 4, 1)
    assert [c["label"] for c in counts["categories"]] == ["培训工作", "代表履职", "经济社会发展"]
    training = counts["categories"][0]
    assert [(a["aspect"], a["count"]) for a in training["aspects"]] == [("培训方式", 2), ("培训内容", 1)]


def test_aspect_suggestions_are_eight_in_four_categories():
    assert len(services.ASPECT_SUGGESTIONS) == 4
    assert sum(len(v) for v in services.ASPECT_SUGGESTIONS.values()) == 8


def test_convener_deletes_unanswered_items_only(split, deputy_user, office_user):
    group = split["mine"].group
    item = services.discussion_item_create(group=group, category="duty", aspect="", text="x", by=deputy_user)
    services.discussion_item_delete(item=item, by=deputy_user)
    item = services.discussion_item_create(group=group, category="duty", aspect="", text="y", by=deputy_user)
    services.discussion_reply(item=item, reply="好", by=office_user)
    with pytest.raises(SeatingError, match="已答复"):
        services.discussion_item_delete(item=item, by=deputy_user)
    services.discussion_item_delete(item=item, by=office_user)
    assert not DiscussionItem.objects.exists()

"""Discussion groups: the balanced split, moves and conveners, and an honest balance report."""

import random
from collections import Counter

import pytest
from auditlog.models import LogEntry

from lvzhi.core.models import Notification
from lvzhi.training.models import DiscussionGroup, DiscussionItem, Enrollment
from lvzhi.training.services import groups as services
from lvzhi.training.services.groups import GroupError, Member, balance_split
from lvzhi.training.services.seating import SeatingError

from .test_seating_support import make_crowd

SEED_SIZES = [41, 38, 35, 33, 31, 30, 29, 27, 25, 22, 20, 15]  # 346 people in 12 delegations


def _members(sizes, sectors, levels, seed=7):
    rnd = random.Random(seed)
    members, pk = [], 0
    for d, size in enumerate(sizes):
        for _ in range(size):
            pk += 1
            members.append(Member(pk, d, rnd.choice(levels), rnd.choice(sectors)))
    return members


def _check_split(members, split, count):
    assert sorted(pk for g in split for pk in g) == sorted(m.pk for m in members)  # everyone once
    sizes = [len(g) for g in split]
    assert max(sizes) - min(sizes) <= 1
    by_pk = {m.pk: m for m in members}
    totals = Counter(m.delegation for m in members)
    for d, total in totals.items():
        per_group = [sum(1 for pk in g if by_pk[pk].delegation == d) for g in split]
        assert all(abs(n - total / count) < 1 for n in per_group), (d, per_group)
    return by_pk


def test_346_people_in_12_delegations_into_12_groups():
    sectors = ["工人", "农民", "专业技术人员", "党政干部", "企业负责人", "社会组织", "解放军"]
    members = _members(SEED_SIZES, sectors, ["市人大代表", "省人大代表"])
    assert len(members) == 346
    split = balance_split(members, 12, {d: d for d in range(12)})
    by_pk = _check_split(members, split, 12)
    assert sorted(len(g) for g in split) == [28] * 2 + [29] * 10
    # sectors: spread as evenly as the delegations allow — every group within 2 of its even share
    sector_totals = Counter(m.sector for m in members)
    for group in split:
        have = Counter(by_pk[pk].sector for pk in group)
        for sector, total in sector_totals.items():
            assert abs(have[sector] - total / 12) <= 2, (sector, have[sector], total / 12)


@pytest.mark.parametrize("sizes,count", [([5, 3, 9, 1, 12], 4), ([1, 1, 1], 5), ([30], 7), ([7, 7, 7, 7], 3)])
def test_split_properties_hold_for_other_shapes(sizes, count):
    members = _members(sizes, ["甲", "乙", "丙"], ["县人大代表"], seed=sum(sizes))
    _check_split(members, balance_split(members, count, {}), count)


def test_split_is_deterministic():
    members = _members(SEED_SIZES, ["工人", "农民", "干部"], ["市"])
    assert balance_split(members, 12, {}) == balance_split(list(members), 12, {})


def test_the_exchange_pass_evens_out_sectors():
    # Each delegation is all one sector, in blocks that a plain deal would pile up; the split still spreads them.
    members = [Member(i, i // 6, "县", "工人" if i % 6 < 3 else "农民") for i in range(36)]
    split = balance_split(members, 3, {})
    by_pk = _check_split(members, split, 3)
    for group in split:
        assert Counter(by_pk[pk].sector for pk in group) == {"工人": 6, "农民": 6}


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_groups_split_writes_groups_and_reports_balance(training_class, office_user, regions):
    make_crowd(training_class, regions["town_a"], [9, 7, 5, 3])
    made = services.groups_split(training_class=training_class, by=office_user, count=4,
                                 rooms=["第一会议室", "", "第三会议室"])
    assert [g.number for g in made] == [1, 2, 3, 4]
    assert [g.room for g in made] == ["第一会议室", "", "第三会议室", ""]
    overview = services.groups_overview(training_class=training_class)
    assert sorted(r.size for r in overview["groups"]) == [6, 6, 6, 6]
    assert overview["report"]["balanced"] is True
    assert overview["report"]["no_convener"] == ["第1组", "第2组", "第3组", "第4组"]
    assert LogEntry.objects.filter(additional_data__event="groups_split").exists()


@pytestmark_db
def test_moving_people_shows_up_in_the_report(training_class, office_user, regions):
    crowd = make_crowd(training_class, regions["town_a"], [4, 4])
    groups = services.groups_split(training_class=training_class, by=office_user, count=2)
    first_delegation = training_class.delegations.order_by("order", "id").first()
    target = groups[0]
    movers = Enrollment.objects.filter(pk__in=[e.pk for e in crowd], delegation=first_delegation).exclude(
        group=target)
    for e in movers:
        services.group_move(enrollment=e, group=target, by=office_user)
    report = services.groups_overview(training_class=training_class)["report"]
    assert report["balanced"] is False
    assert any("第1组：人数 6" in f for f in report["flags"])
    assert any(f"{first_delegation.name} 4 人，均衡值约 2.0" in f for f in report["flags"])
    assert LogEntry.objects.filter(additional_data__event="group_move").count() == 2


@pytestmark_db
def test_move_refusals(training_class, office_user, regions):
    crowd = make_crowd(training_class, regions["town_a"], [2])
    groups = services.groups_split(training_class=training_class, by=office_user, count=2)
    e = Enrollment.objects.get(pk=crowd[0].pk)
    with pytest.raises(GroupError, match="已在"):
        services.group_move(enrollment=e, group=e.group, by=office_user)
    assert groups


@pytestmark_db
def test_convener_is_one_per_group_notified_and_loses_the_role_on_moving(training_class, office_user, regions,
                                                                          deputy_user, deputy_person, enroll,
                                                                          django_capture_on_commit_callbacks):
    mine = enroll(deputy_person)
    make_crowd(training_class, regions["town_a"], [3])
    groups = services.groups_split(training_class=training_class, by=office_user, count=2)
    mine.refresh_from_db()
    group = mine.group
    other = Enrollment.objects.filter(group=group).exclude(pk=mine.pk).first()
    services.group_set_convener(group=group, enrollment=other, by=office_user)
    with pytest.raises(GroupError, match="不是第"):
        services.group_set_convener(group=next(g for g in groups if g != group), enrollment=mine, by=office_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.group_set_convener(group=group, enrollment=mine, by=office_user)
    assert list(Enrollment.objects.filter(group=group, is_convener=True)) == [mine]
    assert Notification.objects.filter(user=deputy_user, title__contains="召集人").exists()
    services.group_move(enrollment=mine, group=next(g for g in groups if g != group), by=office_user)
    mine.refresh_from_db()
    assert not mine.is_convener


@pytestmark_db
def test_split_refusals(training_class, office_user, leader_user, regions):
    with pytest.raises(GroupError, match="还没有参训人员"):
        services.groups_split(training_class=training_class, by=office_user, count=2)
    make_crowd(training_class, regions["town_a"], [3])
    with pytest.raises(GroupError, match="不能多于人数"):
        services.groups_split(training_class=training_class, by=office_user, count=4)
    with pytest.raises(GroupError, match="1 到 60"):
        services.groups_split(training_class=training_class, by=office_user, count=0)
    with pytest.raises(GroupError, match="请填写分组数"):
        services.groups_split(training_class=training_class, by=office_user, count="十二")
    with pytest.raises(SeatingError, match="权限"):
        services.groups_split(training_class=training_class, by=leader_user, count=2)


@pytestmark_db
def test_resplit_keeps_rooms_and_will_not_drop_groups_with_items(training_class, office_user, regions):
    make_crowd(training_class, regions["town_a"], [6])
    services.groups_split(training_class=training_class, by=office_user, count=3, rooms=["一室", "二室", "三室"])
    third = DiscussionGroup.objects.get(training_class=training_class, number=3)
    DiscussionItem.objects.create(training_class=training_class, group=third, category="training", text="多安排实操")
    with pytest.raises(GroupError, match="已有讨论意见"):
        services.groups_split(training_class=training_class, by=office_user, count=2)
    services.groups_split(training_class=training_class, by=office_user, count=3)
    assert list(DiscussionGroup.objects.filter(training_class=training_class).values_list("room", flat=True)) == [
        "一室", "二室", "三室"]

"""讨论分组: the class split into N discussion groups balanced by delegation, level and sector, each with a convener.

The split deals the people out like cards: delegation after delegation, one to each group in turn, the turn going
on from one delegation to the next. That alone keeps every group's size and every delegation's share of every group
within one of even. Within those fixed places the members of a delegation are then exchanged between groups while
that evens out sectors (职业构成) and levels, which never disturbs the first two.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from lvzhi.core.audit import audit_event
from lvzhi.core.notify import notify
from lvzhi.people.models import LEVEL_DEPUTY_LABEL, Level

from ..models import ClassDelegation, DiscussionGroup, Enrollment, TrainingClass
from .seating import SeatingError, require_manage

MAX_GROUPS = 60
NO_SECTOR = "未填职业构成"
NO_DELEGATION = "未分代表团"


class GroupError(SeatingError):
    pass


@dataclass
class Member:
    pk: int
    delegation: int | None
    level: str
    sector: str


def level_label(enrollment: Enrollment) -> str:
    if enrollment.kind != Enrollment.Kind.DEPUTY:
        return enrollment.get_kind_display()
    if enrollment.mandate_id and enrollment.mandate is not None:
        return LEVEL_DEPUTY_LABEL[Level(enrollment.mandate.level)]
    return "代表"


def _members(training_class: TrainingClass) -> list[Member]:
    qs = (Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
          .select_related("mandate", "person").only("id", "kind", "delegation_id", "mandate__level",
                                                     "person__occupation"))
    return [Member(e.pk, e.delegation_id, level_label(e), (e.person.occupation or "").strip() or NO_SECTOR)
            for e in qs.order_by("id")]


def balance_split(members: list[Member], count: int, delegation_rank: dict[int | None, int]) -> list[list[int]]:
    """The balanced split (member ids per group) for ``count`` groups; deterministic for the same input."""
    groups: list[list[Member]] = [[] for _ in range(count)]
    sector_n = [Counter() for _ in range(count)]
    level_n = [Counter() for _ in range(count)]
    by_delegation: dict[int | None, list[Member]] = defaultdict(list)
    for m in members:
        by_delegation[m.delegation].append(m)
    turn = 0
    for d in sorted(by_delegation, key=lambda d: (delegation_rank.get(d, len(delegation_rank)), d or 0)):
        waiting = list(by_delegation[d])
        for _ in range(len(waiting)):
            g = turn % count
            turn += 1
            # the member whose sector, then level, this group has fewest of
            best = min(waiting, key=lambda m: (sector_n[g][m.sector], level_n[g][m.level]))
            waiting.remove(best)
            groups[g].append(best)
            sector_n[g][best.sector] += 1
            level_n[g][best.level] += 1
    _improve(groups, sector_n, level_n)
    return [[m.pk for m in group] for group in groups]


def _improve(groups, sector_n, level_n, passes: int = 6) -> None:
    """Exchange two members of the same delegation between two groups while that lowers the spread of sectors
    (weighted first) and levels; sizes and delegation shares stay as they are."""
    def cost_delta(counter_g, counter_h, out_g, out_h):
        # moving out_g from g to h and out_h from h to g: change of sum of squares
        if out_g == out_h:
            return 0
        a, b = counter_g[out_g], counter_g[out_h]
        c, d = counter_h[out_h], counter_h[out_g]
        before = a * a + b * b + c * c + d * d
        after = (a - 1) ** 2 + (b + 1) ** 2 + (c - 1) ** 2 + (d + 1) ** 2
        return after - before

    count = len(groups)
    for _ in range(passes):
        improved = False
        for g in range(count):
            for h in range(g + 1, count):
                for i, mg in enumerate(groups[g]):
                    for j, mh in enumerate(groups[h]):
                        if mg.delegation != mh.delegation:
                            continue
                        delta = (4 * cost_delta(sector_n[g], sector_n[h], mg.sector, mh.sector)
                                 + cost_delta(level_n[g], level_n[h], mg.level, mh.level))
                        if delta < 0:
                            groups[g][i], groups[h][j] = mh, mg
                            for counters, key_g, key_h in ((sector_n, mg.sector, mh.sector),
                                                           (level_n, mg.level, mh.level)):
                                counters[g][key_g] -= 1
                                counters[g][key_h] += 1
                                counters[h][key_h] -= 1
                                counters[h][key_g] += 1
                            mg = mh
                            improved = True
        if not improved:
            break


@transaction.atomic
def groups_split(*, training_class: TrainingClass, by, count: int, rooms: list[str] | None = None) -> list[DiscussionGroup]:
    """Split everyone enrolled into ``count`` groups, replacing any earlier split (conveners are chosen again).

    ``rooms``: the discussion room of each group in order; a group keeps its room when none is given."""
    require_manage(by, training_class)
    TrainingClass.objects.select_for_update().filter(pk=training_class.pk).first()
    try:
        count = int(count)
    except (TypeError, ValueError) as exc:
        raise GroupError("请填写分组数（数字）") from exc
    if count < 1 or count > MAX_GROUPS:
        raise GroupError(f"分组数须在 1 到 {MAX_GROUPS} 之间")
    members = _members(training_class)
    if not members:
        raise GroupError("培训班还没有参训人员，请先报名再分组")
    if count > len(members):
        raise GroupError(f"参训人员只有 {len(members)} 人，分组数不能多于人数")
    extra = DiscussionGroup.objects.filter(training_class=training_class, number__gt=count)
    if extra.filter(items__isnull=False).exists():
        raise GroupError("组号大于新分组数的小组已有讨论意见，不能减少分组数；如需重分请保持组数不少于原来")

    rank = {pk: i for i, pk in enumerate(
        ClassDelegation.objects.filter(training_class=training_class).values_list("pk", flat=True))}
    split = balance_split(members, count, rank)

    extra.delete()
    existing = {g.number: g for g in DiscussionGroup.objects.filter(training_class=training_class)}
    groups = []
    for number in range(1, count + 1):
        group = existing.get(number) or DiscussionGroup(training_class=training_class, number=number)
        if rooms and number <= len(rooms) and (rooms[number - 1] or "").strip():
            group.room = rooms[number - 1].strip()[:100]
        group.save()
        groups.append(group)
    Enrollment.objects.filter(training_class=training_class).update(group=None, is_convener=False)
    rows = [Enrollment(pk=pk, group_id=group.pk) for group, ids in zip(groups, split, strict=True) for pk in ids]
    Enrollment.objects.bulk_update(rows, ["group"], batch_size=500)
    audit_event(training_class, event="groups_split", actor=by, note=f"分为 {count} 个讨论组，共 {len(rows)} 人")
    return groups


def _lock(enrollment: Enrollment) -> Enrollment:
    return (Enrollment.objects.select_for_update(of=("self",))
            .select_related("training_class", "person", "group").get(pk=enrollment.pk))


@transaction.atomic
def group_move(*, enrollment: Enrollment, group: DiscussionGroup, by) -> Enrollment:
    """Move one person to another group; a convener who moves is convener no more."""
    enrollment = _lock(enrollment)
    require_manage(by, enrollment.training_class)
    if group.training_class_id != enrollment.training_class_id:
        raise GroupError("所选讨论组不属于本培训班")
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise GroupError(f"{enrollment.person.name}已撤销参训，不能分组")
    if enrollment.group_id == group.pk:
        raise GroupError(f"{enrollment.person.name}已在{group}")
    before = str(enrollment.group) if enrollment.group_id else "未分组"
    was_convener = enrollment.is_convener
    enrollment.group, enrollment.is_convener = group, False
    enrollment.save(update_fields=["group", "is_convener"])
    note = enrollment.person.name + ("（原为召集人）" if was_convener else "")
    audit_event(enrollment, event="group_move", actor=by, changes={"讨论组": [before, str(group)]}, note=note)
    return enrollment


@transaction.atomic
def group_set_convener(*, group: DiscussionGroup, enrollment: Enrollment, by) -> Enrollment:
    """Make a member the group's convener (one per group); they are told in their inbox."""
    enrollment = _lock(enrollment)
    require_manage(by, enrollment.training_class)
    if enrollment.group_id != group.pk:
        raise GroupError(f"{enrollment.person.name}不是{group}的成员，请先把他调入该组")
    previous = list(Enrollment.objects.filter(group=group, is_convener=True).exclude(pk=enrollment.pk)
                    .select_related("person"))
    Enrollment.objects.filter(pk__in=[e.pk for e in previous]).update(is_convener=False)
    enrollment.is_convener = True
    enrollment.save(update_fields=["is_convener"])
    audit_event(enrollment, event="group_convener", actor=by,
                changes={"召集人": [", ".join(e.person.name for e in previous) or "无", enrollment.person.name]},
                note=str(group))
    account = getattr(enrollment.person, "account", None)
    if account is not None and account.is_active:
        training_class = enrollment.training_class
        transaction.on_commit(lambda: notify(
            user=account, title=f"您担任{training_class.title}{group}召集人",
            body=f"请组织本组讨论并记录代表提出的意见建议。讨论地点：{group.room or '另行通知'}。",
        ))
    return enrollment


@transaction.atomic
def group_update(*, group: DiscussionGroup, room: str, by) -> DiscussionGroup:
    require_manage(by, group.training_class)
    group.room = (room or "").strip()[:100]
    group.save(update_fields=["room"])
    return group


# ---------------------------------------------------------------------------------------------------------------
# Reading: the groups with their members, and the balance report


@dataclass
class GroupRow:
    group: DiscussionGroup
    members: list = field(default_factory=list)
    convener: Enrollment | None = None
    by_delegation: Counter = field(default_factory=Counter)
    by_level: Counter = field(default_factory=Counter)
    by_sector: Counter = field(default_factory=Counter)
    flags: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Members shown (a delegation's lead sees only their own)."""
        return len(self.members)

    @property
    def whole_size(self) -> int:
        """Everyone in the group."""
        return sum(self.by_delegation.values())


def groups_overview(*, training_class: TrainingClass, delegation_ids: set[int] | None = None) -> dict:
    """Every group with its members (or only the given delegations' members) and the balance report, in a fixed
    number of queries."""
    groups = list(DiscussionGroup.objects.filter(training_class=training_class).order_by("number"))
    enrolled = list(Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
                    .select_related("person", "delegation", "mandate")
                    .order_by("delegation__order", "delegation_id", "id"))
    rows = {g.pk: GroupRow(g) for g in groups}
    unassigned = []
    for e in enrolled:
        e.level_label = level_label(e)
        e.sector = (e.person.occupation or "").strip() or NO_SECTOR
        e.delegation_name = e.delegation.name if e.delegation_id else NO_DELEGATION
        row = rows.get(e.group_id)
        if row is None:
            if delegation_ids is None or e.delegation_id in delegation_ids:
                unassigned.append(e)
            continue
        row.by_delegation[e.delegation_name] += 1
        row.by_level[e.level_label] += 1
        row.by_sector[e.sector] += 1
        if e.is_convener:
            row.convener = e
        if delegation_ids is None or e.delegation_id in delegation_ids:
            row.members.append(e)
    for row in rows.values():
        row.members.sort(key=lambda e: not e.is_convener)  # stable: the rest stay in delegation order
    report = balance_report(list(rows.values()), total=sum(sum(r.by_delegation.values()) for r in rows.values()))
    return {"groups": list(rows.values()), "unassigned": unassigned, "report": report}


def balance_report(rows: list[GroupRow], *, total: int) -> dict:
    """Per group the counts by delegation, level and sector, with a flag wherever a group is more than one person
    away from the even share (its size, or its share of a delegation, a level or a sector)."""
    n = len(rows)
    if not n:
        return {"ideal": 0, "flags": [], "delegations": [], "levels": [], "sectors": [], "balanced": True,
                "no_convener": []}
    ideal = total / n
    totals = {"delegation": Counter(), "level": Counter(), "sector": Counter()}
    for r in rows:
        totals["delegation"].update(r.by_delegation)
        totals["level"].update(r.by_level)
        totals["sector"].update(r.by_sector)
    order = {kind: [key for key, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]
             for kind, counter in totals.items()}
    flags = []
    for r in rows:
        size = sum(r.by_delegation.values())
        r.flags = []
        r.size_off = abs(size - ideal) > 1
        if r.size_off:
            r.flags.append(f"人数 {size}，均衡值约 {ideal:.1f}")
        r.cells = {}
        for kind, counter in (("delegation", r.by_delegation), ("level", r.by_level), ("sector", r.by_sector)):
            cells = r.cells[kind] = []
            for key in order[kind]:
                share = totals[kind][key] / n
                have = counter.get(key, 0)
                off = abs(have - share) > 1
                cells.append({"n": have, "off": off})
                if off:
                    r.flags.append(f"{key} {have} 人，均衡值约 {share:.1f}")
        flags.extend(f"{r.group}：{text}" for text in r.flags)

    def columns(kind):
        return [{"name": key, "total": totals[kind][key]} for key in order[kind]]

    no_convener = [str(r.group) for r in rows if r.convener is None]
    return {"ideal": ideal, "flags": flags, "balanced": not flags, "no_convener": no_convener,
            "delegations": columns("delegation"),
            "levels": columns("level"), "sectors": columns("sector")}

"""座次表: the hall's zones and the fixed seat of every enrolled person.

Seats are laid out as one line: zones in their order, each filled row by row (row 1 is nearest the stage), seat 1 at
the left as the audience faces the stage. Delegations take consecutive stretches of that line in their order, so each
delegation sits together; a seat holds until it is moved, so it is the same for every lesson.
"""

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from lvzhi.accounts.models import STAFF_ROLES, User
from lvzhi.core.audit import audit_event
from lvzhi.core.models import prefix_range, region_prefix

from ..models import ClassDelegation, Enrollment, SeatZone, TrainingClass

MANAGE = "training.manage"


class SeatingError(ValueError):
    """A refusal the user can act on; the message says what to fix."""


def require_manage(by, training_class: TrainingClass) -> None:
    """Only office staff who may run training, and whose region covers the class, change seats and groups."""
    if by is None:
        return
    if not by.can(MANAGE):
        raise SeatingError("您没有管理培训班的权限")
    if not by.region_id:
        raise SeatingError("您的账号未设置管辖区划，不能管理培训班")
    low, high = prefix_range(by.scope_prefix)
    if not (low <= training_class.region_id <= high):
        raise SeatingError("该培训班不在您的管辖范围内")


@dataclass(frozen=True)
class Seat:
    zone: SeatZone
    row: int
    number: int

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.zone.pk, self.row, self.number)

    def __str__(self) -> str:
        return seat_label(self.zone.name, self.row, self.number)


def seat_label(zone_name: str, row: int | None, number: int | None) -> str:
    if not zone_name or row is None or number is None:
        return "未安排"
    return f"{zone_name} 第{row}排 {number}号"


def enrollment_seat_label(enrollment: Enrollment) -> str:
    zone = enrollment.zone if enrollment.zone_id else None
    return seat_label(zone.name if zone else "", enrollment.seat_row, enrollment.seat_number)


def hall_seats(zones) -> list[Seat]:
    """Every seat of the hall in assignment order: zone by zone, row by row, left to right."""
    return [Seat(zone, row, number) for zone in zones
            for row in range(1, zone.rows + 1) for number in range(1, zone.seats_per_row + 1)]


def zone_staff_choices(training_class: TrainingClass):
    """Staff accounts who may take a zone's roll: office, township and leader users within the class's region."""
    region = training_class.region
    low, high = prefix_range(region_prefix(region.code, region.level))
    return (User.objects.filter(is_active=True, role__in=list(STAFF_ROLES), region_id__gte=low, region_id__lte=high)
            .select_related("region").order_by("region_id", "username"))


# ---------------------------------------------------------------------------------------------------------------
# Zones


@transaction.atomic
def zone_save(*, training_class: TrainingClass, by, name: str, rows: int, seats_per_row: int, order: int = 0,
              staff_user=None, zone: SeatZone | None = None) -> SeatZone:
    """Create a zone, or change one; a zone cannot shrink past a seat that is taken."""
    require_manage(by, training_class)
    name = (name or "").strip()
    if not name:
        raise SeatingError("请填写区域名称，例如“A区”")
    if not rows or rows < 1 or not seats_per_row or seats_per_row < 1:
        raise SeatingError("排数和每排座位数都至少为 1")
    if rows > 200 or seats_per_row > 200:
        raise SeatingError("排数和每排座位数都不能超过 200")
    if staff_user is not None and not zone_staff_choices(training_class).filter(pk=staff_user.pk).exists():
        raise SeatingError("考勤人员须是本培训班主办区划内的工作人员")
    clash = SeatZone.objects.filter(training_class=training_class, name=name)
    if zone is not None:
        zone = SeatZone.objects.select_for_update().get(pk=zone.pk, training_class=training_class)
        clash = clash.exclude(pk=zone.pk)
        outside = Enrollment.objects.filter(zone=zone).filter(Q(seat_row__gt=rows) | Q(seat_number__gt=seats_per_row))
        if (outside_count := outside.count()):
            raise SeatingError(f"{zone.name}有 {outside_count} 人坐在调整后范围以外的座位上，请先调整他们的座位")
    else:
        zone = SeatZone(training_class=training_class)
    if clash.exists():
        raise SeatingError(f"已有名为“{name}”的区域，请换一个名称")
    zone.name, zone.rows, zone.seats_per_row, zone.order, zone.staff_user = name, rows, seats_per_row, order, staff_user
    try:
        zone.full_clean()
    except ValidationError as exc:
        raise SeatingError("；".join(exc.messages)) from exc
    zone.save()
    return zone


@transaction.atomic
def zone_delete(*, zone: SeatZone, by) -> None:
    require_manage(by, zone.training_class)
    seated = Enrollment.objects.filter(zone=zone).count()
    if seated:
        raise SeatingError(f"{zone.name}已安排 {seated} 人，请先把他们调到其他区域或重新排座后再删除")
    zone.delete()


# ---------------------------------------------------------------------------------------------------------------
# Assignment


def _delegation_order(training_class: TrainingClass, order) -> dict[int | None, int]:
    """Position of each class delegation: the given ids first, in that order, then the rest in their own order;
    people without a delegation sit last."""
    own = list(ClassDelegation.objects.filter(training_class=training_class).values_list("pk", flat=True))
    wanted = []
    for pk in order or ():
        pk = int(pk)
        if pk not in own:
            raise SeatingError("排座顺序中有不属于本培训班的代表团")
        if pk not in wanted:
            wanted.append(pk)
    sequence = wanted + [pk for pk in own if pk not in wanted]
    position = {pk: i for i, pk in enumerate(sequence)}
    position[None] = len(sequence)
    return position


@transaction.atomic
def seats_assign(*, training_class: TrainingClass, by, order=None, reassign: bool = False) -> int:
    """Give every enrolled person without a seat a seat, delegation by delegation (``order``: class delegation
    ids in the order they sit; the rest follow). With ``reassign`` every seat is laid out again from the first.

    Newcomers to a delegation already seated take the free seats nearest to it. Nothing is written when there
    are too few seats. Returns how many people were given a seat."""
    require_manage(by, training_class)
    TrainingClass.objects.select_for_update().filter(pk=training_class.pk).first()  # one assignment at a time
    zones = list(SeatZone.objects.filter(training_class=training_class).order_by("order", "id"))
    if not zones:
        raise SeatingError("还没有设置座位区域，请先添加区域（名称、排数、每排座位数）")
    position = _delegation_order(training_class, order)
    seats = hall_seats(zones)
    index_of = {seat.key: i for i, seat in enumerate(seats)}

    enrolled = list(Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
                    .order_by("id").values("id", "delegation_id", "zone_id", "seat_row", "seat_number"))
    taken: dict[int, int] = {}  # seat index → enrollment id
    if not reassign:
        for e in enrolled:
            if e["zone_id"] is not None:
                i = index_of.get((e["zone_id"], e["seat_row"], e["seat_number"]))
                if i is not None:
                    taken[i] = e["id"]
        waiting = [e for e in enrolled if e["zone_id"] is None or
                   index_of.get((e["zone_id"], e["seat_row"], e["seat_number"])) is None]
    else:
        waiting = list(enrolled)
    waiting.sort(key=lambda e: (position.get(e["delegation_id"], position[None]), e["id"]))

    free = [i for i in range(len(seats)) if i not in taken]
    if len(waiting) > len(free):
        raise SeatingError(
            f"座位不足：需安排 {len(waiting)} 人，现有空座 {len(free)} 个，还差 {len(waiting) - len(free)} 个。"
            "请增加区域、排数或每排座位数后再排座，座次未作任何改动。"
        )
    if not waiting:
        return 0

    # Where each delegation already sits (its last seat), so newcomers join it rather than the back of the hall.
    delegation_of = {e["id"]: e["delegation_id"] for e in enrolled}
    anchor: dict[int | None, int] = {}
    for i, pk in taken.items():
        d = delegation_of.get(pk)
        anchor[d] = max(anchor.get(d, -1), i)

    free_set = sorted(free)
    chosen: dict[int, int] = {}
    for d, members in _runs_by_delegation(waiting):
        for e in members:
            if d is not None and d in anchor:
                start = anchor[d]  # the free seat nearest the delegation's last seat, after it on a tie
                i = min(free_set, key=lambda s: (abs(s - start), s < start))
            else:
                i = _first_run(free_set, len(members))
            free_set.remove(i)
            chosen[e["id"]] = i
            anchor[d] = max(anchor.get(d, i), i)

    ids = list(chosen)
    if reassign:
        Enrollment.objects.filter(training_class=training_class).update(zone=None, seat_row=None, seat_number=None)
    else:
        Enrollment.objects.filter(pk__in=ids).update(zone=None, seat_row=None, seat_number=None)
    rows = []
    for pk, i in chosen.items():
        seat = seats[i]
        rows.append(Enrollment(pk=pk, zone_id=seat.zone.pk, seat_row=seat.row, seat_number=seat.number))
    with _seat_taken_meanwhile():
        Enrollment.objects.bulk_update(rows, ["zone", "seat_row", "seat_number"], batch_size=500)
    audit_event(training_class, event="seats_assign", actor=by,
                note=f"{'重新排座' if reassign else '排座'}：安排 {len(rows)} 人，共 {len(seats)} 个座位")
    return len(rows)


def _runs_by_delegation(waiting: list[dict]):
    run: list[dict] = []
    for e in waiting:
        if run and run[-1]["delegation_id"] != e["delegation_id"]:
            yield run[0]["delegation_id"], run
            run = []
        run.append(e)
    if run:
        yield run[0]["delegation_id"], run


def _first_run(free: list[int], length: int) -> int:
    """The start of the first stretch of ``length`` consecutive free seats, else the first free seat."""
    start = 0
    for k in range(1, len(free) + 1):
        if k - start >= length:
            return free[start]
        if k < len(free) and free[k] != free[k - 1] + 1:
            start = k
    return free[0]


@transaction.atomic
def seats_clear(*, training_class: TrainingClass, by) -> int:
    require_manage(by, training_class)
    count = (Enrollment.objects.filter(training_class=training_class, zone__isnull=False)
             .update(zone=None, seat_row=None, seat_number=None))
    audit_event(training_class, event="seats_clear", actor=by, note=f"清空座次：{count} 人")
    return count


@contextmanager
def _seat_taken_meanwhile():
    """The database allows one person per seat; a seat taken by a concurrent change is refused, not a crash."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise SeatingError("座位刚被其他操作占用，请刷新座次表后重新选择，本次未作改动") from exc


def _lock(enrollment: Enrollment) -> Enrollment:
    return (Enrollment.objects.select_for_update(of=("self",))
            .select_related("training_class", "zone", "person").get(pk=enrollment.pk))


@transaction.atomic
def seat_move(*, enrollment: Enrollment, zone: SeatZone, row: int, number: int, by) -> Enrollment:
    """Move one person to a free seat."""
    enrollment = _lock(enrollment)
    training_class = enrollment.training_class
    require_manage(by, training_class)
    if enrollment.status != Enrollment.Status.ENROLLED:
        raise SeatingError(f"{enrollment.person.name}已撤销参训，不能安排座位")
    if zone.training_class_id != training_class.pk:
        raise SeatingError("所选区域不属于本培训班")
    try:
        row, number = int(row), int(number)
    except (TypeError, ValueError) as exc:
        raise SeatingError("请填写排号和座号（数字）") from exc
    if not (1 <= row <= zone.rows and 1 <= number <= zone.seats_per_row):
        raise SeatingError(f"{zone.name}只有 {zone.rows} 排、每排 {zone.seats_per_row} 个座位，请重新选择")
    occupant = (Enrollment.objects.filter(zone=zone, seat_row=row, seat_number=number)
                .exclude(pk=enrollment.pk).select_related("person").first())
    if occupant is not None:
        raise SeatingError(f"{seat_label(zone.name, row, number)}已安排{occupant.person.name}，可改用“对调座位”")
    before = enrollment_seat_label(enrollment)
    enrollment.zone, enrollment.seat_row, enrollment.seat_number = zone, row, number
    with _seat_taken_meanwhile():
        enrollment.save(update_fields=["zone", "seat_row", "seat_number"])
    audit_event(enrollment, event="seat_move", actor=by,
                changes={"座位": [before, seat_label(zone.name, row, number)]}, note=enrollment.person.name)
    return enrollment


@transaction.atomic
def seat_swap(*, first: Enrollment, second: Enrollment, by) -> tuple[Enrollment, Enrollment]:
    """Two people of one class exchange seats (either may be without one)."""
    if first.pk == second.pk:
        raise SeatingError("请选择两个不同的人对调座位")
    a, b = sorted([first, second], key=lambda e: e.pk)  # lock in a fixed order
    a, b = _lock(a), _lock(b)
    if a.training_class_id != b.training_class_id:
        raise SeatingError("只能对调同一培训班内两人的座位")
    require_manage(by, a.training_class)
    for e in (a, b):
        if e.status != Enrollment.Status.ENROLLED:
            raise SeatingError(f"{e.person.name}已撤销参训，不能安排座位")
    if a.zone_id is None and b.zone_id is None:
        raise SeatingError("两人都还没有座位，无需对调")
    seat_a = (a.zone, a.seat_row, a.seat_number)
    seat_b = (b.zone, b.seat_row, b.seat_number)
    labels = (enrollment_seat_label(a), enrollment_seat_label(b))
    Enrollment.objects.filter(pk__in=[a.pk, b.pk]).update(zone=None, seat_row=None, seat_number=None)
    a.zone, a.seat_row, a.seat_number = seat_b
    b.zone, b.seat_row, b.seat_number = seat_a
    with _seat_taken_meanwhile():
        a.save(update_fields=["zone", "seat_row", "seat_number"])
        b.save(update_fields=["zone", "seat_row", "seat_number"])
    for e, old, new in ((a, labels[0], labels[1]), (b, labels[1], labels[0])):
        audit_event(e, event="seat_swap", actor=by, changes={"座位": [old, new]}, note=e.person.name)
    return (a, b) if first.pk == a.pk else (b, a)


# ---------------------------------------------------------------------------------------------------------------
# Reading the chart


def seating_chart(*, training_class: TrainingClass, delegation_ids: set[int] | None = None) -> dict:
    """The chart as zones of rows of seats, in two queries whatever the size of the hall.

    ``delegation_ids``: show names only for these delegations (a delegation's lead sees their own people); the
    other taken seats are shown as taken."""
    zones = list(SeatZone.objects.filter(training_class=training_class).select_related("staff_user")
                 .order_by("order", "id"))
    seated = (Enrollment.objects.filter(training_class=training_class, zone__isnull=False)
              .select_related("person", "delegation")
              .only("id", "zone_id", "seat_row", "seat_number", "status", "delegation_id", "delegation__name",
                    "delegation__order", "person__name", "person__gender", "person__occupation"))
    by_seat = {(e.zone_id, e.seat_row, e.seat_number): e for e in seated}
    palette: dict[int | None, int] = {}
    result_zones = []
    total_seats = taken = 0
    for zone in zones:
        rows = []
        zone_taken = 0
        for row in range(1, zone.rows + 1):
            cells = []
            for number in range(1, zone.seats_per_row + 1):
                e = by_seat.get((zone.pk, row, number))
                cell = {"row": row, "number": number, "label": seat_label(zone.name, row, number)}
                if e is not None:
                    zone_taken += 1
                    visible = delegation_ids is None or e.delegation_id in delegation_ids
                    if visible:
                        colour = palette.setdefault(e.delegation_id, len(palette) % 12)
                        name = e.delegation.name if e.delegation_id else ""
                        cell.update(enrollment_id=e.pk, name=e.person.name, delegation=name,
                                    short=name.removesuffix("代表团") or name,
                                    colour=colour, visible=True)
                    else:
                        cell.update(enrollment_id=None, name="", delegation="", colour=None, visible=False, taken=True)
                cells.append(cell)
            rows.append({"number": row, "cells": cells})
        total_seats += zone.rows * zone.seats_per_row
        taken += zone_taken
        result_zones.append({"zone": zone, "rows": rows, "taken": zone_taken,
                             "capacity": zone.rows * zone.seats_per_row,
                             "free": zone.rows * zone.seats_per_row - zone_taken, "numbers": range(1, zone.seats_per_row + 1)})
    enrolled = Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
    if delegation_ids is not None:
        enrolled = enrolled.filter(delegation_id__in=delegation_ids)
    unseated = list(enrolled.filter(zone__isnull=True).select_related("person", "delegation")
                    .order_by("delegation__order", "id"))
    legend = []
    seen = set()
    for e in sorted(by_seat.values(), key=lambda e: (e.delegation.order if e.delegation_id else 10**6, e.pk)):
        if e.delegation_id in palette and e.delegation_id not in seen:
            seen.add(e.delegation_id)
            legend.append({"name": e.delegation.name if e.delegation_id else "未分代表团",
                           "colour": palette[e.delegation_id]})
    return {"zones": result_zones, "total_seats": total_seats, "taken": taken, "unseated": unseated,
            "legend": legend}


def seat_list(*, training_class: TrainingClass, delegation_ids: set[int] | None = None) -> list[Enrollment]:
    """Everyone enrolled with their seat, in seat order (the unseated last)."""
    qs = (Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
          .select_related("person", "delegation", "zone", "mandate"))
    if delegation_ids is not None:
        qs = qs.filter(delegation_id__in=delegation_ids)
    rows = list(qs)
    rows.sort(key=lambda e: (e.zone is None, e.zone.order if e.zone else 0, e.zone_id or 0, e.seat_row or 0,
                             e.seat_number or 0, e.pk))
    return rows


def delegation_runs(*, training_class: TrainingClass) -> dict[int | None, list[int]]:
    """The positions (in hall order) of each delegation's seats: what "sits together" is checked against."""
    zones = list(SeatZone.objects.filter(training_class=training_class).order_by("order", "id"))
    index_of = {seat.key: i for i, seat in enumerate(hall_seats(zones))}
    runs: dict[int | None, list[int]] = defaultdict(list)
    for e in Enrollment.objects.filter(training_class=training_class, zone__isnull=False):
        runs[e.delegation_id].append(index_of[(e.zone_id, e.seat_row, e.seat_number)])
    return {k: sorted(v) for k, v in runs.items()}

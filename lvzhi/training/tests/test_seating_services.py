"""Seat assignment: zones, delegations sitting together, no double booking, too few seats, moves and swaps."""

import pytest
from auditlog.models import LogEntry

from lvzhi.training.models import Enrollment, SeatZone
from lvzhi.training.services import seating as services
from lvzhi.training.services.seating import SeatingError

from .test_seating_support import make_crowd

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(training_class, office_user):
    def make(*shapes):
        return [services.zone_save(training_class=training_class, by=office_user, name=f"{chr(65 + i)}区",
                                   rows=rows, seats_per_row=seats, order=i) for i, (rows, seats) in enumerate(shapes)]
    return make


def _seats(training_class):
    return list(Enrollment.objects.filter(training_class=training_class, zone__isnull=False)
                .values_list("zone_id", "seat_row", "seat_number"))


def _contiguous(positions):
    return positions == list(range(positions[0], positions[0] + len(positions)))


def test_each_delegation_sits_together_in_order(training_class, office_user, regions, hall):
    crowd = make_crowd(training_class, regions["town_a"], [7, 12, 5, 9])
    hall((3, 6), (4, 5))  # 18 + 20 = 38 seats for 33 people
    assert services.seats_assign(training_class=training_class, by=office_user) == 33
    seats = _seats(training_class)
    assert len(seats) == 33 == len(set(seats))  # nobody shares a seat
    runs = services.delegation_runs(training_class=training_class)
    delegations = list(training_class.delegations.order_by("order", "id"))
    starts = []
    for d in delegations:
        assert _contiguous(runs[d.pk]), d.name
        starts.append(runs[d.pk][0])
    assert starts == sorted(starts) and starts[0] == 0  # delegations in their order from the first seat
    first = Enrollment.objects.get(pk=crowd[0].pk)
    assert (first.zone.name, first.seat_row, first.seat_number) == ("A区", 1, 1)
    # the 19th person (index 18) is the first seat of the second zone, filling row by row
    nineteenth = Enrollment.objects.get(pk=crowd[18].pk)
    assert (nineteenth.zone.name, nineteenth.seat_row, nineteenth.seat_number) == ("B区", 1, 1)


def test_order_puts_chosen_delegations_first(training_class, office_user, regions, hall):
    make_crowd(training_class, regions["town_a"], [3, 4, 2])
    hall((2, 5))
    delegations = list(training_class.delegations.order_by("order", "id"))
    services.seats_assign(training_class=training_class, by=office_user, order=[delegations[2].pk])
    runs = services.delegation_runs(training_class=training_class)
    assert runs[delegations[2].pk] == [0, 1]
    assert runs[delegations[0].pk] == [2, 3, 4]
    assert runs[delegations[1].pk] == [5, 6, 7, 8]


def test_too_few_seats_is_refused_and_nothing_written(training_class, office_user, regions, hall):
    make_crowd(training_class, regions["town_a"], [10, 10])
    hall((2, 5), (1, 5))  # 15 seats for 20
    with pytest.raises(SeatingError, match="座位不足.*还差 5 个"):
        services.seats_assign(training_class=training_class, by=office_user)
    assert _seats(training_class) == []


def test_no_zones_is_refused_with_a_clear_message(training_class, office_user, regions):
    make_crowd(training_class, regions["town_a"], [2])
    with pytest.raises(SeatingError, match="请先添加区域"):
        services.seats_assign(training_class=training_class, by=office_user)


def test_rerun_keeps_seats_and_seats_newcomers_beside_their_delegation(training_class, office_user, regions, hall):
    crowd = make_crowd(training_class, regions["town_a"], [4, 4])
    hall((3, 6))
    services.seats_assign(training_class=training_class, by=office_user)
    before = dict(Enrollment.objects.filter(training_class=training_class)
                  .values_list("pk", "seat_number"))
    late = make_crowd(training_class, regions["town_a"], [1, 0], start=100)[0]  # joins the first delegation
    assert services.seats_assign(training_class=training_class, by=office_user) == 1
    after = dict(Enrollment.objects.filter(pk__in=[e.pk for e in crowd]).values_list("pk", "seat_number"))
    assert after == {pk: before[pk] for pk in after}  # nobody else moved
    late.refresh_from_db()
    assert late.zone is not None
    # the first delegation sits at 0-3 and the second at 4-7: the nearest free seat is the 9th (index 8)
    assert (late.seat_row, late.seat_number) == (2, 3)
    assert services.seats_assign(training_class=training_class, by=office_user) == 0


def test_reassign_lays_out_everyone_again(training_class, office_user, regions, hall):
    crowd = make_crowd(training_class, regions["town_a"], [3, 3])
    hall((2, 6))
    delegations = list(training_class.delegations.order_by("order", "id"))
    services.seats_assign(training_class=training_class, by=office_user)
    services.seats_assign(training_class=training_class, by=office_user, reassign=True,
                          order=[delegations[1].pk, delegations[0].pk])
    first = Enrollment.objects.get(pk=crowd[3].pk)
    assert (first.seat_row, first.seat_number) == (1, 1)
    assert len(set(_seats(training_class))) == 6


def test_withdrawn_people_get_no_seat(training_class, office_user, regions, hall):
    crowd = make_crowd(training_class, regions["town_a"], [3])
    Enrollment.objects.filter(pk=crowd[0].pk).update(status=Enrollment.Status.WITHDRAWN)
    hall((1, 5))
    assert services.seats_assign(training_class=training_class, by=office_user) == 2


def test_move_to_a_free_seat_is_audited(training_class, office_user, regions, hall):
    crowd = make_crowd(training_class, regions["town_a"], [2])
    zone_a, zone_b = hall((1, 3), (1, 3))
    services.seats_assign(training_class=training_class, by=office_user)
    moved = services.seat_move(enrollment=crowd[0], zone=zone_b, row=1, number=2, by=office_user)
    assert (moved.zone, moved.seat_row, moved.seat_number) == (zone_b, 1, 2)
    entry = LogEntry.objects.filter(additional_data__event="seat_move").get()
    assert entry.changes == {"座位": ["A区 第1排 1号", "B区 第1排 2号"]}
    assert entry.actor == office_user


def test_move_onto_a_taken_seat_is_refused(training_class, office_user, regions, hall):
    crowd = make_crowd(training_class, regions["town_a"], [2])
    (zone,) = hall((1, 3))
    services.seats_assign(training_class=training_class, by=office_user)
    with pytest.raises(SeatingError, match="已安排.*对调"):
        services.seat_move(enrollment=crowd[0], zone=zone, row=1, number=2, by=office_user)
    with pytest.raises(SeatingError, match="只有 1 排"):
        services.seat_move(enrollment=crowd[0], zone=zone, row=2, number=1, by=office_user)


def test_swap_exchanges_two_seats(training_class, office_user, regions, hall):
    crowd = make_crowd(training_class, regions["town_a"], [1, 1])
    hall((1, 4))
    services.seats_assign(training_class=training_class, by=office_user)
    a, b = services.seat_swap(first=crowd[0], second=crowd[1], by=office_user)
    assert (a.pk, a.seat_number, b.seat_number) == (crowd[0].pk, 2, 1)
    assert len(set(_seats(training_class))) == 2
    assert LogEntry.objects.filter(additional_data__event="seat_swap").count() == 2


def test_swap_with_someone_unseated(training_class, office_user, regions, hall):
    crowd = make_crowd(training_class, regions["town_a"], [2])
    hall((1, 4))
    services.seats_assign(training_class=training_class, by=office_user)
    Enrollment.objects.filter(pk=crowd[1].pk).update(zone=None, seat_row=None, seat_number=None)
    a, b = services.seat_swap(first=crowd[1], second=crowd[0], by=office_user)
    assert (a.seat_number, b.zone) == (1, None)


def test_only_managers_of_the_class_region_change_seats(training_class, leader_user, township_user, outsider_user,
                                                         regions, hall):
    make_crowd(training_class, regions["town_a"], [1])
    hall((1, 2))
    for user in (leader_user, township_user, outsider_user):
        with pytest.raises(SeatingError):
            services.seats_assign(training_class=training_class, by=user)


def test_a_zone_cannot_shrink_past_a_taken_seat(training_class, office_user, regions, hall):
    make_crowd(training_class, regions["town_a"], [6])
    (zone,) = hall((2, 4))
    services.seats_assign(training_class=training_class, by=office_user)
    with pytest.raises(SeatingError, match="2 人坐在调整后范围以外"):
        services.zone_save(training_class=training_class, by=office_user, zone=zone, name="A区", rows=1,
                           seats_per_row=4)
    with pytest.raises(SeatingError, match="已安排 6 人"):
        services.zone_delete(zone=zone, by=office_user)
    with pytest.raises(SeatingError, match="已有名为"):
        services.zone_save(training_class=training_class, by=office_user, name="A区", rows=1, seats_per_row=1)
    assert SeatZone.objects.get(pk=zone.pk).rows == 2


def test_zone_staff_must_be_staff_of_the_class_region(training_class, office_user, township_user, outsider_user):
    zone = services.zone_save(training_class=training_class, by=office_user, name="A区", rows=1, seats_per_row=1,
                              staff_user=township_user)
    assert zone.staff_user == township_user
    with pytest.raises(SeatingError, match="考勤人员"):
        services.zone_save(training_class=training_class, by=office_user, name="B区", rows=1, seats_per_row=1,
                           staff_user=outsider_user)


def test_chart_lays_out_rows_and_hides_other_delegations(training_class, office_user, regions, hall):
    make_crowd(training_class, regions["town_a"], [2, 2])
    hall((2, 3))
    services.seats_assign(training_class=training_class, by=office_user)
    first = training_class.delegations.order_by("order", "id").first()
    chart = services.seating_chart(training_class=training_class, delegation_ids={first.pk})
    (zone,) = chart["zones"]
    cells = [c for row in zone["rows"] for c in row["cells"]]
    assert [c.get("visible") for c in cells] == [True, True, False, False, None, None]
    assert cells[2]["name"] == "" and cells[2]["taken"]
    assert (chart["taken"], chart["total_seats"], zone["free"]) == (4, 6, 2)


def test_a_seat_taken_behind_the_services_back_is_refused_not_a_crash(training_class, office_user, regions, hall,
                                                                       monkeypatch):
    crowd = make_crowd(training_class, regions["town_a"], [2])
    (zone,) = hall((1, 3))
    services.seats_assign(training_class=training_class, by=office_user)
    label = services.enrollment_seat_label

    def someone_else_takes_seat_3(enrollment):
        # between the service's check and its write, another change puts the first person on seat 3
        Enrollment.objects.filter(pk=crowd[0].pk).update(seat_number=3)
        return label(enrollment)

    monkeypatch.setattr(services, "enrollment_seat_label", someone_else_takes_seat_3)
    with pytest.raises(SeatingError, match="座位刚被其他操作占用"):
        services.seat_move(enrollment=crowd[1], zone=zone, row=1, number=3, by=office_user)

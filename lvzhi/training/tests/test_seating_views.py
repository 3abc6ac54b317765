"""The seating chart pages: chart, zones, assignment, moves and swaps, PDF and Excel; who may do what."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lvzhi.accounts.models import User
from lvzhi.training.models import Enrollment, SeatZone
from lvzhi.training.services import seating as services

from .test_seating_support import make_crowd

pytestmark = pytest.mark.django_db


def url(name, cls, *args):
    return reverse(f"training:{name}", args=[cls.pk, *args])


@pytest.fixture
def seated(training_class, office_user, regions):
    crowd = make_crowd(training_class, regions["town_a"], [5, 4])
    services.zone_save(training_class=training_class, by=office_user, name="A区", rows=2, seats_per_row=4)
    services.zone_save(training_class=training_class, by=office_user, name="B区", rows=2, seats_per_row=4, order=1)
    services.seats_assign(training_class=training_class, by=office_user)
    return crowd


@pytest.fixture
def far_township_user(regions):
    return User.objects.create_user(username="far_town", password="x", role="township", region=regions["other_town"])


def test_staff_sees_the_chart_by_zone(login, office_user, training_class, seated):
    response = login(office_user).get(url("seating", training_class))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A区" in html and "B区" in html and "主 席 台" in html
    assert seated[0].person.name in html
    assert "按代表团排座" in html and "调整座位" in html  # the manager's forms


def test_htmx_zone_filter_returns_only_the_chart(login, office_user, training_class, seated):
    zone = SeatZone.objects.get(name="B区")
    response = login(office_user).get(url("seating", training_class) + f"?zone={zone.pk}", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="chart"')
    assert "B区" in html and 'id="zone-' + str(SeatZone.objects.get(name="A区").pk) + '"' not in html
    assert "<html" not in html


def test_wrong_method(login, office_user, training_class, seated):
    client = login(office_user)
    assert client.post(url("seating", training_class)).status_code == 405
    assert client.get(url("seating_assign", training_class)).status_code == 405
    assert client.get(url("seating_change", training_class)).status_code == 405


def test_out_of_scope_is_404(login, outsider_user, far_township_user, township_user, training_class, seated):
    for user in (outsider_user, far_township_user, township_user):
        client = login(user)
        assert client.get(url("seating", training_class)).status_code == 404
        assert client.get(url("seating_pdf", training_class)).status_code == 404
        assert client.post(url("seating_assign", training_class)).status_code == 404


def test_read_only_staff_get_403_on_changes(login, leader_user, training_class, seated):
    client = login(leader_user)
    assert client.get(url("seating", training_class)).status_code == 200
    assert client.post(url("seating_assign", training_class), {"reassign": "on"}).status_code == 403
    zone = SeatZone.objects.first()
    assert client.post(url("seating_zone_delete", training_class, zone.pk)).status_code == 403
    assert client.post(url("seating_change", training_class), {"enrollment": seated[0].pk}).status_code == 403


def test_deputy_of_the_class_gets_403(login, deputy_user, deputy_person, enroll, training_class):
    enroll(deputy_person)
    assert login(deputy_user).get(url("seating", training_class)).status_code == 403


def test_delegation_lead_sees_only_their_people(login, township_user, training_class, seated):
    delegation = training_class.delegations.order_by("order", "id")[1]
    delegation.lead_user = township_user
    delegation.save()
    response = login(township_user).get(url("seating", training_class))
    html = response.content.decode()
    assert response.status_code == 200
    assert seated[5].person.name in html  # the second delegation's first person
    assert seated[0].person.name not in html
    assert "已安排" in html
    assert login(township_user).post(url("seating_assign", training_class)).status_code == 403
    wb = load_workbook(io.BytesIO(login(township_user).get(url("seating_xlsx", training_class)).content))
    names = [row[4] for row in wb.active.iter_rows(min_row=3, values_only=True)]
    assert names == [e.person.name for e in seated[5:]]


def test_chart_query_count_does_not_grow_with_seats(login, office_user, training_class, regions,
                                                    django_assert_max_num_queries):
    client = login(office_user)
    services.zone_save(training_class=training_class, by=office_user, name="A区", rows=10, seats_per_row=12)
    make_crowd(training_class, regions["town_a"], [3, 2])
    services.seats_assign(training_class=training_class, by=office_user)
    client.get(url("seating", training_class))
    with django_assert_max_num_queries(14) as small:
        client.get(url("seating", training_class))
    make_crowd(training_class, regions["town_a"], [40, 35, 30], start=500)
    services.seats_assign(training_class=training_class, by=office_user)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url("seating", training_class))
    assert response.content.decode().count('class="seat taken') == 110


def test_zone_add_edit_delete(login, office_user, training_class, township_user):
    client = login(office_user)
    response = client.post(url("seating_zone_add", training_class),
                           {"name": "A区", "rows": "3", "seats_per_row": "8", "order": "0",
                            "staff_user": township_user.pk}, follow=True)
    zone = SeatZone.objects.get()
    assert (zone.rows, zone.seats_per_row, zone.staff_user) == (3, 8, township_user)
    assert "已添加A区" in response.content.decode()
    response = client.post(url("seating_zone_add", training_class), {"name": "", "rows": "0"}, follow=True)
    assert "请填写区域名称" in response.content.decode()
    client.post(url("seating_zone_edit", training_class, zone.pk), {"name": "前区", "rows": "4", "seats_per_row": "8"})
    zone.refresh_from_db()
    assert (zone.name, zone.rows, zone.staff_user) == ("前区", 4, None)
    client.post(url("seating_zone_delete", training_class, zone.pk))
    assert not SeatZone.objects.exists()


def test_assign_reports_too_few_seats(login, office_user, training_class, regions):
    make_crowd(training_class, regions["town_a"], [6])
    services.zone_save(training_class=training_class, by=office_user, name="A区", rows=1, seats_per_row=4)
    response = login(office_user).post(url("seating_assign", training_class), follow=True)
    assert "座位不足：需安排 6 人，现有空座 4 个，还差 2 个" in response.content.decode()
    assert not Enrollment.objects.filter(zone__isnull=False).exists()


def test_move_and_swap_through_the_form(login, office_user, training_class, seated):
    client = login(office_user)
    zone_b = SeatZone.objects.get(name="B区")
    # the 9 people fill A区 (8) and B区 row 1 seat 1; move the first person to B区 2-4
    client.post(url("seating_change", training_class), {"enrollment": seated[0].pk, "zone": zone_b.pk, "row": 2,
                                                        "number": 4})
    first = Enrollment.objects.get(pk=seated[0].pk)
    assert (first.zone, first.seat_row, first.seat_number) == (zone_b, 2, 4)
    # onto a taken seat without "swap": refused, nothing changes
    response = client.post(url("seating_change", training_class),
                           {"enrollment": seated[0].pk, "zone": zone_b.pk, "row": 1, "number": 1}, follow=True)
    assert "对调" in response.content.decode()
    first.refresh_from_db()
    assert first.seat_row == 2
    client.post(url("seating_change", training_class),
                {"enrollment": seated[0].pk, "zone": zone_b.pk, "row": 1, "number": 1, "swap": "on"})
    first.refresh_from_db()
    last = Enrollment.objects.get(pk=seated[8].pk)
    assert (first.seat_row, first.seat_number, last.seat_row, last.seat_number) == (1, 1, 2, 4)


def test_pick_link_prefills_the_change_form(login, office_user, training_class, seated):
    zone = SeatZone.objects.get(name="B区")
    response = login(office_user).get(url("seating", training_class) + f"?pick={seated[0].pk}&to={zone.pk}-2-3")
    html = response.content.decode()
    assert f'<option value="{seated[0].pk}" selected>' in html
    assert 'name="row" type="number" min="1" required value="2"' in html
    assert "seat free target" in html


def test_pdf_per_zone_and_whole_hall(login, office_user, training_class, seated):
    client = login(office_user)
    for query in ("", "?layout=hall"):
        response = client.get(url("seating_pdf", training_class) + query)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    from pypdf import PdfReader

    zones = PdfReader(io.BytesIO(client.get(url("seating_pdf", training_class)).content))
    hall = PdfReader(io.BytesIO(client.get(url("seating_pdf", training_class) + "?layout=hall").content))
    assert len(zones.pages) == 2 and len(hall.pages) == 1
    assert zones.pages[0].mediabox.width > zones.pages[0].mediabox.height  # landscape
    text = zones.pages[0].extract_text().replace(" ", "")
    assert "主席台" in text and seated[0].person.name in text


def test_excel_seat_list(login, office_user, training_class, seated):
    response = login(office_user).get(url("seating_xlsx", training_class))
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.active.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 9
    assert rows[0][1:5] == ("A区", 1, 1, seated[0].person.name)
    assert rows[8][1:4] == ("B区", 1, 1)


def test_zone_staff_outside_the_class_region_see_the_chart_only(login, office_user, township_user, training_class,
                                                                seated):
    zone = SeatZone.objects.get(name="A区")
    client = login(township_user)
    assert client.get(url("seating", training_class)).status_code == 404  # not yet named to a zone
    services.zone_save(training_class=training_class, by=office_user, zone=zone, name="A区", rows=2, seats_per_row=4,
                       staff_user=township_user)
    html = client.get(url("seating", training_class)).content.decode()
    assert seated[0].person.name in html and seated[8].person.name in html  # the whole chart, names and all
    assert "按代表团排座" not in html and "讨论分组" not in html
    assert client.get(url("seating_pdf", training_class) + f"?zone={zone.pk}").status_code == 200
    assert client.get(url("groups", training_class)).status_code == 404
    assert client.post(url("seating_assign", training_class)).status_code == 404


def test_delegation_order_typed_on_the_form(login, office_user, training_class, regions):
    crowd = make_crowd(training_class, regions["town_a"], [2, 3])
    services.zone_save(training_class=training_class, by=office_user, name="A区", rows=1, seats_per_row=6)
    first, second = training_class.delegations.order_by("order", "id")
    login(office_user).post(url("seating_assign", training_class), {f"place_{first.pk}": "2",
                                                                    f"place_{second.pk}": "1"})
    assert [Enrollment.objects.get(pk=e.pk).seat_number for e in crowd] == [4, 5, 1, 2, 3]

"""The discussion groups page: split, balance report, moves, conveners and rooms, PDF and Excel; permissions."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lvzhi.training.models import DiscussionGroup, Enrollment
from lvzhi.training.services import groups as services

from .test_seating_support import make_crowd

pytestmark = pytest.mark.django_db


def url(name, cls, *args):
    return reverse(f"training:{name}", args=[cls.pk, *args])


@pytest.fixture
def grouped(training_class, office_user, regions):
    crowd = make_crowd(training_class, regions["town_a"], [6, 5, 4])
    services.groups_split(training_class=training_class, by=office_user, count=3)
    return crowd


def test_split_through_the_form(login, office_user, training_class, regions):
    make_crowd(training_class, regions["town_a"], [7, 5])
    response = login(office_user).post(url("groups_split", training_class),
                                       {"count": "4", "rooms": "一号室\n二号室"}, follow=True)
    html = response.content.decode()
    assert "已分为 4 个讨论组" in html
    assert "均衡情况" in html and "未确定召集人" in html
    assert list(DiscussionGroup.objects.values_list("room", flat=True)) == ["一号室", "二号室", "", ""]


def test_split_refusal_is_shown(login, office_user, training_class):
    response = login(office_user).post(url("groups_split", training_class), {"count": "3"}, follow=True)
    assert "还没有参训人员" in response.content.decode()


def test_page_lists_members_and_report(login, leader_user, training_class, grouped):
    response = login(leader_user).get(url("groups", training_class))
    html = response.content.decode()
    assert response.status_code == 200
    assert "第1组" in html and grouped[0].person.name in html
    assert "各组人数、各代表团" in html  # balanced
    assert "开始分组" not in html and "重新分组" not in html  # read-only: no forms


def test_htmx_fragment_is_the_report(login, office_user, training_class, grouped):
    html = login(office_user).get(url("groups", training_class), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<section id="report"') and "<html" not in html


def test_move_and_convener_through_forms(login, office_user, training_class, grouped):
    client = login(office_user)
    person = Enrollment.objects.get(pk=grouped[0].pk)
    target = DiscussionGroup.objects.exclude(pk=person.group_id).first()
    response = client.post(url("group_move", training_class), {"enrollment": person.pk, "group": target.pk},
                           follow=True)
    assert "均衡情况已重新计算" in response.content.decode()
    person.refresh_from_db()
    assert person.group == target
    client.post(url("group_edit", training_class, target.pk), {"room": "三楼会议室", "convener": person.pk})
    person.refresh_from_db()
    target.refresh_from_db()
    assert person.is_convener and target.room == "三楼会议室"
    html = client.get(url("groups", training_class)).content.decode()
    assert "各组人数、各代表团" in html  # 6, 5, 4 people: each within one of the even 5
    second = Enrollment.objects.filter(training_class=training_class).exclude(group=target).first()
    client.post(url("group_move", training_class), {"enrollment": second.pk, "group": target.pk})
    html = client.get(url("groups", training_class)).content.decode()
    assert f"{target}：人数 7，均衡值约 5.0" in html  # now the report says so


def test_wrong_method_scope_and_read_only(login, office_user, leader_user, outsider_user, deputy_user,
                                          deputy_person, enroll, training_class, grouped):
    assert login(office_user).post(url("groups", training_class)).status_code == 405
    assert login(office_user).get(url("groups_split", training_class)).status_code == 405
    assert login(outsider_user).get(url("groups", training_class)).status_code == 404
    assert login(outsider_user).post(url("group_move", training_class)).status_code == 404
    assert login(leader_user).post(url("groups_split", training_class), {"count": 2}).status_code == 403
    group = DiscussionGroup.objects.first()
    assert login(leader_user).post(url("group_edit", training_class, group.pk), {"room": "x"}).status_code == 403
    enroll(deputy_person)
    assert login(deputy_user).get(url("groups", training_class)).status_code == 403


def test_delegation_staff_see_their_people_only(login, township_user, training_class, grouped):
    delegation = training_class.delegations.order_by("order", "id")[2]
    delegation.staff_user = township_user
    delegation.save()
    html = login(township_user).get(url("groups", training_class)).content.decode()
    assert grouped[-1].person.name in html and grouped[0].person.name not in html
    wb = load_workbook(io.BytesIO(login(township_user).get(url("groups_xlsx", training_class)).content))
    assert sorted(r[2] for r in wb["分组名单"].iter_rows(min_row=3, values_only=True)) == sorted(
        e.person.name for e in grouped[-4:])


def test_page_query_count_does_not_grow(login, office_user, training_class, regions, django_assert_max_num_queries):
    client = login(office_user)
    make_crowd(training_class, regions["town_a"], [4, 4])
    services.groups_split(training_class=training_class, by=office_user, count=2)
    client.get(url("groups", training_class))
    with django_assert_max_num_queries(12) as small:
        client.get(url("groups", training_class))
    make_crowd(training_class, regions["town_a"], [30, 30, 20], start=300)
    services.groups_split(training_class=training_class, by=office_user, count=8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url("groups", training_class))


def test_pdf_and_excel(login, office_user, training_class, grouped):
    client = login(office_user)
    first = Enrollment.objects.filter(group__number=1).first()
    services.group_set_convener(group=first.group, enrollment=first, by=office_user)
    response = client.get(url("groups_pdf", training_class))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "召集人" in text and first.person.name in text
    wb = load_workbook(io.BytesIO(client.get(url("groups_xlsx", training_class)).content))
    rows = list(wb["分组名单"].iter_rows(min_row=3, values_only=True))
    assert len(rows) == 15
    assert rows[0][2:4] == (first.person.name, "召集人")
    report = list(wb["均衡情况"].iter_rows(values_only=True))
    assert report[0][:2] == ("组号", "人数") and [r[1] for r in report[1:]] == [5, 5, 5]

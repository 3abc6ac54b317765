"""People in a class: the list (and its HTMX fragment and Excel), enrolment by rules with preview, by hand,
withdrawal, delegation settings, the notice, and the deputy's own pages."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lvzhi.core.models import Notification
from lvzhi.people.services import mandate_create
from lvzhi.training.models import Enrollment, TrainingClass
from lvzhi.training.services import classes as svc

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_deputies(make_person, congresses, regions):
    def make(n, start=0):
        people = []
        for i in range(start, start + n):
            person = make_person(f"代表{i:02d}", region=regions["town_a"] if i % 2 else regions["town_b"],
                                 phone=f"1380000{i:04d}")
            mandate_create(by=None, person=person, term=congresses["county"])
            people.append(person)
        return people

    return make


# ------------------------------------------------------------------------------------------------- the list


def test_people_list_masks_phones(login, office_user, training_class, enroll, deputy_person):
    enroll(deputy_person)
    body = login(office_user).get(reverse("training:class_people", args=[training_class.pk])).content.decode()
    assert "张三" in body and "138****5678" in body and "13812345678" not in body


def test_people_list_query_count_does_not_grow(login, office_user, training_class, enroll, many_deputies,
                                               django_assert_max_num_queries):
    client = login(office_user)
    for person in many_deputies(3):
        enroll(person)
    url = reverse("training:class_people", args=[training_class.pk])
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    for person in many_deputies(25, start=3):
        enroll(person, delegation=1)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert "代表27" in response.content.decode()


def test_people_htmx_fragment_filters(login, office_user, training_class, enroll, deputy_person, other_deputy_person):
    enroll(deputy_person)
    enroll(other_deputy_person, delegation=1)
    second = training_class.delegations.all()[1]
    response = login(office_user).get(reverse("training:class_people", args=[training_class.pk]),
                                      {"delegation": second.pk}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="people-results"' in body and "<html" not in body
    assert "李四" in body and "张三" not in body


def test_people_scope(login, outsider_user, deputy_user, township_user, training_class, enroll, office_user):
    url = reverse("training:class_people", args=[training_class.pk])
    assert login(outsider_user).get(url).status_code == 404
    assert login(township_user).get(url).status_code == 404
    enroll(deputy_user.person)
    assert login(deputy_user).get(url).status_code == 403
    assert login(office_user).post(url).status_code == 405


def test_delegation_staff_see_only_their_people(login, office_user, other_township_user, training_class, enroll,
                                                deputy_person, other_deputy_person):
    enroll(deputy_person)  # 城关镇代表团
    enroll(other_deputy_person, delegation=1)  # 河西乡代表团
    first = training_class.delegations.all()[0]
    svc.class_delegation_update(by=office_user, delegation=first, lead_name="刘主席", lead_user=other_township_user)
    response = login(other_township_user).get(reverse("training:class_people", args=[training_class.pk]))
    body = response.content.decode()
    assert "张三" in body  # their delegation, though 张三 lives outside their township
    assert "李四" in body  # lives in their township
    zhang = Enrollment.objects.get(person=deputy_person)
    li = Enrollment.objects.get(person=other_deputy_person)
    assert [r["can_withdraw"] for r in response.context["rows"] if r["e"] == zhang] == [True]
    assert [r["can_withdraw"] for r in response.context["rows"] if r["e"] == li] == [False]
    assert reverse("training:class_enrol_manual", args=[training_class.pk]) in body  # they may add to theirs


def test_leader_reads_the_list_without_change_buttons(login, leader_user, training_class, enroll, deputy_person):
    enroll(deputy_person)
    response = login(leader_user).get(reverse("training:class_people", args=[training_class.pk]))
    body = response.content.decode()
    assert "张三" in body
    for name in ("class_enrol_manual", "class_enrol", "class_notify"):
        assert reverse(f"training:{name}", args=[training_class.pk]) not in body
    assert "移出" not in body


def test_excel_list(login, office_user, leader_user, outsider_user, training_class, enroll, deputy_person):
    enroll(deputy_person, notified_at=timezone.now())
    response = login(leader_user).get(reverse("training:class_people_xlsx", args=[training_class.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"{training_class.title}参训名单"
    assert rows[2][:4] == ("序号", "姓名", "性别", "代表团")
    assert rows[3][1] == "张三" and rows[3][3] == "城关镇代表团" and rows[3][8] == "138****5678"
    assert rows[3][11] == "是"
    assert login(outsider_user).get(reverse("training:class_people_xlsx", args=[training_class.pk])).status_code == 404


# ------------------------------------------------------------------------------------------------- enrolment


def test_rules_preview_by_htmx_then_apply(login, office_user, training_class, many_deputies):
    many_deputies(4)
    client = login(office_user)
    url = reverse("training:class_enrol", args=[training_class.pk])
    assert client.get(url).status_code == 200
    response = client.get(url, {"region": "439901000000", "levels": "4", "active_only": "on", "kind": "deputy"},
                          HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="enrol-preview"' in body and "<html" not in body
    assert '将新增 <strong class="to-add">4</strong> 人' in body
    response = client.post(url, {"region": "439901000000", "levels": "4", "active_only": "on", "kind": "deputy",
                                 "apply": "1"})
    assert response.url == reverse("training:class_people", args=[training_class.pk])
    assert training_class.enrollments.count() == 4
    client.post(url, {"region": "439901000000", "levels": "4", "active_only": "on", "kind": "deputy", "apply": "1"})
    assert training_class.enrollments.count() == 4


def test_rules_refused_for_read_only_and_outsiders(login, leader_user, outsider_user, training_class):
    url = reverse("training:class_enrol", args=[training_class.pk])
    assert login(leader_user).post(url, {"region": "439901000000", "apply": "1"}).status_code == 403
    assert login(outsider_user).get(url).status_code == 404


def test_rules_region_outside_the_class_is_refused(login, office_user, training_class, many_deputies):
    response = login(office_user).post(reverse("training:class_enrol", args=[training_class.pk]),
                                       {"region": "439902000000", "kind": "deputy", "apply": "1"})
    assert "所选区域" in response.content.decode()
    assert not training_class.enrollments.exists()


def test_manual_search_and_add(login, office_user, training_class, deputy_person):
    client = login(office_user)
    url = reverse("training:class_enrol_manual", args=[training_class.pk])
    response = client.get(url, {"q": "张"}, HTTP_HX_REQUEST="true")
    assert 'id="candidates"' in response.content.decode() and "张三" in response.content.decode()
    client.post(url, {"person": deputy_person.pk, "kind": "deputy"})
    assert Enrollment.objects.get(person=deputy_person).source == Enrollment.Source.MANUAL
    response = client.post(url, {"person": deputy_person.pk, "kind": "deputy"}, follow=True)
    assert "已在名单中" in response.content.decode()


def test_manual_add_out_of_scope_person_is_404(login, township_user, office_user, training_class, other_deputy_person):
    first = training_class.delegations.all()[0]
    svc.class_delegation_update(by=office_user, delegation=first, staff_user=township_user)
    response = login(township_user).post(reverse("training:class_enrol_manual", args=[training_class.pk]),
                                         {"person": other_deputy_person.pk, "kind": "deputy"})
    assert response.status_code == 404  # 李四 lives in 河西乡, outside the 城关镇 staff member's roster


def test_withdraw(login, office_user, leader_user, training_class, enroll, deputy_person):
    enrollment = enroll(deputy_person)
    url = reverse("training:enrollment_withdraw", args=[enrollment.pk])
    assert login(office_user).get(url).status_code == 405
    assert login(leader_user).post(url).status_code == 403
    login(office_user).post(url, {"reason": "工作冲突"})
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.WITHDRAWN


def test_withdraw_out_of_scope(login, outsider_user, training_class, enroll, deputy_person):
    enrollment = enroll(deputy_person)
    assert login(outsider_user).post(reverse("training:enrollment_withdraw", args=[enrollment.pk])).status_code == 404


def test_delegation_edit(login, office_user, leader_user, township_user, training_class):
    delegation = training_class.delegations.first()
    url = reverse("training:delegation_edit", args=[delegation.pk])
    assert login(leader_user).get(url).status_code == 403
    client = login(office_user)
    assert client.get(url).status_code == 200
    client.post(url, {"lead_name": "刘主席", "staff_user": township_user.pk})
    delegation.refresh_from_db()
    assert delegation.lead_name == "刘主席" and delegation.staff_user == township_user


# ------------------------------------------------------------------------------------------------- notice


def test_notice_page_and_send(login, office_user, leader_user, training_class, enroll, deputy_user,
                              django_capture_on_commit_callbacks):
    enroll(deputy_user.person)
    url = reverse("training:class_notify", args=[training_class.pk])
    client = login(office_user)
    body = client.get(url).content.decode()
    assert "人大代表的职责与权利" in body  # the notice text shows the timetable
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {})
    assert response.status_code == 302
    assert Notification.objects.filter(user=deputy_user, title__startswith="培训通知").count() == 1
    assert login(leader_user).post(url, {}).status_code == 403


# ------------------------------------------------------------------------------------------------- deputy side


def test_my_classes_and_my_class(login, deputy_user, training_class, enroll, office_user):
    enrollment = enroll(deputy_user.person)
    client = login(deputy_user)
    body = client.get(reverse("training:my_classes")).content.decode()
    assert training_class.title in body
    response = client.get(reverse("training:my_class", args=[training_class.pk]))
    body = response.content.decode()
    assert "人大代表的职责与权利" in body and "城关镇代表团" in body and "未排座" in body
    pdf = reverse("training:class_timetable_pdf", args=[training_class.pk])
    assert pdf in body and client.get(pdf)["Content-Type"] == "application/pdf"
    for link in response.context["links"]:
        assert link["url"] in body
    from lvzhi.training.selectors import reverse_optional

    checkin = reverse_optional("training:checkin_home", training_class.pk)
    assert not checkin or checkin in body  # the check-in page, when it exists, is one tap away
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.save()
    assert "已不在本班参训名单" in client.get(reverse("training:my_class", args=[training_class.pk])).content.decode()


def test_my_class_of_someone_else_is_404(login, other_deputy_user, deputy_user, training_class, enroll):
    enroll(deputy_user.person)
    assert login(other_deputy_user).get(reverse("training:my_class", args=[training_class.pk])).status_code == 404


def test_draft_class_is_not_shown_to_deputies(login, deputy_user, training_class, enroll):
    enroll(deputy_user.person)
    TrainingClass.objects.filter(pk=training_class.pk).update(status=TrainingClass.Status.DRAFT)
    assert login(deputy_user).get(reverse("training:my_class", args=[training_class.pk])).status_code == 404


def test_my_pages_are_for_deputies(login, office_user, training_class):
    assert login(office_user).get(reverse("training:my_classes")).status_code == 403
    assert login(office_user).get(reverse("training:my_class", args=[training_class.pk])).status_code == 403
    assert login(office_user).post(reverse("training:my_classes")).status_code == 405


def test_my_classes_query_count_does_not_grow(login, deputy_user, office_user, regions, django_assert_max_num_queries):
    import datetime as dt

    from lvzhi.training.models import Enrollment as E

    def add(n):
        for _ in range(n):
            cls = TrainingClass.objects.create(title=f"第{TrainingClass.objects.count() + 1}期", region=regions["county"],
                                               organiser="县人大常委会", start_date=dt.date(2026, 12, 8),
                                               end_date=dt.date(2026, 12, 8), status=TrainingClass.Status.PUBLISHED)
            E.objects.create(training_class=cls, person=deputy_user.person, region_code=deputy_user.person.region_id)

    client = login(deputy_user)
    add(2)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("training:my_classes"))
    add(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(reverse("training:my_classes")).content.decode()
    assert "第10期" in body

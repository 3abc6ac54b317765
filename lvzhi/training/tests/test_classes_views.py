"""Class pages: list, forms, detail tabs, state changes, tasks, areas, timetable and its PDF, lessons, materials,
instructors. For each: the happy path, the wrong method, out of scope (404), read-only (403), HTMX fragments."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lvzhi.training.models import ClassForm, ClassTask, Instructor, Lesson, LessonMaterial, TrainingClass
from lvzhi.training.services import classes as svc

from .conftest import at

pytestmark = pytest.mark.django_db


def _class(by, region, n=0, **fields):
    return TrainingClass.objects.create(title=f"培训班{n}", region=region, organiser="清源县人大常委会",
                                        start_date=dt.date(2026, 12, 8), end_date=dt.date(2026, 12, 8),
                                        created_by=by, **fields)


# ------------------------------------------------------------------------------------------------- list


def test_list_shows_classes_in_scope(login, office_user, training_class, regions, outsider_user, enroll,
                                     deputy_person, other_deputy_person):
    enroll(deputy_person)
    enroll(other_deputy_person, delegation=1, status="withdrawn")
    response = login(office_user).get(reverse("training:class_list"))
    assert response.status_code == 200
    assert training_class.title in response.content.decode()
    row = response.context["page"].object_list[0]
    assert (row.enrolled, row.lesson_count) == (1, 2)
    response = login(outsider_user).get(reverse("training:class_list"))
    assert training_class.title not in response.content.decode()


def test_list_htmx_returns_the_results_fragment(login, office_user, training_class):
    response = login(office_user).get(reverse("training:class_list"), {"status": "published"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="class-results"' in body and "<html" not in body
    assert training_class.title in body
    response = login(office_user).get(reverse("training:class_list"), {"status": "draft"}, HTTP_HX_REQUEST="true")
    assert training_class.title not in response.content.decode()


def test_list_query_count_does_not_grow(login, office_user, regions, django_assert_max_num_queries):
    client = login(office_user)
    for n in range(3):
        _class(office_user, regions["county"], n)
    with django_assert_max_num_queries(8) as small:
        client.get(reverse("training:class_list"))
    for n in range(3, 18):
        _class(office_user, regions["county"], n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("training:class_list"))
    assert "培训班17" in response.content.decode()


def test_list_for_deputies_is_their_own_page(login, deputy_user):
    assert login(deputy_user).get(reverse("training:class_list")).url == reverse("training:my_classes")


def test_list_refuses_unit_users(login, unit_user):
    assert login(unit_user).get(reverse("training:class_list")).status_code == 403


def test_list_wrong_method(login, office_user):
    assert login(office_user).post(reverse("training:class_list")).status_code == 405


# ------------------------------------------------------------------------------------------------- create, edit


def _class_post(**over):
    data = {"title": "2026年新任代表培训班", "form": "lecture", "audience": "deputies", "region": "439901000000",
            "organiser": "清源县人大常委会", "start_date": "2026-12-10", "end_date": "2026-12-11", "venue": "县委党校",
            "late_grace_minutes": "5", "early_grace_minutes": "5", "certificate_min_rate": "100",
            "leave_chain_choice": "home_office,organiser"}
    data.update(over)
    return data


def test_create_a_class(login, office_user):
    client = login(office_user)
    assert client.get(reverse("training:class_create")).status_code == 200
    response = client.post(reverse("training:class_create"), _class_post())
    cls = TrainingClass.objects.get(title="2026年新任代表培训班")
    assert response.url == reverse("training:class_detail", args=[cls.pk])
    assert cls.leave_chain == ["home_office", "organiser"]


def test_create_says_what_to_fix(login, office_user):
    response = login(office_user).post(reverse("training:class_create"), _class_post(title="", end_date="2026-12-01"))
    body = response.content.decode()
    assert "请填写名称" in body and "结业日期不能早于开班日期" in body
    assert not TrainingClass.objects.exists()


def test_create_refuses_read_only_and_other_regions(login, leader_user, township_user):
    assert login(leader_user).get(reverse("training:class_create")).status_code == 403
    response = login(township_user).post(reverse("training:class_create"), _class_post())
    assert "不在您的权限范围内" in response.content.decode() or "region" in response.context["form"].errors
    assert not TrainingClass.objects.exists()


def test_edit(login, office_user, leader_user, outsider_user, training_class):
    url = reverse("training:class_edit", args=[training_class.pk])
    assert login(leader_user).get(url).status_code == 403
    assert login(outsider_user).get(url).status_code == 404
    response = login(office_user).post(url, _class_post(title="改过的名称", start_date="2026-12-08",
                                                         end_date="2026-12-08"))
    assert response.status_code == 302
    training_class.refresh_from_db()
    assert training_class.title == "改过的名称"


# ------------------------------------------------------------------------------------------------- detail, transitions


def test_detail_tabs_and_guarded_links(login, office_user, training_class):
    response = login(office_user).get(reverse("training:class_detail", args=[training_class.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for tab in ("概况", "日程", "人员"):
        assert f">{tab}</a>" in body
    for link in response.context["more_links"]:
        assert link["url"] in body


def test_optional_links_skip_missing_names():
    from lvzhi.training.selectors import optional_links

    links = optional_links([("日程", "training:class_timetable"), ("没有", "training:no_such_page"),
                            ("我的", "training:my_classes")], 1)
    assert [(link["label"], link["url"]) for link in links] == [
        ("日程", "/training/classes/1/timetable/"), ("我的", "/training/my/")]  # no argument where none is taken


def test_detail_out_of_scope_and_deputy(login, outsider_user, township_user, deputy_user, training_class, enroll):
    url = reverse("training:class_detail", args=[training_class.pk])
    assert login(outsider_user).get(url).status_code == 404
    assert login(township_user).get(url).status_code == 404  # a county class, not their township's
    assert login(deputy_user).get(url).status_code == 404
    enroll(deputy_user.person)
    assert login(deputy_user).get(url).url == reverse("training:my_class", args=[training_class.pk])


def test_delegation_staff_open_the_class(login, office_user, township_user, training_class):
    delegation = training_class.delegations.first()
    svc.class_delegation_update(by=office_user, delegation=delegation, staff_user=township_user)
    response = login(township_user).get(reverse("training:class_detail", args=[training_class.pk]))
    assert response.status_code == 200
    assert not response.context["can_manage"]


def test_publish_finish_cancel(login, office_user, leader_user, regions):
    cls = _class(office_user, regions["county"])
    client = login(office_user)
    response = client.post(reverse("training:class_publish", args=[cls.pk]), follow=True)
    assert "请先在日程中添加课程" in response.content.decode()
    Lesson.objects.create(training_class=cls, topic="课", starts_at=at(cls.start_date, 9),
                          ends_at=at(cls.start_date, 10))
    assert client.get(reverse("training:class_publish", args=[cls.pk])).status_code == 405
    assert login(leader_user).post(reverse("training:class_publish", args=[cls.pk])).status_code == 403
    client = login(office_user)
    client.post(reverse("training:class_publish", args=[cls.pk]))
    cls.refresh_from_db()
    assert cls.status == TrainingClass.Status.PUBLISHED
    response = client.post(reverse("training:class_cancel", args=[cls.pk]), {"reason": ""}, follow=True)
    assert "请填写取消的原因" in response.content.decode()
    client.post(reverse("training:class_cancel", args=[cls.pk]), {"reason": "场地维修"})
    cls.refresh_from_db()
    assert cls.status == TrainingClass.Status.CANCELLED


def test_finish_before_the_end_is_refused_with_a_message(login, office_user, training_class):
    TrainingClass.objects.filter(pk=training_class.pk).update(end_date=dt.date(2099, 1, 1))
    response = login(office_user).post(reverse("training:class_finish", args=[training_class.pk]), follow=True)
    assert "届时再办理结业" in response.content.decode()


# ------------------------------------------------------------------------------------------------- tasks, areas


def test_tasks_by_htmx(login, office_user, leader_user, training_class):
    client = login(office_user)
    url = reverse("training:task_create", args=[training_class.pk])
    response = client.post(url, {"title": "预订场地", "owner": "办公室", "due_date": "2020-01-01"},
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="tasks"' in body and "<html" not in body and "逾期" in body
    task = ClassTask.objects.get()
    response = client.post(reverse("training:task_toggle", args=[task.pk]), HTTP_HX_REQUEST="true")
    task.refresh_from_db()
    assert task.done_on is not None and "完成" in response.content.decode()
    response = client.post(url, {"title": "", "owner": "", "due_date": ""}, HTTP_HX_REQUEST="true")
    assert "请填写任务" in response.content.decode()
    assert login(leader_user).post(reverse("training:task_toggle", args=[task.pk])).status_code == 403
    assert login(office_user).get(reverse("training:task_toggle", args=[task.pk])).status_code == 405


def test_area_pages(login, office_user, outsider_user, regions):
    cls = _class(office_user, regions["county"], form=ClassForm.AREAS)
    client = login(office_user)
    url = reverse("training:area_create", args=[cls.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"name": "东片", "venue_region": regions["town_a"].code, "venue": "城关镇会议室",
                      "regions": [regions["town_a"].code]})
    area = cls.areas.get()
    assert list(area.regions.all()) == [regions["town_a"]]
    response = client.post(url, {"name": "西片", "venue_region": regions["town_b"].code,
                                 "regions": [regions["town_a"].code]})
    assert "只能属于一个片区" in response.content.decode()
    assert login(outsider_user).get(reverse("training:area_edit", args=[area.pk])).status_code == 404
    plain = _class(office_user, regions["county"], 2)
    assert login(office_user).get(reverse("training:area_create", args=[plain.pk])).status_code == 404


# ------------------------------------------------------------------------------------------------- timetable, lessons


def test_timetable_page_and_pdf(login, office_user, outsider_user, training_class):
    client = login(office_user)
    response = client.get(reverse("training:class_timetable", args=[training_class.pk]))
    assert "代表建议的撰写" in response.content.decode()
    response = client.get(reverse("training:class_timetable_pdf", args=[training_class.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert "日程安排表" in text and "人大代表的职责与权利" in text
    assert login(outsider_user).get(reverse("training:class_timetable_pdf", args=[training_class.pk])).status_code == 404


def test_lesson_create_with_default_hours(login, office_user, training_class, regions):
    instructor = Instructor.objects.create(name="陈教授", title="教授", organisation="省委党校", region=regions["county"])
    client = login(office_user)
    url = reverse("training:lesson_create", args=[training_class.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"topic": "预算审查监督", "kind": "theory", "instructor": instructor.pk,
                                 "day": "2026-12-08", "start": "19:00", "end": "20:30", "room": "302",
                                 "attendance_required": "on"})
    assert response.url == reverse("training:class_timetable", args=[training_class.pk])
    lesson = Lesson.objects.get(topic="预算审查监督")
    assert str(lesson.hours) == "1.5" and lesson.instructor == instructor
    response = client.post(url, {"topic": "重叠", "kind": "theory", "day": "2026-12-08", "start": "10:00",
                                 "end": "10:30"})
    assert "时间重叠" in response.content.decode()


def test_lesson_edit_read_only_and_out_of_scope(login, leader_user, outsider_user, training_class):
    lesson = training_class.lessons.first()
    url = reverse("training:lesson_edit", args=[lesson.pk])
    assert login(leader_user).get(url).status_code == 403
    assert login(outsider_user).get(url).status_code == 404


def test_materials_upload_and_download(login, office_user, deputy_user, other_deputy_user, outsider_user,
                                       training_class, enroll):
    lesson = training_class.lessons.first()
    client = login(office_user)
    client.post(reverse("training:material_upload", args=[lesson.pk]),
                {"title": "讲义", "file": SimpleUploadedFile("讲义.pdf", b"%PDF-1.4 lecture")})
    material = LessonMaterial.objects.get()
    enroll(deputy_user.person)
    response = login(deputy_user).get(reverse("training:material_download", args=[material.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 lecture"
    assert "attachment" in response["Content-Disposition"]
    assert login(other_deputy_user).get(reverse("training:material_download", args=[material.pk])).status_code == 404
    assert login(outsider_user).get(reverse("training:material_download", args=[material.pk])).status_code == 404
    assert login(deputy_user).post(reverse("training:material_delete", args=[material.pk])).status_code == 403


# ------------------------------------------------------------------------------------------------- instructors


def test_instructors(login, office_user, leader_user, regions):
    client = login(office_user)
    client.post(reverse("training:instructor_list"), {"name": "周律师", "organisation": "清源律师事务所",
                                                       "phone": "13700001234"})
    instructor = Instructor.objects.get()
    assert instructor.region == regions["county"]
    body = client.get(reverse("training:instructor_list")).content.decode()
    assert "137****1234" in body and "13700001234" not in body
    assert login(leader_user).post(reverse("training:instructor_list"), {"name": "x"}).status_code == 403
    assert login(leader_user).get(reverse("training:instructor_edit", args=[instructor.pk])).status_code == 403


def test_instructor_list_query_count_does_not_grow(login, office_user, regions, django_assert_max_num_queries):
    client = login(office_user)
    Instructor.objects.create(name="甲", region=regions["county"])
    with django_assert_max_num_queries(10) as small:
        client.get(reverse("training:instructor_list"))
    for n in range(8):
        Instructor.objects.create(name=f"授课人{n}", region=regions["city"])  # the city's, reused by the county
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(reverse("training:instructor_list")).content.decode()
    assert "授课人7" in body


# ------------------------------------------------------------------------------------------------- every changing view

@pytest.fixture
def rows(office_user, training_class, regions, enroll, deputy_person):
    """One of everything a class has, for the table-driven checks below."""
    area_class = _class(office_user, regions["county"], 9, form=ClassForm.AREAS)
    area = svc.area_create(by=office_user, training_class=area_class, name="东片", venue_region=regions["town_a"])
    task = svc.task_create(by=office_user, training_class=training_class, title="任务", owner="办公室",
                           due_date=dt.date(2026, 12, 1))
    lesson = training_class.lessons.first()
    material = svc.material_add(by=office_user, lesson=lesson, title="讲义",
                                file=SimpleUploadedFile("a.pdf", b"%PDF-1.4"))
    return {"class": training_class.pk, "area_class": area_class.pk, "area": area.pk, "task": task.pk,
            "lesson": lesson.pk, "material": material.pk, "delegation": training_class.delegations.first().pk,
            "enrollment": enroll(deputy_person).pk}


POST_ONLY = [
    ("class_publish", "class"), ("class_finish", "class"), ("class_cancel", "class"), ("area_delete", "area"),
    ("task_create", "class"), ("task_toggle", "task"), ("task_delete", "task"), ("lesson_delete", "lesson"),
    ("material_upload", "lesson"), ("material_delete", "material"), ("enrollment_withdraw", "enrollment"),
]
FORMS = [
    ("class_edit", "class"), ("area_create", "area_class"), ("area_edit", "area"), ("lesson_create", "class"),
    ("lesson_edit", "lesson"), ("class_enrol", "class"), ("delegation_edit", "delegation"), ("class_notify", "class"),
]


@pytest.mark.parametrize(("name", "key"), POST_ONLY)
def test_post_only_views(login, office_user, leader_user, outsider_user, rows, name, key):
    url = reverse(f"training:{name}", args=[rows[key]])
    assert login(office_user).get(url).status_code == 405
    assert login(leader_user).post(url).status_code == 403
    assert login(outsider_user).post(url).status_code == 404


@pytest.mark.parametrize(("name", "key"), FORMS)
def test_form_views(login, office_user, leader_user, outsider_user, rows, name, key):
    url = reverse(f"training:{name}", args=[rows[key]])
    assert login(office_user).get(url).status_code == 200
    assert login(office_user).put(url).status_code == 405
    assert login(leader_user).get(url).status_code == 403
    assert login(outsider_user).get(url).status_code == 404

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from lvzhi.archive.models import Activity, ActivityKind, DutyNote
from lvzhi.archive.services import activity_record, duty_note_review

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def archive_url(person):
    return reverse("archive:person", args=[person.pk])


@pytest.fixture
def many_activities(deputy_person, note):
    """200 activities over three years, as the benchmark's archive page has."""
    ct = ContentType.objects.get_for_model(DutyNote)
    kinds = [ActivityKind.TRAINING, ActivityKind.SUGGESTION, ActivityKind.RECEPTION, ActivityKind.STATION_DUTY]
    Activity.objects.bulk_create([
        Activity(person=deputy_person, kind=kinds[i % 4], date=dt.date(2024 + i % 3, 1 + i % 12, 1 + i % 28),
                 title=f"活动{i}", hours=2 if i % 4 == 0 else 0, source_type=ct, source_id=f"bulk-{i}",
                 region_code=deputy_person.region_id)
        for i in range(200)
    ])


# archive:person

def test_the_deputy_sees_their_archive(login, deputy_user, deputy_person, township_user, note):
    duty_note_review(note=note, by=township_user, accept=True)
    response = login(deputy_user).get(archive_url(deputy_person))
    assert response.status_code == 200
    html = response.content.decode()
    assert "张三的履职档案" in html and note.title in html
    assert reverse("archive:note_detail", args=[note.pk]) in html  # the activity links back to its source


@pytest.mark.parametrize("user", ["office_user", "township_user", "leader_user"])
def test_scoped_staff_see_the_archive(request, login, user, deputy_person):
    assert login(request.getfixturevalue(user)).get(archive_url(deputy_person)).status_code == 200


@pytest.mark.parametrize("user", ["other_deputy_user", "outsider_user", "other_township_user", "unit_user",
                                  "admin_user"])
def test_others_get_404(request, login, user, deputy_person):
    assert login(request.getfixturevalue(user)).get(archive_url(deputy_person)).status_code == 404


def test_anonymous_is_sent_to_login(client, deputy_person):
    response = client.get(archive_url(deputy_person))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_archive_refuses_post(login, deputy_user, deputy_person):
    assert login(deputy_user).post(archive_url(deputy_person)).status_code == 405


def test_archive_totals_by_year_and_kind(login, office_user, deputy_person, many_activities):
    response = login(office_user).get(archive_url(deputy_person))
    totals = {t.year: t for t in response.context["totals"]}
    assert sorted(totals) == [2024, 2025, 2026]
    assert sum(t.count for t in totals.values()) == 200
    assert response.context["grand_count"] == 200
    assert response.context["grand_hours"] == 100  # 50 training activities × 2 hours
    training = next(k for k in response.context["kind_totals"] if k.kind == ActivityKind.TRAINING)
    assert (training.count, training.hours) == (50, 100)
    assert len(response.context["page"].object_list) == 20


def test_archive_filters_by_year_and_kind(login, office_user, deputy_person, many_activities):
    response = login(office_user).get(archive_url(deputy_person), {"year": 2025, "kind": "training"})
    page = response.context["page"]
    expected = Activity.objects.filter(date__year=2025, kind="training").count()
    assert page.paginator.count == expected
    assert all(a.date.year == 2025 and a.kind == "training" for a in page.object_list)


def test_archive_ignores_bad_filters(login, office_user, deputy_person, many_activities):
    response = login(office_user).get(archive_url(deputy_person), {"year": "abc", "kind": "<x>", "page": "zz"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 200
    assert "筛选条件有误" in response.content.decode()


def test_archive_page_beyond_the_end_shows_the_last(login, office_user, deputy_person, many_activities):
    response = login(office_user).get(archive_url(deputy_person), {"page": 999})
    assert response.context["page"].number == 10


def test_archive_query_count_does_not_grow_with_rows(login, office_user, deputy_person, many_activities,
                                                     django_assert_max_num_queries):
    client = login(office_user)
    with django_assert_max_num_queries(12) as with_200:
        client.get(archive_url(deputy_person))
    Activity.objects.filter(person=deputy_person).delete()
    activity_record(person=deputy_person, kind="other", when=dt.date(2026, 1, 1), source=deputy_person, title="x")
    with django_assert_max_num_queries(12) as with_1:
        client.get(archive_url(deputy_person))
    assert len(with_200) == len(with_1)


def test_archive_htmx_returns_only_the_list(login, office_user, deputy_person, many_activities):
    response = login(office_user).get(archive_url(deputy_person), {"page": 2, "kind": "reception"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="activity-list">')
    assert "<html" not in html and "按年度和类别汇总" not in html


def test_archive_htmx_is_scoped_too(login, outsider_user, deputy_person):
    assert login(outsider_user).get(archive_url(deputy_person), **HTMX).status_code == 404


# deputy home (core:home for deputies)

def test_deputy_home_shows_mandates_masked_data_and_notes(login, deputy_user, deputy_person, note):
    response = login(deputy_user).get(reverse("core:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "县人大代表" in html and "乡镇人大代表" in html
    assert "清源县人民代表大会" in html
    assert deputy_person.id_masked in html and "*" in deputy_person.id_masked
    assert deputy_person.id_number not in html
    assert "138****5678" in html and "13812345678" not in html
    assert note.title in html and "待审核" in html
    assert reverse("archive:note_new") in html


def test_deputy_home_shows_this_years_totals(login, deputy_user, deputy_person, note, today):
    activity_record(person=deputy_person, kind="training", when=today, source=note, title="培训", hours=4)
    activity_record(person=deputy_person, kind="training", when=today.replace(year=today.year - 1),
                    source=deputy_person, title="去年", hours=8)
    response = login(deputy_user).get(reverse("core:home"))
    assert response.context["this_year"]["count"] == 1
    assert response.context["this_year"]["hours"] == 4


def test_deputy_home_shows_return_comments(login, deputy_user, township_user, note):
    duty_note_review(note=note, by=township_user, accept=False, comment="请补充走访对象")
    html = login(deputy_user).get(reverse("core:home")).content.decode()
    assert "请补充走访对象" in html


def test_deputy_home_query_count_is_bounded(login, deputy_user, make_note, django_assert_max_num_queries):
    for i in range(8):
        make_note(title=f"笔记{i}")
    client = login(deputy_user)
    with django_assert_max_num_queries(12):
        client.get(reverse("core:home"))


def test_deputy_home_is_only_the_deputys_own(login, deputy_user, other_note):
    html = login(deputy_user).get(reverse("core:home")).content.decode()
    assert other_note.title not in html and "李四" not in html

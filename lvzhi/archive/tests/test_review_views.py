import pytest
from django.urls import reverse

from lvzhi.archive.models import Activity, DutyNote
from lvzhi.archive.services import duty_note_review
from lvzhi.core.models import Notification

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
QUEUE = "/archive/review/"


def review_url(note):
    return reverse("archive:review_note", args=[note.pk])


# archive:review_queue

@pytest.mark.parametrize("user", ["office_user", "township_user"])
def test_reviewers_see_waiting_notes(request, login, user, note):
    response = login(request.getfixturevalue(user)).get(reverse("archive:review_queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert note.title in html and "张三" in html and review_url(note) in html


def test_the_queue_is_scoped_by_region(login, township_user, note, other_note):
    html = login(township_user).get(QUEUE).content.decode()
    assert note.title in html and other_note.title not in html


@pytest.mark.parametrize("user", ["other_township_user", "outsider_user"])
def test_reviewers_elsewhere_see_an_empty_queue(request, login, user, note):
    response = login(request.getfixturevalue(user)).get(QUEUE)
    assert response.status_code == 200 and note.title not in response.content.decode()


def test_the_queue_shows_other_states_on_request(login, township_user, make_note):
    waiting, accepted = make_note(title="待审的"), make_note(title="采纳的")
    duty_note_review(note=accepted, by=township_user, accept=True)
    client = login(township_user)
    assert "采纳的" not in client.get(QUEUE).content.decode()
    html = client.get(QUEUE, {"status": "accepted"}).content.decode()
    assert "采纳的" in html and waiting.title not in html


def test_the_queue_ignores_an_unknown_state(login, township_user, note):
    response = login(township_user).get(QUEUE, {"status": "nonsense", "page": "x"})
    assert response.status_code == 200 and note.title in response.content.decode()


def test_the_queue_htmx_returns_the_list(login, township_user, note):
    html = login(township_user).get(QUEUE, {"status": "submitted"}, **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="review-list">') and note.title in html


@pytest.mark.parametrize("user", ["leader_user", "deputy_user", "unit_user", "admin_user"])
def test_the_queue_is_for_reviewers(request, login, user):
    client = login(request.getfixturevalue(user))
    assert client.get(QUEUE).status_code == 403
    assert client.get(QUEUE, **HTMX).status_code == 403


def test_the_queue_refuses_post(login, township_user):
    assert login(township_user).post(QUEUE).status_code == 405


def test_the_queue_query_count_is_bounded(login, office_user, make_note, django_assert_max_num_queries):
    for i in range(25):
        make_note(title=f"笔记{i}")
    client = login(office_user)
    with django_assert_max_num_queries(8):
        client.get(QUEUE)


# archive:review_note

def test_a_reviewer_opens_a_note(login, township_user, note):
    response = login(township_user).get(review_url(note))
    assert response.status_code == 200
    html = response.content.decode()
    assert note.text in html and 'value="accept"' in html and 'value="return"' in html


def test_a_reviewer_accepts_a_note(login, township_user, note, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(township_user).post(review_url(note), {"decision": "accept", "comment": ""})
    assert response.status_code == 302 and response["Location"] == reverse("archive:review_queue")
    note.refresh_from_db()
    assert note.status == DutyNote.Status.ACCEPTED
    assert Activity.objects.filter(person=note.person).count() == 1
    assert Notification.objects.filter(user__username="deputy").count() == 1


def test_accepting_twice_changes_nothing(login, township_user, note):
    client = login(township_user)
    client.post(review_url(note), {"decision": "accept"})
    response = client.post(review_url(note), {"decision": "accept"})
    assert response.status_code == 302
    assert Activity.objects.count() == 1


def test_a_reviewer_returns_a_note_with_a_comment(login, office_user, note):
    login(office_user).post(review_url(note), {"decision": "return", "comment": "请写明走访对象"})
    note.refresh_from_db()
    assert (note.status, note.review_comment) == (DutyNote.Status.RETURNED, "请写明走访对象")


def test_returning_without_a_comment_is_refused(login, township_user, note):
    response = login(township_user).post(review_url(note), {"decision": "return", "comment": "  "})
    assert response.status_code == 200 and "退回时请写明需要修改的地方" in response.content.decode()
    note.refresh_from_db()
    assert note.status == DutyNote.Status.SUBMITTED


def test_an_accepted_note_can_be_returned_out_of_the_archive(login, township_user, note):
    client = login(township_user)
    client.post(review_url(note), {"decision": "accept"})
    assert "撤销采纳并退回" in client.get(review_url(note)).content.decode()
    client.post(review_url(note), {"decision": "return", "comment": "日期写错了"})
    assert not Activity.objects.exists()


def test_a_returned_note_cannot_be_accepted_until_resubmitted(login, township_user, note):
    client = login(township_user)
    client.post(review_url(note), {"decision": "return", "comment": "补充"})
    response = client.post(review_url(note), {"decision": "accept"})
    assert response.status_code == 200 and "重新提交" in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.parametrize("data", [{}, {"decision": "maybe"}, {"decision": "return", "comment": "长" * 301}])
def test_bad_review_input_is_refused(login, township_user, note, data):
    response = login(township_user).post(review_url(note), data)
    assert response.status_code == 200
    note.refresh_from_db()
    assert note.status == DutyNote.Status.SUBMITTED


@pytest.mark.parametrize("user", ["leader_user", "deputy_user", "unit_user", "admin_user"])
def test_only_reviewers_review(request, login, user, note):
    client = login(request.getfixturevalue(user))
    assert client.get(review_url(note)).status_code == 403
    assert client.post(review_url(note), {"decision": "accept"}).status_code == 403
    note.refresh_from_db()
    assert note.status == DutyNote.Status.SUBMITTED


@pytest.mark.parametrize("user", ["other_township_user", "outsider_user"])
def test_a_note_out_of_scope_is_404(request, login, user, note):
    client = login(request.getfixturevalue(user))
    assert client.get(review_url(note)).status_code == 404
    assert client.post(review_url(note), {"decision": "accept"}).status_code == 404
    assert not Activity.objects.exists()


def test_review_refuses_put(login, township_user, note):
    assert login(township_user).put(review_url(note)).status_code == 405


def test_review_needs_login(client, note):
    response = client.post(review_url(note), {"decision": "accept"})
    assert response.status_code == 302
    assert not Activity.objects.exists()


def test_review_is_csrf_protected(township_user, note):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(township_user)
    assert client.post(review_url(note), {"decision": "accept"}).status_code == 403

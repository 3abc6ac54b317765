import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from lvzhi.archive.models import DutyNote
from lvzhi.archive.services import duty_note_review, duty_note_submit

pytestmark = pytest.mark.django_db


def jpeg_file(name="a.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 200)).save(out, "JPEG")
    out.seek(0)
    out.name = name
    return out


@pytest.fixture
def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def note(deputy_user, yesterday):
    return duty_note_submit(by=deputy_user, date=yesterday, kind="duty", title="走访", text="内容")


def post_note(client, body, **extra):
    return client.post("/api/me/notes", body, content_type="application/json", **extra)


def test_a_deputy_writes_a_note(api_as, deputy_user, deputy_person, yesterday):
    response = post_note(api_as(deputy_user), {"date": yesterday.isoformat(), "kind": "public_opinion",
                                              "title": "民情", "text": "群众反映路灯不亮"})
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "submitted" and data["status_label"] == "待审核"
    assert data["kind_label"] == "民情日记" and data["photos"] == []
    assert DutyNote.objects.get(pk=data["id"]).person == deputy_person


def test_the_kind_defaults_to_a_duty_note(api_as, deputy_user, yesterday):
    data = post_note(api_as(deputy_user), {"date": yesterday.isoformat(), "title": "t", "text": "x"}).json()
    assert data["kind"] == "duty"


def test_a_deputy_lists_their_notes(api_as, deputy_user, other_deputy_user, note, yesterday):
    duty_note_submit(by=other_deputy_user, date=yesterday, kind="duty", title="别人的", text="x")
    data = api_as(deputy_user).get("/api/me/notes").json()
    assert data["count"] == 1 and data["items"][0]["title"] == "走访"


def test_a_returned_note_shows_the_comment(api_as, deputy_user, township_user, note):
    duty_note_review(note=note, by=township_user, accept=False, comment="请补充照片")
    item = api_as(deputy_user).get("/api/me/notes").json()["items"][0]
    assert (item["status"], item["review_comment"]) == ("returned", "请补充照片")


@pytest.mark.parametrize("user", ["office_user", "township_user", "leader_user", "unit_user", "admin_user"])
def test_notes_are_for_deputies(request, api_as, user, yesterday):
    client = api_as(request.getfixturevalue(user))
    assert client.get("/api/me/notes").status_code == 403
    response = post_note(client, {"date": yesterday.isoformat(), "title": "t", "text": "x"})
    assert response.status_code == 403 and "只有代表本人" in response.json()["detail"]
    assert not DutyNote.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"title": "t", "text": "x"}, "日期"),
    ({"date": "2026-02-30", "title": "t", "text": "x"}, "日期"),
    ({"date": "昨天", "title": "t", "text": "x"}, "日期"),
    ({"date": "2026-01-05", "title": "", "text": "x"}, "标题"),
    ({"date": "2026-01-05", "title": "   ", "text": "x"}, "标题"),
    ({"date": "2026-01-05", "title": "长" * 101, "text": "x"}, "标题"),
    ({"date": "2026-01-05", "title": "t"}, "内容"),
    ({"date": "2026-01-05", "title": "t", "text": "a\x00b"}, "内容"),
    ({"date": "2026-01-05", "title": "t", "text": "x", "kind": "poem"}, "类别"),
    ({"date": "2026-01-05", "title": 5, "text": "x"}, "标题"),
    ([1, 2], ""),
    ('"just a string"', ""),
    ({"payload": {"date": "2026-01-05"}}, "标题"),
])
def test_bad_note_bodies_are_422(api_as, deputy_user, body, field):
    response = post_note(api_as(deputy_user), body)
    assert response.status_code == 422, response.content
    assert field in response.json()["detail"]
    assert not DutyNote.objects.exists()


@pytest.mark.parametrize("raw", ['{"date": "2026-01-05", "title": ', "not json", "\xff\xfe"])
def test_malformed_json_is_400(api_as, deputy_user, raw):
    response = api_as(deputy_user).post("/api/me/notes", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "请求内容不是有效的 JSON"


def test_a_service_refusal_is_400_in_chinese(api_as, deputy_user):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = post_note(api_as(deputy_user), {"date": tomorrow.isoformat(), "title": "t", "text": "x"})
    assert response.status_code == 400 and response.json()["detail"] == "日期不能晚于今天"


def test_an_empty_body_is_422(api_as, deputy_user):
    assert api_as(deputy_user).post("/api/me/notes", content_type="application/json").status_code == 422


def test_notes_refuse_put(api_as, deputy_user):
    assert api_as(deputy_user).put("/api/me/notes", {}, content_type="application/json").status_code == 405


def test_notes_need_authentication(yesterday):
    assert Client().get("/api/me/notes").status_code == 401
    assert post_note(Client(), {"date": yesterday.isoformat(), "title": "t", "text": "x"}).status_code == 401


def test_bad_pagination_of_notes(api_as, deputy_user):
    assert api_as(deputy_user).get("/api/me/notes", {"page": -3}).status_code == 422


# photos

def test_a_deputy_adds_photos_and_fetches_them(api_as, deputy_user, note):
    client = api_as(deputy_user)
    response = client.post(f"/api/me/notes/{note.pk}/photos", {"photos": [jpeg_file(), jpeg_file("b.jpg")]})
    assert response.status_code == 201
    urls = response.json()["photos"]
    assert len(urls) == 2 and note.photos.count() == 2
    photo = client.get(urls[0])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_a_file_that_is_not_a_photo_is_422(api_as, deputy_user, note):
    fake = io.BytesIO(b"MZ not an image")
    fake.name = "virus.jpg"
    response = api_as(deputy_user).post(f"/api/me/notes/{note.pk}/photos", {"photos": [fake]})
    assert response.status_code == 422 and "不是有效的图片文件" in response.json()["detail"]
    assert note.photos.count() == 0


def test_photos_cannot_be_added_to_an_accepted_note(api_as, deputy_user, township_user, note):
    duty_note_review(note=note, by=township_user, accept=True)
    response = api_as(deputy_user).post(f"/api/me/notes/{note.pk}/photos", {"photos": [jpeg_file()]})
    assert response.status_code == 400 and "已采纳" in response.json()["detail"]


def test_photos_need_files(api_as, deputy_user, note):
    assert api_as(deputy_user).post(f"/api/me/notes/{note.pk}/photos", {}).status_code == 422


def test_another_deputys_note_is_404_for_photos(api_as, other_deputy_user, note):
    response = api_as(other_deputy_user).post(f"/api/me/notes/{note.pk}/photos", {"photos": [jpeg_file()]})
    assert response.status_code == 404


@pytest.mark.parametrize("user, status", [("township_user", 200), ("leader_user", 200), ("other_deputy_user", 404),
                                          ("outsider_user", 404), ("other_township_user", 404)])
def test_photo_access_follows_the_note_scope(request, api_as, deputy_user, note, user, status):
    url = api_as(deputy_user).post(f"/api/me/notes/{note.pk}/photos", {"photos": [jpeg_file()]}).json()["photos"][0]
    assert api_as(request.getfixturevalue(user)).get(url).status_code == status


def test_photo_ids_must_be_sane(api_as, deputy_user, note):
    assert api_as(deputy_user).get(f"/api/notes/{note.pk}/photos/abc").status_code == 422
    assert api_as(deputy_user).get(f"/api/notes/{note.pk}/photos/999").status_code == 404

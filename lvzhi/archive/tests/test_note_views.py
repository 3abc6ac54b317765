import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from lvzhi.archive.models import DutyNote
from lvzhi.archive.services import duty_note_review

from .conftest import image_bytes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
STAFF_AND_OTHERS = ["office_user", "township_user", "leader_user", "unit_user", "admin_user"]


def note_data(today, **overrides):
    return {"date": today.isoformat(), "kind": "duty", "title": "走访独居老人", "text": "了解用餐情况。", **overrides}


# archive:my_notes

def test_my_notes_lists_the_deputys_own(login, deputy_user, note, other_note):
    response = login(deputy_user).get(reverse("archive:my_notes"))
    assert response.status_code == 200
    html = response.content.decode()
    assert note.title in html and other_note.title not in html


def test_my_notes_htmx_returns_the_list(login, deputy_user, note):
    html = login(deputy_user).get(reverse("archive:my_notes"), {"page": 1}, **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="note-list">') and note.title in html


@pytest.mark.parametrize("user", STAFF_AND_OTHERS)
def test_my_notes_is_for_deputies(request, login, user):
    assert login(request.getfixturevalue(user)).get(reverse("archive:my_notes")).status_code == 403


def test_my_notes_refuses_post(login, deputy_user):
    assert login(deputy_user).post(reverse("archive:my_notes")).status_code == 405


def test_my_notes_query_count_is_bounded(login, deputy_user, make_note, django_assert_max_num_queries):
    for i in range(25):
        make_note(title=f"笔记{i}")
    client = login(deputy_user)
    with django_assert_max_num_queries(8):
        client.get(reverse("archive:my_notes"))


# archive:note_new

def test_the_form_is_ready_for_today(login, deputy_user, today):
    response = login(deputy_user).get(reverse("archive:note_new"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html and "民情日记" in html and today.isoformat() in html


def test_a_deputy_writes_a_note_with_photos(login, deputy_user, deputy_person, today, jpeg):
    photos = [jpeg("a.jpg"), SimpleUploadedFile("b.png", image_bytes("PNG"), content_type="image/png")]
    response = login(deputy_user).post(reverse("archive:note_new"), {**note_data(today), "photos": photos})
    note = DutyNote.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("archive:note_detail", args=[note.pk])
    assert note.person == deputy_person and note.status == DutyNote.Status.SUBMITTED
    assert note.photos.count() == 2
    assert {p.image.name.rsplit(".", 1)[1] for p in note.photos.all()} == {"jpg"}  # re-encoded, names not kept


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "请填写标题"),
    ({"text": "   "}, "请填写内容"),
    ({"date": ""}, "请选择日期"),
    ({"date": "2026-13-45"}, "日期格式不正确"),
    ({"date": "1999-01-01"}, "请检查年份"),
    ({"kind": "poem"}, "请选择履职笔记或民情日记"),
    ({"title": "长" * 101}, "标题不能超过 100 字（现在 101 字）"),
    ({"text": "a\x00b"}, "不允许是用空字符串"),
])
def test_a_note_with_bad_input_is_refused(login, deputy_user, today, overrides, message):
    response = login(deputy_user).post(reverse("archive:note_new"), note_data(today, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DutyNote.objects.exists()


def test_a_note_cannot_be_dated_tomorrow(login, deputy_user, today):
    data = note_data(today, date=(today + dt.timedelta(days=1)).isoformat())
    response = login(deputy_user).post(reverse("archive:note_new"), data)
    assert "日期不能晚于今天" in response.content.decode()


def test_a_file_that_is_not_a_photo_is_refused(login, deputy_user, today):
    fake = SimpleUploadedFile("合同.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = login(deputy_user).post(reverse("archive:note_new"), {**note_data(today), "photos": [fake]})
    assert "「合同.jpg」不是有效的图片文件" in response.content.decode()
    assert not DutyNote.objects.exists()


def test_an_unsupported_image_format_is_refused(login, deputy_user, today):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "BMP")
    bmp = SimpleUploadedFile("scan.bmp", out.getvalue(), content_type="image/bmp")
    response = login(deputy_user).post(reverse("archive:note_new"), {**note_data(today), "photos": [bmp]})
    assert "不是支持的图片格式" in response.content.decode()


def test_a_photo_too_large_is_refused(login, deputy_user, today, monkeypatch, jpeg):
    monkeypatch.setattr("lvzhi.archive.forms.MAX_PHOTO_BYTES", 100)
    response = login(deputy_user).post(reverse("archive:note_new"), {**note_data(today), "photos": [jpeg()]})
    assert "超过 10MB" in response.content.decode()


def test_at_most_nine_photos(login, deputy_user, today, jpeg):
    photos = [jpeg(f"{i}.jpg") for i in range(10)]
    response = login(deputy_user).post(reverse("archive:note_new"), {**note_data(today), "photos": photos})
    assert "最多 9 张照片" in response.content.decode()
    assert not DutyNote.objects.exists()


def test_photo_location_is_not_kept(login, deputy_user, today):
    image = Image.new("RGB", (30, 20), (10, 120, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    upload = SimpleUploadedFile("gps.jpg", out.getvalue(), content_type="image/jpeg")
    login(deputy_user).post(reverse("archive:note_new"), {**note_data(today), "photos": [upload]})
    with DutyNote.objects.get().photos.get().image.open("rb") as stored, Image.open(stored) as saved:
        assert not saved.getexif()


@pytest.mark.parametrize("user", STAFF_AND_OTHERS)
def test_only_deputies_write_notes(request, login, user, today):
    client = login(request.getfixturevalue(user))
    assert client.get(reverse("archive:note_new")).status_code == 403
    assert client.post(reverse("archive:note_new"), note_data(today)).status_code == 403
    assert not DutyNote.objects.exists()


def test_note_new_refuses_put(login, deputy_user):
    assert login(deputy_user).put(reverse("archive:note_new")).status_code == 405


def test_note_new_needs_login(client):
    assert client.get(reverse("archive:note_new")).status_code == 302


# archive:note_detail

def test_the_author_reads_their_note(login, deputy_user, make_note, jpeg):
    note = make_note(photos=[jpeg()])
    response = login(deputy_user).get(reverse("archive:note_detail", args=[note.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert note.title in html and "待审核" in html
    assert reverse("archive:note_edit", args=[note.pk]) in html
    assert reverse("archive:note_photo", args=[note.pk, note.photos.get().pk]) in html
    assert "/media/" not in html


@pytest.mark.parametrize("user", ["office_user", "township_user", "leader_user"])
def test_scoped_staff_read_a_note(request, login, user, note):
    response = login(request.getfixturevalue(user)).get(reverse("archive:note_detail", args=[note.pk]))
    assert response.status_code == 200
    assert reverse("archive:note_edit", args=[note.pk]) not in response.content.decode()


@pytest.mark.parametrize("user", ["other_deputy_user", "outsider_user", "other_township_user", "unit_user"])
def test_a_note_out_of_scope_is_404(request, login, user, note):
    assert login(request.getfixturevalue(user)).get(reverse("archive:note_detail", args=[note.pk])).status_code == 404


def test_an_accepted_note_offers_no_edit(login, deputy_user, township_user, note):
    duty_note_review(note=note, by=township_user, accept=True)
    html = login(deputy_user).get(reverse("archive:note_detail", args=[note.pk])).content.decode()
    assert reverse("archive:note_edit", args=[note.pk]) not in html and "不能再修改" in html


def test_note_detail_refuses_post(login, deputy_user, note):
    assert login(deputy_user).post(reverse("archive:note_detail", args=[note.pk])).status_code == 405


def test_a_huge_note_id_is_404(login, deputy_user):
    assert login(deputy_user).get(f"/archive/notes/{10 ** 30}/").status_code == 404


# archive:note_edit

def test_the_author_edits_a_returned_note(login, deputy_user, township_user, note, today, jpeg):
    duty_note_review(note=note, by=township_user, accept=False, comment="请补充照片")
    client = login(deputy_user)
    url = reverse("archive:note_edit", args=[note.pk])
    page = client.get(url)
    assert page.status_code == 200 and "请补充照片" in page.content.decode() and note.title in page.content.decode()
    response = client.post(url, {**note_data(today, title="补充了照片"), "photos": [jpeg()]})
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.title, note.status, note.photos.count()) == ("补充了照片", DutyNote.Status.SUBMITTED, 1)


def test_the_author_removes_a_photo(login, deputy_user, make_note, today, jpeg, django_capture_on_commit_callbacks):
    note = make_note(photos=[jpeg("a.jpg"), jpeg("b.jpg")])
    first, second = note.photos.order_by("id")
    with django_capture_on_commit_callbacks(execute=True):
        login(deputy_user).post(reverse("archive:note_edit", args=[note.pk]),
                                {**note_data(today), "remove_photos": [first.pk]})
    assert list(note.photos.all()) == [second]
    assert not first.image.storage.exists(first.image.name)


def test_edit_refuses_bad_input(login, deputy_user, note, today):
    response = login(deputy_user).post(reverse("archive:note_edit", args=[note.pk]), note_data(today, title=""))
    assert response.status_code == 200 and "请填写标题" in response.content.decode()
    note.refresh_from_db()
    assert note.title == "走访东门社区"


def test_edit_refuses_too_many_photos_in_total(login, deputy_user, make_note, today, jpeg):
    note = make_note(photos=[jpeg(f"{i}.jpg") for i in range(8)])
    response = login(deputy_user).post(reverse("archive:note_edit", args=[note.pk]),
                                       {**note_data(today), "photos": [jpeg(), jpeg()]})
    assert "最多还能添加 1 张" in response.content.decode()
    assert note.photos.count() == 8


def test_an_accepted_note_cannot_be_edited(login, deputy_user, township_user, note, today):
    duty_note_review(note=note, by=township_user, accept=True)
    client = login(deputy_user)
    url = reverse("archive:note_edit", args=[note.pk])
    response = client.post(url, note_data(today, title="偷偷改"))
    assert response.status_code == 302 and response["Location"] == reverse("archive:note_detail", args=[note.pk])
    note.refresh_from_db()
    assert note.title == "走访东门社区" and note.status == DutyNote.Status.ACCEPTED
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("user", ["office_user", "township_user", "leader_user"])
def test_staff_may_read_but_not_edit(request, login, user, note, today):
    client = login(request.getfixturevalue(user))
    url = reverse("archive:note_edit", args=[note.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, note_data(today, title="改")).status_code == 403


@pytest.mark.parametrize("user", ["other_deputy_user", "outsider_user", "other_township_user"])
def test_edit_out_of_scope_is_404(request, login, user, note, today):
    client = login(request.getfixturevalue(user))
    assert client.post(reverse("archive:note_edit", args=[note.pk]), note_data(today)).status_code == 404


def test_edit_refuses_delete(login, deputy_user, note):
    assert login(deputy_user).delete(reverse("archive:note_edit", args=[note.pk])).status_code == 405


# archive:note_photo

@pytest.fixture
def photo_note(make_note, jpeg):
    return make_note(photos=[jpeg()])


def photo_url(note):
    return reverse("archive:note_photo", args=[note.pk, note.photos.get().pk])


@pytest.mark.parametrize("user", ["deputy_user", "township_user", "office_user", "leader_user"])
def test_a_photo_is_served_to_who_may_see_the_note(request, login, user, photo_note):
    response = login(request.getfixturevalue(user)).get(photo_url(photo_note))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


@pytest.mark.parametrize("user", ["other_deputy_user", "outsider_user", "other_township_user", "unit_user"])
def test_a_photo_out_of_scope_is_404(request, login, user, photo_note):
    assert login(request.getfixturevalue(user)).get(photo_url(photo_note)).status_code == 404


def test_a_photo_of_another_note_is_404(login, deputy_user, photo_note, note):
    url = reverse("archive:note_photo", args=[note.pk, photo_note.photos.get().pk])
    assert login(deputy_user).get(url).status_code == 404


def test_a_missing_photo_file_is_404(login, deputy_user, photo_note):
    photo = photo_note.photos.get()
    photo.image.storage.delete(photo.image.name)
    assert login(deputy_user).get(photo_url(photo_note)).status_code == 404


def test_photo_refuses_post(login, deputy_user, photo_note):
    assert login(deputy_user).post(photo_url(photo_note)).status_code == 405


def test_photo_needs_login(client, photo_note):
    assert client.get(photo_url(photo_note)).status_code == 302

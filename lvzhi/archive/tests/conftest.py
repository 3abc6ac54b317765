import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image


def image_bytes(fmt="JPEG", size=(40, 30), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def jpeg():
    def make(name="photo.jpg", **kwargs):
        return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/jpeg")

    return make


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def make_note(deputy_user):
    from lvzhi.archive.services import duty_note_submit

    def make(by=None, title="走访东门社区", date=None, kind="duty", text="了解独居老人用餐情况。", photos=()):
        return duty_note_submit(by=by or deputy_user, date=date or timezone.localdate() - dt.timedelta(days=1),
                                kind=kind, title=title, text=text, photos=photos)

    return make


@pytest.fixture
def note(make_note):
    return make_note()


@pytest.fixture
def other_note(make_note, other_deputy_user):
    return make_note(by=other_deputy_user, title="河西乡调研")

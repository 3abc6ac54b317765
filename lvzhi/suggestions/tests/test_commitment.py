# ruff: noqa: F811  (pytest fixtures imported from test_unit are used as arguments)
"""A commitment counts as delivered only with evidence, recorded later by the lead unit; a reply alone never does."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from lvzhi.core.models import Notification
from lvzhi.suggestions.models import Commitment, CommitmentEvidence
from lvzhi.suggestions.services import unit as services
from lvzhi.suggestions.tests.test_reply import reply
from lvzhi.suggestions.tests.test_unit import (  # noqa: F401  (fixtures)
    assign,
    assignment,
    co_assignment,
    contact,
    media,
    other_unit_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(assignment, unit_user):
    contact(assignment, unit_user)
    return reply(assignment, unit_user).commitments.get()


def photo(name="现场.jpg"):
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg")


def test_reply_alone_does_not_deliver(commitment):
    assert commitment.delivered_at is None
    assert not Commitment.objects.filter(delivered_at__isnull=False).exists()


def test_delivery_with_evidence(commitment, unit_user, deputy_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.commitment_deliver(commitment=commitment, by=unit_user, delivered_on=timezone.localdate(),
                                    note="信号灯已安装并投入使用。", files=[photo(), photo("验收单.pdf")])
    commitment.refresh_from_db()
    assert commitment.delivered_at == timezone.localdate() and commitment.recorded_by == unit_user
    assert sorted(commitment.evidence.values_list("title", flat=True)) == ["现场.jpg", "验收单.pdf"]
    assert Notification.objects.filter(user=deputy_user, title__contains="承诺事项已落实").exists()
    with pytest.raises(services.UnitError, match="已于"):
        services.commitment_deliver(commitment=commitment, by=unit_user, delivered_on=timezone.localdate(),
                                    note="再次", files=[photo()])


@pytest.mark.parametrize("fields, message", [
    ({"files": []}, "至少一份佐证材料"),
    ({"note": ""}, "请填写落实情况"),
    ({"delivered_on": timezone.localdate() + dt.timedelta(days=1)}, "不能晚于今天"),
    ({"delivered_on": timezone.localdate() - dt.timedelta(days=5)}, "不能早于答复日期"),
])
def test_delivery_refusals(commitment, unit_user, fields, message):
    values = {"delivered_on": timezone.localdate(), "note": "已完成", "files": [photo()], **fields}
    with pytest.raises(services.UnitError, match=message):
        services.commitment_deliver(commitment=commitment, by=unit_user, **values)
    commitment.refresh_from_db()
    assert commitment.delivered_at is None and not CommitmentEvidence.objects.exists()


def test_only_the_replying_unit_delivers(commitment, other_unit_user):
    with pytest.raises(PermissionDenied):
        services.commitment_deliver(commitment=commitment, by=other_unit_user, delivered_on=timezone.localdate(),
                                    note="x", files=[photo()])


def test_deliver_view(login, unit_user, other_unit_user, commitment, assignment):
    client = login(unit_user)
    url = reverse("suggestions:commitment_deliver", args=[commitment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"delivered_on": timezone.localdate().isoformat(), "note": "已安装"})
    assert response.status_code == 400 and "至少一份佐证材料" in response.content.decode()
    response = client.post(url, {"delivered_on": timezone.localdate().isoformat(), "note": "已安装",
                                 "files": [photo(), photo("b.png")]})
    assert response.status_code == 302
    assert commitment.evidence.count() == 2
    page = client.get(reverse("suggestions:unit_detail", args=[assignment.pk])).content.decode()
    assert "已落实" in page and "已安装" in page
    assert login(other_unit_user).get(url).status_code == 404
    assert client.put(url).status_code == 405


def test_detail_queries_do_not_grow_with_contacts_and_evidence(login, unit_user, assignment, commitment,
                                                               django_assert_max_num_queries):
    from lvzhi.suggestions.models import Commitment

    client = login(unit_user)
    url = reverse("suggestions:unit_detail", args=[assignment.pk])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    reply_row = commitment.reply
    for n in range(8):
        contact(assignment, unit_user, stage="after", summary=f"回访{n}")
        extra = Commitment.objects.create(reply=reply_row, text=f"事项{n}", due_date=commitment.due_date)
        services.commitment_deliver(commitment=extra, by=unit_user, delivered_on=timezone.localdate(), note="已办",
                                    files=[photo()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("已落实") >= 8

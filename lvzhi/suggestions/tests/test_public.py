"""The public page: only what the office published, no login, no personal data beyond the lead's name and level."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from .test_reports import build  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(build, deputy_person):  # noqa: F811
    deputy_person.phone = "13800001234"
    deputy_person.save()
    s = build(replied=dt.date(2026, 5, 1), result="B", is_public=True, published_at=timezone.now(),
              commitments=[(dt.date(2026, 9, 1), dt.date(2026, 8, 20)), (dt.date(2027, 3, 1), None)])
    hidden = build(replied=dt.date(2026, 5, 1), title="关于内部事项的建议")
    return s, hidden


def test_list_and_detail_without_login(client, published, django_assert_max_num_queries):
    s, hidden = published
    with django_assert_max_num_queries(6):
        response = client.get(reverse("suggestions:public_list"))
    body = response.content.decode()
    assert response.status_code == 200 and s.title in body and hidden.title not in body
    assert "清源县交通运输局" in body and "B类" in body
    detail = client.get(reverse("suggestions:public_detail", args=[s.pk])).content.decode()
    assert f"{s.lead.name}（县人大代表）" in detail
    assert "已落实" in detail and "尚未落实" in detail and "答复" in detail
    assert "13800001234" not in detail and "1380000" not in detail


def test_unpublished_and_draft_404(client, published, make_suggestion):
    _, hidden = published
    draft = make_suggestion(is_public=True)
    assert client.get(reverse("suggestions:public_detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("suggestions:public_detail", args=[draft.pk])).status_code == 404


def test_public_search_and_post_refused(client, published):
    s, _ = published
    assert s.title in client.get(reverse("suggestions:public_list"), {"q": "东门路"}).content.decode()
    assert s.title not in client.get(reverse("suggestions:public_list"), {"q": "无此标题"}).content.decode()
    assert client.post(reverse("suggestions:public_list")).status_code == 405


def test_public_list_query_count_constant(client, published, build, django_assert_max_num_queries):  # noqa: F811
    for _ in range(6):
        build(replied=dt.date(2026, 5, 1), is_public=True, published_at=timezone.now())
    with django_assert_max_num_queries(6):
        assert client.get(reverse("suggestions:public_list")).status_code == 200


def test_public_rate_limited(client, published):
    url = reverse("suggestions:public_list")
    codes = [client.get(url).status_code for _ in range(61)]
    assert codes[:60] == [200] * 60 and codes[60] == 429

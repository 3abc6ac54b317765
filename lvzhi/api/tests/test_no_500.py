"""No endpoint answers 500 to bad input: every operation in the schema is called with hostile values."""

import pytest
from django.test import Client

from lvzhi.api.api import api

pytestmark = pytest.mark.django_db

HOSTILE = ["abc", "-1", "0", "1e9", str(2 ** 64), "%00", "' OR 1=1 --", "９", "../../etc/passwd", "null", "😀" * 30]
QUERY_KEYS = ["page", "page_size", "q", "level", "region", "parent", "year", "kind"]


def operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method in methods:
            yield path, method


@pytest.mark.parametrize("path, method", list(operations()))
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_input_never_gives_500(api_as, office_user, deputy_user, note_owner_setup, path, method, value):
    for user in (office_user, deputy_user):
        client = api_as(user)
        url = path.replace("{person_id}", value).replace("{note_id}", value).replace("{photo_id}", value)
        call = getattr(client, method)
        if method == "get":
            response = call(url, {key: value for key in QUERY_KEYS})
        else:
            response = call(url, f'{{"date": "{value}", "title": "{value}", "text": 1}}',
                            content_type="application/json")
        assert response.status_code < 500, (url, response.status_code, response.content[:300])


@pytest.fixture
def note_owner_setup(deputy_person, regions):
    return deputy_person


def test_anonymous_calls_are_401_everywhere(deputy_person):
    for path, method in operations():
        url = path.replace("{person_id}", "1").replace("{note_id}", "1").replace("{photo_id}", "1")
        assert getattr(Client(), method)(url).status_code == 401, url


def test_an_unknown_api_path_is_404(api_as, office_user):
    assert api_as(office_user).get("/api/nothing-here").status_code == 404

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from lvzhi.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_bearer_token_authenticates(deputy_user, token_for):
    key = token_for(deputy_user)
    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["username"] == "deputy"


def test_using_a_token_records_when(deputy_user, token_for):
    key = token_for(deputy_user)
    Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert ApiToken.objects.get().last_used_at is not None


def test_last_used_is_not_written_on_every_request(deputy_user, token_for, django_assert_num_queries):
    key = token_for(deputy_user)
    recent = timezone.now() - dt.timedelta(seconds=5)
    ApiToken.objects.update(last_used_at=recent)
    Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert ApiToken.objects.get().last_used_at == recent


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Bearer lz_nope", "Basic ZGVwdXR5OnB3", "Token abc", "Bearer " + "x" * 5000,
])
def test_without_a_valid_token_it_is_401(deputy_user, header):
    headers = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = Client().get("/api/me", **headers)
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(deputy_user, token_for):
    key = token_for(deputy_user)
    ApiToken.objects.update(revoked=True)
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_disabled_account_is_refused(office_user, token_for):
    key = token_for(office_user)
    office_user.is_active = False
    office_user.save()
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_the_session_authenticates(client, office_user):
    client.force_login(office_user)
    assert client.get("/api/me").json()["role"] == "office"


def test_a_session_post_needs_the_csrf_token(deputy_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(deputy_user)
    body = {"date": "2026-01-05", "title": "t", "text": "x"}
    response = client.post("/api/me/notes", body, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    page = client.get("/archive/notes/new/")
    token = page.cookies["csrftoken"].value
    response = client.post("/api/me/notes", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_a_token_post_needs_no_csrf_token(deputy_user, token_for):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token_for(deputy_user)}")
    response = client.post("/api/me/notes", {"date": "2026-01-05", "title": "t", "text": "x"},
                           content_type="application/json")
    assert response.status_code == 201


def test_an_anonymous_post_is_401_not_a_csrf_error():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/me/notes", {"date": "2026-01-05", "title": "t", "text": "x"},
                           content_type="application/json")
    assert response.status_code == 401


def test_staff_must_finish_two_factor_before_using_the_session(client, office_user, settings):
    settings.REQUIRE_2FA = True
    client.force_login(office_user)
    response = client.get("/api/me")
    assert response.status_code in (401, 403)  # accounts' middleware may refuse it first, with a JSON 403
    assert "username" not in response.json()


def test_the_token_user_is_the_audit_actor(deputy_user, token_for):
    from auditlog.models import LogEntry

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(deputy_user)}")
    client.post("/api/me/notes", {"date": "2026-01-05", "title": "t", "text": "x"}, content_type="application/json")
    entries = LogEntry.objects.filter(content_type__model="dutynote")
    assert entries.exists() and all(e.actor == deputy_user for e in entries)


def test_the_schema_is_public_and_complete(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "履职通 API"
    for path in ["/api/me", "/api/persons", "/api/persons/{person_id}", "/api/regions", "/api/me/notes",
                 "/api/persons/{person_id}/activities"]:
        assert path in schema["paths"], path
    schemes = schema["components"]["securitySchemes"]
    assert {"TokenAuth", "SessionAuth"} <= set(schemes)


def test_the_docs_page_uses_no_cdn_and_no_inline_script(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    # The only inline <script> is a JSON data block, which a content security policy does not execute.
    import re

    inline = [tag for tag in re.findall(r"<script[^>]*>", html) if "src=" not in tag]
    assert inline == ['<script type="application/json" id="swagger-settings">']
    assert "script-src 'self'" in response["Content-Security-Policy"]

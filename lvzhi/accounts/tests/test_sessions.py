import datetime as dt
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lvzhi.accounts import services
from lvzhi.accounts.middleware import LOGIN_AT
from lvzhi.accounts.models import SessionRecord

pytestmark = pytest.mark.django_db

INBOX = reverse("core:inbox")
LOGIN = reverse("accounts:login")


def stored_session(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_idle_timeout_is_thirty_minutes_renewed_on_every_request(login, deputy_user, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    client = login(deputy_user)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(minutes=2)
    )
    assert client.get(INBOX).status_code == 200
    remaining = stored_session(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)


def test_an_idle_session_expires(login, deputy_user):
    client = login(deputy_user)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def _age_login(client, seconds):
    session = client.session
    session[LOGIN_AT] = time.time() - seconds
    session.save()


def test_absolute_limit_is_twelve_hours(login, deputy_user, settings):
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60
    client = login(deputy_user)
    _age_login(client, 12 * 60 * 60 - 60)
    assert client.get(INBOX).status_code == 200
    _age_login(client, 12 * 60 * 60 + 1)
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?expired=1"
    assert "_auth_user_id" not in client.session
    assert "登录已超时" in client.get(response["Location"]).content.decode()


def test_a_session_without_a_login_time_is_ended(login, deputy_user):
    client = login(deputy_user)
    session = client.session
    del session[LOGIN_AT]
    session.save()
    assert client.get(INBOX)["Location"].startswith(LOGIN)


def test_a_disabled_user_is_logged_out_on_the_next_request(login, deputy_user):
    client = login(deputy_user)
    assert client.get(INBOX).status_code == 200
    deputy_user.is_active = False
    deputy_user.save()
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("engine", ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db",
                                    "django.contrib.sessions.backends.cache"])
def test_ending_sessions_works_with_every_server_side_engine(settings, engine, admin_user, deputy_user):
    settings.SESSION_ENGINE = engine
    phone, laptop = Client(), Client()
    phone.force_login(deputy_user)
    laptop.force_login(deputy_user)
    assert SessionRecord.objects.filter(user=deputy_user).count() == 2
    assert phone.get(INBOX).status_code == 200
    assert services.user_end_sessions(by=admin_user, user=deputy_user) == 2
    for client in (phone, laptop):
        assert client.get(INBOX)["Location"].startswith(LOGIN)
    assert not SessionRecord.objects.filter(user=deputy_user).exists()


def test_the_record_follows_a_password_change(login, deputy_user, admin_user):
    from conftest import PASSWORD

    client = login(deputy_user)
    new = "Qingyuan#Lake-88"
    client.post(reverse("accounts:password_change"),
                {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    record = SessionRecord.objects.get(user=deputy_user)
    assert record.session_key == client.session.session_key
    services.user_end_sessions(by=admin_user, user=deputy_user)
    assert client.get(INBOX).status_code == 302


def test_stale_records_are_pruned_at_login(deputy_user):
    SessionRecord.objects.create(user=deputy_user, session_key="gone",
                                 started_at=timezone.now() - dt.timedelta(hours=13))
    Client().force_login(deputy_user)
    assert not SessionRecord.objects.filter(session_key="gone").exists()
    assert SessionRecord.objects.filter(user=deputy_user).count() == 1


def test_login_page_explains_an_idle_timeout(client, office_user, password):
    client.post("/accounts/login/", {"username": "office", "password": password})
    assert "lvzhi_signed_in" in client.cookies
    client.cookies.pop("sessionid")  # the browser dropped the idle session cookie
    response = client.get("/accounts/login/")
    assert "登录已超时" in response.content.decode()


def test_logout_clears_the_timeout_marker(client, office_user, password):
    client.post("/accounts/login/", {"username": "office", "password": password})
    client.post("/accounts/logout/")
    response = client.get("/accounts/login/")
    assert "登录已超时" not in response.content.decode()

import datetime as dt

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from lvzhi.accounts.middleware import LOGIN_AT
from lvzhi.accounts.models import SessionRecord
from lvzhi.accounts.views import LOCKOUT_MESSAGE, LOGIN_RATE_MESSAGE

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def post_login(client, username, password, ip="10.0.0.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR=ip)


def test_login_page_renders(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert "登录履职通" in response.content.decode()


def test_it_logs_in_and_records_the_session(client, office_user):
    response = post_login(client, "office", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.session[LOGIN_AT] > 0
    record = SessionRecord.objects.get(user=office_user)
    assert record.session_key == client.session.session_key
    assert record.ip == "10.0.0.1"
    assert LogEntry.objects.filter(object_pk=str(office_user.pk), additional_data__event="login").exists()


def test_it_follows_a_safe_next_only(client, office_user):
    response = post_login(client, "office", PASSWORD, next="/inbox/")
    assert response["Location"] == "/inbox/"
    client.logout()
    response = post_login(client, "office", PASSWORD, next="https://evil.example.com/")
    assert response["Location"] == reverse("core:home")


def test_wrong_password_is_refused_in_chinese(client, office_user):
    response = post_login(client, "office", "Wrong-Password-1")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LogEntry.objects.filter(object_pk=str(office_user.pk), additional_data__event="login_failed").exists()


def test_a_disabled_account_cannot_log_in(client, office_user):
    office_user.is_active = False
    office_user.save()
    response = post_login(client, "office", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_rejects_wrong_method(client):
    assert client.put(LOGIN).status_code == 405
    assert client.delete(LOGIN).status_code == 405


def test_five_failures_lock_the_account_even_for_the_right_password(client, office_user):
    for _ in range(5):
        post_login(client, "office", "Wrong-Password-1")
    response = post_login(client, "office", PASSWORD)
    assert response.status_code == 429
    assert LOCKOUT_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LogEntry.objects.filter(object_pk=str(office_user.pk), additional_data__event="locked_out").exists()


def test_lockout_is_per_account_not_per_browser_or_address(client, office_user, leader_user):
    for _ in range(5):
        post_login(client, "office", "Wrong-Password-1", ip="10.0.0.1")
    fresh_browser = Client(HTTP_USER_AGENT="another browser")
    response = post_login(fresh_browser, "office", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert LOCKOUT_MESSAGE in response.content.decode()
    # Another account from the same address is not affected.
    assert post_login(Client(), "leader", PASSWORD, ip="10.0.0.1").status_code == 302


def test_lockout_ends_after_fifteen_minutes(client, office_user):
    for _ in range(5):
        post_login(client, "office", "Wrong-Password-1")
    assert post_login(client, "office", PASSWORD).status_code == 429
    AccessAttempt.objects.filter(username="office").update(
        attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    )
    response = post_login(client, "office", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(office_user.pk)


def test_four_failures_do_not_lock(client, office_user):
    for _ in range(4):
        post_login(client, "office", "Wrong-Password-1")
    assert post_login(client, "office", PASSWORD).status_code == 302


def test_login_is_rate_limited_per_address(client, office_user, settings):
    settings.LOGIN_RATE_LIMIT = "3/m"
    for _ in range(3):
        post_login(client, "nobody", "x", ip="10.0.0.7")
    response = post_login(client, "office", PASSWORD, ip="10.0.0.7")
    assert response.status_code == 429
    assert LOGIN_RATE_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert post_login(Client(), "office", PASSWORD, ip="10.0.0.8").status_code == 302


def test_logout_ends_the_session(client, office_user):
    post_login(client, "office", PASSWORD)
    key = client.session.session_key
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not SessionRecord.objects.filter(session_key=key).exists()
    assert client.get(reverse("core:inbox")).status_code == 302
    assert LogEntry.objects.filter(object_pk=str(office_user.pk), additional_data__event="logout").exists()


def test_logout_requires_post(login, office_user):
    client = login(office_user)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_login_requires_csrf_token(office_user):
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, "office", PASSWORD)
    assert response.status_code == 403

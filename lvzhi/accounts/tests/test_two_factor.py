import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lvzhi.accounts.models import SessionRecord

pytestmark = pytest.mark.django_db

TWO_FACTOR = reverse("accounts:two_factor")
INBOX = reverse("core:inbox")


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@pytest.fixture
def confirmed_device(office_user):
    return TOTPDevice.objects.create(user=office_user, name="手机验证器", confirmed=True)


def test_staff_are_sent_to_two_factor(two_factor_on, login, office_user):
    response = login(office_user).get(INBOX)
    assert response.status_code == 302
    assert response["Location"] == f"{TWO_FACTOR}?next=%2Finbox%2F"


@pytest.mark.parametrize("fixture", ["township_user", "leader_user", "admin_user"])
def test_every_two_factor_role_is_asked(two_factor_on, login, fixture, request):
    response = login(request.getfixturevalue(fixture)).get(INBOX)
    assert response["Location"].startswith(TWO_FACTOR)


def test_a_deputy_is_not_asked(two_factor_on, login, deputy_user):
    client = login(deputy_user)
    assert client.get(INBOX).status_code == 200
    assert client.get(TWO_FACTOR).status_code == 302  # nothing to do there


def test_nobody_is_asked_when_two_factor_is_off(settings, login, office_user):
    settings.REQUIRE_2FA = False
    assert login(office_user).get(INBOX).status_code == 200


def test_setup_shows_a_qr_code_and_the_secret_without_inline_script(two_factor_on, login, office_user):
    response = login(office_user).get(TWO_FACTOR)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    assert "密钥" in html
    device = TOTPDevice.objects.get(user=office_user)
    assert device.confirmed is False
    assert "<script>" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "style=" not in html


def test_setup_is_confirmed_with_a_right_code(two_factor_on, login, office_user):
    client = login(office_user)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=office_user)
    response = client.post(TWO_FACTOR, {"token": code_for(device), "next": INBOX})
    assert response.status_code == 302
    assert response["Location"] == INBOX
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(INBOX).status_code == 200
    assert LogEntry.objects.filter(object_pk=str(office_user.pk), additional_data__event="two_factor_enabled").exists()


def test_a_wrong_code_is_refused_in_chinese(two_factor_on, login, office_user, confirmed_device):
    client = login(office_user)
    wrong = f"{(int(code_for(confirmed_device)) + 1) % 1000000:06d}"
    response = client.post(TWO_FACTOR, {"token": wrong})
    assert response.status_code == 400
    assert "验证码不正确" in response.content.decode()
    assert client.get(INBOX).status_code == 302


@pytest.mark.parametrize("token", ["", "12ab56", "1234567", "12345"])
def test_malformed_codes_are_refused(two_factor_on, login, office_user, confirmed_device, token):
    response = login(office_user).post(TWO_FACTOR, {"token": token})
    assert response.status_code == 400
    assert "6位数字" in response.content.decode()


def test_a_known_device_asks_only_for_the_code(two_factor_on, login, office_user, confirmed_device):
    client = login(office_user)
    page = client.get(TWO_FACTOR + "?next=/inbox/")
    assert "<svg" not in page.content.decode()
    response = client.post(TWO_FACTOR, {"token": code_for(confirmed_device), "next": "/inbox/"})
    assert response["Location"] == "/inbox/"
    assert client.get(INBOX).status_code == 200


def test_an_external_next_is_ignored(two_factor_on, login, office_user, confirmed_device):
    client = login(office_user)
    response = client.post(TWO_FACTOR, {"token": code_for(confirmed_device), "next": "https://evil.example.com/"})
    assert response["Location"] == reverse("core:home")


def test_the_session_key_changes_and_its_record_follows(two_factor_on, login, office_user, confirmed_device):
    client = login(office_user)
    before = client.session.session_key
    client.post(TWO_FACTOR, {"token": code_for(confirmed_device)})
    after = client.session.session_key
    assert after != before
    assert SessionRecord.objects.filter(user=office_user).values_list("session_key", flat=True).get() == after


def test_code_attempts_are_rate_limited(two_factor_on, login, office_user, confirmed_device):
    client = login(office_user)
    for _ in range(5):
        client.post(TWO_FACTOR, {"token": "000000"})
    response = client.post(TWO_FACTOR, {"token": code_for(confirmed_device)})
    assert response.status_code == 429
    assert "过于频繁" in response.content.decode()
    assert client.get(INBOX).status_code == 302


def test_the_device_throttles_after_a_failure(settings, login, office_user, confirmed_device):
    settings.REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 10
    client = login(office_user)
    client.post(TWO_FACTOR, {"token": "000000" if code_for(confirmed_device) != "000000" else "111111"})
    response = client.post(TWO_FACTOR, {"token": code_for(confirmed_device)})
    assert "错误次数过多" in response.content.decode()


def test_two_factor_page_wrong_method(two_factor_on, login, office_user):
    assert login(office_user).put(TWO_FACTOR).status_code == 405


def test_two_factor_page_needs_login(two_factor_on, client):
    response = client.get(TWO_FACTOR)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_api_answers_403_before_two_factor(two_factor_on, login, office_user):
    response = login(office_user).get("/api/openapi.json")
    assert response.status_code == 403
    assert "两步验证" in response.json()["detail"]


def test_htmx_requests_are_redirected_by_header(two_factor_on, login, office_user):
    response = login(office_user).get(INBOX, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(TWO_FACTOR)


def test_the_full_login_journey_with_two_factor(two_factor_on, client, office_user, confirmed_device):
    from conftest import PASSWORD

    response = client.post(reverse("accounts:login") + "?next=/inbox/",
                           {"username": "office", "password": PASSWORD, "next": "/inbox/"})
    assert response["Location"] == "/inbox/"
    response = client.get("/inbox/")
    assert response["Location"].startswith(TWO_FACTOR)
    response = client.post(TWO_FACTOR, {"token": code_for(confirmed_device), "next": "/inbox/"})
    assert client.get(response["Location"]).status_code == 200

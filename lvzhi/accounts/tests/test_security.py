import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.strip().split(" ", 1)[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", [reverse("accounts:login"), reverse("accounts:user_list")])
def test_responses_carry_the_security_headers(client, admin_user, path):
    client.force_login(admin_user)
    response = client.get(path)
    policy = _csp(response)
    assert "script-src" in policy and "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy.get("style-src", "")
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_http_only(client, office_user):
    from conftest import PASSWORD

    response = client.post(reverse("accounts:login"), {"username": "office", "password": PASSWORD})
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def _token(client, path):
    page = client.get(path).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_csrf_is_enforced_on_post(admin_user, deputy_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    disable = reverse("accounts:user_disable", args=[deputy_user.pk])
    assert client.post(disable).status_code == 403
    deputy_user.refresh_from_db()
    assert deputy_user.is_active
    token = _token(client, reverse("accounts:user_edit", args=[deputy_user.pk]))
    assert client.post(disable, {"csrfmiddlewaretoken": token}).status_code == 302
    deputy_user.refresh_from_db()
    assert not deputy_user.is_active


def test_csrf_is_enforced_on_logout_and_password_change(deputy_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(deputy_user)
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert client.post(reverse("accounts:password_change"), {}).status_code == 403


def test_account_templates_have_no_inline_script_or_style():
    folders = [ROOT / "lvzhi" / "accounts" / "templates", ROOT / "lvzhi" / "templates"]
    for folder in folders:
        for template in folder.rglob("*.html"):
            text = template.read_text()
            assert "style=" not in text, template
            for tag in re.findall(r"<script[^>]*>", text):
                assert "src=" in tag, (template, tag)
            assert not re.search(r"\son[a-z]+=", text), template  # no inline event handlers


def _deploy_env() -> dict:
    # A clean environment, as a production server would have: nothing from the test run leaks in.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update({
        "DEBUG": "0",
        "SECRET_KEY": "".join(secrets.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@%^&*(-_=+)")
                              for _ in range(50)),
        "ALLOWED_HOSTS": "example.gov.cn",
        "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    })
    return env


def test_check_deploy_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_deploy_env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr and "ERRORS" not in result.stderr


def test_production_settings_hash_with_argon2_and_require_two_factor():
    code = ("from django.conf import settings as s; "
            "print(s.PASSWORD_HASHERS[0], s.REQUIRE_2FA, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)")
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT,
                            env=_deploy_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher True True True"


def test_the_configuration_site_signs_in_through_our_login(client):
    response = client.get("/django-admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "next=%2Fdjango-admin%2F" in response.redirect_chain[-1][0]


def test_the_configuration_site_changes_passwords_through_ours(login, admin_user):
    response = login(admin_user).get("/django-admin/password_change/")
    assert response["Location"] == reverse("accounts:password_change")

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import PASSWORD
from lvzhi.accounts.models import User

pytestmark = pytest.mark.django_db

CHANGE = reverse("accounts:password_change")
NEW = "Qingyuan#Lake-88"


def messages_for(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Ab1-short", "至少需要10个字符"),
        ("abcdefghijk1", "至少三类"),
        ("Password2024!", "太常见"),
        ("Admin@12345", "太常见"),
        ("12345678901234", "全是数字"),
    ],
)
def test_policy_refuses_weak_passwords_in_chinese(password, expected):
    assert any(expected in message for message in messages_for(password))


def test_policy_refuses_a_password_like_the_username():
    user = User(username="wangxiaoming")
    assert any("用户名" in message for message in messages_for("Wangxiaoming#2026", user))


def test_policy_accepts_a_strong_password():
    assert messages_for(NEW, User(username="office")) == []


def test_change_page_renders(login, deputy_user):
    response = login(deputy_user).get(CHANGE)
    assert response.status_code == 200
    assert "修改密码" in response.content.decode()


def test_it_changes_the_password_and_keeps_the_session(login, deputy_user):
    client = login(deputy_user)
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    deputy_user.refresh_from_db()
    assert deputy_user.check_password(NEW)
    assert client.get(reverse("core:inbox")).status_code == 200
    assert LogEntry.objects.filter(object_pk=str(deputy_user.pk), additional_data__event="password_changed").exists()


def test_change_refuses_a_wrong_old_password(login, deputy_user):
    client = login(deputy_user)
    response = client.post(CHANGE, {"old_password": "Not-The-One-1", "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 200
    assert "当前密码不正确" in response.content.decode()
    deputy_user.refresh_from_db()
    assert deputy_user.check_password(PASSWORD)


def test_change_refuses_a_weak_new_password(login, deputy_user):
    client = login(deputy_user)
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"})
    assert "至少需要10个字符" in response.content.decode()
    deputy_user.refresh_from_db()
    assert deputy_user.check_password(PASSWORD)


def test_change_refuses_the_same_password(login, deputy_user):
    client = login(deputy_user)
    response = client.post(CHANGE, {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert "不能与当前密码相同" in response.content.decode()


def test_change_page_wrong_method(login, deputy_user):
    assert login(deputy_user).put(CHANGE).status_code == 405


def test_change_page_needs_login(client):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_temporary_password_must_be_changed_first(login, deputy_user):
    deputy_user.must_change_password = True
    deputy_user.save()
    client = login(deputy_user)
    response = client.get(reverse("core:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(CHANGE)
    page = client.get(response["Location"])
    assert "临时密码" in page.content.decode()
    response = client.post(CHANGE + "?next=/inbox/",
                           {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW, "next": "/inbox/"})
    assert response["Location"] == "/inbox/"
    deputy_user.refresh_from_db()
    assert deputy_user.must_change_password is False
    assert client.get(reverse("core:inbox")).status_code == 200

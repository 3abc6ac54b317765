import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from lvzhi.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("issue_api_token", *args, stdout=out)
    return out.getvalue()


def issued_key(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("lz_"))


def test_it_issues_a_working_token(deputy_user):
    key = issued_key(run("deputy", "移动端"))
    token = ApiToken.objects.get()
    assert token.user == deputy_user and token.name == "移动端"
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_it_lists_and_revokes(deputy_user):
    key = issued_key(run("deputy", "移动端"))
    assert "移动端" in run("deputy", "--list") and key not in run("deputy", "--list")
    assert "已吊销 1 个令牌" in run("deputy", "--revoke", key[:8])
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


@pytest.mark.parametrize("args, message", [
    (("nobody", "x"), "不存在"),
    (("deputy",), "请写明令牌用途"),
    (("deputy", "--revoke", "lz_none"), "没有以"),
])
def test_it_refuses_bad_input(deputy_user, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_it_refuses_a_disabled_account(office_user):
    office_user.is_active = False
    office_user.save()
    with pytest.raises(CommandError, match="已停用"):
        run("office", "x")

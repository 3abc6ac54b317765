import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_page_renders_in_chinese(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="登录履职通")).to_be_visible()


def test_wrong_password_is_explained(page, sign_in, office_user):
    sign_in(page, "office", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")


def test_office_user_reaches_home(page, sign_in, office_user, password):
    sign_in(page, "office", password)
    expect(page.locator(".brand")).to_have_text("履职通")
    expect(page.get_by_role("navigation", name="主菜单")).to_contain_text("代表名册")

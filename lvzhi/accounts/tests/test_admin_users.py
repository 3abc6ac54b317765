import re

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from lvzhi.accounts.models import Role, SessionRecord, User

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:user_list")
CREATE = reverse("accounts:user_create")
INBOX = reverse("core:inbox")


def url(name, user):
    return reverse(f"accounts:{name}", args=[user.pk])


def events(user, event):
    return LogEntry.objects.filter(object_pk=str(user.pk), additional_data__event=event)


def lock(username):
    client = Client()
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": username, "password": "Wrong-Password-1"})


@pytest.fixture
def admin(login, admin_user):
    return login(admin_user)


# --- list ------------------------------------------------------------------------------------------------


def test_list_shows_accounts(admin, office_user, deputy_user):
    response = admin.get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "office" in html and "deputy" in html and "张三" in html


def test_list_searches_and_filters(admin, office_user, deputy_user, leader_user):
    html = admin.get(LIST, {"q": "王工委"}).content.decode()
    assert "office" in html and "赵主任" not in html
    html = admin.get(LIST, {"role": "deputy"}).content.decode()
    assert "deputy" in html and "王工委" not in html


def test_list_filters_by_status(admin, office_user, leader_user):
    leader_user.is_active = False
    leader_user.save()
    lock("office")
    html = admin.get(LIST, {"status": "disabled"}).content.decode()
    assert "赵主任" in html and "王工委" not in html
    html = admin.get(LIST, {"status": "locked"}).content.decode()
    assert "王工委" in html and "赵主任" not in html and "已锁定" in html


def test_list_answers_htmx_with_the_fragment(admin, office_user):
    response = admin.get(LIST, {"q": "office"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="user-results"' in html and "<html" not in html


def test_list_query_count_does_not_grow(admin, regions, django_assert_max_num_queries):
    for i in range(30):
        User.objects.create_user(username=f"staff{i}", password=PASSWORD, role="office", region=regions["county"])
    with django_assert_max_num_queries(12):
        assert admin.get(LIST).status_code == 200


@pytest.mark.parametrize("fixture", ["office_user", "leader_user", "deputy_user", "unit_user", "township_user"])
def test_non_admins_get_403_everywhere(login, fixture, request, deputy_user):
    client = login(request.getfixturevalue(fixture))
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert client.get(url("user_edit", deputy_user)).status_code == 403
    for name in ("user_disable", "user_enable", "user_end_sessions", "user_unlock", "user_reset_password",
                 "user_reset_two_factor"):
        assert client.post(url(name, deputy_user)).status_code == 403
    deputy_user.refresh_from_db()
    assert deputy_user.is_active


def test_anonymous_is_sent_to_login(client):
    assert client.get(LIST)["Location"].startswith(reverse("accounts:login"))


def test_list_wrong_method(admin):
    assert admin.post(LIST).status_code == 405


# --- create ----------------------------------------------------------------------------------------------


def test_create_page_renders(admin):
    response = admin.get(CREATE)
    assert response.status_code == 200
    assert "新建账号" in response.content.decode()


def test_it_creates_a_staff_account_with_a_temporary_password(admin, admin_user, regions):
    response = admin.post(CREATE, {"username": "li.ming", "display_name": "李明", "role": "township",
                                   "region": regions["town_a"].pk, "action": "save"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    user = User.objects.get(username="li.ming")
    password = response.context["password"]
    assert password in response.content.decode()
    assert user.check_password(password)
    assert user.must_change_password and user.region == regions["town_a"] and user.role == Role.TOWNSHIP
    entry = events(user, "user_create").get()
    assert entry.actor == admin_user and entry.action == LogEntry.Action.CREATE
    assert "password" not in entry.changes


def test_the_new_user_must_change_the_password_first(admin, regions):
    response = admin.post(CREATE, {"username": "li.ming", "role": "office", "region": regions["county"].pk,
                                   "action": "save"})
    client = Client()
    client.post(reverse("accounts:login"), {"username": "li.ming", "password": response.context["password"]})
    assert client.get(INBOX)["Location"].startswith(reverse("accounts:password_change"))


def test_it_finds_a_person_by_name_and_id_tail(admin, deputy_person, other_deputy_person):
    response = admin.post(CREATE, {"username": "zs", "role": "deputy", "person_name": "张",
                                   "person_tail": deputy_person.id_tail, "action": "find"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{deputy_person.pk}"' in html and deputy_person.id_masked in html
    assert "李四" not in html
    assert deputy_person.id_number not in html  # the administrator never sees the full number
    assert "errorlist" not in html
    assert not User.objects.filter(username="zs").exists()


def test_a_search_needs_both_name_and_tail(admin, deputy_person):
    html = admin.post(CREATE, {"username": "zs", "role": "deputy", "person_name": "张三",
                               "action": "find"}).content.decode()
    assert f'value="{deputy_person.pk}"' not in html


def test_a_bad_id_tail_is_explained(admin, deputy_person):
    response = admin.post(CREATE, {"username": "zs", "role": "deputy", "person_name": "张三",
                                   "person_tail": "12a", "action": "find"})
    assert "身份证号的最后4位" in response.content.decode()


def test_it_creates_a_deputy_account_linked_to_the_person(admin, deputy_person):
    admin.post(CREATE, {"username": "zs", "role": "deputy", "display_name": "张三", "person": deputy_person.pk,
                        "action": "save"})
    user = User.objects.get(username="zs")
    assert user.person == deputy_person and user.region is None


def test_it_creates_a_unit_handler_linked_to_the_unit(admin, unit, regions):
    admin.post(CREATE, {"username": "jt", "role": "unit", "unit": unit.pk, "region": regions["county"].pk,
                        "action": "save"})
    user = User.objects.get(username="jt")
    assert user.unit == unit and user.region is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "deputy"}, "代表账号须关联代表本人"),
        ({"role": "unit"}, "须选择所属承办单位"),
        ({"role": "office"}, "须选择管辖区划"),
        ({"role": "office", "username": "bad name!"}, "用户名"),
        ({"role": "superuser"}, "选择一个有效的选项"),
        ({"role": "admin", "email": "not-an-email"}, "有效的电子邮箱"),
        ({"role": "deputy", "person": "999999"}, "所选人员不存在"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(admin, data, message):
    before = User.objects.count()
    response = admin.post(CREATE, {"username": "newone", "action": "save", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == before
    assert not LogEntry.objects.filter(additional_data__event="user_create").exists()


def test_create_refuses_a_taken_username(admin, office_user):
    response = admin.post(CREATE, {"username": "OFFICE", "role": "admin", "action": "save"})
    assert response.status_code == 400
    assert "已被使用" in response.content.decode()


def test_create_refuses_a_person_who_already_has_an_account(admin, deputy_user, deputy_person):
    response = admin.post(CREATE, {"username": "zs2", "role": "deputy", "person": deputy_person.pk,
                                   "action": "save"})
    assert response.status_code == 400
    assert "该代表已有账号" in response.content.decode()
    assert not User.objects.filter(username="zs2").exists()


def test_create_wrong_method(admin):
    assert admin.put(CREATE).status_code == 405


# --- edit ------------------------------------------------------------------------------------------------


def test_edit_page_shows_the_account_and_its_sessions(admin, deputy_user):
    Client().force_login(deputy_user)
    response = admin.get(url("user_edit", deputy_user))
    html = response.content.decode()
    assert response.status_code == 200
    assert "账号：deputy" in html and "当前会话" in html and "没有登录中的会话" not in html


def test_it_edits_an_account_and_audits_the_diff(admin, admin_user, office_user, regions):
    response = admin.post(url("user_edit", office_user), {"display_name": "王主任", "role": "leader",
                                                          "region": regions["county"].pk, "action": "save"})
    assert response.status_code == 302
    office_user.refresh_from_db()
    assert office_user.display_name == "王主任" and office_user.role == Role.LEADER
    entry = events(office_user, "user_update").get()
    assert entry.actor == admin_user
    assert entry.changes["role"] == ["office", "leader"]
    assert entry.changes["display_name"] == ["王工委", "王主任"]


def test_a_changed_role_ends_the_sessions(admin, office_user, regions):
    session = Client()
    session.force_login(office_user)
    admin.post(url("user_edit", office_user), {"display_name": "王工委", "role": "leader",
                                               "region": regions["county"].pk, "action": "save"})
    assert session.get(INBOX).status_code == 302


def test_edit_refuses_bad_input_and_changes_nothing(admin, office_user):
    response = admin.post(url("user_edit", office_user), {"display_name": "x", "role": "office", "action": "save"})
    assert response.status_code == 400
    assert "须选择管辖区划" in response.content.decode()
    office_user.refresh_from_db()
    assert office_user.display_name == "王工委" and office_user.region_id


def test_an_admin_cannot_demote_themselves(admin, admin_user, regions):
    response = admin.post(url("user_edit", admin_user), {"role": "office", "region": regions["county"].pk,
                                                         "action": "save"})
    assert response.status_code == 400
    assert "不能修改自己的管理员角色" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_edit_unknown_account_is_404(admin):
    assert admin.get(reverse("accounts:user_edit", args=[999999])).status_code == 404


def test_edit_wrong_method(admin, office_user):
    assert admin.delete(url("user_edit", office_user)).status_code == 405


# --- disable, enable, end sessions -----------------------------------------------------------------------


def test_it_disables_an_account_and_ends_its_sessions(admin, admin_user, deputy_user):
    session = Client()
    session.force_login(deputy_user)
    assert session.get(INBOX).status_code == 200
    response = admin.post(url("user_disable", deputy_user))
    assert response.status_code == 302
    deputy_user.refresh_from_db()
    assert deputy_user.is_active is False
    assert not SessionRecord.objects.filter(user=deputy_user).exists()
    assert session.get(INBOX)["Location"].startswith(reverse("accounts:login"))
    entry = events(deputy_user, "account_disabled").get()
    assert entry.actor == admin_user and entry.changes == {"is_active": ["True", "False"]}


def test_an_admin_cannot_disable_themselves(admin, admin_user):
    response = admin.post(url("user_disable", admin_user), follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_disabling_twice_is_explained(admin, deputy_user):
    admin.post(url("user_disable", deputy_user))
    response = admin.post(url("user_disable", deputy_user), follow=True)
    assert "已是停用状态" in response.content.decode()
    assert events(deputy_user, "account_disabled").count() == 1


def test_it_enables_an_account(admin, deputy_user):
    admin.post(url("user_disable", deputy_user))
    admin.post(url("user_enable", deputy_user))
    deputy_user.refresh_from_db()
    assert deputy_user.is_active
    assert events(deputy_user, "account_enabled").exists()


def test_it_ends_sessions_without_disabling(admin, deputy_user):
    session = Client()
    session.force_login(deputy_user)
    response = admin.post(url("user_end_sessions", deputy_user), follow=True)
    assert "已结束“deputy”的1个会话" in response.content.decode()
    assert session.get(INBOX).status_code == 302
    deputy_user.refresh_from_db()
    assert deputy_user.is_active
    assert events(deputy_user, "sessions_ended").exists()


@pytest.mark.parametrize("name", ["user_disable", "user_enable", "user_end_sessions", "user_unlock",
                                  "user_reset_password", "user_reset_two_factor"])
def test_actions_need_post(admin, deputy_user, name):
    assert admin.get(url(name, deputy_user)).status_code == 405


@pytest.mark.parametrize("name", ["user_disable", "user_end_sessions", "user_unlock", "user_reset_password"])
def test_actions_on_an_unknown_account_are_404(admin, name):
    assert admin.post(reverse(f"accounts:{name}", args=[999999])).status_code == 404


# --- unlock, reset password, reset two-factor ------------------------------------------------------------


def test_it_unlocks_a_locked_account(admin, admin_user, office_user):
    lock("office")
    assert "已锁定" in admin.get(url("user_edit", office_user)).content.decode()
    admin.post(url("user_unlock", office_user))
    response = Client().post(reverse("accounts:login"), {"username": "office", "password": PASSWORD})
    assert response.status_code == 302
    assert events(office_user, "account_unlocked").get().actor == admin_user


def test_it_resets_a_password(admin, admin_user, deputy_user):
    session = Client()
    session.force_login(deputy_user)
    response = admin.post(url("user_reset_password", deputy_user))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    temporary = response.context["password"]
    deputy_user.refresh_from_db()
    assert deputy_user.must_change_password
    assert deputy_user.check_password(temporary) and not deputy_user.check_password(PASSWORD)
    assert session.get(INBOX).status_code == 302
    assert events(deputy_user, "password_reset").get().actor == admin_user
    fresh = Client()
    fresh.post(reverse("accounts:login"), {"username": "deputy", "password": temporary})
    assert fresh.get(INBOX)["Location"].startswith(reverse("accounts:password_change"))


def test_a_reset_also_unlocks(admin, office_user):
    lock("office")
    temporary = admin.post(url("user_reset_password", office_user)).context["password"]
    response = Client().post(reverse("accounts:login"), {"username": "office", "password": temporary})
    assert response.status_code == 302


def test_it_resets_two_factor(admin, office_user):
    TOTPDevice.objects.create(user=office_user, name="手机验证器", confirmed=True)
    admin.post(url("user_reset_two_factor", office_user))
    assert not TOTPDevice.objects.filter(user=office_user).exists()
    assert events(office_user, "two_factor_reset").exists()


def test_edit_page_links_to_the_accounts_trail(admin, office_user):
    admin.post(url("user_end_sessions", office_user))
    page = admin.get(url("user_edit", office_user)).content.decode()
    link = re.search(r'href="(/accounts/audit/\?[^"]+)"', page).group(1).replace("&amp;", "&")
    rows = admin.get(link).context["rows"]
    assert rows and all(row["entry"].object_pk == str(office_user.pk) for row in rows)


def test_createsuperuser_makes_a_system_administrator(db):
    from django.core.management import call_command

    from lvzhi.accounts.models import Role, User

    call_command("createsuperuser", username="root2", email="", interactive=False, verbosity=0)
    user = User.objects.get(username="root2")
    assert (user.role, user.is_superuser, user.is_staff) == (Role.ADMIN, True, True)

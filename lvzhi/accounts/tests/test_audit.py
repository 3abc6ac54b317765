import datetime as dt
import io
import json

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lvzhi.core.audit import audit_event

pytestmark = pytest.mark.django_db

LOG = reverse("accounts:audit_log")
EXPORT = reverse("accounts:audit_export")


@pytest.fixture
def admin(login, admin_user):
    return login(admin_user)


def person_entries(person):
    ct = ContentType.objects.get_for_model(person)
    return LogEntry.objects.filter(content_type=ct, object_pk=str(person.pk))


# --- what is recorded ------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["people.Person", "people.Mandate", "people.MandateChange", "people.Unit",
                                   "people.DeputyGroup", "people.Station", "people.Congress", "people.Term",
                                   "archive.DutyNote", "accounts.User"])
def test_models_are_registered(label):
    assert auditlog.contains(apps.get_model(label))


def test_person_changes_never_carry_the_id_number_or_the_phone(deputy_person):
    from lvzhi.people.models import Person

    person = Person.objects.get(pk=deputy_person.pk)
    person.phone = "13987654321"
    person.save()
    entries = list(person_entries(person))
    assert entries, "a person's creation and change are in the trail"
    dumped = json.dumps([e.changes for e in entries], ensure_ascii=False)
    assert deputy_person.id_number not in dumped
    assert deputy_person.id_hash not in dumped
    assert "13987654321" not in dumped and "13812345678" not in dumped
    update = next(e for e in entries if e.changes and "phone" in e.changes and e.changes["phone"][1] != "（已修改）")
    assert update.changes["phone"][1] == "139****4321"


def test_user_changes_never_carry_the_password(office_user):
    office_user.set_password("Another-Secret-9")
    office_user.display_name = "王科长"
    office_user.save()
    entry = LogEntry.objects.filter(object_pk=str(office_user.pk), action=LogEntry.Action.UPDATE).latest("id")
    assert "password" not in entry.changes
    assert entry.changes["display_name"] == ["王工委", "王科长"]


def test_the_address_is_remote_addr_not_a_forged_header(admin, admin_user, deputy_user):
    admin.post(reverse("accounts:user_end_sessions", args=[deputy_user.pk]),
               REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="6.6.6.6")
    entry = LogEntry.objects.get(additional_data__event="sessions_ended")
    assert entry.remote_addr == "192.0.2.10"
    assert entry.actor == admin_user


def test_behind_our_proxy_the_last_forwarded_address_counts(settings, admin, deputy_user):
    settings.TRUST_X_FORWARDED_FOR = True
    admin.post(reverse("accounts:user_end_sessions", args=[deputy_user.pk]),
               REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert LogEntry.objects.get(additional_data__event="sessions_ended").remote_addr == "198.51.100.7"


# --- the trail page --------------------------------------------------------------------------------------


def test_log_page_shows_who_when_what_and_where(admin, admin_user, office_user):
    admin.post(reverse("accounts:user_edit", args=[office_user.pk]),
               {"display_name": "王科长", "role": "office", "region": office_user.region_id, "action": "save"},
               REMOTE_ADDR="192.0.2.44")
    response = admin.get(LOG)
    html = response.content.decode()
    assert response.status_code == 200
    assert "修改账号" in html and "管理员" in html and "192.0.2.44" in html
    assert "显示名称" in html and "王工委 → 王科长" in html


def test_log_filters(admin, admin_user, office_user, deputy_user):
    audit_event(office_user, event="account_disabled", actor=admin_user, note="甲")
    audit_event(deputy_user, event="sessions_ended", actor=office_user, note="乙")
    user_type = ContentType.objects.get_for_model(office_user).pk

    def rows(**params):
        return [row["entry"].additional_data.get("note") for row in admin.get(LOG, params).context["rows"]
                if row["entry"].additional_data]

    assert rows(operation="event:account_disabled") == ["甲"]
    assert rows(actor="王工委") == ["乙"]
    assert rows(text="乙") == ["乙"]
    assert set(rows(content_type=user_type)) >= {"甲", "乙"}
    today = timezone.localdate()
    assert set(rows(date_from=today.isoformat(), date_to=today.isoformat())) >= {"甲", "乙"}
    assert rows(date_from=(today + dt.timedelta(days=1)).isoformat()) == []
    assert rows(operation=f"action:{LogEntry.Action.DELETE}") == []


def test_log_refuses_bad_filters_in_chinese(admin):
    response = admin.get(LOG, {"date_from": "2026-13-45"})
    assert response.status_code == 400
    assert "日期格式应为" in response.content.decode()
    response = admin.get(LOG, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert "截止日期不能早于起始日期" in response.content.decode()
    response = admin.get(LOG, {"content_type": "abc"})
    assert response.status_code == 400


def test_log_is_paginated_and_answers_htmx(admin, admin_user, office_user, django_assert_max_num_queries):
    for i in range(60):
        audit_event(office_user, event="sessions_ended", actor=admin_user, note=f"第{i}次")
    with django_assert_max_num_queries(12):
        response = admin.get(LOG)
    assert len(response.context["rows"]) == 50
    assert "下一页" in response.content.decode()
    response = admin.get(LOG, {"page": 2}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="audit-results"' in html and "<html" not in html


@pytest.mark.parametrize("fixture", ["office_user", "leader_user", "deputy_user", "township_user", "unit_user"])
def test_only_administrators_see_the_trail(login, fixture, request):
    client = login(request.getfixturevalue(fixture))
    assert client.get(LOG).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_log_wrong_method(admin):
    assert admin.post(LOG).status_code == 405
    assert admin.post(EXPORT).status_code == 405


# --- export ----------------------------------------------------------------------------------------------


def _sheet(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_export_is_an_xlsx_with_the_same_filter(admin, admin_user, office_user):
    audit_event(office_user, event="account_disabled", actor=admin_user, note="要导出的")
    audit_event(office_user, event="sessions_ended", actor=admin_user, note="不导出的")
    response = admin.get(EXPORT, {"operation": "event:account_disabled"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(response)
    assert rows[0][:5] == ["时间", "操作人", "用户名", "来源地址", "操作"]
    assert [row[9] for row in rows[1:]] == ["要导出的"]
    assert LogEntry.objects.filter(additional_data__event="audit_export").exists()


def test_export_cells_cannot_start_a_formula(admin, admin_user, unit):
    unit.name = "=HYPERLINK(\"http://evil\",\"点我\")"
    unit.save()
    audit_event(unit, event="review", actor=admin_user, note="+cmd|' /C calc'!A0")
    rows = _sheet(admin.get(EXPORT))
    cells = [cell for row in rows[1:] for cell in row if isinstance(cell, str)]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "'=HYPERLINK(\"http://evil\",\"点我\")" in cells


def test_export_refuses_a_bad_filter(admin):
    response = admin.get(EXPORT, {"date_to": "昨天"})
    assert response.status_code == 400
    assert "日期格式应为" in response.content.decode()


# --- purge -----------------------------------------------------------------------------------------------


def _aged(user, days):
    entry = audit_event(user, event="sessions_ended", note=f"{days}天前")
    LogEntry.objects.filter(pk=entry.pk).update(timestamp=timezone.now() - dt.timedelta(days=days))
    return entry


def test_purge_keeps_at_least_180_days(office_user):
    with pytest.raises(CommandError, match="至少保存180天"):
        call_command("purge_audit", "--days", "179")


def test_purge_deletes_only_older_entries(office_user):
    old, recent = _aged(office_user, 400), _aged(office_user, 100)
    out = io.StringIO()
    call_command("purge_audit", "--days", "365", stdout=out)
    assert not LogEntry.objects.filter(pk=old.pk).exists()
    assert LogEntry.objects.filter(pk=recent.pk).exists()
    assert "已删除1条" in out.getvalue()


def test_purge_defaults_to_the_retention_setting(office_user, settings):
    settings.AUDIT_RETENTION_DAYS = 180
    old, kept = _aged(office_user, 181), _aged(office_user, 179)
    call_command("purge_audit", stdout=io.StringIO())
    assert not LogEntry.objects.filter(pk=old.pk).exists()
    assert LogEntry.objects.filter(pk=kept.pk).exists()


def test_purge_dry_run_deletes_nothing(office_user):
    old = _aged(office_user, 400)
    out = io.StringIO()
    call_command("purge_audit", "--days", "200", "--dry-run", stdout=out)
    assert LogEntry.objects.filter(pk=old.pk).exists()
    assert "将删除1条" in out.getvalue()

"""Enrolment by rules and by hand, withdrawal, delegation leads' view, and the class notice."""

import datetime as dt

import pytest

from lvzhi.core.models import Notification
from lvzhi.core.notify import ConsoleSmsBackend
from lvzhi.people.models import Level, Mandate
from lvzhi.people.services import delegation_for, mandate_change_status, mandate_create
from lvzhi.training.models import ClassArea, ClassForm, Enrollment, TrainingClass
from lvzhi.training.selectors import class_enrollments_for
from lvzhi.training.services import classes as class_svc
from lvzhi.training.services.classes import TrainingError
from lvzhi.training.services.enrolment import (
    EnrolmentRules,
    class_notice_send,
    enrollment_add,
    enrollment_apply_rules,
    enrollment_withdraw,
    enrolment_preview,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_deputies(make_person, congresses, regions, deputy_person, other_deputy_person):
    """Four county deputies: 张三 (城关镇, also 镇 deputy), 李四 (河西乡), 王五 (城关镇 delegation, re-elected),
    赵六 (suspended); and 钱七, a deputy of the other county."""
    term = congresses["county"]
    wang = make_person("王五", region=regions["village_a"])
    mandate_create(by=None, person=wang, term=term, is_reelected=True,
                   delegation=delegation_for(term=term, name="城关镇代表团"))
    zhao = make_person("赵六", region=regions["town_b"])
    mandate = mandate_create(by=None, person=zhao, term=term)
    mandate_change_status(by=None, mandate=mandate, kind="suspended", date=dt.date(2026, 1, 5), reason="涉嫌违法")
    qian = make_person("钱七", region=regions["other_town"])
    mandate_create(by=None, person=qian, term=congresses["other_county"])
    return {"zhang": deputy_person, "li": other_deputy_person, "wang": wang, "zhao": zhao, "qian": qian}


def _rules(regions, **kw):
    return EnrolmentRules(region=kw.pop("region", regions["county"]), **kw)


def test_preview_counts_then_apply_is_idempotent(office_user, training_class, regions, county_deputies):
    rules = _rules(regions, levels=[Level.COUNTY])
    assert enrolment_preview(training_class=training_class, rules=rules)["to_add"] == 3  # not the suspended one
    result = enrollment_apply_rules(by=office_user, training_class=training_class, rules=rules)
    assert result["added"] == 3
    names = set(training_class.enrollments.values_list("person__name", flat=True))
    assert names == {"张三", "李四", "王五"}
    again = enrollment_apply_rules(by=office_user, training_class=training_class, rules=rules)
    assert again["added"] == 0
    preview = enrolment_preview(training_class=training_class, rules=rules)
    assert (preview["matched"], preview["already"], preview["to_add"]) == (3, 3, 0)


def test_enrolment_records_mandate_region_and_delegation(office_user, training_class, regions, county_deputies):
    enrollment_apply_rules(by=office_user, training_class=training_class, rules=_rules(regions, levels=[Level.COUNTY]))
    zhang = Enrollment.objects.get(training_class=training_class, person=county_deputies["zhang"])
    assert zhang.mandate.level == Level.COUNTY  # the county mandate qualified him, not the township one
    assert zhang.region_code == county_deputies["zhang"].region_id
    assert zhang.source == Enrollment.Source.RULE
    assert zhang.delegation.name == "城关镇代表团"  # the fixture's delegation, by home township
    wang = Enrollment.objects.get(training_class=training_class, person=county_deputies["wang"])
    assert wang.delegation == zhang.delegation  # his own 代表团 has the same name: one class delegation
    li = Enrollment.objects.get(training_class=training_class, person=county_deputies["li"])
    assert li.delegation.home_region == regions["town_b"]


def test_rules_create_missing_delegations_from_home_township(office_user, regions, county_deputies, congresses):
    cls = class_svc.class_create(by=office_user, region=regions["county"], title="班", organiser="县人大常委会",
                                 start_date=dt.date(2026, 12, 8), end_date=dt.date(2026, 12, 8))
    enrollment_apply_rules(by=office_user, training_class=cls, rules=_rules(regions, levels=[Level.COUNTY]))
    assert set(cls.delegations.values_list("name", flat=True)) == {"城关镇代表团", "河西乡代表团"}
    linked = cls.delegations.get(name="城关镇代表团")
    assert linked.delegation is not None  # taken from 王五's people.Delegation, though 张三 came first
    assert linked.home_region == regions["town_a"]


def test_rule_filters(office_user, training_class, regions, county_deputies):
    def names(**kw):
        rules = _rules(regions, **kw)
        return enrolment_preview(training_class=training_class, rules=rules)["matched"]

    assert names(levels=[Level.COUNTY], new_only=True) == 2  # 王五 is re-elected
    assert names(levels=[Level.COUNTY], active_only=False) == 4  # with the suspended 赵六
    assert names(levels=[Level.COUNTY], region=regions["town_a"]) == 2  # 张三 and 王五 (in a village of 城关镇)
    assert names(levels=[Level.TOWNSHIP]) == 1
    delegation = Mandate.objects.get(person=county_deputies["wang"]).delegation
    assert names(delegations=[delegation]) == 1
    with pytest.raises(TrainingError, match="不在主办机关"):
        names(region=regions["other_county"])


def test_withdrawn_stays_withdrawn_when_rules_apply_again(office_user, training_class, regions, county_deputies):
    rules = _rules(regions, levels=[Level.COUNTY])
    enrollment_apply_rules(by=office_user, training_class=training_class, rules=rules)
    li = Enrollment.objects.get(training_class=training_class, person=county_deputies["li"])
    enrollment_withdraw(by=office_user, enrollment=li, reason="住院")
    enrollment_apply_rules(by=office_user, training_class=training_class, rules=rules)
    li.refresh_from_db()
    assert li.status == Enrollment.Status.WITHDRAWN
    assert enrolment_preview(training_class=training_class, rules=rules)["withdrawn"] == 1


def test_areas_are_assigned_by_township(office_user, regions, county_deputies):
    cls = class_svc.class_create(by=office_user, region=regions["county"], title="分片培训", form=ClassForm.AREAS,
                                 organiser="县人大常委会", start_date=dt.date(2026, 12, 8), end_date=dt.date(2026, 12, 8))
    east = class_svc.area_create(by=office_user, training_class=cls, name="东片", venue_region=regions["town_a"],
                                 regions=[regions["town_a"]])
    west = class_svc.area_create(by=office_user, training_class=cls, name="西片", venue_region=regions["town_b"],
                                 regions=[regions["town_b"]])
    enrollment_apply_rules(by=office_user, training_class=cls, rules=_rules(regions, levels=[Level.COUNTY]))
    by_name = {e.person.name: e.area for e in cls.enrollments.select_related("person", "area")}
    assert by_name == {"张三": east, "王五": east, "李四": west}
    assert ClassArea.objects.get(pk=east.pk).enrollments.count() == 2


def test_enrolment_per_area(office_user, regions, county_deputies):
    cls = class_svc.class_create(by=office_user, region=regions["county"], title="分片培训", form=ClassForm.AREAS,
                                 organiser="县人大常委会", start_date=dt.date(2026, 12, 8), end_date=dt.date(2026, 12, 8))
    west = class_svc.area_create(by=office_user, training_class=cls, name="西片", venue_region=regions["town_b"],
                                 regions=[regions["town_b"]])
    rules = _rules(regions, levels=[Level.COUNTY], area=west)
    assert enrolment_preview(training_class=cls, rules=rules)["matched"] == 1
    assert "西片（河西乡）" in rules.description
    enrollment_apply_rules(by=office_user, training_class=cls, rules=rules)
    assert [(e.person.name, e.area) for e in cls.enrollments.select_related("person", "area")] == [("李四", west)]


def test_rights_to_enrol(leader_user, outsider_user, township_user, training_class, regions, county_deputies):
    rules = _rules(regions, levels=[Level.COUNTY])
    for user in (leader_user, outsider_user, township_user):
        with pytest.raises(TrainingError):
            enrollment_apply_rules(by=user, training_class=training_class, rules=rules)
    assert not training_class.enrollments.exists()


def test_finished_class_list_is_frozen(office_user, training_class, regions, county_deputies):
    TrainingClass.objects.filter(pk=training_class.pk).update(status=TrainingClass.Status.FINISHED)
    with pytest.raises(TrainingError, match="名单不能再变动"):
        enrollment_apply_rules(by=office_user, training_class=training_class, rules=_rules(regions))


def test_manual_add_and_bring_back(office_user, training_class, county_deputies, make_person, regions):
    zhang = enrollment_add(by=office_user, training_class=training_class, person=county_deputies["zhang"])
    assert zhang.mandate.level == Level.COUNTY
    assert zhang.source == Enrollment.Source.MANUAL
    with pytest.raises(TrainingError, match="已在名单中"):
        enrollment_add(by=office_user, training_class=training_class, person=county_deputies["zhang"])
    enrollment_withdraw(by=office_user, enrollment=zhang)
    again = enrollment_add(by=office_user, training_class=training_class, person=county_deputies["zhang"])
    assert again.pk == zhang.pk and again.status == Enrollment.Status.ENROLLED
    clerk = make_person("孙干事", region=regions["town_b"])
    with pytest.raises(TrainingError, match="工作人员"):
        enrollment_add(by=office_user, training_class=training_class, person=clerk)
    staff = enrollment_add(by=office_user, training_class=training_class, person=clerk, kind=Enrollment.Kind.STAFF)
    assert staff.mandate is None and staff.delegation.name == "河西乡代表团"


def test_delegation_staff_see_and_manage_their_own_people(office_user, other_township_user, township_user,
                                                          training_class, regions, county_deputies):
    enrollment_apply_rules(by=office_user, training_class=training_class, rules=_rules(regions, levels=[Level.COUNTY]))
    town_a = training_class.delegations.get(name="城关镇代表团")
    # 河西乡's staff member is made the staff of 城关镇's delegation: their region alone would not show it.
    class_svc.class_delegation_update(by=office_user, delegation=town_a, staff_user=other_township_user)
    seen = set(class_enrollments_for(other_township_user, training_class).values_list("person__name", flat=True))
    assert seen == {"张三", "王五", "李四"}  # their delegation, and 李四 who lives in their township
    assert set(class_enrollments_for(township_user, training_class).values_list("person__name", flat=True)) == {
        "张三", "王五"}
    assert class_enrollments_for(office_user, training_class).count() == 3
    wang = Enrollment.objects.get(training_class=training_class, person=county_deputies["wang"])
    enrollment_withdraw(by=other_township_user, enrollment=wang)
    li = Enrollment.objects.get(training_class=training_class, person=county_deputies["li"])
    with pytest.raises(TrainingError, match="没有管理"):
        enrollment_withdraw(by=township_user, enrollment=li)


def test_a_deputy_sees_only_their_own_enrolment(deputy_user, training_class, enroll, county_deputies):
    enroll(county_deputies["zhang"])
    enroll(county_deputies["li"], delegation=1)
    assert list(class_enrollments_for(deputy_user, training_class).values_list("person__name", flat=True)) == ["张三"]


def test_notice_reaches_those_with_accounts_once(office_user, training_class, enroll, deputy_user, county_deputies,
                                                 django_capture_on_commit_callbacks):
    enroll(county_deputies["zhang"])
    enroll(county_deputies["li"], delegation=1)  # no account
    ConsoleSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = class_notice_send(by=office_user, training_class=training_class, sms=True)
    assert result == {"sent": 1, "without_account": 1}
    note = Notification.objects.get(user=deputy_user)
    assert "人大代表的职责与权利" in note.body and "09:00–11:30" in note.body
    assert note.link == f"/training/my/{training_class.pk}/"
    assert ConsoleSmsBackend.outbox and ConsoleSmsBackend.outbox[-1][0] == "13812345678"
    zhang = Enrollment.objects.get(person=county_deputies["zhang"])
    assert zhang.notified_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert class_notice_send(by=office_user, training_class=training_class)["sent"] == 0
        assert class_notice_send(by=office_user, training_class=training_class, resend_all=True)["sent"] == 1
    assert Notification.objects.filter(user=deputy_user).count() == 2


def test_notice_by_email_goes_to_accounts_with_an_address(office_user, training_class, enroll, deputy_user,
                                                           county_deputies, django_capture_on_commit_callbacks,
                                                           mailoutbox, settings):
    settings.SITE_URL = "https://lvzhi.example.gov.cn"
    deputy_user.email = "zhangsan@example.cn"
    deputy_user.save()
    enroll(county_deputies["zhang"])
    with django_capture_on_commit_callbacks(execute=True):
        class_notice_send(by=office_user, training_class=training_class, email=True)
    [mail] = mailoutbox
    assert mail.to == ["zhangsan@example.cn"] and "培训通知" in mail.subject
    assert "人大代表的职责与权利" in mail.body
    assert f"https://lvzhi.example.gov.cn/training/my/{training_class.pk}/" in mail.body


def test_notice_without_email_sends_no_mail(office_user, training_class, enroll, deputy_user, county_deputies,
                                            django_capture_on_commit_callbacks, mailoutbox):
    deputy_user.email = "zhangsan@example.cn"
    deputy_user.save()
    enroll(county_deputies["zhang"])
    with django_capture_on_commit_callbacks(execute=True):
        class_notice_send(by=office_user, training_class=training_class)
    assert mailoutbox == []


def test_notice_publishes_a_draft_with_lessons_and_refuses_without(office_user, regions, deputy_user):
    cls = class_svc.class_create(by=office_user, region=regions["county"], title="班", organiser="县人大常委会",
                                 start_date=dt.date(2026, 12, 8), end_date=dt.date(2026, 12, 8))
    with pytest.raises(TrainingError, match="添加课程"):
        class_notice_send(by=office_user, training_class=cls)
    cls.refresh_from_db()
    assert cls.status == TrainingClass.Status.DRAFT


def test_leader_cannot_send_the_notice(leader_user, training_class):
    with pytest.raises(TrainingError):
        class_notice_send(by=leader_user, training_class=training_class)

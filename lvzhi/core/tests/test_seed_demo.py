import datetime as dt
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import RequestFactory

from lvzhi.core.idnumber import parse_id_number

PASSWORD = "Seed-Demo-2026x"
ACCOUNTS = ("admin", "staff", "town", "leader", "deputy", "unit")
DEMO_DAY = dt.date(2026, 11, 22)
COUNTY = ("439901000000", "439901999999")


def seed(**kwargs) -> str:
    out = io.StringIO()
    call_command("seed_demo", password=PASSWORD, stdout=out, **kwargs)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back at the end, so the rest of the suite
    never sees the demo county."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            output = seed()
            yield output
            transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    return seeded


def snapshot() -> dict:
    from auditlog.models import LogEntry

    from lvzhi.accounts.models import User
    from lvzhi.archive.models import Activity, DutyNote
    from lvzhi.core.models import Region
    from lvzhi.people.models import (
        Congress,
        Delegation,
        DeputyGroup,
        ElectoralDistrict,
        Mandate,
        MandateChange,
        Person,
        Sitting,
        Station,
        Term,
        Unit,
    )

    models = (Region, Congress, Term, Sitting, ElectoralDistrict, Delegation, DeputyGroup, Station, Unit, Person,
              Mandate, MandateChange, User, DutyNote, Activity, LogEntry)
    state = {model.__name__: model.objects.count() for model in models}
    state["persons"] = sorted(Person.objects.values_list("id", "updated_at"))
    state["activities"] = sorted(Activity.objects.values_list("id", "updated_at"))
    state["users"] = sorted(User.objects.values_list("username", "password", "role", "region_id", "person_id",
                                                     "unit_id"))
    state["mandates"] = sorted(Mandate.objects.values_list("id", "status", "group_id", "station_id"))
    return state


def test_it_prints_a_summary(demo):
    assert "演示数据就绪" in demo
    assert "人员" in demo and "代表资格" in demo


def test_it_builds_the_region_tree(demo):
    from lvzhi.core.models import Region

    county = Region.objects.get(code="439901000000")
    assert county.name == "清源县"
    townships = list(county.children.all())
    assert len(townships) == 12
    assert townships[0].code == "439901001000" and townships[0].name == "城关镇"
    assert {t.kind for t in townships} == {"镇", "乡", "街道"}
    for township in townships:
        assert 3 <= township.children.count() <= 6


def test_it_has_congresses_of_all_five_levels_with_current_terms(demo):
    from lvzhi.people.models import Congress, Level, Term

    assert set(Congress.objects.values_list("level", flat=True)) == set(Level.values)
    assert Congress.objects.filter(level=Level.TOWNSHIP).count() == 9  # streets (街道) have no congress
    for term in Term.objects.filter(is_current=True).prefetch_related("sittings"):
        assert term.start_date <= DEMO_DAY <= term.end_date
        assert term.sittings.exists()
    assert Congress.objects.count() == Term.objects.filter(is_current=True).count()


def test_counts_are_in_range(demo):
    from lvzhi.people.models import Delegation, DeputyGroup, Level, Mandate, Person, Station, Unit

    assert 350 <= Person.objects.filter(region__gte=COUNTY[0], region__lte=COUNTY[1]).count() <= 450
    mandates = Mandate.objects.all()
    assert 450 <= mandates.count() <= 560
    assert 180 <= mandates.filter(level=Level.COUNTY).count() <= 220
    assert 250 <= mandates.filter(level=Level.TOWNSHIP).count() <= 320
    assert 10 <= mandates.filter(level=Level.CITY).count() <= 20
    assert 3 <= mandates.filter(level=Level.PROVINCE).count() <= 8
    assert 1 <= mandates.filter(level=Level.NATIONAL).count() <= 2
    both = Person.objects.filter(mandates__level=Level.COUNTY).filter(mandates__level=Level.TOWNSHIP).count()
    assert 80 <= both <= 120
    assert Unit.objects.count() == 30
    assert Unit.objects.filter(kind=Unit.Kind.COURT).count() == Unit.objects.filter(kind="procuratorate").count() == 1
    assert Station.objects.count() == 12
    assert Delegation.objects.filter(term__congress__level=Level.COUNTY).count() == 12
    assert DeputyGroup.objects.count() >= 12


def test_status_changes_have_reasons_and_history(demo):
    from lvzhi.people.models import Mandate, MandateChange

    total = Mandate.objects.count()
    not_active = Mandate.objects.exclude(status=Mandate.Status.ACTIVE)
    assert 0.03 * total <= not_active.count() <= 0.08 * total
    for mandate in not_active:
        change = mandate.changes.last()
        assert change.to_status == mandate.status and change.reason
        if mandate.status == Mandate.Status.ENDED:
            assert mandate.end_reason and mandate.end_date
    assert MandateChange.objects.filter(kind=MandateChange.Kind.RESUMED).exists()
    assert Mandate.objects.filter(elected_by=Mandate.ElectedBy.BY_ELECTION).exists()
    reelected = Mandate.objects.filter(is_reelected=True).count() / total
    assert 0.5 <= reelected <= 0.7


def test_persons_have_valid_id_numbers_and_roster_facts(demo):
    from lvzhi.people.models import Person

    for person in Person.objects.all():
        info = parse_id_number(person.id_number)
        assert info.gender == person.gender
        assert info.birth_date.replace(day=1) == person.birth_date
        assert person.name_initials and person.phone and person.ethnicity and person.education
        assert person.occupation in {"工人", "农民", "专业技术人员", "企业负责人", "党政干部", "其他"}
    assert len(set(Person.objects.values_list("name", flat=True))) == Person.objects.count()


def test_accounts_can_log_in(demo):
    request = RequestFactory().post("/accounts/login/")
    for username in ACCOUNTS:
        user = authenticate(request, username=username, password=PASSWORD)
        assert user is not None, username


def test_accounts_have_their_roles_and_scopes(demo):
    from lvzhi.accounts.models import User

    users = {u.username: u for u in User.objects.select_related("region", "unit")}
    assert {name: users[name].role for name in ACCOUNTS} == {
        "admin": "admin", "staff": "office", "town": "township", "leader": "leader", "deputy": "deputy",
        "unit": "unit",
    }
    assert users["staff"].region.code == "439901000000"
    assert users["town"].region.name == "城关镇"
    assert users["unit"].unit.name == "清源县交通运输局"


def test_the_deputy_holds_county_and_township_mandates_in_chengguan(demo):
    from lvzhi.accounts.models import User
    from lvzhi.people.models import Level, Mandate

    person = User.objects.get(username="deputy").person
    mandates = {m.level: m for m in person.mandates.select_related("term__congress")}
    assert set(mandates) == {Level.COUNTY, Level.TOWNSHIP}
    assert mandates[Level.TOWNSHIP].term.congress.name == "城关镇人民代表大会"
    assert all(m.status == Mandate.Status.ACTIVE for m in mandates.values())
    assert person.region_id.startswith("439901001")


def test_accepted_notes_are_in_the_archive(demo):
    from lvzhi.accounts.models import User
    from lvzhi.archive.models import Activity, DutyNote

    accepted = DutyNote.objects.filter(status=DutyNote.Status.ACCEPTED)
    assert accepted.count() >= 3
    # (the training demo puts its attended lessons, leave and absences in the archive too)
    assert Activity.objects.filter(kind__in=["duty_note", "public_opinion"]).count() == accepted.count()
    deputy = User.objects.get(username="deputy").person
    statuses = set(DutyNote.objects.filter(person=deputy).values_list("status", flat=True))
    assert statuses == {"accepted", "returned", "submitted"}


def test_it_is_idempotent(demo):
    before = snapshot()
    output = seed()
    assert "数据已是最新" in output
    assert snapshot() == before


def test_it_refuses_a_weak_password(db):
    with pytest.raises(CommandError, match="密码"):
        call_command("seed_demo", password="short", stdout=io.StringIO())

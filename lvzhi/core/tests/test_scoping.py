import pytest
from django.http import Http404

from lvzhi.core.scoping import get_scoped_or_404, scoped
from lvzhi.people.models import Person

pytestmark = pytest.mark.django_db


def test_office_sees_its_county(office_user, deputy_person, other_deputy_person):
    assert set(scoped(Person.objects.all(), office_user)) == {deputy_person, other_deputy_person}


def test_township_sees_only_its_township(township_user, deputy_person, other_deputy_person):
    assert list(scoped(Person.objects.all(), township_user)) == [deputy_person]


def test_deputy_sees_only_themself(deputy_user, deputy_person, other_deputy_person):
    assert list(scoped(Person.objects.all(), deputy_user)) == [deputy_person]


def test_unit_and_admin_see_no_persons(unit_user, admin_user, deputy_person):
    assert not scoped(Person.objects.all(), unit_user).exists()
    assert not scoped(Person.objects.all(), admin_user).exists()


def test_outsider_gets_404(outsider_user, deputy_person):
    with pytest.raises(Http404):
        get_scoped_or_404(Person.objects.all(), outsider_user, pk=deputy_person.pk)


def test_inactive_user_sees_nothing(office_user, deputy_person):
    office_user.is_active = False
    assert not scoped(Person.objects.all(), office_user).exists()


def test_unscoped_model_is_refused(office_user):
    from lvzhi.core.models import Notification

    with pytest.raises(TypeError):
        scoped(Notification.objects.all(), office_user)


def test_menu_marks_only_the_closest_entry(office_user):
    from lvzhi.core.navigation import menu_for

    active = [item["label"] for item in menu_for(office_user, "/people/import/") if item["active"]]
    assert active == ["名册导入"]

"""Training fixtures: a county class with two lessons on one day and a delegation per township."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def class_day():
    return dt.date(2026, 12, 8)


@pytest.fixture
def training_class(regions, office_user, class_day):
    from lvzhi.training.models import ClassDelegation, LeaveStep, Lesson, TrainingClass

    cls = TrainingClass.objects.create(
        title="2026年县人大代表履职能力提升培训班", region=regions["county"], organiser="清源县人大常委会",
        start_date=class_day, end_date=class_day, venue="县委党校报告厅", created_by=office_user,
        leave_chain=[LeaveStep.HOME_OFFICE, LeaveStep.ORGANISER], status=TrainingClass.Status.PUBLISHED,
    )
    Lesson.objects.create(training_class=cls, topic="人大代表的职责与权利", starts_at=at(class_day, 9),
                          ends_at=at(class_day, 11, 30), hours=Decimal("2.5"), room="报告厅")
    Lesson.objects.create(training_class=cls, topic="代表建议的撰写", starts_at=at(class_day, 14, 30),
                          ends_at=at(class_day, 17), hours=Decimal("2.5"), room="报告厅", kind=Lesson.Kind.PRACTICE)
    for order, town in enumerate(("town_a", "town_b")):
        ClassDelegation.objects.create(training_class=cls, name=f"{regions[town].name}代表团", order=order,
                                       home_region=regions[town])
    return cls


@pytest.fixture
def enroll(training_class):
    """enroll(person, delegation_index=0) → Enrollment, written directly (services are tested on their own)."""
    from lvzhi.training.models import Enrollment

    def make(person, delegation=0, **fields):
        return Enrollment.objects.create(
            training_class=training_class, person=person, region_code=person.region_id,
            delegation=list(training_class.delegations.all())[delegation], **fields,
        )

    return make

"""Helpers for the seating, groups and discussion tests: a crowd of enrolled people written in bulk."""

import datetime as dt

from lvzhi.core.idnumber import make_id_number

SECTORS = ["工人", "农民", "专业技术人员", "党政干部", "企业负责人", "解放军"]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def make_crowd(training_class, region, sizes, *, sectors=SECTORS, start=0):
    """Enrol ``sizes[i]`` people in delegation i (delegations are added to the class as needed); returns the
    enrolments in delegation order."""
    from lvzhi.people.models import Person
    from lvzhi.people.services import pinyin_initials
    from lvzhi.training.models import ClassDelegation, Enrollment

    delegations = list(training_class.delegations.order_by("order", "id"))
    for i in range(len(delegations), len(sizes)):
        delegations.append(ClassDelegation.objects.create(
            training_class=training_class, name=f"第{i + 1}代表团", order=i, home_region=region))
    persons = []
    n = start
    for d, size in enumerate(sizes):
        for _ in range(size):
            n += 1
            name = SURNAMES[n % len(SURNAMES)] + "代表" + str(n)
            person = Person(name=name, gender="男" if n % 2 else "女", region=region,
                            occupation=sectors[(n * 7 + d) % len(sectors)] if sectors else "",
                            birth_date=dt.date(1960 + n % 30, 1 + n % 12, 1))
            person.set_id_number(make_id_number("439901", dt.date(1960 + n % 30, 1 + n % 12, 1 + n % 28), n, n % 2 == 1))
            person.name_initials = pinyin_initials(name)
            person._delegation = delegations[d]
            persons.append(person)
    Person.objects.bulk_create(persons)
    enrollments = Enrollment.objects.bulk_create([
        Enrollment(training_class=training_class, person=p, region_code=region.code, delegation=p._delegation)
        for p in persons
    ])
    return enrollments

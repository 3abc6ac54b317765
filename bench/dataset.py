"""A province-scale roster for the benchmark, written fast: COPY on PostgreSQL, executemany in one transaction on
SQLite, with explicit primary keys so mandates and activities refer to persons without a round trip.

At scale 1: a province of 14 cities, 112 counties, 1,680 townships and streets and 20,160 villages; 200,000
persons, 260,000 mandates (a county or township seat each, plus township seats of county deputies and the
city, provincial and national deputies among them) with their history, and 2,000,000 activities. Person 1 is the
benchmark's deputy: a county, township and city deputy with exactly 200 activities, spread through the table as
they would be in a live system.

Every value is what the application itself would store (encrypted ID number, keyed hash, mask, tail, pinyin
initials, redundant region codes), so the pages read it exactly as they read real data."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction

from lvzhi.accounts.models import Role, User
from lvzhi.archive.models import Activity, ActivityKind, DutyNote
from lvzhi.core import demo
from lvzhi.core.crypto import encrypt, keyed_hash
from lvzhi.core.idnumber import make_id_number
from lvzhi.core.masking import mask_id_number
from lvzhi.core.models import Region
from lvzhi.people.models import (
    Congress,
    Delegation,
    DeputyGroup,
    ElectoralDistrict,
    Level,
    Mandate,
    MandateChange,
    Person,
    PersonNameKey,
    Sitting,
    Station,
    Term,
    name_keys,
)
from lvzhi.people.services import pinyin_initials

PROVINCE_CODE = "430000000000"
BENCH_USERNAME = "bench_office"
BENCH_PERSON_ID = 1
BENCH_PERSON_ACTIVITIES = 200
CITIES, COUNTIES_PER_CITY, TOWNS_PER_COUNTY, VILLAGES_PER_TOWN = 14, 8, 15, 12
STREETS_PER_COUNTY = 2  # the first two "townships" of each county are streets (街道): no congress of their own
NOW = "2026-11-20 09:00:00"
PLACE_CHARS = "云清河安平江山阳溪宁华兴长沙湘潭衡岳常德益永郴娄邵怀株龙凤桃石白青柳梅松竹金银新东西南北大小上下中"


@dataclass(frozen=True)
class Shape:
    persons: int
    mandates: int
    activities: int

    @classmethod
    def at(cls, scale: float) -> Shape:
        return cls(round(200_000 * scale), round(260_000 * scale), round(2_000_000 * scale))


@dataclass
class Town:
    code: str
    name: str
    county: str  # 12-digit codes
    city: str
    street: bool
    villages: list[str]


# ---------------------------------------------------------------------------------------------- writing rows


def _pg_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return text


def _sqlite_value(value):
    if value is True:
        return 1
    if value is False:
        return 0
    return value


def _columns(model, given: list[str]) -> tuple[list[str], tuple]:
    """The model's columns: ours first, then any column we do not know (a field added later) at its default."""
    extra_columns, extra_values = [], []
    for f in model._meta.concrete_fields:
        if f.column not in given:
            default = f.get_default()
            extra_columns.append(f.column)
            extra_values.append(f.get_db_prep_save(default, connection) if default is not None else None)
    unknown = set(given) - {f.column for f in model._meta.concrete_fields}
    if unknown:
        raise RuntimeError(f"{model.__name__} has no columns {unknown}: the benchmark dataset needs updating")
    return given + extra_columns, tuple(extra_values)


def load(model, columns: list[str], rows: Iterable[tuple], chunk: int = 50_000) -> int:
    """Write rows (tuples in ``columns`` order) into the model's table as fast as the database allows."""
    columns, extra = _columns(model, columns)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                buffer: list[str] = []
                for row in rows:
                    buffer.append("\t".join(map(_pg_value, row + extra)))
                    if len(buffer) >= chunk:
                        copy.write("\n".join(buffer) + "\n")
                        count += len(buffer)
                        buffer.clear()
                if buffer:
                    copy.write("\n".join(buffer) + "\n")
                    count += len(buffer)
    else:
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
        raw = connection.connection
        buffer = []
        for row in rows:
            buffer.append(tuple(map(_sqlite_value, row + extra)))
            if len(buffer) >= chunk:
                raw.executemany(sql, buffer)
                count += len(buffer)
                buffer.clear()
        if buffer:
            raw.executemany(sql, buffer)
            count += len(buffer)
    return count


# ---------------------------------------------------------------------------------------------- the dataset


class Builder:
    def __init__(self, shape: Shape, log=print):
        self.shape = shape
        self.rng = random.Random(20261122)
        self.log = log
        self.towns: list[Town] = []
        self.started = time.monotonic()

    def step(self, message: str) -> None:
        self.log(f"  [{time.monotonic() - self.started:6.1f}s] {message}")

    def build(self) -> None:
        ensure_connection_fast()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Foreign keys are correct by construction; checking 2.6 million of them row by row would
                    # triple the load time. Restored at the end of the transaction.
                    cursor.execute("SET LOCAL session_replication_role = replica")
            self.regions()
            self.congresses()
            self.people()
            self.mandates()
            self.activities()
            self.accounts()
            self.reset_sequences()
        self.step("vacuum and analyse")
        with connection.cursor() as cursor:
            # What autovacuum would have done by the time a live system had this much data: planner statistics,
            # and on PostgreSQL the visibility map that index-only scans rely on.
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        self.step("done")

    # -- regions

    def _place(self, used: set[str], suffix: str) -> str:
        while True:
            name = "".join(self.rng.sample(PLACE_CHARS, 2)) + suffix
            if name not in used:
                used.add(name)
                return name

    def regions(self) -> None:
        rng = self.rng
        rows = [(PROVINCE_CODE, "示范省", Region.Level.PROVINCE, None, "省", 0)]
        city_names: set[str] = set()
        for c in range(1, CITIES + 1):
            city = f"43{c:02d}00000000"
            rows.append((city, self._place(city_names, "市"), Region.Level.CITY, PROVINCE_CODE, "市", c))
            county_names: set[str] = set()
            for k in range(1, COUNTIES_PER_CITY + 1):
                county = f"43{c:02d}{k:02d}000000"
                kind = "区" if k == 1 else "县"
                rows.append((county, self._place(county_names, kind), Region.Level.COUNTY, city, kind, k))
                town_names: set[str] = set()
                for t in range(1, TOWNS_PER_COUNTY + 1):
                    street = t <= STREETS_PER_COUNTY
                    kind = "街道" if street else rng.choice(("镇", "镇", "乡"))
                    code = f"{county[:6]}{t:03d}000"
                    name = self._place(town_names, kind)
                    rows.append((code, name, Region.Level.TOWNSHIP, county, kind, t))
                    village_names: set[str] = set()
                    villages = []
                    for v in range(1, VILLAGES_PER_TOWN + 1):
                        vkind = "社区" if street or v == 1 else "村"
                        vcode = f"{code[:9]}{v:03d}"
                        rows.append((vcode, self._place(village_names, vkind), Region.Level.VILLAGE, code, vkind, v))
                        villages.append(vcode)
                    self.towns.append(Town(code, name, county, city, street, villages))
        load(Region, ["code", "name", "level", "parent_id", "kind", "sort"], rows)
        self.step(f"regions: {len(rows):,}")

    # -- congresses, terms and the names mandates point at

    def congresses(self) -> None:
        plans = [(Level.NATIONAL, PROVINCE_CODE, "全国人民代表大会", 14, dt.date(2023, 3, 5)),
                 (Level.PROVINCE, PROVINCE_CODE, "示范省人民代表大会", 14, dt.date(2023, 1, 13))]
        names = dict(Region.objects.filter(level__lte=Region.Level.TOWNSHIP).values_list("code", "name"))
        for city in sorted({t.city for t in self.towns}):
            plans.append((Level.CITY, city, f"{names[city]}人民代表大会", 16, dt.date(2022, 1, 6)))
        for county in sorted({t.county for t in self.towns}):
            plans.append((Level.COUNTY, county, f"{names[county]}人民代表大会", 18, dt.date(2021, 10, 8)))
        for town in self.towns:
            if not town.street:
                plans.append((Level.TOWNSHIP, town.code, f"{town.name}人民代表大会", 18, dt.date(2021, 9, 28)))
        congresses = Congress.objects.bulk_create(
            [Congress(level=level, region_id=region, name=name) for level, region, name, _, _ in plans],
            batch_size=2000)
        terms = Term.objects.bulk_create(
            [Term(congress=c, number=number, start_date=start, end_date=start.replace(year=start.year + 5),
                  is_current=True) for c, (_, _, _, number, start) in zip(congresses, plans, strict=True)],
            batch_size=2000)
        Sitting.objects.bulk_create(
            [Sitting(term=t, number=n + 1, start_date=t.start_date.replace(year=t.start_date.year + n))
             for t in terms for n in range(4)], batch_size=5000)
        self.term = {(c.level, c.region_id): t.pk for c, t in zip(congresses, terms, strict=True)}
        self.national_term = self.term[(Level.NATIONAL, PROVINCE_CODE)]
        self.province_term = self.term[(Level.PROVINCE, PROVINCE_CODE)]

        # One delegation, one county district, one township district, one group and one station per township.
        self.delegation, self.county_district, self.town_district, self.group, self.station = {}, {}, {}, {}, {}
        delegations, districts, groups, stations = [], [], [], []
        for town in self.towns:
            county_term = self.term[(Level.COUNTY, town.county)]
            delegations.append(Delegation(term_id=county_term, name=f"{town.name}代表团", region_id=town.code))
            districts.append(ElectoralDistrict(term_id=county_term, name=f"{town.name}第一选区", region_id=town.code))
            if not town.street:
                districts.append(ElectoralDistrict(term_id=self.term[(Level.TOWNSHIP, town.code)], name="第一选区",
                                                   region_id=town.code))
            groups.append(DeputyGroup(name=f"{town.name}代表小组", region_id=town.code))
            stations.append(Station(name=f"{town.name}人大代表联络站", region_id=town.code))
        Delegation.objects.bulk_create(delegations, batch_size=5000)
        ElectoralDistrict.objects.bulk_create(districts, batch_size=5000)
        DeputyGroup.objects.bulk_create(groups, batch_size=5000)
        Station.objects.bulk_create(stations, batch_size=5000)
        for d in delegations:
            self.delegation[d.region_id] = d.pk
        for d in districts:
            (self.town_district if d.name == "第一选区" else self.county_district)[d.region_id] = d.pk
        for g in groups:
            self.group[g.region_id] = g.pk
        for s in stations:
            self.station[s.region_id] = s.pk
        self.step(f"congresses: {len(congresses):,}, terms with sittings, delegations, districts, groups, stations")

    # -- persons

    def people(self) -> None:
        rng, n = self.rng, self.shape.persons
        self.person_town: list[Town] = [None]  # index = person id
        self.person_region: list[str] = [""]
        names: list[str] = [""]
        seen_ids: set[str] = set()
        initials: dict[str, str] = {}

        def rows() -> Iterator[tuple]:
            for pk in range(1, n + 1):
                town = self.towns[2] if pk == BENCH_PERSON_ID else rng.choice(self.towns)
                region = rng.choice(town.villages) if rng.random() < 0.75 else town.code
                self.person_town.append(town)
                self.person_region.append(region)
                gender = "女" if rng.random() < 0.3 else "男"
                name = demo.chinese_name(rng, gender)
                names.append(name)
                if name not in initials:
                    initials[name] = pinyin_initials(name)
                occupation = rng.choice(demo.OCCUPATIONS)
                birth = demo.birth_date(rng, 1960, 1996)
                seq = pk
                number = make_id_number(town.county[:6], birth, seq, gender == "男")
                while number in seen_ids:
                    seq += 1
                    number = make_id_number(town.county[:6], birth, seq, gender == "男")
                seen_ids.add(number)
                yield (
                    pk, name, initials[name], gender, demo.weighted(rng, demo.ETHNICITIES), birth.replace(day=1)
                    .isoformat(), "示范" + town.name[:2], demo.political_status(rng, occupation),
                    demo.weighted(rng, demo.EDUCATION_BY_OCCUPATION[occupation]),
                    f"{town.name}{rng.choice(demo.FIRMS)}{rng.choice(demo.INDUSTRIES)}有限公司", occupation,
                    demo.phone_number(rng), encrypt(number), keyed_hash(number), mask_id_number(number), number[-4:],
                    region, NOW, NOW,
                )

        count = load(Person, ["id", "name", "name_initials", "gender", "ethnicity", "birth_date", "native_place",
                              "political_status", "education", "employer_title", "occupation", "phone",
                              "id_number", "id_hash", "id_masked", "id_tail", "region_id", "created_at",
                              "updated_at"], rows())
        self.step(f"persons: {count:,}")
        keys = ((pk, key) for pk in range(1, n + 1) for key in name_keys(names[pk]))
        count = load(PersonNameKey, ["person_id", "key"], keys)
        self.step(f"name keys: {count:,}")

    # -- mandates and their history

    def mandates(self) -> None:
        rng, n = self.rng, self.shape.persons
        primary_county: list[int] = []
        held: list[tuple[int, int]] = []  # (person, level)
        for pk in range(1, n + 1):
            town = self.person_town[pk]
            if pk == BENCH_PERSON_ID or town.street or rng.random() < 0.35:
                held.append((pk, Level.COUNTY))
                primary_county.append(pk)
            else:
                held.append((pk, Level.TOWNSHIP))
        extra = max(self.shape.mandates - n, 0)
        with_township = [pk for pk in primary_county if not self.person_town[pk].street and pk != BENCH_PERSON_ID]
        rng.shuffle(with_township)
        others = [pk for pk in primary_county if pk != BENCH_PERSON_ID]
        rng.shuffle(others)
        national = max(1, round(extra * 0.005))
        province = round(extra * 0.045)
        city = round(extra * 0.15)
        township = min(extra - national - province - city - 2, len(with_township))
        held += [(BENCH_PERSON_ID, Level.TOWNSHIP), (BENCH_PERSON_ID, Level.CITY)]
        held += [(pk, Level.TOWNSHIP) for pk in with_township[:township]]
        held += [(pk, Level.CITY) for pk in others[:city]]
        held += [(pk, Level.PROVINCE) for pk in others[city:city + province]]
        held += [(pk, Level.NATIONAL) for pk in others[city + province:city + province + national]]
        held.sort()
        numbers: dict[int, int] = {}
        changes: list[tuple] = []
        end_reasons = [Mandate.EndReason.MOVED, Mandate.EndReason.RESIGNED, Mandate.EndReason.DECEASED]

        def rows() -> Iterator[tuple]:
            for mid, (pk, level) in enumerate(held, start=1):
                town = self.person_town[pk]
                term = {
                    Level.NATIONAL: self.national_term, Level.PROVINCE: self.province_term,
                    Level.CITY: self.term.get((Level.CITY, town.city)),
                    Level.COUNTY: self.term.get((Level.COUNTY, town.county)),
                    Level.TOWNSHIP: self.term.get((Level.TOWNSHIP, town.code)),
                }[level]
                numbers[term] = numbers.get(term, 0) + 1
                start = "2021-09-28" if level == Level.TOWNSHIP else "2021-10-08"
                status, reason, end = Mandate.Status.ACTIVE, "", None
                roll = rng.random() if pk != BENCH_PERSON_ID else 1.0
                changes.append((mid, MandateChange.Kind.ELECTED, start, "", "", Mandate.Status.ACTIVE))
                if roll < 0.01:
                    status = Mandate.Status.SUSPENDED
                    changes.append((mid, MandateChange.Kind.SUSPENDED, "2024-05-20", "因刑事案件被羁押正在受侦查",
                                    Mandate.Status.ACTIVE, status))
                elif roll < 0.03:
                    status, reason, end = Mandate.Status.ENDED, rng.choice(end_reasons), "2024-08-15"
                    changes.append((mid, MandateChange.Kind.ENDED, end, Mandate.EndReason(reason).label,
                                    Mandate.Status.ACTIVE, status))
                local = level in (Level.COUNTY, Level.TOWNSHIP)
                yield (
                    mid, pk, term, level,
                    (self.county_district.get(town.code) if level == Level.COUNTY else
                     self.town_district.get(town.code) if level == Level.TOWNSHIP else None),
                    self.delegation[town.code] if level == Level.COUNTY else None,
                    self.group[town.code] if local else None, self.station[town.code] if local else None,
                    status, reason, Mandate.ElectedBy.GENERAL, rng.random() < 0.6, f"{numbers[term]:05d}",
                    start, end, self.person_region[pk],
                )

        count = load(Mandate, ["id", "person_id", "term_id", "level", "district_id", "delegation_id", "group_id",
                               "station_id", "status", "end_reason", "elected_by", "is_reelected", "deputy_number",
                               "start_date", "end_date", "region_code"], rows())
        history = load(MandateChange, ["id", "mandate_id", "kind", "date", "reason", "from_status", "to_status",
                                       "by_id", "at"],
                       ((i, *change[:6], None, NOW) for i, change in enumerate(changes, start=1)))
        self.step(f"mandates: {count:,} (history rows: {history:,})")

    # -- activities

    def activities(self) -> None:
        rng, n, total = self.rng, self.shape.persons, self.shape.activities
        source_type = ContentType.objects.get_for_model(DutyNote).pk
        kinds = [k.value for k in ActivityKind]
        titles = {
            ActivityKind.TRAINING: ("参加代表履职能力提升培训班", "参加新修改代表法专题辅导", "参加乡村振兴专题培训"),
            ActivityKind.STATION_DUTY: ("在代表联络站值班", "参加联络站接待日"),
            ActivityKind.RECEPTION: ("接待群众反映道路修缮问题", "接待群众反映饮水安全问题", "接待群众反映就医问题"),
            ActivityKind.SUGGESTION: ("提出关于改善农村公路养护的建议", "提出关于加强义务教育师资的建议"),
        }
        first_day = dt.date(2022, 1, 1).toordinal()
        days = [dt.date.fromordinal(d).isoformat() for d in range(first_day, dt.date(2026, 11, 20).toordinal())]
        bench_slots = set(rng.sample(range(total), min(BENCH_PERSON_ACTIVITIES, total)))

        def rows() -> Iterator[tuple]:
            for aid in range(1, total + 1):
                pk = BENCH_PERSON_ID if (aid - 1) in bench_slots else rng.randint(2, n)
                kind = rng.choice(kinds)
                title = rng.choice(titles.get(kind, ("参加代表小组活动", "开展视察调研", "走访联系选民")))
                hours = f"{rng.choice((2, 3, 4, 6, 8))}.0" if kind == ActivityKind.TRAINING else "0.0"
                yield (aid, pk, kind, rng.choice(days), title, hours, "{}", source_type, f"bench-{aid}",
                       self.person_region[pk], NOW, NOW)

        count = load(Activity, ["id", "person_id", "kind", "date", "title", "hours", "details", "source_type_id",
                                "source_id", "region_code", "recorded_at", "updated_at"], rows(), chunk=100_000)
        self.step(f"activities: {count:,}")

    # -- the benchmark's own account

    def accounts(self) -> None:
        user = User(username=BENCH_USERNAME, role=Role.OFFICE, region_id=PROVINCE_CODE, display_name="省人大代表工委")
        user.set_unusable_password()
        user.save()

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), [Person, PersonNameKey, Mandate, MandateChange,
                                                                    Activity])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def ensure_connection_fast() -> None:
    """SQLite: skip fsync while building (a crash means a rebuild, which the completeness check triggers)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -262144")
            cursor.execute("PRAGMA temp_store = MEMORY")


def is_complete(shape: Shape) -> bool:
    return (
        Person.objects.count() == shape.persons
        and PersonNameKey.objects.exists()
        and Mandate.objects.count() == shape.mandates
        and Activity.objects.count() == shape.activities
        and User.objects.filter(username=BENCH_USERNAME).exists()
        and Activity.objects.filter(person_id=BENCH_PERSON_ID).count() == BENCH_PERSON_ACTIVITIES
    )


def is_empty() -> bool:
    return not Region.objects.exists() and not Person.objects.exists()

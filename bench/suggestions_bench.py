"""Benchmark: suggestions (代表建议) — the office list, a unit's inbox and the whole year-end report.

    .venv/bin/python bench/suggestions_bench.py                       # SQLite file under bench/
    DATABASE_URL=postgres://… .venv/bin/python bench/suggestions_bench.py [--size 500000]

On PostgreSQL it works in its own database ``lvzhi_bench_suggestions`` (``_<size>`` appended when the size is not
500,000) on the server DATABASE_URL names. It builds the dataset once, bulk-loaded with COPY like bench/dataset.py:
``size`` suggestions over 10 years (one sitting a year) of a county congress, 40 units and 8 categories, each
suggestion with its lead signature, its lead assignment, and — as a real year looks — a reply (A/B/C) for most,
a 办前 contact for many, a rating for most replies, commitments for B replies (some delivered), a few key
suggestions with supervision, a few second rounds. Then it times, as a signed-in user through Django's test
client (the full view, template and middleware):

- ``suggestion_list_p95_ms``: the office list (``suggestions:office_list``) filtered by sitting and state;
- ``unit_inbox_p95_ms``: a handling unit's inbox (``suggestions:unit_inbox``), a unit with size/40 assignments;
- ``year_report_s``: the whole year-end report page (``suggestions:year_report``) for the last full year.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZE = 500_000
YEARS = 10
FIRST_YEAR = 2016
UNITS, CATEGORIES, LEADS = 40, 8, 300
COUNTY = "439901000000"
TARGETS = {"suggestion_list_p95_ms": 50, "unit_inbox_p95_ms": 50, "year_report_s": 5}
REPEAT = 20


def _database_url(size: int) -> str:
    url = os.environ.get("DATABASE_URL", "")
    name = "lvzhi_bench_suggestions" + ("" if size == DEFAULT_SIZE else f"_{size}")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(urlsplit(url)._replace(path="/" + name))
    return f"sqlite:///{ROOT / 'bench' / (name + '.sqlite3')}"


def setup_django(size: int) -> None:
    os.environ["DATABASE_URL"] = _database_url(size)
    os.environ.pop("LVZHI_TESTING", None)
    os.environ["DEBUG"] = "1"
    os.environ["REQUIRE_2FA"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lvzhi.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.RATELIMIT_ENABLE = False
    call_command("migrate", verbosity=0, interactive=False)


# ---------------------------------------------------------------------------------------------- dataset


def _aware(day: dt.date, hour: int = 10) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00+08:00"


def is_complete(size: int) -> bool:
    from lvzhi.accounts.models import User
    from lvzhi.suggestions.models import Suggestion

    return Suggestion.objects.count() == size and User.objects.filter(username="bench_sg_office").exists()


def build(size: int, log=print) -> None:
    """Write the dataset (the database must hold no suggestions); explicit ids, one transaction."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from bench.dataset import load
    from lvzhi.accounts.models import Role, User
    from lvzhi.core import demo
    from lvzhi.core.models import Region
    from lvzhi.people.models import Congress, Level, Sitting, Term, Unit
    from lvzhi.people.services import person_create
    from lvzhi.suggestions.models import (
        Assignment,
        Category,
        Commitment,
        ContactLog,
        Rating,
        Reply,
        Signature,
        Suggestion,
        Supervision,
    )

    rng = random.Random(20261122)
    started = time.monotonic()
    with transaction.atomic():
        province, _ = Region.objects.get_or_create(code="430000000000", defaults={"name": "湖南省", "level": 1})
        city, _ = Region.objects.get_or_create(code="439900000000", defaults={"name": "示范市", "level": 2,
                                                                               "parent": province})
        county, _ = Region.objects.get_or_create(code=COUNTY, defaults={"name": "清源县", "level": 3, "parent": city})
        congress, _ = Congress.objects.get_or_create(level=Level.COUNTY, region=county,
                                                     defaults={"name": "清源县人民代表大会"})
        terms, sittings = {}, {}
        for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
            number = 17 + (year - FIRST_YEAR) // 5
            if number not in terms:
                terms[number] = Term.objects.create(congress=congress, number=number,
                                                    start_date=dt.date(year, 1, 5), is_current=number == 18)
            sittings[year] = Sitting.objects.create(term=terms[number], number=(year - FIRST_YEAR) % 5 + 1,
                                                    start_date=dt.date(year, 1, 10), end_date=dt.date(year, 1, 13))
        units = [Unit.objects.create(name=f"清源县第{i + 1}承办单位", region=county) for i in range(UNITS)]
        categories = [Category.objects.create(name=n, region=county, order=i) for i, n in enumerate(
            ["农林水牧", "交通运输", "教科文卫", "财税金融", "城乡建设", "社会保障", "政法", "其他"][:CATEGORIES])]
        leads = []
        for n in range(LEADS):
            gender = "女" if rng.random() < 0.3 else "男"
            birth = demo.birth_date(rng, 1960, 1996)
            leads.append(person_create(by=None, id_number=demo.id_number(rng, 70_000 + n, birth, gender == "男",
                                                                          "439901"),
                                       name=demo.chinese_name(rng, gender), gender=gender, region=county).pk)
        office = User(username="bench_sg_office", role=Role.OFFICE, region=county, display_name="县人大选联工委")
        office.set_unusable_password()
        office.save()
        handler = User(username="bench_sg_unit", role=Role.UNIT, unit=units[0], display_name="第1承办单位经办人")
        handler.set_unusable_password()
        handler.save()
        log(f"基础数据 {time.monotonic() - started:.0f} 秒")

        per_year = size // YEARS
        today = dt.date(FIRST_YEAR + YEARS - 1, 11, 20)
        sug, sig, asg, rep, rat, com, con, sup = ([] for _ in range(8))
        reply_id = commitment_id = 0
        for i in range(size):
            pk = i + 1
            year = FIRST_YEAR + min(i // per_year, YEARS - 1)
            number = i - (year - FIRST_YEAR) * per_year + 1
            sitting = sittings[year]
            assigned = dt.date(year, 2, 1) + dt.timedelta(days=rng.randrange(0, 200))
            deadline = assigned + dt.timedelta(days=91)
            unit = units[rng.randrange(UNITS)]
            lead = leads[rng.randrange(LEADS)]
            is_key = rng.random() < 0.002
            second = rng.random() < 0.01
            rnd = 2 if second else 1
            replied = assigned + dt.timedelta(days=rng.randrange(20, 120))
            is_replied = replied <= today and rng.random() < 0.93
            rated = is_replied and rng.random() < 0.9
            state = (Suggestion.State.CLOSED if rated else Suggestion.State.REPLIED if is_replied
                     else Suggestion.State.HANDLING)
            result = rng.choices("ABC", weights=(45, 40, 15))[0]
            label = f"{sitting}第{number:05d}号"
            sug.append((pk, "suggestion", state, f"关于第{number}号事项的建议", "情况和问题。", "具体建议。",
                        sitting.term_id, sitting.pk, lead, COUNTY, number, label,
                        categories[rng.randrange(CATEGORIES)].pk, is_key, "县人大常委会副主任" if is_key else "", rnd,
                        "", deadline, "", _aware(dt.date(year, 1, 11)), _aware(dt.date(year, 1, 20)),
                        _aware(assigned), _aware(replied) if is_replied else None,
                        _aware(replied + dt.timedelta(days=10)) if rated else None, None, rng.random() < 0.05, None,
                        "", "", _aware(dt.date(year, 1, 11)), _aware(dt.date(year, 1, 11))))
            sig.append((pk, pk, lead, "lead", "confirmed", _aware(dt.date(year, 1, 11))))
            if second:  # the first round, answered and rated 不满意
                asg.append((2 * pk - 1, pk, unit.pk, "lead", 1, "done", _aware(assigned), deadline))
                reply_id += 1
                rep.append((reply_id, pk, 2 * pk - 1, 1, "初次答复", "C", False, _aware(replied)))
                rat.append((pk * 2 - 1, pk, 1, lead, *["unsatisfied"] * 6, _aware(replied)))
            aid = 2 * pk
            ext = deadline + dt.timedelta(days=60) if rng.random() < 0.05 else None
            asg.append((aid, pk, unit.pk, "lead", rnd, "done" if is_replied else "active", _aware(assigned), deadline,
                        ext))
            if rng.random() < 0.6:
                con.append((pk, aid, "before", "phone", assigned + dt.timedelta(days=rng.randrange(5, 40)), "代表",
                            "电话沟通", _aware(assigned)))
            if is_replied:
                reply_id += 1
                rep.append((reply_id, pk, aid, rnd, "答复内容", result, False, _aware(replied)))
                if result == "B":
                    for k in range(rng.randrange(1, 3)):
                        commitment_id += 1
                        due = replied + dt.timedelta(days=rng.randrange(30, 400))
                        delivered = due - dt.timedelta(days=3) if due <= today and rng.random() < 0.7 else None
                        com.append((commitment_id, reply_id, f"承诺事项{k + 1}", due, delivered, ""))
                if rated:
                    verdict = rng.choices(["satisfied", "basically", "unsatisfied"], weights=(70, 25, 5))[0]
                    rat.append((pk * 2, pk, rnd, lead, *[verdict] * 6, _aware(replied)))
            if is_key:
                sup.append((pk, pk, "visit", assigned + dt.timedelta(days=30), "县人大常委会副主任", "实地督办"))
        log(f"生成 {size:,} 件建议的行 {time.monotonic() - started:.0f} 秒")
        load(Suggestion, ["id", "kind", "state", "title", "background", "request", "term_id", "sitting_id", "lead_id",
                          "region_code", "number", "number_label", "category_id", "is_key", "key_leader", "round",
                          "review_comment", "deadline", "deadline_note", "submitted_at", "accepted_at",
                          "assigned_at", "replied_at", "rated_at", "closed_at", "is_public", "published_at",
                          "origin", "origin_id", "created_at", "updated_at"], sug)
        load(Signature, ["id", "suggestion_id", "person_id", "role", "status", "invited_at"], sig)
        first = [a for a in asg if len(a) == 8]
        load(Assignment, ["id", "suggestion_id", "unit_id", "role", "round", "status", "assigned_at", "deadline"],
             first)
        load(Assignment, ["id", "suggestion_id", "unit_id", "role", "round", "status", "assigned_at", "deadline",
                          "extended_to"], [a for a in asg if len(a) == 9])
        load(ContactLog, ["id", "assignment_id", "stage", "form", "date", "participants", "summary", "created_at"],
             con)
        load(Reply, ["id", "suggestion_id", "assignment_id", "round", "text", "result", "without_contact",
                     "replied_at"], rep)
        load(Commitment, ["id", "reply_id", "text", "due_date", "delivered_at", "evidence_note"], com)
        load(Rating, ["id", "suggestion_id", "round", "person_id", "leadership", "attitude", "communication",
                      "reply_quality", "implementation", "overall", "rated_at"], rat)
        load(Supervision, ["id", "suggestion_id", "kind", "date", "participants", "findings"], sup)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Suggestion, Signature, Assignment, ContactLog,
                                                                      Reply, Commitment, Rating, Supervision]):
                cursor.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log(f"数据集写入完成 {time.monotonic() - started:.0f} 秒（{len(sug):,} 件建议，{len(rep):,} 份答复，"
        f"{len(rat):,} 份测评，{len(com):,} 项承诺，{len(con):,} 条沟通记录）")


# ---------------------------------------------------------------------------------------------- timing


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _time_get(client, url: str, repeat: int = REPEAT) -> list[float]:
    client.get(url)  # warm
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return samples


def measure(*, size: int = DEFAULT_SIZE, log=print) -> dict[str, float]:
    """Build the dataset if needed (Django must be set up on the benchmark database), then time the pages."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from lvzhi.accounts.models import User
    from lvzhi.people.models import Sitting

    if not is_complete(size):
        from lvzhi.suggestions.models import Suggestion

        if Suggestion.objects.exists():
            raise RuntimeError("基准数据库中的建议数量与 size 不符：请删除该数据库后重试")
        build(size, log=log)
    office = Client()
    office.force_login(User.objects.get(username="bench_sg_office"))
    unit = Client()
    unit.force_login(User.objects.get(username="bench_sg_unit"))
    year = FIRST_YEAR + YEARS - 2  # the last full year
    sitting = Sitting.objects.get(start_date__year=year)
    result: dict[str, float] = {}
    try:
        list_url = reverse("suggestions:office_list") + f"?sitting={sitting.pk}&state=closed"
        result["suggestion_list_p95_ms"] = round(_p95(_time_get(office, list_url)), 1)
    except NoReverseMatch:
        list_url = reverse("suggestions:report_list") + f"?sitting={sitting.pk}&show=satisfied"
        log("suggestions:office_list 尚不存在，改测 report_list")
        result["report_list_p95_ms"] = round(_p95(_time_get(office, list_url)), 1)
    result["unit_inbox_p95_ms"] = round(_p95(_time_get(unit, reverse("suggestions:unit_inbox"))), 1)
    report = _time_get(office, reverse("suggestions:year_report") + f"?year={year}", repeat=3)
    result["year_report_s"] = round(max(report) / 1000, 2)
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="suggestions in the dataset (default 500000)")
    args = parser.parse_args(argv)
    setup_django(args.size)
    from django.db import connection

    figures = measure(size=args.size)
    print(f"{connection.vendor}，{args.size:,} 件建议：")
    for key, value in figures.items():
        target = TARGETS.get(key)
        print(f"  {key} = {value}" + (f"（目标 ≤ {target}）" if target else ""))
    print(figures)


if __name__ == "__main__":
    main()


"""Benchmark: personal handbooks (履职常识问答 个人专用本) for a class of 346, as the batch print job makes them.

    .venv/bin/python bench/handbook_bench.py     # a quick run on its own SQLite file
    DATABASE_URL=postgres://… .venv/bin/python bench/handbook_bench.py   # on that server's lvzhi_bench

``measure()`` runs in whatever database Django is set up with (bench/run.py's benchmark database): it takes
346 persons with a current mandate from the roster, or creates them when the roster has fewer, loads the
built-in handbook if the database has none, and times one print job from start to the finished zip, the
body rendered afresh (the cache emptied first). Everything it writes is rolled back and its files go to a
temporary directory, so the dataset stays as built.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLASS_SIZE = 346
TARGET_S = 60


class _Rollback(Exception):
    pass


def _class_members() -> list:
    """(person, mandate) for 346 people holding a current mandate; created when the roster has fewer."""
    from lvzhi.people.models import Mandate

    mandates = list(Mandate.objects.filter(status=Mandate.Status.ACTIVE, level__gte=3)
                    .select_related("person", "term__congress", "delegation", "district")
                    .order_by("person_id", "level")[: CLASS_SIZE * 3])
    chosen, seen = [], set()
    for mandate in mandates:
        if mandate.person_id not in seen:
            seen.add(mandate.person_id)
            chosen.append((mandate.person, mandate))
        if len(chosen) == CLASS_SIZE:
            return chosen
    return chosen + _create_members(CLASS_SIZE - len(chosen))


def _create_members(count: int) -> list:
    import random

    from lvzhi.core import demo
    from lvzhi.core.models import Region
    from lvzhi.people.models import Congress, Delegation, ElectoralDistrict, Level, Term
    from lvzhi.people.services import mandate_create, person_create

    rng = random.Random(346)
    region, _ = Region.objects.get_or_create(code="439900000000", defaults={"name": "示范市", "level": 2})
    county, _ = Region.objects.get_or_create(code="439998000000",
                                             defaults={"name": "基准县", "level": 3, "parent": region})
    congress, _ = Congress.objects.get_or_create(level=Level.CITY, region=region,
                                                 defaults={"name": "示范市人民代表大会"})
    term = Term.objects.filter(congress=congress, is_current=True).first() or Term.objects.create(
        congress=congress, number=16, start_date=dt.date(2022, 1, 6), is_current=True)
    delegations = [Delegation.objects.get_or_create(term=term, name=f"第{n + 1}代表团")[0] for n in range(12)]
    district, _ = ElectoralDistrict.objects.get_or_create(term=term, name="基准县")
    members = []
    for n in range(count):
        gender = "女" if rng.random() < 0.3 else "男"
        birth = demo.birth_date(rng, 1960, 1996)
        person = person_create(by=None, id_number=demo.id_number(rng, 90_000 + n, birth, gender == "男", "439998"),
                               name=demo.chinese_name(rng, gender), gender=gender, birth_date=birth.replace(day=1),
                               phone=demo.phone_number(rng), region=county)
        mandate = mandate_create(by=None, person=person, term=term, delegation=delegations[n % 12],
                                 district=district, deputy_number=f"SF16-{n + 1:04d}")
        members.append((person, mandate))
    return members


def measure(*, details: bool = False) -> dict[str, float]:
    """{"handbook_pdfs_346_s": seconds} for one batch of 346 personal handbooks (covers and body included);
    ``details`` adds the size of the zip."""
    from django.conf import settings
    from django.db import transaction

    from lvzhi.core.models import Region
    from lvzhi.handbook import editions, print_jobs
    from lvzhi.handbook.models import HandbookEntry, PrintJob
    from lvzhi.handbook.services import handbook_load_default

    result: dict[str, float] = {}
    media = settings.MEDIA_ROOT
    with tempfile.TemporaryDirectory() as tmp:
        settings.MEDIA_ROOT = tmp
        try:
            with transaction.atomic():
                if not HandbookEntry.objects.filter(is_active=True).exists():
                    handbook_load_default()
                members = _class_members()
                region = Region.objects.filter(level__lte=2).order_by("level", "code").first()
                editions.clear_body_cache()
                started = time.perf_counter()
                job = PrintJob.objects.create(
                    label="基准：346人培训班", region=region, total=len(members),
                    recipients=[[p.pk, m.pk if m else None] for p, m in members])
                print_jobs.print_job_run(job.pk)
                elapsed = time.perf_counter() - started
                job.refresh_from_db()
                if job.status != PrintJob.Status.DONE or job.done != CLASS_SIZE:
                    raise RuntimeError(f"print job ended {job.status} with {job.done}/{job.total}: {job.error}")
                result["handbook_pdfs_346_s"] = round(elapsed, 2)
                if details:
                    result["handbook_pdfs_346_zip_mb"] = round(job.file.size / 1_000_000, 1)
                raise _Rollback
        except _Rollback:
            pass
        finally:
            settings.MEDIA_ROOT = media
    return result


def _setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    sys.path.insert(0, str(ROOT))
    if url.startswith(("postgres://", "postgresql://")):
        from bench.run import bench_database_url

        os.environ["DATABASE_URL"] = bench_database_url(1.0)  # the benchmark's own database on that server
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'bench' / 'handbook_bench.sqlite3'}"
    os.environ.pop("LVZHI_TESTING", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lvzhi.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


if __name__ == "__main__":
    _setup_django()
    figures = measure(details=True)
    seconds = figures["handbook_pdfs_346_s"]
    print(f"346份个人专用本（封面+正文，打包）：{seconds:.1f} 秒（目标 ≤ {TARGET_S} 秒），"
          f"压缩包 {figures['handbook_pdfs_346_zip_mb']} MB")
    print(figures)

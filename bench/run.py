"""The benchmark (`make bench`): server time of the roster, person and archive pages on a province-scale
dataset, and the time to import a 10,000-row roster.

    .venv/bin/python bench/run.py              # the database DATABASE_URL names (default: SQLite)
    .venv/bin/python bench/run.py --all        # SQLite, then PostgreSQL (DATABASE_URL or the local server)
    .venv/bin/python bench/run.py --scale 0.01 # a small dataset, to try the harness

SQLite uses its own file, bench/bench.sqlite3, never the development database; PostgreSQL uses a database
named lvzhi_bench on the server DATABASE_URL points at. The dataset is kept between runs and reused when it
is complete, so only the first run pays for building it (one to a few minutes).

Results go to bench/results.json as a flat object metric → number: the issue's names for the database
measured, and the same names prefixed with sqlite_ / postgresql_ for each backend measured so far."""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results.json"
DEFAULT_PG = "postgres://root@127.0.0.1:5432/test"

# Targets on PostgreSQL (the production database).
TARGETS = {
    "roster_list_p95_ms": 50, "roster_search_p95_ms": 50, "person_page_p95_ms": 50, "archive_page_p95_ms": 50,
    "roster_list_overhead": 4, "import_10k_rows_s": 15,
    "checkin_1000_s": 20, "checkin_lost": 0, "checkin_duplicates": 0, "handbook_pdfs_346_s": 60,
    "class_attendance_page_p95_ms": 80,
}
METRICS = (
    "roster_list_p95_ms", "roster_search_p95_ms", "person_page_p95_ms", "archive_page_p95_ms",
    "roster_list_queries", "roster_search_queries", "person_page_queries", "archive_page_queries",
    "roster_list_overhead", "import_10k_rows_s",
    "checkin_1000_s", "checkin_lost", "checkin_duplicates", "handbook_pdfs_346_s",
    "class_attendance_page_p95_ms", "class_attendance_page_queries",
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="履职通 benchmark")
    parser.add_argument("--all", action="store_true", help="run on SQLite, then on PostgreSQL")
    parser.add_argument("--scale", type=float, default=1.0, help="dataset size relative to the province (1.0)")
    parser.add_argument("--runs", type=int, default=60, help="timed requests per page (at least 50)")
    parser.add_argument("--rebuild", action="store_true", help="drop the benchmark dataset and build it again")
    parser.add_argument("--profile", action="store_true", help="profile each page (pyinstrument if installed)")
    parser.add_argument("--skip-import", action="store_true", help="do not time the roster import")
    parser.add_argument("--skip-training", action="store_true",
                        help="do not run the training benchmarks (handbook PDFs; check-in on PostgreSQL)")
    parser.add_argument("--only", action="append", choices=["roster_list", "roster_search", "person_page",
                                                            "archive_page"], help="measure only these pages")
    parser.add_argument("--output", help="results file (default bench/results.json at scale 1, none otherwise)")
    return parser.parse_args(argv)


def suffix(scale: float) -> str:
    return "" if scale == 1 else "_s" + f"{scale:g}".replace(".", "_")


def bench_database_url(scale: float) -> str:
    """The benchmark's own database on the server DATABASE_URL names (SQLite: a file under bench/)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = "lvzhi_bench" + suffix(scale)
        parts = urlsplit(url)
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(parts._replace(path="/" + name))
    return f"sqlite:///{BENCH / ('bench' + suffix(scale) + '.sqlite3')}"


def setup_django(scale: float) -> str:
    os.environ["DATABASE_URL"] = bench_database_url(scale)
    os.environ.pop("LVZHI_TESTING", None)
    os.environ["DEBUG"] = "1"
    os.environ["REQUIRE_2FA"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lvzhi.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.RATELIMIT_ENABLE = False
    return os.environ["DATABASE_URL"]


# ---------------------------------------------------------------------------------------------- dataset


def prepare_dataset(scale: float, rebuild: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    from bench import dataset

    shape = dataset.Shape.at(scale)
    call_command("migrate", verbosity=0, interactive=False)
    if not rebuild and dataset.is_complete(shape):
        print(f"数据集已就绪（{shape.persons:,} 人，{shape.mandates:,} 个代表资格，{shape.activities:,} 条履职记录），直接复用")
        return
    if not dataset.is_empty() or rebuild:
        print("数据集不完整或要求重建：清空后重新生成")
        wipe_database()
        call_command("migrate", verbosity=0, interactive=False)
    print(f"生成数据集（{connection.vendor}）：{shape.persons:,} 人，{shape.mandates:,} 个代表资格，{shape.activities:,} 条履职记录")
    started = time.monotonic()
    dataset.Builder(shape).build()
    print(f"数据集生成用时 {time.monotonic() - started:.0f} 秒")


def wipe_database() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    else:
        path = Path(connection.settings_dict["NAME"])
        connection.close()
        for file in path.parent.glob(path.name + "*"):
            file.unlink()


# ---------------------------------------------------------------------------------------------- measuring


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def time_page(client, url: str, runs: int) -> tuple[list[float], int, list[str]]:
    """Milliseconds per request, the largest query count seen, and the SQL of the last request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm caches, templates and the connection
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} 返回 {response.status_code}，无法测量")
    times, counts, sql = [], [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{url} 返回 {response.status_code}")
        times.append(elapsed * 1000)
        counts.append(len(captured.captured_queries))
        sql = [q["sql"] for q in captured.captured_queries]
    return times, max(counts), sql


_SERVER_CURSOR = re.compile(r'^DECLARE\s+"[^"]+"\s+.*?CURSOR\s+(?:WITH(?:OUT)?\s+HOLD\s+)?FOR\s+', re.S | re.I)


def time_sql_alone(statements: list[str], runs: int) -> list[float]:
    """The same statements replayed directly on the database connection, every row fetched, no Django around.

    Transaction statements are replayed as captured (SQLite's COMMIT is not logged, so an open transaction is
    committed at the end); a server-side cursor (DECLARE … FOR SELECT, used by iterator()) becomes its SELECT,
    fetched whole, which is the work the page asked of the database."""
    from django.db import connection

    statements = [_SERVER_CURSOR.sub("", sql) for sql in statements]
    connection.ensure_connection()
    raw_connection = connection.connection
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        cursor = raw_connection.cursor()
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
        cursor.close()
        if connection.vendor == "sqlite" and raw_connection.in_transaction:
            raw_connection.commit()
        times.append((time.perf_counter() - started) * 1000)
    return times


def pages() -> dict[str, str]:
    """The four pages: URLs chosen so each does real work on the province dataset."""
    from django.urls import reverse

    from bench import dataset
    from lvzhi.people.models import Level, Person

    city = "430100000000"
    bench_person = Person.objects.get(pk=dataset.BENCH_PERSON_ID)
    # A name search: the benchmark deputy's surname and first given character (a typical partial name).
    query = bench_person.name[:2]
    roster = reverse("people:roster")
    return {
        "roster_list": f"{roster}?level={int(Level.COUNTY)}&region={city}",
        "roster_search": f"{roster}?q={query}",
        "person_page": reverse("people:person", args=[bench_person.pk]),
        "archive_page": reverse("archive:person", args=[bench_person.pk]),
    }


def run_pages(runs: int, profile: bool, only: list[str] | None = None) -> dict[str, float]:
    from django.test import Client

    from bench import dataset
    from lvzhi.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=dataset.BENCH_USERNAME))
    results: dict[str, float] = {}
    list_times = list_sql = None
    for name, url in pages().items():
        if only and name not in only:
            continue
        times, queries, sql = time_page(client, url, runs)
        results[f"{name}_p95_ms"] = round(p95(times), 1)
        results[f"{name}_queries"] = queries
        print(f"  {name:<14} p50 {statistics.median(times):7.1f} ms  p95 {p95(times):7.1f} ms  "
              f"{queries:3d} 次查询  {url}")
        if name == "roster_list":
            list_times, list_sql = times, sql
        if profile:
            profile_page(client, name, url)
    if list_sql is None:
        return results
    sql_times = time_sql_alone(list_sql, runs)
    overhead = statistics.median(list_times) / statistics.median(sql_times)
    results["roster_list_overhead"] = round(overhead, 2)
    print(f"  roster_list 页面 p50 {statistics.median(list_times):.1f} ms，同样的 {len(list_sql)} 条SQL单独执行 "
          f"p50 {statistics.median(sql_times):.1f} ms：倍数 {overhead:.2f}")
    return results


def profile_page(client, name: str, url: str) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            client.get(url)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(20):
        client.get(url)
    profiler.stop()
    path = Path("/tmp") / f"lvzhi-bench-{name}.html"
    path.write_text(profiler.output_html())
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"  profile: {path}")


# ---------------------------------------------------------------------------------------------- import


def roster_file(rows: int, county_code: str) -> bytes:
    """A county roster in the offices' format, with new, valid people only."""
    import random

    from openpyxl import Workbook

    from lvzhi.core import demo
    from lvzhi.core.idnumber import make_id_number
    from lvzhi.core.models import Region

    rng = random.Random(10_000)
    towns = list(Region.objects.filter(parent_id=county_code).values_list("name", "kind"))
    county = Region.objects.get(code=county_code).name
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("代表名册")
    sheet.append([f"{county}人大代表名册"])
    sheet.append(["填报单位：" + county + "人大常委会代表工委"])
    sheet.append(["序号", "姓名", "性别", "民族", "出生年月", "政治面貌", "文化程度", "工作单位及职务", "代表层级",
                  "乡镇（街道）", "联系电话", "身份证号", "是否连任"])
    seen = set()
    for i in range(1, rows + 1):
        gender = "女" if rng.random() < 0.3 else "男"
        birth = demo.birth_date(rng, 1960, 1996)
        seq = i
        number = make_id_number("439999", birth, seq, gender == "男")
        while number in seen:
            seq += 1
            number = make_id_number("439999", birth, seq, gender == "男")
        seen.add(number)
        town, kind = rng.choice(towns)
        if kind == "街道":
            level = "县"
        else:
            level = rng.choices(("乡镇", "县", "县、乡镇"), (70, 20, 10))[0]
        occupation = rng.choice(demo.OCCUPATIONS)
        sheet.append([
            i, demo.chinese_name(rng, gender), gender, demo.weighted(rng, demo.ETHNICITIES),
            f"{birth.year}.{birth.month:02d}", demo.political_status(rng, occupation),
            demo.weighted(rng, demo.EDUCATION_BY_OCCUPATION[occupation]),
            f"{town}{rng.choice(demo.FIRMS)}{rng.choice(demo.INDUSTRIES)}有限公司", level, town,
            demo.phone_number(rng), number, rng.choice(("是", "否")),
        ])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_import(rows: int = 10_000) -> dict[str, float]:
    """Validate and write a 10,000-row roster through the import (lvzhi.people.roster_io), then roll it back so
    the dataset stays as built."""
    from django.db import connection, transaction

    from lvzhi.people.roster_io import import_roster

    county = "430101000000"
    content = roster_file(rows, county)
    with transaction.atomic():
        started = time.perf_counter()
        outcome = import_roster(content, scope_prefix=county[:6], source="benchmark")
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    if connection.vendor == "postgresql":
        # The rolled-back rows are dead tuples until vacuumed: clean them now so that the next run's pages (and
        # their index-only scans) see the dataset as built, not a little more bloated each time.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    if not outcome.ok:
        raise SystemExit("导入失败：" + "；".join(str(e) for e in outcome.errors[:5]))
    print(f"  import_10k_rows {elapsed:.1f} s（{outcome.summary['new_persons']} 名新人员，"
          f"{outcome.summary['new_mandates']} 个代表资格；已回滚）")
    return {"import_10k_rows_s": round(elapsed, 2)}


def run_training(vendor: str) -> dict[str, float]:
    """The training benchmarks: 346 personal handbooks here; on PostgreSQL also the 1,000-deputy check-in
    through gunicorn and the attendance page, in a process of their own (they use their own database)."""
    from bench import handbook_bench

    results = handbook_bench.measure()
    print(f"  handbook_pdfs_346 {results['handbook_pdfs_346_s']} s")
    if vendor != "postgresql":
        return results
    completed = subprocess.run([sys.executable, str(BENCH / "checkin_bench.py"), "--json"], env=os.environ.copy(),
                               stdout=subprocess.PIPE, text=True, check=True)
    checkin = json.loads(completed.stdout.strip().splitlines()[-1])
    print("  " + "，".join(f"{k} {v}" for k, v in checkin.items()))
    return {**results, **checkin}


# ---------------------------------------------------------------------------------------------- reporting


def write_results(path: Path, vendor: str, results: dict[str, float], *, unprefixed: bool = True) -> None:
    merged = json.loads(path.read_text()) if path.exists() else {}
    for key, value in results.items():
        merged[f"{vendor}_{key}"] = value
        if unprefixed:
            merged[key] = value
    ordered = {k: merged[k] for k in METRICS if k in merged}
    for prefix in ("sqlite_", "postgresql_"):
        ordered.update({prefix + k: merged[prefix + k] for k in METRICS if prefix + k in merged})
    ordered.update({k: v for k, v in merged.items() if k not in ordered})
    path.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n")


def print_table(vendor: str, results: dict[str, float]) -> None:
    print(f"\n结果（{vendor}）")
    print(f"  {'指标':<24}{'数值':>10}  {'目标（PostgreSQL）':<18}")
    for key in METRICS:
        if key not in results:
            continue
        target = TARGETS.get(key)
        if target is None:
            mark = "不随行数增长" if key.endswith("_queries") else ""
        else:
            mark = f"≤ {target}  " + ("✓" if results[key] <= target else "✗")
        print(f"  {key:<24}{results[key]:>10}  {mark}")


def run_one(args) -> None:
    url = setup_django(args.scale)
    from django.db import connection

    vendor = connection.vendor
    print(f"== {vendor}: {url}")
    prepare_dataset(args.scale, args.rebuild)
    print(f"测量（每页 {max(args.runs, 50)} 次请求）：")
    results = run_pages(max(args.runs, 50), args.profile, args.only)
    if not args.skip_import:
        results.update(run_import())
    if not args.skip_training and args.scale == 1 and not args.only:
        results.update(run_training(vendor))
    print_table(vendor, results)
    output = args.output or (str(RESULTS) if args.scale == 1 else None)
    if output:
        write_results(Path(output), vendor, results, unprefixed=not os.environ.get("LVZHI_BENCH_PREFIXED_ONLY"))
        print(f"已写入 {output}")


def run_all(args) -> None:
    """Each backend in its own process (Django is configured once per process); PostgreSQL last, so the
    unprefixed names hold its figures."""
    pg = os.environ.get("DATABASE_URL", "")
    if not pg.startswith(("postgres://", "postgresql://")):
        pg = DEFAULT_PG
    passthrough = [a for a in sys.argv[1:] if a != "--all"]
    for url, prefixed_only in (("sqlite:///unused", "1"), (pg, "")):
        env = {**os.environ, "DATABASE_URL": url}
        if prefixed_only:
            env["LVZHI_BENCH_PREFIXED_ONLY"] = "1"
        else:
            env.pop("LVZHI_BENCH_PREFIXED_ONLY", None)
        status = subprocess.call([sys.executable, __file__, *passthrough], env=env)
        if status:
            raise SystemExit(status)


def main() -> None:
    args = parse_args()
    if args.all:
        run_all(args)
    else:
        run_one(args)


if __name__ == "__main__":
    main()

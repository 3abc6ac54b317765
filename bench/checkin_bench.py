"""Attendance benchmark: 1,000 deputies check into one lesson over HTTP, and the class attendance page.

    .venv/bin/python bench/checkin_bench.py            # PostgreSQL named by DATABASE_URL (default: the local server)
    .venv/bin/python bench/checkin_bench.py --rebuild  # build the dataset again

It uses its own database, ``lvzhi_bench_training``, on the PostgreSQL server that DATABASE_URL names (or
postgres://root@127.0.0.1:5432/test), and builds there once: a province, city, county and 20 townships; 1,346
deputies with accounts; a 1,000-person class whose lesson everyone checks into, and a 346-person class seated in
four zones with five finished lessons (attendance, lateness, early leaving, approved leave, absences).

``checkin_1000_s``: gunicorn serves the application on that database with production settings (DEBUG off;
bench/checkin_settings.py only lets static URLs work without collectstatic); 20 client
threads, each signed in as the deputy it is sending for (a session made for that deputy beforehand, as a phone
that logged in earlier holds one), do what a phone does after scanning the screen: GET the check-in link with the
code of that moment, then POST the confirmation with the page's CSRF token. One deputy in ten taps twice. The
time is from the first request to the last answer. Afterwards ``checkin_lost`` counts deputies without an
attendance row and ``checkin_duplicates`` the rows beyond one per deputy.

``class_attendance_page_p95_ms``/``_queries``: the Django test client (in process, as bench/run.py does) asks for
the attendance page of the 346-person class 60 times (after 3 warm-up requests) as its office staff, with the same
settings.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import queue
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://root@127.0.0.1:5432/test"
DATABASE = "lvzhi_bench_training"
SECRET_KEY = "bench-training-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LWx2emhpLTAwMDAwMDA="
CHECKIN_DEPUTIES = 1000
PAGE_CLASS_SIZE = 346
CLIENTS = 20
RUNS = 60
OFFICE_USERNAME = "bench_training_office"
CHECKIN_CLASS = "基准测试：千人签到培训班"
PAGE_CLASS = "基准测试：346人培训班"
TARGETS = {"checkin_1000_s": 20, "checkin_lost": 0, "checkin_duplicates": 0, "class_attendance_page_p95_ms": 80}


def database_url() -> str:
    """The benchmark's own database on the PostgreSQL server that DATABASE_URL names (created if missing)."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = DEFAULT_PG
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return urlunsplit(urlsplit(url)._replace(path="/" + DATABASE))


def server_env(url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": SECRET_KEY, "FIELD_ENCRYPTION_KEY": FIELD_KEY,
           "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "SECURE_SSL_REDIRECT": "0", "REQUIRE_2FA": "0",
           "DJANGO_SETTINGS_MODULE": "bench.checkin_settings", "LOG_LEVEL": "ERROR"}
    env.pop("LVZHI_TESTING", None)
    return env


def setup_django(url: str) -> None:
    os.environ.update(server_env(url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---------------------------------------------------------------------------------------------- dataset


def build_dataset(rebuild: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    from lvzhi.training.models import TrainingClass

    call_command("migrate", verbosity=0, interactive=False)
    if rebuild:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        call_command("migrate", verbosity=0, interactive=False)
    if TrainingClass.objects.filter(title__in=[CHECKIN_CLASS, PAGE_CLASS]).count() == 2:
        print("数据集已就绪，直接复用")
        return
    started = time.monotonic()
    _build()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"数据集生成用时 {time.monotonic() - started:.0f} 秒")


def _build() -> None:  # noqa: PLR0915 - one straight recipe
    import random

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from lvzhi.accounts.models import Role, User
    from lvzhi.core import demo
    from lvzhi.core.idnumber import make_id_number
    from lvzhi.core.models import Region
    from lvzhi.people.models import Person
    from lvzhi.people.services import pinyin_initials
    from lvzhi.training.models import (
        Attendance,
        ClassDelegation,
        Enrollment,
        LeaveRequest,
        LeaveStep,
        Lesson,
        SeatZone,
        TrainingClass,
    )

    rng = random.Random(346)
    L = Region.Level
    with transaction.atomic():
        province = Region.objects.create(code="430000000000", name="湖南省", level=L.PROVINCE)
        city = Region.objects.create(code="430100000000", name="长沙市", level=L.CITY, parent=province)
        county = Region.objects.create(code="430101000000", name="清源县", level=L.COUNTY, parent=city)
        towns = [Region.objects.create(code=f"430101{i:03d}000", name=f"第{i}镇", level=L.TOWNSHIP, parent=county,
                                       kind="镇") for i in range(1, 21)]
        office = User.objects.create_user(username=OFFICE_USERNAME, password=None, role=Role.OFFICE, region=county,
                                          display_name="基准测试工委")
        persons, seen = [], set()
        for i in range(CHECKIN_DEPUTIES + PAGE_CLASS_SIZE):
            gender = "女" if rng.random() < 0.3 else "男"
            birth = demo.birth_date(rng, 1960, 1996)
            person = Person(name=demo.chinese_name(rng, gender), gender=gender, birth_date=birth,
                            region=towns[i % len(towns)], phone=demo.phone_number(rng))
            seq = i + 1
            while (number := make_id_number("430101", birth, seq, gender == "男")) in seen:
                seq += 1
            seen.add(number)
            person.set_id_number(number)
            person.name_initials = pinyin_initials(person.name)
            persons.append(person)
        persons = Person.objects.bulk_create(persons)
        password = make_password("Bench-2026-training")  # one hash for all: sessions are made directly anyway
        User.objects.bulk_create([
            User(username=f"bench_deputy_{i:04d}", password=password, role=Role.DEPUTY, person=p,
                 display_name=p.name) for i, p in enumerate(persons)])

        def make_class(title: str, people: list, lessons: list[tuple]) -> tuple:
            cls = TrainingClass.objects.create(
                title=title, region=county, organiser="清源县人大常委会", start_date=lessons[0][0].date(),
                end_date=lessons[-1][1].date(), leave_chain=[LeaveStep.HOME_OFFICE, LeaveStep.ORGANISER],
                status=TrainingClass.Status.PUBLISHED, created_by=office)
            made = [Lesson.objects.create(training_class=cls, topic=topic, starts_at=start, ends_at=end, hours=2,
                                          room="报告厅") for start, end, topic in lessons]
            delegations = {t.pk: ClassDelegation.objects.create(training_class=cls, name=f"{t.name}代表团",
                                                                home_region=t, order=n) for n, t in enumerate(towns)}
            enrolments = Enrollment.objects.bulk_create([
                Enrollment(training_class=cls, person=p, region_code=p.region_id, delegation=delegations[p.region_id])
                for p in sorted(people, key=lambda p: (p.region_id, p.pk))])
            return cls, made, enrolments

        now = timezone.now()
        make_class(CHECKIN_CLASS, persons[:CHECKIN_DEPUTIES],
                   [(now, now + dt.timedelta(hours=2), "人大代表的职责与权利")])
        day = timezone.make_aware(dt.datetime(2026, 3, 10, 9, 0))
        topics = ["宪法和代表法", "代表建议的撰写", "人大监督工作", "预算审查监督", "代表履职实务"]
        page_lessons = [(day + dt.timedelta(days=i // 2, hours=5 * (i % 2)),
                         day + dt.timedelta(days=i // 2, hours=5 * (i % 2) + 2, minutes=30), topics[i])
                        for i in range(5)]
        cls, lessons, enrolments = make_class(PAGE_CLASS, persons[CHECKIN_DEPUTIES:], page_lessons)
        zones = [SeatZone.objects.create(training_class=cls, name=f"{name}区", rows=9, seats_per_row=10, order=n,
                                         staff_user=office) for n, name in enumerate("ABCD")]
        for n, enrolment in enumerate(enrolments):
            enrolment.zone, enrolment.seat_row, enrolment.seat_number = zones[n // 90], (n % 90) // 10 + 1, n % 10 + 1
        Enrollment.objects.bulk_update(enrolments, ["zone", "seat_row", "seat_number"])
        rows = []
        for lesson in lessons:
            for enrolment in enrolments:
                roll = rng.random()
                if roll < 0.04:
                    continue  # absent or on leave
                late = rng.choice([7, 12, 25]) if roll < 0.09 else 0
                early = rng.choice([15, 30]) if 0.09 <= roll < 0.11 else 0
                rows.append(Attendance(
                    enrollment=enrolment, lesson=lesson, method=Attendance.Method.SCAN, region_code=enrolment.region_code,
                    checked_in_at=lesson.starts_at + dt.timedelta(minutes=late - 10), late_minutes=late,
                    early_minutes=early,
                    checked_out_at=lesson.ends_at - dt.timedelta(minutes=early) if early else None))
        Attendance.objects.bulk_create(rows)
        attended = {(a.lesson_id, a.enrollment_id) for a in rows}
        for lesson in lessons:
            missing = [e for e in enrolments if (lesson.pk, e.pk) not in attended]
            for enrolment in missing[: len(missing) // 2]:
                leave = LeaveRequest.objects.create(enrollment=enrolment, reason="公务", chain=["organiser"], step=1,
                                                    status=LeaveRequest.Status.APPROVED, region_code=enrolment.region_code,
                                                    decided_at=lesson.starts_at - dt.timedelta(days=1))
                leave.lessons.add(lesson)


# ---------------------------------------------------------------------------------------------- check-in


def reset_checkin_lesson():
    """Move the check-in lesson to now (it started five minutes ago) and clear what an earlier run wrote."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from lvzhi.archive.models import Activity
    from lvzhi.training.models import Attendance, Lesson

    lesson = Lesson.objects.select_related("training_class").get(training_class__title=CHECKIN_CLASS)
    Attendance.objects.filter(lesson=lesson).delete()
    Activity.objects.filter(source_type=ContentType.objects.get_for_model(Lesson), source_id=str(lesson.pk)).delete()
    now = timezone.now()
    lesson.starts_at, lesson.ends_at = now - dt.timedelta(minutes=5), now + dt.timedelta(hours=2)
    lesson.save(update_fields=["starts_at", "ends_at"])
    return lesson


def make_sessions(lesson) -> list[str]:
    """A signed-in session for each enrolled deputy, as the login would leave it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from lvzhi.accounts.middleware import LOGIN_AT
    from lvzhi.accounts.models import User

    users = User.objects.filter(person__enrollments__training_class_id=lesson.training_class_id).order_by("pk")
    keys = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[LOGIN_AT] = time.time()
        session.create()
        keys.append(session.session_key)
    return keys


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU time of the gunicorn master and its workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int) -> subprocess.Popen:
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "lvzhi.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", "--timeout", "60", "--preload"]  # every worker is ready when the first is
    process = subprocess.Popen(command, cwd=ROOT, env=server_env(url), start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn 未能启动")


_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _cookie(headers, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == "set-cookie" and value.startswith(name + "="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def check_in_over_http(port: int, lesson, session_keys: list[str]) -> dict:
    from lvzhi.training.services.attendance import checkin_token

    work: queue.Queue = queue.Queue()
    for n, key in enumerate(session_keys):
        work.put((n, key))
    failures: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        while True:
            try:
                n, key = work.get_nowait()
            except queue.Empty:
                return
            try:
                path = f"/training/checkin/{lesson.pk}/{checkin_token(lesson)}/"  # the code on the screen now
                started = time.perf_counter()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers={"Cookie": f"sessionid={key}"})
                response = conn.getresponse()
                body = response.read().decode()
                if response.status != 200:
                    raise RuntimeError(f"GET {response.status}: {re.sub(r'<[^>]+>', ' ', body)[:200]}")
                csrf_cookie = _cookie(response.getheaders(), "csrftoken")
                token = _CSRF_INPUT.search(body).group(1)
                conn.close()
                for _ in range(2 if n % 10 == 0 else 1):  # one in ten taps twice
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.request("POST", path, body=f"csrfmiddlewaretoken={token}", headers={
                        "Cookie": f"sessionid={key}; csrftoken={csrf_cookie}",
                        "Content-Type": "application/x-www-form-urlencoded"})
                    response = conn.getresponse()
                    response.read()
                    conn.close()
                    if response.status != 302:
                        raise RuntimeError(f"POST {response.status}")
                with lock:
                    latencies.append(time.perf_counter() - started)
            except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
                with lock:
                    failures.append(f"{n}: {exc}")

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "failures": failures, "latencies": latencies}


def run_checkin(url: str, workers: int) -> dict:
    from collections import Counter

    from django.db import connection
    from django.db.models import Count

    from lvzhi.training.models import Attendance, Enrollment

    lesson = reset_checkin_lesson()
    keys = make_sessions(lesson)
    expected = Enrollment.objects.filter(training_class_id=lesson.training_class_id).count()
    connection.close()
    port = free_port()
    server = start_gunicorn(url, port, workers)
    load_before = os.getloadavg()
    cpu_before, client_before = server_cpu_seconds(server.pid), time.process_time()
    try:
        outcome = check_in_over_http(port, lesson, keys)
        server_cpu = server_cpu_seconds(server.pid) - cpu_before
        client_cpu = time.process_time() - client_before
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    load_after = os.getloadavg()
    rows = Attendance.objects.filter(lesson=lesson)
    per_person = rows.values("enrollment_id").annotate(n=Count("id"))
    present = per_person.count()
    duplicates = sum(row["n"] - 1 for row in per_person)
    latencies = sorted(outcome["latencies"])
    print(f"  签到：{len(keys)} 名代表，{CLIENTS} 个并发客户端，gunicorn {workers} 个进程；"
          f"用时 {outcome['elapsed']:.1f} 秒，失败 {len(outcome['failures'])} 次")
    if latencies:
        print(f"  每人（打开链接+确认）p50 {statistics.median(latencies) * 1000:.0f} ms，"
              f"p95 {latencies[max(0, math.ceil(0.95 * len(latencies)) - 1)] * 1000:.0f} ms")
    reasons = Counter(failure.split(": ", 1)[-1][:80] for failure in outcome["failures"])
    for reason, count in reasons.most_common(5):
        print(f"    失败 {count} 次：{reason}")
    print(f"  应用服务器 CPU {server_cpu:.1f} 秒（每名代表 {server_cpu / len(keys) * 1000:.1f} ms），"
          f"客户端 CPU {client_cpu:.1f} 秒，PostgreSQL 未计")
    print(f"  负载（1/5/15 分钟）：测前 {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}，"
          f"测后 {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}；CPU {os.cpu_count()} 个")
    return {"checkin_1000_s": round(outcome["elapsed"], 2), "checkin_lost": expected - present,
            "checkin_duplicates": duplicates, "checkin_failed_requests": len(outcome["failures"]),
            "checkin_server_cpu_s": round(server_cpu, 1), "checkin_load_1min": round(load_after[0], 2)}


# ---------------------------------------------------------------------------------------------- the page


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def run_page(runs: int = RUNS) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from lvzhi.accounts.models import User
    from lvzhi.training.models import Lesson, TrainingClass

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    cls = TrainingClass.objects.get(title=PAGE_CLASS)
    lesson = Lesson.objects.filter(training_class=cls).order_by("starts_at")[2]
    url = f"{reverse('training:attendance', args=[cls.pk])}?lesson={lesson.pk}"
    client = Client()
    client.force_login(User.objects.get(username=OFFICE_USERNAME))
    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} 返回 {response.status_code}")
    seats = response.content.decode().count('class="att-seat s-')
    times, counts = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        counts.append(len(captured.captured_queries))
    print(f"  考勤页（{seats} 个座位）p50 {statistics.median(times):.1f} ms，p95 {p95(times):.1f} ms，"
          f"{max(counts)} 次查询  {url}")
    return {"class_attendance_page_p95_ms": round(p95(times), 1), "class_attendance_page_queries": max(counts)}


# ---------------------------------------------------------------------------------------------- entry points


def measure(*, rebuild: bool = False, workers: int | None = None) -> dict:
    """Build (once) and measure; returns the metrics by the issue's names. It configures Django for its own
    database, so call it in a process of its own (``python bench/checkin_bench.py --json`` prints the dict)."""
    url = database_url()
    setup_django(url)
    print(f"== 考勤基准：{url}")
    build_dataset(rebuild)
    results = run_checkin(url, workers or (2 * (os.cpu_count() or 1) + 1))
    results.update(run_page())
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="履职通考勤基准")
    parser.add_argument("--rebuild", action="store_true", help="重建基准数据集")
    parser.add_argument("--workers", type=int, help="gunicorn 进程数（默认 2×CPU+1）")
    parser.add_argument("--json", action="store_true", help="只输出 JSON")
    args = parser.parse_args()
    if args.json:  # progress to stderr, the metrics alone on stdout (for bench/run.py to read from a subprocess)
        with contextlib.redirect_stdout(sys.stderr):
            results = measure(rebuild=args.rebuild, workers=args.workers)
        print(json.dumps(results, ensure_ascii=False))
        return
    results = measure(rebuild=args.rebuild, workers=args.workers)
    print("\n结果（PostgreSQL）")
    for key, value in results.items():
        target = TARGETS.get(key)
        mark = "" if target is None else f"≤ {target}  " + ("✓" if value <= target else "✗")
        print(f"  {key:<32}{value:>10}  {mark}")


if __name__ == "__main__":
    main()

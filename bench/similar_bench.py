"""Benchmark: similar suggestions for a new draft among 100,000 past ones (``similar_lookup_p95_ms``).

    .venv/bin/python bench/similar_bench.py                         # SQLite file bench/lvzhi_bench_similar.sqlite3
    DATABASE_URL=postgres://… .venv/bin/python bench/similar_bench.py [--size 100000]

On PostgreSQL it works in its own database ``lvzhi_bench_similar`` on the server DATABASE_URL names. The dataset is
built once (COPY / executemany through bench/dataset.py's ``load``): ``size`` submitted suggestions of one county
congress over ten years, their titles and requests put together from places, problems and asks so that the
vocabulary overlaps the way real suggestions do, and their bigrams in the ``SuggestionGram`` index exactly as
``similarity.index_suggestion`` writes them. ``measure()`` then times ``similarity.similar_suggestions`` (the
function the draft page calls) for a staff user of the county, over drafts both near existing suggestions and
unlike any, and reports the 95th percentile in milliseconds (target ≤ 200 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZE = 100_000
COUNTY = "439901000000"
TARGET_MS = 200
REPEAT = 40

PLACES = [f"{a}{b}" for a in ("城关", "河西", "东门", "南岭", "青山", "白沙", "柳塘", "金桥", "石门", "桃源",
                              "龙泉", "凤凰", "清水", "高岭", "新华", "黄土", "梅溪", "竹林", "双峰", "三塘")
          for b in ("镇", "乡", "街道", "社区", "村")]
TOPICS = [
    ("道路交通拥堵", "增设交通信号灯，规范路边停车"), ("农村饮水安全", "改造老旧供水管网，提高水质检测频次"),
    ("中小学学位紧张", "新建改建中小学校舍，增加学位供给"), ("乡村公路破损", "安排专项资金维修乡村公路"),
    ("老旧小区加装电梯", "简化审批程序并给予资金补助"), ("农贸市场环境脏乱", "改造农贸市场，落实日常保洁"),
    ("养老服务设施不足", "建设社区居家养老服务中心"), ("农田水利设施老化", "维修山塘水库和灌溉渠道"),
    ("城区内涝", "改造雨污管网，疏通排水沟渠"), ("基层医疗人才短缺", "定向培养乡村医生，提高待遇"),
    ("生活垃圾处理", "建设垃圾转运站，推行分类收集"), ("校园周边安全", "设置减速带和护学岗"),
    ("公交线路覆盖不足", "新开通往乡镇的公交线路"), ("河道污染", "整治沿河排污口，开展河道清淤"),
    ("农产品销售难", "搭建电商平台，建设冷链仓储"), ("停车位不足", "建设公共停车场，错时开放单位车位"),
    ("森林防火", "配备防火物资，加强巡查队伍"), ("残疾人就业", "落实按比例安排就业政策"),
    ("小微企业融资难", "设立担保基金，降低贷款门槛"), ("文化活动场所缺乏", "建设村级综合文化服务中心"),
]
FILLERS = ["群众反映强烈", "多次向有关部门反映", "已影响正常生产生活", "近三年情况日益突出", "涉及群众两千余人",
           "存在较大安全隐患", "周边学校和医院集中", "经实地走访调查", "建议列入年度民生实事", "请有关部门统筹研究"]
YEARS = range(2016, 2026)


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    name = "lvzhi_bench_similar"
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(urlsplit(url)._replace(path="/" + name))
    return f"sqlite:///{ROOT / 'bench' / (name + '.sqlite3')}"


def setup_django() -> None:
    os.environ["DATABASE_URL"] = _database_url()
    os.environ.pop("LVZHI_TESTING", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lvzhi.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _text(rng: random.Random) -> tuple[str, str]:
    place = rng.choice(PLACES)
    problem, ask = rng.choice(TOPICS)
    title = f"关于解决{place}{problem}问题的建议"
    request = f"{place}{problem}，{rng.choice(FILLERS)}，{rng.choice(FILLERS)}。建议{ask}。"
    return title, request


def build(size: int, log=print) -> None:
    from django.db import connection, transaction

    from bench.dataset import load
    from lvzhi.accounts.models import Role, User
    from lvzhi.core.models import Region
    from lvzhi.people.models import Congress, Level, Person, Term
    from lvzhi.suggestions.models import Signature, Suggestion, SuggestionGram
    from lvzhi.suggestions.similarity import grams

    rng = random.Random(20261122)
    started = time.monotonic()
    with transaction.atomic():
        province, _ = Region.objects.get_or_create(code="430000000000", defaults={"name": "湖南省", "level": 1})
        city, _ = Region.objects.get_or_create(code="439900000000", defaults={"name": "示范市", "level": 2,
                                                                               "parent": province})
        county, _ = Region.objects.get_or_create(code=COUNTY, defaults={"name": "清源县", "level": 3, "parent": city})
        congress, _ = Congress.objects.get_or_create(level=Level.COUNTY, region=county,
                                                     defaults={"name": "清源县人民代表大会"})
        import datetime as dt

        term, _ = Term.objects.get_or_create(congress=congress, number=18,
                                             defaults={"start_date": dt.date(2016, 1, 1), "is_current": True})
        leads = []
        for i in range(300):
            person = Person(name=f"代表{i:03d}", gender="男", region=county, id_hash=f"similar-bench-{i}",
                            id_masked="4399************", id_tail=f"{i:04d}")
            person.save()
            leads.append(person.pk)
        User.objects.get_or_create(username="bench_similar_office",
                                   defaults={"role": Role.OFFICE, "region": county, "display_name": "基准工委"})
        first = (Suggestion.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        texts = [_text(rng) for _ in range(size)]
        ids = range(first, first + size)
        when = [f"{rng.choice(list(YEARS))}-03-{rng.randint(1, 28):02d} 10:00:00+08:00" for _ in range(size)]
        load(Suggestion, ["id", "kind", "state", "title", "background", "request", "term_id", "lead_id",
                          "region_code", "round", "is_key", "is_public", "created_at", "updated_at", "submitted_at",
                          "key_leader", "review_comment", "deadline_note", "number_label", "origin", "origin_id"],
             ((pk, "suggestion", rng.choice(["submitted", "handling", "replied", "closed", "closed"]), t, "", r,
               term.pk, rng.choice(leads), COUNTY, 1, False, False, w, w, w, "", "", "", "", "", "")
              for pk, (t, r), w in zip(ids, texts, when, strict=True)))
        load(Signature, ["suggestion_id", "person_id", "role", "status", "invited_at"],
             ((pk, lead, "lead", "confirmed", "2020-01-01 10:00:00+08:00")
              for pk, lead in zip(ids, Suggestion.objects.filter(pk__gte=first).order_by("pk")
                                  .values_list("lead_id", flat=True), strict=True)))
        load(SuggestionGram, ["suggestion_id", "gram"],
             ((pk, g) for pk, (t, r) in zip(ids, texts, strict=True) for g in sorted(grams(f"{t} {r}"))))
        if connection.vendor == "postgresql":
            from django.core.management.color import no_style

            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Suggestion, Signature, SuggestionGram,
                                                                          Person]):
                    cursor.execute(sql)
                cursor.execute("ANALYZE")
    log(f"built {size} suggestions with their bigram index in {time.monotonic() - started:.0f} s")


def measure(*, size: int = DEFAULT_SIZE, log=print) -> dict[str, float]:
    """Time similar_suggestions for new drafts among ``size`` indexed suggestions (built first if missing)."""
    from lvzhi.accounts.models import User
    from lvzhi.suggestions.models import Suggestion
    from lvzhi.suggestions.similarity import similar_suggestions

    if not User.objects.filter(username="bench_similar_office").exists() or Suggestion.objects.count() < size:
        build(size - Suggestion.objects.count(), log=log)
    user = User.objects.get(username="bench_similar_office")
    rng = random.Random(7)
    drafts = [" ".join(_text(rng)) for _ in range(REPEAT // 2)]
    drafts += ["关于提高城乡居民基本医疗保险财政补助标准的建议 建议逐步提高补助标准，减轻群众缴费负担"] * (REPEAT // 4)
    drafts += ["关于加快推进数字乡村建设的建议 建议完善农村光纤网络和五G基站布局"] * (REPEAT // 4)
    similar_suggestions(text=drafts[0], user=user)  # warm the connection and caches
    samples, found = [], 0
    for text in drafts:
        started = time.perf_counter()
        result = similar_suggestions(text=text, user=user, limit=5)
        samples.append((time.perf_counter() - started) * 1000)
        found += bool(result)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    figures = {"similar_lookup_p95_ms": round(p95, 1), "similar_lookup_median_ms": round(statistics.median(samples), 1),
               "similar_lookup_found": found, "similar_lookup_corpus": Suggestion.objects.count()}
    log(json.dumps(figures, ensure_ascii=False))
    return figures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE)
    args = parser.parse_args(argv)
    setup_django()
    figures = measure(size=args.size)
    ok = figures["similar_lookup_p95_ms"] <= TARGET_MS
    print(f"similar_lookup_p95_ms {figures['similar_lookup_p95_ms']} (target ≤ {TARGET_MS}) {'ok' if ok else 'SLOW'}")


if __name__ == "__main__":
    main()

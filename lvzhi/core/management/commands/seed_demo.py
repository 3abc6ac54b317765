"""Demo data for a fictional county, 清源县 (439901): its region tree, congresses of all five levels with their
terms and sittings, about 400 persons holding about 500 mandates, delegations, districts, groups, stations,
30 handling units, a few duty notes and one account per role.

Idempotent: every row is found by its natural key before it is created, and the people are generated from a
fixed seed, so a second run finds everything in place and changes nothing."""

import datetime as dt
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from lvzhi.core import demo
from lvzhi.core.crypto import keyed_hash
from lvzhi.core.models import Region
from lvzhi.handbook.services import handbook_load_default
from lvzhi.training.demo import seed_training

DEFAULT_PASSWORD = "Lvzhi@2026demo"
SEED = 439901
ACCOUNT_NAMES = ("admin", "staff", "town", "leader", "deputy", "unit")
LATEST = dt.date(2026, 11, 1)  # no status change or by-election in the demo is dated later than this

PROVINCE = ("430000000000", "示范省")
CITY = ("439900000000", "示范市")
COUNTY = ("439901000000", "清源县")


@dataclass(frozen=True)
class Township:
    number: str
    name: str
    kind: str  # 镇 / 乡 / 街道
    villages: tuple[str, ...]
    township_deputies: int  # a 街道 has no people's congress of its own
    county_deputies: int

    @property
    def code(self) -> str:
        return f"439901{self.number}000"

    @property
    def has_congress(self) -> bool:
        return self.kind != "街道"

    def village_code(self, index: int) -> str:
        return f"439901{self.number}{index + 1:03d}"


TOWNSHIPS = (
    Township("001", "城关镇", "镇", ("东门社区", "西门社区", "南街社区", "新华社区", "城郊村", "金竹村"), 44, 30),
    Township("002", "河西乡", "乡", ("河西村", "柳塘村", "石桥村", "枫树村"), 30, 14),
    Township("003", "东城街道", "街道", ("朝阳社区", "建设社区", "滨江社区", "文化社区", "育才社区"), 0, 20),
    Township("004", "西城街道", "街道", ("和平社区", "幸福社区", "光明社区", "团结社区"), 0, 18),
    Township("005", "清水镇", "镇", ("清水社区", "大坪村", "上湾村", "下湾村", "龙口村"), 38, 18),
    Township("006", "石门镇", "镇", ("石门社区", "黄土岭村", "茶园村", "松林村", "高桥村"), 36, 16),
    Township("007", "桃源镇", "镇", ("桃源社区", "桃花村", "白鹤村", "新塘村"), 34, 16),
    Township("008", "白沙镇", "镇", ("白沙社区", "沙洲村", "荷叶村", "马鞍村", "杨家村", "牛形村"), 34, 15),
    Township("009", "龙潭乡", "乡", ("龙潭村", "黑石村", "凤形村"), 26, 12),
    Township("010", "青山乡", "乡", ("青山村", "竹山村", "杉木村", "岩门村"), 24, 11),
    Township("011", "柳溪乡", "乡", ("柳溪村", "梅林村", "溪口村"), 24, 12),
    Township("012", "南湖街道", "街道", ("南湖社区", "湖滨社区", "振兴社区"), 0, 18),
)
CHENGGUAN = TOWNSHIPS[0]

# 28 departments of the county government, then the court and the procuratorate: 30 handling units.
COUNTY_DEPARTMENTS = (
    ("人民政府办公室", "县政府办"), ("发展和改革局", "发改局"), ("教育局", "教育局"), ("工业和信息化局", "工信局"),
    ("公安局", "公安局"), ("民政局", "民政局"), ("司法局", "司法局"), ("财政局", "财政局"),
    ("人力资源和社会保障局", "人社局"), ("自然资源局", "自然资源局"), ("住房和城乡建设局", "住建局"),
    ("交通运输局", "交通局"), ("水利局", "水利局"), ("农业农村局", "农业农村局"), ("商务局", "商务局"),
    ("文化旅游广电体育局", "文旅广体局"), ("卫生健康局", "卫健局"), ("退役军人事务局", "退役军人局"),
    ("应急管理局", "应急局"), ("审计局", "审计局"), ("市场监督管理局", "市场监管局"), ("统计局", "统计局"),
    ("医疗保障局", "医保局"), ("林业局", "林业局"), ("城市管理和综合执法局", "城管局"), ("行政审批服务局", "审批局"),
    ("数据资源局", "数据局"), ("乡村振兴服务中心", "乡村振兴中心"),
)
BUREAUS = tuple(name for name, _ in COUNTY_DEPARTMENTS if name.endswith("局"))
JUDICIAL_UNITS = (("人民法院", "法院", "court"), ("人民检察院", "检察院", "procuratorate"))

# The share of each occupation among deputies of a level (职业构成), before streets swap farmers for others.
OCCUPATION_MIX = {
    "township": (("农民", 35), ("工人", 12), ("专业技术人员", 18), ("企业负责人", 10), ("党政干部", 20), ("其他", 5)),
    "county": (("农民", 20), ("工人", 15), ("专业技术人员", 20), ("企业负责人", 12), ("党政干部", 28), ("其他", 5)),
    "higher": (("农民", 15), ("工人", 15), ("专业技术人员", 30), ("企业负责人", 30), ("其他", 10)),
}

# Fixed people: the demo deputy and the county's leaders, so the demo reads like a real roster.
DEMO_DEPUTY = ("张建华", "男", dt.date(1976, 5, 18), "其他", "城关镇东门社区党委书记、居委会主任")
COUNTY_LEADERS = (
    ("周国平", "男", dt.date(1968, 8, 2), "中共清源县委书记"),
    ("李晓东", "男", dt.date(1972, 1, 9), "中共清源县委副书记、清源县人民政府县长"),
    ("黄志明", "男", dt.date(1965, 11, 23), "清源县人大常委会主任"),
    ("谭丽华", "女", dt.date(1970, 4, 30), "清源县人大常委会副主任"),
    ("吴海波", "男", dt.date(1974, 6, 15), "清源县人民政府副县长"),
)


@dataclass(frozen=True)
class CongressPlan:
    key: str  # "national", "province", "city", "county" or a township number
    level: int
    region_code: str
    name: str
    term_number: int
    term_start: dt.date
    term_end: dt.date
    sittings: tuple[dt.date, ...]


def congress_plans() -> list[CongressPlan]:
    from lvzhi.people.models import Level

    d = dt.date
    plans = [
        # The national congress has no region of ours; it hangs on the highest node of the tree.
        CongressPlan("national", Level.NATIONAL, PROVINCE[0], "全国人民代表大会", 14, d(2023, 3, 5), d(2028, 3, 4),
                     (d(2023, 3, 5), d(2024, 3, 5), d(2025, 3, 5), d(2026, 3, 5))),
        CongressPlan("province", Level.PROVINCE, PROVINCE[0], "示范省人民代表大会", 14, d(2023, 1, 13),
                     d(2028, 1, 12), (d(2023, 1, 13), d(2024, 1, 24), d(2025, 1, 16), d(2026, 1, 22))),
        CongressPlan("city", Level.CITY, CITY[0], "示范市人民代表大会", 16, d(2022, 1, 6), d(2027, 1, 5),
                     (d(2022, 1, 6), d(2023, 1, 5), d(2024, 1, 10), d(2025, 1, 8), d(2026, 1, 7))),
        CongressPlan("county", Level.COUNTY, COUNTY[0], "清源县人民代表大会", 18, d(2021, 10, 8), d(2026, 12, 31),
                     (d(2021, 10, 8), d(2022, 2, 20), d(2023, 2, 14), d(2024, 1, 24), d(2025, 1, 15),
                      d(2026, 1, 13))),
    ]
    for town in TOWNSHIPS:
        if town.has_congress:
            plans.append(CongressPlan(
                town.number, Level.TOWNSHIP, town.code, f"{town.name}人民代表大会", 18, d(2021, 9, 28),
                d(2026, 12, 31), (d(2021, 9, 28), d(2022, 1, 8), d(2023, 1, 6), d(2024, 1, 5), d(2025, 1, 4),
                                  d(2026, 1, 6)),
            ))
    return plans


# ------------------------------------------------------------------------------------------ the people plan


@dataclass
class MandatePlan:
    congress: str  # CongressPlan.key
    district: str
    delegation: str
    reelected: bool
    by_election_on: dt.date | None = None
    deputy_number: str = ""
    events: list[tuple[str, dt.date, str, str]] = field(default_factory=list)  # kind, date, reason, end_reason


@dataclass
class PersonPlan:
    name: str
    gender: str
    birth: dt.date
    id_number: str
    phone: str
    ethnicity: str
    political_status: str
    education: str
    occupation: str
    employer_title: str
    native_place: str
    township: Township
    region_code: str
    group: str
    mandates: list[MandatePlan] = field(default_factory=list)

    def mandate(self, congress: str) -> MandatePlan | None:
        return next((m for m in self.mandates if m.congress == congress), None)


def _employer(rng: random.Random, occupation: str, town: Township, village: str) -> str:
    firm = rng.choice(demo.FIRMS)
    is_village = village.endswith("村")
    choices = {
        "农民": [f"{town.name}{village}党支部书记、村委会主任", f"{town.name}{village}村民",
               f"{town.name}{village}种养大户", f"清源县{firm}农业专业合作社理事长", f"{town.name}{village}村委会委员"]
        if is_village else [f"{town.name}{village}居民", f"清源县{firm}蔬菜专业合作社理事长"],
        "工人": [f"清源县{firm}{rng.choice(demo.INDUSTRIES)}有限公司工人", f"国网清源县供电公司{town.name[:2]}供电所电工",
               "清源县自来水有限公司管网班班长", f"清源县{firm}建材有限公司车间主任", f"{town.name}环卫所环卫工人"],
        "专业技术人员": [f"清源县人民医院{rng.choice(demo.HOSPITAL_DEPARTMENTS)}主任医师",
                   f"清源县中医医院{rng.choice(demo.HOSPITAL_DEPARTMENTS)}副主任医师", f"{town.name}中心卫生院院长",
                   "清源县第一中学教师", f"{town.name}中心学校校长", "清源县农业技术推广中心高级农艺师",
                   f"示范省{firm}律师事务所律师",
                   f"{town.name}{village}{'卫生室乡村医生' if is_village else '社区卫生服务站医生'}"],
        "企业负责人": [f"示范省{firm}{rng.choice(demo.INDUSTRIES)}有限公司董事长",
                  f"清源县{firm}{rng.choice(demo.INDUSTRIES)}有限公司总经理", f"清源县{firm}农业开发有限公司董事长"],
        "其他": [f"{town.name}{village}{'村' if is_village else '社区'}妇联主席", f"清源县{firm}商行个体工商户",
               "清源县第二中学退休教师", f"{town.name}{village}网格员"],
    }
    if occupation == "党政干部":
        if town.kind == "街道":
            return rng.choice([f"中共{town.name}工作委员会书记", f"{town.name}办事处主任",
                               f"{town.name}人大工作委员会主任", f"{town.name}办事处副主任"])
        head = "镇长" if town.kind == "镇" else "乡长"
        return rng.choice([f"中共{town.name}委员会书记", f"{town.name}人民政府{head}", f"{town.name}人大主席",
                           f"{town.name}人民政府副{head}", f"{town.name}{village}党支部书记",
                           f"清源县{rng.choice(BUREAUS)}局长"])
    return rng.choice(choices[occupation])


class PlanBuilder:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.people: list[PersonPlan] = []
        self.names: set[str] = set()
        self.phones: set[str] = set()
        self.numbers: Counter = Counter()

    def person(self, town: Township, mix: str, *, fixed: tuple | None = None, village: int | None = None,
               occupation: str | None = None) -> PersonPlan:
        rng = self.rng
        if village is None:
            village = rng.randrange(len(town.villages))
        village_name = town.villages[village]
        if fixed:
            name, gender, birth, occupation, employer = fixed
        else:
            gender = "女" if rng.random() < 0.3 else "男"
            name = demo.chinese_name(rng, gender)
            while name in self.names:
                name = demo.chinese_name(rng, gender)
            if occupation is None:
                occupation = demo.weighted(rng, OCCUPATION_MIX[mix])
                if town.kind == "街道" and occupation == "农民":
                    occupation = rng.choice(("工人", "其他", "专业技术人员"))
            first, last = (1964, 1988) if occupation == "党政干部" else (1960, 1996)
            birth = demo.birth_date(rng, first, last)
            employer = _employer(rng, occupation, town, village_name)
        self.names.add(name)
        phone = demo.phone_number(rng)
        while phone in self.phones:
            phone = demo.phone_number(rng)
        self.phones.add(phone)
        plan = PersonPlan(
            name=name, gender=gender, birth=birth,
            id_number=demo.id_number(rng, len(self.people) + 1, birth, gender == "男", "439901"),
            phone=phone, ethnicity=demo.weighted(rng, demo.ETHNICITIES),
            political_status=demo.political_status(rng, occupation),
            education=demo.weighted(rng, demo.EDUCATION_BY_OCCUPATION[occupation]), occupation=occupation,
            employer_title=employer, native_place=demo.weighted(rng, demo.NATIVE_PLACES), township=town,
            # Most deputies are filed under their village or community, the rest under the township itself.
            region_code=town.village_code(village) if rng.random() < 0.75 else town.code,
            group=f"{town.name}第{'一' if village % 2 == 0 or len(town.villages) < 4 else '二'}代表小组",
        )
        if "书记" in employer or employer.startswith("中共"):
            plan.political_status = "中共党员"
        self.people.append(plan)
        return plan

    def add_mandate(self, person: PersonPlan, congress: str, district: str, delegation: str = "",
                    by_election_on: dt.date | None = None) -> MandatePlan:
        self.numbers[congress] += 1
        mandate = MandatePlan(
            congress=congress, district=district, delegation=delegation,
            reelected=by_election_on is None and self.rng.random() < 0.6, by_election_on=by_election_on,
            deputy_number=f"{self.numbers[congress]:03d}",
        )
        person.mandates.append(mandate)
        return mandate


def county_district(town: Township, index: int) -> str:
    from lvzhi.people.models import chinese_number

    return f"{town.name}第{chinese_number(index // 3 + 1)}选区"


def township_district(person: PersonPlan) -> str:
    town = person.township
    code = person.region_code
    village = town.villages[int(code[9:]) - 1] if code[9:] != "000" else town.villages[0]
    return f"{village}选区"


def build_plan() -> list[PersonPlan]:
    """Who the county's deputies are: the same list on every run."""
    builder = PlanBuilder()
    rng = builder.rng
    county_deputies: list[PersonPlan] = []
    leaders: list[PersonPlan] = []
    demo_deputy: PersonPlan | None = None

    for town in TOWNSHIPS:
        both = round(town.county_deputies * 0.7) if town.has_congress else 0
        county_index = 0
        for i in range(town.county_deputies):
            if town is CHENGGUAN and i == 0:
                person = builder.person(town, "county", fixed=DEMO_DEPUTY, village=0)
                person.political_status = "中共党员"
                person.education = "大学"
                demo_deputy = person
            elif town is CHENGGUAN and i <= len(COUNTY_LEADERS):
                name, gender, birth, title = COUNTY_LEADERS[i - 1]
                person = builder.person(town, "county", fixed=(name, gender, birth, "党政干部", title), village=3)
                person.political_status, person.education = "中共党员", "研究生"
                leaders.append(person)
            else:
                person = builder.person(town, "county")
            builder.add_mandate(person, "county", county_district(town, county_index), f"{town.name}代表团")
            county_index += 1
            county_deputies.append(person)
            if i < both and person not in leaders:
                builder.add_mandate(person, town.number, township_district(person))
        for _ in range(town.township_deputies - both):
            person = builder.person(town, "township")
            builder.add_mandate(person, town.number, township_district(person))

    # Deputies to the city, provincial and national congresses who live in the county (驻县上级代表).
    def higher(person: PersonPlan, level: str) -> None:
        district, delegation = {
            "city": ("清源县人民代表大会", "清源县代表团"),
            "province": ("示范市人民代表大会", "示范市代表团"),
            "national": ("示范省人民代表大会", "示范省代表团"),
        }[level]
        builder.add_mandate(person, level, district, delegation)
        person.group = "驻清源县上级人大代表小组"

    others = [p for p in county_deputies if p is not demo_deputy and p not in leaders]
    picked = rng.sample(others, 12)
    for person in leaders[:3] + picked[:7]:
        higher(person, "city")
    higher(leaders[0], "province")
    for person in picked[7:9]:
        higher(person, "province")
    higher(picked[9], "national")
    streets_and_towns = list(TOWNSHIPS)
    for level, count in (("city", 5), ("province", 2), ("national", 1)):
        for _ in range(count):
            person = builder.person(rng.choice(streets_and_towns), "higher")
            higher(person, level)

    _plan_status_changes(builder, protected={id(demo_deputy), *map(id, leaders)})
    return builder.people


def _plan_status_changes(builder: PlanBuilder, protected: set[int]) -> None:
    """About 5% of mandates suspended or ended during the term, with the reasons of 代表法 Art. 61–62; three of
    the ended county seats filled again by by-election (补选)."""
    from lvzhi.people.models import Mandate, MandateChange

    rng = builder.rng
    K, R = MandateChange.Kind, Mandate.EndReason
    local = [p for p in builder.people if id(p) not in protected and any(
        m.congress not in ("city", "province", "national") for m in p.mandates)]
    chosen = rng.sample(local, 24)
    start, end = dt.date(2022, 6, 1).toordinal(), dt.date(2026, 9, 30).toordinal()

    def when() -> dt.date:
        return dt.date.fromordinal(rng.randrange(start, end))

    def accepting_body(mandate: MandatePlan) -> str:
        return "县人大常委会" if mandate.congress == "county" else "乡镇人民代表大会"

    suspend_reasons = ("因刑事案件被羁押正在受侦查，依照代表法第六十一条暂停执行代表职务",
                       "被依法判处有期徒刑而没有附加剥夺政治权利，正在服刑，依法暂停执行代表职务")
    ended_county: list[tuple[PersonPlan, MandatePlan, dt.date]] = []
    for index, person in enumerate(chosen):
        mandate = person.mandates[0]
        date = when()
        if index < 6:
            mandate.events.append((K.SUSPENDED, date, rng.choice(suspend_reasons), ""))
        elif index == 6:
            mandate.events.append((K.SUSPENDED, date, suspend_reasons[0], ""))
            mandate.events.append((K.RESUMED, min(date + dt.timedelta(days=rng.randrange(60, 200)), LATEST),
                                   "检察机关作出不起诉决定，暂停执行代表职务的情形消失，恢复执行代表职务", ""))
        elif index < 13:
            # Moving away ends every local mandate of the person on the same day.
            for held in person.mandates:
                held.events.append((K.ENDED, date, "工作调动至示范市市直单位，迁出本行政区域", R.MOVED))
        elif index < 19:
            mandate.events.append((K.RESIGNED, date,
                                   f"因工作变动书面提出辞去代表职务，经{accepting_body(mandate)}会议决定接受辞职", ""))
        elif index < 21:
            mandate.events.append((K.ENDED, date, "因病医治无效去世", R.DECEASED))
        elif index == 21:
            mandate.events.append((K.ENDED, date, "未经批准两次不出席本级人民代表大会会议", R.ABSENT))
        elif index == 22:
            mandate.events.append((K.RECALLED, date, "原选区选民依法提出罢免要求，经选民表决罢免", ""))
        else:
            mandate.events.append((K.SUSPENDED, date, suspend_reasons[1], ""))
        if mandate.congress == "county" and any(e[0] != K.SUSPENDED and e[0] != K.RESUMED for e in mandate.events):
            ended_county.append((person, mandate, date))

    for person, mandate, date in ended_county[:3]:
        successor = builder.person(person.township, "county")
        builder.add_mandate(successor, "county", mandate.district, mandate.delegation,
                            by_election_on=min(date + dt.timedelta(days=rng.randrange(60, 120)), LATEST))


# ----------------------------------------------------------------------------------------------- duty notes

NOTES = (
    # (whose: 0 = the demo deputy, n = the n-th other deputy of 城关镇), month-day, kind, title, text, review
    (0, (9, 12), "duty", "参加代表联络站接待日",
     "在城关镇人大代表联络站参加接待日活动，接待群众6人次，收集东门社区老旧小区改造、背街小巷路灯维修等意见3条，"
     "已转交镇人大主席团跟踪办理。", "accept"),
    (0, (10, 20), "public_opinion", "走访东门社区独居老人",
     "走访社区独居老人8户，了解到助餐服务点距离远、就医预约难等问题，建议社区与中心卫生院建立上门服务机制。", "accept"),
    (0, (11, 6), "duty", "视察城区交通秩序整治",
     "参加县人大常委会组织的城区交通秩序整治视察，提出在城关中学门口增设护学岗和减速带的意见。", "return"),
    (0, (11, 18), "public_opinion", "收集农贸市场改造意见",
     "到南街农贸市场听取商户和群众意见，集中反映排水不畅、摊位划分不合理两方面问题。", None),
    (1, (9, 3), "duty", "参加代表小组集中活动",
     "参加城关镇第一代表小组活动，学习修改后的代表法，交流闭会期间履职体会。", "accept"),
    (1, (10, 15), "public_opinion", "关于城郊村灌溉渠修复的民情",
     "城郊村村民反映灌溉渠多处垮塌，影响晚稻灌溉，建议列入明年小型水利设施维修计划。", "accept"),
    (2, (9, 25), "duty", "向选民报告履职情况",
     "在西门社区向选民代表报告一年来的履职情况，听取意见建议12条，现场答复5条。", "accept"),
    (2, (11, 2), "public_opinion", "新华社区停车难问题",
     "新华社区居民反映小区周边停车位不足、夜间乱停车严重，建议利用闲置空地建设临时停车场。", None),
    (3, (10, 8), "duty", "参加县人大常委会执法检查",
     "参加县人大常委会对食品安全法贯彻实施情况的执法检查，走访学校食堂和农贸市场各2处。", "accept"),
    (4, (10, 30), "duty", "走访联系选民",
     "走访金竹村选民20户，宣传惠农政策，了解春耕备耕和产业发展情况。", "accept"),
    (5, (11, 12), "public_opinion", "南街社区电动车充电设施",
     "居民反映楼道内电动车充电存在安全隐患，建议增设集中充电桩。", "return"),
)


# ------------------------------------------------------------------------------------------------- the run


def _upsert(model, lookup: dict, values: dict):
    """get_or_create, then update only the fields that differ: a second run writes nothing."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if not created:
        changed = [k for k, v in values.items() if getattr(obj, k if not hasattr(v, "pk") else f"{k}_id") !=
                   (v.pk if hasattr(v, "pk") else v)]
        if changed:
            for key in changed:
                setattr(obj, key, values[key])
            obj.save(update_fields=changed)
    return obj


class Command(BaseCommand):
    help = "生成演示数据（虚构的清源县）：行政区划、五级人大、约400名代表、承办单位、履职笔记和各角色演示账号。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help=f"演示账号的密码（默认 {DEFAULT_PASSWORD}）")

    def handle(self, *args, password: str, **options):
        from lvzhi.accounts.models import User

        try:
            for username in ACCOUNT_NAMES:
                validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError("密码不符合密码策略：" + "；".join(exc.messages)) from exc
        started = time.monotonic()
        self.created: Counter = Counter()
        with transaction.atomic():
            regions = self.seed_regions()
            terms = self.seed_congresses(regions)
            units = self.seed_units(regions)
            people = self.seed_people(regions, terms)
            accounts = self.seed_accounts(password, regions, units, people)
            self.seed_notes(accounts, people)
            handbook_load_default()  # the built-in 履职常识问答 and question bank; adds only what is missing
            training = seed_training(accounts=accounts, regions=regions)
        self.print_summary(time.monotonic() - started)
        self.stdout.write(training)

    # -- reference data

    def seed_regions(self) -> dict[str, Region]:
        L = Region.Level
        regions: dict[str, Region] = {}

        def put(code, name, level, parent, kind="", sort=0):
            regions[code] = _upsert(Region, {"code": code},
                                    {"name": name, "level": level, "parent": parent, "kind": kind, "sort": sort})

        put(*PROVINCE, L.PROVINCE, None, "省")
        put(*CITY, L.CITY, regions[PROVINCE[0]], "市")
        put(*COUNTY, L.COUNTY, regions[CITY[0]], "县")
        for town in TOWNSHIPS:
            put(town.code, town.name, L.TOWNSHIP, regions[COUNTY[0]], town.kind, int(town.number))
            for index, village in enumerate(town.villages):
                put(town.village_code(index), village, L.VILLAGE, regions[town.code],
                    "村" if village.endswith("村") else "社区", index + 1)
        return regions

    def seed_congresses(self, regions):
        from lvzhi.people.models import Congress, Sitting, Term

        terms = {}
        for plan in congress_plans():
            congress = _upsert(Congress, {"level": plan.level, "region": regions[plan.region_code]},
                               {"name": plan.name})
            # The previous term, closed, so the current one is not the first the system has heard of.
            previous_start = plan.term_start.replace(year=plan.term_start.year - 5)
            _upsert(Term, {"congress": congress, "number": plan.term_number - 1},
                    {"start_date": previous_start, "end_date": plan.term_start - dt.timedelta(days=1),
                     "is_current": False})
            term = _upsert(Term, {"congress": congress, "number": plan.term_number},
                           {"start_date": plan.term_start, "end_date": plan.term_end, "is_current": True})
            term.congress = congress
            for number, opening in enumerate(plan.sittings, start=1):
                length = 6 if plan.level <= 2 else 3
                _upsert(Sitting, {"term": term, "number": number},
                        {"start_date": opening, "end_date": opening + dt.timedelta(days=length - 1)})
            terms[plan.key] = term
        return terms

    def seed_units(self, regions) -> dict[str, object]:
        from lvzhi.people.models import Unit

        county = regions[COUNTY[0]]
        units = {}
        for name, short in COUNTY_DEPARTMENTS:
            units[name] = _upsert(Unit, {"region": county, "name": f"清源县{name}"},
                                  {"short_name": short, "kind": Unit.Kind.GOVERNMENT})
        for name, short, kind in JUDICIAL_UNITS:
            units[name] = _upsert(Unit, {"region": county, "name": f"清源县{name}"}, {"short_name": short, "kind": kind})
        return units

    # -- people

    def seed_people(self, regions, terms):
        from lvzhi.people.models import Delegation, DeputyGroup, ElectoralDistrict, Mandate, Person, Station
        from lvzhi.people.services import mandate_change_status, mandate_create, person_create

        plan = build_plan()
        county = regions[COUNTY[0]]
        stations = {
            town.number: _upsert(Station, {"region": regions[town.code],
                                           "name": f"{town.name}人大代表{'之家' if town.kind == '街道' else '联络站'}"}, {})
            for town in TOWNSHIPS
        }
        groups: dict[str, object] = {}
        districts: dict[tuple[str, str], object] = {}
        delegations: dict[tuple[str, str], object] = {}

        def group_for(person: PersonPlan):
            if person.group not in groups:
                region = county if person.group.startswith("驻") else regions[person.township.code]
                groups[person.group] = _upsert(DeputyGroup, {"region": region, "name": person.group}, {})
            return groups[person.group]

        def district_for(key: str, name: str, person: PersonPlan):
            if (key, name) not in districts:
                if key in ("city", "province", "national"):
                    region = {"city": COUNTY[0], "province": CITY[0], "national": PROVINCE[0]}[key]
                elif key == "county":
                    region = person.township.code
                else:
                    region = person.region_code if person.region_code[9:] != "000" else person.township.code
                districts[(key, name)] = _upsert(ElectoralDistrict, {"term": terms[key], "name": name},
                                                 {"region": regions[region]})
            return districts[(key, name)]

        def delegation_for(key: str, name: str):
            if not name:
                return None
            if (key, name) not in delegations:
                region_code = {"city": COUNTY[0], "province": CITY[0], "national": PROVINCE[0]}.get(key)
                if region_code is None:
                    region_code = next(t.code for t in TOWNSHIPS if name.startswith(t.name))
                delegations[(key, name)] = _upsert(Delegation, {"term": terms[key], "name": name},
                                                   {"region": regions[region_code]})
            return delegations[(key, name)]

        hashes = {keyed_hash(p.id_number): p for p in plan}
        existing = dict(Person.objects.filter(id_hash__in=list(hashes)).values_list("id_hash", "pk"))
        persons: dict[int, Person] = {}
        for person_plan in plan:
            digest = keyed_hash(person_plan.id_number)
            if digest in existing:
                persons[id(person_plan)] = Person(pk=existing[digest], region_id=person_plan.region_code,
                                                  name=person_plan.name)
                continue
            persons[id(person_plan)] = person_create(
                by=None, id_number=person_plan.id_number, name=person_plan.name, gender=person_plan.gender,
                birth_date=person_plan.birth.replace(day=1), ethnicity=person_plan.ethnicity,
                native_place=person_plan.native_place, political_status=person_plan.political_status,
                education=person_plan.education, employer_title=person_plan.employer_title,
                occupation=person_plan.occupation, phone=person_plan.phone,
                region=regions[person_plan.region_code],
            )
            self.created["人员"] += 1

        held = set(Mandate.objects.filter(person_id__in=[p.pk for p in persons.values()])
                   .values_list("person_id", "term_id"))
        for person_plan in plan:
            person = persons[id(person_plan)]
            for mandate_plan in person_plan.mandates:
                term = terms[mandate_plan.congress]
                if (person.pk, term.pk) in held:
                    continue
                mandate = mandate_create(
                    by=None, person=person, term=term,
                    elected_by=Mandate.ElectedBy.BY_ELECTION if mandate_plan.by_election_on else
                    Mandate.ElectedBy.GENERAL,
                    start_date=mandate_plan.by_election_on,
                    district=district_for(mandate_plan.congress, mandate_plan.district, person_plan),
                    delegation=delegation_for(mandate_plan.congress, mandate_plan.delegation),
                    group=group_for(person_plan), station=stations[person_plan.township.number],
                    is_reelected=mandate_plan.reelected, deputy_number=mandate_plan.deputy_number,
                )
                self.created["代表资格"] += 1
                for kind, date, reason, end_reason in mandate_plan.events:
                    mandate_change_status(by=None, mandate=mandate, kind=kind, date=date, reason=reason,
                                          end_reason=end_reason)
        demo_deputy = next(p for p in plan if p.name == DEMO_DEPUTY[0])
        others = [p for p in plan if p.township is CHENGGUAN and p is not demo_deputy
                  and p.mandate(CHENGGUAN.number) and p.mandate("county") and not any(m.events for m in p.mandates)]
        return {"demo_deputy": persons[id(demo_deputy)],
                "chengguan": [persons[id(p)] for p in others]}

    # -- accounts and notes

    def seed_accounts(self, password, regions, units, people):
        from lvzhi.accounts.models import Role, User

        county, town = regions[COUNTY[0]], regions[CHENGGUAN.code]
        plans = (
            # The administrator configures (users, dictionaries, the congress structure in the configuration
            # site); scoping gives the role no roster or archive content.
            ("admin", Role.ADMIN, {"region": county, "display_name": "系统管理员", "is_staff": True,
                                   "is_superuser": True}),
            ("staff", Role.OFFICE, {"region": county, "display_name": "刘敏（县人大代表工委）"}),
            ("town", Role.TOWNSHIP, {"region": town, "display_name": "陈静（城关镇人大）"}),
            ("leader", Role.LEADER, {"region": county, "display_name": "黄志明（县人大常委会主任）"}),
            ("deputy", Role.DEPUTY, {"person": people["demo_deputy"], "display_name": DEMO_DEPUTY[0]}),
            ("unit", Role.UNIT, {"unit": units["交通运输局"], "display_name": "李红（县交通运输局）"}),
        )
        accounts = {}
        for username, role, fields in plans:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, password=password, role=role, **fields)
                self.created["账号"] += 1
            else:
                user = _upsert(User, {"username": username}, {"role": role, **fields})
                if not user.check_password(password):
                    user.set_password(password)
                    user.save(update_fields=["password"])
            accounts[username] = user
        return accounts

    def seed_notes(self, accounts, people):
        from lvzhi.archive.models import DutyNote
        from lvzhi.archive.services import duty_note_review, duty_note_submit

        today = timezone.localdate()
        staff = accounts["staff"]
        writers = [people["demo_deputy"], *people["chengguan"]]
        for whose, (month, day), kind, title, text, review in NOTES:
            person = writers[whose]
            if DutyNote.objects.filter(person_id=person.pk, title=title).exists():
                continue
            date = min(dt.date(2026, month, day), today)
            if whose == 0:
                note = duty_note_submit(by=accounts["deputy"], date=date, kind=kind, title=title, text=text)
            else:
                # Only the demo deputy has an account to write with; the others' notes are filed as written.
                note = DutyNote.objects.create(person_id=person.pk, date=date, kind=kind, title=title, text=text,
                                               region_code=person.region_id)
            self.created["履职笔记"] += 1
            if review == "accept":
                duty_note_review(note=note, by=staff, accept=True, comment="情况属实，记入履职档案。")
            elif review == "return":
                duty_note_review(note=note, by=staff, accept=False, comment="请补充活动的时间、地点和现场照片后重新提交。")

    # -- summary

    def print_summary(self, seconds: float) -> None:
        from lvzhi.accounts.models import User
        from lvzhi.archive.models import Activity, DutyNote
        from lvzhi.people.models import (
            Congress,
            DeputyGroup,
            Level,
            Mandate,
            MandateChange,
            Person,
            Station,
            Unit,
        )

        county_prefix = ("439901000000", "439901999999")
        levels = Counter(Mandate.objects.filter(region_code__range=county_prefix).values_list("level", flat=True))
        statuses = Counter(Mandate.objects.filter(region_code__range=county_prefix)
                           .values_list("status", flat=True))
        lines = [
            f"演示数据就绪（清源县 439901，用时 {seconds:.1f} 秒；本次新建："
            + ("、".join(f"{k}{v}" for k, v in self.created.items()) or "无，数据已是最新") + "）",
            f"  行政区划 {Region.objects.filter(code__startswith='43').count()} 个，"
            f"人民代表大会 {Congress.objects.count()} 个",
            f"  人员 {Person.objects.filter(region__gte=county_prefix[0], region__lte=county_prefix[1]).count()} 人，"
            f"代表资格 {sum(levels.values())} 个："
            + "、".join(f"{Level(level).label}{levels[level]}" for level in sorted(levels)),
            "  资格状态：" + "、".join(f"{Mandate.Status(s).label}{n}" for s, n in sorted(statuses.items()))
            + f"；资格变动记录 {MandateChange.objects.count()} 条",
            f"  代表小组 {DeputyGroup.objects.count()} 个，联络站 {Station.objects.count()} 个，"
            f"承办单位 {Unit.objects.count()} 个",
            f"  履职笔记 {DutyNote.objects.count()} 篇，履职记录 {Activity.objects.count()} 条",
            "  账号：" + "、".join(User.objects.filter(username__in=ACCOUNT_NAMES)
                                 .order_by("id").values_list("username", flat=True)),
        ]
        self.stdout.write("\n".join(lines))

"""Fictional but realistic people for the demo data and the benchmark: names, ID numbers, phones and the
facts a roster holds, drawn deterministically from a ``random.Random`` so every run builds the same data."""

import datetime as dt
import random

from .idnumber import make_id_number

# Common surnames, roughly by frequency (the weights repeat the commonest ones).
SURNAMES = (
    "王李张刘陈杨黄赵吴周" * 4 + "徐孙马朱胡郭何高林罗" * 3 + "郑梁谢宋唐许韩冯邓曹" * 2
    + "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷"
    "侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤易文欧左"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
GIVEN_MALE = "伟强军勇杰涛明斌超磊鹏华建国平志文辉刚峰海林波宇浩俊飞健亮鑫龙成东兵新春永德正荣金福光祥卫红立湘远楚"
GIVEN_FEMALE = "芳娟敏静丽艳霞玲燕红梅琳婷慧莉萍雪洁颖兰琴凤英华秀玉娜倩云蓉菊丹晶薇月桂湘媛佳思"

ETHNICITIES = (("汉族", 85), ("土家族", 6), ("苗族", 4), ("侗族", 2), ("瑶族", 2), ("回族", 1))
DEMOCRATIC_PARTIES = ("民革党员", "民盟盟员", "民建会员", "民进会员", "农工党党员", "致公党党员", "九三学社社员")
OCCUPATIONS = ("工人", "农民", "专业技术人员", "企业负责人", "党政干部", "其他")
EDUCATION_BY_OCCUPATION = {
    "党政干部": (("研究生", 30), ("大学", 60), ("大专", 10)),
    "专业技术人员": (("研究生", 20), ("大学", 60), ("大专", 20)),
    "企业负责人": (("研究生", 10), ("大学", 40), ("大专", 35), ("高中", 15)),
    "工人": (("大专", 20), ("中专", 30), ("高中", 40), ("初中", 10)),
    "农民": (("大专", 15), ("中专", 10), ("高中", 35), ("初中", 40)),
    "其他": (("大学", 20), ("大专", 40), ("高中", 40)),
}
FIRMS = ("恒通", "鑫源", "华兴", "宏达", "瑞丰", "金穗", "绿源", "兴旺", "清泉", "远航", "嘉禾", "盛世", "益农",
         "顺达", "天成", "永安", "富民", "新宇", "湘源", "楚丰")
INDUSTRIES = ("食品", "建材", "电子科技", "农业开发", "物流", "茶业", "竹木制品", "纺织", "机械制造", "生态农业")
HOSPITAL_DEPARTMENTS = ("内科", "外科", "儿科", "妇产科", "急诊科", "中医科", "检验科")
PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                  "155", "157", "158", "159", "177", "180", "181", "182", "183", "186", "187", "188", "189", "199")
NATIVE_PLACES = (("示范清源", 80), ("示范远山", 8), ("示范云溪", 6), ("示范市区", 6))


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def chinese_name(rng: random.Random, gender: str) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choice(SURNAMES)
    pool = GIVEN_MALE if gender == "男" else GIVEN_FEMALE
    given = rng.choice(pool) if rng.random() < 0.3 else "".join(rng.sample(pool, 2))
    return surname + given


def phone_number(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def birth_date(rng: random.Random, first_year: int, last_year: int) -> dt.date:
    start = dt.date(first_year, 1, 1).toordinal()
    return dt.date.fromordinal(rng.randrange(start, dt.date(last_year, 12, 31).toordinal() + 1))


def political_status(rng: random.Random, occupation: str) -> str:
    roll = rng.random()
    if occupation == "党政干部":
        return "中共党员" if roll < 0.94 else rng.choice(DEMOCRATIC_PARTIES)
    if roll < 0.58:
        return "中共党员"
    if roll < 0.60:
        return "中共预备党员"
    if roll < 0.66:
        return rng.choice(DEMOCRATIC_PARTIES)
    if roll < 0.70:
        return "无党派人士"
    return "群众"


def id_number(rng: random.Random, seq: int, birth: dt.date, male: bool, home6: str) -> str:
    """A valid number: usually issued in the home county, sometimes where the person was born."""
    region6 = home6 if rng.random() < 0.85 else rng.choice(("439902", "439903", "439900"))
    return make_id_number(region6, birth, seq, male)

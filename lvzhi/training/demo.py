"""Training demo data for 清源县, built through the training services as an office would (called by seed_demo).

Two classes of 2026, both already over, so every page has something to show:

- 清源县第十八届人大代表履职能力提升培训班 (集中授课, three days in September), modelled on the Hengyang class of
  the seed: 346 county and township deputies in 12 delegations (one per township or street, each with its lead and
  staff member), fixed seats in four zones, 12 balanced discussion groups with conveners, a timetable of eight
  lessons, written leave approved at two levels, a few absences and late arrivals, discussion items with the
  office's replies, lesson ratings, reflections and completion certificates; a test from the handbook's question
  bank on the first morning before the opening lesson and another after the last lesson, taken by the deputies
  with an account (weaker answers before, better after), so the class's figures compare the two.
  The class is the county's (not the city's as in the seed): the demo's office account is the county's, and a
  class of a city it does not run would be out of its scope.
- 2026年乡镇人大代表分片培训 (分片培训, four areas 东、西、北、中片, each with its venue township, its own
  enrolment and its own lessons on its own day).

Deputies act through their own accounts (ratings, reflections, leave, a scan check-in): the demo deputy's, and an
account opened by the demo administrator (its temporary password is not kept: reset it on the accounts page to sign
in as them) for each group convener and each deputy who asks for leave. Staff act as the demo's `staff`
(organiser) and `town` (城关镇, the home office approving leave).

Idempotent: a class found by its title is left as it is (it was built whole in one transaction).
"""

import datetime as dt
import random

from django.utils import timezone

COUNTY = "439901000000"
SEED = 2026_09_07
MAIN_TITLE = "清源县第十八届人大代表履职能力提升培训班"
AREAS_TITLE = "2026年乡镇人大代表分片培训"
MAIN_DAYS = (dt.date(2026, 9, 7), dt.date(2026, 9, 8), dt.date(2026, 9, 9))
MAIN_SIZE = 346
QUIZ_SEED = SEED + 2  # a stream of its own: the quizzes do not change the rest of the demo
QUIZ_TAKERS = 60  # deputies with an account who take the tests (the accounts the demo opens anyway, then more)
# (purpose, title suffix, opens, closes, the share of questions a taker gets right on average)
QUIZZES = (
    ("before", "培训前测试", (0, (7, 50)), (0, (8, 25)), 0.6),
    ("after", "培训后测试", (2, (16, 40)), (2, (17, 20)), 0.85),
)

INSTRUCTORS = {
    "周国平": ("中共清源县委书记", "中共清源县委", ""),
    "刘建新": ("示范省人大常委会选举任免联络工作委员会副主任", "示范省人大常委会", ""),
    "陈晓红": ("清源县人大常委会代表工作委员会主任", "清源县人大常委会", ""),
    "王立群": ("示范市人大常委会选举任免联络工作委员会主任", "示范市人大常委会", ""),
    "赵明远": ("教授、法学教研部主任", "中共示范省委党校", "长期从事人大制度和宪法学教学研究"),
    "孙丽娟": ("示范市人大代表、市人民医院护理部主任", "示范市人民医院", ""),
    "黄志明": ("清源县人大常委会主任", "清源县人大常委会", ""),
    "李卫东": ("清源县人大常委会办公室主任", "清源县人大常委会", ""),
    "何文静": ("副教授", "中共清源县委党校", ""),
}

# (day index, start, end, topic, kind, instructor, host, room)
MAIN_LESSONS = (
    (0, (8, 30), (9, 30), "开班式暨动员讲话", "theory", "周国平", "黄志明", "党校报告厅"),
    (0, (9, 45), (11, 45), "坚持和发展全过程人民民主，做新时代合格人大代表", "theory", "刘建新", "谭丽华", "党校报告厅"),
    (0, (14, 30), (17, 0), "《清源县人大代表履职常识100问》解读", "practice", "陈晓红", "", "党校报告厅"),
    (1, (8, 30), (11, 30), "代表如何提出高质量的建议、批评和意见", "practice", "王立群", "", "党校报告厅"),
    (1, (14, 30), (16, 0), "代表法（2025年修正）要点解读", "theory", "赵明远", "", "党校报告厅"),
    (1, (16, 15), (17, 30), "履职故事分享会：五位代表谈履职", "experience", "孙丽娟", "陈晓红", "党校报告厅"),
    (2, (8, 30), (11, 30), "分组讨论：代表工作如何守正创新", "seminar", None, "各组召集人", "党校各分组讨论室"),
    (2, (14, 30), (16, 30), "闭会期间代表如何联系群众、发挥作用", "practice", "李卫东", "", "党校报告厅"),
)

TASKS = (
    ("制定培训班工作方案和任务分解表，报常委会主任会议审定", "代表工委", (8, 10)),
    ("编印《清源县人大代表履职常识100问》个人专属版", "代表工委", (8, 25)),
    ("落实培训场地、食宿和车辆", "办公室", (8, 28)),
    ("邀请授课老师，确认课件", "代表工委", (8, 31)),
    ("印发培训通知、座次表和日程安排表", "代表工委", (9, 2)),
    ("汇总讨论意见建议，组织专题研究答复", "代表工委、研究室", (9, 30)),
)

DELEGATION_LEADS = {
    # township → (lead, staff member); 城关镇's staff member is the demo's township account.
    "城关镇": ("城关镇人大主席 罗志刚", None),
    "河西乡": ("河西乡人大主席 龙建平", "河西乡人大秘书 彭玲"),
    "东城街道": ("东城街道人大工委主任 邓伟", "东城街道人大工委干事 曾丽"),
    "西城街道": ("西城街道人大工委主任 向红梅", "西城街道人大工委干事 田磊"),
    "清水镇": ("清水镇人大主席 覃海涛", "清水镇人大秘书 吴婷"),
    "石门镇": ("石门镇人大主席 杨光辉", "石门镇人大秘书 米娜"),
    "桃源镇": ("桃源镇人大主席 胡志勇", "桃源镇人大秘书 宋晓燕"),
    "白沙镇": ("白沙镇人大主席 谢国强", "白沙镇人大秘书 黎芳"),
    "龙潭乡": ("龙潭乡人大主席 石建军", "龙潭乡人大秘书 符丹"),
    "青山乡": ("青山乡人大主席 钟永福", "青山乡人大秘书 滕雪"),
    "柳溪乡": ("柳溪乡人大主席 姚新春", "柳溪乡人大秘书 舒畅"),
    "南湖街道": ("南湖街道人大工委主任 苏明", "南湖街道人大工委干事 戴静"),
}

LEAVE_REASONS = (
    "参加县乡村振兴项目现场推进会，已报镇党委同意，申请请假。",
    "本人住院治疗，附医院诊断证明，申请请假。",
    "所在企业接受上级安全生产检查，本人须陪同，申请请假。",
    "家中老人突发疾病需陪护就医，申请请假。",
    "参加市人大常委会组织的执法检查，时间冲突，申请请假。",
    "学校开学初全县教学质量检查，本人须在校接受检查，申请请假。",
    "村里汛后水毁道路抢修，本人负责现场协调，申请请假。",
)

# (category, aspect, text, reply or "")
DISCUSSION = (
    ("training", "培训内容", "建议增加代表建议撰写的案例教学，选取往年办得好的和办得不好的建议对照讲解。",
     "已采纳。明年培训将安排代表建议案例专题课，并把优秀建议汇编成册发给代表。"),
    ("training", "培训方式", "希望把集中授课的视频放到平台上，方便请假的代表和新任代表补学。",
     "已将本次培训主要课程的课件上传到履职通，视频经授课人同意后陆续上传。"),
    ("training", "培训内容", "乡镇代表对预算审查了解不多，建议开设看懂政府预算报告的专题辅导。",
     "列入2027年度培训计划，拟邀请县财政局和县人大常委会预算工委联合授课。"),
    ("duty", "闭会期间履职", "代表小组活动形式比较单一，建议每季度确定一个主题，结合视察调研开展。",
     "县人大常委会将出台代表小组活动指导意见，按季度明确活动主题。"),
    ("duty", "代表建议办理", "有的承办单位答复后没有落实，建议对已答复的建议开展回头看。",
     "今年起对上年度答复为正在解决或列入计划的建议全部开展回头看，结果向代表反馈。"),
    ("duty", "闭会期间履职", "联络站接待群众后，反映的问题转到哪个部门、办得怎么样，代表不清楚，希望能跟踪。",
     "履职通已上线民意事项跟踪功能，代表可在手机上查看每件事项的办理进度。"),
    ("office", "监督工作", "建议常委会组织专题询问时，多邀请基层代表参加，听听一线的声音。",
     "今年的专题询问已邀请各代表团推荐代表参加，今后形成惯例。"),
    ("office", "联系群众", "部分村民不知道自己的代表是谁，建议在村务公开栏公布代表的联系方式。",
     "已通知各乡镇在村（社区）公开栏和联络站公示代表名单及联系方式。"),
    ("development", "民生保障", "农村养老服务设施不足，建议在中心村建设日间照料中心。", ""),
    ("development", "产业发展", "茶叶产业缺少区域公用品牌，建议县里统一打造品牌并组织参加展销。", ""),
    ("development", "民生保障", "城区学校大班额问题突出，建议加快城东新学校建设进度。",
     "已转县人民政府办理，县教育局答复城东学校将于明年秋季开学。"),
    ("office", "联系群众", "希望履职通增加语音输入，方便年龄大的代表记录履职笔记。", ""),
)

REFLECTIONS = (
    ("履职要从联系群众做起",
     "三天的培训让我对人大代表的性质、地位和作用有了更深的认识。代表不是荣誉称号，而是沉甸甸的责任。"
     "回去以后，我要把联络站接待日坚持下来，把群众反映的事情一件件记下来、跟下去。"),
    ("写好一件建议比提十件更重要",
     "王立群主任讲的建议撰写课很实用。过去我提的建议多是几句话，问题讲不清楚，办法也提不出来。"
     "今后提建议前要先调研，把问题、原因和可行的办法写清楚，争取每年提出一两件有分量的建议。"),
    ("新任代表的第一课",
     "作为新任代表，很多程序以前都不了解。《履职常识100问》一问一答，查起来方便，我准备放在身边经常翻看。"
     "分组讨论时和老代表交流，学到了很多闭会期间履职的好办法。"),
    ("讲好代表故事，传递履职温度",
     "履职故事分享会上，几位代表讲的都是身边事，却很打动人。代表履职就是要把群众的小事当作自己的大事，"
     "我会把这份热情带回村里，带动更多群众参与村里的发展。"),
    ("严格的纪律也是一堂课",
     "这次培训考勤严格，座位固定，请假要书面审批，大家都很重视。纪律严了，学风也就正了。"
     "我体会到，代表首先要守规矩，才能更好地为群众说话办事。"),
    ("把学到的法律知识用起来",
     "赵教授对修改后代表法的解读让我明白了代表在闭会期间的权利和保障。以后参加视察、调研时，"
     "我会更加主动地依法履职，也会向身边的群众宣传人大制度。"),
)

RATING_COMMENTS = ("讲得透彻，很有启发", "案例丰富，贴近基层", "实操性强，回去就能用", "时间有点紧，希望多留互动时间",
                   "内容很好，课件希望能发给大家", "")

AREAS = (
    # name, venue township, venue, townships in the area, day
    ("东片", "005", "清水镇人民政府会议室", ("003", "005", "007"), dt.date(2026, 10, 13)),
    ("西片", "006", "石门镇人大代表联络站", ("004", "002", "006"), dt.date(2026, 10, 14)),
    ("北片", "008", "白沙镇人民政府会议室", ("008", "009", "010"), dt.date(2026, 10, 15)),
    ("中片", "001", "城关镇人大代表联络站", ("001", "011", "012"), dt.date(2026, 10, 16)),
)
AREA_LESSONS = (
    ((9, 0), (11, 30), "乡镇人大代表的职责和履职方式", "theory", "陈晓红"),
    ((14, 30), (16, 30), "乡镇人代会的议程和代表议案建议", "practice", "何文静"),
)


def _aware(day: dt.date, hm: tuple[int, int]) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(*hm)))


def seed_training(*, accounts: dict, regions: dict) -> str:
    """Build the training demo (unless it is there already); returns a summary line for seed_demo."""
    from .models import TrainingClass

    county = regions[COUNTY]
    main = TrainingClass.objects.filter(region=county, title=MAIN_TITLE).first()
    if main is None:
        main = _MainClass(accounts, regions).build()
    areas = TrainingClass.objects.filter(region=county, title=AREAS_TITLE).first()
    if areas is None:
        areas = _AreasClass(accounts, regions).build()
    return "  " + "；".join(_describe(c) for c in (main, areas))


def _describe(training_class) -> str:
    from .models import Certificate, DiscussionItem, Enrollment, LessonRating, Reflection

    enrolled = Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
    return (f"培训班「{training_class.title}」：参训 {enrolled.count()} 人、课程 {training_class.lessons.count()} 节、"
            f"评课 {LessonRating.objects.filter(lesson__training_class=training_class).count()} 条、"
            f"心得 {Reflection.objects.filter(enrollment__training_class=training_class).count()} 篇、"
            f"讨论意见 {DiscussionItem.objects.filter(training_class=training_class).count()} 条、"
            f"结业证书 {Certificate.objects.filter(enrollment__training_class=training_class).count()} 份")


def deputy_account(person, *, admin):
    """The deputy's own account, opened by the administrator (accounts.services) when the demo needs the deputy
    to act; its temporary password is not kept, so it signs in only after the administrator resets it."""
    from lvzhi.accounts.models import Role, User
    from lvzhi.accounts.services import user_create

    user = User.objects.filter(person=person).first()
    if user is None:
        user, _ = user_create(by=admin, username=f"deputy{person.pk}", role=Role.DEPUTY, display_name=person.name,
                              person=person)
    return user


class _Builder:
    def __init__(self, accounts, regions):
        self.accounts = accounts
        self.regions = regions
        self.staff = accounts["staff"]
        self.rng = random.Random(SEED)

    def instructor(self, name):
        from .models import Instructor
        from .services.classes import instructor_create

        if name is None:
            return None
        found = Instructor.objects.filter(region=self.regions[COUNTY], name=name).first()
        if found:
            return found
        title, organisation, bio = INSTRUCTORS[name]
        return instructor_create(by=self.staff, name=name, title=title, organisation=organisation, bio=bio)

    def attend(self, training_class, *, absent_rate: float, late_rate: float, on_leave: dict, scanners: dict):
        """Every lesson: the deputies with an account scan the code, the zone staff mark the rest on the chart
        (a few late, a few missing), then the lesson is closed into the archive."""
        from .models import Enrollment
        from .services.attendance import (
            attendance_check_in,
            attendance_roll_call,
            checkin_token,
            lesson_close,
        )

        enrollments = list(Enrollment.objects.filter(training_class=training_class,
                                                     status=Enrollment.Status.ENROLLED).order_by("id"))
        for lesson in training_class.lessons.order_by("starts_at"):
            for enrollment in enrollments:
                if lesson.area_id and lesson.area_id != enrollment.area_id:
                    continue
                if lesson.pk in on_leave.get(enrollment.pk, ()):
                    continue
                roll = self.rng.random()
                if roll < absent_rate and enrollment.person_id not in scanners:
                    continue
                if enrollment.person_id in scanners:
                    at = lesson.starts_at - dt.timedelta(minutes=self.rng.randrange(3, 20))
                    attendance_check_in(lesson=lesson, token=checkin_token(lesson, at),
                                        by=scanners[enrollment.person_id], now=at)
                    continue
                late = roll > 1 - late_rate
                at = lesson.starts_at + (dt.timedelta(minutes=self.rng.randrange(8, 25)) if late
                                         else -dt.timedelta(minutes=self.rng.randrange(2, 25)))
                attendance_roll_call(lesson=lesson, enrollment=enrollment, by=self.staff, now=at)
            lesson_close(lesson=lesson, by=self.staff, now=lesson.ends_at + dt.timedelta(hours=1))

    def rate_and_reflect(self, training_class, raters, *, reflections=(), leave_one=False):
        from .services.feedback import lesson_rate, reflection_submit

        lessons = list(training_class.lessons.order_by("starts_at"))
        for user, enrollment in raters:
            for lesson in lessons:
                if lesson.area_id and lesson.area_id != enrollment.area_id:
                    continue
                if not lesson.attendances.filter(enrollment=enrollment).exists():
                    continue
                if leave_one and user.username == "deputy" and lesson == lessons[-1]:
                    continue  # one left for whoever signs in as the demo deputy to try
                if self.rng.random() < 0.2 and user.username != "deputy":
                    continue
                score = self.rng.choices((5, 4, 3, 2), (55, 32, 10, 3))[0]
                lesson_rate(lesson=lesson, score=score, comment=self.rng.choice(RATING_COMMENTS), by=user)
        for (user, _), (title, text) in zip(raters, reflections, strict=False):
            reflection_submit(training_class=training_class, title=title, text=text, by=user)


class _MainClass(_Builder):
    def build(self):
        from lvzhi.people.models import Level

        from .models import ClassForm, Enrollment, LeaveStep, TrainingClass
        from .services.certificates import certificates_issue
        from .services.classes import (
            class_create,
            class_delegation_update,
            class_finish,
            class_publish,
            lesson_create,
            task_complete,
            task_create,
        )
        from .services.enrolment import EnrolmentRules, enrollment_apply_rules, enrollment_withdraw

        staff, county = self.staff, self.regions[COUNTY]
        cls = class_create(
            by=staff, region=county, title=MAIN_TITLE, form=ClassForm.LECTURE,
            audience=TrainingClass.Audience.DEPUTIES, plan=self.plan(), organiser="清源县人大常委会",
            co_organisers="中共清源县委党校", start_date=MAIN_DAYS[0], end_date=MAIN_DAYS[-1],
            venue="中共清源县委党校", capacity=350,
            budget_note="列入县人大常委会2026年度代表培训经费，按会议费标准据实列支。",
            work_plan="一、培训对象：全县县、乡两级人大代表。二、时间地点：9月7日至9日，县委党校。"
                      "三、课程安排：理论授课与实操课程并重，安排半天分组座谈交流。四、组织管理：实行封闭式管理，"
                      "各代表团确定1名带队领导和1名工作人员全程参训，负责本团代表的日常管理。",
            requirements="无特殊情况一律不得请假；确需请假的，须书面申请，经所在乡镇（街道）人大同意后，"
                         "报县人大常委会批准。每次课程座位固定，分区域专人考勤。对无故迟到、早退的代表，"
                         "及时通报所在乡镇（街道）人大，并作为评先评优、推荐连任的重要依据。",
            leave_chain=[LeaveStep.HOME_OFFICE, LeaveStep.ORGANISER], certificate_min_rate=100,
        )
        self.quizzes(cls)
        for title, owner, (month, day) in TASKS:
            task = task_create(by=staff, training_class=cls, title=title, owner=owner,
                               due_date=dt.date(2026, month, day))
            task_complete(by=staff, task=task, done_on=dt.date(2026, month, day) - dt.timedelta(days=1))
        for day, start, end, topic, kind, teacher, host, room in MAIN_LESSONS:
            lesson_create(by=staff, training_class=cls, topic=topic, kind=kind, instructor=self.instructor(teacher),
                          host=host, starts_at=_aware(MAIN_DAYS[day], start), ends_at=_aware(MAIN_DAYS[day], end),
                          room=room)
        enrollment_apply_rules(by=staff, training_class=cls, rules=EnrolmentRules(
            region=county, levels=[Level.COUNTY, Level.TOWNSHIP]))
        demo_person = self.accounts["deputy"].person_id
        enrolled = list(Enrollment.objects.filter(training_class=cls).exclude(person_id=demo_person).order_by("id"))
        for enrollment in self.rng.sample(enrolled, max(0, len(enrolled) + 1 - MAIN_SIZE)):
            enrollment_withdraw(by=staff, enrollment=enrollment,
                                reason="同时为上级人大代表，参加上级人大常委会组织的培训，本期不再重复参训")
        for delegation in cls.delegations.all():
            town = delegation.name.removesuffix("代表团")
            lead, helper = DELEGATION_LEADS.get(town, ("", ""))
            town_user = self.accounts["town"] if delegation.home_region_id == self.accounts["town"].region_id else None
            class_delegation_update(by=staff, delegation=delegation, lead_name=lead, staff_name=helper or "",
                                    staff_user=town_user)
        class_publish(by=staff, training_class=cls)
        self.seat_and_group(cls)
        conveners = {e.person_id: e for e in Enrollment.objects.filter(training_class=cls, is_convener=True)
                     .select_related("person")}
        on_leave, leave_takers = self.leave(cls, exclude=set(conveners) | {demo_person})
        scanners = {demo_person: self.accounts["deputy"]}
        self.attend(cls, absent_rate=0.006, late_rate=0.02, on_leave=on_leave, scanners=scanners)
        self.discuss(cls)
        me = Enrollment.objects.get(training_class=cls, person_id=demo_person)
        raters = [(self.accounts["deputy"], me)]
        admin = self.accounts["admin"]
        raters += [(deputy_account(e.person, admin=admin), e)
                   for e in sorted(conveners.values(), key=lambda e: e.group.number)]
        raters += leave_takers
        self.rate_and_reflect(cls, raters, reflections=REFLECTIONS, leave_one=True)
        self.take_quizzes(cls, [user for user, _ in raters])
        certificates_issue(training_class=cls, by=staff)
        class_finish(by=staff, training_class=cls, today=MAIN_DAYS[-1])
        return cls

    def plan(self):
        from .models import TrainingPlan
        from .services.plans import plan_create, plan_publish

        county = self.regions[COUNTY]
        plan = TrainingPlan.objects.filter(region=county, kind=TrainingPlan.Kind.ANNUAL, year=2026).first()
        if plan is None:
            plan = plan_create(by=self.staff, region=county, kind=TrainingPlan.Kind.ANNUAL, year=2026,
                               title="清源县人大常委会2026年度代表培训计划",
                               goals="全年举办县级集中培训1期、乡镇分片培训1轮，县、乡两级代表参训率达到100%，"
                                     "新任代表全部完成履职基础培训。")
            plan_publish(by=self.staff, plan=plan)
        return plan

    def quizzes(self, cls):
        """The before and after tests, 20 questions from the whole bank, 20 minutes, pass mark 60, one try each."""
        from lvzhi.handbook.quiz import quiz_create

        from .services.classes import class_update

        before, after = (
            quiz_create(by=self.staff, title=f"{MAIN_TITLE}{suffix}", purpose=purpose, question_count=20,
                        time_limit_minutes=20, pass_mark=60, max_attempts=1,
                        opens_at=_aware(MAIN_DAYS[opens[0]], opens[1]), closes_at=_aware(MAIN_DAYS[closes[0]], closes[1]))
            for purpose, suffix, opens, closes, _ in QUIZZES)
        class_update(by=self.staff, training_class=cls, pre_quiz=before, post_quiz=after)
        self.tests = (before, after)

    def take_quizzes(self, cls, users):
        """The deputies with an account (those the demo opened, then more, up to QUIZ_TAKERS) take each test they
        were there for: the before test if present at the opening lesson, the after test if at the last one. Each
        taker answers a question right with a chance of their own around 0.6 before the class and 0.85 after."""
        from lvzhi.handbook.models import Question
        from lvzhi.handbook.quiz import attempt_start, attempt_submit

        from .models import Attendance, Enrollment

        rng = random.Random(QUIZ_SEED)
        takers = {user.person_id: user for user in users}
        others = list(Enrollment.objects.filter(training_class=cls, status=Enrollment.Status.ENROLLED)
                      .exclude(person_id__in=takers).select_related("person").order_by("id"))
        for enrollment in rng.sample(others, max(0, min(len(others), QUIZ_TAKERS - len(takers)))):
            takers[enrollment.person_id] = deputy_account(enrollment.person, admin=self.accounts["admin"])
        lessons = list(cls.lessons.order_by("starts_at"))
        present = [set(Attendance.objects.filter(lesson=lesson).values_list("enrollment__person_id", flat=True))
                   for lesson in (lessons[0], lessons[-1])]
        questions = Question.objects.in_bulk()
        skill = {pk: rng.gauss(0, 0.1) for pk in sorted(takers)}
        for (_, _, opens, _, chance), quiz, there in zip(QUIZZES, self.tests, present, strict=True):
            for person_id in sorted(takers):
                if person_id not in there:
                    continue
                user = takers[person_id]
                start = _aware(MAIN_DAYS[opens[0]], opens[1]) + dt.timedelta(minutes=rng.randrange(0, 12),
                                                                              seconds=rng.randrange(60))
                attempt = attempt_start(quiz=quiz, person=user.person, by=user, rng=rng, now=start)
                right = min(0.98, max(0.2, chance + skill[person_id]))
                answers = {str(pk): _answer(questions[pk], rng, right=rng.random() < right)
                           for pk in attempt.question_ids}
                attempt_submit(attempt=attempt, answers=answers, by=user,
                               now=start + dt.timedelta(minutes=rng.randrange(9, 19), seconds=rng.randrange(60)))

    def seat_and_group(self, cls):
        from .models import DiscussionGroup, Enrollment
        from .services.groups import group_set_convener, groups_split
        from .services.seating import seats_assign, zone_save

        for order, name in enumerate(("A区", "B区", "C区", "D区")):
            zone_save(training_class=cls, by=self.staff, name=name, rows=8, seats_per_row=12, order=order,
                      staff_user=self.staff if name == "A区" else None)
        seats_assign(training_class=cls, by=self.staff)
        groups_split(training_class=cls, by=self.staff, count=12, rooms=[f"党校{n}0{n % 3 + 1}教室"
                                                                          for n in range(1, 13)])
        for group in DiscussionGroup.objects.filter(training_class=cls).order_by("number"):
            members = list(Enrollment.objects.filter(group=group).select_related("mandate", "person")
                           .order_by("mandate__level", "id"))
            convener = next((m for m in members if m.person_id != self.accounts["deputy"].person_id), members[0])
            group_set_convener(group=group, enrollment=convener, by=self.staff)

    def leave(self, cls, *, exclude):
        """Deputies of 城关镇 ask for leave a few days ahead; the township's office and then the organiser decide."""
        from .models import Enrollment
        from .services.leave import leave_apply, leave_decide

        lessons = list(cls.lessons.order_by("starts_at"))
        town = self.accounts["town"]
        candidates = [e for e in Enrollment.objects.filter(
            training_class=cls, status=Enrollment.Status.ENROLLED, delegation__home_region_id=town.region_id)
            .select_related("person").order_by("id") if e.person_id not in exclude]
        on_leave, takers = {}, []
        for index, enrollment in enumerate(self.rng.sample(candidates, min(7, len(candidates)))):
            user = deputy_account(enrollment.person, admin=self.accounts["admin"])
            first = self.rng.randrange(len(lessons) - 1)
            chosen = lessons[first:first + self.rng.choice((1, 1, 2))]
            asked = chosen[0].starts_at - dt.timedelta(days=2, hours=self.rng.randrange(1, 30))
            request = leave_apply(enrollment=enrollment, lessons=chosen, reason=LEAVE_REASONS[index], by=user,
                                  now=asked)
            leave_decide(request=request, by=town, approve=True, comment="情况属实，同意。",
                         now=asked + dt.timedelta(hours=3))
            refuse = index == 6
            leave_decide(request=request, by=self.staff, approve=not refuse,
                         comment="培训要求无特殊情况不得请假，请按时参训。" if refuse else "同意。",
                         now=asked + dt.timedelta(hours=20))
            if not refuse:
                on_leave[enrollment.pk] = {lesson.pk for lesson in chosen}
            takers.append((user, enrollment))
        return on_leave, takers

    def discuss(self, cls):
        from .models import DiscussionGroup
        from .services.discussion import discussion_item_create, discussion_reply

        groups = list(DiscussionGroup.objects.filter(training_class=cls).order_by("number"))
        for index, (category, aspect, text, reply) in enumerate(DISCUSSION):
            group = groups[index % len(groups)]
            convener = group.members.filter(is_convener=True).select_related("person").first()
            recorder = deputy_account(convener.person, admin=self.accounts["admin"]) if convener else self.staff
            item = discussion_item_create(group=group, category=category, aspect=aspect, text=text, by=recorder,
                                          author=convener)
            if reply:
                discussion_reply(item=item, reply=reply, by=self.staff)


def _answer(question, rng: random.Random, *, right: bool) -> list[int]:
    """The right options, or a plausible wrong choice: another option, or a multiple choice one option off."""
    answer = sorted(question.answer)
    if right:
        return answer
    wrong = [i for i in range(len(question.options)) if i not in answer]
    if question.kind != "multiple":
        return [rng.choice(wrong)] if wrong else answer
    if len(answer) > 1 and (not wrong or rng.random() < 0.6):
        return sorted(set(answer) - {rng.choice(answer)})  # one right option missed
    return sorted([*answer, rng.choice(wrong)])  # one wrong option added


class _AreasClass(_Builder):
    def build(self):
        from lvzhi.people.models import Level

        from .models import ClassForm, Enrollment, TrainingClass
        from .services.certificates import certificates_issue
        from .services.classes import area_create, class_create, class_finish, class_publish, lesson_create
        from .services.enrolment import EnrolmentRules, enrollment_apply_rules

        staff, county = self.staff, self.regions[COUNTY]
        self.rng = random.Random(SEED + 1)
        days = [a[4] for a in AREAS]
        plan = _MainClass(self.accounts, self.regions).plan()
        cls = class_create(
            by=staff, region=county, title=AREAS_TITLE, form=ClassForm.AREAS,
            audience=TrainingClass.Audience.DEPUTIES, plan=plan, organiser="清源县人大常委会",
            co_organisers="各乡镇人民代表大会主席团、各街道人大工作委员会", start_date=min(days), end_date=max(days),
            venue="东、西、北、中四个片区，各片区承办乡镇", capacity=300,
            work_plan="全县划分为东、西、北、中四个片区，每个片区由一个乡镇承办，片区内各乡镇（街道）代表就近参训。",
            requirements="各乡镇（街道）人大负责本辖区代表的组织和考勤。", certificate_min_rate=100,
        )
        for name, venue_town, venue, towns, _ in AREAS:
            area_create(by=staff, training_class=cls, name=name,
                        venue_region=self.regions[f"439901{venue_town}000"], venue=venue,
                        regions=[self.regions[f"439901{t}000"] for t in towns])
        for area, (name, _, venue, _, day) in zip(cls.areas.order_by("order"), AREAS, strict=True):
            for start, end, topic, kind, teacher in AREA_LESSONS:
                lesson_create(by=staff, training_class=cls, area=area, topic=f"{topic}（{name}）", kind=kind,
                              instructor=self.instructor(teacher), starts_at=_aware(day, start),
                              ends_at=_aware(day, end), room=venue)
        enrollment_apply_rules(by=staff, training_class=cls, rules=EnrolmentRules(region=county,
                                                                                  levels=[Level.TOWNSHIP]))
        class_publish(by=staff, training_class=cls)
        self.seat_by_area(cls)
        scanners = {self.accounts["deputy"].person_id: self.accounts["deputy"]}
        self.attend(cls, absent_rate=0.03, late_rate=0.03, on_leave={}, scanners=scanners)
        me = Enrollment.objects.filter(training_class=cls, person_id=self.accounts["deputy"].person_id).first()
        if me is not None:
            self.rate_and_reflect(cls, [(self.accounts["deputy"], me)])
        certificates_issue(training_class=cls, by=staff)
        class_finish(by=staff, training_class=cls, today=max(days))
        return cls

    def seat_by_area(self, cls):
        """Each area's venue is a zone of its own, seats in rows of ten, township by township."""
        from .models import Enrollment
        from .services.seating import seat_move, zone_save

        for order, area in enumerate(cls.areas.order_by("order")):
            members = list(Enrollment.objects.filter(training_class=cls, area=area, status=Enrollment.Status.ENROLLED)
                           .order_by("delegation__order", "id"))
            if not members:
                continue
            zone = zone_save(training_class=cls, by=self.staff, name=f"{area.name}会场", order=order,
                             rows=(len(members) + 9) // 10, seats_per_row=10)
            for index, enrollment in enumerate(members):
                seat_move(enrollment=enrollment, zone=zone, row=index // 10 + 1, number=index % 10 + 1, by=self.staff)


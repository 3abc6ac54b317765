"""履职培训: plans and needs surveys, classes and their timetables, who is in a class (seats, groups), attendance,
leave, discipline notices, discussion, feedback and certificates.

State changes go through ``training.services``; each model is scoped by the organiser's region (``region``) or,
for what belongs to one person, by that person too (a deputy sees their own enrolment, leave and attendance).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from lvzhi.core.scoping import ScopeRule


def _secret() -> str:
    return secrets.token_urlsafe(24)


# ----------------------------------------------------------------------------------------------- plans, surveys


class TrainingPlan(models.Model):
    """一届一规划、一年一计划."""

    class Kind(models.TextChoices):
        TERM = "term", "届期培训规划"
        ANNUAL = "annual", "年度培训计划"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已印发"

    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    title = models.CharField("名称", max_length=100)
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="制定机关所在区划")
    term = models.ForeignKey("people.Term", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name="届")
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    parent = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="annual_plans",
                               verbose_name="所属届期规划")
    goals = models.TextField("目标与重点", blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(region="region_id")

    class Meta:
        verbose_name = verbose_name_plural = "培训规划与计划"
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.title


class NeedsSurvey(models.Model):
    """培训需求调研: questions the office writes, answered by deputies on their phones."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        OPEN = "open", "收集中"
        CLOSED = "closed", "已结束"

    title = models.CharField("名称", max_length=100)
    intro = models.TextField("说明", blank=True)
    plan = models.ForeignKey(TrainingPlan, models.SET_NULL, null=True, blank=True, related_name="surveys",
                             verbose_name="用于规划")
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="发起机关所在区划")
    levels = models.JSONField("面向层级", default=list, blank=True, help_text="代表层级列表；为空表示全部")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.DRAFT)
    closes_on = models.DateField("截止日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(region="region_id")

    class Meta:
        verbose_name = verbose_name_plural = "培训需求调研"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "单选"
        MULTIPLE = "multiple", "多选"
        TEXT = "text", "填写"

    survey = models.ForeignKey(NeedsSurvey, models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField("顺序", default=0)
    kind = models.CharField("题型", max_length=8, choices=Kind.choices)
    text = models.CharField("问题", max_length=200)
    options = models.JSONField("选项", default=list, blank=True)
    required = models.BooleanField("必答", default=True)

    class Meta:
        ordering = ["survey", "order", "id"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One deputy's answers: {question id: [option indexes] or "text"}."""

    survey = models.ForeignKey(NeedsSurvey, models.CASCADE, related_name="responses")
    person = models.ForeignKey("people.Person", models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(auto_now=True)
    region_code = models.CharField(max_length=12, editable=False)

    scope = ScopeRule(region="survey__region_id", person="person_id")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "person"], name="one_response_per_person")]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.person_id}"


# ----------------------------------------------------------------------------------------------- classes


class ClassForm(models.TextChoices):
    LECTURE = "lecture", "集中授课"
    AREAS = "areas", "分片培训"
    TOPIC = "topic", "专题辅导"
    AT_MEETING = "at_meeting", "以会代训"
    REMOTE = "remote", "远程视频"
    FIELD_VISIT = "field_visit", "外出考察/观摩"


class LeaveStep(models.TextChoices):
    HOME_OFFICE = "home_office", "代表所属人大常委会"
    DELEGATION = "delegation", "代表团带队领导"
    ORGANISER = "organiser", "主办单位"


class TrainingClass(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "筹备中"
        PUBLISHED = "published", "已发通知"
        FINISHED = "finished", "已结业"
        CANCELLED = "cancelled", "已取消"

    class Audience(models.TextChoices):
        DEPUTIES = "deputies", "代表"
        STAFF = "staff", "人大工作人员"
        MEMBERS = "members", "常委会组成人员"
        MIXED = "mixed", "代表及工作人员"

    title = models.CharField("名称", max_length=120)
    form = models.CharField("形式", max_length=12, choices=ClassForm.choices, default=ClassForm.LECTURE)
    audience = models.CharField("对象", max_length=10, choices=Audience.choices, default=Audience.DEPUTIES)
    plan = models.ForeignKey(TrainingPlan, models.SET_NULL, null=True, blank=True, related_name="classes",
                             verbose_name="所属计划")
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="主办机关所在区划")
    organiser = models.CharField("主办单位", max_length=100)
    co_organisers = models.CharField("承办/协办单位", max_length=200, blank=True)
    start_date = models.DateField("开班日期")
    end_date = models.DateField("结业日期")
    venue = models.CharField("地点", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("计划人数", null=True, blank=True)
    budget_note = models.TextField("经费说明", blank=True)
    work_plan = models.TextField("工作方案", blank=True)
    requirements = models.TextField("学习纪律与要求", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    late_grace_minutes = models.PositiveSmallIntegerField("迟到宽限（分钟）", default=5)
    early_grace_minutes = models.PositiveSmallIntegerField("早退宽限（分钟）", default=5)
    checkin_opens_minutes = models.PositiveSmallIntegerField("提前签到（分钟）", default=30)
    code_period_seconds = models.PositiveSmallIntegerField("签到码刷新（秒）", default=30)
    leave_chain = models.JSONField("请假审批顺序", default=list,
                                   help_text="LeaveStep 代码列表，例如 [\"home_office\", \"organiser\"]")
    certificate_min_rate = models.PositiveSmallIntegerField("结业出勤率（%）", default=100,
                                                            help_text="出勤课时（含准假）占总课时的最低比例")
    pre_quiz = models.ForeignKey("handbook.Quiz", models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name="培训前测试")
    post_quiz = models.ForeignKey("handbook.Quiz", models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name="培训后测试")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(region="region_id", person="enrollments__person_id")

    class Meta:
        verbose_name = verbose_name_plural = "培训班"
        ordering = ["-start_date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                              name="class_ends_after_start")]

    def __str__(self) -> str:
        return self.title


class ClassArea(models.Model):
    """分片培训: one part of the area (东片、西片…) with its venue township and its own enrolment."""

    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="areas")
    name = models.CharField("片区", max_length=20)
    venue_region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="承办乡镇")
    venue = models.CharField("地点", max_length=200, blank=True)
    regions = models.ManyToManyField("core.Region", related_name="+", blank=True, verbose_name="包含乡镇")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["training_class", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["training_class", "name"], name="area_name_unique")]

    def __str__(self) -> str:
        return self.name


class ClassTask(models.Model):
    """One line of the 任务分解表."""

    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="tasks")
    title = models.CharField("任务", max_length=200)
    owner = models.CharField("责任人/部门", max_length=60)
    due_date = models.DateField("完成时限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["training_class", "due_date", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Instructor(models.Model):
    """A teacher, reusable across classes."""

    name = models.CharField("姓名", max_length=40)
    title = models.CharField("职务/职称", max_length=100, blank=True)
    organisation = models.CharField("单位", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    bio = models.TextField("简介", blank=True)
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="录入机关所在区划")

    scope = ScopeRule(region="region_id")

    class Meta:
        verbose_name = verbose_name_plural = "授课人"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Lesson(models.Model):
    class Kind(models.TextChoices):
        THEORY = "theory", "理论"
        PRACTICE = "practice", "实操"
        SEMINAR = "seminar", "座谈交流"
        OBSERVATION = "observation", "观摩"
        EXPERIENCE = "experience", "经验交流"

    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="lessons")
    area = models.ForeignKey(ClassArea, models.CASCADE, null=True, blank=True, related_name="lessons",
                             verbose_name="片区", help_text="分片培训中只属于一个片区的课程")
    topic = models.CharField("课程", max_length=200)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.THEORY)
    instructor = models.ForeignKey(Instructor, models.SET_NULL, null=True, blank=True, related_name="lessons",
                                   verbose_name="授课人")
    host = models.CharField("主持人", max_length=60, blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    room = models.CharField("地点/教室", max_length=100, blank=True)
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1, default=0)
    attendance_required = models.BooleanField("考勤", default=True)
    checkin_secret = models.CharField(max_length=64, default=_secret, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "课程"
        ordering = ["training_class", "starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="lesson_ends_after_start")]

    def __str__(self) -> str:
        return self.topic


class LessonMaterial(models.Model):
    lesson = models.ForeignKey(Lesson, models.CASCADE, related_name="materials")
    title = models.CharField("名称", max_length=200)
    file = models.FileField("文件", upload_to="training/materials/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lesson", "id"]

    def __str__(self) -> str:
        return self.title


# ----------------------------------------------------------------------------------------------- people in a class


class ClassDelegation(models.Model):
    """A delegation (代表团) in a class, with its lead (带队领导) and staff member, who manage their own people.

    ``home_region`` is the deputies' own congress office: it approves their leave first and receives the
    discipline notice."""

    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="delegations")
    name = models.CharField("代表团", max_length=60)
    delegation = models.ForeignKey("people.Delegation", models.SET_NULL, null=True, blank=True, related_name="+")
    home_region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="所属人大")
    lead_name = models.CharField("带队领导", max_length=40, blank=True)
    lead_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name="带队领导账号")
    staff_name = models.CharField("工作人员", max_length=40, blank=True)
    staff_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="工作人员账号")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["training_class", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["training_class", "name"], name="class_delegation_unique")]

    def __str__(self) -> str:
        return self.name


class SeatZone(models.Model):
    """A block of the hall (A区…), rows × seats, with the staff member who takes its roll."""

    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="zones")
    name = models.CharField("区域", max_length=20)
    rows = models.PositiveSmallIntegerField("排数")
    seats_per_row = models.PositiveSmallIntegerField("每排座位")
    staff_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="考勤人员")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["training_class", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["training_class", "name"], name="zone_name_unique")]

    def __str__(self) -> str:
        return self.name


class DiscussionGroup(models.Model):
    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="groups")
    number = models.PositiveSmallIntegerField("组号")
    room = models.CharField("讨论地点", max_length=100, blank=True)

    class Meta:
        ordering = ["training_class", "number"]
        constraints = [models.UniqueConstraint(fields=["training_class", "number"], name="group_number_unique")]

    def __str__(self) -> str:
        return f"第{self.number}组"


class Enrollment(models.Model):
    class Kind(models.TextChoices):
        DEPUTY = "deputy", "代表"
        STAFF = "staff", "工作人员"
        MEMBER = "member", "常委会组成人员"

    class Source(models.TextChoices):
        RULE = "rule", "按条件"
        MANUAL = "manual", "手工"

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "参训"
        WITHDRAWN = "withdrawn", "已撤销"

    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="enrollments")
    person = models.ForeignKey("people.Person", models.CASCADE, related_name="enrollments")
    mandate = models.ForeignKey("people.Mandate", models.SET_NULL, null=True, blank=True, related_name="+",
                                help_text="以哪一层级代表身份参训（手册封面取其代表证信息）")
    kind = models.CharField("身份", max_length=8, choices=Kind.choices, default=Kind.DEPUTY)
    source = models.CharField("来源", max_length=8, choices=Source.choices, default=Source.MANUAL)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ENROLLED)
    delegation = models.ForeignKey(ClassDelegation, models.SET_NULL, null=True, blank=True,
                                   related_name="enrollments", verbose_name="代表团")
    area = models.ForeignKey(ClassArea, models.SET_NULL, null=True, blank=True, related_name="enrollments",
                             verbose_name="片区")
    zone = models.ForeignKey(SeatZone, models.SET_NULL, null=True, blank=True, related_name="enrollments",
                             verbose_name="座位区域")
    seat_row = models.PositiveSmallIntegerField("排", null=True, blank=True)
    seat_number = models.PositiveSmallIntegerField("号", null=True, blank=True)
    group = models.ForeignKey(DiscussionGroup, models.SET_NULL, null=True, blank=True, related_name="members",
                              verbose_name="讨论组")
    is_convener = models.BooleanField("召集人", default=False)
    notified_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    region_code = models.CharField(max_length=12, editable=False, help_text="冗余自人员，用于按区划筛选")

    scope = ScopeRule(region="region_code", person="person_id")

    class Meta:
        verbose_name = verbose_name_plural = "参训人员"
        ordering = ["training_class", "delegation__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["training_class", "person"], name="one_enrollment_per_person"),
            models.UniqueConstraint(fields=["zone", "seat_row", "seat_number"], name="one_person_per_seat",
                                    condition=Q(zone__isnull=False)),
        ]
        indexes = [models.Index(fields=["training_class", "status"], name="enrollment_class_status")]

    def __str__(self) -> str:
        return f"{self.training_class_id}/{self.person_id}"


# ----------------------------------------------------------------------------------------------- attendance, leave


class Attendance(models.Model):
    """One person's presence at one lesson: at most one row per (enrolment, lesson), however often sent."""

    class Method(models.TextChoices):
        SCAN = "scan", "扫码签到"
        ROLL_CALL = "roll_call", "座次点名"
        MANUAL = "manual", "补录"

    enrollment = models.ForeignKey(Enrollment, models.CASCADE, related_name="attendances")
    lesson = models.ForeignKey(Lesson, models.CASCADE, related_name="attendances")
    checked_in_at = models.DateTimeField("签到时间")
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    method = models.CharField("方式", max_length=10, choices=Method.choices)
    late_minutes = models.PositiveSmallIntegerField("迟到（分钟）", default=0)
    early_minutes = models.PositiveSmallIntegerField("早退（分钟）", default=0)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name="点名人")
    note = models.CharField("备注", max_length=200, blank=True)
    region_code = models.CharField(max_length=12, editable=False)

    scope = ScopeRule(region="region_code", person="enrollment__person_id")

    class Meta:
        verbose_name = verbose_name_plural = "考勤"
        ordering = ["lesson", "checked_in_at"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "lesson"], name="one_attendance_per_lesson")]

    def __str__(self) -> str:
        return f"{self.lesson_id}/{self.enrollment_id}"


class LeaveRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "审批中"
        APPROVED = "approved", "已准假"
        REJECTED = "rejected", "未准假"
        WITHDRAWN = "withdrawn", "已撤回"

    enrollment = models.ForeignKey(Enrollment, models.CASCADE, related_name="leave_requests")
    lessons = models.ManyToManyField(Lesson, related_name="leave_requests", verbose_name="请假课程")
    reason = models.TextField("事由")
    attachment = models.FileField("附件", upload_to="training/leave/%Y/%m/", blank=True)
    chain = models.JSONField("审批顺序", default=list, help_text="提交时从培训班复制")
    step = models.PositiveSmallIntegerField("当前审批步骤", default=0)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    region_code = models.CharField(max_length=12, editable=False)

    scope = ScopeRule(region="region_code", person="enrollment__person_id")

    class Meta:
        verbose_name = verbose_name_plural = "请假"
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.get_status_display()}"


class LeaveDecision(models.Model):
    """One approver's decision at one step of a leave request's chain."""

    request = models.ForeignKey(LeaveRequest, models.CASCADE, related_name="decisions")
    step = models.PositiveSmallIntegerField()
    step_kind = models.CharField(max_length=12, choices=LeaveStep.choices)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    approved = models.BooleanField()
    comment = models.CharField("意见", max_length=200, blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["request", "step"]
        constraints = [models.UniqueConstraint(fields=["request", "step"], name="one_decision_per_step")]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.step}"


class DisciplineNotice(models.Model):
    """通报: a delegation's unexcused absences, lateness and early leaving, sent to its home office.

    ``content`` keeps the rows as sent, so a later correction does not rewrite what was notified."""

    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="notices")
    delegation = models.ForeignKey(ClassDelegation, models.CASCADE, related_name="notices")
    content = models.JSONField(default=dict)
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    scope = ScopeRule(region="training_class__region_id")

    class Meta:
        verbose_name = verbose_name_plural = "考勤通报"
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.delegation} {self.issued_at:%Y-%m-%d}"


# ----------------------------------------------------------------------------------------------- discussion, feedback


class DiscussionItem(models.Model):
    """A suggestion raised in group discussion, classified, answered by the office."""

    class Category(models.TextChoices):
        TRAINING = "training", "培训工作"
        DUTY = "duty", "代表履职"
        OFFICE = "office", "人大工作"
        DEVELOPMENT = "development", "经济社会发展"

    training_class = models.ForeignKey(TrainingClass, models.CASCADE, related_name="discussion_items")
    group = models.ForeignKey(DiscussionGroup, models.SET_NULL, null=True, blank=True, related_name="items")
    author = models.ForeignKey(Enrollment, models.SET_NULL, null=True, blank=True, related_name="discussion_items",
                               verbose_name="提出人")
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    aspect = models.CharField("方面", max_length=30, blank=True)
    text = models.TextField("内容")
    reply = models.TextField("答复", blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(region="training_class__region_id", person="author__person_id")

    class Meta:
        verbose_name = verbose_name_plural = "讨论意见建议"
        ordering = ["training_class", "category", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class LessonRating(models.Model):
    lesson = models.ForeignKey(Lesson, models.CASCADE, related_name="ratings")
    enrollment = models.ForeignKey(Enrollment, models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField("评分", help_text="1–5")
    comment = models.CharField("意见", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson", "enrollment"], name="one_rating_per_lesson"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id}: {self.score}"


class Reflection(models.Model):
    """心得体会."""

    enrollment = models.ForeignKey(Enrollment, models.CASCADE, related_name="reflections")
    title = models.CharField("标题", max_length=100)
    text = models.TextField("内容")
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(region="enrollment__region_code", person="enrollment__person_id")

    class Meta:
        verbose_name = verbose_name_plural = "心得体会"
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return self.title


class Certificate(models.Model):
    """结业证书, verifiable on a public page by its code."""

    enrollment = models.OneToOneField(Enrollment, models.CASCADE, related_name="certificate")
    number = models.CharField("证书编号", max_length=30, unique=True)
    code = models.CharField("验证码", max_length=64, unique=True, default=_secret, editable=False)
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=200, blank=True)

    scope = ScopeRule(region="enrollment__region_code", person="enrollment__person_id")

    class Meta:
        verbose_name = verbose_name_plural = "结业证书"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number

"""The 履职常识问答 handbook, the question bank and quizzes.

Training uses them before and after a class; the pre-appointment legal exam (任前法律知识考试) will use the same
quiz engine. The handbook is shared reference data (every signed-in user reads it); the office edits it, and
every edit keeps the previous text as a version.
"""

from django.conf import settings
from django.db import models

from lvzhi.core.scoping import ScopeRule


class Part(models.TextChoices):
    SHOULD = "should", "应该做什么"
    MAY = "may", "可以做什么"
    MUST_NOT = "must_not", "不能做什么"
    GUARANTEE = "guarantee", "履职保障"


class Law(models.TextChoices):
    """The laws an answer may cite, by the short name used in citations (current texts in shared/law)."""

    DEPUTIES = "代表法", "全国人民代表大会和地方各级人民代表大会代表法"
    ORGANIC = "地方组织法", "地方各级人民代表大会和地方各级人民政府组织法"
    ELECTION = "选举法", "全国人民代表大会和地方各级人民代表大会选举法"
    SUPERVISION = "监督法", "各级人民代表大会常务委员会监督法"
    CONSTITUTION = "宪法", "中华人民共和国宪法"


class HandbookEntry(models.Model):
    """One question and answer; ``citations`` is a list of {"law": "代表法", "article": 33}."""

    part = models.CharField("部分", max_length=12, choices=Part.choices)
    number = models.PositiveSmallIntegerField("序号", help_text="全书统一编号，从1开始")
    question = models.CharField("问题", max_length=200)
    answer = models.TextField("回答")
    citations = models.JSONField("法律依据", default=list)
    version = models.PositiveIntegerField("版本", default=1)
    is_active = models.BooleanField("在用", default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    scope = ScopeRule(public=True)

    class Meta:
        verbose_name = verbose_name_plural = "履职常识问答"
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["number"], name="handbook_entry_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.question}"


class HandbookEntryVersion(models.Model):
    """The text of an entry as it was before an edit (or at import)."""

    entry = models.ForeignKey(HandbookEntry, models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本")
    part = models.CharField("部分", max_length=12, choices=Part.choices)
    question = models.CharField("问题", max_length=200)
    answer = models.TextField("回答")
    citations = models.JSONField("法律依据", default=list)
    note = models.CharField("修改说明", max_length=200, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    edited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "问答历史版本"
        ordering = ["entry", "-version"]
        constraints = [models.UniqueConstraint(fields=["entry", "version"], name="handbook_version_unique")]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.version}"


class Question(models.Model):
    """A question of the bank; ``answer`` lists the indexes (from 0) of the correct options.

    True/false questions have the options ["正确", "错误"]."""

    class Kind(models.TextChoices):
        SINGLE = "single", "单选题"
        MULTIPLE = "multiple", "多选题"
        TRUE_FALSE = "true_false", "判断题"

    kind = models.CharField("题型", max_length=12, choices=Kind.choices)
    text = models.CharField("题目", max_length=400)
    options = models.JSONField("选项", default=list)
    answer = models.JSONField("答案", default=list)
    entry = models.ForeignKey(HandbookEntry, models.SET_NULL, null=True, blank=True, related_name="questions",
                              verbose_name="对应问答")
    part = models.CharField("部分", max_length=12, choices=Part.choices)
    is_active = models.BooleanField("在用", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(public=True)

    class Meta:
        verbose_name = verbose_name_plural = "试题"
        ordering = ["id"]
        indexes = [models.Index(fields=["part", "is_active"], name="question_part_active")]

    def __str__(self) -> str:
        return self.text[:40]


class Quiz(models.Model):
    """A test drawn at random from the bank: how many questions of which parts, a time limit and a pass mark."""

    class Purpose(models.TextChoices):
        PRACTICE = "practice", "自测练习"
        BEFORE = "before", "培训前测试"
        AFTER = "after", "培训后测试"
        LEGAL_EXAM = "legal_exam", "任前法律知识考试"

    title = models.CharField("名称", max_length=100)
    purpose = models.CharField("用途", max_length=12, choices=Purpose.choices, default=Purpose.PRACTICE)
    parts = models.JSONField("抽题范围", default=list, blank=True, help_text="部分代码列表；为空表示全部")
    question_count = models.PositiveSmallIntegerField("题量", default=20)
    time_limit_minutes = models.PositiveSmallIntegerField("限时（分钟）", default=20)
    pass_mark = models.PositiveSmallIntegerField("及格分", default=60, help_text="百分制")
    opens_at = models.DateTimeField("开放时间", null=True, blank=True)
    closes_at = models.DateTimeField("截止时间", null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField("可答次数", default=0, help_text="0 表示不限")
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="组织方所在区划")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeRule(region="region_id")

    class Meta:
        verbose_name = verbose_name_plural = "测试"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class QuizAttempt(models.Model):
    """One person's sitting of a quiz: the questions drawn for them, their answers, the grade."""

    quiz = models.ForeignKey(Quiz, models.CASCADE, related_name="attempts")
    person = models.ForeignKey("people.Person", models.CASCADE, related_name="quiz_attempts")
    question_ids = models.JSONField("抽到的试题", default=list)
    answers = models.JSONField("作答", default=dict, blank=True, help_text="题目ID → 选项序号列表")
    started_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField("交卷期限")
    submitted_at = models.DateTimeField(null=True, blank=True)
    correct = models.PositiveSmallIntegerField(default=0)
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(null=True)
    late = models.BooleanField("超时交卷", default=False,
                               help_text="期限过后才交卷或未交卷：只按期限前保存的作答评分")
    results = models.JSONField("评卷明细", default=list, blank=True,
                               help_text="交卷时的试题、正确答案和作答快照；之后修改题库不改变已评的成绩")
    region_code = models.CharField(max_length=12, editable=False)

    scope = ScopeRule(region="region_code", person="person_id")

    class Meta:
        verbose_name = verbose_name_plural = "答卷"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["quiz", "person"], name="attempt_quiz_person")]
        constraints = [
            # A double click on 开始答题 resumes the open attempt rather than starting a second one.
            models.UniqueConstraint(fields=["quiz", "person"], condition=models.Q(submitted_at__isnull=True),
                                    name="attempt_one_open_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.quiz_id}/{self.person_id}"


def print_job_path(job: "PrintJob", filename: str) -> str:
    return f"handbook/print/{job.created_at:%Y%m}/{job.pk}-{filename}"


class PrintJob(models.Model):
    """A batch of personal handbook PDFs (one per person, zipped), made in the background with progress."""

    class Status(models.TextChoices):
        PENDING = "pending", "等待生成"
        RUNNING = "running", "正在生成"
        DONE = "done", "已完成"
        FAILED = "failed", "生成失败"

    label = models.CharField("名称", max_length=120)
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="发起机关所在区划")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name="发起人")
    recipients = models.JSONField("对象", default=list, help_text="[人员ID, 代表资格ID或null] 列表")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    file = models.FileField("压缩包", upload_to=print_job_path, blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope = ScopeRule(region="region_id")

    class Meta:
        verbose_name = verbose_name_plural = "手册批量生成"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

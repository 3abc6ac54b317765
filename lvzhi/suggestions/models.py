"""代表建议、批评和意见 (and 议案): from a deputy's draft to a problem actually solved.

The state of a suggestion changes only through ``suggestions/workflow.py`` (the one state machine); the domain
services (deputy, office, unit) check who may act and call it. Replies are kept apart from their commitments and
the evidence that each commitment was delivered, so that "replied" is never counted as "done".
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from lvzhi.core.scoping import ScopeRule


class Category(models.Model):
    """建议分类 (农林水牧、交通运输、教科文卫、财税…), configurable per office; the committee that supervises it."""

    name = models.CharField("分类", max_length=30)
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="所属人大所在区划")
    committee = models.CharField("督办委员会", max_length=60, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("在用", default=True)

    scope = ScopeRule(public=True)

    class Meta:
        verbose_name = verbose_name_plural = "建议分类"
        ordering = ["region", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="category_name_unique")]

    def __str__(self) -> str:
        return self.name


class HandlingRules(models.Model):
    """The deadlines of one congress's rules for handling suggestions (presets from real regulations)."""

    region = models.OneToOneField("core.Region", models.CASCADE, related_name="+", verbose_name="人大所在区划")
    preset = models.CharField("依据", max_length=60, blank=True, help_text="如：代表法、浙江省规定、重庆市条例")
    reply_months = models.PositiveSmallIntegerField("答复期限（月）", default=3)
    max_extension_months = models.PositiveSmallIntegerField("延期后最长（月）", default=6)
    return_working_days = models.PositiveSmallIntegerField("申请退回期限（工作日）", default=7)
    co_opinion_working_days = models.PositiveSmallIntegerField("协办意见期限（工作日）", default=30)
    first_contact_working_days = models.PositiveSmallIntegerField("首次联系代表期限（工作日）", default=20)
    rating_working_days = models.PositiveSmallIntegerField("代表测评期限（工作日）", default=20)
    second_round_months = models.PositiveSmallIntegerField("重新办理期限（月）", default=2)
    remind_before_days = models.PositiveSmallIntegerField("到期前提醒（天）", default=15)
    review_after_months = models.PositiveSmallIntegerField("回头看（办结后月数）", default=12)

    class Meta:
        verbose_name = verbose_name_plural = "办理时限规则"

    def __str__(self) -> str:
        return f"{self.region_id} {self.preset}"


class Suggestion(models.Model):
    class Kind(models.TextChoices):
        SUGGESTION = "suggestion", "建议"
        MOTION = "motion", "议案"

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "退回修改"
        OPINION = "opinion", "不予立案，转为意见"
        WITHDRAWN = "withdrawn", "已撤回"
        MERGED = "merged", "已并案"
        PRESIDIUM = "presidium", "主席团审议"
        ACCEPTED = "accepted", "已立案"
        ASSIGNED = "assigned", "已交办"
        HANDLING = "handling", "办理中"
        REPLIED = "replied", "已答复"
        RATED = "rated", "已测评"
        CLOSED = "closed", "办结"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.SUGGESTION)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.DRAFT)
    title = models.CharField("标题（案由）", max_length=120)
    background = models.TextField("情况和问题", blank=True)
    request = models.TextField("具体建议", blank=True)
    term = models.ForeignKey("people.Term", models.PROTECT, related_name="+", verbose_name="届")
    sitting = models.ForeignKey("people.Sitting", models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name="会议", help_text="大会期间提出的；为空表示闭会期间")
    lead = models.ForeignKey("people.Person", models.PROTECT, related_name="led_suggestions",
                             verbose_name="领衔代表")
    region_code = models.CharField(max_length=12, editable=False, help_text="所属人大的区划代码，用于范围")
    number = models.PositiveIntegerField("序号", null=True, blank=True)
    number_label = models.CharField("建议编号", max_length=40, blank=True)
    category = models.ForeignKey(Category, models.SET_NULL, null=True, blank=True, related_name="suggestions",
                                 verbose_name="分类")
    is_key = models.BooleanField("重点建议", default=False)
    key_leader = models.CharField("领衔督办领导", max_length=60, blank=True)
    merged_into = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="merged",
                                    verbose_name="并入")
    round = models.PositiveSmallIntegerField("办理轮次", default=1)
    review_comment = models.TextField("审查意见", blank=True)
    deadline = models.DateField("办结时限", null=True, blank=True)
    deadline_note = models.CharField("时限计算", max_length=200, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    is_public = models.BooleanField("公开", default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    origin = models.CharField("来源", max_length=20, blank=True, help_text="training / liaison，空表示代表直接提出")
    origin_id = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(region="region_code", person="signatures__person_id", unit="assignments__unit_id")

    class Meta:
        verbose_name = verbose_name_plural = "代表建议"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["term", "sitting", "kind", "number"], name="suggestion_number_unique",
                                    condition=Q(number__isnull=False) & Q(sitting__isnull=False)),
            models.UniqueConstraint(fields=["term", "kind", "number"], name="recess_suggestion_number_unique",
                                    condition=Q(number__isnull=False) & Q(sitting__isnull=True)),
        ]
        indexes = [
            models.Index(fields=["region_code", "state", "sitting"], name="suggestion_scope_state"),
            models.Index(fields=["deadline", "state"], name="suggestion_deadline_state"),
        ]

    def __str__(self) -> str:
        return self.number_label or self.title


class Signature(models.Model):
    """The lead deputy (领衔) and co-signers (附议): a co-signer is invited and confirms from their own account."""

    class Role(models.TextChoices):
        LEAD = "lead", "领衔"
        CO = "co", "附议"

    class Status(models.TextChoices):
        INVITED = "invited", "待确认"
        CONFIRMED = "confirmed", "已确认"
        DECLINED = "declined", "已谢绝"

    suggestion = models.ForeignKey(Suggestion, models.CASCADE, related_name="signatures")
    person = models.ForeignKey("people.Person", models.CASCADE, related_name="suggestion_signatures")
    role = models.CharField("身份", max_length=6, choices=Role.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["suggestion", "-role", "id"]
        constraints = [models.UniqueConstraint(fields=["suggestion", "person"], name="one_signature_per_person")]

    def __str__(self) -> str:
        return f"{self.suggestion_id}/{self.person_id} {self.role}"


class SuggestionEvent(models.Model):
    """The suggestion's history: every transition with who, when and why (written by workflow.py only)."""

    suggestion = models.ForeignKey(Suggestion, models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=12, choices=Suggestion.State.choices)
    to_state = models.CharField(max_length=12, choices=Suggestion.State.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["suggestion", "at", "id"]

    def __str__(self) -> str:
        return f"{self.suggestion_id}: {self.from_state}→{self.to_state}"


class Assignment(models.Model):
    """交办: a suggestion given to a lead unit (主办) or a co-unit (协办), in one round of handling."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        CO = "co", "协办"

    class Status(models.TextChoices):
        ACTIVE = "active", "办理中"
        RETURN_REQUESTED = "return_requested", "申请退回"
        RETURNED = "returned", "已退回"
        DONE = "done", "已答复"

    suggestion = models.ForeignKey(Suggestion, models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("people.Unit", models.PROTECT, related_name="assignments", verbose_name="承办单位")
    role = models.CharField("主协办", max_length=6, choices=Role.choices)
    round = models.PositiveSmallIntegerField("轮次", default=1)
    status = models.CharField("状态", max_length=18, choices=Status.choices, default=Status.ACTIVE)
    leader = models.CharField("分管领导", max_length=60, blank=True)
    handler = models.CharField("领办人", max_length=60, blank=True)
    handler_phone = models.CharField("领办人电话", max_length=30, blank=True)
    supervisor = models.CharField("督办人", max_length=60, blank=True)
    assigned_at = models.DateTimeField("交办时间")
    deadline = models.DateField("办结时限")
    extended_to = models.DateField("延期至", null=True, blank=True)
    extension_reason = models.CharField("延期理由", max_length=300, blank=True)
    return_reason = models.CharField("退回理由", max_length=300, blank=True)
    return_requested_at = models.DateTimeField(null=True, blank=True)
    co_opinion = models.TextField("协办意见", blank=True)
    co_opinion_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    scope = ScopeRule(region="suggestion__region_code", unit="unit_id")

    class Meta:
        verbose_name = verbose_name_plural = "交办"
        ordering = ["suggestion", "round", "-role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "unit", "round"], name="one_assignment_per_unit_round"),
            models.UniqueConstraint(fields=["suggestion", "round"], condition=Q(role="lead") & ~Q(status="returned"),
                                    name="one_lead_unit_per_round"),
        ]
        indexes = [models.Index(fields=["unit", "status", "deadline"], name="assignment_inbox")]

    def __str__(self) -> str:
        return f"{self.suggestion_id} → {self.unit_id}"


class ContactLog(models.Model):
    """办前/办中/办后沟通 between the handling unit and the deputy."""

    class Stage(models.TextChoices):
        BEFORE = "before", "办前"
        DURING = "during", "办中"
        AFTER = "after", "办后"

    class Form(models.TextChoices):
        IN_PERSON = "in_person", "面商"
        PHONE = "phone", "电话"
        MEETING = "meeting", "座谈"
        VISIT = "visit", "走访"

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="contacts")
    stage = models.CharField("阶段", max_length=8, choices=Stage.choices)
    form = models.CharField("方式", max_length=10, choices=Form.choices)
    date = models.DateField("日期")
    participants = models.CharField("参加人员", max_length=300)
    summary = models.TextField("沟通情况")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "date", "id"]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.get_stage_display()} {self.date}"


class Reply(models.Model):
    """The lead unit's reply letter in one round, with its result class."""

    class Result(models.TextChoices):
        A = "A", "A类：已解决或采纳"
        B = "B", "B类：正在解决或列入计划解决"
        C = "C", "C类：因条件限制或其他原因留作参考"

    suggestion = models.ForeignKey(Suggestion, models.CASCADE, related_name="replies")
    assignment = models.ForeignKey(Assignment, models.PROTECT, related_name="replies")
    round = models.PositiveSmallIntegerField("轮次", default=1)
    text = models.TextField("答复内容")
    result = models.CharField("办理结果", max_length=1, choices=Result.choices)
    signer = models.CharField("签发人", max_length=60, blank=True)
    without_contact = models.BooleanField("答复前未与代表沟通", default=False)
    replied_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["suggestion", "round"]
        constraints = [models.UniqueConstraint(fields=["suggestion", "round"], name="one_reply_per_round")]

    def __str__(self) -> str:
        return f"{self.suggestion_id} 第{self.round}轮答复"


class ReplyAttachment(models.Model):
    reply = models.ForeignKey(Reply, models.CASCADE, related_name="attachments")
    title = models.CharField("名称", max_length=200)
    file = models.FileField(upload_to="suggestions/replies/%Y/%m/")

    def __str__(self) -> str:
        return self.title


class Commitment(models.Model):
    """A dated promise in a reply; delivered only with evidence (办成率 counts these, not replies)."""

    reply = models.ForeignKey(Reply, models.CASCADE, related_name="commitments")
    text = models.CharField("承诺事项", max_length=300)
    due_date = models.DateField("承诺完成时间")
    delivered_at = models.DateField("落实日期", null=True, blank=True)
    evidence_note = models.TextField("落实情况", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["reply", "due_date", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class CommitmentEvidence(models.Model):
    commitment = models.ForeignKey(Commitment, models.CASCADE, related_name="evidence")
    title = models.CharField("名称", max_length=200)
    file = models.FileField(upload_to="suggestions/evidence/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Rating(models.Model):
    """The lead deputy's own rating of a round's reply: six dimensions and the overall verdict."""

    class Verdict(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASICALLY = "basically", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    suggestion = models.ForeignKey(Suggestion, models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField("轮次")
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="+")
    leadership = models.CharField("组织领导", max_length=12, choices=Verdict.choices)
    attitude = models.CharField("办理态度", max_length=12, choices=Verdict.choices)
    communication = models.CharField("面商沟通", max_length=12, choices=Verdict.choices)
    reply_quality = models.CharField("答复质量", max_length=12, choices=Verdict.choices)
    implementation = models.CharField("落实情况", max_length=12, choices=Verdict.choices)
    overall = models.CharField("综合评价", max_length=12, choices=Verdict.choices)
    comment = models.TextField("意见", blank=True)
    rated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["suggestion", "round"]
        constraints = [models.UniqueConstraint(fields=["suggestion", "round"], name="one_rating_per_round")]

    def __str__(self) -> str:
        return f"{self.suggestion_id} 第{self.round}轮 {self.get_overall_display()}"


class Supervision(models.Model):
    """督办 records for key suggestions: visits, meetings, findings."""

    class Kind(models.TextChoices):
        VISIT = "visit", "实地督办"
        MEETING = "meeting", "督办会"
        HEARING = "hearing", "听取汇报"
        OTHER = "other", "其他"

    suggestion = models.ForeignKey(Suggestion, models.CASCADE, related_name="supervisions")
    kind = models.CharField("方式", max_length=10, choices=Kind.choices)
    date = models.DateField("日期")
    participants = models.CharField("参加人员", max_length=300)
    findings = models.TextField("督办情况")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["suggestion", "date", "id"]

    def __str__(self) -> str:
        return f"{self.suggestion_id} {self.date}"


class FollowUp(models.Model):
    """回头看: a closed suggestion checked again (a year later by default)."""

    suggestion = models.ForeignKey(Suggestion, models.CASCADE, related_name="follow_ups")
    due_date = models.DateField("回头看日期")
    done_at = models.DateField(null=True, blank=True)
    findings = models.TextField("情况", blank=True)
    still_resolved = models.BooleanField(null=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return f"{self.suggestion_id} {self.due_date}"


class ReminderSent(models.Model):
    """A reminder or escalation already sent: each kind goes once per assignment."""

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "kind"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.kind}"


class AssessmentWeights(models.Model):
    """百分考核 weights for one office and year (they sum to 100)."""

    region = models.ForeignKey("core.Region", models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    leadership = models.PositiveSmallIntegerField("领导职责", default=20)
    management = models.PositiveSmallIntegerField("组织管理", default=20)
    procedure = models.PositiveSmallIntegerField("办理规范", default=30)
    satisfaction = models.PositiveSmallIntegerField("代表满意度", default=30)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="assessment_weights_unique"),
            models.CheckConstraint(condition=Q(leadership__lte=100), name="weights_sane"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"


class UnitAssessment(models.Model):
    """One unit's 百分考核 for a year: the four part scores (each 0–100) as the office sets or computes them."""

    region = models.ForeignKey("core.Region", models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    unit = models.ForeignKey("people.Unit", models.CASCADE, related_name="assessments")
    leadership = models.DecimalField("领导职责", max_digits=5, decimal_places=1, default=0)
    management = models.DecimalField("组织管理", max_digits=5, decimal_places=1, default=0)
    procedure = models.DecimalField("办理规范", max_digits=5, decimal_places=1, default=0)
    satisfaction = models.DecimalField("代表满意度", max_digits=5, decimal_places=1, default=0)
    note = models.TextField("说明", blank=True)

    scope = ScopeRule(region="region_id", unit="unit_id")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year", "unit"], name="unit_assessment_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"


class SuggestionGram(models.Model):
    """Inverted index for similar suggestions: each distinct character bigram of a suggestion's title and request
    (kept by suggestions/similarity.py when a suggestion is submitted or edited)."""

    suggestion = models.ForeignKey(Suggestion, models.CASCADE, related_name="grams")
    gram = models.CharField(max_length=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gram", "suggestion"], name="suggestion_gram_unique")]

    def __str__(self) -> str:
        return f"{self.suggestion_id} {self.gram}"

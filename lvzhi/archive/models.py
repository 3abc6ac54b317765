from django.contrib.contenttypes.models import ContentType
from django.db import models

from lvzhi.core.scoping import ScopeRule


class ActivityKind(models.TextChoices):
    """What a deputy did; every module records its own kinds through archive.services.activity_record."""

    DUTY_NOTE = "duty_note", "履职笔记"
    PUBLIC_OPINION = "public_opinion", "民情日记"
    TRAINING = "training", "参加培训"
    TRAINING_LEAVE = "training_leave", "培训请假"
    TRAINING_ABSENCE = "training_absence", "培训缺勤"
    QUIZ = "quiz", "学习测试"
    SUGGESTION = "suggestion", "提出建议"
    CO_SIGN = "co_sign", "附议建议"
    STATION_DUTY = "station_duty", "联络站值班"
    RECEPTION = "reception", "接待群众"
    GROUP_ACTIVITY = "group_activity", "代表小组活动"
    INSPECTION = "inspection", "视察调研"
    MEETING = "meeting", "列席会议"
    REPORT_TO_VOTERS = "report_to_voters", "向选民述职"
    OTHER = "other", "其他履职"


class Activity(models.Model):
    """One thing a deputy did: the unit of the archive. A source object yields at most one activity per person."""

    person = models.ForeignKey("people.Person", models.CASCADE, related_name="activities", verbose_name="代表")
    kind = models.CharField("类别", max_length=24, choices=ActivityKind.choices)
    date = models.DateField("日期")
    title = models.CharField("事项", max_length=200)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1, default=0)
    details = models.JSONField("详情", default=dict, blank=True)
    source_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+")
    source_id = models.CharField(max_length=40)
    region_code = models.CharField(max_length=12, editable=False)
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(region="region_code", person="person_id")

    class Meta:
        verbose_name = verbose_name_plural = "履职记录"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id", "person"], name="activity_once_per_source"),
        ]
        indexes = [models.Index(fields=["person", "-date"], name="activity_person_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.title}"


def note_photo_path(instance, filename: str) -> str:
    return f"notes/{instance.note.person_id}/{instance.note_id}/{filename}"


class DutyNote(models.Model):
    """A deputy's own 履职笔记 / 民情日记, checked by staff; an accepted note becomes an activity."""

    class Kind(models.TextChoices):
        DUTY = "duty", "履职笔记"
        PUBLIC_OPINION = "public_opinion", "民情日记"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审核"
        ACCEPTED = "accepted", "已采纳"
        RETURNED = "returned", "已退回"

    person = models.ForeignKey("people.Person", models.CASCADE, related_name="duty_notes", verbose_name="代表")
    date = models.DateField("日期")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.DUTY)
    title = models.CharField("标题", max_length=100)
    text = models.TextField("内容")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    review_comment = models.CharField("审核意见", max_length=300, blank=True)
    reviewed_by = models.ForeignKey("accounts.User", models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    region_code = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(region="region_code", person="person_id")

    class Meta:
        verbose_name = verbose_name_plural = "履职笔记"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.title


class DutyNotePhoto(models.Model):
    note = models.ForeignKey(DutyNote, models.CASCADE, related_name="photos")
    image = models.ImageField("照片", upload_to=note_photo_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.note} 照片{self.pk}"

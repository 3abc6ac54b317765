from django.db import models
from django.db.models import Q

from lvzhi.core.crypto import EncryptedCharField
from lvzhi.core.masking import mask_id_number, mask_phone
from lvzhi.core.scoping import ScopeRule


class Level(models.IntegerChoices):
    """Congress levels, highest first."""

    NATIONAL = 1, "全国"
    PROVINCE = 2, "省"
    CITY = 3, "市"
    COUNTY = 4, "县"
    TOWNSHIP = 5, "乡镇"


LEVEL_DEPUTY_LABEL = {
    Level.NATIONAL: "全国人大代表",
    Level.PROVINCE: "省人大代表",
    Level.CITY: "市人大代表",
    Level.COUNTY: "县人大代表",
    Level.TOWNSHIP: "乡镇人大代表",
}


class Congress(models.Model):
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="congresses", verbose_name="行政区划")
    name = models.CharField("名称", max_length=60)

    scope = ScopeRule(public=True)

    class Meta:
        verbose_name = verbose_name_plural = "人民代表大会"
        ordering = ["level", "region_id"]
        constraints = [models.UniqueConstraint(fields=["level", "region"], name="congress_level_region_unique")]

    def __str__(self) -> str:
        return self.name

    def current_term(self) -> "Term | None":
        return self.terms.filter(is_current=True).first()


class Term(models.Model):
    congress = models.ForeignKey(Congress, models.CASCADE, related_name="terms", verbose_name="人民代表大会")
    number = models.PositiveSmallIntegerField("届次")
    start_date = models.DateField("起始日期")
    end_date = models.DateField("届满日期", null=True, blank=True)
    is_current = models.BooleanField("本届", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "届"
        ordering = ["congress", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "number"], name="term_number_unique"),
            models.UniqueConstraint(fields=["congress"], condition=Q(is_current=True), name="one_current_term"),
        ]

    def __str__(self) -> str:
        return f"{self.congress.name}第{chinese_number(self.number)}届"

    @property
    def label(self) -> str:
        return f"第{chinese_number(self.number)}届"


class Sitting(models.Model):
    term = models.ForeignKey(Term, models.CASCADE, related_name="sittings", verbose_name="届")
    number = models.PositiveSmallIntegerField("次")
    start_date = models.DateField("开幕日期")
    end_date = models.DateField("闭幕日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "次会议"
        ordering = ["term", "number"]
        constraints = [models.UniqueConstraint(fields=["term", "number"], name="sitting_number_unique")]

    def __str__(self) -> str:
        return f"{chinese_number(self.term.number)}届{chinese_number(self.number)}次会议"


class ElectoralDistrict(models.Model):
    term = models.ForeignKey(Term, models.CASCADE, related_name="districts", verbose_name="届")
    name = models.CharField("选区或选举单位", max_length=60)
    region = models.ForeignKey("core.Region", models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "选区"
        ordering = ["term", "name"]
        constraints = [models.UniqueConstraint(fields=["term", "name"], name="district_name_unique")]

    def __str__(self) -> str:
        return self.name


class Delegation(models.Model):
    term = models.ForeignKey(Term, models.CASCADE, related_name="delegations", verbose_name="届")
    name = models.CharField("代表团", max_length=60)
    region = models.ForeignKey("core.Region", models.PROTECT, null=True, blank=True, related_name="+")

    scope = ScopeRule(public=True)

    class Meta:
        verbose_name = verbose_name_plural = "代表团"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["term", "name"], name="delegation_name_unique")]

    def __str__(self) -> str:
        return self.name


class DeputyGroup(models.Model):
    name = models.CharField("代表小组", max_length=60)
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="所在区划")

    scope = ScopeRule(region="region_id")

    class Meta:
        verbose_name = verbose_name_plural = "代表小组"
        ordering = ["region_id", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="group_name_unique")]

    def __str__(self) -> str:
        return self.name


class Station(models.Model):
    name = models.CharField("联络站", max_length=80)
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="所在区划")

    scope = ScopeRule(region="region_id")

    class Meta:
        verbose_name = verbose_name_plural = "代表联络站"
        ordering = ["region_id", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="station_name_unique")]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", "政府部门"
        COURT = "court", "法院"
        PROCURATORATE = "procuratorate", "检察院"
        TOWNSHIP = "township", "乡镇（街道）"
        OTHER = "other", "其他单位"

    name = models.CharField("单位名称", max_length=80)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.GOVERNMENT)
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+", verbose_name="所属区划")
    is_active = models.BooleanField("有效", default=True)

    scope = ScopeRule(region="region_id", unit="id")

    class Meta:
        verbose_name = verbose_name_plural = "承办单位"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unit_name_unique")]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    name = models.CharField("姓名", max_length=40)
    name_initials = models.CharField("拼音首字母", max_length=40, db_index=True, editable=False)
    gender = models.CharField("性别", max_length=2, choices=[("男", "男"), ("女", "女")])
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    birth_date = models.DateField("出生年月", null=True, blank=True)
    native_place = models.CharField("籍贯", max_length=40, blank=True)
    political_status = models.CharField("政治面貌", max_length=20, blank=True)
    education = models.CharField("文化程度", max_length=20, blank=True)
    employer_title = models.CharField("工作单位及职务", max_length=200, blank=True)
    occupation = models.CharField("职业构成", max_length=20, blank=True, db_index=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    id_number = EncryptedCharField("身份证号")
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_masked = models.CharField("身份证号（脱敏）", max_length=18, editable=False)
    id_tail = models.CharField(max_length=4, db_index=True, editable=False)
    region = models.ForeignKey(
        "core.Region", models.PROTECT, related_name="persons", verbose_name="乡镇（街道）",
        help_text="居住或工作所在的乡镇、街道或村（社区）",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = ScopeRule(region="region_id", person="id")

    class Meta:
        verbose_name = verbose_name_plural = "人员"
        ordering = ["name_initials", "id"]
        indexes = [
            models.Index(fields=["region", "name_initials"], name="person_region_initials"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def set_id_number(self, number: str) -> None:
        from lvzhi.core.crypto import keyed_hash

        self.id_number = number
        self.id_hash = keyed_hash(number)
        self.id_masked = mask_id_number(number)
        self.id_tail = number[-4:]


class Mandate(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "在任"
        SUSPENDED = "suspended", "暂停执行职务"
        ENDED = "ended", "终止"

    class EndReason(models.TextChoices):
        # 代表法（2025年修正）第六十二条 lists the grounds on which a deputy's mandate ends.
        MOVED = "moved", "迁出或者调离本行政区域"
        RESIGNED = "resigned", "辞职被接受"
        ABSENT = "absent", "未经批准两次不出席本级人民代表大会会议"
        RECALLED = "recalled", "被罢免"
        NATIONALITY = "nationality", "丧失中华人民共和国国籍"
        DEPRIVED = "deprived", "依照法律被剥夺政治权利"
        INCAPACITY = "incapacity", "丧失行为能力"
        DECEASED = "deceased", "去世"
        TERM_END = "term_end", "届满"

    class ElectedBy(models.TextChoices):
        GENERAL = "general", "换届选举"
        BY_ELECTION = "by_election", "补选"

    person = models.ForeignKey(Person, models.CASCADE, related_name="mandates", verbose_name="人员")
    term = models.ForeignKey(Term, models.PROTECT, related_name="mandates", verbose_name="届")
    level = models.PositiveSmallIntegerField("代表层级", choices=Level.choices, editable=False)
    district = models.ForeignKey(
        ElectoralDistrict, models.SET_NULL, null=True, blank=True, related_name="mandates", verbose_name="选区"
    )
    delegation = models.ForeignKey(
        Delegation, models.SET_NULL, null=True, blank=True, related_name="mandates", verbose_name="代表团"
    )
    group = models.ForeignKey(
        DeputyGroup, models.SET_NULL, null=True, blank=True, related_name="mandates", verbose_name="代表小组"
    )
    station = models.ForeignKey(
        Station, models.SET_NULL, null=True, blank=True, related_name="mandates", verbose_name="联络站"
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    end_reason = models.CharField("终止原因", max_length=16, choices=EndReason.choices, blank=True)
    elected_by = models.CharField("产生方式", max_length=12, choices=ElectedBy.choices, default=ElectedBy.GENERAL)
    is_reelected = models.BooleanField("连任", default=False)
    deputy_number = models.CharField("代表证号", max_length=30, blank=True)
    start_date = models.DateField("资格起始", null=True, blank=True)
    end_date = models.DateField("资格终止", null=True, blank=True)
    region_code = models.CharField(max_length=12, editable=False, db_index=True, help_text="冗余自人员，用于按区划筛选")

    scope = ScopeRule(region="region_code", person="person_id")

    class Meta:
        verbose_name = verbose_name_plural = "代表资格"
        ordering = ["level", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "term"], name="one_mandate_per_term"),
            models.CheckConstraint(
                condition=~Q(status="ended") | ~Q(end_reason=""), name="ended_mandate_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["level", "status", "region_code"], name="mandate_level_status_region"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_level_display()}）"

    @property
    def level_label(self) -> str:
        return LEVEL_DEPUTY_LABEL[Level(self.level)]


class MandateChange(models.Model):
    """The history of a mandate's status: every suspension, resumption, ending and by-election, with reason."""

    class Kind(models.TextChoices):
        ELECTED = "elected", "当选"
        BY_ELECTION = "by_election", "补选"
        SUSPENDED = "suspended", "暂停执行职务"
        RESUMED = "resumed", "恢复执行职务"
        RESIGNED = "resigned", "辞职"
        RECALLED = "recalled", "罢免"
        ENDED = "ended", "终止"

    mandate = models.ForeignKey(Mandate, models.CASCADE, related_name="changes", verbose_name="代表资格")
    kind = models.CharField("变动类型", max_length=16, choices=Kind.choices)
    date = models.DateField("日期")
    reason = models.CharField("原因", max_length=200, blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    by = models.ForeignKey("accounts.User", models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "资格变动"
        ordering = ["mandate", "date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


def chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


class ImportJob(models.Model):
    """A roster file uploaded through the web: validated in the background, previewed, then applied."""

    class Status(models.TextChoices):
        PENDING = "pending", "等待校验"
        VALIDATING = "validating", "正在校验"
        INVALID = "invalid", "有错误"
        READY = "ready", "校验通过，待确认"
        APPLYING = "applying", "正在导入"
        DONE = "done", "已导入"
        FAILED = "failed", "导入失败"

    created_by = models.ForeignKey("accounts.User", models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField("文件名", max_length=200)
    content = models.BinaryField("文件内容")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    region_code = models.CharField(max_length=12)

    scope = ScopeRule(region="region_code")

    class Meta:
        verbose_name = verbose_name_plural = "名册导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0


def name_keys(name: str) -> list[str]:
    """Every suffix of a name: a name contains ``q`` exactly when one of its suffixes starts with ``q``."""
    return [name[i:] for i in range(len(name))]


class PersonNameKey(models.Model):
    """The suffixes of each person's name, so that a search for part of a name (李正, 正华) is an index range
    scan rather than a LIKE '%…%' over every person: Chinese names are too short for trigram indexes."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="name_keys")
    key = models.CharField(max_length=40)

    class Meta:
        indexes = [
            # With the pattern opclass PostgreSQL uses the index for LIKE 'q%' under any collation (other
            # databases ignore opclasses). It covers the person too: the search reads the index alone.
            models.Index(fields=["key", "person"], name="person_name_key",
                         opclasses=["varchar_pattern_ops", "int8_ops"]),
        ]

    def __str__(self) -> str:
        return self.key

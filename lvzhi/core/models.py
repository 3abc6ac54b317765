from django.db import models


class Region(models.Model):
    """A node of the statistical division tree; the 12-digit code is the key and scope checks are prefix ranges."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, "省"
        CITY = 2, "市"
        COUNTY = 3, "县"
        TOWNSHIP = 4, "乡镇（街道）"
        VILLAGE = 5, "村（社区）"

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=60)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    kind = models.CharField("类型", max_length=10, blank=True, help_text="乡、镇、街道、村、社区")
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits")]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return region_prefix(self.code, self.level)

    def full_name(self) -> str:
        names, node = [], self
        while node is not None and node.level >= Region.Level.COUNTY:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


PREFIX_LENGTH = {Region.Level.PROVINCE: 2, Region.Level.CITY: 4, Region.Level.COUNTY: 6, Region.Level.TOWNSHIP: 9, Region.Level.VILLAGE: 12}


def region_prefix(code: str, level: int) -> str:
    return code[: PREFIX_LENGTH[level]]


def prefix_range(prefix: str) -> tuple[str, str]:
    """The inclusive code range a prefix covers; a range query uses a plain index on both databases."""
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


class Notification(models.Model):
    """The in-app inbox; SMS and email go out through core.notify's pluggable senders."""

    user = models.ForeignKey("accounts.User", models.CASCADE, related_name="notifications")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内通知"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.title


class CalendarDay(models.Model):
    """An office's correction to the working-day calendar: a holiday, or a 调休 working weekend day.

    China's official holidays come from the chinese-calendar library (core/workdays.py); a year it does not know
    yet, or a local holiday, is entered here and wins over the library."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("工作日")
    name = models.CharField("说明", max_length=40, help_text="如：国庆节、国庆节调休上班")

    class Meta:
        verbose_name = verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class NumberSequence(models.Model):
    """The last number issued under a key (e.g. a sitting's suggestions); numbers are taken under a row lock, so
    concurrent takers get distinct, gapless numbers (core/numbering.py)."""

    key = models.CharField(max_length=100, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "编号序列"

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from lvzhi.core.models import region_prefix


class Role(models.TextChoices):
    OFFICE = "office", "代表工委工作人员"
    TOWNSHIP = "township", "乡镇（街道）人大工作人员"
    LEADER = "leader", "常委会领导"
    DEPUTY = "deputy", "代表"
    UNIT = "unit", "承办单位经办人"
    ADMIN = "admin", "系统管理员"


# What each role may do beyond reading its scope; checked by accounts.permissions.can().
CAPABILITIES: dict[str, set[str]] = {
    Role.OFFICE: {"roster.edit", "roster.import", "roster.export", "personal.reveal", "notes.review", "accounts.link",
                  "training.manage", "handbook.edit", "quiz.manage", "handbook.print",
                  "suggestions.manage"},
    Role.TOWNSHIP: {"roster.edit", "roster.export", "notes.review", "training.manage", "handbook.print",
                    "suggestions.manage"},
    Role.LEADER: {"roster.export"},
    Role.DEPUTY: {"notes.write"},
    Role.UNIT: set(),
    Role.ADMIN: {"accounts.manage", "audit.view"},
}

STAFF_ROLES = {Role.OFFICE, Role.TOWNSHIP, Role.LEADER}
TWO_FACTOR_ROLES = {Role.OFFICE, Role.TOWNSHIP, Role.LEADER, Role.ADMIN}


class LvzhiUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A role is required by the constraints below; the default (deputy) needs a person.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.DEPUTY)
    region = models.ForeignKey(
        "core.Region", models.PROTECT, null=True, blank=True, related_name="+", verbose_name="管辖区划"
    )
    person = models.OneToOneField(
        "people.Person", models.SET_NULL, null=True, blank=True, related_name="account", verbose_name="代表本人"
    )
    unit = models.ForeignKey(
        "people.Unit", models.PROTECT, null=True, blank=True, related_name="accounts", verbose_name="所属承办单位"
    )
    display_name = models.CharField("显示名称", max_length=40, blank=True)
    must_change_password = models.BooleanField(
        "须修改密码", default=False, help_text="管理员设置的临时密码，用户下次登录后须先修改"
    )

    objects = LvzhiUserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="deputy") | models.Q(person__isnull=False) | models.Q(is_active=False),
                name="deputy_account_has_person",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="unit") | models.Q(unit__isnull=False),
                name="unit_account_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def scope_prefix(self) -> str:
        region = self.region
        return region_prefix(region.code, region.level) if region else ""

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def can(self, capability: str) -> bool:
        return self.is_active and capability in CAPABILITIES.get(self.role, set())

    @property
    def needs_two_factor(self) -> bool:
        return self.role in TWO_FACTOR_ROLES


class SessionRecord(models.Model):
    """Which sessions a user holds, so an administrator can end them on any server (sessions may live in Redis)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="session_records")
    session_key = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}@{self.ip or '-'}"


class ApiToken(models.Model):
    """A bearer token for the API; only its hash is stored."""

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=60)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple["ApiToken", str]:
        key = "lz_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash_key(key), prefix=key[:8])
        return token, key

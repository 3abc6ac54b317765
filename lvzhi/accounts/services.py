"""Every change to an account happens here: checked, written in one transaction, and audited once.

The User model is registered with django-auditlog, so a plain save would also write an automatic diff entry;
these services switch that off around their own save and write a single entry that carries both the event
name and the diff, so the trail shows one line per administrator action.
"""

import copy
import secrets
from importlib import import_module

from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from lvzhi.core.audit import audit_event

from .models import Role, SessionRecord, User

# Letters and digits that cannot be mistaken for each other when read aloud or copied from paper.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_DIGITS = "23456789"


class AccountError(ValueError):
    """A refused account change; the message is shown to the administrator as it is."""


def _require_manager(by: User) -> None:
    if not (by is not None and by.is_authenticated and by.can("accounts.manage")):
        raise PermissionDenied("只有系统管理员可以管理账号")


def temporary_password(length: int = 12) -> str:
    """A random password that passes our own policy (three character classes, 10+ characters)."""
    alphabet = _UPPER + _LOWER + _DIGITS
    while True:
        chars = [secrets.choice(_UPPER), secrets.choice(_LOWER), secrets.choice(_DIGITS)]
        chars += [secrets.choice(alphabet) for _ in range(length - 3)]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        try:
            validate_password(password)
        except ValidationError:
            continue
        return password


def _full_clean(user: User) -> None:
    try:
        user.full_clean(exclude=["password", "last_login"])
    except ValidationError as exc:
        raise AccountError("；".join(exc.messages)) from exc


def _diff(before: User | None, after: User) -> dict:
    return model_instance_diff(before, after) or {}


def _check_links(user: User) -> None:
    """Keep the role and its links consistent: a deputy is a person, a handler belongs to a unit."""
    if user.role == Role.DEPUTY:
        user.region = None
        user.unit = None
        if user.person_id is None and user.is_active:
            raise AccountError("代表账号必须关联代表本人，请先查找并选择对应人员。")
    elif user.role == Role.UNIT:
        user.person = None
        user.region = None
        if user.unit_id is None:
            raise AccountError("承办单位经办人账号必须选择所属承办单位。")
    else:
        user.person = None
        user.unit = None
        if user.role in (Role.OFFICE, Role.TOWNSHIP, Role.LEADER) and user.region_id is None:
            raise AccountError("工作人员和领导账号必须选择管辖区划。")
    if user.person_id and User.objects.filter(person_id=user.person_id).exclude(pk=user.pk).exists():
        raise AccountError("该代表已有账号，不能重复关联。")


@transaction.atomic
def user_create(*, by: User, username: str, role: str, display_name: str = "", region=None, person=None,
                unit=None, email: str = "") -> tuple[User, str]:
    """Create an account with a temporary password the user must change at first login."""
    _require_manager(by)
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"用户名“{username}”已被使用。")
    user = User(username=username, role=role, display_name=display_name, region=region, person=person,
                unit=unit, email=email, must_change_password=True)
    _check_links(user)
    password = temporary_password()
    user.set_password(password)
    _full_clean(user)
    with disable_auditlog():
        user.save()
    audit_event(user, event="user_create", actor=by, changes=_diff(None, user), action=LogEntry.Action.CREATE)
    return user, password


@transaction.atomic
def user_update(*, by: User, user: User, **fields) -> User:
    _require_manager(by)
    before = copy.copy(user)
    for name, value in fields.items():
        setattr(user, name, value)
    if user.pk == by.pk and user.role != Role.ADMIN:
        raise AccountError("不能修改自己的管理员角色，以免无人可以管理账号。")
    _check_links(user)
    _full_clean(user)
    changes = _diff(before, user)
    if not changes:
        return user
    with disable_auditlog():
        user.save()
    audit_event(user, event="user_update", actor=by, changes=changes)
    if "role" in changes or "region" in changes:
        # A changed scope must not linger in sessions opened under the old one.
        _end_sessions(user)
    return user


def _end_sessions(user: User) -> int:
    """Delete every session the user holds, in whatever engine sessions are kept (db, cache, cached_db)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    records = list(SessionRecord.objects.filter(user=user).values_list("pk", "session_key"))
    for _pk, key in records:
        store(session_key=key).delete()
    SessionRecord.objects.filter(pk__in=[pk for pk, _key in records]).delete()
    return len(records)


@transaction.atomic
def user_end_sessions(*, by: User, user: User) -> int:
    _require_manager(by)
    count = _end_sessions(user)
    audit_event(user, event="sessions_ended", actor=by, note=f"结束会话{count}个")
    return count


@transaction.atomic
def user_disable(*, by: User, user: User) -> int:
    _require_manager(by)
    if user.pk == by.pk:
        raise AccountError("不能停用自己的账号。")
    if not user.is_active:
        raise AccountError("该账号已是停用状态。")
    user.is_active = False
    with disable_auditlog():
        user.save(update_fields=["is_active"])
    count = _end_sessions(user)
    audit_event(user, event="account_disabled", actor=by, changes={"is_active": ["True", "False"]},
                note=f"结束会话{count}个")
    return count


@transaction.atomic
def user_enable(*, by: User, user: User) -> User:
    _require_manager(by)
    if user.is_active:
        raise AccountError("该账号已是启用状态。")
    user.is_active = True
    _check_links(user)
    with disable_auditlog():
        user.save(update_fields=["is_active"])
    audit_event(user, event="account_enabled", actor=by, changes={"is_active": ["False", "True"]})
    return user


@transaction.atomic
def user_reset_password(*, by: User, user: User) -> str:
    """Set a temporary password, end the user's sessions; the user must choose a new one at next login."""
    _require_manager(by)
    password = temporary_password()
    before = user.must_change_password
    user.set_password(password)
    user.must_change_password = True
    with disable_auditlog():
        user.save(update_fields=["password", "must_change_password"])
    count = _end_sessions(user)
    lockout_reset(user.username)
    audit_event(user, event="password_reset", actor=by,
                changes={"must_change_password": [str(before), "True"]}, note=f"结束会话{count}个")
    return password


def lockout_reset(username: str) -> int:
    from axes.utils import reset

    return reset(username=username)


def is_locked(username: str) -> bool:
    from .selectors import locked_usernames_query

    return locked_usernames_query().filter(username=username).exists()


@transaction.atomic
def user_unlock(*, by: User, user: User) -> int:
    _require_manager(by)
    count = lockout_reset(user.username)
    audit_event(user, event="account_unlocked", actor=by, note=f"清除失败记录{count}条")
    return count


@transaction.atomic
def user_reset_two_factor(*, by: User, user: User) -> int:
    """Remove the user's authenticator devices (a lost phone); the user sets up a new one at next login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require_manager(by)
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    ended = _end_sessions(user)
    audit_event(user, event="two_factor_reset", actor=by, note=f"删除验证器{count}个，结束会话{ended}个")
    return count


@transaction.atomic
def password_change(*, user: User, form) -> User:
    """Save a password the user chose themselves (the form has checked the old one and the policy)."""
    before = user.must_change_password
    with disable_auditlog():
        user = form.save(commit=False)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
    changes = {"must_change_password": [str(before), "False"]} if before else {}
    audit_event(user, event="password_changed", actor=user, changes=changes)
    return user


@transaction.atomic
def two_factor_confirm(*, user: User, device) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_event(user, event="two_factor_enabled", actor=user, note=device.name)

import time
from datetime import timedelta

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from lvzhi.core.audit import audit_event

from .middleware import LOGIN_AT, RECORDED_KEY
from .models import SessionRecord, User


@receiver(user_logged_in)
def remember_session(sender, request, user, **kwargs):
    request.session[LOGIN_AT] = time.time()
    if not request.session.session_key:
        request.session.save()
    key = request.session.session_key
    request.session[RECORDED_KEY] = key
    SessionRecord.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "started_at": timezone.now(),
            "ip": request.META.get("REMOTE_ADDR") or None,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        },
    )
    # Records older than the absolute lifetime name sessions that can no longer be used.
    stale_before = timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)
    SessionRecord.objects.filter(user=user, started_at__lt=stale_before).delete()
    audit_event(user, event="login", actor=user)


@receiver(user_logged_out)
def forget_session(sender, request, user, **kwargs):
    if request is not None and request.session.session_key:
        SessionRecord.objects.filter(session_key=request.session.session_key).delete()
    if user is not None:
        audit_event(user, event="logout", actor=user)


def _account(username):
    if not username:
        return None
    return User.objects.filter(username=username).first()


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    # Only attempts on an existing account can be tied to an object in the trail; axes keeps every attempt.
    user = _account(credentials.get("username"))
    if user is not None:
        audit_event(user, event="login_failed")


@receiver(user_locked_out)
def record_lockout(sender, request, username, ip_address, **kwargs):
    user = _account(username)
    if user is not None:
        audit_event(user, event="locked_out", note=f"来自{ip_address or '未知地址'}")

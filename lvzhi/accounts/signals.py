import time

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from .middleware import LOGIN_AT
from .models import SessionRecord


@receiver(user_logged_in)
def remember_session(sender, request, user, **kwargs):
    request.session[LOGIN_AT] = time.time()
    if not request.session.session_key:
        request.session.save()
    SessionRecord.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": request.META.get("REMOTE_ADDR") or None,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        },
    )


@receiver(user_logged_out)
def forget_session(sender, request, user, **kwargs):
    if request is not None and request.session.session_key:
        SessionRecord.objects.filter(session_key=request.session.session_key).delete()

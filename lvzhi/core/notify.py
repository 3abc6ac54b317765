"""Notices to people: always the in-app inbox; SMS through a pluggable gateway when a phone is known."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleSmsBackend:
    """Prints instead of sending; a real gateway implements the same send(phone, text)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))
        logger.info("SMS to %s: %s", phone, text)


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def notify(*, user, title: str, body: str = "", link: str = "", sms: bool = False, email: bool = False):
    """Call inside transaction.on_commit so nothing goes out for a change that was rolled back.

    Always the in-app inbox; by SMS when asked and a phone is known; by email (Django's EMAIL_BACKEND) when asked
    and the account has an address."""
    from .models import Notification

    if user is None or not user.is_active:
        return None
    note = Notification.objects.create(user=user, title=title[:200], body=body, link=link)
    phone = getattr(getattr(user, "person", None), "phone", "")
    if sms and phone:
        try:
            sms_backend().send(phone, f"【履职通】{title}")
        except Exception:  # a gateway outage must not lose the in-app notice
            logger.exception("SMS sending failed")
    if email and user.email:
        from django.core.mail import send_mail

        text = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{link}" if link and settings.SITE_URL else body
        try:
            send_mail(f"【履职通】{title}", text or title, None, [user.email])
        except Exception:  # a mail server outage must not lose the in-app notice
            logger.exception("Email sending failed")
    return note

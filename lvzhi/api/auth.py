"""Who is calling: a bearer token (for the mobile client and integrations) or the browser session."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from lvzhi.accounts.models import ApiToken

# last_used_at is written at most this often, so a busy client does not write a row on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200


def _act_as(request, user) -> None:
    """Make the rest of the request, and the audit trail, see the token's user."""
    request.user = user
    try:
        from auditlog.context import auditlog_value

        auditlog_value.get()["actor"] = user  # AuditlogMiddleware read the (anonymous) user before we ran
    except LookupError:
        pass


class TokenAuth(HttpBearer):
    """``Authorization: Bearer lz_...``; only the token's SHA-256 is stored, so it is looked up by hash."""

    def authenticate(self, request, token: str):
        token = (token or "").strip()
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        api_token = (
            ApiToken.objects.select_related("user__region", "user__person", "user__unit")
            .filter(key_hash=ApiToken.hash_key(token), revoked=False)
            .first()
        )
        if api_token is None or not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        _act_as(request, api_token.user)
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The browser's session, with Django's CSRF check on unsafe methods.

    Unlike ninja's ``django_auth``, a request with no signed-in session is simply not authenticated here (401,
    not a CSRF 403), and staff who must pass two-factor login have not finished signing in until they do.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(403, "CSRF 校验失败：请刷新页面后重试，或改用接口令牌")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = request.user
        if key is None or not user.is_authenticated or not user.is_active:
            return None
        if settings.REQUIRE_2FA and user.needs_two_factor and not user.is_verified():
            return None
        return user

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

LOGIN_AT = "lvzhi_login_at"
# The session key a SessionRecord was written under; when Django rotates the key (password change,
# two-factor login) the record follows, so an administrator can still end that session.
RECORDED_KEY = "lvzhi_session_key"

_ALWAYS_OPEN = ("/static/", "/healthz")


class ClientAddressMiddleware:
    """Behind our own reverse proxy (TRUST_X_FORWARDED_FOR=1), the client's address is the last entry the proxy
    appended to X-Forwarded-For; everything after this (lockout, rate limits, audit) reads REMOTE_ADDR.
    Earlier entries are written by the client and never believed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TRUST_X_FORWARDED_FOR:
            forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
            last = forwarded.split(",")[-1].strip()
            if last:
                request.META["REMOTE_ADDR"] = last
        return self.get_response(request)


class SessionPolicyMiddleware:
    """Absolute session lifetime (the idle timeout is the cookie age, renewed on every request), two-factor
    enforcement for staff, leaders and administrators when REQUIRE_2FA is on, and the forced change of a
    temporary password."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            refused = self._enforce(request, user)
            if refused is not None:
                return refused
        response = self.get_response(request)
        self._follow_session_key(request)
        return response

    def _enforce(self, request, user):
        started = request.session.get(LOGIN_AT)
        if not user.is_active or started is None or time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
            logout(request)
            return _send_to(request, reverse("accounts:login"), "登录已超时，请重新登录。", {"expired": "1"})
        path = request.path
        if path.startswith(_ALWAYS_OPEN) or path == reverse("accounts:logout"):
            return None
        if settings.REQUIRE_2FA and user.needs_two_factor and not user.is_verified():
            target = reverse("accounts:two_factor")
            if path == target:
                return None
            return _send_to(request, target, "请先完成两步验证。", _next(request))
        if user.must_change_password:
            target = reverse("accounts:password_change")
            if path == target:
                return None
            return _send_to(request, target, "请先修改管理员设置的临时密码。", _next(request))
        return None

    @staticmethod
    def _follow_session_key(request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is None or user is None or not user.is_authenticated:
            return
        recorded, current = session.get(RECORDED_KEY), session.session_key
        if recorded and current and recorded != current:
            from .models import SessionRecord

            SessionRecord.objects.filter(session_key=recorded).update(session_key=current)
            session[RECORDED_KEY] = current


def _next(request) -> dict:
    return {"next": request.get_full_path()} if request.method == "GET" else {}


def _send_to(request, url: str, message: str, query: dict):
    """Where a refused request goes: a JSON 403 for the API, an HX-Redirect for htmx, else a redirect."""
    if query:
        url = f"{url}?{urlencode(query)}"
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403, json_dumps_params={"ensure_ascii": False})
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)

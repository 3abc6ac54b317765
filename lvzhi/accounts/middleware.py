import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

LOGIN_AT = "lvzhi_login_at"

_EXEMPT_PREFIXES = ("/accounts/login", "/accounts/logout", "/accounts/2fa", "/static/", "/healthz", "/api/")


class SessionPolicyMiddleware:
    """Absolute session lifetime (the idle timeout is the cookie age, renewed on every request) and
    two-factor enforcement for staff, leaders and administrators when REQUIRE_2FA is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            started = request.session.get(LOGIN_AT)
            if started is None or time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(f"{reverse('accounts:login')}?expired=1")
            if (
                settings.REQUIRE_2FA
                and user.needs_two_factor
                and not user.is_verified()
                and not request.path.startswith(_EXEMPT_PREFIXES)
            ):
                return redirect("accounts:two_factor")
        return self.get_response(request)

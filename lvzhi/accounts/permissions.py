"""Capability checks for views: a signed-in user without the capability gets 403, never the page."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def require(user, capability: str) -> None:
    if not (getattr(user, "is_authenticated", False) and user.can(capability)):
        raise PermissionDenied("您的账号没有此项权限")


def capability_required(capability: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(request.user, capability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.static import serve

from lvzhi.api.api import api

urlpatterns = [
    path("", include("lvzhi.core.urls")),
    path("accounts/", include("lvzhi.accounts.urls")),
    path("people/", include("lvzhi.people.urls")),
    path("archive/", include("lvzhi.archive.urls")),
    path("training/", include("lvzhi.training.urls")),
    path("handbook/", include("lvzhi.handbook.urls")),
    path("suggestions/", include("lvzhi.suggestions.urls")),
    path("api/", api.urls),
    # One way in: the configuration site signs in through our login (rate limit, lockout, two-factor).
    path("django-admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("django-admin/password_change/", RedirectView.as_view(pattern_name="accounts:password_change")),
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))

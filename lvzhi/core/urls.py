from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from . import views


class FaviconRedirect(RedirectView):
    # Resolved per request: static() at import time needs the collected manifest, which `check --deploy`
    # (run before collectstatic) does not have.
    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("favicon.ico", FaviconRedirect.as_view()),
    path("healthz", views.healthz, name="healthz"),
]

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit

from .forms import LoginForm

LOCKOUT_MESSAGE = "该账号因连续5次密码错误已被锁定，请15分钟后再试；如忘记密码，请联系系统管理员重置。"


@method_decorator(ratelimit(key="ip", rate="30/m", method="POST", block=True), name="post")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.GET.get("expired") == "1"
        return context


def lockout_response(request, credentials, *args, **kwargs):
    form = LoginForm(request, data=request.POST or None)
    return render(request, "accounts/login.html", {"form": form, "lockout_message": LOCKOUT_MESSAGE}, status=429)


logout_view = auth_views.LogoutView.as_view()

import base64
import datetime as dt

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.decorators import ratelimit

from lvzhi.core.audit import audit_event
from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response

from . import selectors, services
from .forms import AuditFilterForm, LoginForm, PasswordChangeForm, TwoFactorForm, UserFilterForm, UserForm
from .models import SessionRecord, User
from .permissions import capability_required

LOCKOUT_MESSAGE = "该账号因连续5次密码错误已被锁定，请15分钟后再试；如忘记密码，请联系系统管理员重置。"
LOGIN_RATE_MESSAGE = "登录尝试过于频繁，请1分钟后再试。"
EXPORT_ROW_LIMIT = 100_000


def _login_rate(group, request):
    return settings.LOGIN_RATE_LIMIT


def _two_factor_rate(group, request):
    return settings.TWO_FACTOR_RATE_LIMIT


def _safe_next(request, default: str | None = None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return default or reverse(settings.LOGIN_REDIRECT_URL)


# --- signing in and out ---------------------------------------------------------------------------------


@method_decorator(ratelimit(key="ip", rate=_login_rate, method="POST", block=False), name="post")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    http_method_names = ["get", "post", "head"]

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            context = self.get_context_data(form=self.get_form(), lockout_message=LOGIN_RATE_MESSAGE)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The session cookie is gone after an idle timeout; this marker outlives it and tells the user why.
        context["expired"] = self.request.GET.get("expired") == "1" or self.request.COOKIES.get(SESSION_MARKER) == "1"
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        response.set_cookie(
            SESSION_MARKER, "1", max_age=settings.SESSION_ABSOLUTE_SECONDS, httponly=True, samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        return response


SESSION_MARKER = "lvzhi_signed_in"


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers while an account is locked: the login page with the reason, in Chinese."""
    form = LoginForm(request, data=request.POST or None)
    return render(request, "accounts/login.html", {"form": form, "lockout_message": LOCKOUT_MESSAGE}, status=429)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response.delete_cookie(SESSION_MARKER, samesite="Lax")
        return response


logout_view = LogoutView.as_view()


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    http_method_names = ["get", "post", "head"]

    def form_valid(self, form):
        user = services.password_change(user=self.request.user, form=form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改，请牢记新密码。")
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return _safe_next(self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = self.request.user.must_change_password
        context["next"] = self.request.GET.get("next", "")
        return context


# --- two-factor authentication (TOTP) --------------------------------------------------------------------


def _qr_svg(device) -> str:
    qr = segno.make(device.config_url, error="m")
    return mark_safe(qr.svg_inline(scale=4, border=2, title="用验证器扫描此二维码"))  # segno escapes the title


def _secret_text(device) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=_two_factor_rate, method="POST", block=False)
def two_factor(request):
    user = request.user
    next_url = _safe_next(request)
    if not user.needs_two_factor or user.is_verified():
        return redirect(next_url)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    setup = device is None
    if setup:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="手机验证器", confirmed=False
        )
    form = TwoFactorForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.is_valid()
            form.add_error(None, "验证码尝试过于频繁，请1分钟后再试。")
            status = 429
        elif form.is_valid():
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                form.add_error(None, "验证码错误次数过多，请稍等片刻再试。")
                status = 429
            elif device.verify_token(form.cleaned_data["token"]):
                if setup:
                    services.two_factor_confirm(user=user, device=device)
                otp_login(request, device)
                request.session.cycle_key()  # a session that gained a factor gets a new key
                return redirect(next_url)
            else:
                form.add_error("token", "验证码不正确或已过期，请输入验证器上当前显示的6位数字。")
                status = 400
        else:
            status = 400
    context = {"form": form, "setup": setup, "next": next_url}
    if setup:
        context |= {"qr_svg": _qr_svg(device), "secret": _secret_text(device)}
    return render(request, "accounts/two_factor.html", context, status=status)


# --- administrators: accounts ----------------------------------------------------------------------------


@capability_required("accounts.manage")
@require_GET
def user_list(request):
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = selectors.user_list(q=filters.get("q", ""), role=filters.get("role", ""), status=filters.get("status", ""))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    locked = selectors.locked_usernames_query().filter(username__in=[u.username for u in page])
    locked = {row["username"] for row in locked}
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "locked": locked, "query": query.urlencode()}
    template = "accounts/user_list.html#results" if request.htmx else "accounts/user_list.html"
    return render(request, template, context)


def _user_form_context(form, *, user=None) -> dict:
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    selected = data.get("person") if form.is_bound else (user.person if user else None)
    candidates = selectors.person_candidates(
        name=data.get("person_name", "") or "", tail=data.get("person_tail", "") or "", selected=selected,
    )
    return {"form": form, "candidates": candidates, "selected_person": selected, "account": user}


def _keep_search_errors(form) -> None:
    """While only looking a person up, the rest of the form is not judged yet."""
    for name in list(form.errors):
        if name != "person_tail":
            del form.errors[name]


def _show_password(request, user, password, *, created: bool):
    response = render(request, "accounts/user_password.html", {"account": user, "password": password, "created": created})
    response["Cache-Control"] = "no-store"
    return response


@capability_required("accounts.manage")
@require_http_methods(["GET", "POST"])
def user_create(request):
    form = UserForm(request.POST or None)
    status = 200
    if request.method == "POST":
        searching = request.POST.get("action") == "find"
        if form.is_valid() and not searching:
            try:
                user, password = services.user_create(by=request.user, username=form.cleaned_data["username"],
                                                      **form.service_fields())
            except services.AccountError as exc:
                form.add_error(None, str(exc))
            else:
                return _show_password(request, user, password, created=True)
        if searching:
            _keep_search_errors(form)
        else:
            status = 400
    return render(request, "accounts/user_form.html", _user_form_context(form), status=status)


@capability_required("accounts.manage")
@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int):
    user = get_object_or_404(User.objects.select_related("region", "person", "unit"), pk=pk)
    initial = {"display_name": user.display_name, "role": user.role, "region": user.region, "unit": user.unit,
               "person": user.person, "email": user.email}
    form = UserForm(request.POST or None, initial=initial, editing=True)
    status = 200
    if request.method == "POST":
        searching = request.POST.get("action") == "find"
        if form.is_valid() and not searching:
            try:
                services.user_update(by=request.user, user=user, **form.service_fields())
            except services.AccountError as exc:
                form.add_error(None, str(exc))
                user.refresh_from_db()
            else:
                messages.success(request, f"账号“{user.username}”已保存。")
                return redirect("accounts:user_edit", pk=user.pk)
        if searching:
            _keep_search_errors(form)
        else:
            status = 400
    context = _user_form_context(form, user=user)
    context |= {
        "sessions": SessionRecord.objects.filter(user=user).order_by("-started_at")[:20],
        "is_locked": services.is_locked(user.username),
        "has_two_factor": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "user_content_type_id": ContentType.objects.get_for_model(User).pk,
    }
    return render(request, "accounts/user_form.html", context, status=status)


def _account_action(request, pk: int, action, success: str):
    user = get_object_or_404(User, pk=pk)
    try:
        result = action(by=request.user, user=user)
    except services.AccountError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success.format(user=user, result=result))
    return redirect("accounts:user_edit", pk=user.pk)


@require_POST
@capability_required("accounts.manage")
def user_disable(request, pk: int):
    return _account_action(request, pk, services.user_disable, "账号“{user.username}”已停用，已结束其{result}个会话。")


@require_POST
@capability_required("accounts.manage")
def user_enable(request, pk: int):
    return _account_action(request, pk, services.user_enable, "账号“{user.username}”已启用。")


@require_POST
@capability_required("accounts.manage")
def user_end_sessions(request, pk: int):
    return _account_action(request, pk, services.user_end_sessions, "已结束“{user.username}”的{result}个会话。")


@require_POST
@capability_required("accounts.manage")
def user_unlock(request, pk: int):
    return _account_action(request, pk, services.user_unlock, "账号“{user.username}”已解除锁定。")


@require_POST
@capability_required("accounts.manage")
def user_reset_two_factor(request, pk: int):
    return _account_action(request, pk, services.user_reset_two_factor,
                           "已重置“{user.username}”的两步验证，其下次登录时需重新绑定验证器。")


@require_POST
@capability_required("accounts.manage")
def user_reset_password(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    password = services.user_reset_password(by=request.user, user=user)
    return _show_password(request, user, password, created=False)


# --- administrators: the audit trail ---------------------------------------------------------------------


@capability_required("audit.view")
@require_GET
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    entries = selectors.audit_entries(**form.filters()) if not form.is_bound or form.is_valid() else None
    page = Paginator(entries, 50).get_page(request.GET.get("page")) if entries is not None else None
    rows = [selectors.describe_entry(entry) for entry in page] if page is not None else []
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode(),
               "retention_days": settings.AUDIT_RETENTION_DAYS}
    template = "accounts/audit_log.html#results" if request.htmx else "accounts/audit_log.html"
    return render(request, template, context, status=200 if page is not None else 400)


@capability_required("audit.view")
@require_GET
def audit_export(request):
    from openpyxl import Workbook

    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "accounts/audit_log.html", {"form": form, "page": None, "rows": []}, status=400)
    entries = selectors.audit_entries(**form.filters())
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计日志")
    sheet.append(["时间", "操作人", "用户名", "来源地址", "操作", "对象类型", "对象", "对象编号", "变更内容", "备注"])
    count = 0
    for entry in entries[:EXPORT_ROW_LIMIT].iterator(chunk_size=2000):
        row = selectors.describe_entry(entry)
        changes = "；".join(f"{c['field']}：{c['old']} → {c['new']}" for c in row["changes"])
        sheet.append([safe_cell(value) for value in (
            timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S"), row["actor"], row["actor_username"],
            entry.remote_addr or "", row["operation"], row["object_type"], entry.object_repr, entry.object_pk,
            changes, row["note"],
        )])
        count += 1
    audit_event(request.user, event="audit_export", actor=request.user, note=f"导出{count}条：{request.GET.urlencode()}")
    return xlsx_response(workbook_bytes(workbook), f"审计日志-{dt.date.today():%Y%m%d}.xlsx")

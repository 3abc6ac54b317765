from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .models import Notification


@login_required
@require_GET
def home(request):
    from lvzhi.accounts.models import Role

    if request.user.role in (Role.OFFICE, Role.TOWNSHIP, Role.LEADER):
        from lvzhi.people.views import staff_home

        return staff_home(request)
    if request.user.role == Role.DEPUTY:
        from lvzhi.archive.views import deputy_home

        return deputy_home(request)
    if request.user.role == Role.ADMIN:
        return redirect("accounts:user_list")
    return render(request, "core/home_other.html")


@login_required
@require_GET
def inbox(request):
    notes = Notification.objects.filter(user=request.user)[:100]
    return render(request, "core/inbox.html", {"notifications": notes})


@login_required
@require_POST
def inbox_read(request, pk: int):
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return redirect(note.link or "core:inbox")


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def ratelimited(request, exception=None):
    return HttpResponse("操作过于频繁，请稍后再试。", status=429, content_type="text/plain; charset=utf-8")

"""Training views: leave (请假) — the deputy applies and withdraws, approvers decide step by step, lists of the
requests waiting for me and of my own."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lvzhi.accounts.models import STAFF_ROLES, Role
from lvzhi.core.documents import chinese_date
from lvzhi.core.models import prefix_range
from lvzhi.core.scoping import scoped

from ..models import ClassDelegation, Enrollment, LeaveDecision, LeaveRequest, Lesson, TrainingClass
from ..selectors import classes_for
from ..services import leave as services

# ---------------------------------------------------------------------------------------------------------------
# Access helpers


def leave_classes(user):
    """The classes whose leave a user may open: classes_for, plus those with a delegation whose home office the user
    belongs to (township staff approve their own deputies' leave in a county class)."""
    condition = Q(pk__in=classes_for(user).values("pk"))
    if user.role in (Role.OFFICE, Role.TOWNSHIP) and user.region_id:
        low, high = prefix_range(user.scope_prefix)
        condition |= Q(pk__in=ClassDelegation.objects.filter(home_region_id__gte=low, home_region_id__lte=high)
                       .values("training_class_id"))
    return TrainingClass.objects.filter(condition)


def leave_requests_for(user):
    """Requests a user may open: their own (deputy), those in their region (staff), those of the delegations they lead
    or staff, and every request of a class whose region they cover."""
    condition = Q(pk__in=scoped(LeaveRequest.objects.all(), user).values("pk"))
    led = ClassDelegation.objects.filter(Q(lead_user=user) | Q(staff_user=user)).values("pk")
    condition |= Q(enrollment__delegation__in=led)
    if user.role in STAFF_ROLES and user.region_id:
        low, high = prefix_range(user.scope_prefix)
        condition |= Q(enrollment__training_class__region_id__gte=low, enrollment__training_class__region_id__lte=high)
        condition |= Q(enrollment__delegation__home_region_id__gte=low, enrollment__delegation__home_region_id__lte=high)
    return LeaveRequest.objects.filter(condition)


def _with_details(qs):
    return qs.select_related("enrollment__person", "enrollment__delegation", "enrollment__training_class").prefetch_related(
        Prefetch("lessons", queryset=Lesson.objects.order_by("starts_at")),
        Prefetch("decisions", queryset=LeaveDecision.objects.select_related("approver").order_by("step")),
    )


def _get_request(request, pk: int) -> LeaveRequest:
    return get_object_or_404(_with_details(leave_requests_for(request.user)), pk=pk)


def _partial(request) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.history_restore_request


# ---------------------------------------------------------------------------------------------------------------
# Rows as the lists show them


def _lesson_text(lesson: Lesson) -> str:
    start = timezone.localtime(lesson.starts_at)
    return f"{start.month}月{start.day}日 {start:%H:%M} {lesson.topic}"


def _chain_steps(leave: LeaveRequest) -> list[dict]:
    decided = {d.step: d for d in leave.decisions.all()}
    steps = []
    for index, kind in enumerate(leave.chain):
        decision = decided.get(index)
        if decision is not None:
            state = "同意" if decision.approved else "不同意"
        elif leave.status == LeaveRequest.Status.PENDING and index == leave.step:
            state = "待审批"
        else:
            state = "—"
        steps.append({"label": services.step_label(kind), "state": state, "decision": decision,
                      "when": chinese_date(timezone.localtime(decision.decided_at)) if decision else ""})
    return steps


def _row(leave: LeaveRequest, user) -> dict:
    return {
        "leave": leave, "name": leave.enrollment.person.name,
        "delegation": leave.enrollment.delegation.name if leave.enrollment.delegation_id else "—",
        "lessons": [_lesson_text(x) for x in leave.lessons.all()], "steps": _chain_steps(leave),
        "submitted": chinese_date(timezone.localtime(leave.submitted_at)),
        "awaits_me": services.awaits(user, leave), "mine": user.person_id == leave.enrollment.person_id,
        "badge": {"pending": "badge-warn", "approved": "badge-ok", "rejected": "badge-bad"}.get(leave.status, ""),
    }


# ---------------------------------------------------------------------------------------------------------------
# Lists


STATUS_FILTERS = {"pending": LeaveRequest.Status.PENDING, "approved": LeaveRequest.Status.APPROVED,
                  "rejected": LeaveRequest.Status.REJECTED, "withdrawn": LeaveRequest.Status.WITHDRAWN}


@login_required
@require_GET
def leave_list(request, pk: int):
    """For approvers: the requests waiting for me first, then every request of the class they see. For a deputy:
    their own requests in this class and the way to apply."""
    user = request.user
    training_class = get_object_or_404(leave_classes(user), pk=pk)
    qs = _with_details(leave_requests_for(user).filter(enrollment__training_class=training_class))
    status = request.GET.get("status", "")
    if status in STATUS_FILTERS:
        qs = qs.filter(status=STATUS_FILTERS[status])
    rows = [_row(leave, user) for leave in qs.order_by("-submitted_at")[:500]]
    enrollment = None
    if user.person_id:
        enrollment = Enrollment.objects.filter(training_class=training_class, person_id=user.person_id,
                                               status=Enrollment.Status.ENROLLED).first()
    context = {
        "training_class": training_class, "waiting": [r for r in rows if r["awaits_me"]],
        "rows": rows, "status": status, "enrollment": enrollment,
        "is_deputy": user.role == Role.DEPUTY,
        "filters": [("", "全部"), ("pending", "审批中"), ("approved", "已准假"), ("rejected", "未准假"),
                    ("withdrawn", "已撤回")],
    }
    if _partial(request):
        return render(request, "training/attendance/leave_list.html#results", context)
    return render(request, "training/attendance/leave_list.html", context)


@login_required
@require_GET
def leave_inbox(request):
    """待我审批: requests waiting for the user's decision, across classes."""
    user = request.user
    if user.role not in STAFF_ROLES and not ClassDelegation.objects.filter(lead_user=user).exists():
        raise PermissionDenied("请假审批仅供审批人使用")
    qs = _with_details(leave_requests_for(user).filter(status=LeaveRequest.Status.PENDING)).order_by("submitted_at")
    rows = [_row(leave, user) for leave in qs[:500]]
    return render(request, "training/attendance/leave_inbox.html", {"rows": [r for r in rows if r["awaits_me"]]})


# ---------------------------------------------------------------------------------------------------------------
# Applying, deciding, withdrawing


class LeaveForm(forms.Form):
    lessons = forms.MultipleChoiceField(label="请假课程", widget=forms.CheckboxSelectMultiple,
                                        error_messages={"required": "请至少选择一节要请假的课程"})
    reason = forms.CharField(label="请假事由", max_length=services.MAX_REASON, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写请假事由",
                                             "max_length": f"请假事由不能超过{services.MAX_REASON}字"})
    attachment = forms.FileField(label="证明材料（可选）", required=False,
                                 help_text="PDF、Word 或照片，不超过 10 MB")

    def __init__(self, *args, lessons: list[Lesson], **kwargs):
        super().__init__(*args, **kwargs)
        self.lesson_objects = {str(x.pk): x for x in lessons}
        self.fields["lessons"].choices = [(str(x.pk), _lesson_text(x)) for x in lessons]


@login_required
@require_http_methods(["GET", "POST"])
def leave_apply(request, pk: int):
    user = request.user
    training_class = get_object_or_404(leave_classes(user), pk=pk)
    if user.role != Role.DEPUTY or not user.person_id:
        raise PermissionDenied("请假须由代表本人登录后提出")
    enrollment = Enrollment.objects.filter(training_class=training_class, person_id=user.person_id,
                                           status=Enrollment.Status.ENROLLED).select_related(
        "delegation", "training_class", "person").first()
    if enrollment is None:
        raise Http404("您不在本培训班的参训名单中")
    lessons = services.lessons_open_for_leave(enrollment)
    form = LeaveForm(request.POST or None, request.FILES or None, lessons=lessons)
    if request.method == "POST" and form.is_valid():
        try:
            leave = services.leave_apply(
                enrollment=enrollment, by=user, reason=form.cleaned_data["reason"],
                lessons=[form.lesson_objects[x] for x in form.cleaned_data["lessons"]],
                attachment=form.cleaned_data.get("attachment"),
            )
        except services.LeaveError as refusal:
            form.add_error(None, str(refusal))
        else:
            first = services.step_label(leave.chain[0])
            messages.success(request, f"请假申请已提交，等待“{first}”审批；审批结果会通知您")
            return redirect("training:leave_detail", pk=leave.pk)
    chain = [services.step_label(x) for x in services.class_chain(training_class)]
    context = {"training_class": training_class, "form": form, "chain": chain, "lessons": lessons}
    return render(request, "training/attendance/leave_apply.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def leave_detail(request, pk: int):
    leave = _get_request(request, pk)
    row = _row(leave, request.user)
    context = {"row": row, "leave": leave, "training_class": leave.enrollment.training_class,
               "can_withdraw": row["mine"] and leave.status == LeaveRequest.Status.PENDING}
    return render(request, "training/attendance/leave_detail.html", context)


@login_required
@require_POST
def leave_decide(request, pk: int):
    leave = _get_request(request, pk)
    if request.user.role == Role.LEADER:
        raise PermissionDenied("您没有审批请假的权限")
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, "请选择“同意”或“不同意”")
        return redirect("training:leave_detail", pk=leave.pk)
    try:
        services.leave_decide(request=leave, by=request.user, approve=decision == "approve",
                              comment=request.POST.get("comment", ""), sms=request.POST.get("sms") == "1")
    except services.LeaveError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "已审批：" + ("同意" if decision == "approve" else "不同意"))
    return redirect("training:leave_detail", pk=leave.pk)


@login_required
@require_POST
def leave_withdraw(request, pk: int):
    leave = _get_request(request, pk)
    try:
        services.leave_withdraw(request=leave, by=request.user)
    except services.LeaveError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "已撤回请假申请")
    return redirect("training:leave_detail", pk=leave.pk)


@login_required
@require_GET
def leave_attachment(request, pk: int):
    leave = _get_request(request, pk)
    if not leave.attachment:
        raise Http404("没有附件")
    suffix = Path(leave.attachment.name).suffix
    return FileResponse(leave.attachment.open("rb"), as_attachment=True,
                        filename=f"请假证明-{leave.enrollment.person.name}{suffix}")


urlpatterns = [
    path("classes/<int:pk>/leave/", leave_list, name="leave_list"),
    path("classes/<int:pk>/leave/apply/", leave_apply, name="leave_apply"),
    path("leave/", leave_inbox, name="leave_inbox"),
    path("leave/<int:pk>/", leave_detail, name="leave_detail"),
    path("leave/<int:pk>/decide/", leave_decide, name="leave_decide"),
    path("leave/<int:pk>/withdraw/", leave_withdraw, name="leave_withdraw"),
    path("leave/<int:pk>/attachment/", leave_attachment, name="leave_attachment"),
]

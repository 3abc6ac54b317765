"""Training views: lesson ratings and reflections (the deputy's phone page) and the training effect summary
(staff). Certificates and figures have their own modules; all are joined in training/urls.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lvzhi.accounts.models import STAFF_ROLES
from lvzhi.core.documents import chinese_date
from lvzhi.core.scoping import get_scoped_or_404

from .. import figures
from ..models import Certificate, LeaveRequest, Lesson, LessonRating, Reflection, TrainingClass
from ..services import feedback as services

# ---------------------------------------------------------------------------------------------------------------
# Access helpers (shared by the certificates and figures views)


def get_class(request, pk: int) -> TrainingClass:
    return get_scoped_or_404(TrainingClass.objects.select_related("region"), request.user, pk=pk)


def require_staff(request) -> None:
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied("此页面仅供人大工作人员和常委会领导使用")


def require_manage(request) -> None:
    if not request.user.can("training.manage"):
        raise PermissionDenied("您没有管理培训班的权限")


def partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def class_url(training_class, name: str = "training:class_detail") -> str:
    try:
        return reverse(name, args=[training_class.pk])
    except NoReverseMatch:  # the class pages are another module's; without them the crumb stays plain text
        return ""


def class_context(training_class, tab: str = "") -> dict:
    """What the class pages' frame (training/class_base.html) wants, and the class's dates in words."""
    from ..selectors import CLASS_STAFF_LINKS, optional_links

    start, end = chinese_date(training_class.start_date), chinese_date(training_class.end_date)
    links = optional_links(CLASS_STAFF_LINKS, training_class.pk)
    for link in links:
        link["current"] = link["name"] == f"training:{tab}"
    return {"cls": training_class, "class_url": class_url(training_class), "tab": tab, "more_links": links,
            "class_dates": start if start == end else f"{start}至{end}"}


# ---------------------------------------------------------------------------------------------------------------
# The deputy's page: rate lessons, write reflections, get the certificate


def _lesson_rows(training_class, enrollment) -> list[dict]:
    lessons = list(Lesson.objects.filter(training_class=training_class).select_related("instructor")
                   .order_by("starts_at", "id"))
    mine = {r.lesson_id: r for r in LessonRating.objects.filter(enrollment=enrollment)}
    attended = set(enrollment.attendances.values_list("lesson_id", flat=True))
    on_leave = set(LeaveRequest.lessons.through.objects.filter(
        leaverequest__enrollment=enrollment, leaverequest__status=LeaveRequest.Status.APPROVED)
        .values_list("lesson_id", flat=True)) - attended
    now = timezone.now()
    rows = []
    for lesson in lessons:
        lesson.training_class = training_class
        if lesson.area_id and lesson.area_id != enrollment.area_id:
            continue
        refusal = services.lesson_rateable(lesson=lesson, enrollment=enrollment, now=now)
        if not refusal and lesson.pk in on_leave:
            refusal = "已请假"
        rows.append(_lesson_row(lesson, mine.get(lesson.pk), refusal, lesson.pk in attended))
    return rows


def _lesson_row(lesson, rating, refusal: str, attended: bool) -> dict:
    local = timezone.localtime(lesson.starts_at)
    return {"lesson": lesson, "rating": rating, "refusal": refusal, "attended": attended,
            "when": f"{local.month}月{local.day}日 {local:%H:%M}–{timezone.localtime(lesson.ends_at):%H:%M}"}


def _my_page(request, training_class, **extra):
    enrollment = services.enrollment_of(training_class=training_class, user=request.user)
    if enrollment is None:
        raise PermissionDenied("您不在该培训班的参训名单中")
    certificate = Certificate.objects.filter(enrollment=enrollment).first()
    context = {
        **class_context(training_class),
        "class_url": class_url(training_class, "training:my_class"),
        "enrollment": enrollment,
        "rows": _lesson_rows(training_class, enrollment),
        "reflections": list(enrollment.reflections.order_by("-submitted_at")),
        "certificate": certificate,
        "form": {"title": "", "text": ""},
        "text_min": services.REFLECTION_MIN,
        **extra,
    }
    return enrollment, context


@login_required
@require_GET
def my_feedback(request, pk: int):
    training_class = get_class(request, pk)
    _, context = _my_page(request, training_class)
    return render(request, "training/feedback/my_feedback.html", context)


@login_required
@require_POST
def lesson_rate(request, pk: int, lesson_pk: int):
    training_class = get_class(request, pk)
    # A lesson is reached through its class, which the user may see (scoped above).
    lesson = get_object_or_404(Lesson.objects.select_related("instructor"), training_class=training_class,
                               pk=lesson_pk)
    lesson.training_class = training_class
    error = ""
    try:
        services.lesson_rate(lesson=lesson, score=request.POST.get("score"), comment=request.POST.get("comment", ""),
                             by=request.user)
    except services.FeedbackError as exc:
        error = str(exc)
    if partial(request):
        enrollment = services.enrollment_of(training_class=training_class, user=request.user)
        rating = LessonRating.objects.filter(lesson=lesson, enrollment=enrollment).first()
        attended = enrollment.attendances.filter(lesson=lesson).exists()
        refusal = "" if rating else services.lesson_rateable(lesson=lesson, enrollment=enrollment)
        row = _lesson_row(lesson, rating, refusal, attended)
        return render(request, "training/feedback/my_feedback.html#lesson-row",
                      {**class_context(training_class), "row": row, "error": error,
                       "posted": request.POST})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"已评价“{lesson.topic}”，谢谢！")
    return redirect("training:my_feedback", pk=training_class.pk)


@login_required
@require_POST
def reflection_submit(request, pk: int):
    training_class = get_class(request, pk)
    title, text = request.POST.get("title", ""), request.POST.get("text", "")
    try:
        services.reflection_submit(training_class=training_class, title=title, text=text, by=request.user)
    except services.FeedbackError as exc:
        _, context = _my_page(request, training_class, form={"title": title, "text": text},
                              reflection_error=str(exc))
        return render(request, "training/feedback/my_feedback.html", context, status=400)
    messages.success(request, "心得体会已提交")
    return redirect(reverse("training:my_feedback", args=[training_class.pk]) + "#reflections")


@login_required
@require_http_methods(["GET", "POST"])
def reflection_edit(request, pk: int):
    reflection = get_scoped_or_404(
        Reflection.objects.select_related("enrollment__training_class__region"), request.user, pk=pk)
    if reflection.enrollment.person_id != request.user.person_id:
        raise PermissionDenied("只能修改自己的心得体会")
    training_class = reflection.enrollment.training_class
    form, error = {"title": reflection.title, "text": reflection.text}, ""
    if request.method == "POST":
        form = {"title": request.POST.get("title", ""), "text": request.POST.get("text", "")}
        try:
            services.reflection_update(reflection=reflection, by=request.user, **form)
        except services.FeedbackError as exc:
            error = str(exc)
        else:
            messages.success(request, "心得体会已修改")
            return redirect(reverse("training:my_feedback", args=[training_class.pk]) + "#reflections")
    return render(request, "training/feedback/reflection_edit.html",
                  {**class_context(training_class), "class_url": class_url(training_class, "training:my_class"),
                   "reflection": reflection, "form": form, "error": error,
                   "text_min": services.REFLECTION_MIN}, status=400 if error else 200)


# ---------------------------------------------------------------------------------------------------------------
# Staff: the training effect summary


@login_required
@require_GET
def feedback(request, pk: int):
    require_staff(request)
    training_class = get_class(request, pk)
    summary = figures.class_feedback_summary(training_class)
    return render(request, "training/feedback/summary.html", {**class_context(training_class, "feedback"), **summary})


urlpatterns = [
    path("<int:pk>/feedback/", feedback, name="feedback"),
    path("<int:pk>/my-feedback/", my_feedback, name="my_feedback"),
    path("<int:pk>/lessons/<int:lesson_pk>/rate/", lesson_rate, name="lesson_rate"),
    path("<int:pk>/reflections/", reflection_submit, name="reflection_submit"),
    path("reflections/<int:pk>/edit/", reflection_edit, name="reflection_edit"),
]

"""Training views: classes (list, detail tabs, forms, state changes), their areas, tasks, lessons, materials and
timetable, instructors, people in a class (enrolment, withdrawal, delegations, notice, export) and the deputy's
own classes. See training/urls.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lvzhi.accounts.models import STAFF_ROLES, Role
from lvzhi.core.documents import chinese_date, pdf_response, render_pdf
from lvzhi.core.excel import safe_cell, workbook_bytes, xlsx_response
from lvzhi.core.scoping import scoped
from lvzhi.people.models import Level, Person

from .. import selectors
from ..forms import (
    AreaForm,
    CancelForm,
    ClassFilterForm,
    DelegationForm,
    EnrolRulesForm,
    InstructorForm,
    LessonForm,
    ManualAddForm,
    MaterialForm,
    NoticeForm,
    PeopleFilterForm,
    TaskForm,
    TrainingClassForm,
)
from ..models import (
    ClassArea,
    ClassDelegation,
    ClassForm,
    ClassTask,
    Enrollment,
    Instructor,
    Lesson,
    LessonMaterial,
)
from ..models import TrainingClass as TrainingClassModel
from ..services import classes as class_services
from ..services import enrolment as enrolment_services
from ..services.classes import TrainingError

CLASS_PAGE_SIZE = 20
PEOPLE_PAGE_SIZE = 100

# ---------------------------------------------------------------------------------------------------------------
# Access helpers: every view goes through these, a fragment as much as a page.


def _partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _get_class(request, pk: int) -> TrainingClassModel:
    try:
        return selectors.classes_for(request.user).select_related("region", "plan").get(pk=pk)
    except TrainingClassModel.DoesNotExist as exc:
        raise Http404("未找到该培训班，或不在您的权限范围内") from exc


def _get_class_rw(request, pk: int) -> TrainingClassModel:
    cls = _get_class(request, pk)
    if not selectors.can_manage_class(request.user, cls):
        raise PermissionDenied("您没有管理该培训班的权限")
    return cls


def _require_class_viewer(request, cls: TrainingClassModel) -> None:
    """The staff pages of a class: staff of its region, or a delegation's lead/staff; a deputy has their own page."""
    if request.user.role == Role.DEPUTY and not selectors.delegations_led_by(request.user, cls):
        raise PermissionDenied("代表请在“我的培训”中查看")


def _require_manage_capability(request) -> None:
    if not request.user.can("training.manage"):
        raise PermissionDenied("您没有管理培训的权限")


def _child(request, model, pk: int, **lookup):
    """A row belonging to a class the user manages (tasks, areas, lessons, materials, delegations)."""
    obj = get_object_or_404(model.objects.select_related(*lookup.pop("related", ())), pk=pk)
    cls_id = lookup["class_id"](obj)
    return obj, _get_class_rw(request, cls_id)


def _class_context(request, cls: TrainingClassModel, tab: str) -> dict:
    user = request.user
    manage = selectors.can_manage_class(user, cls)
    links = selectors.optional_links(selectors.CLASS_STAFF_LINKS, cls.pk)
    handbook = selectors.handbook_print_link(cls) if manage else ""
    return {"cls": cls, "tab": tab, "can_manage": manage, "more_links": links, "handbook_link": handbook,
            "whole_class": selectors.sees_whole_class(user, cls)}


def _error_redirect(request, exc: Exception, to: str, *args):
    messages.error(request, str(exc))
    return redirect(to, *args)


# ---------------------------------------------------------------------------------------------------------------
# Class list and forms


@login_required
@require_GET
def class_list(request):
    user = request.user
    if user.role == Role.DEPUTY:
        return redirect("training:my_classes")
    if user.role not in STAFF_ROLES:
        raise PermissionDenied("培训管理仅供人大工作人员和常委会领导使用")
    form = ClassFilterForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    qs = selectors.class_list(user=user, status=data.get("status") or "", form=data.get("form") or "",
                              year=data.get("year"), q=data.get("q") or "")
    page = Paginator(qs, CLASS_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "querystring": params.urlencode(),
               "can_manage": user.can("training.manage"), "today": timezone.localdate()}
    if _partial(request):
        return render(request, "training/class_list.html#results", context)
    return render(request, "training/class_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def class_create(request):
    _require_manage_capability(request)
    form = TrainingClassForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            cls = class_services.class_create(by=request.user, region=form.cleaned_data["region"],
                                              **form.service_fields())
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已新建培训班“{cls.title}”。下一步：添加课程、确定参训人员。")
            return redirect("training:class_detail", pk=cls.pk)
    return render(request, "training/class_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def class_edit(request, pk: int):
    cls = _get_class_rw(request, pk)
    form = TrainingClassForm(request.POST if request.method == "POST" else None, instance=cls, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            class_services.class_update(by=request.user, training_class=cls, **form.service_fields())
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已保存培训班信息。")
            return redirect("training:class_detail", pk=cls.pk)
    if request.method == "POST":
        cls.refresh_from_db()
    return render(request, "training/class_form.html", {"form": form, "cls": cls})


@login_required
@require_GET
def class_detail(request, pk: int):
    cls = _get_class(request, pk)
    if request.user.role == Role.DEPUTY and not selectors.delegations_led_by(request.user, cls):
        return redirect("training:my_class", pk=cls.pk)
    context = {**_class_context(request, cls, "overview"), **selectors.class_detail(cls),
               "task_form": TaskForm(), "cancel_form": CancelForm(), "today": timezone.localdate()}
    return render(request, "training/class_detail.html", context)


@login_required
@require_POST
def class_publish(request, pk: int):
    cls = _get_class_rw(request, pk)
    try:
        class_services.class_publish(by=request.user, training_class=cls)
    except TrainingError as exc:
        return _error_redirect(request, exc, "training:class_detail", cls.pk)
    messages.success(request, "培训班已发布。可以在“人员”中向参训人员发送通知。")
    return redirect("training:class_detail", pk=cls.pk)


@login_required
@require_POST
def class_finish(request, pk: int):
    cls = _get_class_rw(request, pk)
    try:
        class_services.class_finish(by=request.user, training_class=cls)
    except TrainingError as exc:
        return _error_redirect(request, exc, "training:class_detail", cls.pk)
    messages.success(request, "培训班已结业。")
    return redirect("training:class_detail", pk=cls.pk)


@login_required
@require_POST
def class_cancel(request, pk: int):
    cls = _get_class_rw(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _error_redirect(request, "请填写取消的原因", "training:class_detail", cls.pk)
    try:
        class_services.class_cancel(by=request.user, training_class=cls, reason=form.cleaned_data["reason"])
    except TrainingError as exc:
        return _error_redirect(request, exc, "training:class_detail", cls.pk)
    messages.success(request, "培训班已取消，已通知的参训人员会收到取消消息。")
    return redirect("training:class_detail", pk=cls.pk)


# ---------------------------------------------------------------------------------------------------------------
# Areas (分片培训) and tasks (任务分解表)


@login_required
@require_http_methods(["GET", "POST"])
def area_create(request, pk: int):
    cls = _get_class_rw(request, pk)
    if cls.form != ClassForm.AREAS:
        raise Http404("只有分片培训才划分片区")
    form = AreaForm(request.POST if request.method == "POST" else None, training_class=cls)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            class_services.area_create(by=request.user, training_class=cls, name=data["name"],
                                       venue_region=data["venue_region"], venue=data["venue"], regions=data["regions"])
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已添加片区“{data['name']}”。")
            return redirect("training:class_detail", pk=cls.pk)
    return render(request, "training/area_form.html", {"form": form, "cls": cls})


@login_required
@require_http_methods(["GET", "POST"])
def area_edit(request, pk: int):
    area, cls = _child(request, ClassArea, pk, class_id=lambda a: a.training_class_id)
    form = AreaForm(request.POST if request.method == "POST" else None, instance=area, training_class=cls)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            class_services.area_update(by=request.user, area=area, name=data["name"],
                                       venue_region=data["venue_region"], venue=data["venue"], regions=data["regions"])
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存片区“{data['name']}”。")
            return redirect("training:class_detail", pk=cls.pk)
    return render(request, "training/area_form.html", {"form": form, "cls": cls, "area": area})


@login_required
@require_POST
def area_delete(request, pk: int):
    area, cls = _child(request, ClassArea, pk, class_id=lambda a: a.training_class_id)
    try:
        class_services.area_delete(by=request.user, area=area)
    except TrainingError as exc:
        return _error_redirect(request, exc, "training:class_detail", cls.pk)
    messages.success(request, f"已删除片区“{area.name}”。")
    return redirect("training:class_detail", pk=cls.pk)


def _tasks_fragment(request, cls, form=None):
    detail = selectors.class_detail(cls)
    return render(request, "training/class_detail.html#tasks", {
        "cls": cls, "tasks": detail["tasks"], "overdue_tasks": detail["overdue_tasks"], "can_manage": True,
        "task_form": form or TaskForm(), "today": timezone.localdate()})


@login_required
@require_POST
def task_create(request, pk: int):
    cls = _get_class_rw(request, pk)
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            class_services.task_create(by=request.user, training_class=cls, **form.cleaned_data)
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            form = None
    if _partial(request):
        return _tasks_fragment(request, cls, form)
    if form is not None:
        messages.error(request, "任务未保存：" + "；".join(e for errors in form.errors.values() for e in errors))
    return redirect(reverse("training:class_detail", args=[cls.pk]) + "#tasks")


@login_required
@require_POST
def task_toggle(request, pk: int):
    task, cls = _child(request, ClassTask, pk, class_id=lambda t: t.training_class_id)
    try:
        if task.done_on:
            class_services.task_reopen(by=request.user, task=task)
        else:
            class_services.task_complete(by=request.user, task=task)
    except TrainingError as exc:
        messages.error(request, str(exc))
    if _partial(request):
        return _tasks_fragment(request, cls)
    return redirect(reverse("training:class_detail", args=[cls.pk]) + "#tasks")


@login_required
@require_POST
def task_delete(request, pk: int):
    task, cls = _child(request, ClassTask, pk, class_id=lambda t: t.training_class_id)
    class_services.task_delete(by=request.user, task=task)
    if _partial(request):
        return _tasks_fragment(request, cls)
    return redirect(reverse("training:class_detail", args=[cls.pk]) + "#tasks")


# ---------------------------------------------------------------------------------------------------------------
# Timetable, lessons, materials


@login_required
@require_GET
def class_timetable(request, pk: int):
    cls = _get_class(request, pk)
    _require_class_viewer(request, cls)
    return render(request, "training/class_timetable.html", {
        **_class_context(request, cls, "timetable"), "days": selectors.timetable(cls),
        "total_hours": sum(lesson.hours for lesson in cls.lessons.all()),
    })


@login_required
@require_GET
def class_timetable_pdf(request, pk: int):
    cls = _get_class(request, pk)
    days = selectors.timetable(cls)
    content = render_pdf("training/timetable_pdf.html", {
        "cls": cls, "days": days, "printed": chinese_date(timezone.localdate()),
        "has_areas": cls.form == ClassForm.AREAS,
        "period": _period(cls),
    })
    return pdf_response(content, f"{cls.title}_日程安排表.pdf")


def _period(cls) -> str:
    if cls.start_date == cls.end_date:
        return chinese_date(cls.start_date)
    return f"{chinese_date(cls.start_date)}至{chinese_date(cls.end_date)}"


@login_required
@require_http_methods(["GET", "POST"])
def lesson_create(request, pk: int):
    cls = _get_class_rw(request, pk)
    form = LessonForm(request.POST if request.method == "POST" else None, training_class=cls, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            lesson = class_services.lesson_create(by=request.user, training_class=cls, **form.service_fields())
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已添加课程“{lesson.topic}”（{lesson.hours} 学时）。")
            if "another" in request.POST:
                return redirect("training:lesson_create", pk=cls.pk)
            return redirect("training:class_timetable", pk=cls.pk)
    return render(request, "training/lesson_form.html", {"form": form, "cls": cls})


@login_required
@require_http_methods(["GET", "POST"])
def lesson_edit(request, pk: int):
    lesson, cls = _child(request, Lesson, pk, class_id=lambda x: x.training_class_id)
    form = LessonForm(request.POST if request.method == "POST" else None, instance=lesson, training_class=cls, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            class_services.lesson_update(by=request.user, lesson=lesson, **form.service_fields())
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存课程“{lesson.topic}”。")
            return redirect("training:class_timetable", pk=cls.pk)
    if request.method == "POST":
        lesson.refresh_from_db()
    return render(request, "training/lesson_form.html", {
        "form": form, "cls": cls, "lesson": lesson, "material_form": MaterialForm(),
        "materials": lesson.materials.all()})


@login_required
@require_POST
def lesson_delete(request, pk: int):
    lesson, cls = _child(request, Lesson, pk, class_id=lambda x: x.training_class_id)
    try:
        class_services.lesson_delete(by=request.user, lesson=lesson)
    except TrainingError as exc:
        return _error_redirect(request, exc, "training:class_timetable", cls.pk)
    messages.success(request, f"已删除课程“{lesson.topic}”。")
    return redirect("training:class_timetable", pk=cls.pk)


@login_required
@require_POST
def material_upload(request, pk: int):
    lesson, cls = _child(request, Lesson, pk, class_id=lambda x: x.training_class_id)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            class_services.material_add(by=request.user, lesson=lesson, title=form.cleaned_data["title"],
                                        file=form.cleaned_data["file"])
        except TrainingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已上传资料。")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("training:lesson_edit", pk=lesson.pk)


@login_required
@require_POST
def material_delete(request, pk: int):
    material, cls = _child(request, LessonMaterial, pk, class_id=lambda m: m.lesson.training_class_id,
                           related=("lesson",))
    class_services.material_delete(by=request.user, material=material)
    messages.success(request, f"已删除资料“{material.title}”。")
    return redirect("training:lesson_edit", pk=material.lesson_id)


@login_required
@require_GET
def material_download(request, pk: int):
    """Materials go to those who may open the class: its staff, its delegations' leads, and its people."""
    material = get_object_or_404(LessonMaterial.objects.select_related("lesson"), pk=pk)
    _get_class(request, material.lesson.training_class_id)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件已不存在") from exc
    suffix = material.file.name.rsplit(".", 1)[-1] if "." in material.file.name else ""
    name = material.title if not suffix or material.title.endswith("." + suffix) else f"{material.title}.{suffix}"
    return FileResponse(handle, as_attachment=True, filename=name)


# ---------------------------------------------------------------------------------------------------------------
# Instructors


@login_required
@require_http_methods(["GET", "POST"])
def instructor_list(request):
    if request.user.role not in STAFF_ROLES:
        raise PermissionDenied("授课人名录仅供人大工作人员使用")
    if request.method == "POST":
        _require_manage_capability(request)
    form = InstructorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            instructor = class_services.instructor_create(by=request.user, **form.cleaned_data)
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已添加授课人 {instructor.name}。")
            return redirect("training:instructor_list")
    from django.db.models import Count

    from lvzhi.core.masking import mask_phone

    instructors = list(selectors.instructors_for(request.user).annotate(lesson_count=Count("lessons")))
    for instructor in instructors:
        instructor.editable = selectors.in_region_scope(request.user, instructor.region_id)
        instructor.phone_masked = mask_phone(instructor.phone)
    return render(request, "training/instructor_list.html", {
        "instructors": instructors, "form": form, "can_manage": request.user.can("training.manage")})


@login_required
@require_http_methods(["GET", "POST"])
def instructor_edit(request, pk: int):
    _require_manage_capability(request)
    instructor = get_object_or_404(scoped(Instructor.objects.all(), request.user), pk=pk)
    form = InstructorForm(request.POST if request.method == "POST" else None, instance=instructor)
    if request.method == "POST" and form.is_valid():
        try:
            class_services.instructor_update(by=request.user, instructor=instructor, **form.cleaned_data)
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存授课人 {instructor.name}。")
            return redirect("training:instructor_list")
    return render(request, "training/instructor_form.html", {"form": form, "instructor": instructor})


# ---------------------------------------------------------------------------------------------------------------
# People in a class


def _people_filter(request, cls):
    user = request.user
    visible = selectors.class_enrollments_for(user, cls)
    delegations = cls.delegations.all()
    if not selectors.sees_whole_class(user, cls):
        delegations = delegations.filter(pk__in=visible.values("delegation_id"))
    form = PeopleFilterForm(request.GET or None, training_class=cls, delegations=delegations)
    data = form.cleaned_data if form.is_valid() else {}
    qs = visible
    status = data.get("status") or Enrollment.Status.ENROLLED
    if status != "all":
        qs = qs.filter(status=status)
    if data.get("delegation"):
        qs = qs.filter(delegation=data["delegation"])
    if data.get("area"):
        qs = qs.filter(area=data["area"])
    if data.get("q"):
        qs = qs.filter(person__name__contains=data["q"].strip())
    return form, visible, qs


def _people_rows(enrollments, *, user, cls) -> list[dict]:
    manage_all = selectors.can_manage_class(user, cls)
    led = {d.pk for d in selectors.delegations_led_by(user, cls)}
    rows = []
    for e in enrollments:
        person = e.person
        mandate = e.mandate
        rows.append({
            "e": e, "name": person.name, "gender": person.gender,
            "level": Level(mandate.level).label + "人大代表" if mandate else e.get_kind_display(),
            "employer": person.employer_title, "phone": person.phone_masked,
            "seat": f"{e.zone.name}{e.seat_row}排{e.seat_number}号" if e.zone_id and e.seat_row else "",
            "group": f"第{e.group.number}组" if e.group_id else "",
            "can_withdraw": e.status == Enrollment.Status.ENROLLED and (manage_all or e.delegation_id in led),
        })
    return rows


@login_required
@require_GET
def class_people(request, pk: int):
    cls = _get_class(request, pk)
    _require_class_viewer(request, cls)
    form, visible, qs = _people_filter(request, cls)
    page = Paginator(selectors.people_rows(qs), PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        **_class_context(request, cls, "people"), "form": form, "page": page,
        "rows": _people_rows(page.object_list, user=request.user, cls=cls),
        "counts": selectors.enrollment_counts(visible), "querystring": params.urlencode(),
        "delegations": _delegation_rows(request, cls),
        "leads_a_delegation": bool(selectors.delegations_led_by(request.user, cls)),
    }
    if _partial(request):
        return render(request, "training/class_people.html#results", context)
    return render(request, "training/class_people.html", context)


def _delegation_rows(request, cls):
    from django.db.models import Count, Q

    qs = cls.delegations.select_related("home_region", "lead_user", "staff_user").annotate(
        enrolled=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ENROLLED)))
    if not selectors.sees_whole_class(request.user, cls):
        qs = qs.filter(pk__in=[d.pk for d in selectors.delegations_led_by(request.user, cls)])
    return qs


@login_required
@require_GET
def class_people_xlsx(request, pk: int):
    """名单: the class list as offices print it, phones masked."""
    cls = _get_class(request, pk)
    _require_class_viewer(request, cls)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rows = selectors.people_rows(selectors.class_enrollments_for(request.user, cls).filter(
        status=Enrollment.Status.ENROLLED))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "参训名单"
    headers = [("序号", 6), ("姓名", 10), ("性别", 6), ("代表团", 18), ("片区", 8), ("身份", 10), ("代表层级", 12),
               ("工作单位及职务", 36), ("联系电话", 14), ("座位", 12), ("讨论组", 8), ("已通知", 8)]
    sheet.append([f"{cls.title}参训名单"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"{_period(cls)}　{cls.venue}"])
    sheet.append([h for h, _ in headers])
    for index, (_, width) in enumerate(headers, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
        sheet.cell(row=3, column=index).font = Font(bold=True)
        sheet.cell(row=3, column=index).alignment = Alignment(horizontal="center")
    count = 0
    for count, e in enumerate(rows.iterator(chunk_size=1000), start=1):
        person, mandate = e.person, e.mandate
        sheet.append([safe_cell(v) for v in (
            count, person.name, person.gender, e.delegation.name if e.delegation_id else "",
            e.area.name if e.area_id else "", e.get_kind_display(),
            f"{Level(mandate.level).label}人大代表" if mandate else "", person.employer_title, person.phone_masked,
            f"{e.zone.name}{e.seat_row}排{e.seat_number}号" if e.zone_id and e.seat_row else "",
            f"第{e.group.number}组" if e.group_id else "", "是" if e.notified_at else "否",
        )])
    sheet.append([])
    sheet.append([f"共 {count} 人　导出日期：{chinese_date(timezone.localdate())}　联系电话已脱敏"])
    sheet.freeze_panes = "C4"
    from lvzhi.core.audit import audit_event

    audit_event(cls, event="class_list_export", actor=request.user, note=f"导出参训名单{count}人")
    return xlsx_response(workbook_bytes(workbook), f"{cls.title}_参训名单.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def class_enrol(request, pk: int):
    """Enrol by rules: the form, a preview of the count (HTMX fragment on change), then apply."""
    cls = _get_class_rw(request, pk)
    data = request.POST if request.method == "POST" else (request.GET if "region" in request.GET else None)
    form = EnrolRulesForm(data, training_class=cls, user=request.user)
    preview = None
    if form.is_bound and form.is_valid():
        try:
            if request.method == "POST" and "apply" in request.POST:
                result = enrolment_services.enrollment_apply_rules(by=request.user, training_class=cls,
                                                                   rules=form.rules())
                messages.success(request, f"已按条件新增 {result['added']} 人参训。")
                return redirect("training:class_people", pk=cls.pk)
            preview = enrolment_services.enrolment_preview(training_class=cls, rules=form.rules())
        except TrainingError as exc:
            form.add_error(None, str(exc))
    context = {**_class_context(request, cls, "people"), "form": form, "preview": preview}
    if _partial(request):
        return render(request, "training/class_enrol.html#preview", context)
    return render(request, "training/class_enrol.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def class_enrol_manual(request, pk: int):
    """Add one person by hand: search the roster of the user's scope, pick, choose identity and delegation."""
    cls = _get_class(request, pk)
    _require_class_viewer(request, cls)
    if not (selectors.can_manage_class(request.user, cls) or selectors.delegations_led_by(request.user, cls)):
        raise PermissionDenied("您没有管理该培训班名单的权限")
    if request.method == "POST":
        form = ManualAddForm(request.POST, training_class=cls)
        if form.is_valid():
            person = get_object_or_404(scoped(Person.objects.all(), request.user), pk=form.cleaned_data["person"])
            try:
                enrolment_services.enrollment_add(by=request.user, training_class=cls, person=person,
                                                  kind=form.cleaned_data["kind"],
                                                  delegation=form.cleaned_data["delegation"])
            except TrainingError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"已将 {person.name} 加入参训名单。")
                return redirect("training:class_people", pk=cls.pk)
        else:
            messages.error(request, "请先从搜索结果中选择一人")
    q = request.GET.get("q", "").strip()
    candidates = []
    if q:
        from lvzhi.people.selectors import RosterFilter, roster_persons, with_roster_mandates

        found = with_roster_mandates(roster_persons(user=request.user, flt=RosterFilter(q=q)))[:20]
        present = dict(Enrollment.objects.filter(training_class=cls, person__in=[p.pk for p in found])
                       .values_list("person_id", "status"))
        candidates = [{"person": p, "status": present.get(p.pk),
                       "levels": "、".join(Level(m.level).label for m in p.current_mandates)} for p in found]
    context = {**_class_context(request, cls, "people"), "q": q, "candidates": candidates,
               "form": ManualAddForm(training_class=cls)}
    if _partial(request):
        return render(request, "training/class_enrol_manual.html#candidates", context)
    return render(request, "training/class_enrol_manual.html", context)


@login_required
@require_POST
def enrollment_withdraw(request, pk: int):
    enrollment = get_object_or_404(Enrollment.objects.select_related("training_class", "person"), pk=pk)
    cls = _get_class(request, enrollment.training_class_id)
    if not selectors.class_enrollments_for(request.user, cls).filter(pk=enrollment.pk).exists():
        raise Http404("未找到该参训人员")
    if not selectors.can_manage_enrollment(request.user, enrollment):
        raise PermissionDenied("您没有管理此人参训的权限")
    try:
        enrolment_services.enrollment_withdraw(by=request.user, enrollment=enrollment,
                                               reason=request.POST.get("reason", ""))
    except TrainingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已将 {enrollment.person.name} 移出参训名单。")
    return redirect("training:class_people", pk=cls.pk)


@login_required
@require_http_methods(["GET", "POST"])
def delegation_edit(request, pk: int):
    delegation, cls = _child(request, ClassDelegation, pk, class_id=lambda d: d.training_class_id)
    form = DelegationForm(request.POST if request.method == "POST" else None, instance=delegation)
    if request.method == "POST" and form.is_valid():
        try:
            class_services.class_delegation_update(by=request.user, delegation=delegation, **form.cleaned_data)
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存{delegation.name}的带队领导和工作人员。")
            return redirect("training:class_people", pk=cls.pk)
    return render(request, "training/delegation_form.html", {
        **_class_context(request, cls, "people"), "form": form, "delegation": delegation})


@login_required
@require_http_methods(["GET", "POST"])
def class_notify(request, pk: int):
    cls = _get_class_rw(request, pk)
    form = NoticeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = enrolment_services.class_notice_send(by=request.user, training_class=cls, **form.cleaned_data)
        except TrainingError as exc:
            form.add_error(None, str(exc))
        else:
            note = f"，{result['without_account']} 人没有账号，请另行通知" if result["without_account"] else ""
            messages.success(request, f"已向 {result['sent']} 人发送培训通知{note}。")
            return redirect("training:class_people", pk=cls.pk)
    counts = selectors.enrollment_counts(Enrollment.objects.filter(training_class=cls))
    from lvzhi.accounts.models import User

    enrolled = Enrollment.objects.filter(training_class=cls, status=Enrollment.Status.ENROLLED)
    with_account = User.objects.filter(is_active=True, person_id__in=enrolled.values("person_id")).count()
    return render(request, "training/class_notify.html", {
        **_class_context(request, cls, "people"), "form": form, "counts": counts, "with_account": with_account,
        "text": enrolment_services.notice_text(cls)})


# ---------------------------------------------------------------------------------------------------------------
# The deputy's own classes


def _require_deputy(request):
    if request.user.role != Role.DEPUTY or not request.user.person_id:
        raise PermissionDenied("此页面供代表本人使用")


@login_required
@require_GET
def my_classes(request):
    _require_deputy(request)
    from .plans import open_surveys_for

    enrollments = list(selectors.my_classes(request.user.person))
    today = timezone.localdate()
    return render(request, "training/my_classes.html", {
        "current": [e for e in enrollments if e.training_class.end_date >= today
                    and e.training_class.status == TrainingClassModel.Status.PUBLISHED],
        "past": [e for e in enrollments if not (e.training_class.end_date >= today
                                                 and e.training_class.status == TrainingClassModel.Status.PUBLISHED)],
        "surveys": open_surveys_for(request.user),
    })


@login_required
@require_GET
def my_class(request, pk: int):
    _require_deputy(request)
    enrollment = (
        Enrollment.objects.filter(training_class_id=pk, person_id=request.user.person_id)
        .exclude(training_class__status=TrainingClassModel.Status.DRAFT)
        .select_related("training_class__region", "delegation", "area__venue_region", "zone", "group", "mandate")
        .first()
    )
    if enrollment is None:
        raise Http404("您不在该培训班的参训名单中")
    cls = enrollment.training_class
    active = enrollment.status == Enrollment.Status.ENROLLED and cls.status == TrainingClassModel.Status.PUBLISHED
    conveners = []
    if enrollment.group_id:
        conveners = list(enrollment.group.members.filter(is_convener=True).select_related("person")
                         .values_list("person__name", flat=True))
    return render(request, "training/my_class.html", {
        "e": enrollment, "cls": cls, "active": active,
        "days": selectors.timetable(cls, area=enrollment.area),
        "links": (selectors.optional_links(selectors.CLASS_DEPUTY_LINKS, cls.pk) + selectors.quiz_links(cls)
                  if active else []),
        "conveners": conveners, "period": _period(cls),
    })


urlpatterns = [
    path("", class_list, name="index"),  # the menu's entry: every training page lies under it
    path("classes/", class_list, name="class_list"),
    path("classes/new/", class_create, name="class_create"),
    path("classes/<int:pk>/", class_detail, name="class_detail"),
    path("classes/<int:pk>/edit/", class_edit, name="class_edit"),
    path("classes/<int:pk>/publish/", class_publish, name="class_publish"),
    path("classes/<int:pk>/finish/", class_finish, name="class_finish"),
    path("classes/<int:pk>/cancel/", class_cancel, name="class_cancel"),
    path("classes/<int:pk>/areas/new/", area_create, name="area_create"),
    path("areas/<int:pk>/edit/", area_edit, name="area_edit"),
    path("areas/<int:pk>/delete/", area_delete, name="area_delete"),
    path("classes/<int:pk>/tasks/new/", task_create, name="task_create"),
    path("tasks/<int:pk>/toggle/", task_toggle, name="task_toggle"),
    path("tasks/<int:pk>/delete/", task_delete, name="task_delete"),
    path("classes/<int:pk>/timetable/", class_timetable, name="class_timetable"),
    path("classes/<int:pk>/timetable.pdf", class_timetable_pdf, name="class_timetable_pdf"),
    path("classes/<int:pk>/lessons/new/", lesson_create, name="lesson_create"),
    path("lessons/<int:pk>/edit/", lesson_edit, name="lesson_edit"),
    path("lessons/<int:pk>/delete/", lesson_delete, name="lesson_delete"),
    path("lessons/<int:pk>/materials/", material_upload, name="material_upload"),
    path("materials/<int:pk>/", material_download, name="material_download"),
    path("materials/<int:pk>/delete/", material_delete, name="material_delete"),
    path("instructors/", instructor_list, name="instructor_list"),
    path("instructors/<int:pk>/edit/", instructor_edit, name="instructor_edit"),
    path("classes/<int:pk>/people/", class_people, name="class_people"),
    path("classes/<int:pk>/people.xlsx", class_people_xlsx, name="class_people_xlsx"),
    path("classes/<int:pk>/enrol/", class_enrol, name="class_enrol"),
    path("classes/<int:pk>/enrol/manual/", class_enrol_manual, name="class_enrol_manual"),
    path("enrollments/<int:pk>/withdraw/", enrollment_withdraw, name="enrollment_withdraw"),
    path("delegations/<int:pk>/edit/", delegation_edit, name="delegation_edit"),
    path("classes/<int:pk>/notify/", class_notify, name="class_notify"),
    path("my/", my_classes, name="my_classes"),
    path("my/<int:pk>/", my_class, name="my_class"),
]

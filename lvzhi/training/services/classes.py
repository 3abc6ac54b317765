"""Classes (培训班): the class itself and its life (筹备中 → 已发通知 → 已结业, or 已取消), its areas (分片培训),
task breakdown (任务分解表), instructors, lessons and their materials, and its delegations' leads and staff.

Each function checks the actor's rights and the rules, writes the audit trail and runs in one transaction."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lvzhi.core.audit import audit_event
from lvzhi.core.notify import notify

from ..models import (
    ClassArea,
    ClassDelegation,
    ClassForm,
    ClassTask,
    Enrollment,
    Instructor,
    Lesson,
    LessonMaterial,
    TrainingClass,
)
from ..selectors import can_manage_class, in_region_scope


class TrainingError(ValueError):
    """A refused change, with the message (in Chinese) that tells the user what to fix."""


def require_manage(by, training_class: TrainingClass) -> None:
    if not can_manage_class(by, training_class):
        raise TrainingError("您没有管理该培训班的权限")


def full_clean(obj, *, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise TrainingError("；".join(exc.messages)) from exc


def _lock(training_class: TrainingClass) -> TrainingClass:
    return TrainingClass.objects.select_for_update().get(pk=training_class.pk)


CLASS_FIELDS = (
    "title", "form", "audience", "plan", "organiser", "co_organisers", "start_date", "end_date", "venue", "capacity",
    "budget_note", "work_plan", "requirements", "late_grace_minutes", "early_grace_minutes", "leave_chain",
    "certificate_min_rate", "pre_quiz", "post_quiz",
)


def _check_class(cls: TrainingClass) -> None:
    if cls.start_date and cls.end_date and cls.end_date < cls.start_date:
        raise TrainingError("结业日期不能早于开班日期")
    if cls.plan_id and not cls.region_id.startswith(cls.plan.region.prefix):
        raise TrainingError("所属计划应是本机关或上级机关制定的")
    for quiz, label in ((cls.pre_quiz, "培训前测试"), (cls.post_quiz, "培训后测试")):
        # The class's deputies must be able to open the quiz: it belongs to this office or one above it.
        if quiz is not None and not cls.region_id.startswith(quiz.region.prefix):
            raise TrainingError(f"{label}应是本机关或上级机关组织的测试")
    if cls.pre_quiz_id and cls.pre_quiz_id == cls.post_quiz_id:
        raise TrainingError("培训前、后测试应是两份不同的测试")
    full_clean(cls, exclude=["pre_quiz", "post_quiz"])


@transaction.atomic
def class_create(*, by, region, **fields) -> TrainingClass:
    if not (by.can("training.manage") and in_region_scope(by, region.code)):
        raise TrainingError("您没有在该区划举办培训班的权限")
    cls = TrainingClass(region=region, created_by=by, **{k: v for k, v in fields.items() if k in CLASS_FIELDS})
    if not cls.leave_chain:
        cls.leave_chain = ["home_office", "organiser"]
    _check_class(cls)
    cls.save()
    return cls


@transaction.atomic
def class_update(*, by, training_class: TrainingClass, **fields) -> TrainingClass:
    require_manage(by, training_class)
    cls = _lock(training_class)
    if cls.status in (TrainingClass.Status.FINISHED, TrainingClass.Status.CANCELLED):
        raise TrainingError(f"培训班{cls.get_status_display()}，不能再修改")
    for key, value in fields.items():
        if key not in CLASS_FIELDS:
            raise TrainingError(f"培训班的「{key}」不能在此修改")
        setattr(cls, key, value)
    if cls.form != ClassForm.AREAS and cls.areas.exists():
        raise TrainingError("该班已划分片区：改为其他形式前请先删除片区")
    if _lessons_outside(cls):
        raise TrainingError("已有课程不在新的培训日期之内：请先调整或删除这些课程")
    _check_class(cls)
    cls.save()
    return cls


def _lessons_outside(cls: TrainingClass) -> bool:
    for starts_at in cls.lessons.values_list("starts_at", flat=True):
        day = timezone.localtime(starts_at).date()
        if day < cls.start_date or day > cls.end_date:
            return True
    return False


def _transition(cls: TrainingClass, to_status: str, *, by, note: str = "") -> None:
    before = cls.status
    cls.status = to_status
    cls.save(update_fields=["status", "updated_at"])
    audit_event(cls, event="status_change", actor=by, changes={"status": [before, to_status]},
                note=note or TrainingClass.Status(to_status).label)


@transaction.atomic
def class_publish(*, by, training_class: TrainingClass) -> TrainingClass:
    """筹备中 → 已发通知: the timetable must exist first."""
    require_manage(by, training_class)
    cls = _lock(training_class)
    if cls.status != TrainingClass.Status.DRAFT:
        raise TrainingError(f"培训班当前为「{cls.get_status_display()}」，不能发布")
    if not cls.lessons.exists():
        raise TrainingError("请先在日程中添加课程，再发布培训班")
    if cls.form == ClassForm.AREAS and not cls.areas.exists():
        raise TrainingError("分片培训请先划分片区（片区名称、承办乡镇、包含乡镇），再发布")
    _transition(cls, TrainingClass.Status.PUBLISHED, by=by, note="发布培训班")
    return cls


@transaction.atomic
def class_finish(*, by, training_class: TrainingClass, today: dt.date | None = None) -> TrainingClass:
    """已发通知 → 已结业, not before the last day of the class."""
    require_manage(by, training_class)
    cls = _lock(training_class)
    today = today or timezone.localdate()
    if cls.status != TrainingClass.Status.PUBLISHED:
        raise TrainingError(f"培训班当前为「{cls.get_status_display()}」，不能结业")
    if today < cls.end_date:
        raise TrainingError(f"培训班{cls.end_date.year}年{cls.end_date.month}月{cls.end_date.day}日才结束，届时再办理结业")
    _transition(cls, TrainingClass.Status.FINISHED, by=by, note="结业")
    return cls


@transaction.atomic
def class_cancel(*, by, training_class: TrainingClass, reason: str) -> TrainingClass:
    """筹备中 or 已发通知 → 已取消, with a reason; those already notified are told."""
    require_manage(by, training_class)
    cls = _lock(training_class)
    reason = (reason or "").strip()
    if cls.status not in (TrainingClass.Status.DRAFT, TrainingClass.Status.PUBLISHED):
        raise TrainingError(f"培训班当前为「{cls.get_status_display()}」，不能取消")
    if not reason:
        raise TrainingError("请填写取消的原因")
    _transition(cls, TrainingClass.Status.CANCELLED, by=by, note=f"取消：{reason}")
    from lvzhi.accounts.models import User

    notified = Enrollment.objects.filter(training_class=cls, status=Enrollment.Status.ENROLLED,
                                         notified_at__isnull=False).values("person_id")
    users = list(User.objects.filter(person_id__in=notified, is_active=True))
    title = f"{cls.title}已取消"

    def send():
        for user in users:
            notify(user=user, title=title, body=f"取消原因：{reason}")

    transaction.on_commit(send)
    return cls


# --------------------------------------------------------------------------------------------- areas


def _require_editable(cls: TrainingClass) -> None:
    if cls.status in (TrainingClass.Status.FINISHED, TrainingClass.Status.CANCELLED):
        raise TrainingError(f"培训班{cls.get_status_display()}，不能再修改")


def _check_area_regions(cls: TrainingClass, area: ClassArea | None, venue_region, regions) -> None:
    prefix = cls.region.prefix
    for region in [venue_region, *regions]:
        if not region.code.startswith(prefix):
            raise TrainingError(f"{region.name}不在主办机关的行政区域内")
    others = ClassArea.objects.filter(training_class=cls)
    if area is not None:
        others = others.exclude(pk=area.pk)
    taken = {r.code: a.name for a in others.prefetch_related("regions") for r in a.regions.all()}
    clash = [f"{r.name}（已属{taken[r.code]}）" for r in regions if r.code in taken]
    if clash:
        raise TrainingError("一个乡镇只能属于一个片区：" + "、".join(clash))


@transaction.atomic
def area_create(*, by, training_class: TrainingClass, name: str, venue_region, venue: str = "",
                regions=()) -> ClassArea:
    require_manage(by, training_class)
    cls = _lock(training_class)
    _require_editable(cls)
    if cls.form != ClassForm.AREAS:
        raise TrainingError("只有分片培训才划分片区")
    regions = list(regions)
    _check_area_regions(cls, None, venue_region, regions)
    if ClassArea.objects.filter(training_class=cls, name=name.strip()).exists():
        raise TrainingError(f"已有名为「{name}」的片区")
    area = ClassArea(training_class=cls, name=name.strip(), venue_region=venue_region, venue=venue,
                     order=cls.areas.count())
    full_clean(area)
    area.save()
    area.regions.set(regions)
    return area


@transaction.atomic
def area_update(*, by, area: ClassArea, name: str, venue_region, venue: str = "", regions=()) -> ClassArea:
    cls = area.training_class
    require_manage(by, cls)
    _lock(cls)
    _require_editable(cls)
    regions = list(regions)
    _check_area_regions(cls, area, venue_region, regions)
    if ClassArea.objects.filter(training_class=cls, name=name.strip()).exclude(pk=area.pk).exists():
        raise TrainingError(f"已有名为「{name}」的片区")
    area.name, area.venue_region, area.venue = name.strip(), venue_region, venue
    full_clean(area)
    area.save()
    area.regions.set(regions)
    return area


@transaction.atomic
def area_delete(*, by, area: ClassArea) -> None:
    cls = area.training_class
    require_manage(by, cls)
    _require_editable(cls)
    if area.lessons.exists():
        raise TrainingError(f"片区「{area.name}」已有课程，请先删除或改派这些课程")
    area.delete()


# --------------------------------------------------------------------------------------------- tasks


TASK_FIELDS = ("title", "owner", "due_date", "note")


@transaction.atomic
def task_create(*, by, training_class: TrainingClass, **fields) -> ClassTask:
    require_manage(by, training_class)
    _require_editable(training_class)
    task = ClassTask(training_class=training_class, order=training_class.tasks.count(),
                     **{k: v for k, v in fields.items() if k in TASK_FIELDS})
    full_clean(task)
    task.save()
    return task


@transaction.atomic
def task_update(*, by, task: ClassTask, **fields) -> ClassTask:
    require_manage(by, task.training_class)
    for key, value in fields.items():
        if key not in TASK_FIELDS:
            raise TrainingError(f"任务的「{key}」不能在此修改")
        setattr(task, key, value)
    full_clean(task)
    task.save()
    return task


@transaction.atomic
def task_complete(*, by, task: ClassTask, done_on: dt.date | None = None) -> ClassTask:
    require_manage(by, task.training_class)
    task = ClassTask.objects.select_for_update().get(pk=task.pk)
    done_on = done_on or timezone.localdate()
    if task.done_on is not None:
        raise TrainingError("该任务已经完成")
    if done_on > timezone.localdate():
        raise TrainingError("完成日期不能晚于今天")
    task.done_on = done_on
    task.save(update_fields=["done_on"])
    audit_event(task, event="task_done", actor=by, changes={"done_on": [None, str(done_on)]}, note=task.title)
    return task


@transaction.atomic
def task_reopen(*, by, task: ClassTask) -> ClassTask:
    require_manage(by, task.training_class)
    task = ClassTask.objects.select_for_update().get(pk=task.pk)
    if task.done_on is None:
        raise TrainingError("该任务尚未完成")
    before = task.done_on
    task.done_on = None
    task.save(update_fields=["done_on"])
    audit_event(task, event="task_reopen", actor=by, changes={"done_on": [str(before), None]}, note=task.title)
    return task


@transaction.atomic
def task_delete(*, by, task: ClassTask) -> None:
    require_manage(by, task.training_class)
    task.delete()


# --------------------------------------------------------------------------------------------- instructors


INSTRUCTOR_FIELDS = ("name", "title", "organisation", "phone", "bio")


@transaction.atomic
def instructor_create(*, by, **fields) -> Instructor:
    if not by.can("training.manage") or not by.region_id:
        raise TrainingError("您没有录入授课人的权限")
    instructor = Instructor(region_id=by.region_id, **{k: v for k, v in fields.items() if k in INSTRUCTOR_FIELDS})
    full_clean(instructor)
    instructor.save()
    return instructor


@transaction.atomic
def instructor_update(*, by, instructor: Instructor, **fields) -> Instructor:
    if not (by.can("training.manage") and in_region_scope(by, instructor.region_id)):
        raise TrainingError("只能修改本机关录入的授课人")
    for key, value in fields.items():
        if key in INSTRUCTOR_FIELDS:
            setattr(instructor, key, value)
    full_clean(instructor)
    instructor.save()
    return instructor


# --------------------------------------------------------------------------------------------- lessons


LESSON_FIELDS = ("area", "topic", "kind", "instructor", "host", "starts_at", "ends_at", "room", "hours",
                 "attendance_required")


def default_hours(starts_at: dt.datetime, ends_at: dt.datetime) -> Decimal:
    """学时 from the duration, to the half hour (2 h 30 min → 2.5)."""
    minutes = Decimal((ends_at - starts_at).total_seconds()) / 60
    return (minutes / 30).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def _check_lesson(cls: TrainingClass, lesson: Lesson) -> None:
    if lesson.starts_at is None or lesson.ends_at is None:
        raise TrainingError("请填写课程的开始和结束时间")
    if lesson.ends_at <= lesson.starts_at:
        raise TrainingError("结束时间应晚于开始时间")
    day = timezone.localtime(lesson.starts_at).date()
    if day < cls.start_date or day > cls.end_date:
        raise TrainingError(
            f"课程日期应在培训期间（{cls.start_date.month}月{cls.start_date.day}日至{cls.end_date.month}月"
            f"{cls.end_date.day}日）之内")
    if timezone.localtime(lesson.ends_at).date() != day:
        raise TrainingError("一节课程应在同一天内开始和结束")
    if lesson.area_id and lesson.area.training_class_id != cls.pk:
        raise TrainingError("所选片区不属于本培训班")
    if lesson.hours is None or lesson.hours == 0:
        lesson.hours = default_hours(lesson.starts_at, lesson.ends_at)
    if lesson.hours < 0:
        raise TrainingError("学时不能为负数")
    clash = Lesson.objects.filter(training_class=cls, starts_at__lt=lesson.ends_at, ends_at__gt=lesson.starts_at)
    if lesson.area_id:
        clash = clash.filter(area__isnull=True) | clash.filter(area_id=lesson.area_id)
    else:
        clash = clash.filter(area__isnull=True) if cls.form == ClassForm.AREAS else clash
    if lesson.pk:
        clash = clash.exclude(pk=lesson.pk)
    other = clash.first()
    if other is not None:
        start = timezone.localtime(other.starts_at)
        raise TrainingError(f"与课程「{other.topic}」（{start:%m月%d日 %H:%M}开始）时间重叠")
    full_clean(lesson)


@transaction.atomic
def lesson_create(*, by, training_class: TrainingClass, **fields) -> Lesson:
    require_manage(by, training_class)
    cls = _lock(training_class)
    _require_editable(cls)
    lesson = Lesson(training_class=cls, **{k: v for k, v in fields.items() if k in LESSON_FIELDS})
    _check_lesson(cls, lesson)
    lesson.save()
    return lesson


@transaction.atomic
def lesson_update(*, by, lesson: Lesson, **fields) -> Lesson:
    cls = lesson.training_class
    require_manage(by, cls)
    _lock(cls)
    _require_editable(cls)
    for key, value in fields.items():
        if key not in LESSON_FIELDS:
            raise TrainingError(f"课程的「{key}」不能在此修改")
        setattr(lesson, key, value)
    _check_lesson(cls, lesson)
    lesson.save()
    return lesson


@transaction.atomic
def lesson_delete(*, by, lesson: Lesson) -> None:
    cls = lesson.training_class
    require_manage(by, cls)
    _require_editable(cls)
    if lesson.attendances.exists():
        raise TrainingError("该课程已有考勤记录，不能删除")
    if cls.status == TrainingClass.Status.PUBLISHED and cls.lessons.count() == 1:
        raise TrainingError("已发布的培训班至少要有一节课程")
    audit_event(cls, event="lesson_delete", actor=by, note=lesson.topic)
    for material in lesson.materials.all():
        material.file.delete(save=False)
    lesson.delete()


MAX_MATERIAL_BYTES = 50 * 1024 * 1024


@transaction.atomic
def material_add(*, by, lesson: Lesson, title: str, file) -> LessonMaterial:
    require_manage(by, lesson.training_class)
    if file is None:
        raise TrainingError("请选择要上传的文件")
    if file.size > MAX_MATERIAL_BYTES:
        raise TrainingError("文件不能超过 50 MB")
    material = LessonMaterial(lesson=lesson, title=(title or file.name).strip()[:200], file=file)
    full_clean(material)
    material.save()
    audit_event(lesson, event="material_add", actor=by, note=material.title)
    return material


@transaction.atomic
def material_delete(*, by, material: LessonMaterial) -> None:
    require_manage(by, material.lesson.training_class)
    audit_event(material.lesson, event="material_delete", actor=by, note=material.title)
    material.file.delete(save=False)
    material.delete()


# --------------------------------------------------------------------------------------------- delegations


@transaction.atomic
def class_delegation_update(*, by, delegation: ClassDelegation, lead_name: str = "", lead_user=None,
                            staff_name: str = "", staff_user=None) -> ClassDelegation:
    """Name the delegation's lead (带队领导) and staff member; their accounts then see its people."""
    require_manage(by, delegation.training_class)
    for user in (lead_user, staff_user):
        if user is not None and not user.is_active:
            raise TrainingError(f"账号 {user} 已停用")
    newly = [(user, role) for user, role, before in ((lead_user, "带队领导", delegation.lead_user_id),
                                                     (staff_user, "工作人员", delegation.staff_user_id))
             if user is not None and user.pk != before]
    delegation.lead_name = (lead_name or (lead_user.display_name if lead_user else "")).strip()[:40]
    delegation.lead_user = lead_user
    delegation.staff_name = (staff_name or (staff_user.display_name if staff_user else "")).strip()[:40]
    delegation.staff_user = staff_user
    full_clean(delegation)
    delegation.save()
    cls = delegation.training_class
    link = reverse("training:class_people", args=[cls.pk]) + f"?delegation={delegation.pk}"

    def send():
        for user, role in newly:
            notify(user=user, title=f"您已被设为{cls.title}{delegation.name}的{role}",
                   body="可在系统中查看和管理本代表团的参训人员。", link=link)

    transaction.on_commit(send)
    return delegation

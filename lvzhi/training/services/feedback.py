"""Lesson ratings and reflections (心得体会): what deputies think of a class, written on their phones.

A rating is 1–5 with an optional comment, one per lesson per person, given by someone enrolled in the class
(and in the lesson's area, for 分片培训) once the lesson has started; a person whose approved leave covered the
lesson was not there and cannot rate it. Reflections open on the class's first day; a person may write several
and correct their own.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from lvzhi.core.audit import audit_event

from ..models import Enrollment, LeaveRequest, Lesson, LessonRating, Reflection, TrainingClass

COMMENT_MAX = LessonRating._meta.get_field("comment").max_length
TITLE_MAX = Reflection._meta.get_field("title").max_length
REFLECTION_MIN = 20
REFLECTION_MAX = 5000


class FeedbackError(ValueError):
    """A refusal the person can act on; the message says what to do, in Chinese."""


def enrollment_of(*, training_class: TrainingClass, user) -> Enrollment | None:
    """The user's own enrolment in the class, or None (staff accounts have no person)."""
    if not getattr(user, "person_id", None):
        return None
    return (Enrollment.objects.select_related("training_class")
            .filter(training_class=training_class, person_id=user.person_id, status=Enrollment.Status.ENROLLED)
            .first())


def _own_enrollment(training_class: TrainingClass, by) -> Enrollment:
    enrollment = enrollment_of(training_class=training_class, user=by)
    if enrollment is None:
        raise PermissionDenied("您不在该培训班的参训名单中")
    return enrollment


def lesson_rateable(*, lesson: Lesson, enrollment: Enrollment, now=None) -> str:
    """Why this person may not rate this lesson now ("" when they may)."""
    now = now or timezone.now()
    if lesson.training_class.status == TrainingClass.Status.CANCELLED:
        return "培训班已取消"
    if lesson.area_id and enrollment.area_id != lesson.area_id:
        return "这节课属于其他片区，您没有参加"
    if lesson.starts_at > now:
        return "课程开始后才能评价"
    return ""


@transaction.atomic
def lesson_rate(*, lesson: Lesson, score, comment: str = "", by) -> LessonRating:
    enrollment = _own_enrollment(lesson.training_class, by)
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise FeedbackError("请选择 1 到 5 分的评分") from None
    if not 1 <= score <= 5:
        raise FeedbackError("请选择 1 到 5 分的评分")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise FeedbackError(f"意见最多 {COMMENT_MAX} 字，请精简后再提交")
    refusal = lesson_rateable(lesson=lesson, enrollment=enrollment)
    if refusal:
        raise FeedbackError(refusal)
    on_leave = LeaveRequest.objects.filter(enrollment=enrollment, status=LeaveRequest.Status.APPROVED,
                                           lessons=lesson).exists()
    if on_leave and not lesson.attendances.filter(enrollment=enrollment).exists():
        raise FeedbackError("您这节课已请假，没有参加，不能评价")
    if LessonRating.objects.filter(lesson=lesson, enrollment=enrollment).exists():
        raise FeedbackError("您已评价过这节课，每节课只评价一次")
    try:
        with transaction.atomic():
            rating = LessonRating.objects.create(lesson=lesson, enrollment=enrollment, score=score, comment=comment)
    except IntegrityError:  # the same form sent twice at once: the first one counts
        raise FeedbackError("您已评价过这节课，每节课只评价一次") from None
    audit_event(rating, event="lesson_rate", actor=by, changes={"score": [None, score]},
                note=f"{lesson.topic}：{score}分")
    return rating


def _clean_reflection(title: str, text: str) -> tuple[str, str]:
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise FeedbackError("请填写标题")
    if len(title) > TITLE_MAX:
        raise FeedbackError(f"标题最多 {TITLE_MAX} 字")
    if len(text) < REFLECTION_MIN:
        raise FeedbackError(f"心得体会至少写 {REFLECTION_MIN} 字")
    if len(text) > REFLECTION_MAX:
        raise FeedbackError(f"心得体会最多 {REFLECTION_MAX} 字，请精简或分篇提交")
    return title, text


@transaction.atomic
def reflection_submit(*, training_class: TrainingClass, title: str, text: str, by) -> Reflection:
    enrollment = _own_enrollment(training_class, by)
    title, text = _clean_reflection(title, text)
    if training_class.status == TrainingClass.Status.CANCELLED:
        raise FeedbackError("培训班已取消")
    if timezone.localdate() < training_class.start_date:
        raise FeedbackError("培训开班后才能提交心得体会")
    # A double tap sends the same text twice: keep one.
    same = Reflection.objects.filter(enrollment=enrollment, title=title, text=text).first()
    if same:
        return same
    reflection = Reflection.objects.create(enrollment=enrollment, title=title, text=text)
    audit_event(reflection, event="reflection_submit", actor=by, note=title)
    return reflection


@transaction.atomic
def reflection_update(*, reflection: Reflection, title: str, text: str, by) -> Reflection:
    if not getattr(by, "person_id", None) or reflection.enrollment.person_id != by.person_id:
        raise PermissionDenied("只能修改自己的心得体会")
    title, text = _clean_reflection(title, text)
    changes = {k: [getattr(reflection, k), v] for k, v in (("title", title), ("text", text))
               if getattr(reflection, k) != v}
    if changes:
        reflection.title, reflection.text = title, text
        reflection.save(update_fields=["title", "text", "updated_at"])
        audit_event(reflection, event="reflection_update", actor=by, changes={k: [str(a)[:50], str(b)[:50]]
                                                                              for k, (a, b) in changes.items()})
    return reflection

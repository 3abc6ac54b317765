"""结业证书: who met the attendance rule, issuing with gapless numbers per class, revoking, the PDF.

The rule: attended hours plus approved-leave hours reach ``certificate_min_rate`` per cent of the hours the
person was required to attend (lessons with attendance, of their own area in a 分片培训). Approved leave counts
because the seed's discipline says only approved leave excuses an absence, and a class that wants stricter
completion lowers nothing but raises the rate it sets; the certificate itself prints only the hours actually
attended. An unexcused absence, or leave still pending or refused, counts as nothing. A lesson whose hours were
left at 0 weighs its length in hours, so a timetable without 学时 still has a sensible rule.

Numbers read like 清源培〔2026〕7班第001号 (the organiser's short name, the year the class ended, the class, the
sequence); they are gapless per class under a lock on the class row, and a revoked certificate keeps its number.
Issuing is idempotent: a second run issues only to those newly eligible, and never re-issues a revoked one.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import segno
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from lvzhi.core.audit import audit_event
from lvzhi.core.documents import chinese_date, render_pdf
from lvzhi.core.notify import notify
from lvzhi.core.scoping import scoped

from ..models import Attendance, Certificate, Enrollment, LeaveRequest, Lesson, TrainingClass

REASON_MAX = Certificate._meta.get_field("revoke_reason").max_length


class CertificateError(ValueError):
    """A refusal the office can act on."""


@dataclass
class Standing:
    enrollment: Enrollment
    required_hours: Decimal
    attended_hours: Decimal
    leave_hours: Decimal
    min_rate: int

    @property
    def rate(self) -> Decimal:
        if not self.required_hours:
            return Decimal(0)
        return ((self.attended_hours + self.leave_hours) * 100 / self.required_hours).quantize(
            Decimal("0.1"), ROUND_HALF_UP)

    @property
    def eligible(self) -> bool:
        return bool(self.required_hours) and (self.attended_hours + self.leave_hours) * 100 >= \
            self.required_hours * self.min_rate


def lesson_weight(lesson: Lesson) -> Decimal:
    """The lesson's 学时, or its length in hours (to the half hour) when none was set."""
    if lesson.hours:
        return Decimal(lesson.hours)
    minutes = (lesson.ends_at - lesson.starts_at).total_seconds() / 60
    return (Decimal(minutes) / 30).quantize(Decimal(1), ROUND_HALF_UP) / 2


def certificate_standings(*, training_class: TrainingClass, enrollment: Enrollment | None = None) -> list[Standing]:
    """Every enrolled person's hours against the rule (or only ``enrollment``'s), in delegation order; four
    queries whatever the size."""
    lessons = list(Lesson.objects.filter(training_class=training_class, attendance_required=True))
    weights = {lesson.pk: lesson_weight(lesson) for lesson in lessons}
    enrollments = Enrollment.objects.filter(training_class=training_class, status=Enrollment.Status.ENROLLED)
    attendances = Attendance.objects.filter(lesson__training_class=training_class)
    leaves = LeaveRequest.lessons.through.objects.filter(leaverequest__enrollment__training_class=training_class,
                                                         leaverequest__status=LeaveRequest.Status.APPROVED)
    if enrollment is not None:
        enrollments = enrollments.filter(pk=enrollment.pk)
        attendances = attendances.filter(enrollment_id=enrollment.pk)
        leaves = leaves.filter(leaverequest__enrollment_id=enrollment.pk)
    enrollments = list(enrollments.select_related("person", "delegation", "area")
                       .order_by("delegation__order", "delegation_id", "id"))
    attended: dict[int, set[int]] = {}
    for enrollment_id, lesson_id in attendances.values_list("enrollment_id", "lesson_id"):
        attended.setdefault(enrollment_id, set()).add(lesson_id)
    excused: dict[int, set[int]] = {}
    for enrollment_id, lesson_id in leaves.values_list("leaverequest__enrollment_id", "lesson_id"):
        excused.setdefault(enrollment_id, set()).add(lesson_id)
    standings = []
    for enrollment in enrollments:
        mine = [lesson.pk for lesson in lessons if lesson.area_id is None or lesson.area_id == enrollment.area_id]
        present = attended.get(enrollment.pk, set())
        leave = excused.get(enrollment.pk, set()) - present
        standings.append(Standing(
            enrollment=enrollment,
            required_hours=sum((weights[pk] for pk in mine), Decimal(0)),
            attended_hours=sum((weights[pk] for pk in mine if pk in present), Decimal(0)),
            leave_hours=sum((weights[pk] for pk in mine if pk in leave), Decimal(0)),
            min_rate=training_class.certificate_min_rate,
        ))
    return standings


def certificate_prefix(training_class: TrainingClass) -> str:
    """清源县 → 清源培: the organiser region's name without its level word."""
    name = training_class.region.name
    for suffix in ("自治县", "自治州", "街道", "县", "市", "区", "省", "镇", "乡", "旗"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return f"{name}培"


def certificate_number(training_class: TrainingClass, sequence: int) -> str:
    return f"{certificate_prefix(training_class)}〔{training_class.end_date.year}〕{training_class.pk}班第{sequence:03d}号"


def _require_manager(training_class: TrainingClass, by) -> None:
    if not (by.can("training.manage") and scoped(TrainingClass.objects, by).filter(pk=training_class.pk).exists()):
        raise PermissionDenied("您没有管理该培训班结业证书的权限")


@transaction.atomic
def certificates_issue(*, training_class: TrainingClass, by) -> list[Certificate]:
    """Issue certificates to everyone eligible who has none yet; returns the new ones (empty on a second run)."""
    _require_manager(training_class, by)
    training_class = TrainingClass.objects.select_for_update().select_related("region").get(pk=training_class.pk)
    if training_class.status == TrainingClass.Status.CANCELLED:
        raise CertificateError("培训班已取消，不能颁发结业证书")
    last_end = training_class.lessons.aggregate(last=Max("ends_at"))["last"]
    if last_end is None:
        raise CertificateError("培训班还没有课程，不能颁发结业证书")
    if last_end > timezone.now():
        raise CertificateError("培训尚未结束（最后一节课结束后才能颁发结业证书）")
    existing = Certificate.objects.filter(enrollment__training_class=training_class)
    holders = set(existing.values_list("enrollment_id", flat=True))
    numbers = set(existing.values_list("number", flat=True))
    sequence = len(numbers)
    issued = []
    for standing in certificate_standings(training_class=training_class):
        if not standing.eligible or standing.enrollment.pk in holders:
            continue
        sequence += 1
        while certificate_number(training_class, sequence) in numbers:
            sequence += 1
        certificate = Certificate.objects.create(
            enrollment=standing.enrollment, number=certificate_number(training_class, sequence), issued_by=by)
        certificate.enrollment = standing.enrollment
        issued.append(certificate)
    if issued:
        audit_event(training_class, event="certificates_issue", actor=by,
                    note=f"颁发结业证书 {len(issued)} 份：{issued[0].number} 至 {issued[-1].number}")
        person_ids = [c.enrollment.person_id for c in issued]
        title = f"您已获得“{training_class.title}”结业证书"

        def send():
            from lvzhi.accounts.models import User

            for user in User.objects.filter(person_id__in=person_ids, is_active=True):
                notify(user=user, title=title, body="可在培训班页面下载证书。",
                       link=reverse("training:my_feedback", args=[training_class.pk]))

        transaction.on_commit(send)
    return issued


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, by) -> Certificate:
    training_class = certificate.enrollment.training_class
    _require_manager(training_class, by)
    certificate = Certificate.objects.select_for_update().select_related("enrollment__person").get(pk=certificate.pk)
    if certificate.revoked_at:
        raise CertificateError("该证书已撤销")
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("请填写撤销原因")
    if len(reason) > REASON_MAX:
        raise CertificateError(f"撤销原因最多 {REASON_MAX} 字")
    certificate.revoked_at = timezone.now()
    certificate.revoke_reason = reason
    certificate.save(update_fields=["revoked_at", "revoke_reason"])
    audit_event(certificate, event="certificate_revoke", actor=by, note=reason,
                changes={"revoked_at": [None, str(certificate.revoked_at)]})
    person_id = certificate.enrollment.person_id

    def send():
        from lvzhi.accounts.models import User

        user = User.objects.filter(person_id=person_id, is_active=True).first()
        notify(user=user, title=f"您的结业证书 {certificate.number} 已撤销", body=f"原因：{reason}")

    transaction.on_commit(send)
    return certificate


# ------------------------------------------------------------------------------------------------ documents


def certificate_verify_path(certificate: Certificate) -> str:
    return reverse("training:certificate_verify", args=[certificate.code])


def certificates_pdf(*, certificates: list[Certificate], base_url: str) -> bytes:
    """One A4 landscape page per certificate; each carries a QR code of its public verification address.

    ``base_url`` is the site's address (``request.build_absolute_uri("/")``); the QR must open from any phone."""
    if not certificates:
        raise CertificateError("没有可打印的结业证书")
    standings = {}
    pages = []
    base = base_url.rstrip("/")
    for certificate in certificates:
        enrollment = certificate.enrollment
        training_class = enrollment.training_class
        if training_class.pk not in standings:
            # one certificate: only its holder's hours; a batch: the whole class at once
            only = enrollment if len(certificates) == 1 else None
            standings[training_class.pk] = {s.enrollment.pk: s for s in
                                            certificate_standings(training_class=training_class, enrollment=only)}
        standing = standings[training_class.pk].get(enrollment.pk)
        url = base + certificate_verify_path(certificate)
        pages.append({
            "certificate": certificate,
            "name": enrollment.person.name,
            "class": training_class,
            "start": chinese_date(training_class.start_date),
            "end": chinese_date(training_class.end_date),
            "issued": chinese_date(timezone.localtime(certificate.issued_at)),
            "hours": _hours_text(standing.attended_hours if standing else Decimal(0)),
            "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=1),
            "url": url,
        })
    return render_pdf("training/feedback/certificate_pdf.html", {"pages": pages})


def _hours_text(hours: Decimal) -> str:
    return f"{hours.normalize():f}"

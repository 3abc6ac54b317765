"""Training views: completion certificates (结业证书) — the office's list, issuing, revoking, PDFs — and the public
verification page that a certificate's QR code opens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from lvzhi.core.documents import chinese_date, pdf_response
from lvzhi.core.scoping import get_scoped_or_404
from lvzhi.core.views import ratelimited

from ..models import Certificate
from ..services import certificates as services
from .feedback import class_context, get_class, partial, require_manage, require_staff

VERIFY_RATE = "30/m"


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


@login_required
@require_GET
def certificates(request, pk: int):
    require_staff(request)
    training_class = get_class(request, pk)
    standings = services.certificate_standings(training_class=training_class)
    issued = {c.enrollment_id: c for c in Certificate.objects.filter(enrollment__training_class=training_class)}
    rows = [{"s": s, "certificate": issued.get(s.enrollment.pk)} for s in standings]
    show = request.GET.get("show", "")
    if show == "eligible":
        rows = [r for r in rows if r["s"].eligible]
    elif show == "short":
        rows = [r for r in rows if not r["s"].eligible]
    elif show == "issued":
        rows = [r for r in rows if r["certificate"]]
    context = {
        **class_context(training_class, "certificates"), "rows": rows, "show": show,
        "eligible": sum(1 for s in standings if s.eligible), "total": len(standings),
        "valid": sum(1 for c in issued.values() if not c.revoked_at),
        "revoked": sum(1 for c in issued.values() if c.revoked_at),
        "short": sum(1 for s in standings if not s.eligible),
        "waiting": sum(1 for s in standings if s.eligible and s.enrollment.pk not in issued),
        "can_manage": request.user.can("training.manage"),
    }
    if partial(request):
        return render(request, "training/feedback/certificates.html#rows", context)
    return render(request, "training/feedback/certificates.html", context)


@login_required
@require_POST
def certificates_issue(request, pk: int):
    require_manage(request)
    training_class = get_class(request, pk)
    try:
        issued = services.certificates_issue(training_class=training_class, by=request.user)
    except services.CertificateError as exc:
        messages.error(request, str(exc))
    else:
        if issued:
            messages.success(request, f"已颁发结业证书 {len(issued)} 份（{issued[0].number} 至 {issued[-1].number}）")
        else:
            messages.info(request, "没有新的符合条件人员，未颁发新证书")
    return redirect("training:certificates", pk=training_class.pk)


def _get_certificate(request, pk: int) -> Certificate:
    return get_scoped_or_404(
        Certificate.objects.select_related("enrollment__person", "enrollment__training_class__region"),
        request.user, pk=pk)


@login_required
@require_POST
def certificate_revoke(request, pk: int):
    require_manage(request)
    certificate = _get_certificate(request, pk)
    try:
        services.certificate_revoke(certificate=certificate, reason=request.POST.get("reason", ""), by=request.user)
    except services.CertificateError as exc:
        messages.error(request, f"{certificate.number}：{exc}")
    else:
        messages.success(request, f"已撤销证书 {certificate.number}")
    return redirect("training:certificates", pk=certificate.enrollment.training_class_id)


@login_required
@require_GET
def certificate_pdf(request, pk: int):
    """One certificate: the office in scope, or its holder (scoping gives a deputy only their own)."""
    certificate = _get_certificate(request, pk)
    if certificate.revoked_at:
        messages.error(request, f"证书 {certificate.number} 已撤销，不能下载")
        return redirect("core:home")
    content = services.certificates_pdf(certificates=[certificate], base_url=_base_url(request))
    return pdf_response(content, f"结业证书-{certificate.enrollment.person.name}.pdf")


@login_required
@require_GET
def my_certificate(request, pk: int):
    """The deputy's own certificate of a class (from the class's deputy links)."""
    training_class = get_class(request, pk)
    certificate = (Certificate.objects.filter(enrollment__training_class=training_class,
                                              enrollment__person_id=request.user.person_id)
                   .select_related("enrollment__person", "enrollment__training_class__region").first()
                   if request.user.person_id else None)
    if certificate is None or certificate.revoked_at:
        messages.info(request, "您在本培训班还没有有效的结业证书：结业后，达到出勤要求的由主办单位统一颁发。")
        return redirect("training:my_feedback", pk=training_class.pk)
    content = services.certificates_pdf(certificates=[certificate], base_url=_base_url(request))
    return pdf_response(content, f"结业证书-{certificate.enrollment.person.name}.pdf")


@login_required
@require_GET
def certificates_pdf(request, pk: int):
    require_staff(request)
    training_class = get_class(request, pk)
    batch = list(Certificate.objects.filter(enrollment__training_class=training_class, revoked_at__isnull=True)
                 .select_related("enrollment__person", "enrollment__training_class__region")
                 .order_by("number"))
    if not batch:
        messages.error(request, "还没有颁发结业证书")
        return redirect("training:certificates", pk=training_class.pk)
    content = services.certificates_pdf(certificates=batch, base_url=_base_url(request))
    return pdf_response(content, f"结业证书-{training_class.title}.pdf")


@never_cache
@require_GET
@ratelimit(key="ip", rate=VERIFY_RATE, method="GET", block=False)
def certificate_verify(request, code: str):
    """Public: anyone holding the certificate (or its QR) may confirm it. Only what the certificate itself shows:
    the holder's name, the class, its dates and hours, the number, and whether it is valid."""
    if getattr(request, "limited", False):
        return ratelimited(request)
    certificate = (Certificate.objects.select_related("enrollment__person", "enrollment__training_class")
                   .filter(code=code).first())
    context = {"certificate": certificate}
    if certificate is not None:
        training_class = certificate.enrollment.training_class
        standing = next(iter(services.certificate_standings(training_class=training_class,
                                                            enrollment=certificate.enrollment)), None)
        start, end = chinese_date(training_class.start_date), chinese_date(training_class.end_date)
        context.update({
            "name": certificate.enrollment.person.name, "cls": training_class,
            "dates": start if start == end else f"{start}至{end}",
            "hours": f"{standing.attended_hours.normalize():f}" if standing else "",
            "issued": chinese_date(timezone.localtime(certificate.issued_at)),
            "revoked": chinese_date(timezone.localtime(certificate.revoked_at)) if certificate.revoked_at else "",
        })
    response = render(request, "training/feedback/certificate_verify.html", context,
                      status=200 if certificate else 404)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns = [
    path("<int:pk>/certificates/", certificates, name="certificates"),
    path("<int:pk>/certificates/issue/", certificates_issue, name="certificates_issue"),
    path("<int:pk>/certificates/pdf/", certificates_pdf, name="certificates_pdf"),
    path("certificates/<int:pk>/revoke/", certificate_revoke, name="certificate_revoke"),
    path("certificates/<int:pk>/pdf/", certificate_pdf, name="certificate_pdf"),
    path("<int:pk>/my-certificate/", my_certificate, name="my_certificate"),
    path("verify/<str:code>/", certificate_verify, name="certificate_verify"),
]

"""The web roster import: upload, progress, errors or preview, apply. Thin: the work is in import_jobs/roster_io."""

import datetime as dt
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lvzhi.core.excel import workbook_bytes, xlsx_response
from lvzhi.core.scoping import get_scoped_or_404, scoped

from . import import_jobs, roster_io
from .models import ImportJob

ERRORS_SHOWN = 500
STALL_AFTER = dt.timedelta(seconds=30)
RUNNING = {ImportJob.Status.PENDING, ImportJob.Status.VALIDATING, ImportJob.Status.APPLYING}


class UploadForm(forms.Form):
    file = forms.FileField(label="名册文件（.xlsx）", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if name.endswith(".xls"):
            raise forms.ValidationError("不支持旧版 .xls 文件，请在Excel或WPS中“另存为”.xlsx 后再上传")
        if not name.endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的Excel文件")
        if upload.size > import_jobs.MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件超过10MB；请删去无关的工作表或分成几个文件导入")
        return upload


def _require_import(request) -> None:
    if not request.user.can("roster.import") or not request.user.region_id:
        raise PermissionDenied("您没有导入名册的权限")


def _get_job(request, pk: int) -> ImportJob:
    _require_import(request)
    return get_scoped_or_404(ImportJob.objects.defer("content"), request.user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_import(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_jobs.import_job_create(by=request.user, filename=upload.name, content=upload.read())
        return redirect("people:import_job", pk=job.pk)
    jobs = (scoped(ImportJob.objects.defer("content", "errors", "preview"), request.user)
            .select_related("created_by").order_by("-created_at")[:10])
    return render(request, "people/import.html", {"form": form, "jobs": jobs, "columns": roster_io.COLUMNS})


def _status_context(job: ImportJob) -> dict:
    errors = job.errors or []
    stalled = job.status == ImportJob.Status.PENDING and timezone.now() - job.created_at > STALL_AFTER
    return {
        "job": job, "running": job.status in RUNNING, "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(len(errors) - ERRORS_SHOWN, 0), "preview": job.preview or {},
        "stalled": stalled,
    }


@login_required
@require_GET
def import_job(request, pk: int):
    job = _get_job(request, pk)
    return render(request, "people/import_job.html", _status_context(job))


@login_required
@require_GET
def import_progress(request, pk: int):
    """The status panel alone; the page polls it every second while the job runs, and it stops polling itself."""
    job = _get_job(request, pk)
    return render(request, "people/import_job.html#status", _status_context(job))


@login_required
@require_POST
def import_apply(request, pk: int):
    job = _get_job(request, pk)
    if not import_jobs.import_job_apply(job=job, by=request.user, remote_addr=request.META.get("REMOTE_ADDR")):
        messages.info(request, "这份名册已经导入或正在导入，不会重复写入")
    return redirect("people:import_job", pk=job.pk)


@login_required
@require_GET
def import_errors(request, pk: int):
    job = _get_job(request, pk)
    if not job.errors:
        raise Http404("这次导入没有错误清单")
    name = job.filename.rsplit(".", 1)[0]
    return xlsx_response(workbook_bytes(roster_io.errors_workbook(job.errors)), f"{name}-错误清单.xlsx")


@login_required
@require_GET
def import_template(request):
    """A blank roster in the format import reads, for offices that start from nothing."""
    _require_import(request)
    buffer = io.BytesIO()
    roster_io.export_roster(roster_io.Person.objects.none(), buffer, title="人大代表名册（导入模板）")
    return xlsx_response(buffer.getvalue(), "代表名册导入模板.xlsx")

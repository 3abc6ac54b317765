"""The web import's life: upload → validate in the background → preview → apply once.

States (ImportJob.Status): PENDING → VALIDATING → INVALID | READY; READY → APPLYING → DONE | FAILED.
Only the request that moves a job from READY to APPLYING starts the write, so a second click, a
second tab or a replayed form has no second effect. The file is checked again when it is applied:
the roster may have changed since the preview, and the database, not the preview, is the truth.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F

from lvzhi.core.audit import audit_event
from lvzhi.core.models import Region, region_prefix

from . import roster_io
from .models import ImportJob

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UNEXPECTED = [{"row": None, "column": "系统", "message": "处理时发生意外错误，未写入任何数据；请稍后重试或联系管理员",
               "text": "系统：处理时发生意外错误，未写入任何数据；请稍后重试或联系管理员"}]


def _scope_prefix(job: ImportJob) -> str:
    region = Region.objects.get(code=job.region_code)
    return region_prefix(region.code, region.level)


def import_job_create(*, by, filename: str, content: bytes) -> ImportJob:
    """Store the upload and queue its validation."""
    if not by.can("roster.import") or not by.region_id:
        raise PermissionDenied("您没有导入名册的权限")
    from .tasks import validate_import_job

    job = ImportJob.objects.create(created_by=by, filename=filename[:200], content=content, region_code=by.region_id)
    audit_event(job, event="import", actor=by, note=f"上传名册文件 {job.filename}")
    transaction.on_commit(lambda: validate_import_job.enqueue(job.pk))
    return job


def _progress(job_id: int):
    def report(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    return report


def import_job_validate(job_id: int) -> None:
    """Check the whole file and store either every error or the preview; writes nothing to the roster."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.VALIDATING, processed_rows=0
    )
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)
    try:
        parsed = roster_io.parse_roster(bytes(job.content), scope_prefix=_scope_prefix(job), progress=_progress(job_id))
        errors = parsed.errors
        preview = {}
        if parsed.ok:
            plan = roster_io.plan_import(parsed)
            errors = plan.errors
            preview = plan.summary() if plan.ok else {}
    except Exception:
        logger.exception("roster import %s: validation failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.FAILED, errors=UNEXPECTED)
        return
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.INVALID if errors else ImportJob.Status.READY,
        errors=[e.as_dict() for e in errors], preview=preview, total_rows=parsed.total_rows,
        processed_rows=parsed.total_rows,
    )


def import_job_apply(*, job: ImportJob, by, remote_addr: str | None = None) -> bool:
    """Start writing a validated job; False when it was not waiting (already applied, applying or invalid)."""
    if not by.can("roster.import"):
        raise PermissionDenied("您没有导入名册的权限")
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
        status=ImportJob.Status.APPLYING
    )
    if not started:
        return False
    from .tasks import apply_import_job

    transaction.on_commit(lambda: apply_import_job.enqueue(job.pk, by.pk, remote_addr))
    return True


def import_job_run_apply(job_id: int, user_id: int | None, remote_addr: str | None) -> None:
    """The background half of ``import_job_apply``: check again and write in one transaction."""
    from lvzhi.accounts.models import User

    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.APPLYING).first()
    if job is None:
        return
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        outcome = roster_io.import_roster(
            bytes(job.content), scope_prefix=_scope_prefix(job), actor=actor, source=f"网页导入 {job.filename}",
            remote_addr=remote_addr,
        )
    except Exception:
        logger.exception("roster import %s: apply failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.FAILED, errors=UNEXPECTED)
        return
    if not outcome.ok:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, errors=[e.as_dict() for e in outcome.errors]
        )
        return
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE, result=outcome.result, preview=outcome.summary, processed_rows=F("total_rows")
    )
    job.refresh_from_db(fields=["status"])
    r = outcome.result
    audit_event(job, event="import", actor=actor, changes={k: [None, v] for k, v in r.items()},
                note=(f"导入 {job.filename}：新增人员{r['created_persons']}，更新人员{r['updated_persons']}，"
                      f"新增代表资格{r['created_mandates']}，更新代表资格{r['updated_mandates']}"))

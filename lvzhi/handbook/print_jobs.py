"""Batches of personal handbooks (a class's enrolled deputies): made in the background, one PDF per person
in a zip, with progress the page polls.

States (PrintJob.Status): PENDING → RUNNING → DONE | FAILED. Only the worker that moves a job from PENDING
to RUNNING makes it, so a task delivered twice has no second effect.
"""

import logging
import tempfile
import time
import zipfile

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lvzhi.core.audit import audit_event
from lvzhi.core.notify import notify
from lvzhi.core.scoping import scoped

from . import editions
from .models import PrintJob

logger = logging.getLogger(__name__)

MAX_RECIPIENTS = 5000
PROGRESS_EVERY = 0.5  # seconds between progress writes


class PrintJobError(ValueError):
    pass


@transaction.atomic
def print_job_start(*, by, persons_with_mandates, label: str) -> PrintJob:
    """Queue the personal handbooks of these (person, mandate or None) pairs; every person must be in the
    requester's scope. Returns the job; its page is ``handbook:print_job`` (pk)."""
    from lvzhi.people.models import Mandate, Person

    if not by.can("handbook.print") or not by.region_id:
        raise PermissionDenied("您没有批量印制履职手册的权限")
    pairs = [(person, mandate) for person, mandate in persons_with_mandates]
    if not pairs:
        raise PrintJobError("没有要印制手册的人员")
    if len(pairs) > MAX_RECIPIENTS:
        raise PrintJobError(f"一次最多印制{MAX_RECIPIENTS}人，请分批")
    person_ids = {p.pk for p, _ in pairs}
    visible = set(scoped(Person.objects.filter(pk__in=person_ids), by).values_list("pk", flat=True))
    outside = person_ids - visible
    if outside:
        raise PermissionDenied(f"有{len(outside)}人不在您的管辖范围内，不能为其印制手册")
    mandate_owner = dict(Mandate.objects.filter(pk__in=[m.pk for _, m in pairs if m is not None])
                         .values_list("pk", "person_id"))
    for person, mandate in pairs:
        if mandate is not None and mandate_owner.get(mandate.pk) != person.pk:
            raise PrintJobError(f"{person.name}的代表资格不匹配，请刷新后重试")
    job = PrintJob.objects.create(
        label=(label or "履职手册").strip()[:120], region=by.region, requested_by=by,
        recipients=[[p.pk, m.pk if m is not None else None] for p, m in pairs], total=len(pairs),
    )
    audit_event(job, event="handbook_print", actor=by, note=f"{job.label}：{job.total}人")
    from .tasks import run_print_job

    transaction.on_commit(lambda: run_print_job.enqueue(job.pk))
    return job


def _recipients(job: PrintJob) -> list[editions.Recipient]:
    from lvzhi.people.models import Mandate, Person

    persons = Person.objects.in_bulk([p for p, _ in job.recipients])
    mandates = (Mandate.objects.select_related("term__congress", "delegation", "district")
                .in_bulk([m for _, m in job.recipients if m]))
    return [editions.Recipient(persons[p], mandates.get(m) if m else None)
            for p, m in job.recipients if p in persons]


def _zip_name(recipient: editions.Recipient, used: set[str]) -> str:
    name = recipient.person.name
    candidates = [name]
    if recipient.mandate is not None and recipient.mandate.deputy_number:
        candidates.append(f"{name}_{recipient.mandate.deputy_number}")
    candidates += [f"{name}_{n}" for n in range(2, 10_000)]
    for candidate in candidates:
        if candidate not in used:
            used.add(candidate)
            return f"{candidate}.pdf"
    raise AssertionError("unreachable")


def print_job_run(job_id: int) -> None:
    """The background half: make every PDF, zip them, store the zip; progress as it goes."""
    claimed = PrintJob.objects.filter(pk=job_id, status=PrintJob.Status.PENDING).update(
        status=PrintJob.Status.RUNNING, done=0)
    if not claimed:
        return
    job = PrintJob.objects.get(pk=job_id)
    try:
        recipients = _recipients(job)
        used: set[str] = set()
        done, last = 0, time.monotonic()
        with tempfile.TemporaryFile() as handle:
            # PDFs are compressed already: storing them is as small as deflating them, and much faster.
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
                for recipient, content in editions.iter_edition_pdfs(recipients):
                    archive.writestr(_zip_name(recipient, used), content)
                    done += 1
                    if time.monotonic() - last >= PROGRESS_EVERY:
                        PrintJob.objects.filter(pk=job_id).update(done=done)
                        last = time.monotonic()
            handle.seek(0)
            job.file.save(f"{job.label}.zip", File(handle), save=False)
        PrintJob.objects.filter(pk=job_id).update(
            status=PrintJob.Status.DONE, done=done, total=len(recipients), file=job.file.name,
            finished_at=timezone.now())
    except Exception:
        logger.exception("handbook print job %s failed", job_id)
        PrintJob.objects.filter(pk=job_id).update(
            status=PrintJob.Status.FAILED, finished_at=timezone.now(),
            error="生成时发生意外错误，没有生成压缩包；请稍后重试或联系管理员")
        return
    if job.requested_by_id:
        notify(user=job.requested_by, title=f"履职手册已生成：{job.label}（{done}份）",
               link=reverse("handbook:print_job", args=[job.pk]))

"""Background tasks of the roster (django-tasks: the db_worker in production, run at once in tests)."""

from django_tasks import task

from . import import_jobs


@task()
def validate_import_job(job_id: int) -> None:
    import_jobs.import_job_validate(job_id)


@task()
def apply_import_job(job_id: int, user_id: int | None, remote_addr: str | None) -> None:
    import_jobs.import_job_run_apply(job_id, user_id, remote_addr)

"""Background tasks of the handbook (django-tasks: the db_worker in production, run at once in tests)."""

from django_tasks import task

from . import print_jobs


@task()
def run_print_job(job_id: int) -> None:
    print_jobs.print_job_run(job_id)

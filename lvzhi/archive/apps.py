from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "lvzhi.archive"
    label = "archive"
    verbose_name = "履职档案"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Activity, DutyNote, DutyNotePhoto

        # Every create, update and delete of archive rows goes to the audit trail; state changes add their own
        # event rows through core.audit.audit_event.
        auditlog.register(Activity, exclude_fields=["updated_at"])
        auditlog.register(DutyNote, exclude_fields=["updated_at"])
        auditlog.register(DutyNotePhoto)

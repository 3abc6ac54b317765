from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "lvzhi.archive"
    label = "archive"
    verbose_name = "履职档案"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import DutyNote, DutyNotePhoto

        # Notes and their photos go to the audit trail (core's registry may have taken DutyNote already); state
        # changes add their own event rows through core.audit.audit_event. Activities are derived from audited
        # sources and are not logged a second time.
        for model, options in ((DutyNote, {"exclude_fields": ["updated_at"]}), (DutyNotePhoto, {})):
            if not auditlog.contains(model):
                auditlog.register(model, **options)

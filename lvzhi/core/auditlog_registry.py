"""Which models django-auditlog follows (every create, update and delete), and what it must never copy.

Imported once from CoreConfig.ready. An app may register its own models in its own ready(); a model already
registered is left as its app set it.
"""

from auditlog.registry import auditlog
from django.apps import apps

# (model, options). Secrets and ciphertext stay out of the trail: the ID number is logged only through its
# masked twin (id_masked), phones are masked as the pages mask them, passwords never appear.
TRACKED = [
    ("people.Person", {
        "exclude_fields": ["id_number", "id_hash", "name_initials", "created_at", "updated_at"],
        "mask_fields": ["phone"],
        "mask_callable": "lvzhi.core.masking.mask_phone",
    }),
    ("people.Mandate", {}),
    ("people.MandateChange", {}),
    ("people.Unit", {}),
    ("people.DeputyGroup", {}),
    ("people.Station", {}),
    ("people.Delegation", {}),
    ("people.ElectoralDistrict", {}),
    ("people.Congress", {}),
    ("people.Term", {}),
    ("people.Sitting", {}),
    ("archive.DutyNote", {"exclude_fields": ["updated_at"]}),
    ("accounts.User", {"exclude_fields": ["password", "last_login"]}),
    ("handbook.HandbookEntry", {"exclude_fields": ["updated_at"]}),
    ("handbook.Question", {"exclude_fields": ["updated_at"]}),
    ("handbook.Quiz", {}),
    ("training.TrainingPlan", {"exclude_fields": ["updated_at"]}),
    ("training.NeedsSurvey", {}),
    ("training.TrainingClass", {"exclude_fields": ["updated_at"]}),
    ("training.ClassArea", {}),
    ("training.ClassTask", {}),
    ("training.Instructor", {"mask_fields": ["phone"], "mask_callable": "lvzhi.core.masking.mask_phone"}),
    ("training.Lesson", {"exclude_fields": ["checkin_secret"]}),
    ("training.ClassDelegation", {}),
    ("training.SeatZone", {}),
    ("training.DiscussionGroup", {}),
    ("training.Enrollment", {}),
    ("training.Attendance", {}),
    ("training.LeaveRequest", {}),
    ("training.LeaveDecision", {}),
    ("training.DisciplineNotice", {"exclude_fields": ["content"]}),
    ("training.DiscussionItem", {}),
    ("training.Certificate", {"exclude_fields": ["code"]}),
    ("core.CalendarDay", {}),
    ("suggestions.Category", {}),
    ("suggestions.HandlingRules", {}),
    ("suggestions.Suggestion", {"exclude_fields": ["updated_at"]}),
    ("suggestions.Signature", {}),
    ("suggestions.Assignment", {}),
    ("suggestions.ContactLog", {}),
    ("suggestions.Reply", {}),
    ("suggestions.Commitment", {}),
    ("suggestions.Rating", {}),
    ("suggestions.Supervision", {}),
    ("suggestions.FollowUp", {}),
    ("suggestions.AssessmentWeights", {}),
    ("suggestions.UnitAssessment", {}),
]


def register_all() -> None:
    for label, options in TRACKED:
        model = apps.get_model(label)
        if not auditlog.contains(model):
            auditlog.register(model, **options)

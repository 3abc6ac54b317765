"""Training in the configuration site: the instructor list can be tidied here (merged, corrected); plans and
classes are shown read-only, since every change to them goes through the training pages and their services."""

from django.contrib import admin

from .models import Instructor, TrainingClass, TrainingPlan


@admin.register(Instructor)
class InstructorAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "title", "region"]
    search_fields = ["name", "organisation"]
    raw_id_fields = ["region"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrainingPlan)
class TrainingPlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "year", "region", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]


@admin.register(TrainingClass)
class TrainingClassAdmin(ReadOnlyAdmin):
    list_display = ["title", "form", "start_date", "end_date", "region", "status"]
    list_filter = ["form", "status"]
    search_fields = ["title"]
    date_hierarchy = "start_date"

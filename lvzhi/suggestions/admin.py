"""Suggestions in the configuration site: categories and handling rules may be tidied here; suggestions and their
assignments are shown read-only, since every change of state goes through the services and workflow.py."""

from django.contrib import admin

from .models import Assignment, Category, HandlingRules, Suggestion, SuggestionEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "committee", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "committee"]
    raw_id_fields = ["region"]


@admin.register(HandlingRules)
class HandlingRulesAdmin(admin.ModelAdmin):
    list_display = ["region", "preset", "reply_months", "max_extension_months", "return_working_days"]
    raw_id_fields = ["region"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AssignmentInline(admin.TabularInline):
    model = Assignment
    fields = ["unit", "role", "round", "status", "assigned_at", "deadline", "extended_to"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = SuggestionEvent
    fields = ["at", "action", "from_state", "to_state", "by", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ["number_label", "title", "kind", "state", "lead", "region_code", "is_key", "is_public"]
    list_filter = ["kind", "state", "is_key", "is_public"]
    search_fields = ["title", "number_label", "lead__name"]
    list_select_related = ["lead"]
    inlines = [AssignmentInline, EventInline]

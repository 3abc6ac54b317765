"""Configuration of the congress structure for administrators: congresses, terms, sittings and the
dictionaries the roster refers to. Persons and mandates are edited in the roster pages, not here."""

from django.contrib import admin

from .models import Congress, Delegation, DeputyGroup, ElectoralDistrict, Sitting, Station, Term, Unit


class TermInline(admin.TabularInline):
    model = Term
    extra = 0


class SittingInline(admin.TabularInline):
    model = Sitting
    extra = 0


@admin.register(Congress)
class CongressAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "region"]
    list_filter = ["level"]
    search_fields = ["name"]
    raw_id_fields = ["region"]
    inlines = [TermInline]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["__str__", "start_date", "end_date", "is_current"]
    list_filter = ["congress__level", "is_current"]
    inlines = [SittingInline]


@admin.register(Delegation, ElectoralDistrict)
class TermDictionaryAdmin(admin.ModelAdmin):
    list_display = ["name", "term", "region"]
    list_filter = ["term__congress__level"]
    search_fields = ["name"]
    raw_id_fields = ["region"]


@admin.register(DeputyGroup, Station)
class RegionDictionaryAdmin(admin.ModelAdmin):
    list_display = ["name", "region"]
    search_fields = ["name"]
    raw_id_fields = ["region"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    raw_id_fields = ["region"]

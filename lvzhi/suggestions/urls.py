from .views import deputy, office, public, reports, rules, unit

app_name = "suggestions"
urlpatterns = [
    *deputy.urlpatterns,
    *office.urlpatterns,
    *unit.urlpatterns,
    *reports.urlpatterns,
    *rules.urlpatterns,
    *public.urlpatterns,
]

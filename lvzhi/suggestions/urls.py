from .views import deputy, office, public, reports, unit

app_name = "suggestions"
urlpatterns = [
    *deputy.urlpatterns,
    *office.urlpatterns,
    *unit.urlpatterns,
    *reports.urlpatterns,
    *public.urlpatterns,
]

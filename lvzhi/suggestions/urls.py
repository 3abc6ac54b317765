from .views import deputy, office, reports, unit

app_name = "suggestions"
urlpatterns = [
    *deputy.urlpatterns,
    *office.urlpatterns,
    *unit.urlpatterns,
    *reports.urlpatterns,
]

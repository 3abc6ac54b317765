from .views import attendance, classes, feedback, plans, seating

app_name = "training"
urlpatterns = [
    *classes.urlpatterns,
    *plans.urlpatterns,
    *seating.urlpatterns,
    *attendance.urlpatterns,
    *feedback.urlpatterns,
]

from .views import attendance, classes, feedback, leave, plans, seating

app_name = "training"
urlpatterns = [
    *classes.urlpatterns,
    *plans.urlpatterns,
    *seating.urlpatterns,
    *attendance.urlpatterns,
    *leave.urlpatterns,
    *feedback.urlpatterns,
]

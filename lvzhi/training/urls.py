from .views import attendance, classes, feedback, seating

app_name = "training"
urlpatterns = [
    *classes.urlpatterns,
    *seating.urlpatterns,
    *attendance.urlpatterns,
    *feedback.urlpatterns,
]

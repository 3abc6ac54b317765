from .views import attendance, classes, discussion, feedback, groups, leave, plans, seating

app_name = "training"
urlpatterns = [
    *classes.urlpatterns,
    *plans.urlpatterns,
    *seating.urlpatterns,
    *groups.urlpatterns,
    *discussion.urlpatterns,
    *attendance.urlpatterns,
    *leave.urlpatterns,
    *feedback.urlpatterns,
]

from .views import (
    attendance,
    certificates,
    classes,
    discussion,
    feedback,
    figures,
    groups,
    leave,
    plans,
    seating,
)

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
    *certificates.urlpatterns,
    *figures.urlpatterns,
]

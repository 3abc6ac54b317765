from django.urls import path

from . import views

app_name = "archive"
urlpatterns = [
    path("person/<int:person_id>/", views.person_archive, name="person"),
    path("notes/", views.my_notes, name="my_notes"),
    path("review/", views.review_queue, name="review_queue"),
]

from django.urls import path

from . import views

app_name = "archive"
urlpatterns = [
    path("person/<int:person_id>/", views.person_archive, name="person"),
    path("notes/", views.my_notes, name="my_notes"),
    path("notes/new/", views.note_new, name="note_new"),
    path("notes/<int:pk>/", views.note_detail, name="note_detail"),
    path("notes/<int:pk>/edit/", views.note_edit, name="note_edit"),
    path("notes/<int:pk>/photos/<int:photo_id>/", views.note_photo, name="note_photo"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review_note, name="review_note"),
]

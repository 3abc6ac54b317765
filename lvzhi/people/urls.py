from django.urls import path

from . import import_views, views

app_name = "people"
urlpatterns = [
    path("", views.roster, name="roster"),
    path("import/", import_views.import_upload, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("import/<int:pk>/apply/", import_views.import_apply, name="import_apply"),
    path("import/<int:pk>/errors.xlsx", import_views.import_errors, name="import_errors"),
]

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
    path("export.xlsx", views.roster_export_xlsx, name="export_xlsx"),
    path("export.pdf", views.roster_export_pdf, name="export_pdf"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/reveal/<str:field>/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/mandates/new/", views.mandate_add, name="mandate_add"),
    path("mandates/<int:pk>/edit/", views.mandate_edit, name="mandate_edit"),
    path("mandates/<int:pk>/status/", views.mandate_status, name="mandate_status"),
]

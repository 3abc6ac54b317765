from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.roster, name="roster"),
    path("import/", views.roster_import, name="import"),
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

from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.roster, name="roster"),
    path("import/", views.roster_import, name="import"),
]

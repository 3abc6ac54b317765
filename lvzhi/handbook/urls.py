from django.urls import path

from . import views

app_name = "handbook"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.entry_create, name="entry_create"),
    path("<int:number>/", views.entry, name="entry"),
    path("<int:number>/edit/", views.entry_edit, name="entry_edit"),
    path("<int:number>/history/", views.entry_history, name="entry_history"),
    path("<int:number>/active/", views.entry_active, name="entry_active"),
    path("questions/", views.questions, name="questions"),
    path("questions/new/", views.question_create, name="question_create"),
    path("questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:pk>/active/", views.question_active, name="question_active"),
    path("exchange/", views.exchange, name="exchange"),
    path("exchange/export.json", views.export, name="export"),
    path("quizzes/", views.quizzes, name="quizzes"),
    path("quizzes/new/", views.quiz_create, name="quiz_create"),
    path("quizzes/<int:pk>/", views.quiz_detail, name="quiz"),
    path("quizzes/<int:pk>/start/", views.quiz_start, name="quiz_start"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:pk>/save/", views.attempt_save, name="attempt_save"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path("edition/", views.my_edition, name="my_edition"),
    path("edition/<int:person_pk>/", views.edition, name="edition"),
    path("print/", views.print_jobs_list, name="print_jobs"),
    path("print/<int:pk>/", views.print_job, name="print_job"),
    path("print/<int:pk>/progress/", views.print_job_progress, name="print_job_progress"),
    path("print/<int:pk>/download/", views.print_job_download, name="print_job_download"),
]

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/disable/", views.user_disable, name="user_disable"),
    path("users/<int:pk>/enable/", views.user_enable, name="user_enable"),
    path("users/<int:pk>/end-sessions/", views.user_end_sessions, name="user_end_sessions"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/reset-2fa/", views.user_reset_two_factor, name="user_reset_two_factor"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export/", views.audit_export, name="audit_export"),
]

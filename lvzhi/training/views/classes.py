"""Training views: classes (see training/urls.py)."""

urlpatterns: list = []

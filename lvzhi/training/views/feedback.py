"""Training views: feedback (see training/urls.py)."""

urlpatterns: list = []

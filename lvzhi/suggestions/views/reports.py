"""Suggestion views: reports (joined in suggestions/urls.py)."""

urlpatterns: list = []
